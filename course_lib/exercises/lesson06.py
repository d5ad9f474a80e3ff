"""Exercise checks of lesson 06 (LoRA and parameter-efficient fine-tuning).

Each check returns a :class:`~course_lib.exercises.Feedback`. The expected values are
counted from the shapes of a model built on the ``meta`` device (no memory), never
from the learner's objects.
"""
from __future__ import annotations

from typing import Any, Sequence

from course_lib.exercises import Feedback, close_to, exact_count, not_answered, report


def lora_parameters(config: Any, r: int, targets: Sequence[str]) -> int:
    """Parameters of a rank-``r`` LoRA adapter on the ``targets`` linear layers of the model of ``config``.

    Each adapted ``d_in -> d_out`` layer gains A (r x d_in) and B (d_out x r).

    >>> from transformers import LlamaConfig
    >>> lora_parameters(LlamaConfig(vocab_size=10, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
    ...                             num_attention_heads=4, num_key_value_heads=2), 2, ["q_proj"])
    256
    """
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    layers = [m for name, m in model.named_modules() if name.rsplit(".", 1)[-1] in targets]
    return sum(r * (m.in_features + m.out_features) for m in layers)


def check_lora_parameters(answer: Any, config: Any, r: int, targets: Sequence[str]) -> Feedback:
    """Exercise: how many parameters does a rank-``r`` adapter on ``targets`` train?"""
    missing = not_answered(answer, ("each adapted layer maps d_in to d_out and gains r x d_in (A) plus d_out x r (B); "
                                   "k_proj and v_proj are narrower than q_proj here (grouped-query attention)."))
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    expected = lora_parameters(config, r, targets)
    one_side = expected // 2 if len(set(targets)) == 1 else None
    mistakes = {expected // config.num_hidden_layers: "that is one layer's adapter: every decoder layer has its own."}
    if one_side:
        mistakes[one_side] = "count both matrices, A and B."
    return report(exact_count(answer, expected, f"the adapter's parameters (r = {r} on {', '.join(targets)})",
                              "each adapted layer maps d_in to d_out and gains r x d_in (A) plus d_out x r (B); "
                              "k_proj and v_proj are narrower than q_proj here (grouped-query attention).",
                              mistakes=mistakes))


def check_adapter_mb_prediction(prediction: Any, config: Any, r: int, targets: Sequence[str]) -> Feedback:
    """Predict-then-run: the adapter's size on disk in MB (10^6 bytes), stored in float32."""
    missing = not_answered(prediction, "count the adapter's parameters, then the bytes of one float32 number.")
    if missing is not None:  # a Feedback is falsy when not ok: test for None
        return report(missing)
    expected = lora_parameters(config, r, targets) * 4 / 1e6
    return report(close_to(prediction, expected, 0.05 * expected + 0.002, "the adapter's size in MB",
                           "parameters x 4 bytes (float32); the config file beside them is about a kilobyte."))
