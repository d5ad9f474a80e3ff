"""Run every lesson under nbval as two dependency-ordered chains side by side (the notebook part of make test).

    python scripts/test_notebooks.py --kernel rag-vs-ft [--chains 01,02,...:08,09,...]

Each chain runs its notebooks in order (one pytest process each), and a lesson that reuses another lesson's
saved model waits until that lesson has finished (DEPENDS), so every lesson runs as it does for a learner who
took the lessons in order; the two chains hold about the same measured run time (docs/budget.csv). Each kernel gets
one OpenMP thread: two two-thread kernels on 2 cores spin against each other, while two one-thread kernels
side by side finish two lessons sooner than one two-thread kernel running them in turn (docs/capacity.csv:
lesson 01 took 186 s per learner for two one-thread learners, 136 s alone with two threads). Artifacts both chains need are trained once: `course_lib.artifacts`
holds a file lock while it trains. Output lines carry their chain's letter; the exit code is non-zero when
either chain failed, and both always run to the end.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Lessons 05 and 06 train the models that 07, 09 and 11 reuse (DEPENDS): chain A trains them first, then runs
# two of their users; chain B runs the lessons that need no trained model meanwhile, and lesson 11 last. With
# one thread per kernel a lesson takes 1.1 to 2.1 times its budget; in a clean clone on 2 cores chain A took
# 19.6 minutes and chain B 16.6 minutes of notebooks plus 1.2 minutes waiting for lesson 06.
CHAINS = ("05,06,07,09", "08,10,01,02,03,04,11")
# lesson -> the lessons whose saved models it uses: it starts only once they have finished (in either chain).
DEPENDS = {"06": ("05",), "07": ("05", "06"), "09": ("06",), "11": ("05", "06")}


def notebooks(prefixes: str) -> list[Path]:
    """The lesson notebooks whose numbers are listed, comma-separated, in that order."""
    found = []
    for prefix in prefixes.split(","):
        matches = sorted((ROOT / "notebooks").glob(f"{prefix.strip()}_*.ipynb"))
        if len(matches) != 1:
            raise SystemExit(f"no single notebook numbered {prefix!r} in notebooks/: check --chains.")
        found += matches
    return found


def command(path: Path, kernel: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-kernel-name", kernel,
            "--nbval-cell-timeout", "900", "--durations=3", "-p", "no:cacheprovider", str(path.relative_to(ROOT))]


def run_chain(name: str, paths: list[Path], kernel: str, results: dict[str, tuple[str, int, float]],
              done: dict[str, threading.Event]) -> None:
    """Run the chain's notebooks one after the other, each in its own pytest process; record code and seconds."""
    env = os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    for path in paths:
        lesson = path.name[:2]
        for before in DEPENDS.get(lesson, ()):
            if before in done and not done[before].is_set():
                print(f"[{name}] {path.name} waits for lesson {before}, whose saved model it uses", flush=True)
                done[before].wait()
        began = time.perf_counter()
        process = subprocess.Popen(command(path, kernel), cwd=ROOT, env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in process.stdout:
            print(f"[{name}] {line}", end="", flush=True)
        results[path.name] = (name, process.wait(), time.perf_counter() - began)
        done[lesson].set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernel", default="rag-vs-ft", help="the Jupyter kernel the notebooks run in")
    parser.add_argument("--chains", default=":".join(CHAINS),
                        help="lesson numbers, comma-separated within a chain, chains separated by ':'")
    args = parser.parse_args(argv)
    chains = {chr(ord("A") + i): notebooks(c) for i, c in enumerate(args.chains.split(":"))}
    for name, paths in chains.items():
        print(f"chain {name}: {', '.join(p.name for p in paths)}", flush=True)
    results: dict[str, tuple[str, int, float]] = {}
    began = time.perf_counter()
    done = {path.name[:2]: threading.Event() for paths in chains.values() for path in paths}
    threads = [threading.Thread(target=run_chain, args=(name, paths, args.kernel, results, done))
               for name, paths in chains.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\nnotebooks, {time.perf_counter() - began:.0f} s in all (wall time includes waiting for a shared artifact):")
    for notebook, (chain, code, seconds) in results.items():
        print(f"  [{chain}] {notebook:45} {seconds:6.0f} s  {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for _, code, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
