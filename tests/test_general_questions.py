"""Specification of the general-questions set (the forgetting check of lesson 07) and its loader."""
import json
import re
import shutil
from pathlib import Path

import pytest

from course_lib import data
from course_lib.evaluation import grading
from course_lib.schemas import DatasetError, validate_file

DS = Path(__file__).resolve().parents[1] / "datasets"
TOPICS = {"geography", "arithmetic", "science", "language", "history"}
# Words of the diet domain, beyond the profile's own food words: the set must stay outside it.
DIET_WORDS = ["food", "foods", "eat", "eating", "meal", "meals", "diet", "protein", "calorie", "calories", "kcal",
              "vegetable", "vegetables", "fruit", "fruits", "cook", "cooking", "recipe", "menu", "canteen",
              "nutrition", "nutrient", "vitamin", "snack", "breakfast", "lunch", "dinner", "vegetarian", "dish"]


@pytest.fixture(scope="module")
def rows():
    return data.load_general_questions()


def test_the_file_matches_its_schema_and_has_about_forty_questions(rows):
    assert validate_file(DS / "general_questions/questions.jsonl", "general_question") == rows
    assert 35 <= len(rows) <= 50


def test_ids_are_unique_and_numbered_from_g_0001(rows):
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert ids == [f"g-{n:04d}" for n in range(1, len(rows) + 1)]


def test_questions_are_unique_and_every_topic_is_covered(rows):
    assert len({r["question"].lower() for r in rows}) == len(rows)
    counts = {t: sum(r["topic"] == t for r in rows) for t in TOPICS}
    assert all(c >= 5 for c in counts.values()), counts


def test_every_accepted_answer_is_non_empty_and_graded_correct_in_a_sentence(rows):
    for r in rows:
        assert r["accepted"] and all(a.strip() for a in r["accepted"]), r["id"]
        for answer in r["accepted"]:
            assert grading.contains_answer(f"I think it is {answer}, as far as I know.", r["accepted"]), (r["id"], answer)
        assert not grading.contains_answer("I don't know.", r["accepted"]), r["id"]


def test_no_question_or_answer_uses_a_food_or_diet_word(rows):
    words = set(grading.profile_avoid_terms(data.load_profile())) | set(DIET_WORDS)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r")s?\b")
    hits = [(r["id"], m) for r in rows for m in pattern.findall(" ".join([r["question"], *r["accepted"]]).lower())]
    assert hits == []


def test_a_broken_row_is_reported_with_its_line_and_field(tmp_path, monkeypatch):
    shutil.copytree(DS / "schemas", tmp_path / "schemas")
    (tmp_path / "general_questions").mkdir()
    lines = (DS / "general_questions/questions.jsonl").read_text().splitlines()[:3]
    bad = json.loads(lines[1])
    bad["accepted"], bad["topic"] = [], "trivia"
    lines[1] = json.dumps(bad)
    (tmp_path / "general_questions/questions.jsonl").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("COURSE_DATASETS_DIR", str(tmp_path))
    with pytest.raises(DatasetError) as info:
        data.load_general_questions()
    assert "line 2, field 'accepted'" in str(info.value) and "line 2, field 'topic'" in str(info.value)


def test_the_base_model_gets_some_but_not_all_right(llm, rows):
    # The set can show forgetting (and its absence) only if the base model is neither at 0 nor at 100%.
    from course_lib.models import chat

    model, tokenizer = llm
    outs = chat(model, tokenizer, [[{"role": "user", "content": r["question"]}] for r in rows],
                max_new_tokens=32, batch_size=16, progress=False)
    k = sum(grading.contains_answer(o.text, r["accepted"]) for o, r in zip(outs, rows, strict=True))
    assert 0.25 * len(rows) <= k <= 0.85 * len(rows), f"{k}/{len(rows)}"
