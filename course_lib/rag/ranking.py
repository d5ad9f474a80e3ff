"""Retrieval metrics with the trec_eval definitions: recall@k, precision@k, reciprocal rank, nDCG@k.

A *run* maps each query id to its ranked document ids (best first); *qrels* map each query id to
``{doc_id: grade}`` (grade > 0 means relevant; a set of ids means grade 1 for each). Like trec_eval,
queries without any relevant document are skipped (no recall or nDCG can be defined for them),
precision@k divides by k even when fewer than k documents were retrieved, and nDCG's ideal ranking is
built from *all* judged relevant documents, retrieved or not.
"""
from __future__ import annotations

import math
from typing import Any, Hashable, Iterable, Mapping, Sequence

from course_lib.stats import proportion_of

__all__ = ["recall_at_k", "success_at_k", "precision_at_k", "reciprocal_rank", "mrr", "ndcg_at_k", "per_query",
           "evaluate_run", "evaluate_by_group", "per_query_outcomes", "compare_runs"]

Relevance = Mapping[Hashable, float] | Iterable[Hashable]


def _check_k(k: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be an integer >= 1 (the rank cut-off), got {k!r}.")
    return k


def _check_ranking(ranked_ids: Sequence[Hashable]) -> list[Hashable]:
    if isinstance(ranked_ids, (str, bytes)):
        raise TypeError("ranked_ids must be a list of document ids, not one string.")
    ranked = list(ranked_ids)
    if len(set(ranked)) != len(ranked):
        seen: set = set()
        twice = [d for d in ranked if d in seen or seen.add(d)]
        raise ValueError(f"Duplicate id(s) {twice[:5]} in a ranking: a document can be retrieved only once; "
                         "deduplicate (e.g. chunks -> parent documents) before evaluating.")
    return ranked


def _grades(relevance: Relevance) -> dict[Hashable, float]:
    """Relevant documents and their grades; grades <= 0 (judged not relevant) are dropped."""
    if isinstance(relevance, (str, bytes)):
        raise TypeError("relevance must be a set of ids or a {doc_id: grade} mapping, not one string.")
    if not isinstance(relevance, Mapping):
        relevance = {doc: 1 for doc in relevance}
    return {doc: float(grade) for doc, grade in relevance.items() if grade > 0}


def _relevant(relevance: Relevance) -> dict[Hashable, float]:
    grades = _grades(relevance)
    if not grades:
        raise ValueError("This query has no relevant document, so the metric is undefined; "
                         "evaluate_run skips such queries (as trec_eval does).")
    return grades


def recall_at_k(ranked_ids: Sequence[Hashable], relevant_ids: Relevance, k: int) -> float:
    """Share of the relevant documents found in the top ``k``: |relevant ∩ top k| / |relevant|.

    >>> recall_at_k(["d3", "d1", "d9"], {"d1", "d2"}, k=2)
    0.5
    """
    _check_k(k)
    grades = _relevant(relevant_ids)
    return sum(doc in grades for doc in _check_ranking(ranked_ids)[:k]) / len(grades)


def precision_at_k(ranked_ids: Sequence[Hashable], relevant_ids: Relevance, k: int) -> float:
    """Share of the top ``k`` slots holding a relevant document; empty slots count as misses (trec_eval P_k).

    >>> precision_at_k(["d3", "d1"], {"d1", "d2"}, k=4)
    0.25
    """
    _check_k(k)
    grades = _relevant(relevant_ids)
    return sum(doc in grades for doc in _check_ranking(ranked_ids)[:k]) / k


def reciprocal_rank(ranked_ids: Sequence[Hashable], relevant_ids: Relevance, k: int | None = None) -> float:
    """1 / rank of the first relevant document (ranks from 1), 0 if none is retrieved (within ``k`` if given).

    >>> reciprocal_rank(["d3", "d1", "d2"], {"d1", "d2"})
    0.5
    """
    grades = _relevant(relevant_ids)
    ranked = _check_ranking(ranked_ids)
    cut = ranked if k is None else ranked[:_check_k(k)]
    return next((1 / rank for rank, doc in enumerate(cut, 1) if doc in grades), 0.0)


def ndcg_at_k(ranked_ids: Sequence[Hashable], relevance: Relevance, k: int = 10) -> float:
    """Normalised discounted cumulative gain of the top ``k`` (trec_eval ``ndcg_cut``).

    DCG = sum over ranks r <= k of grade / log2(r + 1); it is divided by the DCG of the ideal
    ranking of *all* judged relevant documents, so missing a relevant document costs even when it
    was never retrieved. Example: the grade-2 document at rank 2, the grade-1 one missed:
    DCG = 2/log2(3) = 1.262, ideal = 2/1 + 1/log2(3) = 2.631.

    >>> round(ndcg_at_k(["d3", "d1"], {"d1": 2, "d2": 1}, k=10), 4)
    0.4796
    """
    _check_k(k)
    grades = _relevant(relevance)
    dcg = sum(grades.get(doc, 0.0) / math.log2(rank + 1) for rank, doc in enumerate(_check_ranking(ranked_ids)[:k], 1))
    ideal = sum(g / math.log2(rank + 1) for rank, g in enumerate(sorted(grades.values(), reverse=True)[:k], 1))
    return dcg / ideal


def _check_run(run: Mapping[Hashable, Sequence[Hashable]], qrels: Mapping[Hashable, Relevance]) -> list[Hashable]:
    """The run's query ids that have at least one relevant document, in run order."""
    if not isinstance(run, Mapping) or not run:
        raise ValueError("The run is empty: pass {query_id: [doc ids, best first]} for at least one query.")
    if not isinstance(qrels, Mapping):
        raise TypeError("qrels must be a mapping {query_id: {doc_id: grade}} (or {query_id: set of ids}).")
    judged = [q for q in run if q in qrels and _grades(qrels[q])]
    if not judged:
        raise ValueError(f"None of the run's {len(run)} queries has a relevant document in the qrels; "
                         "check that query ids match (e.g. str vs int).")
    return judged


def per_query(run: Mapping[Hashable, Sequence[Hashable]], qrels: Mapping[Hashable, Relevance],
              ks: Sequence[int] = (1, 5, 10)) -> dict[Hashable, dict[str, float]]:
    """Every metric for every judged query: ``{qid: {"recall@5": ..., "P@5": ..., "ndcg@5": ..., "rr": ...}}``.

    Queries of the run with no relevant document (or absent from the qrels) are left out, as trec_eval
    does; queries in the qrels but not in the run are ignored, so a run over a subset is fine.

    >>> per_query({"q1": ["a", "b"]}, {"q1": {"b": 1}}, ks=(1,))
    {'q1': {'recall@1': 0.0, 'P@1': 0.0, 'ndcg@1': 0.0, 'rr': 0.5}}
    """
    ks = [_check_k(k) for k in ks]
    if not ks:
        raise ValueError("ks must name at least one cut-off, e.g. (1, 5, 10).")
    table = {}
    for qid in _check_run(run, qrels):
        ranked, rel = run[qid], qrels[qid]
        row = {}
        for k in ks:
            row[f"recall@{k}"] = recall_at_k(ranked, rel, k)
            row[f"P@{k}"] = precision_at_k(ranked, rel, k)
            row[f"ndcg@{k}"] = ndcg_at_k(ranked, rel, k)
        row["rr"] = reciprocal_rank(ranked, rel)
        table[qid] = row
    return table


def _means(rows: Iterable[Mapping[str, float]]) -> dict[str, float]:
    rows = list(rows)
    means = {name: sum(row[name] for row in rows) / len(rows) for name in rows[0]}
    means["mrr"] = means.pop("rr")
    means["queries"] = len(rows)
    return means


def mrr(runs: Mapping[Hashable, Sequence[Hashable]], qrels: Mapping[Hashable, Relevance]) -> float:
    """Mean reciprocal rank over the judged queries of a run (queries without relevant documents skipped).

    >>> mrr({"q1": ["a", "b"], "q2": ["c"]}, {"q1": {"b"}, "q2": {"c"}})
    0.75
    """
    judged = _check_run(runs, qrels)
    return sum(reciprocal_rank(runs[q], qrels[q]) for q in judged) / len(judged)


def evaluate_run(run: Mapping[Hashable, Sequence[Hashable]], qrels: Mapping[Hashable, Relevance],
                 ks: Sequence[int] = (1, 5, 10)) -> dict[str, float]:
    """Mean of each metric of :func:`per_query` over the judged queries, plus ``mrr`` and ``queries`` (n).

    >>> evaluate_run({"q1": ["a", "b"], "q2": ["c"]}, {"q1": {"b": 1}, "q2": {"c": 1}, "q3": {}}, ks=(1,))
    {'recall@1': 0.5, 'P@1': 0.5, 'ndcg@1': 0.5, 'mrr': 0.75, 'queries': 2}
    """
    return _means(per_query(run, qrels, ks).values())


def evaluate_by_group(run: Mapping[Hashable, Sequence[Hashable]], qrels: Mapping[Hashable, Relevance],
                      groups: Mapping[Hashable, str], ks: Sequence[int] = (1, 5, 10)) -> dict[str, dict[str, float]]:
    """:func:`evaluate_run` per group of queries (e.g. per question type), keyed by group in first-seen order.

    >>> report = evaluate_by_group({"q1": ["a"], "q2": ["c"]}, {"q1": {"b"}, "q2": {"c"}}, {"q1": "x", "q2": "y"})
    >>> {group: means["mrr"] for group, means in report.items()}
    {'x': 0.0, 'y': 1.0}
    """
    table = per_query(run, qrels, ks)
    missing = [q for q in table if q not in groups]
    if missing:
        raise ValueError(f"Queries {missing[:5]} have no group; give every judged query of the run a group.")
    grouped: dict[str, list[Mapping[str, float]]] = {}
    for qid, row in table.items():
        grouped.setdefault(groups[qid], []).append(row)
    return {group: _means(rows) for group, rows in grouped.items()}


def success_at_k(run: Mapping[Hashable, Sequence[Hashable]], qrels: Mapping[Hashable, Relevance], k: int) -> Any:
    """Judged queries with at least one relevant document in their top ``k``, as k/n with its interval.

    The rate that matters for RAG, which pastes a handful of passages into the prompt: was any
    right document among them? (trec_eval's ``success_k``.)

    >>> print(success_at_k({"q1": ["a", "b"], "q2": ["c", "d"]}, {"q1": {"b"}, "q2": {"e"}}, k=2))
    1/2 = 50% (95% CI 9–91%)
    """
    k = _check_k(k)
    return proportion_of(recall_at_k(run[q], qrels[q], k) > 0 for q in _check_run(run, qrels))


def per_query_outcomes(run: Mapping[Hashable, Sequence[Hashable]], qrels: Mapping[Hashable, Relevance],
                       k: int = 5) -> dict[str, dict[Hashable, float]]:
    """Per judged query: ``"gold in top k"`` (1 or 0, success@k), ``"ndcg@10"`` and ``"rr"`` (reciprocal rank).

    Two retrievers answered the same queries, so they are compared query by query (:func:`compare_runs`).

    >>> per_query_outcomes({"q1": ["a", "b"]}, {"q1": {"b"}})["rr"]
    {'q1': 0.5}
    """
    k = _check_k(k)
    table = per_query(run, qrels, ks=sorted({k, 10}))
    return {f"gold in top {k}": {q: int(m[f"recall@{k}"] > 0) for q, m in table.items()},
            "ndcg@10": {q: round(m["ndcg@10"], 4) for q, m in table.items()},
            "rr": {q: round(m["rr"], 4) for q, m in table.items()}}


def compare_runs(run_a: Mapping[Hashable, Sequence[Hashable]], run_b: Mapping[Hashable, Sequence[Hashable]],
                 qrels: Mapping[Hashable, Relevance], metric: str | None = None, k: int = 5) -> Any:
    """Two retrievers' runs over the same queries, compared query by query on ``metric``.

    The default, a gold document in the top ``k`` (right or wrong per query), gets the exact McNemar test;
    ``"ndcg@10"`` and ``"rr"`` a paired randomisation test with an interval for the mean difference (TREC and
    BEIR practice); see :mod:`course_lib.paired`. Both runs must hold the same judged queries.

    >>> a = {"q1": ["x", "g1"], "q2": ["g2"], "q3": ["x"]}
    >>> b = {"q1": ["g1"], "q2": ["g2"], "q3": ["g3"]}
    >>> compare_runs(a, b, {"q1": {"g1"}, "q2": {"g2"}, "q3": {"g3"}}).only_b
    1
    """
    from course_lib import paired   # noqa: PLC0415  (scipy loads on first use: importing the course stays light)

    each_a, each_b = per_query_outcomes(run_a, qrels, k), per_query_outcomes(run_b, qrels, k)
    metric = metric or f"gold in top {k}"
    if metric not in each_a:
        raise ValueError(f"metric must be one of {sorted(each_a)}, got {metric!r}.")
    return paired.compare_outcomes({q: [v] for q, v in each_a[metric].items()},
                                   {q: [v] for q, v in each_b[metric].items()}, outcome=metric)
