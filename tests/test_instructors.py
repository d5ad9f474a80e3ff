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


def test_a_class_needs_more_cores_when_fewer_learners_share_a_core_within_the_slowdown():
    import capacity

    rows = [{"learners": 1, "mean_seconds": 100, "max_seconds": 100, "peak_mb": 1400},
            {"learners": 2, "mean_seconds": 150, "max_seconds": 160, "peak_mb": 2700},
            {"learners": 4, "mean_seconds": 260, "max_seconds": 270, "peak_mb": 5300}]
    # 2 learners per 2 cores stay within twice the solo time, 4 do not: 20 learners need 20 cores.
    # Memory: 1400 MB per learner (the largest share) x 20 + 1 GB for the hub = 29,024 MB = 28.3 GB -> 29 GB.
    assert capacity.sizing(rows, 20) == (20, 29)
    rows[2]["mean_seconds"] = 200                  # now 4 learners share the 2 cores within the slowdown
    assert capacity.sizing(rows, 20) == (10, 29)


def test_the_capacity_table_is_the_one_make_capacity_writes_from_its_measurements():
    import capacity

    rows = capacity.read_rows()
    assert [int(r["learners"]) for r in rows][0] == 1, "the measurements start with a learner alone"
    assert capacity.capacity_table(rows) in GUIDE.read_text()
    assert "Not measured yet" not in GUIDE.read_text()
