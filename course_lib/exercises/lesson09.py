"""Exercise checks of lesson 09 (the RAG pipeline).

Each check returns a :class:`~course_lib.exercises.Feedback`. Expected values come from the
definitions (a reading failure, a hallucination as :func:`course_lib.evaluation.grading.admits_unknown`
reads it) applied to the data passed in, or from a measurement the notebook made, never from
the learner's own objects.
"""
from __future__ import annotations

from typing import Any, Sequence

from course_lib.evaluation.grading import admits_unknown
from course_lib.exercises import Feedback, close_to, exact_count, not_answered, report


def _same_length(**lists: Sequence[Any]) -> None:
    sizes = {name: len(values) for name, values in lists.items()}
    if len(set(sizes.values())) != 1:
        raise ValueError(f"the lists must have one entry per question; got lengths {sizes}.")


def reading_failures(correct: Sequence[bool], gold_shown: Sequence[bool]) -> int:
    """Answers that are wrong although a gold document was in the prompt: the reader's fault, not retrieval's.

    >>> reading_failures([True, False, False, False], [True, True, False, True])
    2
    """
    _same_length(correct=correct, gold_shown=gold_shown)
    return sum(1 for ok, shown in zip(correct, gold_shown, strict=True) if shown and not ok)


def check_reading_failures(answer: Any, correct: Sequence[bool], gold_shown: Sequence[bool]) -> Feedback:
    """Exercise: count the RAG answers that were wrong with a gold document in the prompt."""
    missing = not_answered(answer, "a reading failure is a wrong answer whose prompt held a gold document.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    expected = reading_failures(correct, gold_shown)
    wrong = sum(1 for ok in correct if not ok)
    shown = sum(1 for s in gold_shown if s)
    mistakes = {}
    if wrong != expected:
        mistakes[wrong] = ("that counts every wrong answer; keep only those whose prompt held a gold document "
                           "(the others are retrieval failures).")
    if shown != expected and shown not in mistakes:
        mistakes[shown] = "that counts every prompt with a gold document; keep only those whose answer was wrong."
    if wrong - expected != expected and wrong - expected not in mistakes:
        mistakes[wrong - expected] = ("those are the retrieval failures (wrong, and no gold document shown); "
                                      "count the other wrong answers.")
    return report(exact_count(answer, expected, "the reading failures",
                              "pair each answer's verdict with whether its prompt showed a gold document, "
                              "and count the pairs (gold shown, wrong).", mistakes=mistakes))


def hallucinations(texts: Sequence[str]) -> int:
    """Answers to unanswerable questions that do not admit not knowing (``grading.admits_unknown``).

    >>> hallucinations(["I don't know.", "The soup cost 4 euros."])
    1
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a list of answers, not one string.")
    return sum(1 for t in texts if not admits_unknown(t))


def check_hallucinations(answer: Any, texts: Sequence[str]) -> Feedback:
    """Exercise: how many answers to unanswerable questions were answered anyway?"""
    missing = not_answered(answer, "use grading.admits_unknown on each answer.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    expected = hallucinations(texts)
    mistakes = {len(texts) - expected: "you counted the answers that admit not knowing; a hallucination is "
                                       "one that does not."} if len(texts) - expected != expected else {}
    return report(exact_count(answer, expected, f"the hallucinations among {len(texts)} answers",
                              "count the answers for which grading.admits_unknown(text) is False.",
                              mistakes=mistakes))


def check_rollback_prediction(prediction: Any, measured: int, n: int) -> Feedback:
    """Predict-then-run: how many update questions find their gold document after the new week is deleted?

    ``measured`` is what the notebook's run found, out of ``n`` questions.

    >>> bool(check_rollback_prediction(0, 0, 25))
    True
    """
    missing = not_answered(prediction, "where do the gold documents of update_fact questions live?")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    if isinstance(measured, bool) or not isinstance(measured, int) or not 0 <= measured <= n:
        raise ValueError(f"measured must be a count between 0 and n={n}, got {measured!r}.")
    return report(close_to(prediction, measured, 0, f"your predicted count (the run found {measured}/{n})",
                           "delete() removes the chunks from the live index: a document that is no longer "
                           "indexed cannot be retrieved, whatever the question says."))
