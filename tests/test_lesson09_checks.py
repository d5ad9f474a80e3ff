"""The lesson 09 exercise checks accept the right answers and refuse wrong ones with a hint."""
import pytest

from course_lib.exercises import lesson09

# Six answers worked out by hand: (correct, gold document in the prompt)
#   right with gold, right without gold, wrong with gold (x2), wrong without gold (x2)
CORRECT = [True, True, False, False, False, False]
SHOWN = [True, False, True, True, False, False]


def test_a_reading_failure_is_a_wrong_answer_with_a_gold_document_in_the_prompt():
    assert lesson09.reading_failures(CORRECT, SHOWN) == 2
    assert lesson09.reading_failures([True], [True]) == 0


def test_the_reading_failure_check_accepts_the_count_and_names_the_usual_mistakes():
    assert lesson09.check_reading_failures(2, CORRECT, SHOWN)
    all_wrong = lesson09.check_reading_failures(4, CORRECT, SHOWN)
    assert not all_wrong and "every wrong answer" in all_wrong.hint
    all_shown = lesson09.check_reading_failures(3, CORRECT, SHOWN)
    assert not all_shown and "every prompt with a gold document" in all_shown.hint
    assert not lesson09.check_reading_failures(..., CORRECT, SHOWN)


def test_the_reading_failure_check_refuses_lists_of_different_lengths():
    with pytest.raises(ValueError, match="one entry per question"):
        lesson09.check_reading_failures(1, [True, False], [True])


def test_a_hallucination_is_an_answer_that_does_not_admit_not_knowing():
    texts = ["I don't know the price of that soup.", "The soup cost 4.30 euros.", "It was lentil soup.",
             "I'm not sure, the menu for that day is not available."]
    assert lesson09.hallucinations(texts) == 2
    assert lesson09.check_hallucinations(2, texts)
    assert not lesson09.check_hallucinations(1, texts + ["No idea, sorry."])
    admitted = lesson09.check_hallucinations(3, ["I don't know.", "I don't know.", "I don't know.", "Lentil soup."])
    assert not admitted and "admit not knowing" in admitted.hint
    assert not lesson09.check_hallucinations(..., texts)


def test_the_rollback_prediction_is_compared_with_the_measured_count():
    assert lesson09.check_rollback_prediction(0, 0, 25)
    assert not lesson09.check_rollback_prediction(25, 0, 25)
    assert not lesson09.check_rollback_prediction(..., 0, 25)
    with pytest.raises(ValueError, match="between 0 and n"):
        lesson09.check_rollback_prediction(0, 30, 25)
