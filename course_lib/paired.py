"""Comparisons that match the course's designs: two systems on the same questions, often with several seeds.

:func:`stats.compare` treats two rates as independent samples. When both systems answer the same
questions, the questions they both get right (or both get wrong) say nothing about which is better: only
the questions on which they disagree do. This module keeps that pairing:

- :func:`mcnemar`: two systems' right/wrong answers keyed by question id; the exact McNemar test on the
  discordant pairs (a binomial test: under "no difference" each disagreement goes either way with
  probability 1/2).
- :func:`clustered`: several seeds per question. Seeds are not new questions, so each question counts once:
  its per-seed outcomes are averaged, the interval of the difference comes from resampling *questions*
  with replacement (seeds inside), and the p-value from flipping each question's difference in sign.
- :func:`paired_permutation`: per-query ranking metrics (nDCG@10, MRR, success@k) of two retrievers, tested
  by the same sign flips, as TREC and BEIR practice does.
- :func:`holm`: Holm's correction when a lesson runs a family of tests.
- :func:`detectable_difference`: the smallest difference a sample of ``n`` questions could detect with 80%
  power, to print beside every "not distinguishable".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy.stats import binomtest, norm

from course_lib.stats import ALPHA, p_text

__all__ = ["PairedComparison", "mcnemar", "mcnemar_bound", "ClusteredComparison", "clustered", "compare_outcomes",
           "paired_permutation", "holm", "detectable_difference"]


def _matched(a: Mapping[str, object], b: Mapping[str, object]) -> list[str]:
    """The question ids of ``a`` in order, after checking ``b`` has exactly the same ones."""
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        raise TypeError("pass each system's results as a dict keyed by question id, e.g. {'q-001': True}.")
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        raise ValueError(f"the two systems must answer the same questions: only in a {only_a[:5]}, only in b "
                         f"{only_b[:5]} ({len(only_a)} and {len(only_b)} in all). Compare them on the shared ids.")
    if not a:
        raise ValueError("no questions to compare: both dicts are empty.")
    return list(a)


@dataclass(frozen=True)
class PairedComparison:
    """Two systems' right answers on the same ``n`` questions, the discordant pairs and the exact p-value."""

    n: int
    a_right: int
    b_right: int
    only_a: int      # questions a got right and b wrong
    only_b: int      # questions b got right and a wrong
    p_value: float
    alpha: float = ALPHA
    outcome: str = "right"     # what a True outcome is called in the sentence ("right", "hallucinated", ...)

    @property
    def differing(self) -> int:
        return self.only_a + self.only_b

    @property
    def distinguishable(self) -> bool:
        return self.p_value < self.alpha

    @property
    def smallest_p(self) -> float:
        """The smallest p-value these discordant pairs could give: all of them going one way."""
        return _smallest_p(self.only_a + self.only_b)

    @property
    def sentence(self) -> str:
        """The comparison in plain English: both rates, the disagreements that decide it, and the p-value."""
        head = (f"{self.a_right}/{self.n} vs {self.b_right}/{self.n} on the same questions "
                f"({self.only_a} {self.outcome} only for a, {self.only_b} only for b)")
        return f"{head}: {_verdict(self)} (exact McNemar, {p_text(self.p_value)}{_too_few(self)}{_unseen(self)})"

    @property
    def detectable(self) -> float:
        """The smallest difference in rate that ``n`` questions would detect with 80% power (see
        :func:`detectable_difference`), at the two systems' mean rate."""
        return detectable_difference((self.a_right + self.b_right) / (2 * self.n), self.n, alpha=self.alpha)

    def __str__(self) -> str:
        return self.sentence


def _smallest_p(differing: int) -> float:
    """Two-sided: every one of ``differing`` questions going the same way has probability 2 / 2**differing."""
    return min(1.0, 2.0 / 2 ** differing)


def _too_few(test: "PairedComparison | ClusteredComparison") -> str:
    if test.distinguishable or test.smallest_p < test.alpha:
        return ""
    if test.differing == 0:
        return f"; no question differs, so no test could reach p < {test.alpha:g}"
    differ = "1 question differs" if test.differing == 1 else f"{test.differing} questions differ"
    return f"; only {differ}, so even all of them going one way could not reach p < {test.alpha:g}"


def _verdict(test: "PairedComparison | ClusteredComparison") -> str:
    """"more than chance explains", or "not distinguishable at n = ..."."""
    n = test.n if isinstance(test, PairedComparison) else test.questions
    return "more than chance explains" if test.distinguishable else f"not distinguishable at n = {n}"


def _unseen(test: "PairedComparison | ClusteredComparison") -> str:
    """For a "not distinguishable": the difference this sample would likely have missed (80% power)."""
    if test.distinguishable:
        return ""
    if test.detectable >= 1 and getattr(test, "binary", True):
        return "; this sample could miss even the largest possible difference"
    size = f"{test.detectable:.0%}" if getattr(test, "binary", True) else f"{test.detectable:.3f}"
    return f"; a difference under about {size} would likely go unseen"


def mcnemar(a: Mapping[str, bool], b: Mapping[str, bool], alpha: float = ALPHA, outcome: str = "right") -> PairedComparison:
    """Exact McNemar test of two systems' right/wrong answers, keyed by question id.

    >>> a = {f"q{i}": i < 6 for i in range(20)}          # right on q0-q5
    >>> b = {f"q{i}": i < 1 for i in range(20)}          # right on q0 only
    >>> print(mcnemar(a, b))
    6/20 vs 1/20 on the same questions (5 right only for a, 0 only for b): not distinguishable at n = 20 (exact McNemar, p = 0.06; only 5 questions differ, so even all of them going one way could not reach p < 0.05; a difference under about 34% would likely go unseen)
    """
    ids = _matched(a, b)
    only_a = sum(bool(a[q]) and not bool(b[q]) for q in ids)
    only_b = sum(bool(b[q]) and not bool(a[q]) for q in ids)
    discordant = only_a + only_b
    p = 1.0 if discordant == 0 else float(binomtest(only_a, discordant, 0.5).pvalue)
    return PairedComparison(len(ids), sum(bool(a[q]) for q in ids), sum(bool(b[q]) for q in ids),
                            only_a, only_b, min(1.0, p), alpha, outcome)


def mcnemar_bound(a_right: int, b_right: int, n: int) -> float:
    """The largest exact McNemar p-value any pairing of two systems' answers could give, from their counts alone.

    When only the counts of two systems on the same ``n`` questions were kept, which questions they shared is
    unknown; trying every overlap the counts allow and keeping the largest p gives a test that can only err on
    the cautious side.

    >>> round(mcnemar_bound(7, 27, 175), 4)        # at least 20 questions differ (all one way), at most 34 (27 vs 7)
    0.0008
    """
    if not (0 <= a_right <= n and 0 <= b_right <= n):
        raise ValueError(f"counts must lie between 0 and n = {n}, got {a_right} and {b_right}.")
    worst = 0.0
    for both in range(max(0, a_right + b_right - n), min(a_right, b_right) + 1):
        only_a, only_b = a_right - both, b_right - both
        p = 1.0 if only_a + only_b == 0 else float(binomtest(only_a, only_a + only_b, 0.5).pvalue)
        worst = max(worst, min(1.0, p))
    return worst


def _sign_flip_p(differences: np.ndarray, rounds: int, seed: int) -> float:
    """Two-sided p-value of a mean difference of zero, by flipping each pair's difference in sign at random."""
    observed = abs(differences.mean())
    if observed == 0:
        return 1.0
    signs = np.random.default_rng(seed).choice((-1.0, 1.0), size=(rounds, differences.size))
    flipped = np.abs((signs * differences).mean(axis=1))
    # Counting the observed arrangement among the rounds keeps p above zero (Phipson and Smyth 2010).
    return float((1 + np.sum(flipped >= observed - 1e-12)) / (rounds + 1))


@dataclass(frozen=True)
class ClusteredComparison:
    """Two systems on the same questions, each with several seeds: the difference b - a with its interval."""

    questions: int
    seeds: int
    a_rate: float
    b_rate: float
    low: float
    high: float
    p_value: float
    alpha: float = ALPHA
    binary: bool = True      # outcomes right/wrong (printed as %), else a score such as nDCG (printed as is)
    differing: int = 0       # questions whose (seed-averaged) outcomes differ between the systems
    sd_difference: float = 0.0   # standard deviation of the per-question differences

    @property
    def smallest_p(self) -> float:
        """The smallest p-value the sign flips could give with this many differing questions."""
        return _smallest_p(self.differing)

    @property
    def difference(self) -> float:
        return self.b_rate - self.a_rate

    @property
    def distinguishable(self) -> bool:
        return self.p_value < self.alpha

    @property
    def detectable(self) -> float:
        """The smallest difference the questions would detect with 80% power: for right/wrong outcomes from the
        mean rate (:func:`detectable_difference`), for scores from the spread of the per-question differences."""
        if self.binary:
            return detectable_difference((self.a_rate + self.b_rate) / 2, self.questions, alpha=self.alpha)
        z = norm.ppf(1 - self.alpha / 2) + norm.ppf(0.8)
        return float(z * self.sd_difference / math.sqrt(self.questions))

    @property
    def sentence(self) -> str:
        verdict = _verdict(self)
        rate, change = (".0%", "+.0%") if self.binary else (".3f", "+.3f")
        design = f"{self.questions} questions x {self.seeds} seeds" if self.seeds > 1 else f"the same {self.questions} questions"
        return (f"{self.a_rate:{rate}} vs {self.b_rate:{rate}} over {design}: difference {self.difference:{change}} "
                f"(95% interval {self.low:{change}} to {self.high:{change}}, questions resampled), {verdict} "
                f"(sign-flip test, {p_text(self.p_value)}{_too_few(self)}{_unseen(self)}{self._disagree()})")

    def _disagree(self) -> str:
        # With few questions that differ, the resampled interval runs narrower than the exact sign-flip test.
        if self.distinguishable or not (self.low > 0 or self.high < 0):
            return ""
        return ("; the resampled interval leaves out 0 but the exact test does not reject: with so few questions "
                "that differ, the interval is too narrow, trust the test")

    def __str__(self) -> str:
        return self.sentence


def clustered(a: Mapping[str, Sequence[float]], b: Mapping[str, Sequence[float]], *, rounds: int = 10_000,
              seed: int = 0, alpha: float = ALPHA) -> ClusteredComparison:
    """Compare two systems run with several seeds on the same questions, each question counted once.

    ``a`` and ``b`` map a question id to that question's outcomes, one per seed (1 right, 0 wrong, or any
    per-question score). Each question's outcomes are averaged over its seeds first; the interval resamples
    questions with replacement, the p-value flips each question's difference in sign.

    >>> a = {f"q{i}": [1, 1, 0] for i in range(10)}
    >>> b = {f"q{i}": [1, 1, 1] for i in range(10)}
    >>> c = clustered(a, b)
    >>> round(c.difference, 3), c.questions, c.seeds, c.p_value < 0.01
    (0.333, 10, 3, True)
    """
    ids = _matched(a, b)
    per_a = np.array([float(np.mean(a[q])) for q in ids])
    per_b = np.array([float(np.mean(b[q])) for q in ids])
    seeds = {len(a[q]) for q in ids} | {len(b[q]) for q in ids}
    if 0 in seeds:
        raise ValueError("every question needs at least one outcome per system.")
    differences = per_b - per_a
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(ids), size=(rounds, len(ids)))
    resampled = differences[draws].mean(axis=1)
    low, high = np.quantile(resampled, [0.025, 0.975])
    binary = all(v in (0, 1) for q in ids for v in (*a[q], *b[q]))
    return ClusteredComparison(len(ids), max(seeds), float(per_a.mean()), float(per_b.mean()), float(low),
                               float(high), _sign_flip_p(differences, rounds, seed + 1), alpha, binary,
                               int(np.count_nonzero(np.abs(differences) > 1e-12)),
                               float(differences.std(ddof=1)) if len(ids) > 1 else 0.0)


def compare_outcomes(a: Mapping[str, Sequence[float]], b: Mapping[str, Sequence[float]],
                     alpha: float = ALPHA, outcome: str = "right") -> PairedComparison | ClusteredComparison:
    """The matching test for two systems' per-question outcome lists (one entry per seed).

    One right/wrong outcome per question on both sides: the exact McNemar test. Several seeds on either
    side (or scores between 0 and 1): :func:`clustered`, each question counted once.

    >>> a = {"q1": [1], "q2": [0], "q3": [1]}
    >>> type(compare_outcomes(a, {"q1": [1], "q2": [1], "q3": [1]})).__name__
    'PairedComparison'
    >>> type(compare_outcomes(a, {"q1": [1, 0], "q2": [1, 1], "q3": [0, 1]})).__name__
    'ClusteredComparison'
    """
    ids = _matched(a, b)
    single = all(len(a[q]) == 1 and len(b[q]) == 1 for q in ids)
    binary = all(v in (0, 1) for q in ids for v in (*a[q], *b[q]))
    if single and binary:
        return mcnemar({q: bool(a[q][0]) for q in ids}, {q: bool(b[q][0]) for q in ids}, alpha, outcome)
    return clustered(a, b, alpha=alpha)


def paired_permutation(a: Mapping[str, float], b: Mapping[str, float], *, rounds: int = 10_000,
                       seed: int = 0) -> tuple[float, float]:
    """Mean difference (b - a) of a per-query metric and its two-sided paired randomisation p-value.

    >>> a = {"q1": 0.5, "q2": 0.2, "q3": 1.0, "q4": 0.0}
    >>> b = {"q1": 0.5, "q2": 0.2, "q3": 1.0, "q4": 0.0}
    >>> paired_permutation(a, b)
    (0.0, 1.0)
    """
    ids = _matched(a, b)
    differences = np.array([float(b[q]) - float(a[q]) for q in ids])
    return float(differences.mean()), _sign_flip_p(differences, rounds, seed)


def holm(p_values: Mapping[str, float]) -> dict[str, float]:
    """Holm's step-down adjusted p-values for a family of tests (compare each with alpha as usual).

    >>> holm({"x": 0.01, "y": 0.04, "z": 0.03})
    {'x': 0.03, 'y': 0.06, 'z': 0.06}
    """
    if any(not 0 <= p <= 1 for p in p_values.values()):
        raise ValueError(f"p-values must lie between 0 and 1, got {dict(p_values)}.")
    order = sorted(p_values, key=p_values.get)
    adjusted, running = {}, 0.0
    for rank, name in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p_values[name]))
        adjusted[name] = round(running, 12)
    return {name: adjusted[name] for name in p_values}


def detectable_difference(rate: float, n: int, *, alpha: float = ALPHA, power: float = 0.8) -> float:
    """The smallest difference from ``rate`` that ``n`` questions per system would detect with ``power``.

    The normal approximation for two rates near ``rate``: (z_(1-alpha/2) + z_power) * sqrt(2 p (1 - p) / n).
    It ignores the pairing, which can only make the paired test more sensitive, so it is the cautious
    figure to print beside "not distinguishable at n = ...".

    >>> round(detectable_difference(0.5, 100), 3)
    0.198
    """
    if n < 1:
        raise ValueError(f"n must be at least 1 question, got {n!r}.")
    rate = min(max(rate, 0.5 / n), 1 - 0.5 / n)   # a rate seen as 0 or 1 still has noise: half a question
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(z * math.sqrt(2 * rate * (1 - rate) / n))
