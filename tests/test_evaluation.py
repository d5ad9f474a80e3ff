"""Specification of course_lib.runs.lesson07_evaluation: one call scores a model on adherence, format, BLEU, perplexity and
general knowledge, asking each question once (answers are stored and read back).

The model is tiny and randomly initialised (with the course tokenizer), never the course model.
"""
import pytest
import torch

from course_lib import data
from course_lib.runs import lesson07_evaluation as evaluation
from course_lib.evaluation import metrics
from course_lib.finetuning import recipes
from course_lib.stats import Proportion


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path))
    return tmp_path


def test_general_knowledge_counts_answers_holding_an_accepted_answer():
    questions = data.load_general_questions()
    texts = [f"It is {q['accepted'][0]}." if i < 10 else "I am not sure." for i, q in enumerate(questions)]
    result = evaluation.general_knowledge(texts)
    assert (result.k, result.n) == (10, len(questions))


def test_general_knowledge_needs_one_answer_per_question():
    with pytest.raises(ValueError, match="in file order"):
        evaluation.general_knowledge(["Paris"])


def test_evaluate_reports_every_score_and_stores_the_answers(tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)).eval()
    prompts = recipes.held_out_prompts(2)
    references = ["- tofu: 17 g protein", "- lentils: 9 g protein"]
    dialogues = data.training_set(tokenizer, "test")[:2]
    scores = evaluation.evaluate("tiny", model, tokenizer, prompts, references, dialogues, data.load_profile())
    assert isinstance(scores["no violation"], Proportion) and scores["no violation"].n == 2
    assert scores["general questions"].n == len(data.load_general_questions())
    assert scores["perplexity"] == pytest.approx(metrics.perplexity(model, tokenizer, dialogues)["perplexity"])
    assert scores["BLEU"] == pytest.approx(metrics.bleu(scores["answers"], references))
    again, generated_now = recipes.answers("tiny", None, tokenizer, prompts)
    assert again == scores["answers"] and not generated_now


def test_evaluate_refuses_prompts_without_their_references(tokenizer):
    with pytest.raises(ValueError, match="one per prompt"):
        evaluation.evaluate("tiny", None, tokenizer, recipes.held_out_prompts(2), ["only one"], [], {})


def tiny(tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                                        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)).eval()


def test_the_full_test_set_is_every_test_prompt_with_the_persons_own_answer(tokenizer):
    prompts, references, dialogues = evaluation.held_out_set(tokenizer)
    test = data.load_dialogues("test")
    assert len(prompts) == len(references) == len(dialogues) == len(test) == 92
    by_prompt = {d["messages"][0]["content"]: d["messages"][-1]["content"] for d in test}
    assert all(by_prompt[p[0]["content"]] == r for p, r in zip(prompts, references))


def test_one_system_is_trained_with_its_seed_and_scored_into_a_row(tokenizer):
    prompts, references, dialogues = evaluation.held_out_set(tokenizer, 2)
    row = evaluation.evaluate_system("lesson06-lora16", 1, lambda: (tiny(tokenizer), tokenizer), prompts, references,
                                     dialogues[:2], data.load_profile(), train_examples=4, eval_examples=2,
                                     epochs=1, eval_steps=1)
    assert (row["system"], row["seed"]) == ("lesson06-lora16", 1)
    assert row["no violation"][1] == row["wanted format"][1] == 2
    assert row["general questions"][1] == len(data.load_general_questions())
    assert row["perplexity"] > 1 and 0 <= row["BLEU"] <= 100


def test_the_command_scores_the_base_model_once_and_records_itself(tokenizer, tmp_path, monkeypatch):
    monkeypatch.setattr("course_lib.models.load_llm", lambda verbose=False: (tiny(tokenizer), tokenizer))
    out = tmp_path / "evaluation.json"
    assert evaluation.main(["--systems", "base", "--seeds", "0", "1", "--test-prompts", "2", "--out", str(out)]) == 0
    stored = evaluation.load_results(out)
    assert [(r["system"], r["seed"]) for r in stored["rows"]] == [("base", None)]   # greedy and untrained: one run
    assert stored["runs"][0]["command"].startswith("python -m course_lib.runs.lesson07_evaluation --systems base")
    assert stored["runs"][0]["test_prompts"] == 2


def test_a_summary_gives_each_system_its_pooled_rate_in_lesson_order():
    rows = [{"system": "lesson06-lora16", "seed": 0, "x": [1, 2]}, {"system": "base", "seed": None, "x": [0, 2]},
            {"system": "lesson06-lora16", "seed": 1, "x": [2, 2]}]
    summary = evaluation.summarise(rows, "x")
    assert list(summary) == ["base", "lesson06-lora16"]
    assert (summary["lesson06-lora16"]["pooled"].k, summary["lesson06-lora16"]["seeds"]) == (3, 2)


def test_the_table_shows_pooled_rates_each_seed_and_the_verdict_against_the_base():
    rows = [{"system": "base", "seed": None, "no violation": [40, 92], "wanted format": [0, 92],
             "general questions": [26, 40], "BLEU": 0.4, "perplexity": 17.7}]
    rows += [{"system": "lesson06-lora16", "seed": s, "no violation": [k, 92], "wanted format": [f, 92],
              "general questions": [22, 40], "BLEU": b, "perplexity": 8.6} for s, k, f, b in ((0, 80, 30, 9.0), (1, 82, 20, 8.0))]
    text = evaluation.table(rows)
    assert "162/184 = 88%" in text and "(80/92, 82/92)" in text           # pooled, then each seed
    assert "mean 8.50 ± 0.71 over 2 runs (9.00, 8.00)" in text               # BLEU: a number, no interval
    assert "vs base: 162/184 is 45 percentage points higher than 40/92" in text
    assert "mean 17.70 ± 0.00 over 1 run (17.70)" in text
