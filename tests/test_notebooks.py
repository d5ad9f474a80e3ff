"""Every lesson notebook follows the course conventions (see CONTRIBUTING.md).

nbval runs the notebooks themselves (make test); these tests check their shape:
header, badges, the Colab-only setup cell, exercises with hidden solutions, and that
they are committed executed, without errors.
"""
import re
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib import GITHUB_REPO

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_lessons():
    assert NOTEBOOKS, "notebooks/ should hold the lessons"


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_header_states_goals_prerequisites_time_and_budget(notebook):
    path, nb = notebook
    header = nb.cells[0].source
    assert header.startswith(f"# Lesson {path.name[:2]}:")
    for part in ("Goals", "Prerequisites", "Study time", "<!-- budget -->"):
        assert part in header, f"{path.name}: header lacks {part}"


def test_badges_point_at_this_notebook(notebook):
    path, nb = notebook
    header = nb.cells[0].source
    colab = f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/notebooks/{path.name}"
    binder = f"https://mybinder.org/v2/gh/{GITHUB_REPO}/main?urlpath=lab/tree/notebooks/{path.name}"
    assert colab in header and binder in header


def test_setup_cell_installs_only_on_colab_then_applies_the_runtime_settings(notebook):
    path, nb = notebook
    setup = [c for c in nb.cells if "colab-setup" in c.metadata.get("tags", [])]
    assert len(setup) == 1, f"{path.name}: one code cell tagged colab-setup"
    assert nb.cells.index(setup[0]) == next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    source = setup[0].source
    assert 'if "google.colab" in sys.modules:' in source
    body = source.split('if "google.colab" in sys.modules:')[1].splitlines()
    after = [line for line in body if line.strip() and not line.startswith("    ")]
    assert after == ["from course_lib.tooling import runtime", "settings_changed = runtime.apply()"]
    assert all(line.startswith("    ") or not line.strip() for line in body[:body.index(after[0])])
    assert f"https://github.com/{GITHUB_REPO}" in source


def test_uses_the_course_kernel(notebook):
    path, nb = notebook
    assert nb.metadata["kernelspec"]["name"] == "rag-vs-ft"


def test_has_exercises_with_hidden_solutions(notebook):
    path, nb = notebook
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) >= 2, f"{path.name}: at least two exercises with solution cells"
    for cell in solutions:
        assert cell.metadata.get("jupyter", {}).get("source_hidden"), "solution source is hidden"


def test_is_committed_executed_without_errors(notebook):
    path, nb = notebook
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), f"{path.name}: run every cell before committing"
    counts = [c.execution_count for c in code]
    assert counts == sorted(counts), f"{path.name}: cells were run out of order"
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name}: committed with an error output"


def test_widgets_in_the_outputs_have_their_state_saved(notebook):
    # Without the saved state a static view (GitHub, nbviewer, the website) shows
    # "Loading widget..." instead of the progress bar or questionnaire.
    path, nb = notebook
    shown = {o.data["application/vnd.jupyter.widget-view+json"]["model_id"]
             for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})}
    saved = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    assert shown <= set(saved), f"{path.name}: {len(shown - set(saved))} widget(s) without saved state; run make budget"


def test_exercise_checks_do_not_compute_the_answer_in_view(notebook):
    # A check cell calls a check; the answer lives in course_lib.exercises, not in the visible cell.
    path, nb = notebook
    cells = nb.cells
    for i, cell in enumerate(cells):
        if "solution" in cell.metadata.get("tags", []) or cell.cell_type != "code":
            continue
        if re.search(r"\bcheck_\w+\(|exercises\.\w+\(", cell.source):
            body = [ln for ln in cell.source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
            assert len(body) <= 3, f"{path.name} cell {i}: a check cell should only call the check"


def test_budget_line_was_measured(notebook):
    path, nb = notebook
    match = re.search(r"<!-- budget -->(.*?)<!-- /budget -->", nb.cells[0].source, re.S)
    assert match and re.search(r"runs in \d+ s, peak memory \d+ MB", match.group(1)), (
        f"{path.name}: run `make budget NOTEBOOKS=notebooks/{path.name}`"
    )


def test_readme_links_every_lesson():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme


def test_budget_table_is_current_and_within_limits():
    """docs/budget.csv (written by `make budget`) covers every lesson, and the README shows it."""
    import csv

    sys.path.insert(0, str(ROOT / "scripts"))
    import budget

    with (ROOT / "docs" / "budget.csv").open() as f:
        rows = {row["notebook"]: row for row in csv.DictReader(f)}
    assert set(rows) == {p.name for p in NOTEBOOKS}, "run `make budget` after adding a notebook"
    assert budget.table(rows) in (ROOT / "README.md").read_text()
    for name, row in rows.items():
        assert float(row["seconds"]) <= budget.LIMIT_SECONDS, f"{name} is over 5 minutes"
        assert float(row["peak_mb"]) <= budget.LIMIT_MB, f"{name} is over 2 GB"
    assert sum(float(r["seconds"]) for r in rows.values()) <= budget.COURSE_LIMIT_SECONDS
