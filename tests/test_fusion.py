"""Specification of course_lib.rag.fusion: RRF, min-max weighted fusion, the hybrid and MMR, against values worked by hand.

The hybrid and its weight tuning are specified with stub retrievers whose scored rankings are fixed.
"""
import math

import numpy as np
import pytest

from course_lib.rag.fusion import HybridRetriever, MMRRetriever, minmax, mmr, rrf, tune_weight, weighted_fusion
from course_lib.rag.retrievers import DenseRetriever, RetrieverError
from course_lib.rag.vectorstore import Hit


class Fixed:
    """A stub retriever returning fixed scored rankings per query (best first)."""

    def __init__(self, ranked: dict, ids=("a", "b", "c")):
        self.ranked, self.records = ranked, {i: {"id": i, "text": i} for i in ids}

    def search(self, query, k):
        return [Hit(i, s, {}) for i, s in self.ranked[query][:k]]

    def search_many(self, queries, k):
        return [self.search(q, k) for q in queries]


def test_rrf_sums_one_over_k_plus_rank_across_rankings():
    fused = dict(rrf([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused == pytest.approx({"a": 1 / 61 + 1 / 62, "b": 1 / 62, "c": 1 / 63 + 1 / 61})
    assert [d for d, _ in rrf([["a", "b", "c"], ["c", "a"]])] == ["a", "c", "b"]


def test_rrf_breaks_ties_by_first_appearance_and_accepts_hits():
    assert [d for d, _ in rrf([["x", "y"], ["y", "x"]])] == ["x", "y"]
    assert rrf([[Hit("a", 0.3, {}), Hit("b", 0.1, {})]], k=0) == [("a", 1.0), ("b", 0.5)]


@pytest.mark.parametrize("rankings, k", [([], 60), ([["a", "a"]], 60), ([["a"]], -1), ("ab", 60)])
def test_rrf_refuses_bad_input(rankings, k):
    with pytest.raises((ValueError, TypeError)):
        rrf(rankings, k=k)


def test_minmax_maps_the_lowest_to_zero_and_the_highest_to_one():
    assert minmax({"a": 10.0, "b": 4.0, "c": 7.0}) == {"a": 1.0, "b": 0.0, "c": 0.5}
    assert minmax({"a": 3.0, "b": 3.0}) == {"a": 1.0, "b": 1.0}
    assert minmax({}) == {}


def test_weighted_fusion_of_two_lists_gives_weight_and_one_minus_weight():
    # list 1 normalised: a 1, b 0; list 2: b 1, c 0.  0.25 * list 1 + 0.75 * list 2.
    fused = weighted_fusion([{"a": 0.9, "b": 0.5}, {"b": 12.0, "c": 2.0}], 0.25)
    assert fused == [("b", 0.75), ("a", 0.25), ("c", 0.0)]


def test_weighted_fusion_takes_one_weight_per_list_and_hit_lists():
    fused = dict(weighted_fusion([[Hit("a", 2.0, {}), Hit("b", 1.0, {})], {"a": 0.0, "c": 1.0}, {"b": 5.0}],
                                 [1.0, 2.0, 3.0]))
    assert fused == {"a": 1.0, "b": 3.0, "c": 2.0}


@pytest.mark.parametrize("lists, weight", [([{"a": 1.0}], 0.5), ([{"a": 1.0}, {"b": 1.0}], 1.5),
                                           ([{"a": 1.0}, {"b": 1.0}], [1.0]), ([], [])])
def test_weighted_fusion_refuses_weights_that_do_not_fit(lists, weight):
    with pytest.raises(ValueError):
        weighted_fusion(lists, weight)


# ---- hybrid and tuning -----------------------------------------------------------------------------------------
LEX = Fixed({"q": [("a", 3.0), ("b", 1.0), ("c", 0.5)]})
DEN = Fixed({"q": [("b", 0.9), ("c", 0.8), ("a", 0.1)]})


def test_hybrid_rrf_adds_reciprocal_ranks_of_both_lists():
    hits = HybridRetriever(LEX, DEN, "rrf").search("q", k=3)
    # a: 1/61 + 1/63, b: 1/62 + 1/61, c: 1/63 + 1/62
    assert [h.id for h in hits] == ["b", "a", "c"]
    assert [h.score for h in hits] == pytest.approx([1 / 62 + 1 / 61, 1 / 61 + 1 / 63, 1 / 63 + 1 / 62])


def test_hybrid_weighted_sums_min_max_scores_with_the_dense_weight():
    hits = HybridRetriever(LEX, DEN, "weighted", weight=0.5).search("q", k=3)
    # lexical min-max: a 1, b 0.2, c 0; dense: b 1, c 0.875, a 0.
    assert [(h.id, round(h.score, 6)) for h in hits] == [("b", 0.6), ("a", 0.5), ("c", 0.4375)]


def test_hybrid_refuses_retrievers_over_different_documents_and_bad_settings():
    with pytest.raises(RetrieverError, match="same documents"):
        HybridRetriever(LEX, Fixed({}, ids=("a", "b")))
    with pytest.raises(RetrieverError, match="'rrf' or 'weighted'"):
        HybridRetriever(LEX, DEN, "max")
    with pytest.raises(RetrieverError, match=r"\[0, 1\]"):
        HybridRetriever(LEX, DEN, "weighted", weight=1.5)


def test_tune_weight_picks_the_weight_with_the_best_metric_and_reports_the_table():
    best, table = tune_weight(LEX, DEN, {"q": "q"}, {"q": {"a": 1}}, weights=[0.0, 0.5, 1.0])
    # The relevant "a" ranks 1st with lexical alone, 2nd at 0.5 (after b) and 3rd with dense alone.
    assert best == 0.0
    assert [row["ndcg@10"] for row in table] == pytest.approx([1.0, 1 / math.log2(3), 1 / math.log2(4)])
    assert [row["weight"] for row in table] == [0.0, 0.5, 1.0]
    with pytest.raises(RetrieverError, match=r"\[0, 1\]"):
        tune_weight(LEX, DEN, {"q": "q"}, {"q": {"a": 1}}, weights=[2.0])
    with pytest.raises(RetrieverError, match="Unknown metric"):
        tune_weight(LEX, DEN, {"q": "q"}, {"q": {"a": 1}}, metric="map")


# Worked by hand, query (1, 0): A = (0.8, 0.6), B = (0.6, 0.8), C = (0.6, -0.8).
# Relevance: A 0.8, B 0.6, C 0.6. Similarities: A.B = 0.96, A.C = 0, B.C = -0.28.
# lambda 1: A, then B and C tie at 0.6 -> B (first index), then C.
# lambda 0.5: A; then B 0.5*0.6 - 0.5*0.96 = -0.18, C 0.5*0.6 - 0.5*0 = 0.3 -> C; then B.
VECS = [[0.8, 0.6], [0.6, 0.8], [0.6, -0.8]]


def test_mmr_with_lambda_one_is_plain_relevance_order():
    assert mmr([1, 0], VECS, k=3, lambda_=1.0) == [0, 1, 2]


def test_mmr_trades_relevance_for_diversity_as_worked_by_hand():
    assert mmr([1, 0], VECS, k=3, lambda_=0.5) == [0, 2, 1]
    assert mmr([2, 0], np.array(VECS) * [[3], [0.5], [7]], k=2, lambda_=0.5) == [0, 2]  # lengths do not matter


@pytest.mark.parametrize("query, docs, k, lam", [([1, 0], VECS, 4, 0.5), ([1, 0], VECS, 1, 1.5),
                                                 ([1, 0, 0], VECS, 1, 0.5), ([0, 0], VECS, 1, 0.5)])
def test_mmr_refuses_bad_input(query, docs, k, lam):
    with pytest.raises(ValueError):
        mmr(query, docs, k, lam)


@pytest.mark.slow
def test_mmr_retriever_reorders_dense_candidates_as_mmr_does_on_their_embeddings(embedder):
    docs = [("a", "Red lentil soup with cumin"), ("b", "Red lentil soup with cumin and lemon"),
            ("c", "Lentil salad with feta"), ("d", "Opening hours of the canteen")]
    dense = DenseRetriever(docs, embedder, progress=False)
    plain = [h.id for h in dense.search("red lentil soup", k=4)]
    assert plain[:2] == ["a", "b"]  # the near-duplicate comes second by relevance alone
    assert [h.id for h in MMRRetriever(dense, lambda_=1.0).search("red lentil soup", k=4)] == plain
    vectors = embedder.encode([dict(docs)[i] for i in plain])
    query = embedder.encode(["red lentil soup"])[0]
    for lam in (0.3, 0.5, 0.7):
        expected = [plain[i] for i in mmr(query, vectors, k=4, lambda_=lam)]
        assert [h.id for h in MMRRetriever(dense, lambda_=lam).search("red lentil soup", k=4)] == expected
    assert [h.id for h in MMRRetriever(dense, lambda_=0.3).search("red lentil soup", k=2)][1] != "b"
    with pytest.raises(RetrieverError, match="DenseRetriever"):
        MMRRetriever(object())
