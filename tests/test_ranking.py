"""Specifications for course_lib.rag.ranking: trec_eval definitions checked against hand-worked values."""
import math

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from course_lib.rag import ranking
from course_lib.rag.ranking import (
    evaluate_by_group,
    evaluate_run,
    mrr,
    ndcg_at_k,
    per_query,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
)

RANKED = ["d7", "d2", "d9", "d4", "d1", "d8"]
RELEVANT = {"d2", "d4", "d5"}  # d5 is relevant but never retrieved


def test_recall_at_k_divides_the_hits_in_the_top_k_by_all_relevant_documents():
    assert recall_at_k(RANKED, RELEVANT, 1) == 0          # top 1: d7, no hit
    assert recall_at_k(RANKED, RELEVANT, 2) == 1 / 3      # d2 found, 1 of 3 relevant
    assert recall_at_k(RANKED, RELEVANT, 5) == 2 / 3      # d2, d4 found; d5 never retrieved
    assert recall_at_k(RANKED, RELEVANT, 100) == 2 / 3    # a cut-off beyond the ranking changes nothing


def test_precision_at_k_counts_empty_slots_as_misses_like_trec_eval():
    assert precision_at_k(RANKED, RELEVANT, 2) == 1 / 2   # d7 miss, d2 hit
    assert precision_at_k(RANKED, RELEVANT, 4) == 2 / 4   # d2, d4 among 4
    assert precision_at_k(RANKED, RELEVANT, 10) == 2 / 10  # only 6 retrieved, but P@10 still divides by 10


def test_reciprocal_rank_is_one_over_the_rank_of_the_first_relevant_document():
    assert reciprocal_rank(RANKED, RELEVANT) == 1 / 2     # d2 at rank 2
    assert reciprocal_rank(["d5"], RELEVANT) == 1.0
    assert reciprocal_rank(["x", "y"], RELEVANT) == 0.0
    assert reciprocal_rank(RANKED, {"d4"}, k=3) == 0.0    # d4 is at rank 4, beyond the cut-off


def test_graded_qrels_count_only_positive_grades_as_relevant():
    grades = {"d2": 2, "d4": 0, "d7": -1}                 # 0 and -1 are judged not relevant
    assert recall_at_k(RANKED, grades, 6) == 1.0          # the only relevant document, d2, is retrieved
    assert reciprocal_rank(RANKED, grades) == 1 / 2


def test_ndcg_matches_the_hand_computed_trec_eval_value_with_an_unretrieved_relevant_document():
    grades = {"d2": 3, "d4": 1, "d5": 2}
    # DCG@5: d2 (grade 3) at rank 2, d4 (grade 1) at rank 4 -> 3/log2(3) + 1/log2(5) = 1.8928 + 0.4307 = 2.3235
    # ideal@5 from ALL judged: grades 3, 2, 1 at ranks 1-3 -> 3/1 + 2/log2(3) + 1/log2(4) = 3 + 1.2619 + 0.5 = 4.7619
    dcg = 3 / math.log2(3) + 1 / math.log2(5)
    ideal = 3 + 2 / math.log2(3) + 1 / 2
    assert ndcg_at_k(RANKED, grades, 5) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(RANKED, grades, 5) == pytest.approx(0.48793, abs=1e-5)
    # At k=1 the top document d7 is not relevant: 0 / 3.
    assert ndcg_at_k(RANKED, grades, 1) == 0.0


def test_ndcg_of_the_ideal_ranking_is_one_and_a_set_means_grade_one():
    assert ndcg_at_k(["d2", "d5", "d4", "x"], {"d2": 3, "d5": 2, "d4": 1}, 10) == pytest.approx(1.0)
    # Binary: d2 at rank 2 of 2 relevant -> (1/log2(3)) / (1 + 1/log2(3)) = 0.6309 / 1.6309 = 0.3869
    assert ndcg_at_k(["x", "d2"], {"d2", "d5"}, 10) == pytest.approx(0.38685, abs=1e-5)


def test_ndcg_agrees_with_sklearn_when_every_judged_document_is_ranked_without_ties():
    # sklearn builds its ideal only from the documents it scores; with all of them scored, the definitions agree.
    docs = ["a", "b", "c", "d", "e", "f", "g"]
    grades = [3, 0, 2, 1, 0, 2, 0]
    scores = [0.2, 0.9, 0.8, 0.1, 0.5, 0.3, 0.05]          # ranking: b c e f a d g
    ranked = [docs[i] for i in np.argsort(scores)[::-1]]
    relevance = {d: g for d, g in zip(docs, grades, strict=True) if g}
    for k in (1, 3, 5, 10):
        expected = ndcg_score([grades], [scores], k=k)
        assert ndcg_at_k(ranked, relevance, k) == pytest.approx(expected), k


def test_ndcg_is_lower_than_sklearn_when_a_relevant_document_was_never_retrieved():
    # sklearn's ideal ignores the unretrieved d5; trec_eval's ideal includes it and charges the miss.
    grades = {"d2": 3, "d4": 1, "d5": 2}
    retrieved = RANKED[:5]
    sklearn_value = ndcg_score([[grades.get(d, 0) for d in retrieved]], [[5, 4, 3, 2, 1]], k=5)
    assert ndcg_at_k(retrieved, grades, 5) < sklearn_value


def test_evaluate_run_averages_over_judged_queries_and_skips_queries_without_relevant_documents():
    run = {"q1": ["a", "b", "c"], "q2": ["x", "y"], "q3": ["a"], "q4": ["m"]}
    qrels = {"q1": {"b": 1, "c": 1}, "q2": {"y": 1}, "q3": {"a": 0}, "q5": {"z": 1}}
    # q3 has only a grade-0 judgment and q4 no qrels: both skipped; q5 is not in the run: ignored.
    # q1: recall@1 0, recall@5 2/2 = 1, rr 1/2.   q2: recall@1 0, recall@5 1/1 = 1, rr 1/2.
    # nDCG@5 q1: (1/log2(3) + 1/2) / (1 + 1/log2(3)) = 1.1309 / 1.6309 = 0.6934; q2: (1/log2(3)) / 1 = 0.6309.
    result = evaluate_run(run, qrels, ks=(1, 5))
    assert result["queries"] == 2
    assert result["recall@1"] == 0 and result["recall@5"] == 1 and result["mrr"] == 0.5
    assert result["P@5"] == pytest.approx((2 / 5 + 1 / 5) / 2)
    q1 = (1 / math.log2(3) + 1 / 2) / (1 + 1 / math.log2(3))
    assert result["ndcg@5"] == pytest.approx((q1 + 1 / math.log2(3)) / 2)
    assert mrr(run, qrels) == 0.5
    assert set(per_query(run, qrels)) == {"q1", "q2"}


def test_an_empty_ranking_scores_zero_rather_than_being_skipped():
    assert evaluate_run({"q1": [], "q2": ["a"]}, {"q1": {"a"}, "q2": {"a"}}, ks=(1,))["recall@1"] == 0.5


def test_per_group_means_give_a_per_question_type_report():
    run = {"q1": ["a"], "q2": ["b", "a"], "q3": ["c"]}
    qrels = {"q1": {"a"}, "q2": {"a"}, "q3": {"a"}}
    report = evaluate_by_group(run, qrels, {"q1": "menu", "q2": "menu", "q3": "guide"}, ks=(1, 2))
    assert list(report) == ["menu", "guide"]
    assert report["menu"]["recall@1"] == 0.5 and report["menu"]["recall@2"] == 1.0   # (1 + 0)/2, (1 + 1)/2
    assert report["menu"]["mrr"] == 0.75 and report["menu"]["queries"] == 2          # (1 + 1/2)/2
    assert report["guide"]["mrr"] == 0.0
    with pytest.raises(ValueError, match="have no group"):
        evaluate_by_group(run, qrels, {"q1": "menu"})


@pytest.mark.parametrize("k", [0, -1, 2.0, True])
def test_a_cut_off_below_one_or_not_an_integer_is_refused(k):
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        recall_at_k(RANKED, RELEVANT, k)
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        evaluate_run({"q": RANKED}, {"q": RELEVANT}, ks=(1, k))


def test_a_ranking_with_a_duplicate_id_is_refused_with_advice():
    with pytest.raises(ValueError, match=r"Duplicate id\(s\) \['d2'\] in a ranking.*deduplicate"):
        ndcg_at_k(["d2", "d1", "d2"], RELEVANT)
    with pytest.raises(ValueError, match="Duplicate"):
        evaluate_run({"q": ["a", "a"]}, {"q": {"a"}})


def test_an_empty_run_or_a_run_without_any_judged_query_is_refused():
    with pytest.raises(ValueError, match="run is empty"):
        evaluate_run({}, {"q": {"a"}})
    with pytest.raises(ValueError, match="None of the run's 1 queries has a relevant document.*str vs int"):
        evaluate_run({1: ["a"]}, {"1": {"a"}})
    with pytest.raises(ValueError, match="no relevant document"):
        recall_at_k(["a"], set(), 1)
    with pytest.raises(TypeError, match="not one string"):
        recall_at_k("abc", {"a"}, 1)


def test_success_at_k_counts_queries_with_any_relevant_document_in_their_top_k():
    from course_lib.rag.ranking import success_at_k

    run = {"q1": ["x", "a", "y"], "q2": ["y", "x", "b"], "q3": ["b"], "q4": ["a"]}
    qrels = {"q1": {"a", "z"}, "q2": {"b"}, "q3": {"z"}, "q4": {}}          # q4 has nothing relevant: skipped
    at2, at3 = success_at_k(run, qrels, 2), success_at_k(run, qrels, 3)
    assert (at2.k, at2.n) == (1, 3) and (at3.k, at3.n) == (2, 3)


def test_two_runs_are_compared_query_by_query():
    qrels = {f"q{i}": {f"g{i}"} for i in range(12)}
    strong = {q: [f"g{i}"] for i, q in enumerate(qrels)}                        # every gold document at rank 1
    weak = {q: ["x", "y", "z", "w", "v", f"g{i}"] if i < 8 else [f"g{i}"] for i, q in enumerate(qrels)}
    test = ranking.compare_runs(weak, strong, qrels)                            # 8 queries differ, all one way
    assert (test.only_a, test.only_b, test.n) == (0, 8, 12)
    assert test.p_value == pytest.approx(2 / 2 ** 8)
    ndcg = ranking.compare_runs(weak, strong, qrels, "ndcg@10")               # a score: paired resampling
    assert ndcg.questions == 12 and ndcg.difference == pytest.approx(8 * (1 - 1 / math.log2(7)) / 12, abs=1e-3)
    with pytest.raises(ValueError, match="metric must be one of"):
        ranking.compare_runs(weak, strong, qrels, "recall@7")


def test_runs_over_different_queries_are_refused():
    qrels = {"q1": {"g"}, "q2": {"g"}}
    with pytest.raises(ValueError, match="same questions"):
        ranking.compare_runs({"q1": ["g"]}, {"q1": ["g"], "q2": ["g"]}, qrels)
