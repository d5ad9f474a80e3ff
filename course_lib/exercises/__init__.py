"""Self-checks for the lessons' exercises (generic checks; per-lesson ones in ``lessonNN``).

Every exercise ends with a check that tells the learner whether the answer is
right, and if not, what is wrong and a hint. A check returns a ``Feedback``
object instead of raising, so a notebook keeps running while the learner works:
as the last line of a cell it displays itself, and it is truthy only when the
answer is right, so tests (and instructors) can assert on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass
class Feedback:
    """The verdict of one check: passed or not, what is wrong, and a hint."""

    ok: bool
    message: str
    hint: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"✅ Correct. {self.message}".strip()
        text = f"❌ Not yet: {self.message}"
        return f"{text}\n💡 Hint: {self.hint}" if self.hint else text

    def __bool__(self) -> bool:
        return self.ok

    # Jupyter shows the last value of a cell through its repr: the verdict, not
    # "Feedback(ok=True, ...)" and not a stray True.
    __repr__ = __str__


def report(feedback: Feedback) -> Feedback:
    """Hand a check's verdict back to the notebook, which displays it.

    >>> report(Feedback(True, "Well done."))
    ✅ Correct. Well done.
    """
    return feedback


def not_answered(value: object, hint: str) -> Feedback | None:
    """Return a 'not answered yet' verdict when the placeholder is still in place.

    Exercises start with ``answer = ...`` (Ellipsis) or ``None`` so the notebook
    runs before the learner has written anything.

    >>> not_answered(..., "try len()").ok
    False
    >>> not_answered(3, "try len()") is None
    True
    """
    if value is ... or value is None:
        return Feedback(False, "you have not answered yet (the placeholder is still there).", hint)
    return None


def close_to(value: object, expected: float, tolerance: float, what: str, hint: str) -> Feedback:
    """Check a numeric answer against an expected value within ``tolerance``.

    >>> bool(close_to(0.51, 0.5, 0.02, "the rate", "divide by the total"))
    True
    """
    missing = not_answered(value, hint)
    if missing is not None:
        return missing
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return Feedback(False, f"{what} should be a number, got {type(value).__name__}.", hint)
    if abs(number - expected) <= tolerance:
        return Feedback(True, f"{what} = {number:g}.")
    side = "high" if number > expected else "low"
    return Feedback(False, f"{what} = {number:g} is too {side}.", hint)


def same_items(value: object, expected: set, what: str, hint: str) -> Feedback:
    """Check an answer that is a collection against the expected set of items.

    The verdict names what is missing and what should not be there.

    >>> print(same_items(["a", "c"], {"a", "b"}, "the ids", "look again"))
    ❌ Not yet: the ids: missing ['b']; not expected ['c'].
    💡 Hint: look again
    """
    missing = not_answered(value, hint)
    if missing is not None:
        return missing
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return Feedback(False, f"{what} should be a list or set, got {type(value).__name__}.", hint)
    given = set(value)  # type: ignore[arg-type]
    if given == set(expected):
        return Feedback(True, f"{what}: all {len(given)} found.")
    parts = []
    if set(expected) - given:
        parts.append(f"missing {sorted(set(expected) - given)}")
    if given - set(expected):
        parts.append(f"not expected {sorted(given - set(expected))}")
    return Feedback(False, f"{what}: {'; '.join(parts)}.", hint)


def share_of(value: object, items: object, predicate, what: str, hint: str) -> Feedback:
    """Check a learner's share (0 to 1) of ``items`` for which ``predicate`` holds.

    Used when the items themselves come from the learner's own run, so the
    expected value can only be computed at check time.

    >>> bool(share_of(0.5, ["I don't know", "Pizza"], lambda t: "know" in t, "the share", "h"))
    True
    """
    for placeholder in (value, items):
        missing = not_answered(placeholder, hint)
        if missing is not None:
            return missing
    items = list(items)  # type: ignore[call-overload]
    if not items:
        return Feedback(False, "there are no answers to count.", hint)
    expected = sum(bool(predicate(item)) for item in items) / len(items)
    return close_to(value, expected, 0.005, what, hint)


def exact_count(value: object, expected: int, what: str, hint: str, mistakes: Mapping[int, str] | None = None) -> Feedback:
    """Check a count exactly; a typical wrong count gets its own, more specific hint.

    >>> exact_count(5, 4, "tokens", "count again", {5: "you counted the end token"}).hint
    'you counted the end token'
    """
    feedback = close_to(value, expected, 0, what, hint)
    if not feedback.ok and isinstance(value, int) and mistakes and value in mistakes:
        feedback.hint = mistakes[value]
    return feedback
