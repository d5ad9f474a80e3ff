"""Exercise checks of lesson 03 (how RAG differs from fine-tuning).

Each check returns a :class:`~course_lib.exercises.Feedback`: as the last value of a cell it
displays ✅, or ❌ with what is wrong and a hint; it is truthy only when the answer is right.
"""
from __future__ import annotations

import functools
from dataclasses import fields
from typing import Any, Callable, Mapping, get_args

from course_lib.choosing.decide import DIET_BOT, Choice, Project, recommend
from course_lib.exercises import Feedback, close_to, not_answered, report
from course_lib.finetuning.lora import trainable_parameters


def _reported(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
    # Every check hands its Feedback to report(), the one place that decides how a verdict is shown.
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
    """Exercise 1: ``answer`` maps every need in :data:`NEEDS` to "RAG" or "fine-tuning".

    >>> bool(check_needs(dict(NEEDS)))
    True
    """
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
    """Exercise 2: ``answer`` differs from ``start`` in exactly one answer and is recommended ``target``.

    >>> bool(check_flip(DIET_BOT.replace(latency="strict")))
    False
    """
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


# Exercise 3 (predict, then run): a project whose facts rarely change and that has many examples.
# Old intuition says "stable knowledge: train it in"; the guide (and the literature) says otherwise.
HANDBOOK = Project(task="facts", documents="yes", labelled_examples="many", knowledge_changes="rarely",
                   need_sources="no", latency="relaxed", training_resources="ample", tone_control="no")
CHOICES: tuple[str, ...] = get_args(Choice)


@_reported
def check_prediction(answer: Any, project: Project = HANDBOOK) -> Feedback:
    """Exercise 3: was the learner's predicted verdict for ``project`` the guide's verdict?

    The prediction is written before the guide runs; this compares it with
    ``recommend(project).choice`` and, if it differs, points at the reasons.

    >>> check_prediction("a hybrid")
    ❌ Not yet: 'a hybrid' is not a verdict the guide gives.
    💡 Hint: Write one of 'start with a prompt', 'RAG', 'fine-tuning', 'hybrid'.
    """
    hint = "Write one of " + ", ".join(map(repr, CHOICES)) + "."
    missing = not_answered(answer, hint)
    if missing is not None:
        return missing
    if answer not in CHOICES:
        return Feedback(False, f"{answer!r} is not a verdict the guide gives.", hint)
    got = recommend(project)
    if answer != got.choice:
        return Feedback(False, f"you predicted {answer!r}; the guide says {got.choice!r} "
                               f"(RAG {got.scores['RAG']}, fine-tuning {got.scores['fine-tuning']}).",
                        "Read the printed reasons: which answers moved which score, and by how much?")
    return Feedback(True, f"you predicted {got.choice!r}, and so does the guide.")


def check_trainable_share(answer: Any, model: Any, r: int | None = None) -> Feedback:
    """Exercise 4: ``answer`` is the share (0-1) of ``model``'s parameters that train, or would
    train with its adapter at rank ``r``.

    An adapter's size grows in proportion to its rank, so the share at another rank
    follows from the current one without building a new model.
    """
    hint = "Divide the trainable parameters by all parameters (trainable_parameters(lora))."
    missing = not_answered(answer, hint)
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    trainable, total = trainable_parameters(model)
    if r is not None:
        current = model.peft_config["default"].r
        adapter = trainable * r / current
        trainable, total = adapter, total - trainable + adapter
        hint = (f"The adapter has {current} ranks now; at rank {r} it is {r}/{current} as big, "
                "and the frozen weights stay the same.")
    return report(close_to(answer, trainable / total, 0.00005, "the trainable share", hint))
