"""Long-term cost of a system from measured numbers: total CPU time vs queries, and break-even points.

Comparison articles claim that fine-tuning has the lower long-term cost (a shorter prompt per query)
and retrieval the higher. This module lets the course test that claim with its own measurements.
A :class:`SystemCost` holds what the caller measured for one system: seconds per query, prompt
tokens per query, the one-off setup (training, or building the index) and the cost of one knowledge
update (retraining, or re-indexing). The module holds no measured constants: every number comes in
from the caller's benchmark. Totals are linear in the number of queries and of updates, so the
break-even points are where two straight lines cross (:func:`break_even_queries`,
:func:`break_even_updates`). Costs are in CPU-seconds, or in money when a price per CPU-hour is given.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

__all__ = ["SystemCost", "total_seconds", "break_even_queries", "break_even_updates",
           "cost_table", "plot_costs", "api_cost"]


def _number(name: str, value: Any, hint: str) -> float:
    # bool is an int subclass; True as "1 second" is always a mistake, so refuse it.
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {value!r}; pass {hint}.")
    value = float(value)
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}; pass {hint}.")
    return value


def _price(price_per_cpu_hour: float | None) -> float | None:
    if price_per_cpu_hour is None:
        return None
    return _number("price_per_cpu_hour", price_per_cpu_hour,
                   "the price of one CPU-hour (or None to keep CPU-seconds)")


@dataclass(frozen=True)
class SystemCost:
    """What one system costs, as measured by the caller (seconds are CPU-seconds on one machine).

    ``seconds_per_query`` is the measured answer time (batch 1 or batched, as measured);
    ``prompt_tokens_per_query`` the mean prompt length (for the record and :func:`api_cost`);
    ``setup_seconds`` the one-off cost (training time, or building the index); ``update_seconds``
    what one knowledge update costs (retraining, or re-indexing the changed documents).

    >>> rag = SystemCost("RAG", seconds_per_query=0.5, prompt_tokens_per_query=400,
    ...                  setup_seconds=2, update_seconds=0.2)
    >>> rag.seconds_per_query
    0.5
    >>> SystemCost("RAG", -1, 400, 2, 0.2)
    Traceback (most recent call last):
    ValueError: seconds_per_query must be a finite number >= 0, got -1.0; pass the measured seconds per answer.
    """

    name: str
    seconds_per_query: float
    prompt_tokens_per_query: float
    setup_seconds: float
    update_seconds: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"name must be a non-empty string, got {self.name!r}; pass e.g. 'RAG'.")
        hints = {"seconds_per_query": "the measured seconds per answer",
                 "prompt_tokens_per_query": "the mean number of prompt tokens per query",
                 "setup_seconds": "the measured training or index-building seconds (0 if none)",
                 "update_seconds": "the measured seconds of one retraining or re-index (0 if none)"}
        for field, hint in hints.items():
            # frozen dataclass: object.__setattr__ is the documented way to normalise in __post_init__
            object.__setattr__(self, field, _number(field, getattr(self, field), hint))


def _queries(queries: Any) -> np.ndarray:
    arr = np.asarray(queries, dtype=float)
    if arr.size == 0:
        raise ValueError("queries is empty; pass a number of queries or a non-empty list of them.")
    if np.isnan(arr).any() or np.isinf(arr).any() or (arr < 0).any():
        raise ValueError(f"queries must be finite counts >= 0, got {queries!r}; pass numbers of queries served.")
    return arr


def total_seconds(system: SystemCost, queries: Any, updates: float = 0,
                  price_per_cpu_hour: float | None = None) -> Any:
    """Total cost: setup + queries × seconds per query + updates × seconds per update.

    ``queries`` may be one number (returns a float) or an array (returns an array of the same
    shape); ``updates`` is the number of knowledge updates made over the same period. With
    ``price_per_cpu_hour`` the result is money instead of CPU-seconds.

    >>> ft = SystemCost("fine-tuned", 0.3, 60, setup_seconds=80, update_seconds=80)
    >>> total_seconds(ft, 100, updates=1)
    190.0
    >>> total_seconds(ft, [0, 1000]).tolist()
    [80.0, 380.0]
    >>> total_seconds(ft, 0, price_per_cpu_hour=3.6)  # 80 s at 0.001 per second
    0.08
    """
    q = _queries(queries)
    u = _number("updates", updates, "the number of knowledge updates in the period (0 if none)")
    price = _price(price_per_cpu_hour)
    total = system.setup_seconds + q * system.seconds_per_query + u * system.update_seconds
    if price is not None:
        total = total * price / 3600.0
    return float(total) if total.ndim == 0 else total


def _stays_cheaper_from(gap_at_zero: float, gap_slope: float) -> float | None:
    """Smallest x >= 0 from which ``gap_at_zero + x * gap_slope <= 0`` holds for every larger x."""
    # The gap (first total minus second) is a straight line in x; it stays <= 0 for good only
    # if it starts there and is flat, or if it falls (then from where it crosses zero).
    if gap_slope > 0:
        return None  # rising: any early lead is lost, so the first is dearer for good
    if gap_slope == 0:
        return 0.0 if gap_at_zero <= 0 else None
    return max(0.0, gap_at_zero / -gap_slope)


def break_even_queries(a: SystemCost, b: SystemCost, updates: float = 0) -> float | None:
    """Number of queries from which ``a`` costs no more in total than ``b`` (and stays so).

    Typical use: ``a`` is the fine-tuned system (shorter prompt, faster per query, but it paid for
    training) and ``b`` is RAG. The result is where the two cost lines cross, as a (possibly
    fractional) number of queries. It is 0 when ``a`` is never dearer (no more setup and no more per
    query). It is None when ``a`` never catches up: it is no cheaper per query yet dearer at the
    start, so the gap never closes (or ``a`` costs more per query, so any early lead is lost for good).
    ``updates`` knowledge updates during the period add ``updates × update_seconds`` to each setup.

    >>> rag = SystemCost("RAG", 0.5, 400, setup_seconds=2, update_seconds=0.2)
    >>> ft = SystemCost("fine-tuned", 0.3, 60, setup_seconds=80, update_seconds=80)
    >>> round(break_even_queries(ft, rag), 6)  # (80 - 2) / (0.5 - 0.3)
    390.0
    >>> round(break_even_queries(ft, rag, updates=1), 6)  # (160 - 2.2) / 0.2
    789.0
    >>> print(break_even_queries(rag, ft))
    None
    """
    u = _number("updates", updates, "the number of knowledge updates in the period (0 if none)")
    fixed_a = a.setup_seconds + u * a.update_seconds
    fixed_b = b.setup_seconds + u * b.update_seconds
    return _stays_cheaper_from(fixed_a - fixed_b, a.seconds_per_query - b.seconds_per_query)


def break_even_updates(a: SystemCost, b: SystemCost, queries: float) -> float | None:
    """Number of knowledge updates (while ``queries`` are served) from which ``b`` is no dearer than ``a``.

    Typical use: ``a`` is the fine-tuned system, ``b`` is RAG; the answer says how often knowledge
    must change (per month, if ``queries`` is a month's traffic) before retrieval wins. It is 0 when
    ``b`` is already no dearer with no updates and an update costs it no more than ``a``. It is None
    when an update costs ``b`` more than ``a`` (more updates only widen its loss), or costs the same
    while ``b`` is dearer at zero updates: then no number of updates makes ``b`` win.

    >>> rag = SystemCost("RAG", 0.5, 400, setup_seconds=2, update_seconds=0.2)
    >>> ft = SystemCost("fine-tuned", 0.3, 60, setup_seconds=80, update_seconds=80)
    >>> round(break_even_updates(ft, rag, queries=1000), 4)  # (502 - 380) / (80 - 0.2)
    1.5288
    >>> break_even_updates(ft, rag, queries=100)  # RAG is already cheaper
    0.0
    """
    if np.ndim(queries) != 0:
        raise ValueError("queries must be one number here (the queries served in the period), not a list.")
    q = float(_queries(queries))
    gap = (b.setup_seconds + q * b.seconds_per_query) - (a.setup_seconds + q * a.seconds_per_query)
    return _stays_cheaper_from(gap, b.update_seconds - a.update_seconds)


def _check_systems(systems: Sequence[SystemCost]) -> list[SystemCost]:
    systems = list(systems)
    if not systems:
        raise ValueError("no systems given; pass a list of SystemCost, one per system measured.")
    bad = [s for s in systems if not isinstance(s, SystemCost)]
    if bad:
        raise TypeError(f"systems must be SystemCost objects, got {bad!r}; build them with SystemCost(...).")
    return systems


def cost_table(systems: Sequence[SystemCost], queries_list: Sequence[float], updates: float = 0,
               price_per_cpu_hour: float | None = None) -> list[dict[str, Any]]:
    """One row per system: its measured inputs and its total cost at each number of queries.

    The rows print well with ``pandas.DataFrame(rows)``; the column names carry their units
    (CPU-s, or "cost" when a price per CPU-hour is given).

    >>> rag = SystemCost("RAG", 0.5, 400, setup_seconds=2, update_seconds=0.2)
    >>> ft = SystemCost("fine-tuned", 0.3, 60, setup_seconds=80, update_seconds=80)
    >>> [row["total @ 1,000 queries (CPU-s)"] for row in cost_table([rag, ft], [1000])]
    [502.0, 380.0]
    """
    systems = _check_systems(systems)
    counts = _queries(queries_list).reshape(-1)
    unit = "CPU-s" if price_per_cpu_hour is None else "cost"
    rows = []
    for s in systems:
        totals = total_seconds(s, counts, updates, price_per_cpu_hour)
        row: dict[str, Any] = {"system": s.name, "prompt tokens/query": s.prompt_tokens_per_query,
                               "s/query": s.seconds_per_query, "setup (CPU-s)": s.setup_seconds,
                               "update (CPU-s)": s.update_seconds}
        for q, t in zip(counts, totals, strict=True):
            row[f"total @ {q:,.0f} queries ({unit})"] = float(t)
        rows.append(row)
    return rows


def plot_costs(ax: Any, systems: Sequence[SystemCost], max_queries: float, updates: float = 0,
               price_per_cpu_hour: float | None = None, points: int = 200,
               title: str | None = None) -> list[tuple[str, str, float]]:
    """Draw total cost against queries served, one line per system, and mark the break-even points.

    Returns the break-even points drawn, as ``(cheaper-per-query system, other system, queries)``,
    for every pair whose lines cross between 0 and ``max_queries``.

    >>> import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    >>> rag = SystemCost("RAG", 0.5, 400, setup_seconds=2, update_seconds=0.2)
    >>> ft = SystemCost("fine-tuned", 0.3, 60, setup_seconds=80, update_seconds=80)
    >>> fig, ax = plt.subplots()
    >>> [(a, b, round(q)) for a, b, q in plot_costs(ax, [rag, ft], max_queries=1000)]
    [('fine-tuned', 'RAG', 390)]
    >>> plt.close(fig)
    """
    systems = _check_systems(systems)
    top = _number("max_queries", max_queries, "the largest number of queries to plot, e.g. 10_000")
    if top <= 0:
        raise ValueError("max_queries must be above 0; pass the largest number of queries to plot.")
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"points must be a whole number >= 2, got {points!r}.")
    x = np.linspace(0.0, top, points)
    for s in systems:
        ax.plot(x, total_seconds(s, x, updates, price_per_cpu_hour), label=s.name)
    crossings = []
    for i, first in enumerate(systems):
        for second in systems[i + 1:]:
            # Orient each pair so that `cheap` is the one cheaper per query; only it can catch up.
            cheap, dear = sorted([first, second], key=lambda s: s.seconds_per_query)
            q = break_even_queries(cheap, dear, updates)
            if q is not None and 0 < q <= top and cheap.seconds_per_query < dear.seconds_per_query:
                y = total_seconds(cheap, q, updates, price_per_cpu_hour)
                ax.plot([q], [y], "ko")
                ax.annotate(f"break-even ≈ {q:,.0f} queries", (q, y), textcoords="offset points",
                            xytext=(6, -12), fontsize=9)
                crossings.append((cheap.name, dear.name, q))
    ax.set_xlabel("queries served")
    unit = "CPU-seconds" if price_per_cpu_hour is None else f"money at {price_per_cpu_hour:g} per CPU-hour"
    ax.set_ylabel(f"total cost ({unit})")
    note = f"{updates:g} knowledge update(s) in the period"
    ax.set_title(f"{title}\n{note}" if title else note, fontsize=10)
    ax.legend()
    return crossings


def api_cost(system: SystemCost, queries: Any, price_per_1k_input_tokens: float) -> Any:
    """Token-priced view: what the prompts would cost on an API billed per 1,000 input tokens.

    Only prompt (input) tokens are counted: the answers of the compared systems are of similar
    length, and the difference between them is the prompt (retrieved passages vs none).

    >>> rag = SystemCost("RAG", 0.5, 400, setup_seconds=2, update_seconds=0.2)
    >>> api_cost(rag, 1000, price_per_1k_input_tokens=0.5)  # 1000 × 400 / 1000 × 0.5
    200.0
    """
    q = _queries(queries)
    price = _number("price_per_1k_input_tokens", price_per_1k_input_tokens,
                    "the API price of 1,000 input tokens")
    cost = q * system.prompt_tokens_per_query / 1000.0 * price
    return float(cost) if cost.ndim == 0 else cost
