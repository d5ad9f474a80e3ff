"""Regenerate the full lock (requirements.txt) from requirements.in, and Binder's environment.yml from the lock.

    python scripts/lock.py           # uv pip compile, then rewrite environment.yml   (= make lock)
    python scripts/lock.py --env     # only rewrite environment.yml from the current lock

Why these choices:
- ``uv pip compile --universal``: one lock for Linux, macOS and Windows (platform-only packages
  such as appnope carry environment markers), resolved for the oldest Python the course supports.
- The CUDA-only packages torch lists on Linux (nvidia-*, cuda-*, triton) are left out of the lock
  with ``--no-emit-package``: a CPU install must not be forced to download them. With
  ``TORCH=cuda make setup`` pip still installs them, as torch's own dependencies.
- uv keeps the versions already in requirements.txt when they still satisfy requirements.in, so
  re-locking after a small edit changes only what must change.
- environment.yml is generated, never edited by hand; tests/test_environment.py checks it matches.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INPUT = ROOT / "requirements.in"
LOCK = ROOT / "requirements.txt"
ENVIRONMENT = ROOT / "environment.yml"
LOCK_PYTHON = "3.11"  # the oldest Python the course supports (pyproject's requires-python)
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Packages torch needs only for CUDA; they are never part of a CPU install.
CUDA_ONLY = re.compile(r"^(nvidia-[a-z0-9-]+|cuda-[a-z0-9-]+|triton)$")


def uv_command() -> list[str]:
    """uv on PATH, else the one pip-installed into the running environment (`pip install uv`)."""
    found = shutil.which("uv")
    if found:
        return [found]
    try:
        import uv  # type: ignore[import-not-found]

        return [uv.find_uv_bin()]
    except ImportError:
        sys.exit("scripts/lock.py needs uv: pip install uv (or see https://docs.astral.sh/uv/).")


def locked(text: str) -> list[str]:
    """The requirement lines of a lock (``name==version`` plus any marker), without comments."""
    lines = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            lines.append(line)
    return lines


def package_name(line: str) -> str:
    return re.split(r"[=<>!~; \[]", line, maxsplit=1)[0].lower().replace("_", "-")


def compile_lock(extra: list[str]) -> str:
    base = [*uv_command(), "pip", "compile", str(INPUT.relative_to(ROOT)), "--universal",
            "--python-version", LOCK_PYTHON, "--custom-compile-command", "make lock", *extra]
    # First pass finds which CUDA-only packages this torch release pulls in; the second leaves them out.
    first = subprocess.run([*base, "--quiet", "--no-header", "--no-annotate"], cwd=ROOT,
                           check=True, capture_output=True, text=True).stdout
    cuda = sorted({package_name(line) for line in locked(first) if CUDA_ONLY.match(package_name(line))})
    skip = [arg for name in cuda for arg in ("--no-emit-package", name)]
    subprocess.run([*base, *skip, "-o", str(LOCK.relative_to(ROOT))], cwd=ROOT, check=True)
    return LOCK.read_text()


def environment_yml(lock_text: str) -> str:
    """Binder's environment: conda-forge Python of the lock, pip installs exactly the lock.

    torch is pinned to its ``+cpu`` build from PyTorch's CPU index: Binder has no GPU.
    """
    pip_lines = [f"--extra-index-url {TORCH_CPU_INDEX}"]
    for line in locked(lock_text):
        if package_name(line) == "torch":
            line = re.sub(r"^torch==([^\s;+]+)", r"torch==\1+cpu", line)
        pip_lines.append(line)
    body = "\n".join(f"      - {_yaml_scalar(line)}" for line in pip_lines)
    return (
        "# Binder environment. GENERATED from requirements.txt by scripts/lock.py (make lock); do not edit.\n"
        "# Same Python and pins as the lock; PyTorch is the CPU build from PyTorch's own index. postBuild\n"
        "# installs course_lib, the two model packages and the kernel, and converts the generator once.\n"
        "name: rag-vs-ft\n"
        "channels:\n"
        "  - conda-forge\n"
        "dependencies:\n"
        f"  - python={LOCK_PYTHON}\n"
        "  - pip\n"
        "  - pip:\n"
        f"{body}\n"
    )


def _yaml_scalar(line: str) -> str:
    # Markers contain quotes and ';': quote the whole line so YAML reads it as one string.
    return line if ";" not in line else '"' + line.replace('"', '\\"') + '"'


def main(argv: list[str]) -> int:
    if "--env" in argv:
        argv = [a for a in argv if a != "--env"]
        text = LOCK.read_text()
    else:
        text = compile_lock(argv)
    ENVIRONMENT.write_text(environment_yml(text))
    print(f"wrote {LOCK.name} ({len(locked(text))} packages) and {ENVIRONMENT.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
