"""Specification of course_lib.tooling.launch: every online link comes from one address, and a fork rewrites them all."""
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from course_lib import GITHUB_BRANCH, GITHUB_REPO
from course_lib.tooling import launch
from course_lib.tooling.classroom import check_repo

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _setup_cells(nb):
    return [c for c in nb.cells if launch.SETUP_TAG in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_has_the_generated_badges_and_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert launch.badges(path.name) in nb.cells[0].source.split("\n")
    assert [c.source for c in _setup_cells(nb)] == [launch.colab_setup_source()]


def test_the_readme_badges_open_lesson_01_of_this_repository():
    readme = (ROOT / "README.md").read_text()
    first = "01_where_llms_fail.ipynb"
    assert (ROOT / "notebooks" / first).exists()
    assert launch.colab_url(first) in readme and launch.binder_url(first) in readme


def test_the_setup_cell_clones_the_configured_branch_once_and_reports_on_restarts():
    source = launch.colab_setup_source("me/fork", "dev")
    assert "--branch dev https://github.com/me/fork /content/course" in source
    assert 'if not os.path.isdir("/content/course"):' in source
    assert "restart_notice()" in source


def _copy_of_the_course(tmp_path: Path) -> Path:
    (tmp_path / "course_lib").mkdir()
    shutil.copy(ROOT / "course_lib" / "__init__.py", tmp_path / "course_lib" / "__init__.py")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns(".*"))
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy", ignore=shutil.ignore_patterns("node_modules"))
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "budget.csv", tmp_path / "docs" / "budget.csv")
    return tmp_path


def test_a_fork_rewrites_every_link_and_keeps_the_outputs(tmp_path):
    root = _copy_of_the_course(tmp_path)
    changed = launch.rewrite_links("me/fork", "dev", root)
    assert root / "README.md" in changed and root / "course_lib" / "__init__.py" in changed
    init = (root / "course_lib" / "__init__.py").read_text()
    assert 'GITHUB_REPO = "me/fork"' in init and 'GITHUB_BRANCH = "dev"' in init
    readme = (root / "README.md").read_text()
    assert GITHUB_REPO not in readme and "mybinder.org/v2/gh/me/fork/dev?" in readme
    for original in NOTEBOOKS:
        old, new = nbformat.read(original, as_version=4), nbformat.read(root / "notebooks" / original.name, as_version=4)
        assert launch.badges(original.name, "me/fork", "dev") in new.cells[0].source
        assert GITHUB_REPO not in new.cells[0].source
        assert [c.source for c in _setup_cells(new)] == [launch.colab_setup_source("me/fork", "dev")]
        assert [c.get("outputs") for c in new.cells] == [c.get("outputs") for c in old.cells]
        nbformat.validate(new)
    values = (root / "deploy" / "z2jh" / "values.yaml").read_text()
    assert "https://github.com/me/fork" in values and GITHUB_REPO not in values
    script = (root / "deploy" / "tljh" / "install-course.sh").read_text()
    assert "REPO=https://github.com/me/fork\nBRANCH=dev\n" in script
    assert launch.rewrite_links("me/fork", "dev", root) == []      # a second run finds nothing to change


def test_a_bad_repository_or_branch_is_refused_with_the_expected_form(tmp_path, capsys):
    with pytest.raises(ValueError, match="owner/name"):
        launch.rewrite_links("https://github.com/me/fork", "main", tmp_path)
    with pytest.raises(ValueError, match="branch"):
        launch.rewrite_links("me/fork", "a..b", tmp_path)
    assert launch.main(["--repo", "not a repo"]) == 2
    assert "owner/name" in capsys.readouterr().err


def test_the_restart_notice_names_each_package_the_install_changed(monkeypatch):
    from importlib.metadata import version

    assert "no restart needed" in launch.restart_notice([])
    monkeypatch.setattr(nbformat, "__version__", "0.0.1")     # as if pip replaced it after the import
    stale = launch.stale_imports()
    assert ("nbformat", "0.0.1", version("nbformat")) in stale
    notice = launch.restart_notice(stale)
    assert notice.startswith("Restart needed") and re.search(r"nbformat 0\.0\.1 -> \S+", notice)


def test_the_configured_address_is_well_formed():
    check_repo(GITHUB_REPO, GITHUB_BRANCH)     # raises ValueError when either is malformed
