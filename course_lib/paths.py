"""Where the course's files are: the course root, its data sets, its results, and the trained artifacts.

The library is installed like any package (editable in a clone, or a plain ``pip install .`` on a
hub), but the data sets, the committed results and the notebooks stay in the course folder. So the
course root is looked up, never derived from where this file lies, in this order:

1. ``COURSE_ROOT``, when set;
2. the nearest folder at or above the working directory holding both ``datasets/`` and
   ``notebooks/`` (a notebook's kernel starts in ``notebooks/``, a command in the clone);
3. the source checkout this package was imported from, when it is one (an editable install).

Trained artifacts go to ``COURSE_ARTIFACTS_DIR``, else ``artifacts/`` in the course root when that
folder can be written, else a per-user folder (a class hub installs the course read-only).

>>> (course_root() / "datasets").is_dir()
True
>>> datasets_dir() == course_root() / "datasets" or "COURSE_DATASETS_DIR" in os.environ
True
"""
from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

MARKERS = ("datasets", "notebooks")   # a folder holding both is the course root


class CourseRootNotFound(FileNotFoundError):
    """No course folder was found: the message says where it looked and what to set."""


def _is_root(folder: Path) -> bool:
    return all((folder / marker).is_dir() for marker in MARKERS)


def course_root(start: str | Path | None = None) -> Path:
    """The course folder (holding ``datasets/`` and ``notebooks/``), found as the module docstring says.

    ``start`` is where the search upwards begins (default: the working directory).

    >>> course_root().joinpath("notebooks").is_dir()
    True
    """
    explicit = os.environ.get("COURSE_ROOT")
    if explicit:
        root = Path(explicit).expanduser().resolve()
        if not _is_root(root):
            raise CourseRootNotFound(f"COURSE_ROOT={explicit} does not hold the course's datasets/ and notebooks/ "
                                     "folders: point it at your clone of the course.")
        return root
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if _is_root(folder):
            return folder
    checkout = Path(__file__).resolve().parents[1]
    if _is_root(checkout):
        return checkout
    raise CourseRootNotFound(
        f"Could not find the course folder (one holding datasets/ and notebooks/) at or above {here}. "
        "Start Jupyter or the command inside your clone of the course, or set COURSE_ROOT=/path/to/the/clone.")


def datasets_dir() -> Path:
    """The data sets: ``COURSE_DATASETS_DIR`` when set (tests point it elsewhere), else ``datasets/`` in the root."""
    explicit = os.environ.get("COURSE_DATASETS_DIR")
    return Path(explicit) if explicit else course_root() / "datasets"


def results_dir() -> Path:
    """The committed results of the long runs: ``results/`` in the course root."""
    return course_root() / "results"


def _writable(folder: Path) -> bool:
    # The nearest existing folder decides: artifacts/ itself may not exist yet.
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return os.access(probe, os.W_OK)


def artifacts_dir() -> Path:
    """The folder of trained artifacts: ``COURSE_ARTIFACTS_DIR``, else ``artifacts/`` in the root, else per user.

    >>> artifacts_dir().name                                   # doctest: +SKIP
    'artifacts'
    """
    explicit = os.environ.get("COURSE_ARTIFACTS_DIR")
    if explicit:
        return Path(explicit)
    try:
        in_root = course_root() / "artifacts"
    except CourseRootNotFound:
        in_root = None
    if in_root is not None and _writable(in_root):
        return in_root
    return Path(user_data_dir("rag-vs-ft-course")) / "artifacts"
