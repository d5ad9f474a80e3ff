"""Exercise checks of lesson 10 (better retrieval).

Each check returns a :class:`~course_lib.exercises.Feedback`. Expected values come from the
definitions (BM25's Lucene idf, reciprocal rank fusion), from an independent reference
(:func:`course_lib.rag.ranking.ndcg_at_k`) or from a paired significance test of the learner's own runs
(:func:`course_lib.paired.mcnemar`), never from the learner's objects alone.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

from course_lib.exercises import Feedback, close_to, not_answered, report
from course_lib.rag.ranking import ndcg_at_k
from course_lib.paired import mcnemar

OUTCOMES = ("better", "same", "worse")


def check_idf(answer: Any, n_docs: int, df: int) -> Feedback:
    """Exercise: BM25's idf (Lucene variant, as bm25s computes it) of a term found in ``df`` of ``n_docs`` documents.

    idf = ln(1 + (N - df + 0.5) / (df + 0.5)).

    >>> bool(check_idf(math.log(1 + 8.5 / 2.5), 10, 2))
    True
    """
    missing = not_answered(answer, "idf = ln(1 + (N - df + 0.5) / (df + 0.5)), with the natural logarithm.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    if not 0 < df <= n_docs:
        raise ValueError(f"df must lie between 1 and n_docs ({n_docs}), got {df!r}.")
    expected = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
    # Tolerance 0.0005: tight enough to tell the Lucene idf from the classic one without the "1 +".
    feedback = close_to(answer, expected, 5e-4, "the idf",
                        "idf = ln(1 + (N - df + 0.5) / (df + 0.5)): natural logarithm, N documents, df containing the term.")
    if not feedback.ok and isinstance(answer, (int, float)):
        mistakes = {
            math.log((n_docs - df + 0.5) / (df + 0.5)): "that is the classic Robertson idf; the Lucene variant adds 1 "
                                                        "inside the logarithm, so a very common term never scores below 0.",
            math.log(n_docs / df): "that is the textbook ln(N / df); BM25 adds 0.5 to both counts and 1 inside the logarithm.",
            math.log10(1 + (n_docs - df + 0.5) / (df + 0.5)): "that is log base 10; BM25 uses the natural logarithm.",
        }
        for wrong, hint in mistakes.items():
            if abs(answer - wrong) <= 5e-4:
                feedback.hint = hint
    return report(feedback)


def rrf_score(ranks: Sequence[int | None], k: float = 60) -> float:
    """The reciprocal-rank-fusion score of one document from its rank in each list (None: not in that list).

    >>> round(rrf_score([1, 3], k=60), 6)
    0.032266
    """
    return sum(1.0 / (k + r) for r in ranks if r is not None)


def check_rrf(answer: Any, ranks: Sequence[int | None], k: float = 60) -> Feedback:
    """Exercise: the RRF score of a document ranked ``ranks`` (from 1; None when missing) in the fused lists."""
    missing = not_answered(answer, "add up 1 / (k + rank) over the lists that contain the document.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    if not any(r is not None for r in ranks):
        raise ValueError("The document must appear in at least one list.")
    expected = rrf_score(ranks, k)
    # 1e-6: the scores are around 0.03, and the usual mistakes move them by 1e-4 or more.
    feedback = close_to(answer, expected, 1e-6, "the fused score",
                        f"add up 1 / ({k:g} + rank) over the lists that contain the document; ranks start at 1, "
                        "and a list without the document adds nothing.")
    if not feedback.ok and isinstance(answer, (int, float)):
        present = [r for r in ranks if r is not None]
        mistakes = {
            sum(1.0 / (k + r - 1) for r in present): "ranks start at 1, not 0: the best document has rank 1.",
            sum(1.0 / r for r in present): f"that is plain reciprocal rank; RRF adds k = {k:g} to every rank first.",
        }
        for wrong, hint in mistakes.items():
            if abs(answer - wrong) <= 1e-6:
                feedback.hint = hint
    return report(feedback)


def check_ndcg(answer: Any, ranked_ids: Sequence[str], gold_ids: Sequence[str], k: int = 10) -> Feedback:
    """Exercise: nDCG@k of one ranking with binary relevance (each gold document has grade 1)."""
    missing = not_answered(answer, "DCG = sum of 1 / log2(rank + 1) over the gold documents in the top k; divide by "
                                   "the DCG of a perfect ranking.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    expected = ndcg_at_k(list(ranked_ids), set(gold_ids), k)
    feedback = close_to(answer, expected, 5e-4, f"nDCG@{k}",
                        "DCG = sum of 1 / log2(rank + 1) over the gold documents in the top k, ranks from 1; the ideal "
                        "DCG puts every gold document at the top: 1/log2(2) + 1/log2(3) + ...")
    if not feedback.ok and isinstance(answer, (int, float)):
        gold = set(gold_ids)
        dcg = sum(1 / math.log2(r + 1) for r, d in enumerate(list(ranked_ids)[:k], 1) if d in gold)
        found = sum(d in gold for d in list(ranked_ids)[:k])
        ideal_found = sum(1 / math.log2(r + 1) for r in range(1, found + 1))
        if abs(answer - dcg) <= 5e-4 and abs(dcg - expected) > 5e-4:
            feedback.hint = "that is DCG; divide it by the DCG of the ideal ranking."
        elif found and abs(answer - dcg / ideal_found) <= 5e-4:
            feedback.hint = ("the ideal ranking holds every gold document, also those that were not retrieved "
                             "(trec_eval's definition).")
    return report(feedback)


def hyde_outcome(hyde: Mapping[str, bool], dense: Mapping[str, bool]) -> str:
    """"better", "same" or "worse": HyDE against plain dense on the same questions, each keyed by question id
    (True when a gold document is in the top 5); "same" when the exact McNemar test cannot tell them apart.

    >>> hits = {f"q{i}": i < 3 for i in range(24)}
    >>> hyde_outcome(hits, {f"q{i}": i < 4 for i in range(24)})
    'same'
    """
    result = mcnemar(hyde, dense)
    if not result.distinguishable:
        return "same"
    return "better" if result.a_right > result.b_right else "worse"


def check_hyde_prediction(prediction: Any, hyde: Mapping[str, bool], dense: Mapping[str, bool]) -> Feedback:
    """Predict-then-run: did HyDE put a gold document in the top 5 more often than plain dense search?

    ``hyde`` and ``dense`` map each question id to whether a gold document was in that retriever's top 5.
    """
    missing = not_answered(prediction, f"write one of {OUTCOMES} before running the measurement.")
    if missing is not None:  # a Feedback is falsy when not ok: test for None
        return report(missing)
    if not isinstance(prediction, str) or prediction.strip().lower() not in OUTCOMES:
        return report(Feedback(False, f"the prediction should be one of {OUTCOMES}, got {prediction!r}.",
                               "'same' means: no difference larger than the noise of this many questions."))
    outcome = hyde_outcome(hyde, dense)
    test = mcnemar(hyde, dense)
    said = (f"HyDE {test.a_right}/{test.n} vs dense {test.b_right}/{test.n} on the same questions "
            f"({test.only_a} found only by HyDE, {test.only_b} only by dense): {outcome}")
    if prediction.strip().lower() == outcome:
        return report(Feedback(True, f"{said}, as you predicted."))
    return report(Feedback(False, f"{said}, not {prediction.strip().lower()}.",
                           "the hypothetical answer is written by a 135M model that does not know the canteen: "
                           "what does its text carry that the question did not (and what does it lose)?"))
