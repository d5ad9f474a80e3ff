"""Specification of course_lib.results: the committed files of long runs keep every run's date and command,
a re-run row replaces the old one, and seeds pool into one k/n with mean and standard deviation."""
import datetime as dt
import json

import pytest

from course_lib import results


def test_a_rerun_row_replaces_the_old_one_and_each_run_is_recorded(tmp_path):
    path = tmp_path / "r.json"
    results.save([{"system": "base", "seed": 0, "x": [1, 4]}, {"system": "lora", "seed": 0, "x": [2, 4]}],
                 "make evaluation", path, key=("system", "seed"), test_prompts=4)
    stored = results.save([{"system": "lora", "seed": 0, "x": [3, 4]}], "make evaluation --seeds 0", path,
                          key=("system", "seed"))
    assert {(r["system"], tuple(r["x"])) for r in stored["rows"]} == {("base", (1, 4)), ("lora", (3, 4))}
    assert [r["command"] for r in stored["runs"]] == ["make evaluation", "make evaluation --seeds 0"]
    assert stored["runs"][0] == {"date": dt.date.today().isoformat(), "command": "make evaluation", "test_prompts": 4}
    assert json.loads(path.read_text()) == stored


def test_rows_without_the_key_fields_are_refused(tmp_path):
    with pytest.raises(ValueError, match="seed"):
        results.save([{"system": "base"}], "make x", tmp_path / "r.json", key=("system", "seed"))
    assert not (tmp_path / "r.json").exists()


def test_rates_pool_their_counts_and_numbers_get_mean_and_sd():
    rates = results.pool([{"x": [1, 4]}, {"x": [3, 4]}, {"x": [2, 4]}], "x")
    assert (rates["pooled"].k, rates["pooled"].n, rates["seeds"]) == (6, 12, 3)
    assert rates["mean"] == pytest.approx(0.5) and rates["sd"] == pytest.approx(0.25)   # 0.25, 0.75, 0.5
    numbers = results.pool([{"p": 8.0}, {"p": 10.0}], "p")
    assert numbers["pooled"] is None and numbers["mean"] == 9.0 and numbers["sd"] == pytest.approx(2 ** 0.5)
    assert results.pool([{"p": 8.0}], "p")["sd"] == 0.0


def test_pooling_nothing_is_refused():
    with pytest.raises(ValueError, match="no rows"):
        results.pool([], "x")


def test_missing_results_name_the_command_that_makes_them(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"make evaluation.*25 minutes"):
        results.load(tmp_path / "absent.json", "make evaluation", "about 25 minutes")


def test_each_run_is_described_by_its_date_and_command():
    stored = {"runs": [{"date": "2026-11-29", "command": "make sweeps"}, {"date": "2026-11-30", "command": "make x"}]}
    assert results.describe_runs(stored).splitlines() == ["2026-11-29: make sweeps", "2026-11-30: make x"]


def test_part_table_prints_rates_with_intervals_and_pools_a_systems_seeds():
    stored = {"runs": [], "rows": [
        {"part": "update", "system": "RAG", "seed": None, "right": [20, 25]},
        {"part": "update", "system": "lora", "seed": 0, "right": [1, 25]},
        {"part": "update", "system": "lora", "seed": 1, "right": [3, 25]},
        {"part": "other", "system": "RAG", "seed": None, "right": [0, 1]}]}
    lines = results.part_table(stored, "update", ["right"]).splitlines()
    assert lines[0].startswith("RAG") and "20/25 = 80%" in lines[0]
    assert lines[1].startswith("lora (seed 0)") and "1/25" in lines[1]
    # By hand: 4 of 50 answers pooled; the seeds' shares 0.04 and 0.12 have mean 0.08.
    assert lines[3].startswith("lora, pooled") and "4/50 = 8%" in lines[3] and "mean 0.08" in lines[3]
    assert len(lines) == 4


def test_part_table_names_a_missing_part_and_the_run_that_made_the_file():
    stored = {"runs": [{"date": "2026-11-30", "command": "make rag-evaluation"}], "rows": []}
    with pytest.raises(ValueError, match="no rows of part 'safety'.*make rag-evaluation"):
        results.part_table(stored, "safety", ["mentions"])


def test_part_table_pools_numbers_and_rates_but_leaves_text_out_of_the_pooled_line():
    rows = [{"part": "recall", "system": "LoRA", "seed": seed, "right": [k, 40], "example": ["a question?", "an answer"]}
            for seed, k in ((0, 2), (1, 4))]
    table = results.part_table({"rows": rows}, "recall", ["right", "example"])
    pooled = table.splitlines()[-1]
    assert pooled.startswith("LoRA, pooled") and "right 6/80" in pooled and "example" not in pooled
    with pytest.raises(ValueError, match="neither numbers nor"):
        results.pool(rows, "example")
