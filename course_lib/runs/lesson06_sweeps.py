"""Lesson 06's sweeps: preference adherence against LoRA rank, against the number of training dialogues, and prompt tuning.

Each point trains a LoRA adapter (a :mod:`course_lib.finetuning.recipes` recipe with one field
changed) and scores its answers to the test prompts. Nine runs of one to ten minutes each do
not fit a notebook's five minutes, so this command runs them and writes a results file that
the notebook reads and plots, with the date and the command that produced it::

    python -m course_lib.runs.lesson06_sweeps --seeds 0 1 2          # about 30 minutes per seed on 2 CPU cores

Points already in the file are kept; a point run again replaces its old value.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from course_lib import data, paired, results
from course_lib.evaluation.style import answer_outcomes
from course_lib.finetuning import recipes
from course_lib.finetuning.recipes import recipe
from course_lib.models import load_llm

SWEEPS: dict[str, tuple[str, str, tuple[int, ...]]] = {
    # sweep -> (the recipe it starts from, the field it changes, its values); alpha follows rank (alpha = 2r)
    "rank": ("lesson06-lora16", "rank", (1, 4, 16)),
    "data": ("lesson06-lora16", "train_examples", (25, 50, 64, 100, 333)),  # 64 is the rank-16 point itself
    "prompt": ("lesson06-prompt32", "virtual_tokens", (32,)),                # prompt tuning beside LoRA
}
RESULTS = "lesson06_sweeps.json"   # in paths.results_dir()
METRICS = ("no violation", "wanted format")


def point_recipe(sweep: str, value: int, seed: int, **overrides: Any):
    """The recipe of one sweep point: a lesson-06 recipe with the swept field (and seed) changed."""
    if sweep not in SWEEPS:
        raise ValueError(f"sweep must be one of {sorted(SWEEPS)}, got {sweep!r}.")
    name, field, _ = SWEEPS[sweep]
    changes = {field: value, "seed": seed, **overrides}
    if field == "rank":
        changes["alpha"] = 2 * value
    return recipe(name, **changes)


def run_point(sweep: str, value: int, seed: int, make_model: Callable[[], tuple[Any, Any]],
              prompts: Sequence[Any], profile: Mapping[str, Any], *, max_new_tokens: int = 96,
              progress: bool = False, **overrides: Any) -> dict:
    """Train (or load) one sweep point's adapter and score its answers; return a JSON-able row."""
    model, tokenizer = make_model()
    rec = point_recipe(sweep, value, seed, **overrides)
    built = recipes.build(SWEEPS[sweep][0], model, tokenizer, rec, progress=progress)
    texts, _ = recipes.answers(built.artifact, built.model, tokenizer, prompts, max_new_tokens=max_new_tokens,
                               stored=recipes.stored_settings(rec, tokenizer))
    row = {"sweep": sweep, "value": value, "seed": seed, "trainable": built.run.trainable,
           "train_examples": rec.train_examples, "seconds": round(built.run.seconds, 1),
           "peak_mb": round(built.run.peak_mb), "answers": texts}
    return grade_row(row, profile)


def grade_row(row: Mapping[str, Any], profile: Mapping[str, Any] | None = None) -> dict | None:
    """The row with its rates and per-prompt outcomes graded from its stored answers (``None`` for a row
    stored without answers). The answers reply to ``recipes.held_out_prompts(n)``, in order."""
    if not row.get("answers"):
        return None
    texts = row["answers"]
    outcomes = answer_outcomes(texts, profile or data.load_profile())
    ids = recipes.held_out_ids(len(texts))
    return {**row, **{m: [sum(outcomes[m]), len(texts)] for m in METRICS},
            # per test prompt, for paired tests between points
            "per question": {m: {q: int(v) for q, v in zip(ids, outcomes[m], strict=True)} for m in METRICS}}


def summarise(rows: Sequence[Mapping[str, Any]], sweep: str, metric: str) -> list[dict]:
    """Per swept value: seeds, mean and standard deviation of the rate over seeds, and the pooled k/n.

    >>> rows = [{"sweep": "rank", "value": 4, "seed": s, "no violation": [k, 10]} for s, k in ((0, 6), (1, 8))]
    >>> [(r["value"], r["mean"], round(r["sd"], 3), str(r["pooled"])) for r in summarise(rows, "rank", "no violation")]
    [(4, 0.7, 0.141, '14/20 = 70% (95% CI 48–85%)')]
    """
    out = []
    for value in sorted({r["value"] for r in rows if r["sweep"] == sweep}):
        here = [r for r in rows if r["sweep"] == sweep and r["value"] == value]
        out.append({"value": value, "trainable": here[0].get("trainable"), **results.pool(here, metric)})
    return out


def compare_points(rows: Sequence[Mapping[str, Any]], a: tuple[str, int], b: tuple[str, int], metric: str) -> str:
    """Sweep point ``a`` (``(sweep, value)``) against point ``b`` on ``metric``, as one line.

    Every point answered the same test prompts with each seed, so the test is paired: prompts resampled with
    their seeds inside (:func:`course_lib.results.compare_systems`). Rows stored before each prompt's outcome
    was kept get each seed's rate and the command that would store the outcomes instead of a test.

    >>> rows = [{"sweep": "rank", "value": v, "seed": 0, "x": [k, 2]} for v, k in ((1, 0), (16, 2))]
    >>> compare_points(rows, ("rank", 1), ("rank", 16), "x")
    'per seed 0/2 vs 2/2; no paired test: these rows predate per-prompt outcomes (re-run `make sweeps`)'
    """
    try:
        return point_test(rows, a, b, metric).sentence
    except ValueError as why:
        if "no sweep point" in str(why):
            raise
        ra, rb = _rows_of(rows, a), _rows_of(rows, b)
        each = lambda rs: ", ".join(f"{r[metric][0]}/{r[metric][1]}" for r in sorted(rs, key=lambda r: r["seed"]))
        return f"per seed {each(ra)} vs {each(rb)}; no paired test: these rows predate per-prompt outcomes (re-run `make sweeps`)"


def _rows_of(rows: Sequence[Mapping[str, Any]], point: tuple[str, int]) -> list[Mapping[str, Any]]:
    found = [r for r in rows if (r["sweep"], r["value"]) == tuple(point)]
    if not found:
        raise ValueError(f"no sweep point {point}; the stored points are {sorted({(r['sweep'], r['value']) for r in rows})}.")
    return found


def point_test(rows: Sequence[Mapping[str, Any]], a: tuple[str, int], b: tuple[str, int], metric: str) -> Any:
    """The paired comparison of sweep points ``a`` and ``b`` on ``metric`` (its ``p_value`` and ``sentence``), for
    a lesson that corrects a family of such tests (:func:`course_lib.paired.holm`); a ``ValueError`` when the
    rows hold no per-prompt outcomes."""
    return paired.compare_outcomes(results.per_question(_rows_of(rows, a), metric),
                                   results.per_question(_rows_of(rows, b), metric), outcome=metric)


def load_results(path: str | Path | None = None) -> dict:
    """The stored sweep results (``runs``: date and command of each run; ``rows``: one per point and seed)."""
    return results.load(path or results.path_of(RESULTS), "make sweeps", "about 30 minutes per seed on 2 cores")


def save_results(rows: Sequence[Mapping[str, Any]], command: str, path: str | Path | None = None, **about: Any) -> dict:
    """Merge ``rows`` into the results file (a re-run point replaces its old row) and write it."""
    return results.save(rows, command, path or results.path_of(RESULTS), key=("sweep", "value", "seed"), **about)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.runs.lesson06_sweeps", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--sweeps", nargs="+", default=list(SWEEPS), choices=list(SWEEPS))
    parser.add_argument("--test-prompts", type=int, default=64)
    parser.add_argument("--out", default=None, help="where to write (default: results/" + RESULTS + ")")
    parser.add_argument("--regrade", action="store_true", help="grade the stored answers again; no training")
    args = parser.parse_args(argv)
    if args.regrade:
        print(results.regrade(RESULTS, grade_row, ("sweep", "value", "seed"), "python -m course_lib.runs.lesson06_sweeps --regrade"))
        return 0
    args.out = args.out or results.path_of(RESULTS)
    prompts = recipes.held_out_prompts(args.test_prompts)
    profile = data.load_profile()
    rows = []
    for seed in args.seeds:
        for sweep in args.sweeps:
            for value in SWEEPS[sweep][2]:
                rows.append(run_point(sweep, value, seed, lambda: load_llm(verbose=False), prompts, profile))
                print(json.dumps(rows[-1]), flush=True)
    command = "python -m course_lib.runs.lesson06_sweeps " + " ".join(argv if argv is not None else sys.argv[1:])
    save_results(rows, command.strip(), args.out, test_prompts=args.test_prompts)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
