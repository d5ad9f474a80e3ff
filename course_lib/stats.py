"""Rates you can trust on small samples: counts with a 95% interval, and honest comparisons.

The course's evaluations are small (8 to a few hundred answers), so "12%" alone says
little: 1 of 8 and 30 of 250 are both 12%, but the first could easily be 2% or 47%.
Every rate is therefore a :class:`Proportion` that keeps its count ``k``, its sample size
``n`` and a Wilson score interval (which, unlike the textbook "p ± 1.96·SE", stays inside
0-100% and behaves at 0 of n). :func:`compare` asks whether two rates differ by more than
chance with Fisher's exact test on the 2x2 table, and says so in a sentence.
:func:`plot_rates` draws bars with error bars and "k/n" on each bar. Two seeded samplers live here
too, because several lessons draw subsets: :func:`stratified_sample` keeps each topic's share, and
:func:`nested_sample` makes every smaller subset the start of every larger one.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Hashable, Iterable, Mapping, Sequence

__all__ = ["Proportion", "Comparison", "proportion", "proportion_of", "tally", "compare", "p_text", "plot_rates",
           "stratified_sample", "nested_sample"]

ALPHA = 0.05  # a difference counts as real when Fisher's exact test gives p below this


@dataclass(frozen=True)
class Proportion:
    """``k`` successes out of ``n`` trials, with the lower and upper ends of its interval.

    >>> p = proportion(1, 8)
    >>> p.k, p.n, round(p.rate, 3)
    (1, 8, 0.125)
    >>> str(p)
    '1/8 = 12% (95% CI 2–47%)'
    """

    k: int
    n: int
    low: float
    high: float
    confidence: float = 0.95

    @property
    def rate(self) -> float:
        """The observed share k/n (the point estimate)."""
        return self.k / self.n

    def __str__(self) -> str:
        level = f"{self.confidence * 100:g}%"
        return (f"{self.k}/{self.n} = {_pct(self.rate)} "
                f"({level} CI {_pct(self.low, sign=False)}–{_pct(self.high)})")


def _pct(x: float, sign: bool = True) -> str:
    # Whole percents: more digits would claim a precision that small samples do not have.
    # round() keeps 12.5% -> "12%" (banker's rounding), which is fine for display.
    return f"{round(x * 100)}" + ("%" if sign else "")


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        # numpy integers are accepted; floats such as 3.0 are not, to catch shares passed as counts
        if hasattr(value, "__index__") and not isinstance(value, bool):
            return int(value.__index__())
        raise TypeError(f"{name} must be a whole number (a count), got {value!r}; "
                        "pass counts, not shares (e.g. proportion(3, 8), not proportion(0.375, 8)).")
    return value


def proportion(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """Count ``k`` of ``n`` with its Wilson score interval (scipy's ``binomtest``).

    >>> proportion(0, 8)  # doctest: +ELLIPSIS
    Proportion(k=0, n=8, low=0.0, high=0.324..., confidence=0.95)
    >>> print(proportion(30, 250))
    30/250 = 12% (95% CI 9–17%)
    """
    from scipy.stats import binomtest  # imported here: scipy is slow to import, and only this needs it

    k, n = _check_count("k", k), _check_count("n", n)
    if n <= 0:
        raise ValueError(f"n must be at least 1 (got {n}): a rate of nothing has no meaning; "
                         "check that the list of answers is not empty.")
    if not 0 <= k <= n:
        raise ValueError(f"k must be between 0 and n={n} (got k={k}): it counts successes among the n trials.")
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ValueError(f"confidence must be a level between 0 and 1, e.g. 0.95 (got {confidence!r}).")
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    # scipy can return 1e-17 instead of 0 at k=0 (and similar at k=n); snap to the exact ends.
    low = 0.0 if k == 0 else float(ci.low)
    high = 1.0 if k == n else float(ci.high)
    return Proportion(k, n, low, high, confidence)


def proportion_of(flags: Iterable[Any], confidence: float = 0.95) -> Proportion:
    """The share of true values in ``flags`` (booleans, or anything truthy), as a Proportion.

    >>> print(proportion_of([True, False, False, False]))
    1/4 = 25% (95% CI 5–70%)
    """
    flags = list(flags)
    if not flags:
        raise ValueError("proportion_of() got no values to count; pass one flag per answer.")
    return proportion(sum(bool(f) for f in flags), len(flags), confidence)


def tally(verdicts: Iterable[Hashable], categories: Iterable[Hashable] | None = None,
          confidence: float = 0.95) -> dict[Any, Proportion]:
    """Count each verdict and give its share of all verdicts with a Wilson interval.

    ``categories`` lists the verdicts to report (in that order), so a verdict that never
    occurred still appears as 0/n; a verdict outside it is an error (a typo, usually).
    Without it, verdicts appear in order of first occurrence.

    >>> shares = tally(["correct", "invented", "invented", "admits_unknown"])
    >>> {v: f"{p.k}/{p.n}" for v, p in shares.items()}
    {'correct': '1/4', 'invented': '2/4', 'admits_unknown': '1/4'}
    >>> print(tally(["invented"] * 3, categories=["correct", "invented"])["correct"])
    0/3 = 0% (95% CI 0–56%)
    """
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("tally() got no verdicts to count; pass one verdict per answer.")
    counts = Counter(verdicts)
    if categories is None:
        order = list(dict.fromkeys(verdicts))
    else:
        order = list(dict.fromkeys(categories))
        unknown = set(counts) - set(order)
        if unknown:
            raise ValueError(f"verdicts {sorted(map(str, unknown))} are not among the categories {order}; "
                             "add them to categories or fix the verdicts.")
    return {v: proportion(counts.get(v, 0), len(verdicts), confidence) for v in order}


@dataclass(frozen=True)
class Comparison:
    """Two proportions, their difference (a minus b) and Fisher's exact two-sided p-value."""

    a: Proportion
    b: Proportion
    difference: float
    p_value: float
    distinguishable: bool

    @property
    def sentence(self) -> str:
        """The comparison in plain English, with counts and the p-value."""
        head = f"{self.a.k}/{self.a.n} vs {self.b.k}/{self.b.n}"
        if not self.distinguishable:
            return f"{head}: not distinguishable from noise ({p_text(self.p_value)})"
        direction = "higher" if self.difference > 0 else "lower"
        points = round(abs(self.difference) * 100)
        # Name both rates in the sentence, so it reads the same whichever order they were passed in.
        return (f"{self.a.k}/{self.a.n} is {points} percentage points {direction} than {self.b.k}/{self.b.n}, "
                f"more than chance explains ({p_text(self.p_value)})")

    def __str__(self) -> str:
        return self.sentence


def p_text(p: float) -> str:
    """A p-value as the course writes it: "p = 0.xx", or "p < 0.001" when tiny (more digits add nothing).

    >>> p_text(0.0312), p_text(0.004), p_text(0.00001)
    ('p = 0.03', 'p = 0.004', 'p < 0.001')
    """
    return "p < 0.001" if p < 0.001 else f"p = {p:.2f}" if p >= 0.01 else f"p = {p:.3f}"


def compare(a: Proportion, b: Proportion, alpha: float = ALPHA) -> Comparison:
    """Is rate ``a`` really different from rate ``b``? Fisher's exact test on their 2x2 table.

    The test is exact (no normal approximation), so it is valid for the course's small
    samples; ``distinguishable`` is True when its two-sided p-value is below ``alpha``.

    >>> print(compare(proportion(1, 8), proportion(0, 8)))
    1/8 vs 0/8: not distinguishable from noise (p = 1.00)
    >>> print(compare(proportion(30, 40), proportion(10, 40)))
    30/40 is 50 percentage points higher than 10/40, more than chance explains (p < 0.001)
    """
    from scipy.stats import fisher_exact

    for name, p in (("a", a), ("b", b)):
        if not isinstance(p, Proportion):
            raise TypeError(f"compare() needs two Proportion objects; {name} is {type(p).__name__}. "
                            "Make one with proportion(k, n).")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, e.g. 0.05 (got {alpha!r}).")
    table = [[a.k, a.n - a.k], [b.k, b.n - b.k]]
    p_value = float(min(1.0, fisher_exact(table, alternative="two-sided").pvalue))
    return Comparison(a, b, a.rate - b.rate, p_value, p_value < alpha)


def plot_rates(ax: Any, labelled: Mapping[str, Proportion], *, title: str | None = None,
               ylabel: str = "share of answers", color: Any = None) -> Any:
    """Bar chart of rates with Wilson error bars and "k/n" written on each bar; returns ``ax``.

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = plot_rates(ax, {"no profile": proportion(1, 8), "with profile": proportion(0, 8)})
    >>> [t.get_text() for t in ax.texts]
    ['1/8', '0/8']
    >>> plt.close(fig)
    """
    from matplotlib.ticker import PercentFormatter

    if not labelled:
        raise ValueError("plot_rates() needs at least one {label: Proportion} to draw.")
    bad = [label for label, p in labelled.items() if not isinstance(p, Proportion)]
    if bad:
        raise TypeError(f"plot_rates() needs Proportion values (from proportion() or tally()); not for {bad}.")
    labels, props = list(labelled), list(labelled.values())
    x = range(len(props))
    rates = [p.rate for p in props]
    errors = [[p.rate - p.low for p in props], [p.high - p.rate for p in props]]
    ax.bar(x, rates, yerr=errors, capsize=6, color=color, edgecolor="black", linewidth=0.5)
    for i, p in zip(x, props, strict=True):
        # Written above the whisker so the line does not cross it, and so that 0/n stays visible.
        ax.text(i, min(p.high + 0.02, 0.94), f"{p.k}/{p.n}", ha="center", va="bottom", fontsize=9,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.set_xticks(list(x), labels)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel(ylabel)
    conf = {f"{p.confidence * 100:g}" for p in props}
    note = f"bars: observed share; whiskers: {'/'.join(sorted(conf))}% Wilson interval"
    ax.set_title(f"{title}\n{note}" if title else note, fontsize=10)
    return ax


def stratified_sample(rows: Sequence[Mapping[str, Any]], n: int, key: str = "topic", seed: int = 0) -> list:
    """``n`` rows keeping each ``key`` group's share (largest remainders), the same every run for a seed.

    A stated subset when the whole split does not fit the time budget: every topic keeps
    its place, so a rate on the subset measures the same mix of questions as the split.

    >>> rows = [{"topic": "a"}] * 6 + [{"topic": "b"}] * 3
    >>> [r["topic"] for r in stratified_sample(rows, 3)]
    ['a', 'a', 'b']
    """
    rows = list(rows)
    if not 0 < n <= len(rows):
        raise ValueError(f"n must be between 1 and the number of rows ({len(rows)}), got {n!r}.")
    groups: dict[Any, list[int]] = {}
    for i, row in enumerate(rows):
        groups.setdefault(row[key], []).append(i)
    quota = {g: n * len(members) / len(rows) for g, members in groups.items()}
    take = {g: int(q) for g, q in quota.items()}
    for g in sorted(groups, key=lambda g: (-(quota[g] - take[g]), str(g)))[: n - sum(take.values())]:
        take[g] += 1
    rng = random.Random(seed)
    picked = {i for g, members in groups.items() for i in rng.sample(members, take[g])}
    return [rows[i] for i in sorted(picked)]  # in the split's own order


def nested_sample(rows: Sequence[Any], n: int, seed: int = 0, core: int = 64) -> list:
    """``n`` rows drawn with ``seed`` so that every smaller subset is the start of every larger one.

    The first ``core`` rows are ``random.Random(seed).sample(rows, core)`` (lesson 05's
    subset); further rows follow in a seeded order. A data-size sweep then adds examples
    to a fixed set instead of drawing a new set for each size.

    >>> nested_sample(list(range(10)), 3, core=5) == nested_sample(list(range(10)), 7, core=5)[:3]
    True
    """
    rows = list(rows)
    if not isinstance(n, int) or not 0 < n <= len(rows):
        raise ValueError(f"n must be a whole number from 1 to {len(rows)} (the rows available), got {n!r}.")
    rng = random.Random(seed)
    head = rng.sample(rows, min(core, len(rows)))
    if n <= len(head):
        return head[:n]
    taken = {id(r) for r in head}
    rest = [r for r in rows if id(r) not in taken]
    random.Random(seed).shuffle(rest)
    return head + rest[: n - len(head)]
