"""Run every lesson under nbval as two dependency-ordered chains side by side (the notebook part of make test).

    python scripts/test_notebooks.py --kernel rag-vs-ft [--chains 01,02,...:08,09,...]

Each chain is one pytest process that runs its notebooks in order, so a lesson runs after the lessons whose
artifacts it reuses; the two chains hold about the same measured run time (docs/budget.csv). Each kernel gets
one OpenMP thread: on 2 cores two one-thread kernels take no longer than one two-thread kernel (the capacity
measurement of docs/instructors.md). Artifacts both chains need are trained once: `course_lib.artifacts`
holds a file lock while it trains. Output lines carry their chain's letter; the exit code is non-zero when
either chain failed, and both always run to the end.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Lessons 05-07 train and reuse the fine-tuned models; 08-11 build on retrieval and on those models
# (11 loads lesson 06's LoRA, trained in chain A or, if chain B gets there first, by 11 under the lock).
CHAINS = ("01,02,03,04,05,06,07", "08,09,10,11")


def notebooks(prefixes: str) -> list[Path]:
    """The lesson notebooks whose numbers are listed, comma-separated, in that order."""
    found = []
    for prefix in prefixes.split(","):
        matches = sorted((ROOT / "notebooks").glob(f"{prefix.strip()}_*.ipynb"))
        if len(matches) != 1:
            raise SystemExit(f"no single notebook numbered {prefix!r} in notebooks/: check --chains.")
        found += matches
    return found


def command(paths: list[Path], kernel: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-kernel-name", kernel,
            "--nbval-cell-timeout", "900", "--durations=10", "-p", "no:cacheprovider",
            *[str(p.relative_to(ROOT)) for p in paths]]


def run_chain(name: str, paths: list[Path], kernel: str, codes: dict[str, int]) -> None:
    env = os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    process = subprocess.Popen(command(paths, kernel), cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in process.stdout:
        print(f"[{name}] {line}", end="", flush=True)
    codes[name] = process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kernel", default="rag-vs-ft", help="the Jupyter kernel the notebooks run in")
    parser.add_argument("--chains", default=":".join(CHAINS),
                        help="lesson numbers, comma-separated within a chain, chains separated by ':'")
    args = parser.parse_args(argv)
    chains = {chr(ord("A") + i): notebooks(c) for i, c in enumerate(args.chains.split(":"))}
    for name, paths in chains.items():
        print(f"chain {name}: {', '.join(p.name for p in paths)}", flush=True)
    codes: dict[str, int] = {}
    threads = [threading.Thread(target=run_chain, args=(name, paths, args.kernel, codes))
               for name, paths in chains.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in chains:
        print(f"chain {name}: {'passed' if codes[name] == 0 else f'FAILED (pytest exit code {codes[name]})'}")
    return 0 if all(code == 0 for code in codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
