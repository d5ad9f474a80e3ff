"""A rate read through an imperfect grader: the range of true rates its measured precision and recall allow.

Every rate in the course counts the grader's verdicts, and lesson 07 measures how often those verdicts
are wrong, per family of systems. If the grader flags ``k`` of ``n`` answers, about ``k * precision`` of
the flags are right, and they are about ``recall`` of all the true cases, so the true count is near
``k * precision / recall``. With the 95% intervals of precision and recall in place of the point
values this gives a range: a headline rate *survives* the grader's error when the whole range tells
the same story as the printed rate.
"""
from __future__ import annotations

from typing import Mapping

from scipy.stats import binomtest


def _wilson(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0            # nothing measured: any value is possible
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def corrected_count(flagged: int, n: int, table: Mapping[str, int]) -> tuple[int, int]:
    """The range of true positives among ``n`` answers when the grader flagged ``flagged`` of them, given the
    rule's agreement ``table`` (``tp``, ``fp``, ``fn`` counts of :func:`course_lib.evaluation.metrics.agreement`).

    >>> corrected_count(10, 100, {"tp": 40, "fp": 0, "fn": 0})     # a perfect record on 40 positives
    (9, 11)
    >>> corrected_count(10, 100, {"tp": 5, "fp": 5, "fn": 0})      # half its flags were wrong
    (2, 14)
    """
    if not 0 <= flagged <= n:
        raise ValueError(f"flagged must be between 0 and n = {n}, got {flagged}.")
    p_low, p_high = _wilson(table["tp"], table["tp"] + table["fp"])
    r_low, r_high = _wilson(table["tp"], table["tp"] + table["fn"])
    low = flagged * p_low / r_high
    high = n if r_low == 0 else flagged * p_high / r_low
    return int(low), min(n, int(high + 0.999))


def corrected_bounds(k: int, n: int, table: Mapping[str, int], *, counts_flags: bool = True) -> tuple[int, int]:
    """The range of true counts behind ``k/n``. ``counts_flags`` is False for a rate that counts the answers the
    grader did *not* flag ("no violation"; "hallucinated", which counts answers not flagged as admitting).

    >>> corrected_bounds(90, 100, {"tp": 40, "fp": 0, "fn": 0}, counts_flags=False)
    (89, 91)
    """
    flagged = k if counts_flags else n - k
    low, high = corrected_count(flagged, n, table)
    return (low, high) if counts_flags else (n - high, n - low)


def corrected_rate(k: int, n: int, table: Mapping[str, int], *, counts_flags: bool = True) -> str:
    """``k/n`` with the range the grader's measured error allows (:func:`corrected_bounds`), as text.

    >>> print(corrected_rate(90, 100, {"tp": 40, "fp": 0, "fn": 0}, counts_flags=False))
    90/100; with the grader's measured error 89-91/100
    """
    low, high = corrected_bounds(k, n, table, counts_flags=counts_flags)
    return f"{k}/{n}; with the grader's measured error {low}-{high}/{n}"


def survives(a: tuple[int, int, Mapping[str, int]], b: tuple[int, int, Mapping[str, int]], *,
             counts_flags: bool = True) -> bool:
    """Whether the order of two rates, each ``(k, n, agreement table of its family)``, holds whatever the grader's
    measured error: their corrected ranges (as shares of their ``n``) do not overlap.

    >>> perfect = {"tp": 40, "fp": 0, "fn": 0}
    >>> survives((90, 100, perfect), (50, 100, perfect), counts_flags=False)
    True
    >>> survives((90, 100, perfect), (88, 100, perfect), counts_flags=False)
    False
    """
    (ka, na, ta), (kb, nb, tb) = a, b
    la, ha = corrected_bounds(ka, na, ta, counts_flags=counts_flags)
    lb, hb = corrected_bounds(kb, nb, tb, counts_flags=counts_flags)
    return la / na > hb / nb or ha / na < lb / nb
