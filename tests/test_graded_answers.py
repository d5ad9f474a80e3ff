"""Specification of datasets/graded_answers/: hand-labelled answers that measure the grader.

The agreement levels in agreement.json were recorded from a run of the grader; a change
to course_lib.evaluation.grading that lowers any rule's F1 on these answers fails here.
"""
import hashlib
import json

import pytest

from course_lib import data
from course_lib.data import datasets_dir, load_graded_answers
from course_lib.evaluation.metrics import grader_agreement

FOLDER = datasets_dir() / "graded_answers"
FACT_TYPES = {"static_fact", "weekly_fact", "update_fact", "preference_and_fact", "vague", "keyword"}
EPSILON = 1e-9


@pytest.fixture(scope="module")
def rows():
    return load_graded_answers()  # validates every row against graded_answer.schema.json


def test_the_set_holds_at_least_150_answers_with_unique_ids(rows):
    assert len(rows) >= 150
    assert len({r["id"] for r in rows}) == len(rows)


def test_answers_cover_several_question_types_and_all_three_base_variants(rows):
    assert {r["variant"] for r in rows} >= {"base_closed_book", "base_profile", "base_oracle_context"}
    assert len({r["question_type"] for r in rows}) >= 6


def test_every_answer_is_labelled_for_admitting_not_knowing_with_a_reason(rows):
    missing = [r["id"] for r in rows if not isinstance(r["admits_unknown"], bool) or not r["admits_unknown_reason"].strip()]
    assert missing == []


def test_recommends_avoided_is_labelled_exactly_where_the_question_has_foods_to_avoid(rows):
    wrong = [r["id"] for r in rows if (r["recommends_avoided"] is not None) != bool(r["avoid_terms"])]
    assert wrong == []
    unexplained = [r["id"] for r in rows if r["avoid_terms"] and not (r["recommends_avoided_reason"] or "").strip()]
    assert unexplained == []
    unnamed = [r["id"] for r in rows if r["recommends_avoided"] and not r["avoided_foods"]]
    assert unnamed == []


def test_correct_is_labelled_exactly_for_questions_with_one_right_fact(rows):
    wrong = [r["id"] for r in rows if (r["correct"] is not None) != (r["question_type"] in FACT_TYPES)]
    assert wrong == []
    unexplained = [r["id"] for r in rows if r["correct"] is not None and not (r["correct_reason"] or "").strip()]
    assert unexplained == []


def test_the_labels_file_judges_exactly_the_answer_texts_in_the_set(rows):
    labels = [json.loads(line) for line in (FOLDER / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {r["id"]: r for r in rows}
    assert sorted(lab["id"] for lab in labels) == sorted(by_id)
    changed = [lab["id"] for lab in labels
               if hashlib.sha256(by_id[lab["id"]]["answer"].encode("utf-8")).hexdigest() != lab["answer_sha256"]]
    assert changed == []
    for lab in labels:
        row = by_id[lab["id"]]
        assert (lab["recommends_avoided"], lab["correct"], lab["admits_unknown"]) == (
            row["recommends_avoided"], row["correct"], row["admits_unknown"]), lab["id"]


def test_each_rule_agrees_with_the_hand_labels_at_least_as_well_as_recorded(rows):
    recorded = json.loads((FOLDER / "agreement.json").read_text(encoding="utf-8"))["rules"]
    table = grader_agreement(rows)
    assert set(table) == set(recorded)
    drops = {rule: (round(table[rule]["f1"], 4), round(recorded[rule]["f1"], 4)) for rule in table
             if table[rule]["f1"] < recorded[rule]["f1"] - EPSILON}
    assert drops == {}, f"F1 fell below the recorded level (now, recorded): {drops}"


def test_regenerating_an_answer_under_an_existing_label_stops_with_the_row_named(tmp_path, rows):
    import sys

    sys.path.insert(0, str(datasets_dir().parent / "scripts"))
    from make_graded_answers import LabelMismatch, merge_labels

    label = json.loads((FOLDER / "labels.jsonl").read_text(encoding="utf-8").splitlines()[0])
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps(label) + "\n", encoding="utf-8")
    row = dict(next(r for r in rows if r["id"] == label["id"]))
    assert merge_labels([row], labels)[0]["admits_unknown"] == label["admits_unknown"]
    row["answer"] += " (regenerated)"
    with pytest.raises(LabelMismatch, match=label["id"]):
        merge_labels([row], labels)


def test_the_tricky_set_covers_every_rule_with_both_labels_and_validates():
    # An independent check of the grader, never used to tune it: only its shape is specified here, not the score.
    rows = data.load_grader_tricky()
    for rule in ("violations", "admits_unknown", "correct"):
        labels = [r["label"] for r in rows if r["rule"] == rule]
        assert len(labels) >= 15 and 5 <= sum(labels) <= len(labels) - 5, rule
        assert all(r["accepted"] for r in rows if r["rule"] == "correct")
    assert len({r["id"] for r in rows}) == len(rows)
