"""Exercise checks of lesson 03 (how RAG differs from fine-tuning).

Each check prints ✅ or ❌ with what is wrong and a hint, and returns a bool.
"""
from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any, Callable, Mapping

from course_lib.decide import DIET_BOT, Choice, Project, recommend
from course_lib.exercises import Feedback, close_to, not_answered, report
from course_lib.finetune import trainable_parameters


def _reported(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    # Checks print their verdict (the learner sees it) and return a bool (tests assert on it).
    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> Feedback:
        return report(check(*args, **kwargs))
    return run


# Exercise 1: which approach fits each need of the diet-bot?
NEEDS: dict[str, str] = {
    "never suggest eggs (the person dislikes them)": "fine-tuning",
    "what is on the canteen menu this Thursday": "RAG",
    "always answer in three short bullet points": "fine-tuning",
    "the allergens of a dish added to the menu yesterday": "RAG",
    "say which menu sheet an answer came from": "RAG",
}


@_reported
def check_needs(answer: Any) -> Feedback:
    """Exercise check (prints ✅/❌ with a hint, returns a bool): ``answer`` maps every need in
    :data:`NEEDS` to "RAG" or "fine-tuning"."""
    hint = "Stable behaviour -> fine-tuning; facts that change or need a source -> RAG."
    missing = not_answered(answer, hint)
    if missing is not None:
        return missing
    if not isinstance(answer, Mapping):
        return Feedback(False, f"answer should be a dict need -> approach, got {type(answer).__name__}.", hint)
    absent = [need for need in NEEDS if need not in answer]
    if absent:
        return Feedback(False, f"no approach given for: {absent[0]!r}.", "Copy every key of NEEDS.")
    wrong = [need for need, approach in NEEDS.items() if answer[need] != approach]
    if wrong:
        return Feedback(False, f"{len(wrong)} of {len(NEEDS)} wrong, e.g. {wrong[0]!r}.", hint)
    return Feedback(True, f"all {len(NEEDS)} needs sorted.")


@_reported
def check_flip(answer: Any, start: Project = DIET_BOT, target: Choice = "RAG") -> Feedback:
    """Exercise check (prints, returns a bool): ``answer`` differs from ``start`` in exactly
    one answer and is recommended ``target``."""
    hint = "Look at which answers gave fine-tuning its points in recommend(DIET_BOT).reasons."
    missing = not_answered(answer, hint)
    if missing is not None:
        return missing
    if not isinstance(answer, Project):
        return Feedback(False, f"answer should be a Project, got {type(answer).__name__}.",
                        "Use DIET_BOT.replace(field='value').")
    changed = [f.name for f in fields(Project) if getattr(answer, f.name) != getattr(start, f.name)]
    if len(changed) != 1:
        return Feedback(False, f"you changed {len(changed)} answers ({', '.join(changed) or 'none'}), "
                               "not exactly one.", hint)
    got = recommend(answer).choice
    if got != target:
        return Feedback(False, f"changing {changed[0]} gives {got!r}, not {target!r}.", hint)
    return Feedback(True, f"changing {changed[0]} alone turns the diet-bot into a {target} project.")


def check_trainable_share(answer: Any, model: Any, r: int | None = None) -> Feedback:
    """Exercise check (prints ✅/❌ with a hint, returns a bool): ``answer`` is the share (0-1)
    of ``model``'s parameters that train, or would train with its adapter at rank ``r``.

    An adapter's size grows in proportion to its rank, so the share at another rank
    follows from the current one without building a new model.
    """
    trainable, total = trainable_parameters(model)
    hint = "Divide the trainable parameters by all parameters (trainable_parameters(lora))."
    if r is not None:
        current = model.peft_config["default"].r
        adapter = trainable * r / current
        trainable, total = adapter, total - trainable + adapter
        hint = (f"The adapter has {current} ranks now; at rank {r} it is {r}/{current} as big, "
                "and the frozen weights stay the same.")
    return report(close_to(answer, trainable / total, 0.00005, "the trainable share", hint))
