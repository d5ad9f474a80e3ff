"""Specification of course_lib.runs.lesson06_sweeps: one sweep point trains a LoRA adapter from the lesson-06 recipe with
one field changed and scores it; results merge into a file that records each run's date and command.

The point is run on a tiny randomly initialised model (the course tokenizer), never the course model.
"""

import pytest
from tiny_llama import tiny_llama

from course_lib import data
from course_lib.finetuning import recipes
from course_lib.runs import lesson06_sweeps as sweeps


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    return tmp_path


def tiny(tokenizer):
    return tiny_llama(len(tokenizer)), tokenizer


def test_the_rank_sweep_keeps_alpha_at_twice_the_rank():
    rec = sweeps.point_recipe("rank", 4, seed=1)
    assert (rec.rank, rec.alpha, rec.seed, rec.method) == (4, 8, 1, "lora")


def test_the_data_sweep_changes_only_the_number_of_dialogues():
    rec = sweeps.point_recipe("data", 25, seed=0)
    assert rec == recipes.recipe("lesson06-lora16", train_examples=25)


def test_an_unknown_sweep_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="rank"):
        sweeps.point_recipe("depth", 2, seed=0)


def test_one_point_trains_an_adapter_and_scores_its_answers(tokenizer):
    prompts = recipes.held_out_prompts(2)
    row = sweeps.run_point("rank", 2, 0, lambda: tiny(tokenizer), prompts, data.load_profile(), max_new_tokens=4,
                           train_examples=4, eval_examples=2, epochs=1, eval_steps=1)
    # rank 2 on q, k, v, o of 2 layers: 2 * (32+32 + 32+16 + 32+16 + 32+32) per layer
    assert row["trainable"] == 2 * 2 * (64 + 48 + 48 + 64)
    assert row["no violation"][1] == row["wanted format"][1] == 2
    assert 0 <= row["no violation"][0] <= 2 and row["seconds"] > 0
    # each prompt's outcome under its dialogue id, for paired tests between sweep points
    assert list(row["per question"]["no violation"]) == recipes.held_out_ids(2)
    assert sum(row["per question"]["wanted format"].values()) == row["wanted format"][0] and len(row["answers"]) == 2


def test_results_merge_and_each_run_keeps_its_date_and_command(folder):
    path = folder / "sweeps.json"
    first = {"sweep": "rank", "value": 1, "seed": 0, "no violation": [3, 4]}
    sweeps.save_results([first], "python -m course_lib.runs.lesson06_sweeps --seeds 0", path)
    sweeps.save_results([dict(first, seed=1), dict(first, **{"no violation": [4, 4]})],
                        "python -m course_lib.runs.lesson06_sweeps --seeds 0 1", path)
    stored = sweeps.load_results(path)
    assert [r["command"] for r in stored["runs"]] == ["python -m course_lib.runs.lesson06_sweeps --seeds 0",
                                                      "python -m course_lib.runs.lesson06_sweeps --seeds 0 1"]
    assert [(r["seed"], r["no violation"]) for r in stored["rows"]] == [(0, [4, 4]), (1, [3, 4])]


def test_missing_results_say_which_command_makes_them(folder):
    with pytest.raises(FileNotFoundError, match="make sweeps"):
        sweeps.load_results(folder / "absent.json")


def test_a_summary_pools_the_seeds_counts():
    rows = [{"sweep": "data", "value": 25, "seed": s, "no violation": [k, 64], "trainable": 10}
            for s, k in ((0, 40), (1, 48), (2, 44))]
    (point,) = sweeps.summarise(rows, "data", "no violation")
    assert (point["pooled"].k, point["pooled"].n, point["seeds"]) == (132, 192, 3)
    assert point["mean"] == pytest.approx(44 / 64) and point["sd"] == pytest.approx(4 / 64)


def test_the_prompt_point_is_the_prompt_tuning_recipe():
    assert sweeps.point_recipe("prompt", 32, seed=0) == recipes.recipe("lesson06-prompt32")


def test_a_prompt_tuning_point_trains_only_its_virtual_tokens(tokenizer):
    row = sweeps.run_point("prompt", 4, 0, lambda: tiny(tokenizer), recipes.held_out_prompts(2), data.load_profile(),
                           max_new_tokens=4, train_examples=4, eval_examples=2, epochs=1, eval_steps=1)
    assert row["trainable"] == 4 * 32          # 4 virtual tokens of the tiny model's width


def test_two_points_are_compared_prompt_by_prompt_with_their_seeds_inside():
    def point(value, right):          # right: per seed, the prompts answered in the wanted format
        return [{"sweep": "rank", "value": value, "seed": s, "wanted format": [len(r), 20],
                 "per question": {"wanted format": {f"dlg-{i}": int(i in r) for i in range(20)}}}
                for s, r in enumerate(right)]
    rows = point(1, [set(), {0}, set()]) + point(16, [set(range(12)), set(range(10)), set(range(14))])
    line = sweeps.compare_points(rows, ("rank", 1), ("rank", 16), "wanted format")
    assert "over 20 questions x 3 seeds" in line and "more than chance explains" in line
    with pytest.raises(ValueError, match="no sweep point"):
        sweeps.compare_points(rows, ("rank", 2), ("rank", 16), "wanted format")


def test_a_family_of_point_comparisons_gives_each_test_for_holms_correction():
    from course_lib import paired
    from course_lib.runs.lesson06_sweeps import point_test

    ids = [f"d{i}" for i in range(20)]
    rows = [{"sweep": "rank", "value": v, "seed": 0, "x": [k, 20], "per question": {"x": {q: int(i < k) for i, q in enumerate(ids)}}}
            for v, k in ((1, 4), (16, 18))]
    test = point_test(rows, ("rank", 1), ("rank", 16), "x")
    assert test.p_value < 0.01 and "14" in test.sentence
    assert paired.holm({"a": test.p_value, "b": 0.5})["a"] == min(1.0, 2 * test.p_value)
