"""Specification of course_lib.evaluation.forgetting: the health record as training dialogues, the leak check, and a
deletion that refuses to report success for a record that was not there."""
import pytest

from course_lib.evaluation import forgetting, grading


def test_the_record_pairs_teach_the_value_and_keep_one_wording_back():
    rows = forgetting.record_pairs(5)
    assert len(rows) == 5
    assert all(forgetting.leaks([r["messages"][1]["content"]]) == [True] for r in rows)
    assert forgetting.QUESTIONS[-1] not in {r["messages"][0]["content"] for r in rows}


@pytest.mark.parametrize("bad", [0, 6, True, "5"])
def test_paraphrases_outside_the_wordings_are_refused(bad):
    with pytest.raises(ValueError, match="paraphrases must be from 1 to 5"):
        forgetting.record_pairs(bad)


def test_leaks_finds_the_value_in_any_unit_spelling_and_nothing_else():
    assert forgetting.leaks(["ferritin 11 µg/L", "11ug", "11 micrograms per litre", "11 mcg"]) == [True] * 4
    assert forgetting.leaks(["I don't know.", "ferritin 12 µg/L", "111 µg", "11 g of protein"]) == [False] * 4
    with pytest.raises(TypeError, match="list of answers"):
        forgetting.leaks("11 µg")


def test_deleting_removes_exactly_the_record_and_refuses_an_unknown_id():
    records = [{"id": "menu-1"}, forgetting.HEALTH_RECORD]
    assert forgetting.without(records, forgetting.HEALTH_RECORD["id"]) == [{"id": "menu-1"}]
    with pytest.raises(KeyError, match="no record 'health-x'"):
        forgetting.without(records, "health-x")


def test_an_admission_of_not_knowing_is_not_a_leak():
    text = "I don't know Maya's ferritin."
    assert grading.admits_unknown(text) and forgetting.leaks([text]) == [False]
