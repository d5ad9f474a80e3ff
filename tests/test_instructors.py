"""The instructor guide (docs/instructors.md) shows the measured timings and only commands that exist."""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "instructors.md"
sys.path.insert(0, str(ROOT / "scripts"))

import budget  # noqa: E402


def test_the_timing_table_is_the_one_make_budget_writes_from_the_measurements():
    assert budget.workshop_table(budget.read_rows()) in GUIDE.read_text()


def test_the_timing_table_announces_each_lessons_study_time():
    rows = budget.read_rows()
    table = budget.workshop_table(rows)
    for name in rows:
        title, minutes = budget.title_and_study_minutes(ROOT / "notebooks" / name)
        assert f"[{title}](../notebooks/{name}) | {minutes} min |" in table


def test_every_make_command_in_the_guide_is_a_target_of_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    used = set(re.findall(r"make ([a-z][a-z-]*)", GUIDE.read_text()))
    assert used and used <= targets, used - targets


def test_every_link_in_the_guide_points_at_a_file_of_the_repository():
    for target in re.findall(r"\]\((\.\./[^)#]+)\)", GUIDE.read_text()):
        assert (GUIDE.parent / target).resolve().exists(), target
