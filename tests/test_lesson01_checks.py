"""Specification of lesson 01's exercise checks, on small hand-made verdicts and answers.

The expected values are worked out by hand in each test (counts, ids, Fisher's exact test
on tiny tables), never by calling the function under test another way.
"""
import pytest

from course_lib.exercises import Feedback
from course_lib.exercises.lesson01 import (
    check_admit_prediction,
    check_difference_verdict,
    check_invented,
    check_violating_ids,
)
from course_lib.stats import proportion

VERDICTS = ["invented", "invented", "admits_unknown", "invented", "correct"]  # 3 of 5 invented


def test_invented_check_passes_the_proportion_three_of_five():
    verdict = check_invented(proportion(3, 5), VERDICTS)
    assert isinstance(verdict, Feedback) and verdict and "3/5" in verdict.message


def test_invented_check_asks_for_counts_when_given_the_bare_share():
    verdict = check_invented(0.6, VERDICTS)
    assert not verdict and "right share" in verdict.message


def test_invented_check_names_a_wrong_n_and_a_wrong_k():
    assert "n is 3" in check_invented(proportion(3, 3), VERDICTS).message
    assert "k is 2" in check_invented(proportion(2, 5), VERDICTS).message
    assert "not answered" in check_invented(..., VERDICTS).message


QUESTIONS = [{"id": "q-1", "avoid_terms": ["eggs", "salmon"]}, {"id": "q-2", "avoid_terms": ["eggs", "salmon"]},
             {"id": "q-3", "avoid_terms": ["eggs", "salmon"]}]
# A reader flags q-1 (recommends eggs) and q-3 (recommends salmon); q-2 rules eggs out.
ANSWERS = ["Have scrambled eggs on toast.", "Since you avoid eggs, try yogurt.", "Grilled salmon with rice."]


def test_violating_ids_check_accepts_the_two_violating_questions():
    assert check_violating_ids(["q-3", "q-1"], QUESTIONS, ANSWERS)


def test_violating_ids_check_names_what_is_missing_or_extra():
    verdict = check_violating_ids({"q-1", "q-2"}, QUESTIONS, ANSWERS)
    assert not verdict and "missing ['q-3']" in verdict.message and "not expected ['q-2']" in verdict.message


def test_violating_ids_check_refuses_lists_of_different_lengths():
    with pytest.raises(ValueError, match="3 questions but 2 answers"):
        check_violating_ids([], QUESTIONS, ANSWERS[:2])


def test_difference_check_one_of_eight_against_none_is_noise():
    # The same 8 questions: 1 disagreement, so McNemar's p = 1.0 and the difference is not real.
    without, with_ = [True] + [False] * 7, [False] * 8
    assert check_difference_verdict(False, without, with_)
    claimed = check_difference_verdict(True, without, with_)
    assert not claimed and "chance" in claimed.message


def test_difference_check_twenty_of_twenty_four_against_two_is_real():
    # The same 24 questions: 18 disagreements, all one way: McNemar's p = 2 / 2**18, far below 0.05.
    without, with_ = [True] * 20 + [False] * 4, [True] * 2 + [False] * 22
    assert check_difference_verdict(True, without, with_)
    assert not check_difference_verdict(False, without, with_)
    assert "True or False" in check_difference_verdict("yes", without, with_).message


def test_difference_check_pairs_the_answers_question_by_question():
    # 5 of 24 vs 0 of 24 looks large, but the 5 disagreements all one way give p = 2 / 2**5 = 0.06: not real;
    # an unpaired test on the two rates would have called it real (Fisher's p = 0.05).
    without, with_ = [True] * 5 + [False] * 19, [False] * 24
    assert check_difference_verdict(False, without, with_)
    with pytest.raises(ValueError, match="same questions"):
        check_difference_verdict(False, without, with_[:3])


TEXTS = ["I don't know the price.", "It costs €4.", "It is vegan.", "No idea, sorry."]  # 2 of 4 admit


def test_prediction_inside_the_interval_passes():
    # 2/4 has a Wilson interval of about 15%-85%.
    assert check_admit_prediction(0.5, TEXTS)
    assert check_admit_prediction(0.2, TEXTS)


def test_prediction_outside_the_interval_fails_and_says_which_way():
    low = check_admit_prediction(0.05, TEXTS)
    assert not low and "less" in low.message and "2/4" in low.message
    assert "more" in check_admit_prediction(0.95, TEXTS).message


def test_prediction_must_be_a_share():
    assert "between 0 and 1" in check_admit_prediction(40, TEXTS).message
    assert "not answered" in check_admit_prediction(..., TEXTS).message
