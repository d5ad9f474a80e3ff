"""Combining rankings: reciprocal rank fusion, weighted score fusion, and MMR for relevance vs diversity.

:func:`rrf` and :func:`weighted_fusion` merge the results of several retrievers into one ranking
(:class:`HybridRetriever` fuses a lexical and a dense retriever with them, :func:`tune_weight`
picks its weight on dev questions); :func:`mmr` re-orders one retriever's
candidates so that near-duplicates do not fill the top ranks, and :class:`MMRRetriever` wraps a
dense retriever with it. Ties are broken by first appearance, so every result is deterministic.
"""
from __future__ import annotations

from typing import Any, Hashable, Mapping, Sequence

import numpy as np

from course_lib.rag.ranking import evaluate_run
from course_lib.rag.retrievers import BaseRetriever, Retriever, RetrieverError, check_search, hit_metadata
from course_lib.rag.vectorstore import Hit

__all__ = ["rrf", "minmax", "weighted_fusion", "HybridRetriever", "tune_weight", "mmr", "MMRRetriever"]


def _ids(ranking: Any) -> list[Hashable]:
    if isinstance(ranking, (str, bytes)) or not isinstance(ranking, Sequence):
        raise TypeError("Each ranking must be a list of ids (or of Hits), best first.")
    ids = [r.id if isinstance(r, Hit) else r for r in ranking]
    if len(set(ids)) != len(ids):
        raise ValueError(f"A ranking repeats an id ({ids}); deduplicate it before fusing.")
    return ids


def _sorted(scores: dict[Hashable, float]) -> list[tuple[Hashable, float]]:
    # dicts keep insertion (first-seen) order and sorted() is stable: equal scores stay in that order.
    return sorted(scores.items(), key=lambda item: -item[1])


def rrf(rankings: Sequence[Sequence[Any]], k: float = 60) -> list[tuple[Hashable, float]]:
    """Reciprocal rank fusion: each document scores the sum over rankings of 1 / (k + its rank), ranks from 1.

    A document missing from a ranking gets nothing from it. ``k`` (60 in Cormack et al. 2009)
    damps the top ranks so that one list cannot dominate.

    >>> rrf([["a", "b"], ["b", "c"]], k=1)
    [('b', 0.8333333333333333), ('a', 0.5), ('c', 0.3333333333333333)]
    """
    if isinstance(rankings, (str, bytes)) or not rankings:
        raise ValueError("rrf needs a non-empty list of rankings (each a list of ids, best first).")
    if isinstance(k, bool) or not isinstance(k, (int, float)) or k < 0:
        raise ValueError(f"k must be a number >= 0 (60 is usual), got {k!r}.")
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, doc in enumerate(_ids(ranking), 1):
            scores[doc] = scores.get(doc, 0.0) + 1.0 / (k + rank)
    return _sorted(scores)


def minmax(scores: Mapping[Hashable, float]) -> dict[Hashable, float]:
    """Scores rescaled to [0, 1] by (s - min) / (max - min); all equal scores become 1.0.

    >>> minmax({"a": 4.0, "b": 2.0, "c": 3.0})
    {'a': 1.0, 'b': 0.0, 'c': 0.5}
    """
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:  # nothing to tell the documents apart: all count as top of their list
        return {d: 1.0 for d in scores}
    return {d: (s - low) / (high - low) for d, s in scores.items()}


def weighted_fusion(score_lists: Sequence[Any], weight: float | Sequence[float]) -> list[tuple[Hashable, float]]:
    """Weighted sum of min-max normalised scores; a document missing from a list gets 0 from it.

    ``score_lists`` holds mappings ``{id: score}`` (or lists of Hits). ``weight`` is the first
    list's share when there are two lists (the second gets ``1 - weight``), else one weight per list.
    Min-max first, because BM25 scores run to tens while cosines stay below 1.

    >>> weighted_fusion([{"a": 0.9, "b": 0.5}, {"b": 12.0, "c": 2.0}], 0.25)
    [('b', 0.75), ('a', 0.25), ('c', 0.0)]
    """
    lists = []
    for scores in score_lists:
        if not isinstance(scores, Mapping):
            scores = {h.id: h.score for h in scores} if all(isinstance(h, Hit) for h in scores) else None
        if scores is None:
            raise TypeError("score_lists must hold {id: score} mappings or lists of Hits.")
        lists.append(minmax(scores))
    if not lists:
        raise ValueError("weighted_fusion needs at least one score list.")
    if isinstance(weight, (int, float)) and not isinstance(weight, bool):
        if len(lists) != 2 or not 0 <= weight <= 1:
            raise ValueError("A single weight in [0, 1] needs exactly two lists; pass one weight per list otherwise.")
        weights = [float(weight), 1.0 - weight]
    else:
        weights = [float(w) for w in weight]
        if len(weights) != len(lists):
            raise ValueError(f"Got {len(weights)} weights for {len(lists)} score lists; give one per list.")
    fused: dict[Hashable, float] = {}
    for w, scores in zip(weights, lists, strict=True):
        for doc, s in scores.items():
            fused[doc] = fused.get(doc, 0.0) + w * s
    return _sorted(fused)


class HybridRetriever(BaseRetriever):
    """Lexical and dense results fused by reciprocal rank (``"rrf"``) or by min-max scores (``"weighted"``).

    Each side returns its top ``candidates``; ``weight`` is the dense side's share in the weighted
    sum (``1 - weight`` goes to the lexical side). Fused hits carry the fused score.

    >>> from course_lib.rag.retrievers import BM25Retriever, DenseRetriever
    >>> docs = [("a", "lentil soup"), ("b", "oat porridge")]
    >>> hybrid = HybridRetriever(BM25Retriever(docs), DenseRetriever(docs, embedder, progress=False))
    >>> hybrid.search("porridge", k=1)[0].id
    'b'
    """

    def __init__(self, lexical: Retriever, dense: Retriever, method: str = "rrf", weight: float = 0.5,
                 candidates: int = 50, rrf_k: int = 60) -> None:
        if method not in ("rrf", "weighted"):
            raise RetrieverError(f"method must be 'rrf' or 'weighted', got {method!r}.")
        if not 0 <= weight <= 1:
            raise RetrieverError(f"weight is the dense share and must lie in [0, 1], got {weight!r}.")
        if set(lexical.records) != set(dense.records):
            raise RetrieverError("lexical and dense retrievers must index the same documents (same ids).")
        self.lexical, self.dense, self.method, self.weight = lexical, dense, method, weight
        self.candidates, self.rrf_k, self.records = candidates, rrf_k, dense.records

    def fuse(self, lexical_hits: list[Hit], dense_hits: list[Hit], k: int) -> list[Hit]:
        """Fuse two hit lists already retrieved (:func:`tune_weight` reuses them across weights)."""
        if self.method == "rrf":
            fused = rrf([[h.id for h in dense_hits], [h.id for h in lexical_hits]], k=self.rrf_k)
        else:
            fused = weighted_fusion([{h.id: h.score for h in dense_hits}, {h.id: h.score for h in lexical_hits}],
                                    self.weight)
        return [Hit(i, s, hit_metadata(self.records[i])) for i, s in fused[:k]]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        if isinstance(queries, str) or not queries:
            raise RetrieverError("search_many takes a non-empty list of queries; wrap one query as [query].")
        for q in queries:
            check_search(q, k, len(self))
        n = min(max(self.candidates, k), len(self))
        return [self.fuse(lex, den, k) for lex, den in zip(self.lexical.search_many(queries, n),
                                                            self.dense.search_many(queries, n), strict=True)]

    def search(self, query: str, k: int) -> list[Hit]:
        return self.search_many([query], k)[0]


def tune_weight(lexical: Retriever, dense: Retriever, queries: Mapping[str, str], qrels: Mapping[str, Any],
                weights: Sequence[float] = tuple(np.round(np.linspace(0, 1, 11), 2)), metric: str = "ndcg@10",
                candidates: int = 50) -> tuple[float, list[dict]]:
    """Pick the dense weight of a weighted hybrid by a ranking metric on dev queries (grid search).

    Returns the best weight (the first in grid order among ties) and a table with one row per
    weight: the weight and every metric of ``ranking.evaluate_run`` at k = 1, 5, 10.

    >>> from course_lib.rag.retrievers import BM25Retriever, DenseRetriever
    >>> docs = [("a", "lentil soup"), ("b", "oat porridge")]
    >>> best, table = tune_weight(BM25Retriever(docs), DenseRetriever(docs, embedder, progress=False),
    ...                           {"q": "soup"}, {"q": {"a"}}, weights=[0.0, 1.0])
    >>> best, len(table)
    (0.0, 2)
    """
    if not weights or not all(0 <= w <= 1 for w in weights):
        raise RetrieverError(f"weights must list dense weights in [0, 1], got {weights!r}.")
    hybrid = HybridRetriever(lexical, dense, "weighted", candidates=candidates)
    n = min(candidates, len(hybrid))
    ids, texts = list(queries), list(queries.values())
    lex, den = lexical.search_many(texts, n), dense.search_many(texts, n)  # retrieved once, fused per weight
    table = []
    for w in weights:
        hybrid.weight = float(w)
        run = {q: [h.id for h in hybrid.fuse(a, b, 10)] for q, a, b in zip(ids, lex, den, strict=True)}
        row = {"weight": float(w), **evaluate_run(run, qrels, ks=(1, 5, 10))}
        if metric not in row:
            raise RetrieverError(f"Unknown metric {metric!r}; use one of {sorted(set(row) - {'weight', 'queries'})}.")
        table.append(row)
    best = max(table, key=lambda r: r[metric])  # max keeps the first of equal rows
    return best["weight"], table


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if (norms == 0).any():
        raise ValueError("A vector is all zeros and has no direction; drop it before MMR.")
    return x / norms


def mmr(query_vec: Any, doc_vecs: Any, k: int, lambda_: float = 0.5) -> list[int]:
    """Maximal marginal relevance: indices of ``k`` documents, each maximising relevance minus redundancy.

    Step by step it picks the document with the highest
    ``lambda_ * cos(query, d) - (1 - lambda_) * max over picked s of cos(d, s)``
    (the first pick is the most relevant); ``lambda_=1`` is plain ranking, lower values favour diversity.

    >>> mmr([1, 0], [[1, 0], [1, 0.01], [0.6, 0.8]], k=2, lambda_=0.3)
    [0, 2]
    """
    q, d = np.asarray(query_vec, dtype=np.float64), np.asarray(doc_vecs, dtype=np.float64)
    if q.ndim != 1 or d.ndim != 2 or d.shape[1] != q.shape[0]:
        raise ValueError(f"query_vec must be one vector and doc_vecs rows of its size; got {q.shape} and {d.shape}.")
    if not 0 <= lambda_ <= 1:
        raise ValueError(f"lambda_ must lie in [0, 1], got {lambda_!r}.")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(d):
        raise ValueError(f"k must be an int from 1 to the number of documents ({len(d)}), got {k!r}.")
    q, d = _unit(q), _unit(d)
    relevance, similarity = d @ q, d @ d.T
    picked: list[int] = []
    redundancy = np.full(len(d), -np.inf)  # max similarity to anything picked so far; none picked yet
    for _ in range(k):
        gain = lambda_ * relevance - (1 - lambda_) * (redundancy if picked else 0.0)
        gain[picked] = -np.inf
        best = int(np.argmax(gain))  # argmax takes the first of equal gains
        picked.append(best)
        redundancy = np.maximum(redundancy, similarity[best])
    return picked


class MMRRetriever(BaseRetriever):
    """A dense retriever's top ``candidates`` re-ordered by :func:`mmr`; hits keep their cosine score.

    >>> from course_lib.rag.retrievers import DenseRetriever
    >>> dense = DenseRetriever([("a", "lentil soup"), ("b", "red lentil soup"), ("c", "oat porridge")],
    ...                        embedder, progress=False)
    >>> [h.id for h in MMRRetriever(dense, lambda_=0.3).search("lentil soup", k=2)]
    ['a', 'c']
    """

    def __init__(self, dense: Any, lambda_: float = 0.5, candidates: int = 20) -> None:
        if not hasattr(dense, "vectors") or not hasattr(dense, "encode"):
            raise RetrieverError("MMRRetriever needs a DenseRetriever (it uses the document vectors).")
        if not 0 <= lambda_ <= 1:
            raise RetrieverError(f"lambda_ must lie in [0, 1], got {lambda_!r}.")
        self.dense, self.lambda_, self.candidates, self.records = dense, lambda_, candidates, dense.records

    def search(self, query: str, k: int) -> list[Hit]:
        check_search(query, k, len(self))
        hits = self.dense.search(query, min(max(self.candidates, k), len(self)))
        order = mmr(self.dense.encode([query])[0], np.stack([self.dense.vectors[h.id] for h in hits]),
                    min(k, len(hits)), self.lambda_)
        return [hits[i] for i in order]
