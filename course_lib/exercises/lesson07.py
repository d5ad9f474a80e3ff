"""Exercise checks of lesson 07 (evaluating customised models).

Each check returns a :class:`~course_lib.exercises.Feedback`; expected values are computed
from the counts or sizes given, with scikit-learn or by the definition, never from the
learner's objects.
"""
from __future__ import annotations

from typing import Any

from course_lib.exercises import Feedback, close_to, not_answered, report


def check_f1(answer: Any, tp: int, fp: int, fn: int) -> Feedback:
    """Exercise: F1 of a rule from its true positives, false positives and false negatives."""
    from sklearn.metrics import f1_score

    missing = not_answered(answer, "precision = TP / (TP + FP), recall = TP / (TP + FN), then their harmonic mean.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    human = [True] * tp + [False] * fp + [True] * fn
    rule = [True] * tp + [True] * fp + [False] * fn
    expected = float(f1_score(human, rule, zero_division=0.0))
    precision = tp / (tp + fp) if tp + fp else 0.0
    hint = "F1 is the harmonic mean 2PR / (P + R), not the plain average of precision and recall."
    if isinstance(answer, (int, float)) and abs(answer - precision) < 1e-3 and abs(precision - expected) > 1e-3:
        hint = "that is the precision; F1 also needs the recall, TP / (TP + FN)."
    return report(close_to(answer, expected, 1e-3, "F1", hint))


def check_uniform_perplexity(prediction: Any, vocab_size: int) -> Feedback:
    """Predict-then-run: the perplexity of a model that gives every token of the vocabulary the same probability."""
    missing = not_answered(prediction, "each token gets probability 1/V; perplexity is exp(mean negative log-probability).")
    if missing is not None:  # a Feedback is falsy when not ok: test for None
        return report(missing)
    return report(close_to(prediction, float(vocab_size), 0.01 * vocab_size, "the uniform model's perplexity",
                           "-log(1/V) = log V for every token, so the perplexity is exp(log V)."))
