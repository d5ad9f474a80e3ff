"""Specification of course_lib.finetuning.lora: a LoRA adapter, a few training steps, the style check.

The training tests use a tiny randomly initialised Llama-style model with the course
tokenizer (the session's ``tokenizer`` fixture, see conftest.py), so they run in seconds
and never touch the shared course model.
"""
import pytest
import torch
from tiny_llama import tiny_llama

from course_lib.evaluation.style import style_checks
from course_lib.exercises.lesson03 import check_trainable_share
from course_lib.finetuning.lora import (
    adapter_bytes,
    add_lora,
    add_prompt_tuning,
    generation_speed,
    train_steps,
    trainable_parameters,
)

CHATS = [
    [{"role": "user", "content": "Breakfast idea?"},
     {"role": "assistant", "content": "- 150 g yogurt with berries: 15 g protein"}],
    [{"role": "user", "content": "Snack?"},
     {"role": "assistant", "content": "- 30 g pumpkin seeds: 9 g protein"}],
]


@pytest.fixture
def tiny(tokenizer):
    return tiny_llama(len(tokenizer))


def test_add_lora_trains_only_the_adapter(tiny):
    lora = add_lora(tiny, r=4, alpha=8)
    trainable, total = trainable_parameters(lora)
    names = [n for n, p in lora.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)
    # q/k/v/o in 2 layers: each adapter is A (r x in) + B (out x r)
    per_layer = 4 * (32 + 32) + 4 * (32 + 16) + 4 * (32 + 16) + 4 * (32 + 32)
    assert trainable == 2 * per_layer
    assert trainable / total < 0.01


def test_fresh_adapter_leaves_answers_unchanged(tiny):
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        before = tiny(input_ids=ids).logits.clone()
        after = add_lora(tiny, r=4)(input_ids=ids).logits
    assert torch.allclose(before, after)


@pytest.mark.parametrize("kwargs, message", [
    ({"r": 0}, "r \\(the adapter rank\\) must be a positive integer"),
    ({"alpha": 0}, "alpha must be positive"),
    ({"target_modules": "q_proj"}, "non-empty list of layer names"),
    ({"target_modules": ("q_proj", "c_attn")}, "no layer called \\['c_attn'\\].*'q_proj'"),
])
def test_add_lora_rejects_bad_settings(tiny, kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_lora(tiny, **kwargs)


def test_trainable_parameters_counts_weights_and_biases():
    layer = torch.nn.Linear(3, 2)
    assert trainable_parameters(layer) == (8, 8)
    layer.bias.requires_grad_(False)
    assert trainable_parameters(layer) == (6, 8)


@pytest.mark.slow
def test_train_steps_lowers_the_loss_and_touches_only_the_adapter(tiny, tokenizer):
    frozen = {n: p.detach().clone() for n, p in tiny.named_parameters()}
    lora = add_lora(tiny, r=4, alpha=8)
    losses = train_steps(lora, tokenizer, CHATS, steps=12, lr=5e-3, batch_size=2, progress=False)
    assert len(losses) == 12 and all(isinstance(x, float) for x in losses)
    assert losses[-1] < losses[0]
    assert not lora.training, "the model is left in eval mode, ready to answer"
    base = lora.get_base_model()
    for name, p in base.named_parameters():
        if "lora_" not in name:
            original = name.replace("base_layer.", "")
            assert torch.equal(p, frozen[original]), f"{name} changed"


@pytest.mark.slow
def test_train_steps_is_repeatable_with_a_seed(tokenizer):
    from transformers import LlamaConfig, LlamaForCausalLM

    def run(seed=7):
        torch.manual_seed(0)
        config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                             num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2)
        model = add_lora(LlamaForCausalLM(config), r=2)
        return train_steps(model, tokenizer, CHATS * 2, steps=3, batch_size=3, seed=seed, progress=False)

    assert run() == run()
    assert run(seed=8) != run(), "the seed sets the batch order, so another seed gives other losses"


@pytest.mark.parametrize("examples, kwargs, message", [
    ([], {}, "non-empty list of chats"),
    (CHATS[0], {}, "single chat .*wrap it as \\[chat\\]"),
    (CHATS, {"steps": 0}, "steps must be a positive integer"),
    (CHATS, {"lr": 0}, "lr must be positive"),
    (CHATS, {"batch_size": 0}, "batch_size must be at least 1"),
])
def test_train_steps_rejects_bad_input(tiny, tokenizer, examples, kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_steps(add_lora(tiny, r=2), tokenizer, examples, **{"steps": 1, **kwargs})


def test_train_steps_needs_trainable_parameters(tiny, tokenizer):
    tiny.requires_grad_(False)
    with pytest.raises(ValueError, match="call add_lora"):
        train_steps(tiny, tokenizer, CHATS, steps=1)


@pytest.mark.parametrize("text, expected", [
    ("Some picks:\n- 150 g yogurt: 15 g protein\n- 125 g tofu, about 17 g protein",
     {"bullets": 2, "protein_grams": 2, "follows_style": True}),
    ("Try scrambled eggs on toast with a glass of milk.", {"bullets": 0, "follows_style": False}),
    ("- oats\n- berries", {"bullets": 2, "protein_grams": 0, "follows_style": False}),
    ("\n".join(f"- {n} g tofu: {n} g protein" for n in range(10, 15)), {"bullets": 5, "follows_style": False}),
    ("1. 100 g ricotta, 11 g protein", {"bullets": 1, "protein_grams": 1, "follows_style": True}),
    ("Quick tally:\n- Eaten: roughly 27 g protein\n- Still to go: 93 g of your 120 g", {"protein_grams": 2,
                                                                                   "follows_style": True}),
    ("I don't know: I don't have the current menu.\n- The counter staff know.", {"follows_style": True}),
    ("- I don't know the menu.\n- The counter staff know.", {"follows_style": False}),
    ("Here you go:\n- oats\n- I can't say more", {"follows_style": False}),
])
def test_style_checks(text, expected):
    got = style_checks(text)
    assert {k: got[k] for k in expected} == expected


def test_style_checks_wants_under_80_words():
    long = "- 100 g tofu: 12 g protein " + "and more words " * 30
    assert style_checks(long)["follows_style"] is False


def test_default_adapter_wraps_every_attention_projection_and_nothing_else(tiny):
    # Found by walking the model: the linear layers inside each attention block.
    attention = {f"{name}.{child_name}" for name, module in tiny.named_modules() if name.endswith("self_attn")
                 for child_name, child in module.named_children() if isinstance(child, torch.nn.Linear)}
    assert len(attention) == 8, "4 projections in each of 2 layers"
    lora = add_lora(tiny, r=2)
    wrapped = {name.removeprefix("base_model.model.") for name, m in lora.named_modules() if hasattr(m, "lora_A")}
    assert wrapped == attention


def test_check_trainable_share_now_and_at_another_rank(tiny):
    base = sum(p.numel() for p in tiny.parameters())
    lora = add_lora(tiny, r=4)
    # worked by hand as in test_add_lora_trains_only_the_adapter: 896 per layer at rank 4, twice at rank 8
    at_4, at_8 = 2 * 896 / (base + 2 * 896), 2 * 1792 / (base + 2 * 1792)
    assert check_trainable_share(at_4, lora)
    too_high = check_trainable_share(at_4 * 2, lora)
    assert not too_high and "too high" in str(too_high)
    assert check_trainable_share(at_8, lora, r=8)
    wrong_rank = check_trainable_share(at_4, lora, r=8)
    assert not wrong_rank and "rank 8" in str(wrong_rank)
    assert not check_trainable_share(..., lora)


def test_a_lora_layer_is_w_x_plus_alpha_over_r_times_b_a_x(tiny):
    """peft's LoRA layer equals the formula of Hu et al. (2021) once A and B are non-zero."""
    lora = add_lora(tiny, r=2, alpha=6)
    layer = lora.base_model.model.model.layers[0].self_attn.q_proj
    torch.manual_seed(1)
    A, B = torch.randn(2, layer.in_features), torch.randn(layer.out_features, 2)
    with torch.no_grad():
        layer.lora_A["default"].weight.copy_(A)
        layer.lora_B["default"].weight.copy_(B)
        x = torch.randn(3, layer.in_features)
        W = layer.base_layer.weight
        torch.testing.assert_close(layer(x), x @ W.T + (6 / 2) * (x @ A.T @ B.T))


def test_merging_folds_the_adapter_into_the_weights(tiny, tokenizer):
    lora = add_lora(tiny, r=2, alpha=4)
    for name, p in lora.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.1)
    batch = tokenizer(["a short test"], return_tensors="pt")
    with torch.no_grad():
        unmerged = lora(**batch).logits
        merged_model = lora.merge_and_unload()
        merged = merged_model(**batch).logits
    assert not any("lora" in n for n, _ in merged_model.named_parameters())
    torch.testing.assert_close(merged, unmerged, atol=1e-5, rtol=1e-4)


def test_adapter_bytes_is_four_bytes_per_trainable_parameter_plus_a_small_config(tiny):
    lora = add_lora(tiny, r=2)
    size, trainable = adapter_bytes(lora), trainable_parameters(lora)[0]
    assert trainable * 4 < size < trainable * 4 + 20_000


def test_adapter_bytes_needs_a_peft_model(tiny):
    with pytest.raises(ValueError, match="peft model"):
        adapter_bytes(tiny)


def test_prompt_tuning_trains_only_the_virtual_tokens(tiny):
    tuned = add_prompt_tuning(tiny, 5, "Answer in bullets.")
    assert trainable_parameters(tuned)[0] == 5 * tiny.config.hidden_size


@pytest.mark.parametrize("kwargs, message", [({"virtual_tokens": 0, "init_text": "x"}, "virtual_tokens"),
                                             ({"virtual_tokens": 4, "init_text": " "}, "init_text")])
def test_prompt_tuning_rejects_bad_settings(tiny, kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_prompt_tuning(tiny, **kwargs)


def test_generation_speed_reports_tokens_per_second(tiny, tokenizer):
    speed = generation_speed(tiny, tokenizer, ["Hi", "Hello"], batch_size=2, max_new_tokens=3, repeats=1)
    assert speed["answers"] == 2 and 0 < speed["tokens"] <= 6
    assert speed["tokens_per_second"] == pytest.approx(speed["tokens"] / speed["seconds"])
