"""Specification of course_lib.runs.lesson07_evaluation: one call scores a model on adherence, format, BLEU, perplexity and
general knowledge, asking each question once (answers are stored and read back).

The model is tiny and randomly initialised (with the course tokenizer), never the course model.
"""
import math

import pytest
import torch

from course_lib import data
from course_lib.finetuning import recipes
from course_lib.runs import lesson07_evaluation as evaluation
from course_lib.stats import Proportion
from course_lib.tokens import IGNORE_INDEX


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


def _perplexity_by_hand(model, examples):
    """exp of the mean negative log-likelihood of the answer tokens, one unpadded example at a time.

    Independent of metrics.perplexity (no padding, no batching, no cross_entropy): the log-softmax of the
    logits at position t, in float64, taken at the label of position t+1, for every label that is not -100.
    """
    total, count = 0.0, 0
    with torch.no_grad():
        for ex in examples:
            logp = torch.log_softmax(model(input_ids=torch.tensor([ex["input_ids"]])).logits[0].double(), dim=-1)
            for t in range(1, len(ex["labels"])):
                if ex["labels"][t] != IGNORE_INDEX:
                    total -= float(logp[t - 1, ex["labels"][t]])
                    count += 1
    assert count > 0
    return math.exp(total / count)


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
    assert scores["perplexity"] == pytest.approx(_perplexity_by_hand(model, dialogues), rel=1e-5)
    # sacrebleu itself, settings stated: corpus BLEU, 13a tokenisation, 1- to 4-grams, exp smoothing, one reference.
    from sacrebleu.metrics import BLEU

    reference_bleu = BLEU(tokenize="13a", smooth_method="exp", max_ngram_order=4).corpus_score(scores["answers"],
                                                                                                [references])
    assert scores["BLEU"] == pytest.approx(reference_bleu.score)
    again, generated_now = recipes.answers("tiny", None, tokenizer, prompts)
    assert again == scores["answers"] and not generated_now


def test_evaluate_scores_known_answers_with_a_bleu_worked_by_hand(tokenizer, monkeypatch):
    prompts = recipes.held_out_prompts(2)
    general_questions = data.load_general_questions()
    general = [f"It is {q['accepted'][0]}." if i < 10 else "I am not sure." for i, q in enumerate(general_questions)]
    hypotheses = ["the tofu bowl with the rice", "lentils have 9 g protein"]
    references = ["the tofu bowl with brown rice", "lentils have 9 g of protein"]

    def scripted(who, model, tokenizer, asked, *, stored=None, max_new_tokens=96):
        return (general if asked == evaluation.general_prompts() else hypotheses), False

    monkeypatch.setattr(evaluation, "answers", scripted)
    model = tiny(tokenizer)
    dialogues = data.training_set(tokenizer, "test")[:2]
    scores = evaluation.evaluate("tiny", model, tokenizer, prompts, references, dialogues, data.load_profile())
    # Corpus BLEU pools the clipped n-gram matches of both pairs before taking precisions:
    #   1-grams: pair 1 matches 5 of 6 ("the" twice, once in the reference), pair 2 5 of 5     -> 10/11
    #   2-grams: "the tofu" "tofu bowl" "bowl with" 3 of 5; "lentils have" "have 9" "9 g" 3 of 4 -> 6/9
    #   3-grams: 2 of 4; 2 of 3                                                                  -> 4/7
    #   4-grams: "the tofu bowl with" 1 of 3; "lentils have 9 g" 1 of 2                          -> 2/5
    #   brevity penalty: 11 answer words against 12 reference words -> exp(1 - 12/11)
    #   BLEU = 100 * exp(1 - 12/11) * (10/11 * 6/9 * 4/7 * 2/5) ** (1/4) = 55.706...
    assert scores["BLEU"] == pytest.approx(100 * math.exp(1 - 12 / 11) * (10 / 11 * 6 / 9 * 4 / 7 * 2 / 5) ** 0.25)
    assert round(scores["BLEU"], 2) == 55.71
    assert (scores["general questions"].k, scores["general questions"].n) == (10, len(general_questions))
    assert (scores["no violation"].k, scores["no violation"].n) == (2, 2)       # tofu, lentils: nothing avoided
    assert (scores["wanted format"].k, scores["wanted format"].n) == (0, 2)     # no bullet with grams of protein
    assert scores["answers"] == hypotheses and scores["general answers"] == general
    assert scores["perplexity"] == pytest.approx(_perplexity_by_hand(model, dialogues), rel=1e-5)


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
    assert all(by_prompt[p[0]["content"]] == r for p, r in zip(prompts, references, strict=True))


def test_one_system_is_trained_with_its_seed_and_scored_into_a_row(tokenizer):
    prompts, references, dialogues = evaluation.held_out_set(tokenizer, 2)
    row = evaluation.evaluate_system("lesson06-lora16", 1, lambda: (tiny(tokenizer), tokenizer), prompts, references,
                                     dialogues[:2], data.load_profile(), train_examples=4, eval_examples=2,
                                     epochs=1, eval_steps=1)
    assert (row["system"], row["seed"]) == ("lesson06-lora16", 1)
    assert row["no violation"][1] == row["wanted format"][1] == 2
    assert row["general questions"][1] == len(data.load_general_questions())
    assert row["perplexity"] > 1 and 0 <= row["BLEU"] <= 100
    # each rate's outcome per question, so two systems can be compared on the same questions
    per = row["per question"]
    assert list(per["no violation"]) == recipes.held_out_ids(2)
    assert sum(per["wanted format"].values()) == row["wanted format"][0]
    assert list(per["general questions"]) == [q["id"] for q in data.load_general_questions()]
    assert len(row["answers"]) == 2 and len(row["general answers"]) == len(data.load_general_questions())


def test_the_command_scores_the_base_model_once_and_records_itself(tokenizer, tmp_path, monkeypatch):
    # lesson07_evaluation imported load_llm by name: patch the name it calls, or the real course model loads.
    monkeypatch.setattr(evaluation, "load_llm", lambda verbose=False: (tiny(tokenizer), tokenizer))
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


def _rows_with_outcomes(base: list[int], seeds: list[list[int]]) -> list[dict]:
    """Stored rows of the base model and of a LoRA trained with each seed, right/wrong per prompt id."""
    def row(system, seed, outcomes):
        keyed = {f"dlg-test-{i:04}": v for i, v in enumerate(outcomes)}
        rate = [sum(outcomes), len(outcomes)]
        return {"system": system, "seed": seed, "no violation": rate, "wanted format": rate,
                "general questions": [20, 40], "BLEU": 1.0, "perplexity": 9.0,
                "per question": {"no violation": keyed, "wanted format": keyed,
                                 "general questions": {f"g-{i}": int(i < 20) for i in range(40)}}}
    return [row("base", None, base)] + [row("lesson06-lora16", s, o) for s, o in enumerate(seeds)]


def test_the_table_shows_pooled_rates_each_seed_and_the_verdict_against_the_base():
    base = [0] * 10 + [1] * 10
    rows = _rows_with_outcomes(base, [[1] * 18 + [0] * 2, [1] * 16 + [0] * 4])
    for r in rows:
        r["BLEU"] = {None: 0.4, 0: 9.0, 1: 8.0}[r["seed"]]
    text = evaluation.table(rows)
    assert "34/40 = 85%" in text and "(18/20, 16/20)" in text             # pooled, then each seed
    assert "mean 8.50 ± 0.71 over 2 runs (9.00, 8.00)" in text               # BLEU: a number, no interval
    # the verdict is paired: 20 prompts x 2 seeds, each prompt counted once
    assert "vs base: 50% vs 85% over 20 questions x 2 seeds: difference +35%" in text


def test_the_verdict_counts_each_prompt_once_however_many_seeds():
    # one disagreement repeated over more seeds is still one prompt: no seed count makes it significant
    base = [0] + [1] * 19
    for n_seeds in (1, 3, 10):
        rows = _rows_with_outcomes(base, [[1] * 20] * n_seeds)
        assert "not distinguishable" in evaluation.table(rows, metrics=["no violation"])


def test_results_written_before_outcomes_were_stored_ask_for_a_re_run():
    rows = _rows_with_outcomes([1, 0], [[1, 1]])
    del rows[1]["per question"]
    with pytest.raises(ValueError, match="re-run"):
        evaluation.table(rows, metrics=["no violation"])
