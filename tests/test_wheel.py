"""The course from a plain (non-editable) install, as a class hub does it: the library comes from the wheel,
the data sets, results and notebooks from the course folder the learner works in."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

LOADS = """
import json, course_lib
from course_lib import data, paths, results
print(json.dumps({"library": course_lib.__file__, "root": str(paths.course_root()),
                  "profile": sorted(data.load_profile())[:2], "train": len(data.load_dialogues("train")),
                  "results": sorted(results.load(results.path_of("lesson09_rag.json"), "make rag-evaluation"))}))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel of this checkout, built and installed with --no-deps into a folder of its own."""
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and egg-info beside the sources, never into the checkout.
    source = out / "source"
    shutil.copytree(ROOT / "course_lib", source / "course_lib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(out / "dist"), str(source)], check=True, cwd=out)
    wheel = next((out / "dist").glob("course_lib-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(out / "site"),
                    str(wheel)], check=True)
    return out / "site"


def run(site: Path, cwd: Path, code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COURSE_")} | env
    environ["PYTHONPATH"] = str(site)       # ahead of the editable install in site-packages
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=environ, capture_output=True, text=True)


def test_the_wheel_holds_the_library_only(installed):
    assert (installed / "course_lib" / "rag" / "pipeline.py").is_file()
    assert not (installed / "datasets").exists() and not (installed / "notebooks").exists()


def test_from_a_clones_notebooks_folder_the_data_and_results_load(installed):
    done = run(installed, ROOT / "notebooks", LOADS)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert Path(seen["library"]).is_relative_to(installed)       # the wheel's copy, not the checkout's
    assert seen["root"] == str(ROOT)
    assert seen["train"] > 0 and seen["profile"] and "rows" in seen["results"]


def test_course_root_names_the_folder_explicitly(installed, tmp_path):
    done = run(installed, tmp_path, LOADS, COURSE_ROOT=str(ROOT))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["root"] == str(ROOT)


def test_with_no_course_folder_in_sight_the_error_says_what_to_set(installed, tmp_path):
    done = run(installed, tmp_path, "from course_lib import data; data.load_profile()")
    assert done.returncode != 0
    assert "CourseRootNotFound" in done.stderr and "COURSE_ROOT=/path/to/the/clone" in done.stderr
    assert str(tmp_path) in done.stderr


def test_artifacts_go_to_a_per_user_folder_when_the_course_folder_is_read_only(monkeypatch, tmp_path):
    from course_lib import paths

    monkeypatch.delenv("COURSE_ARTIFACTS_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.artifacts_dir() == ROOT / "artifacts"            # a clone you own: artifacts/ in it
    monkeypatch.setattr(os, "access", lambda path, mode: False)   # as a hub's read-only install looks
    assert paths.artifacts_dir() == tmp_path / "data" / "rag-vs-ft-course" / "artifacts"
