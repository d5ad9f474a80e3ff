"""The lesson 11 exercise checks accept the right answers and refuse wrong ones with a hint."""
from course_lib.choosing.cost import SystemCost
from course_lib.exercises import lesson11

TUNED = SystemCost("fine-tuned", 2.0, 50, setup_seconds=300, update_seconds=300)
RAG = SystemCost("RAG", 3.0, 700, setup_seconds=0.5, update_seconds=0.5)


def test_break_even_queries_is_where_the_two_cost_lines_cross():
    # (300 - 0.5) / (3.0 - 2.0) = 299.5 queries
    assert lesson11.check_break_even_queries(299.5, TUNED, RAG)
    assert lesson11.check_break_even_queries(300, TUNED, RAG)          # within one query
    assert not lesson11.check_break_even_queries(150, TUNED, RAG)
    assert not lesson11.check_break_even_queries(..., TUNED, RAG)


def test_forgetting_the_index_cost_gets_a_hint_about_it():
    rag = SystemCost("RAG", 3.0, 700, setup_seconds=50, update_seconds=0.5)
    wrong = lesson11.check_break_even_queries(300, TUNED, rag)          # right is (300 - 50) / 1 = 250
    assert not wrong and "setup cost too" in wrong.hint


def test_a_fine_tuned_model_that_is_no_faster_never_breaks_even():
    slow = SystemCost("fine-tuned", 3.5, 50, setup_seconds=300, update_seconds=300)
    assert lesson11.check_break_even_queries(float("inf"), slow, RAG)
    assert not lesson11.check_break_even_queries(1000, slow, RAG)
    wrong = lesson11.check_break_even_queries(-float("inf"), slow, RAG)
    assert not wrong and "float('inf')" in wrong.message
    assert "not answered yet" in lesson11.check_break_even_queries(None, slow, RAG).message


def test_updates_never_help_rag_when_its_update_costs_as_much_as_a_retraining():
    dear_index = SystemCost("RAG", 3.0, 700, setup_seconds=0.5, update_seconds=400)
    assert lesson11.check_updates_to_win(float("inf"), TUNED, dear_index, 1000)
    assert not lesson11.check_updates_to_win(3, TUNED, dear_index, 1000)


def test_updates_to_win_solves_the_totals_for_the_number_of_updates():
    # 1000 queries: RAG 0.5 + 3000 = 3000.5, tuned 300 + 2000 = 2300; gap 700.5 / (300 - 0.5) = 2.339 updates
    assert lesson11.check_updates_to_win(2.34, TUNED, RAG, 1000)
    assert not lesson11.check_updates_to_win(1, TUNED, RAG, 1000)
    assert lesson11.check_updates_to_win(0, TUNED, RAG, 100)            # RAG already cheaper at 100 queries


def _row(right: list[int]) -> dict:
    """A benchmark row right on the questions numbered in ``right``, out of 18 shared questions."""
    return {"per question": {"right": {f"q{i}": int(i in right) for i in range(18)}}}


def test_the_hybrid_prediction_is_judged_by_the_questions_the_two_systems_disagree_on():
    assert lesson11.check_hybrid_prediction("better", _row(list(range(15))), _row([0, 1]))     # 13 disagreements, all one way
    assert lesson11.check_hybrid_prediction("same", _row([0, 1, 2, 3, 4]), _row([0, 1, 2, 3]))
    assert not lesson11.check_hybrid_prediction("better", _row([0, 1, 2, 3, 4]), _row([0, 1, 2, 3]))
    # 5 vs 0 right looks large, but 5 disagreements all one way give p = 0.06: the same, within the noise
    feedback = lesson11.check_hybrid_prediction("same", _row([0, 1, 2, 3, 4]), _row([]))
    assert feedback and "exact McNemar" in feedback.message
    assert not lesson11.check_hybrid_prediction("maybe", _row([1]), _row([1]))
    assert not lesson11.check_hybrid_prediction(..., _row([1]), _row([1]))


def test_every_check_says_not_answered_yet_for_the_placeholder():
    for feedback in (lesson11.check_break_even_queries(..., TUNED, RAG), lesson11.check_updates_to_win(..., TUNED, RAG, 10),
                     lesson11.check_hybrid_prediction(..., _row([1]), _row([1]))):
        assert not feedback and "not answered yet" in feedback.message
