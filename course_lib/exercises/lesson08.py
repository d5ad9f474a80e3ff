"""Exercise checks of lesson 08 (embeddings, chunking and vector stores).

Each check returns a :class:`~course_lib.exercises.Feedback`. Expected values come from an
independent reference (scipy's cosine distance, :func:`course_lib.rag.vectorstore.memory_bytes`,
:func:`course_lib.rag.ranking.recall_at_k`) or from the definition, never from the learner's objects.
"""
from __future__ import annotations

from typing import Any, Sequence

from course_lib.exercises import Feedback, close_to, exact_count, not_answered, report
from course_lib.rag.ranking import recall_at_k
from course_lib.rag.vectorstore import memory_bytes


def check_cosine(answer: Any, a: Sequence[float], b: Sequence[float]) -> Feedback:
    """Exercise: the cosine similarity of two small vectors, worked out by hand.

    >>> bool(check_cosine(0.6, [1, 0], [0.6, 0.8]))
    True
    """
    import numpy as np
    from scipy.spatial.distance import cosine as cosine_distance

    expected = 1.0 - float(cosine_distance(a, b))
    missing = not_answered(answer, "cosine = (a . b) / (|a| |b|): the dot product divided by both lengths.")
    if missing is not None:  # a Feedback is falsy when not ok: test for None
        return report(missing)
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    dot = float(x @ y)
    hint = "divide the dot product a . b by the product of both lengths |a| |b| (each the square root of a sum of squares)."
    if isinstance(answer, (int, float)):
        if abs(answer - dot) < 1e-3 and abs(dot - expected) > 1e-3:
            hint = "that is the plain dot product; cosine divides it by the two vectors' lengths."
        elif any(abs(answer - dot / float(np.linalg.norm(v))) < 1e-3 for v in (x, y)):
            hint = "you divided by one length only; divide by |a| times |b|."
    return report(close_to(answer, expected, 1e-3, "the cosine", hint))


def check_flat_memory(answer: Any, n: int, dim: int) -> Feedback:
    """Exercise: bytes of an exact (flat) index of ``n`` float32 vectors of size ``dim``, with int64 ids.

    >>> bool(check_flat_memory(10 * (4 * 3 + 8), 10, 3))
    True
    """
    expected = memory_bytes(n, dim, "flat")
    missing = not_answered(answer, "each vector is dim float32 numbers of 4 bytes, and faiss keeps an id beside it.")
    if missing is not None:  # a Feedback is falsy when not ok: test for None
        return report(missing)
    mistakes = {n * dim * 4: "that is the vectors alone: each one also carries an 8-byte (int64) id.",
                n * dim: "a float32 number takes 4 bytes, not 1.",
                n * dim * 8 + n * 8: "float32 takes 4 bytes; 8 is float64."}
    # Tolerance 0.01%: the ids alone are 8 / (4 dim + 8), about 0.3% of the total, and must count.
    feedback = close_to(answer, expected, 1e-4 * expected, f"the flat index of {n:,} x {dim}",
                        "n x (4 bytes x dim + 8 bytes of id).")
    if not feedback.ok and isinstance(answer, (int, float)):
        for wrong, hint in mistakes.items():
            if abs(answer - wrong) <= 1e-4 * wrong:
                feedback.hint = hint
    return report(feedback)


def first_answered_k(chunk_ids: Sequence[str], gold_doc_ids: Sequence[str]) -> int | None:
    """The smallest k at which a ranked list of chunk ids (``"<doc id>#<n>"``) has a gold parent in its top k.

    Chunks are merged to their parent documents first (best rank kept), as the lesson scores them.
    None when no gold parent is retrieved.

    >>> first_answered_k(["d7#3", "d7#1", "d2#0"], ["d2"])
    2
    """
    parents = list(dict.fromkeys(c.rsplit("#", 1)[0] for c in chunk_ids))
    return next((k for k in range(1, len(parents) + 1) if recall_at_k(parents, gold_doc_ids, k) > 0), None)


def check_first_answered_k(answer: Any, chunk_ids: Sequence[str], gold_doc_ids: Sequence[str]) -> Feedback:
    """Exercise: after merging chunks to parents, at which k does the question first count as answered?"""
    missing = not_answered(answer, ("cut '#n' off each chunk id, keep each document once (first time seen), then find "
                                   "the first gold one."))
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    expected = first_answered_k(chunk_ids, gold_doc_ids)
    if expected is None:
        raise ValueError("No gold parent is in these chunk ids; the exercise needs one that is.")
    chunk_rank = next(i for i, c in enumerate(chunk_ids, 1) if c.rsplit("#", 1)[0] in set(gold_doc_ids))
    mistakes = {chunk_rank: "that is the gold chunk's position among chunks; merge chunks of the same "
                            "document into one entry first, keeping the best-ranked."} if chunk_rank != expected else {}
    return report(exact_count(answer, expected, "the first k with a gold document",
                              "cut '#n' off each chunk id, keep each document once (first time seen), then find "
                              "the first gold one.", mistakes=mistakes))


def check_full_probe_prediction(prediction: Any) -> Feedback:
    """Predict-then-run: recall@10 against exact search of an IVF index that probes every cluster.

    >>> bool(check_full_probe_prediction(1.0))
    True
    """
    missing = not_answered(prediction, "which vectors does IVF compare the query with when nprobe equals nlist?")
    if missing is not None:  # a Feedback is falsy when not ok: test for None
        return report(missing)
    return report(close_to(prediction, 1.0, 0.005, "your predicted recall@10 (a share from 0 to 1)",
                           "with nprobe = nlist every cluster is scanned, so every vector is compared with the "
                           "query, exactly as flat search does."))
