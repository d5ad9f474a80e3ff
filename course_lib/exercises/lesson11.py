"""Exercise checks of lesson 11 (hybrids, the benchmark, and how to choose).

Each check returns a :class:`~course_lib.exercises.Feedback`. The expected values come from the
two straight cost lines (setup + queries x seconds per query + updates x seconds per update),
worked out here independently of :mod:`course_lib.choosing.cost`, and from a paired significance test of
the learner's own benchmark rows (:func:`course_lib.paired.mcnemar`: both systems answered the same questions).
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from course_lib.exercises import Feedback, close_to, not_answered, report
from course_lib.paired import mcnemar

OUTCOMES = ("better", "same", "worse")


def _crossing(fixed_gap: float, slope_gap: float) -> float | None:
    """Where ``fixed_gap + x * slope_gap`` reaches 0 for good (x >= 0), or None if it never does."""
    if slope_gap >= 0:
        return 0.0 if fixed_gap <= 0 and slope_gap == 0 else None
    return max(0.0, fixed_gap / -slope_gap)


def _never(answer: Any, right: str, wrong: str, hint: str) -> Feedback:
    """Judge an answer where the right one is "never" (``math.inf``): ``None`` is kept for "not answered yet"."""
    ok = isinstance(answer, (int, float)) and math.isinf(answer) and answer > 0
    return report(Feedback(ok, right if ok else wrong + " Write float('inf') for never.", "" if ok else hint))


def check_break_even_queries(answer: Any, tuned: Any, rag: Any) -> Feedback:
    """Exercise: after how many queries does the fine-tuned system (``tuned``) cost no more than RAG?

    Both are ``cost.SystemCost``; with no updates the answer is
    (setup of tuned - setup of RAG) / (seconds per query of RAG - seconds per query of tuned),
    or ``float("inf")`` when the tuned model is no faster per query (it never catches up).

    >>> from course_lib.choosing.cost import SystemCost
    >>> ft, rag = SystemCost("ft", 0.3, 60, 80, 80), SystemCost("rag", 0.5, 400, 2, 0.2)
    >>> bool(check_break_even_queries(390, ft, rag)), bool(check_break_even_queries(160, ft, rag))
    (True, False)
    """
    hint = ("The cost lines are setup + queries × seconds per query. They cross where the extra setup the "
            "fine-tuned model paid equals what it saves per query times the number of queries.")
    missing = not_answered(answer, hint)
    if missing is not None:          # a Feedback is falsy when not ok: test for None
        return report(missing)
    expected = _crossing(tuned.setup_seconds - rag.setup_seconds, tuned.seconds_per_query - rag.seconds_per_query)
    if expected is None:
        return _never(answer, "Right: it never catches up.", "Here the fine-tuned system is no faster per query, "
                      "so it never pays its training back.", hint)
    feedback = close_to(answer, expected, max(1.0, 0.01 * expected), "the break-even number of queries", hint)
    if not feedback.ok and isinstance(answer, (int, float)) and expected and abs(answer - tuned.setup_seconds /
                                                                                  (rag.seconds_per_query - tuned.seconds_per_query)) <= 1:
        feedback.hint = "RAG has a setup cost too (building its index): subtract it from the fine-tuned setup."
    return report(feedback)


def check_updates_to_win(answer: Any, tuned: Any, rag: Any, queries: float) -> Feedback:
    """Exercise: how many knowledge updates, over ``queries`` queries, make RAG no dearer than the fine-tuned model?

    Each update costs the fine-tuned model a retraining and RAG a re-index: the answer is
    (RAG's total without updates - tuned's total without updates) / (tuned's update cost - RAG's),
    or ``float("inf")`` when an update costs RAG no less than a retraining.

    >>> from course_lib.choosing.cost import SystemCost
    >>> ft, rag = SystemCost("ft", 0.3, 60, 80, 80), SystemCost("rag", 0.5, 400, 2, 0.2)
    >>> bool(check_updates_to_win(1.53, ft, rag, 1000))
    True
    """
    hint = ("Write both totals as setup + queries × seconds per query + updates × seconds per update, "
            "then solve for the number of updates where they are equal.")
    missing = not_answered(answer, hint)
    if missing is not None:          # a Feedback is falsy when not ok: test for None
        return report(missing)
    gap = (rag.setup_seconds + queries * rag.seconds_per_query) - (tuned.setup_seconds + queries * tuned.seconds_per_query)
    expected = _crossing(gap, rag.update_seconds - tuned.update_seconds)
    if expected is None:
        return _never(answer, "Right: no number of updates makes RAG win here.", "An update costs RAG at least "
                      "as much as a retraining, so updates never help it.", hint)
    return report(close_to(answer, expected, max(0.01, 0.01 * expected), "the number of updates", hint))


def check_hybrid_prediction(answer: Any, hybrid: Mapping[str, Any], rag: Mapping[str, Any],
                            metric: str = "right") -> Feedback:
    """Predict, then run: is hybrid A (person LoRA + RAG) "better", the "same" or "worse" than RAG on ``metric``?

    ``hybrid`` and ``rag`` are rows of ``benchmark.run`` on the same questions; "same" means the difference
    is within the noise of the exact McNemar test on their per-question outcomes (``row["per question"]``).
    The feedback compares the prediction with what was measured.

    >>> hybrid = {"per question": {"right": {f"q{i}": 1 for i in range(10)}}}
    >>> rag = {"per question": {"right": {f"q{i}": int(i == 0) for i in range(10)}}}
    >>> bool(check_hybrid_prediction("better", hybrid, rag))
    True
    """
    missing = not_answered(answer, f"Write one of {OUTCOMES} as a string.")
    if missing is not None:          # a Feedback is falsy when not ok: test for None
        return report(missing)
    if answer not in OUTCOMES:
        return report(Feedback(False, f"Your prediction {answer!r} is not one of {OUTCOMES}.",
                               "Write exactly 'better', 'same' or 'worse'."))
    test = mcnemar(hybrid["per question"][metric], rag["per question"][metric])
    measured = "same" if not test.distinguishable else ("better" if test.a_right > test.b_right else "worse")
    ok = answer == measured
    return report(Feedback(ok, f"Measured: {measured} ({test.sentence}).", "" if ok else
                           "Only the questions on which the two systems disagree can tell them apart: count "
                           "those, and remember that a handful of them going one way can still be chance."))
