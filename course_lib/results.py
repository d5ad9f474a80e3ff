"""Committed results of the long runs: rows of measurements, with the date and command of every run.

Some measurements take longer than a notebook's five minutes (several seeds, every test
prompt). A command runs them and writes a JSON file under ``results/``; the notebook reads
it and shows which command made it and when. Re-running a part replaces only its rows::

    {"runs": [{"date": "2026-11-30", "command": "python -m course_lib.runs.lesson06_sweeps --seeds 0"}],
     "rows": [{"sweep": "rank", "value": 4, "seed": 0, "no violation": [52, 64]}, ...]}

A rate is stored as ``[k, n]``, so a reader can pool seeds and put an interval on it.
"""
from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path
from typing import Any, Mapping, Sequence

from course_lib import paired
from course_lib.paths import results_dir
from course_lib.stats import ALPHA, proportion


def regrade(name: str, grade: Any, key: Sequence[str], command: str) -> dict:
    """Grade the answers stored in ``results/<name>`` again with today's grader and write the file back.

    ``grade(row)`` returns the row with its rates and ``"per question"`` outcomes recomputed from its stored
    answers, or ``None`` for a row that stores no answers (it keeps the grades of its run). Returns how many
    rows were regraded and kept, how many per-question outcomes changed, and which rates (``[k, n]`` fields)
    moved, as ``"system seed: field k/n -> k/n"``, so a note can say what moved.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "r.json")
    >>> _ = save([{"system": "a", "seed": 0, "per question": {"right": {"q1": 0}}, "answers": ["yes"]}], "x", path,
    ...          key=("system", "seed"))
    >>> regrade(path, lambda r: dict(r, **{"per question": {"right": {"q1": 1}}}), ("system", "seed"), "x --regrade")
    {'regraded': 1, 'kept': 0, 'changed outcomes': 1, 'moved': []}
    """
    stored = load(path_of(name) if not Path(name).is_absolute() else Path(name), command)
    rows, kept, changed, moved = [], 0, 0, []
    for row in stored["rows"]:
        new = grade(row)
        if new is None:
            kept += 1
            continue
        for metric, outcomes in new.get("per question", {}).items():
            before = row.get("per question", {}).get(metric, {})
            changed += sum(before.get(q) != v for q, v in outcomes.items() if q in before)
        who = " ".join(str(row[f]) for f in key if f in row)
        moved += [f"{who}: {f} {row[f][0]}/{row[f][1]} -> {v[0]}/{v[1]}" for f, v in new.items()
                  if isinstance(v, list) and len(v) == 2 and isinstance(row.get(f), list) and row[f] != v]
        rows.append(new)
    save(rows, command, path_of(name) if not Path(name).is_absolute() else Path(name), key)
    return {"regraded": len(rows), "kept": kept, "changed outcomes": changed, "moved": moved}


def path_of(name: str) -> Path:
    """The committed results file ``name`` (e.g. ``"lesson09_rag.json"``) in the course's ``results/`` folder."""
    return results_dir() / name


def load(path: str | Path, command: str, duration: str = "") -> dict:
    """The stored results at ``path``, or a ``FileNotFoundError`` that names the ``command`` making them."""
    path = Path(path)
    if not path.is_file():
        took = f" ({duration})" if duration else ""
        raise FileNotFoundError(f"no results at {path}: run `{command}`{took} to make them.")
    return json.loads(path.read_text(encoding="utf-8"))


def save(rows: Sequence[Mapping[str, Any]], command: str, path: str | Path, key: Sequence[str],
         **about: Any) -> dict:
    """Merge ``rows`` into the file at ``path`` and write it; a row with the same ``key`` fields replaces the old one.

    The run is appended to ``runs`` with today's date, the ``command`` and any ``about`` fields.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "r.json")
    >>> _ = save([{"system": "base", "seed": 0, "score": [3, 4]}], "make x", path, key=("system", "seed"))
    >>> [r["score"] for r in save([{"system": "base", "seed": 0, "score": [4, 4]}], "make x", path,
    ...                             key=("system", "seed"))["rows"]]
    [[4, 4]]
    """
    path = Path(path)
    stored = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"rows": [], "runs": []}
    missing = [f for f in key for r in rows if f not in r]
    if missing:
        raise ValueError(f"every row needs the key fields {list(key)}; missing {sorted(set(missing))}.")

    def ident(row: Mapping[str, Any]) -> tuple:
        return tuple(str(row[f]) for f in key)

    merged = {ident(r): dict(r) for r in stored["rows"]}
    merged.update({ident(r): dict(r) for r in rows})
    runs = stored.get("runs", []) + [{"date": dt.date.today().isoformat(), "command": command, **about}]
    result = {"runs": runs, "rows": [merged[i] for i in sorted(merged)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def pool(rows: Sequence[Mapping[str, Any]], metric: str) -> dict[str, Any]:
    """Seeds, mean and standard deviation over rows of ``metric``, and for rates the pooled k/n.

    A rate is ``[k, n]``: its mean is of k/n per row and ``pooled`` adds the counts (one
    interval for all answers); a plain number (BLEU, perplexity) has ``pooled`` None.

    >>> p = pool([{"x": [6, 10]}, {"x": [8, 10]}], "x")
    >>> p["seeds"], p["mean"], round(p["sd"], 3), str(p["pooled"])
    (2, 0.7, 0.141, '14/20 = 70% (95% CI 48–85%)')
    """
    if not rows:
        raise ValueError(f"no rows to pool for {metric!r}.")
    values = [r[metric] for r in rows]
    if not all(_poolable(v) for v in values):
        raise ValueError(f"{metric!r} holds values that are neither numbers nor [k, n] rates: nothing to pool.")
    is_rate = all(isinstance(v, (list, tuple)) and len(v) == 2 for v in values)
    numbers = [v[0] / v[1] for v in values] if is_rate else [float(v) for v in values]
    pooled = proportion(sum(v[0] for v in values), sum(v[1] for v in values)) if is_rate else None
    return {"seeds": len(rows), "mean": statistics.fmean(numbers),
            "sd": statistics.stdev(numbers) if len(numbers) > 1 else 0.0, "pooled": pooled}


def per_question(rows: Sequence[Mapping[str, Any]], metric: str) -> dict[str, list[int]]:
    """Each question's outcomes of ``metric`` over ``rows`` (one row per seed): ``{question id: [per seed]}``.

    The rows must hold ``"per question"`` outcomes (long runs since December 2026 store them).

    >>> rows = [{"seed": s, "per question": {"x": {"q1": s, "q2": 1}}} for s in (0, 1)]
    >>> per_question(rows, "x")
    {'q1': [0, 1], 'q2': [1, 1]}
    """
    missing = [r.get("seed") for r in rows if metric not in r.get("per question", {})]
    if not rows or missing:
        raise ValueError(f"no per-question outcomes of {metric!r} in these results (seeds {missing}): they were "
                         "written before outcomes were stored per question; re-run the long run's command.")
    keyed: dict[str, list[int]] = {}
    for r in rows:
        for q, v in r["per question"][metric].items():
            keyed.setdefault(q, []).append(v)
    return keyed


def compare_systems(rows: Sequence[Mapping[str, Any]], a: str, b: str, metric: str,
                    field: str = "system") -> paired.PairedComparison | paired.ClusteredComparison:
    """Systems ``a`` and ``b`` of the stored ``rows`` on ``metric``, with the test their design calls for.

    Both answered the same questions: one seed each gives the exact McNemar test, several seeds the
    question-clustered resampling of :func:`course_lib.paired.clustered`.

    >>> rows = [{"system": "x", "per question": {"right": {"q1": 1, "q2": 0}}},
    ...         {"system": "y", "per question": {"right": {"q1": 1, "q2": 1}}}]
    >>> print(compare_systems(rows, "x", "y", "right"))
    1/2 vs 2/2 on the same questions (0 right only for a, 1 only for b): not distinguishable at n = 2 (exact McNemar, p = 1.00; only 1 question differs, so even all of them going one way could not reach p < 0.05; this sample could miss even the largest possible difference)
    """
    def of(name: str) -> dict[str, list[int]]:
        picked = [r for r in rows if r.get(field) == name]
        if not picked:
            raise ValueError(f"no rows with {field} {name!r}; the results hold {sorted({str(r.get(field)) for r in rows})}.")
        return per_question(picked, metric)

    return paired.compare_outcomes(of(a), of(b), outcome=metric)


def counts_bound(rows_a: Sequence[Mapping[str, Any]], rows_b: Sequence[Mapping[str, Any]], metric: str
                 ) -> tuple[int, int, int, float] | None:
    """For two single runs stored as counts only (no outcomes per question) on the same ``n`` questions:
    ``(k_a, k_b, n, the largest McNemar p any pairing allows)`` (:func:`course_lib.paired.mcnemar_bound`);
    ``None`` when the rows are not one run each on the same questions.

    >>> counts_bound([{"right": [7, 175]}], [{"right": [27, 175]}], "right")[:3]
    (7, 27, 175)
    """
    if len(rows_a) != 1 or len(rows_b) != 1 or not all(isinstance(r.get(metric), list) for r in (*rows_a, *rows_b)):
        return None
    (ka, n), (kb, nb) = rows_a[0][metric], rows_b[0][metric]
    return (ka, kb, n, paired.mcnemar_bound(ka, kb, n)) if n == nb else None


def compare_or_why(rows: Sequence[Mapping[str, Any]], a: str, b: str, metric: str, field: str = "system") -> str:
    """The sentence of :func:`compare_systems`, or, for rows stored before outcomes were kept per question, why
    there is no paired test and what to run (so a lesson can show old results without a wrong test).

    >>> compare_or_why([{"system": "x", "right": [7, 175]}, {"system": "y", "right": [27, 175]}], "x", "y", "right")
    "7/175 vs 27/175 on the same questions, stored as counts only: whatever the pairing, McNemar's p is at most 0.00082: more than chance explains"
    """
    try:
        return compare_systems(rows, a, b, metric, field).sentence
    except ValueError as why:
        bound = counts_bound(*[[r for r in rows if r.get(field) == name] for name in (a, b)], metric)
        if bound is not None:
            ka, kb, n, bound = bound
            verdict = "more than chance explains" if bound < ALPHA else "not shown to exceed the noise"
            return (f"{ka}/{n} vs {kb}/{n} on the same questions, stored as counts only: whatever the pairing, "
                    f"McNemar's p is at most {bound:.2g}: {verdict}")
        return f"no paired test: {why}"


def describe_runs(stored: Mapping[str, Any]) -> str:
    """One line per run that wrote the results: its date and command.

    >>> print(describe_runs({"runs": [{"date": "2026-11-30", "command": "make sweeps"}]}))
    2026-11-30: make sweeps

    A run saved with a ``note`` (say, that another long run shared the machine) shows it too.
    """
    return "\n".join(f"{r['date']}: {r['command']}" + (f" ({r['note']})" if r.get("note") else "")
                     for r in stored.get("runs", []))


def _text(value: Any) -> str:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return str(proportion(*value)) if value[1] else "-"
    return str(value)


def _poolable(value: Any) -> bool:
    """A number, or a rate ``[k, n]`` of whole numbers: text (an example answer) has no mean."""
    if isinstance(value, (list, tuple)):
        return len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _pooled(metric: str, p: Mapping[str, Any]) -> str:
    spread = f"mean {p['mean']:.3g} ± {p['sd']:.2g} over {p['seeds']} seeds"
    return f"{metric} {p['pooled']} ({spread})" if p["pooled"] else f"{metric} {spread}"


def part_table(stored: Mapping[str, Any], part: str, metrics: Sequence[str]) -> str:
    """The rows of one ``part`` of the stored results as text: one line per system (and seed), rates as k/n
    with their 95% interval, and a system's seeds pooled (mean ± sd over seeds) when it has several.

    >>> print(part_table({"rows": [{"part": "accuracy", "system": "RAG", "seed": None, "right": [3, 15]}]},
    ...             "accuracy", ["right"]))
    RAG                            right 3/15 = 20% (95% CI 7–45%)
    """
    rows = [r for r in stored["rows"] if r["part"] == part]
    if not rows:
        runs = describe_runs(stored) or "no run"
        raise ValueError(f"the results hold no rows of part {part!r} (made by: {runs}); run the command again with that part.")
    lines = []
    for r in rows:
        name = r["system"] + (f" (seed {r['seed']})" if r["seed"] is not None else "")
        lines.append(f"{name:30} " + "; ".join(f"{m} {_text(r[m])}" for m in metrics if m in r))
    seeded = sorted({r["system"] for r in rows if r["seed"] is not None})
    for system in seeded:
        runs = [r for r in rows if r["system"] == system]
        if len(runs) > 1:
            pooled = {m: pool(runs, m) for m in metrics if all(m in r and _poolable(r[m]) for r in runs)}
            lines.append(f"{system + ', pooled':30} " + "; ".join(_pooled(m, p) for m, p in pooled.items()))
    return "\n".join(lines)
