"""Exercise checks of lesson 05 (fine-tuning the diet-bot).

Each check returns a :class:`~course_lib.exercises.Feedback` (✅, or ❌ with what is wrong
and a hint), which displays itself as the last value of a notebook cell. The expected
values come from the library on a model built on the ``meta`` device (shapes, no memory),
never from the learner's objects.
"""
from __future__ import annotations

from typing import Any

from course_lib.exercises import Feedback, close_to, exact_count, not_answered, report
from course_lib.finetuning.memory import memory_budget
from course_lib.finetuning.training import freeze_all_but, learning_rates


def _meta_model(config: Any):
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


def check_trainable_last_layers(answer: Any, config: Any, last_layers: int) -> Feedback:
    """Exercise: how many parameters train when only the last ``last_layers`` layers (and final norm) do?"""
    missing = not_answered(answer, ("count the parameters of one decoder layer (every weight, norms included), "
                                   "multiply, and remember the final norm; the embeddings stay frozen."))
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    trainable, total = freeze_all_but(_meta_model(config), last_layers)
    return report(exact_count(answer, trainable, f"the trainable parameters with the last {last_layers} layers",
                              "count the parameters of one decoder layer (every weight, norms included), "
                              "multiply, and remember the final norm; the embeddings stay frozen.",
                              mistakes={trainable - config.hidden_size: "close: the final norm trains too."}))


def check_full_adamw_gb(answer: Any, config: Any) -> Feedback:
    """Exercise: GB of weights + gradients + AdamW state to fully fine-tune the model of ``config`` in float32."""
    missing = not_answered(answer, ("every weight: 4 bytes of value, 4 of gradient, and AdamW keeps two more numbers "
                                   "per weight. Activations are not part of this sum."))
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    budget = memory_budget(_meta_model(config), "adamw")
    expected = sum(budget.values()) / 1e9
    return report(close_to(answer, expected, 0.05 * expected, "the memory in GB (10^9 bytes)",
                           "every weight: 4 bytes of value, 4 of gradient, and AdamW keeps two more numbers "
                           "per weight. Activations are not part of this sum."))


def check_lr_prediction(prediction: Any, steps: int, lr: float, scheduler: str, warmup: float, at_step: int) -> Feedback:
    """Predict-then-run: the learning rate at optimiser step ``at_step`` (counted from 0) of a schedule."""
    missing = not_answered(prediction, "draw the schedule: a ramp up for the warm-up steps, then the decay.")
    if missing is not None:  # a Feedback is falsy when not ok: test for None
        return report(missing)
    expected = learning_rates(steps, lr, scheduler, warmup)[at_step]
    return report(close_to(prediction, expected, 0.1 * lr, f"the learning rate at step {at_step}",
                           "count the warm-up steps first (a share of all steps, rounded up); the decay "
                           "starts from the peak after them and reaches 0 at the last step."))
