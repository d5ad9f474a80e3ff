"""Specification of course_lib.evaluation.metrics.perplexity: token-weighted NLL over answer tokens only.

The reference is computed independently, one example at a time without padding: log-softmax
of the logits at position t, gathered at the label of position t+1, summed over answer tokens.
The model is a tiny random Llama (seeded), so the test runs in seconds; the examples are real
course dialogues tokenised by the course tokenizer.
"""
import math

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from course_lib import data
from course_lib.evaluation.metrics import perplexity
from course_lib.tokens import IGNORE_INDEX


@pytest.fixture(scope="module")
def tiny_model(tokenizer):
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=512,
                         attention_dropout=0.3)  # dropout, so a forgotten model.eval() changes the numbers
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():  # sharper logits than a fresh init, so per-example losses differ clearly
        model.lm_head.weight.mul_(40)
    return model


@pytest.fixture(scope="module")
def examples(tokenizer):
    # Five test dialogues of different answer lengths, so batches are padded and unequal.
    return data.training_set(tokenizer, data.load_dialogues("test")[:5])


def _by_hand(model, examples):
    """Sum of -log p(label) over answer tokens and their count, one unpadded example at a time."""
    total, count = 0.0, 0
    with torch.no_grad():
        for ex in examples:
            logits = model(input_ids=torch.tensor([ex["input_ids"]])).logits[0]
            logp = torch.log_softmax(logits.double(), dim=-1)
            for t in range(1, len(ex["labels"])):
                if ex["labels"][t] != IGNORE_INDEX:
                    total -= float(logp[t - 1, ex["labels"][t]])
                    count += 1
    return total, count


def test_the_examples_have_answers_of_different_lengths(examples):
    lengths = {sum(label != IGNORE_INDEX for label in ex["labels"]) for ex in examples}
    assert len(lengths) > 1


def test_perplexity_equals_a_per_token_computation_by_hand(tiny_model, tokenizer, examples):
    total, count = _by_hand(tiny_model, examples)
    result = perplexity(tiny_model, tokenizer, examples, batch_size=2)
    assert result["tokens"] == count
    assert result["examples"] == len(examples)
    assert result["mean_nll"] == pytest.approx(total / count, rel=1e-5)
    assert result["perplexity"] == pytest.approx(math.exp(total / count), rel=1e-5)


def test_the_answer_does_not_depend_on_the_batch_size(tiny_model, tokenizer, examples):
    results = [perplexity(tiny_model, tokenizer, examples, batch_size=b)["mean_nll"] for b in (1, 2, 5)]
    assert results == pytest.approx([results[0]] * 3, rel=1e-5)


def test_it_is_not_the_mean_of_the_batch_losses(tiny_model, tokenizer, examples):
    # The library's loss is a per-token mean within each batch; averaging those over batches
    # of unequal answer lengths weights tokens unequally and gives a different number.
    batch_losses = []
    with torch.no_grad():
        for ex in examples:
            batch = {k: torch.tensor([ex[k]]) for k in ("input_ids", "attention_mask", "labels")}
            batch_losses.append(float(tiny_model(**batch).loss))
    total, count = _by_hand(tiny_model, examples)
    assert abs(sum(batch_losses) / len(batch_losses) - total / count) > 0.01
    assert perplexity(tiny_model, tokenizer, examples, batch_size=1)["mean_nll"] == pytest.approx(total / count, rel=1e-5)


def test_for_one_example_it_is_exp_of_the_models_own_loss(tiny_model, tokenizer, examples):
    ex = examples[0]
    batch = {k: torch.tensor([ex[k]]) for k in ("input_ids", "attention_mask", "labels")}
    with torch.no_grad():
        loss = float(tiny_model(**batch).loss)
    assert perplexity(tiny_model, tokenizer, [ex])["perplexity"] == pytest.approx(math.exp(loss), rel=1e-5)


def test_it_scores_in_eval_mode_without_gradients_and_restores_the_mode(tiny_model, tokenizer, examples):
    total, count = _by_hand(tiny_model, examples)  # eval mode: dropout off
    tiny_model.train()
    try:
        result = perplexity(tiny_model, tokenizer, examples)
        assert tiny_model.training, "the model should be put back in training mode"
    finally:
        tiny_model.eval()
    assert result["mean_nll"] == pytest.approx(total / count, rel=1e-5)
    assert all(p.grad is None for p in tiny_model.parameters())


def test_padding_and_prompt_tokens_are_not_scored(tiny_model, tokenizer, examples):
    # Changing a prompt token's label from -100 to its id would add a scored token; the count
    # must equal the answer tokens exactly, never the padded or prompt positions.
    answer_tokens = sum(label != IGNORE_INDEX for ex in examples for label in ex["labels"][1:])
    assert perplexity(tiny_model, tokenizer, examples, batch_size=5)["tokens"] == answer_tokens


def test_bad_input_gets_a_clear_error(tiny_model, tokenizer, examples):
    with pytest.raises(ValueError, match="no examples"):
        perplexity(tiny_model, tokenizer, [])
    with pytest.raises(ValueError, match="batch_size"):
        perplexity(tiny_model, tokenizer, examples, batch_size=0)
    with pytest.raises(TypeError, match="list of examples"):
        perplexity(tiny_model, tokenizer, examples[0])
    no_answer = {**examples[0], "labels": [IGNORE_INDEX] * len(examples[0]["labels"])}
    with pytest.raises(ValueError, match="answer token"):
        perplexity(tiny_model, tokenizer, [no_answer])
