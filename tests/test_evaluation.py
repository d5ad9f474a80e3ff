"""Specification of course_lib.evaluation: one call scores a model on adherence, format, BLEU, perplexity and
general knowledge, asking each question once (answers are stored and read back).

The model is tiny and randomly initialised (with the course tokenizer), never the course model.
"""
import pytest
import torch

from course_lib import data, evaluation, metrics, recipes
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
