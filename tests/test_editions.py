"""Learner and instructor editions (course_lib.tooling.editions): every exercise is complete, learners get no solution,
and every check answers the untouched placeholder with "not answered yet" instead of failing."""
import ast
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell as code
from nbformat.v4 import new_markdown_cell as md
from nbformat.v4 import new_notebook

from course_lib.exercises import Feedback, not_answered
from course_lib.tooling import editions

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTION = {"tags": ["solution"], "jupyter": {"source_hidden": True}}


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request):
    return request.param, nbformat.read(request.param, as_version=4)


def _tagged_solution(cell):
    return "solution" in cell.metadata.get("tags", [])


# --- every lesson ---------------------------------------------------------------------------------------------

def test_every_checked_exercise_has_a_placeholder_a_check_and_a_solution(notebook):
    path, nb = notebook
    checked = [ex for ex in editions.exercises(nb) if not ex.open]
    assert len(checked) >= 2, f"{path.name}: at least two checked exercises"
    for ex in checked:
        missing = [part for part in ("placeholder", "check", "solution") if getattr(ex, part) is None]
        assert not missing, f"{path.name}, {ex.title!r}: no {' or '.join(missing)} cell"
        assert ex.placeholder < ex.check < ex.solution, f"{path.name}, {ex.title!r}: answer, then check, then solution"


def test_every_open_exercise_has_no_check_and_its_guide_is_a_hidden_solution(notebook):
    # The rule for open exercises: "(open)" in the heading, no placeholder or check, and the guide
    # "What a good answer notices" is the solution, tagged so that the learner edition leaves it out.
    path, nb = notebook
    open_ones = [ex for ex in editions.exercises(nb) if ex.open]
    assert len(open_ones) == 1, f"{path.name}: one open-ended exercise"
    for ex in open_ones:
        assert ex.check is None and ex.placeholder is None
        assert ex.solution is not None, (f"{path.name}, {ex.title!r}: tag its 'What a good answer notices' cell "
                                         "`solution` with hidden source")
        assert "What a good answer notices" in nb.cells[ex.solution].source


def test_the_learner_edition_has_no_solution_no_outputs_no_widget_state_and_validates(notebook):
    path, nb = notebook
    learner = editions.learner_edition(nb)
    nbformat.validate(learner)
    solutions = [c.source for c in nb.cells if _tagged_solution(c)]
    assert len(learner.cells) == len(nb.cells) - len(solutions)
    assert not [c for c in learner.cells if _tagged_solution(c)]
    kept = [c.source for c in learner.cells]
    assert not [s for s in solutions if s in kept], f"{path.name}: a solution's text reached the learner edition"
    assert all(c.outputs == [] and c.execution_count is None for c in learner.cells if c.cell_type == "code")
    assert "widgets" not in learner.metadata
    for ex in editions.exercises(nb):           # the exercises and their checks stay
        for part in (ex.placeholder, ex.check):
            assert part is None or nb.cells[part].source in kept


def test_the_instructor_edition_validates_and_shows_every_solution_with_its_outputs(notebook):
    path, nb = notebook
    instructor = editions.instructor_edition(nb)
    nbformat.validate(instructor)
    assert instructor.cells[0].cell_type == "markdown" and "Instructor edition" in instructor.cells[0].source
    shown = [c for c in instructor.cells if _tagged_solution(c)]
    assert [c.source for c in shown] == [c.source for c in nb.cells if _tagged_solution(c)]
    assert not [c for c in shown if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert [c.outputs for c in instructor.cells[1:] if c.cell_type == "code"] == \
           [c.outputs for c in nb.cells if c.cell_type == "code"]


def test_every_check_cell_says_not_answered_yet_with_the_placeholders(notebook):
    path, nb = notebook
    verdicts = editions.placeholder_verdicts(nb)
    checks = {ex.check for ex in editions.exercises(nb) if ex.check is not None}
    assert checks <= set(verdicts), f"{path.name}: cells {sorted(checks - set(verdicts))} were not run"
    for i, verdict in verdicts.items():
        assert isinstance(verdict, Feedback) and not verdict.ok, f"{path.name} cell {i}: {verdict!r}"
        assert "not answered yet" in verdict.message, f"{path.name} cell {i}: {verdict.message}"


def test_no_later_cell_needs_a_name_only_a_solution_defines(notebook):
    path, nb = notebook
    assert editions.names_only_solutions_define(nb) == {}, f"{path.name}: skipping an exercise breaks a later cell"


def test_lesson_01_check_cells_only_call_the_check_and_do_not_contain_the_answer():
    nb = nbformat.read(ROOT / "notebooks" / "01_where_llms_fail.ipynb", as_version=4)
    for ex in (e for e in editions.exercises(nb) if not e.open):
        check = ast.parse(nb.cells[ex.check].source)
        assert len(check.body) == 1 and isinstance(check.body[0].value, ast.Call), ex.title
        answers = [ast.unparse(node.value) for node in ast.parse(nb.cells[ex.solution].source).body
                   if isinstance(node, ast.Assign)]
        assert answers and not [a for a in answers if a in ast.unparse(check)], ex.title


# --- the rules, on small notebooks -----------------------------------------------------------------------------

def _lesson(check_cell, *, solution="answer_x = 1"):
    return new_notebook(cells=[md("### Exercise 1: x"), code("answer_x = ..."), code(check_cell),
                               code(solution, metadata=SOLUTION), md("### Exercise 2 (open): explore"),
                               code("# your experiment"), md("**What a good answer notices.**", metadata=SOLUTION)])


def test_exercises_are_found_by_heading_with_their_parts_and_open_ones_marked():
    found = editions.exercises(_lesson("lesson01.check_x(answer_x)"))
    assert found == [editions.Exercise("Exercise 1: x", False, 1, 2, 3),
                     editions.Exercise("Exercise 2 (open): explore", True, None, None, 6)]


def test_an_exercise_without_a_check_call_has_no_check():
    assert editions.exercises(_lesson("print(answer_x)"))[0].check is None


def test_a_check_that_reads_its_data_before_the_placeholder_fails_with_a_clear_error():
    def reads_first(answer, data):
        expected = len(data)
        missing = not_answered(answer, "h")
        return missing if missing is not None else Feedback(answer == expected, "")

    fake = SimpleNamespace(check_x=reads_first)
    with pytest.raises(editions.PlaceholderError, match=r"<data> before testing for the placeholder"):
        editions.placeholder_verdicts(_lesson("fake.check_x(answer_x, data)"), {"fake": fake})


def test_a_check_that_tests_the_placeholder_first_says_not_answered_yet():
    def placeholder_first(answer, data):
        missing = not_answered(answer, "h")
        return missing if missing is not None else Feedback(answer == len(data), "")

    fake = SimpleNamespace(check_x=placeholder_first)
    verdicts = editions.placeholder_verdicts(_lesson("fake.check_x(answer_x, table['tp'])"), {"fake": fake})
    assert list(verdicts) == [2] and "not answered yet" in verdicts[2].message


def test_a_name_only_a_solution_defines_is_reported_with_the_cell_that_reads_it():
    nb = _lesson("lesson01.check_x(answer_x)", solution="answer_x, helper = 1, 2")
    nb.cells.append(code("print([h for h in range(helper)])"))
    assert editions.names_only_solutions_define(nb) == {"helper": 7}
    nb.cells.insert(1, code("helper = 0"))        # defined outside the solution too: skipping is safe
    assert editions.names_only_solutions_define(nb) == {}


# --- the command ----------------------------------------------------------------------------------------------

def test_the_command_writes_both_editions_of_one_notebook(tmp_path):
    source = NOTEBOOKS[0]
    subprocess.run([sys.executable, "-m", "course_lib.tooling.editions", str(source), "--out", str(tmp_path)],
                   check=True, capture_output=True, cwd=ROOT)
    learner = nbformat.read(tmp_path / "learner" / source.name, as_version=4)
    instructor = nbformat.read(tmp_path / "instructor" / source.name, as_version=4)
    assert not [c for c in learner.cells if _tagged_solution(c)]
    assert [c for c in instructor.cells if _tagged_solution(c)]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ipynb")) == [
        f"instructor/{source.name}", f"learner/{source.name}"]


def test_the_command_rejects_a_missing_notebook_with_one_line_saying_what_to_pass(tmp_path):
    result = subprocess.run([sys.executable, "-m", "course_lib.tooling.editions", "notebooks/nope.ipynb", "--out",
                             str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1 and "notebooks/01_where_llms_fail.ipynb" in result.stderr
    assert not list(tmp_path.iterdir())
