"""How many learners one machine holds: lesson 01 run by N learners at once (N = 1, 2, 4, 8).

Usage: python scripts/capacity.py [--learners 1 2 4 8] [--notebook notebooks/01_where_llms_fail.ipynb]

Each learner is a separate process that executes the lesson in its own course kernel, as on a
JupyterHub where every learner's server runs its own kernel. The N learners start together; the
script records each one's wall time and samples the resident memory of all of them together (every
0.2 s). Results go to docs/capacity.csv; the instructor guide's capacity table and its sizing
sentence are rewritten from that file. Nothing is written into the lesson itself.

``--threads T`` gives every learner's kernel ``OMP_NUM_THREADS=T`` (default 1, what deploy/ sets for a
class). PyTorch otherwise starts one OpenMP thread per core in every kernel, and its threads spin
while they wait: with more threads than cores in all, everyone slows down far more than the sharing
alone explains. Each measurement replaces the row of the same learners and threads and keeps the others.
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "docs" / "capacity.csv"
GUIDE = ROOT / "docs" / "instructors.md"
LESSON = ROOT / "notebooks" / "01_where_llms_fail.ipynb"
MEASURED_CORES = 2            # the reference machine
ACCEPTABLE_SLOWDOWN = 2.0     # a lesson may take up to twice its solo time when the class computes at once
HUB_MB = 1024                 # the hub, the proxy and the system beside the learners
CLASS_SIZES = (10, 20, 30)
STAGGER_SECONDS = 2.0        # between two learners' starts
CLASS_THREADS = 1             # OpenMP threads per learner's kernel in deploy/ (course_lib.tooling.classroom)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from budget import KERNEL, PeakSampler, _replace_between  # noqa: E402


def run_one(notebook: Path) -> float:
    """Execute ``notebook`` in a fresh course kernel without saving it; return the wall seconds."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=1800,
                            resources={"metadata": {"path": str(notebook.parent)}})
    began = time.perf_counter()
    client.execute()
    return time.perf_counter() - began


def measure(learners: int, notebook: Path, threads: int = 1) -> dict[str, float]:
    """Start ``learners`` copies of the lesson at once, each kernel with ``threads`` OpenMP threads;
    their wall times and the peak memory of all of them."""
    command = [sys.executable, __file__, "--one", str(notebook)]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    sampler = PeakSampler(os.getpid(), every=0.2)
    sampler.start()
    workers = []
    for _ in range(learners):
        workers.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env))
        # Kernels started in the same instant can pick the same free port and one dies ("Address already in
        # use"); a class does not start in the same second either.
        time.sleep(STAGGER_SECONDS)
    outputs = [w.communicate()[0] for w in workers]
    peak = sampler.stop() / 2**20
    failed = [w.returncode for w in workers if w.returncode]
    if failed:
        raise RuntimeError(f"{len(failed)} of {learners} learners' runs failed: run the lesson alone to see why.")
    seconds = [float(out.strip().splitlines()[-1]) for out in outputs]
    return {"learners": learners, "threads": threads, "mean_seconds": statistics.fmean(seconds),
            "max_seconds": max(seconds), "peak_mb": peak}


def read_rows(path: Path = CSV_PATH) -> list[dict[str, float]]:
    if not path.exists():
        return []
    with path.open() as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


def write_rows(rows: list[dict[str, float]], path: Path = CSV_PATH) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["learners", "threads", "mean_seconds", "max_seconds", "peak_mb"])
        writer.writeheader()
        for row in sorted(rows, key=lambda r: (r["threads"], r["learners"])):
            writer.writerow({"learners": int(row["learners"]), "threads": int(row["threads"]),
                             "mean_seconds": f"{row['mean_seconds']:.1f}",
                             "max_seconds": f"{row['max_seconds']:.1f}", "peak_mb": f"{row['peak_mb']:.0f}"})


def merged(old: list[dict[str, float]], new: list[dict[str, float]]) -> list[dict[str, float]]:
    """``new`` replaces the rows of ``old`` with the same learners and thread count; other rows are kept.

    >>> merged([{"learners": 1, "threads": 1, "s": 9}, {"learners": 1, "threads": 2}], [{"learners": 1, "threads": 1, "s": 7}])
    [{'learners': 1, 'threads': 2}, {'learners': 1, 'threads': 1, 's': 7}]
    """
    replaced = {(r["learners"], r["threads"]) for r in new}
    return [r for r in old if (r["learners"], r["threads"]) not in replaced] + new


def sizing(rows: list[dict[str, float]], class_size: int) -> tuple[int, int]:
    """(cores, memory in GB) for ``class_size`` learners working at once, from the measured rows.

    Cores: the most learners the 2 measured cores held with each lesson taking at most
    ``ACCEPTABLE_SLOWDOWN`` times the fastest solo run (a learner alone, whatever the thread count:
    the time the workshop table promises), scaled to the class. Memory: the largest measured
    memory per learner times the class, plus the hub. Only rows measured with ``CLASS_THREADS`` per
    kernel count (rows without a thread count are taken as such), since that is what a class runs with.

    >>> rows = [{"learners": 1, "mean_seconds": 100, "max_seconds": 100, "peak_mb": 1400},
    ...         {"learners": 2, "mean_seconds": 190, "max_seconds": 195, "peak_mb": 2700},
    ...         {"learners": 4, "mean_seconds": 400, "max_seconds": 410, "peak_mb": 5300}]
    >>> sizing(rows, 10)
    (10, 15)
    """
    solo = _fastest_solo(rows)
    rows = _with_threads(rows, CLASS_THREADS)
    held = max((r["learners"] for r in rows if r["mean_seconds"] <= ACCEPTABLE_SLOWDOWN * solo), default=1)
    per_learner_mb = max(r["peak_mb"] / r["learners"] for r in rows)
    cores = math.ceil(class_size * MEASURED_CORES / held)
    return cores, math.ceil((class_size * per_learner_mb + HUB_MB) / 1024)


def _with_threads(rows: list[dict[str, float]], threads: int) -> list[dict[str, float]]:
    return [r for r in rows if r.get("threads", CLASS_THREADS) == threads]


def _fastest_solo(rows: list[dict[str, float]]) -> float:
    return min(r["mean_seconds"] for r in rows if r["learners"] == 1)


def capacity_table(rows: list[dict[str, float]]) -> str:
    """The guide's table (the measurements) and what they mean for classes of 10, 20 and 30."""
    solo = _fastest_solo(rows)
    lines = ["| learners at once (2 cores) | OpenMP threads per learner | lesson 01 per learner, mean (slowest) | "
             "× fastest learner alone | memory of all learners | per learner |", "|---:|---:|---:|---:|---:|---:|"]
    for threads in sorted({r.get("threads", CLASS_THREADS) for r in rows}):
        for r in _with_threads(rows, threads):
            lines.append(f"| {r['learners']:.0f} | {threads:.0f} | {r['mean_seconds']:.0f} s ({r['max_seconds']:.0f} s) | "
                         f"{r['mean_seconds'] / solo:.1f}× | {r['peak_mb'] / 1024:.1f} GB | "
                         f"{r['peak_mb'] / r['learners']:.0f} MB |")
    lines.append("")
    for size in CLASS_SIZES:
        cores, gb = sizing(rows, size)
        lines.append(f"- A class of {size} working at once needs about **{cores} cores and {gb} GB** of memory "
                     f"({CLASS_THREADS} OpenMP thread per learner).")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--notebook", type=Path, default=LESSON)
    parser.add_argument("--threads", type=int, default=CLASS_THREADS,
                        help=f"OpenMP threads per learner's kernel (default {CLASS_THREADS}, as deploy/ sets)")
    parser.add_argument("--table", action="store_true",
                        help="only rewrite the guide's table from docs/capacity.csv (no measuring)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)   # a worker: run the lesson once
    args = parser.parse_args(argv)
    if args.one:
        print(f"{run_one(args.one):.1f}")
        return 0
    if args.table:
        return write_guide()
    for n in sorted(args.learners):
        print(f"{n} learner(s) at once, {args.threads} OpenMP thread(s) each ...", flush=True)
        row = measure(n, args.notebook.resolve(), args.threads)
        write_rows(merged(read_rows(), [row]))        # kept even if a larger class fails later
        print(f"  {row['mean_seconds']:.0f} s each (slowest {row['max_seconds']:.0f} s), "
              f"{row['peak_mb']:.0f} MB in all", flush=True)
    return write_guide()


def write_guide() -> int:
    """Rewrite the instructor guide's capacity table from docs/capacity.csv."""
    rows = read_rows()
    if not _with_threads(rows, CLASS_THREADS) or not any(r["learners"] == 1 for r in rows):
        print(f"The guide's table needs a run with --threads {CLASS_THREADS} (what a class runs with) that "
              "includes 1 learner: make capacity")
        return 1
    _replace_between(GUIDE, "capacity-table", capacity_table(rows))
    print(capacity_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
