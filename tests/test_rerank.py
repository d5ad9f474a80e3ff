"""Specification of course_lib.rag.rerank: reranking order, the missing cross-encoder, the course model as judge, HyDE.

The LLM reranker is checked on an obvious pair and against its own batch-size-1 scores (padding must not
change a score); HyDE's scores are checked against cosines computed in numpy from the hypothesis it wrote.
"""
import numpy as np
import pytest

from course_lib.rag.rerank import CrossEncoderReranker, HydeRetriever, LLMReranker, RerankerMissing, RerankingRetriever
from course_lib.rag.retrievers import BM25Retriever, DenseRetriever, RetrieverError

DOCS = [("a", "soup soup soup lentil soup"), ("b", "soup"), ("c", "tomato soup with basil"), ("d", "porridge")]


class Shortest:
    """Prefers short passages; records what it was asked to score."""

    def __init__(self):
        self.seen = []

    def score(self, query, texts):
        self.seen.append(list(texts))
        return [-len(t) for t in texts]


def test_reranking_reorders_the_first_stage_candidates_by_the_reranker():
    reranker = Shortest()
    hits = RerankingRetriever(BM25Retriever(DOCS), reranker, candidates=2).search("soup", k=2)
    first_stage = [h.id for h in BM25Retriever(DOCS).search("soup", k=2)]
    assert len(reranker.seen[0]) == 2  # only the candidates are scored
    assert [h.id for h in hits] == sorted(first_stage, key=lambda i: len(dict(DOCS)[i]))
    assert [h.metadata["first_rank"] for h in hits] == [first_stage.index(h.id) + 1 for h in hits]
    assert [h.score for h in hits] == [-len(dict(DOCS)[h.id]) for h in hits]


def test_a_reranker_without_score_is_refused():
    with pytest.raises(RetrieverError, match="score"):
        RerankingRetriever(BM25Retriever(DOCS), object())


def test_a_missing_cross_encoder_fails_on_first_use_with_what_to_do(tmp_path):
    reranker = CrossEncoderReranker(str(tmp_path / "no-model"))  # constructing loads nothing
    with pytest.raises(RerankerMissing, match="Cannot load the cross-encoder .* local folder"):
        reranker.score("soup?", ["soup"])
    with pytest.raises(RetrieverError, match="name a cross-encoder"):
        CrossEncoderReranker("")


# Obvious sets: the first passage answers, the others are off topic.
OBVIOUS = [
    ("What is the soup of the day on Monday?", ["The soup of the day on Monday is red lentil soup with cumin.",
     "The canteen is open from 8:00 to 16:00 on weekdays.", "Payment is by card only; cash is not accepted."]),
    ("How much protein is in 100 g of tofu?", ["Tofu, firm: protein 17 g per 100 g, energy 144 kcal.",
     "Butter, salted: fat 81 g per 100 g.", "The canteen is open from 8:00 to 16:00."]),
    ("When does the canteen open?", ["The canteen is open from 8:00 to 16:00 on weekdays.",
     "Tofu, firm: protein 17 g per 100 g.", "Allergen code E means eggs."]),
    ("What does allergen code E mean?", ["Allergen code E means eggs.",
     "The soup of the day on Monday is red lentil soup.", "Payment is by card only."]),
]


@pytest.mark.slow
def test_the_course_model_mostly_prefers_the_passage_that_answers(llm):
    """A weak judge: at design time the answering passage came first in 3 of these 4 sets (chance: 4/3)."""
    model, tokenizer = llm
    reranker = LLMReranker(model, tokenizer, batch_size=4)
    firsts = 0
    for question, passages in OBVIOUS:
        scores = reranker.score(question, passages)
        assert all(0 <= s <= 1 for s in scores)
        firsts += int(np.argmax(scores) == 0)
    assert firsts >= 3
    # Padding in a batch must not change a score: batch of 3 vs one at a time.
    question, passages = OBVIOUS[2]
    np.testing.assert_allclose(reranker.score(question, passages),
                               LLMReranker(model, tokenizer, batch_size=1).score(question, passages), atol=1e-4)


@pytest.mark.slow
def test_hyde_searches_with_the_embedding_of_the_written_answer(llm, embedder):
    model, tokenizer = llm
    docs = [("a", "Red lentils: 24 g protein per 100 g, cook in 15 minutes."), ("b", "The canteen opens at 8.")]
    dense = DenseRetriever(docs, embedder, progress=False)
    hyde = HydeRetriever(dense, model, tokenizer, max_new_tokens=32)
    hits = hyde.search("How much protein do lentils have?", k=2)
    hypothesis = hits[0].metadata["hypothesis"]
    assert hypothesis == hyde.hypotheses["How much protein do lentils have?"] and hypothesis
    h = embedder.encode([hypothesis])[0]
    d = embedder.encode([t for _, t in docs])
    cos = d @ h / np.linalg.norm(d, axis=1) / np.linalg.norm(h)
    assert {x.id: x.score for x in hits} == pytest.approx(dict(zip("ab", cos.tolist(), strict=True)), abs=1e-5)
    hyde.mode = "average"  # reuses the cached answer: the mean of question and answer directions
    q = embedder.encode(["How much protein do lentils have?"])[0]
    mean = h / np.linalg.norm(h) + q / np.linalg.norm(q)
    cos = d @ mean / np.linalg.norm(d, axis=1) / np.linalg.norm(mean)
    avg = hyde.search("How much protein do lentils have?", k=2)
    assert {x.id: x.score for x in avg} == pytest.approx(dict(zip("ab", cos.tolist(), strict=True)), abs=1e-5)
    with pytest.raises(RetrieverError, match="'replace' or 'average'"):
        HydeRetriever(dense, model, tokenizer, mode="both")
