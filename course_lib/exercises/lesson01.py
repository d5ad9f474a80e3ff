"""Exercise checks of lesson 01 (where LLMs fail): the expected value is computed here, out of view.

Each check takes the learner's answer and the lesson's own data (verdicts, questions and
answers), works out the right answer itself, and returns a :class:`~course_lib.exercises.Feedback`
that names the typical mistake it sees.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from course_lib import paired, stats
from course_lib.evaluation import grading
from course_lib.exercises import Feedback, not_answered, report, same_items


def check_invented(answer: Any, verdicts: Sequence[str]) -> Feedback:
    """Exercise: the invented share of the menu-fact ``verdicts``, as a ``stats.Proportion`` (k/n with interval)."""
    hint = "count with a flag per verdict (is it 'invented'?) and let course_lib.stats turn the flags into a rate."
    missing = not_answered(answer, hint)
    if missing is not None:
        return report(missing)
    expected = stats.proportion_of(v == "invented" for v in verdicts)
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        if abs(float(answer) - expected.rate) < 0.005:
            return report(Feedback(False, f"{answer:g} is the right share, but a bare share hides how many answers "
                                          "it rests on.", "hand back the Proportion itself (k, n and its interval)."))
        return report(Feedback(False, f"{answer!r} is a number, and not the invented share.", hint))
    if not isinstance(answer, stats.Proportion):
        return report(Feedback(False, f"expected a stats.Proportion, got {type(answer).__name__}.", hint))
    if (answer.k, answer.n) == (expected.k, expected.n):
        return report(Feedback(True, f"invented: {answer}."))
    if answer.n != expected.n:
        return report(Feedback(False, f"your n is {answer.n}, but there are {expected.n} verdicts.",
                               "n counts every verdict, not only the invented ones."))
    return report(Feedback(False, f"your k is {answer.k}; that is not the number of 'invented' verdicts.", hint))


def check_violating_ids(answer: Any, questions: Sequence[Mapping[str, Any]], answers: Sequence[Any]) -> Feedback:
    """Exercise: the ids of the ``questions`` whose ``answers`` (``Generation``s or texts) recommend an avoided food."""
    missing = not_answered(answer, "grade each answer against its own question's avoid_terms; an empty list means no violation.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    if len(questions) != len(answers):
        raise ValueError(f"{len(questions)} questions but {len(answers)} answers: pass the two lists that belong together.")
    texts = [getattr(a, "text", a) for a in answers]
    expected = {q["id"] for q, t in zip(questions, texts, strict=True) if grading.violations(t, q["avoid_terms"])}
    return report(same_items(answer, expected, "the ids of violating answers",
                             "grade each answer against its own question's avoid_terms; an empty list means no violation."))


def check_difference_verdict(answer: Any, without: Sequence[Any], with_: Sequence[Any]) -> Feedback:
    """Exercise: does the profile change the violation rate by more than chance? ``answer`` is True or False.

    ``without`` and ``with_`` hold one flag (or violation list) per answer to the same questions, in the same
    order, without and with the profile; the two runs are compared question by question (exact McNemar).

    >>> bool(check_difference_verdict(False, [True] + [False] * 7, [False] * 8))
    True
    """
    hint = ("both lists answer the same questions: key each list's flags by question id and ask "
            "course_lib.paired.mcnemar whether the two differ.")
    missing = not_answered(answer, hint)
    if missing is not None:
        return report(missing)
    if not isinstance(answer, bool):
        return report(Feedback(False, f"answer True or False, got {answer!r}.", hint))
    if len(without) != len(with_):
        raise ValueError(f"{len(without)} answers without the profile but {len(with_)} with it: pass the two lists "
                         "of the same questions.")
    comparison = paired.mcnemar({i: bool(f) for i, f in enumerate(without)}, {i: bool(f) for i, f in enumerate(with_)},
                                outcome="violating")
    if answer == comparison.distinguishable:
        return report(Feedback(True, f"{comparison}."))
    if answer:
        return report(Feedback(False, "the rates differ on paper, but the questions on which the two runs disagree "
                                      "are too few, or split too evenly, to rule out chance.",
                               "look at the p-value of the paired comparison, not only at the two shares."))
    return report(Feedback(False, "the difference is larger than chance explains here.", hint))


def check_admit_prediction(prediction: Any, texts: Sequence[str]) -> Feedback:
    """Predict-then-run exercise: the predicted share (0-1) of ``texts`` that admit not knowing.

    The prediction passes when it lies inside the 95% interval of the measured share: with a
    few dozen answers, a guess closer than that cannot be told apart from the truth.
    """
    hint = "a share between 0 and 1, e.g. 0.5 for half of the answers."
    missing = not_answered(prediction, hint)
    if missing is not None:
        return report(missing)
    if isinstance(prediction, bool) or not isinstance(prediction, (int, float)) or not 0 <= prediction <= 1:
        return report(Feedback(False, f"the prediction should be a share between 0 and 1, got {prediction!r}.", hint))
    texts = list(texts)
    if not texts:
        raise ValueError("check_admit_prediction() needs the answers of the run cell; run it first.")
    measured = stats.proportion_of(grading.admits_unknown(t) for t in texts)
    said = f"you predicted {prediction:.0%}; the model admitted not knowing in {measured}"
    if measured.low <= prediction <= measured.high:
        return report(Feedback(True, f"{said}: your prediction is inside the interval."))
    direction = "more" if prediction > measured.high else "less"
    return report(Feedback(False, f"{said}: you expected {direction} than the interval allows.",
                           "compare with the rate section 7 measured without the instruction, and read a few of the "
                           "new answers: does the model follow the instruction, or only echo it?"))
