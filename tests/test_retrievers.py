"""Specification of course_lib.rag.retrievers: records, BM25 by hand, dense vs numpy, hybrid, parents, tuning.

References are hand-computed values (BM25 with the Lucene formulas bm25s documents, reciprocal rank
and min-max fusions worked on paper) and exact cosine search written out in numpy. Hybrid, tuning and
parent retrieval are specified with stub retrievers whose rankings are fixed, so the expected
results can be worked out by hand.
"""
import math
import time

import numpy as np
import pytest
import torch

from course_lib.rag.chunking import chunk_documents
from course_lib.rag.ranking import evaluate_run
from course_lib.rag.retrievers import (
    BM25Retriever,
    DenseRetriever,
    ParentRetriever,
    RetrieverError,
    as_records,
    latency,
    parent_hits,
    retrieve_run,
    tokenize,
)
from course_lib.rag.vectorstore import Hit

DOCS = [
    {"id": "d1", "title": "Lentil soup", "text": "Red lentil soup with cumin. Soup of the day.", "type": "menu"},
    {"id": "d2", "text": "Oat porridge with milk and honey.", "type": "recipe", "tags": ["breakfast"]},
    {"id": "d3", "text": "Cumin seeds: spice. Lentils cook in twenty minutes; lentils need no soaking.",
     "type": "guide"},
]


class Fixed:
    """A stub retriever returning fixed scored rankings per query (best first)."""

    def __init__(self, ranked: dict, ids=("a", "b", "c")):
        self.ranked, self.records, self.asked = ranked, {i: {"id": i, "text": i} for i in ids}, []

    def search(self, query, k):
        self.asked.append(k)
        return [Hit(i, s, {}) for i, s in self.ranked[query][:k]]

    def search_many(self, queries, k):
        return [self.search(q, k) for q in queries]


# ---- records ----------------------------------------------------------------------------------------
def test_records_may_be_mappings_tuples_or_chunk_objects():
    chunks = chunk_documents([{"id": "p", "text": "One. Two."}], "sentence", max_tokens=1)
    rows = as_records([("a", "x"), ("b", "y", "T")]) + as_records(chunks)
    assert rows[0] == {"id": "a", "text": "x"} and rows[1]["title"] == "T"
    assert rows[2]["id"] == "p#0" and rows[2]["doc_id"] == "p"


@pytest.mark.parametrize("records, words", [
    ([], "empty"), ([("a", "x"), ("a", "y")], "Duplicate id 'a'"), ([{"id": "a", "text": " "}], "non-empty 'text'"),
    ("a text", "list of"), ([42], "mapping"),
])
def test_bad_corpora_are_refused_with_what_to_do(records, words):
    with pytest.raises(RetrieverError, match=words):
        BM25Retriever(records)


# ---- BM25 -----------------------------------------------------------------------------------------------
def test_the_course_tokenisation_keeps_dish_codes_and_drops_stop_words_and_single_letters():
    assert tokenize(["The soup (D-813) is a 9 g dish"]) == [["soup", "d-813", "dish"]]


def test_bm25_equals_the_lucene_formula_computed_by_hand():
    bm25 = BM25Retriever(DOCS)
    # Tokens of each searched text (title + body) without bm25s's 33 English stop words, counted by hand:
    # d1 "lentil soup red lentil soup cumin soup day", d2 "oat porridge milk honey",
    # d3 "cumin seeds spice lentils cook twenty minutes lentils need soaking".
    lengths = {"d1": 8, "d2": 4, "d3": 10}
    assert [len(t) for t in tokenize([bm25.text_of(i) for i in lengths])] == list(lengths.values())
    n, avg, k1, b = 3, (8 + 4 + 10) / 3, 1.5, 0.75

    def term(tf, df, length):  # Lucene BM25 as bm25s documents it: idf * tf / (tf + k1 * (1 - b + b * L / avg))
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return idf * tf / (tf + k1 * (1 - b + b * length / avg))

    # "lentils cumin": d3 has "lentils" twice (df 1) and "cumin" once (df 2); d1 has "cumin" once.
    expected_d3 = term(2, 1, 10) + term(1, 2, 10)
    expected_d1 = term(1, 2, 8)
    hits = bm25.search("lentils cumin", k=3)
    assert [h.id for h in hits] == ["d3", "d1"]  # d2 shares no token, so it is not returned
    assert hits[0].score == pytest.approx(expected_d3, rel=1e-6)
    assert hits[1].score == pytest.approx(expected_d1, rel=1e-6)


def test_bm25_hits_carry_plain_metadata_fields_only():
    hit = BM25Retriever(DOCS).search("porridge", k=1)[0]
    assert hit.metadata == {"type": "recipe"}  # the list "tags" cannot live in a vector store either


def test_a_query_of_unknown_words_finds_nothing():
    assert BM25Retriever(DOCS).search("zzz quux", k=2) == []


@pytest.mark.parametrize("query, k, words", [("", 1, "non-empty"), ("   ", 1, "non-empty"), ("soup", 4, "larger than"),
                                             ("soup", 0, "positive"), (None, 1, "non-empty")])
def test_bad_searches_are_refused_like_the_vector_store_does(query, k, words):
    with pytest.raises(RetrieverError, match=words):
        BM25Retriever(DOCS).search(query, k)


def test_retrieve_run_feeds_the_ranking_metrics():
    run = retrieve_run(Fixed({"q": [("b", 0.9), ("a", 0.5), ("c", 0.1)]}), {"q1": "q"}, k=3)
    assert run == {"q1": ["b", "a", "c"]}
    assert evaluate_run(run, {"q1": {"a"}})["mrr"] == 0.5


# ---- parent documents ------------------------------------------------------------------------------------------
def test_parent_retrieval_returns_each_parent_once_at_its_best_chunk_rank():
    chunks = Fixed({"q": [("a#1", 0.9), ("b#0", 0.8), ("a#0", 0.7), ("c#0", 0.1)]}, ids=("a#0", "a#1", "b#0", "c#0"))
    for cid in chunks.records:
        chunks.records[cid]["doc_id"] = cid[0]
    parents = ParentRetriever(chunks, [("a", "A"), ("b", "B"), ("c", "C")])
    hits = parents.search("q", k=3)
    assert [(h.id, h.score, h.metadata["chunk_id"]) for h in hits] == [("a", 0.9, "a#1"), ("b", 0.8, "b#0"),
                                                                        ("c", 0.1, "c#0")]
    run = retrieve_run(parents, {"q": "q"}, k=3)
    assert evaluate_run(run, {"q": {"c"}})["recall@1"] == 0.0  # metrics on parent ids, no duplicates


def test_parent_retrieval_widens_the_chunk_search_until_k_parents_appear():
    ranked = [(f"a#{i}", 1 - i / 100) for i in range(10)] + [("b#0", 0.01)]
    chunks = Fixed({"q": ranked}, ids=[c for c, _ in ranked])
    for cid in chunks.records:
        chunks.records[cid]["doc_id"] = cid[0]
    hits = ParentRetriever(chunks, [("a", "A"), ("b", "B")]).search("q", k=2)
    assert [h.id for h in hits] == ["a", "b"] and chunks.asked == [8, 11]


def test_parent_retrieval_on_real_chunks_finds_the_document_of_a_buried_fact():
    docs = [{"id": "g1", "text": "## Hours\nOpen 8 to 16.\n\n## Soaking\nSoak chickpeas overnight in cold water."},
            {"id": "g2", "text": "## Pay\nCards only. No cash is taken at the tills."}]
    parents = ParentRetriever(BM25Retriever(chunk_documents(docs, "structure", max_tokens=12)), docs)
    assert [h.id for h in parents.search("soak chickpeas", k=1)] == ["g1"]
    with pytest.raises(RetrieverError, match="no parent"):
        ParentRetriever(BM25Retriever(chunk_documents(docs, "structure", max_tokens=12)), docs[:1])


def test_latency_is_the_median_seconds_per_query():
    class Sleepy(Fixed):
        def search(self, query, k):
            time.sleep(0.02)
            return []
    assert 0.02 <= latency(Sleepy({}), ["x", "y", "z"], k=1) < 0.2


# ---- dense (real embedder) -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_dense_search_equals_exact_cosine_in_numpy_and_updates_live(embedder):
    dense = DenseRetriever(DOCS, embedder, progress=False)
    texts = ["Lentil soup\n\nRed lentil soup with cumin. Soup of the day.", DOCS[1]["text"], DOCS[2]["text"]]
    v = embedder.encode(texts)
    q = embedder.encode(["how long do lentils cook"])[0]
    cos = v @ q / np.linalg.norm(v, axis=1) / np.linalg.norm(q)
    hits = dense.search("how long do lentils cook", k=3)
    assert [h.id for h in hits] == [DOCS[i]["id"] for i in np.argsort(-cos)]
    np.testing.assert_allclose([h.score for h in hits], np.sort(cos)[::-1], atol=1e-5)
    assert hits[0].metadata["type"] == "guide" and "tags" not in dense.search("porridge", k=1)[0].metadata
    dense.add([{"id": "d4", "text": "Lentil cooking times: red lentils 15 minutes."}])
    assert len(dense) == 4 and dense.search("how long do lentils cook", k=1)[0].id == "d4"
    dense.delete(["d4"])
    assert len(dense) == 3 and "d4" not in {h.id for h in dense.search("lentils", k=3)}
    with pytest.raises(RetrieverError, match="already indexed"):
        dense.add([DOCS[0]])
    with pytest.raises(RetrieverError, match="larger than"):
        dense.search("soup", k=4)


@pytest.mark.slow
def test_two_thousand_documents_index_and_each_finds_itself(embedder, capsys):
    # Synthetic documents of 60 words drawn from the knowledge base's own vocabulary (real words, so the
    # embedder's tokenizer splits them as it splits real text). How fast indexing is belongs to the lesson
    # that prints it (budgets are measured by scripts/budget.py, not by timed tests); this checks it works at
    # a scale well beyond the course's corpus, and prints the rate seen.
    from course_lib.data import load_knowledge
    vocabulary = sorted({w for d in load_knowledge() for w in d["text"].split() if w.isalpha()})
    rng = np.random.default_rng(0)
    records = [{"id": f"s{i}", "text": " ".join(rng.choice(vocabulary, 60))} for i in range(2_000)]
    began = time.perf_counter()
    bm25 = BM25Retriever(records)
    dense = DenseRetriever(records, embedder, batch_size=128)
    with capsys.disabled():
        print(f"\n2,000 synthetic records: BM25 + dense index in {time.perf_counter() - began:.1f} s "
              f"({torch.get_num_threads()} torch threads)")
    assert len(bm25) == len(dense) == 2_000
    assert bm25.search(records[123]["text"], k=1)[0].id == "s123"
    assert dense.search(records[1234]["text"], k=1)[0].id == "s1234"


def test_chunk_hits_merge_into_parents_at_their_best_chunks_rank():
    hits = [Hit("b#1", 0.9, {}), Hit("a#0", 0.8, {}), Hit("b#0", 0.7, {}), Hit("c#3", 0.6, {}), Hit("a#2", 0.5, {})]
    merged = parent_hits(hits, lambda h: h.id.split("#")[0])
    assert [(h.id, h.score, h.metadata["chunk_id"]) for h in merged] == [("b", 0.9, "b#1"), ("a", 0.8, "a#0"),
                                                                         ("c", 0.6, "c#3")]
