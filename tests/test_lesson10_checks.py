"""The lesson 10 exercise checks accept the right answers and refuse wrong ones with a hint."""
import pytest

from course_lib.exercises import lesson10


def test_the_idf_check_accepts_the_lucene_idf_worked_by_hand():
    # N = 253 documents, df = 30: ln(1 + 223.5 / 30.5) = ln(8.32787) = 2.11961
    assert lesson10.check_idf(2.1196, 253, 30)
    assert not lesson10.check_idf(2.2, 253, 30)
    assert not lesson10.check_idf(..., 253, 30)


def test_the_idf_check_names_the_classic_textbook_and_base_ten_mistakes():
    classic = lesson10.check_idf(1.99169, 253, 30)          # ln(223.5 / 30.5) = ln(7.32787)
    assert not classic and "1" in classic.hint and "Robertson" in classic.hint
    textbook = lesson10.check_idf(2.13220, 253, 30)         # ln(253 / 30) = ln(8.43333)
    assert not textbook and "0.5" in textbook.hint
    base_ten = lesson10.check_idf(0.92053, 253, 30)         # log10(8.32787)
    assert not base_ten and "natural" in base_ten.hint


def test_the_idf_check_refuses_a_document_frequency_outside_the_corpus():
    with pytest.raises(ValueError, match="df"):
        lesson10.check_idf(1.0, 10, 11)


def test_rrf_adds_one_over_sixty_plus_the_rank_of_each_list_that_holds_the_document():
    # ranks 2 and 5: 1/62 + 1/65 = 0.0161290 + 0.0153846 = 0.0315136
    assert abs(lesson10.rrf_score([2, 5]) - 0.0315136) < 1e-6
    assert abs(lesson10.rrf_score([4, None]) - 1 / 64) < 1e-12
    assert lesson10.check_rrf(0.0315136, [2, 5])
    assert not lesson10.check_rrf(0.0315, [2, 5])
    assert not lesson10.check_rrf(..., [2, 5])


def test_the_rrf_check_names_zero_based_ranks_and_a_missing_k():
    zero_based = lesson10.check_rrf(1 / 61 + 1 / 64, [2, 5])
    assert not zero_based and "rank 1" in zero_based.hint
    no_k = lesson10.check_rrf(1 / 2 + 1 / 5, [2, 5])
    assert not no_k and "k = 60" in no_k.hint


def test_the_rrf_check_needs_the_document_in_some_list():
    with pytest.raises(ValueError, match="at least one list"):
        lesson10.check_rrf(0.0, [None, None])


def test_ndcg_of_one_ranking_worked_by_hand():
    # gold a at rank 2, gold b never retrieved: DCG = 1/log2(3) = 0.63093; ideal = 1 + 0.63093 = 1.63093 -> 0.38685
    ranking, gold = ["x", "a", "y"], ["a", "b"]
    assert lesson10.check_ndcg(0.38685, ranking, gold)
    assert not lesson10.check_ndcg(0.5, ranking, gold)
    assert not lesson10.check_ndcg(..., ranking, gold)


def test_the_ndcg_check_names_plain_dcg_and_an_ideal_of_retrieved_documents_only():
    ranking, gold = ["x", "a", "y"], ["a", "b"]
    dcg = lesson10.check_ndcg(0.63093, ranking, gold)
    assert not dcg and "ideal" in dcg.hint
    # a and b at ranks 2 and 3, c never retrieved: DCG = 0.63093 + 0.5; dividing by the ideal of the two
    # retrieved ones (1 + 0.63093) gives 0.69342 instead of 1.13093 / 2.13093 = 0.53072
    assert lesson10.check_ndcg(0.53072, ["x", "a", "b"], ["a", "b", "c"])
    two_found = lesson10.check_ndcg(0.69342, ["x", "a", "b"], ["a", "b", "c"])
    assert not two_found and "not retrieved" in two_found.hint


def _hits(found: int, n: int = 24) -> dict:
    """Per question id: a gold document in the top 5 for the first ``found`` of ``n`` questions."""
    return {f"q{i}": i < found for i in range(n)}


def test_the_hyde_outcome_is_same_unless_the_questions_that_differ_beat_the_noise():
    assert lesson10.hyde_outcome(_hits(3), _hits(4)) == "same"          # 1 question differs
    assert lesson10.hyde_outcome(_hits(20), _hits(4)) == "better"       # 16 differ, all for HyDE
    assert lesson10.hyde_outcome(_hits(1), _hits(20)) == "worse"
    assert lesson10.hyde_outcome(_hits(5), _hits(0)) == "same"          # 5 all one way: p = 0.06


def test_the_hyde_prediction_check_compares_with_the_measured_outcome():
    hyde, dense = _hits(3), _hits(4)
    assert lesson10.check_hyde_prediction("same", hyde, dense)
    assert lesson10.check_hyde_prediction(" Same ", hyde, dense)
    wrong = lesson10.check_hyde_prediction("better", hyde, dense)
    assert not wrong and "3/24" in wrong.message and "1 only by dense" in wrong.message
    assert not lesson10.check_hyde_prediction("maybe", hyde, dense)
    assert not lesson10.check_hyde_prediction(..., hyde, dense)
