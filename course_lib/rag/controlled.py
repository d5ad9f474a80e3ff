"""Context under control: a retriever that decides whether the gold documents reach the prompt.

Lesson 11 evaluates RAFT with the answer's document in the prompt (the oracle), with distractors
only, and with what retrieval really finds; :class:`ControlledContext` wraps any retriever to give
those three conditions from the same questions.
"""
from __future__ import annotations

from typing import Any

from course_lib.rag.vectorstore import Hit


class ControlledContext:
    """A retriever that decides whether the gold documents reach the prompt, for evaluating RAFT.

    ``mode="oracle"``: the question's gold documents first, then the ``inner`` retriever's other hits
    as distractors; ``"distractors"``: only the inner retriever's hits that are not gold;
    ``"retrieved"``: the inner retriever unchanged. ``gold`` maps each question text to its gold ids.

    >>> from course_lib.rag.vectorstore import Hit
    >>> class Fixed:
    ...     def search(self, query, k): return [Hit(i, 1.0, {}) for i in ["a", "g", "b", "c"][:k]]
    >>> gold = {"Q?": ["g"]}
    >>> [h.id for h in ControlledContext(Fixed(), gold, "oracle").search("Q?", 3)]
    ['g', 'a', 'b']
    >>> [h.id for h in ControlledContext(Fixed(), gold, "distractors").search("Q?", 3)]
    ['a', 'b', 'c']
    """

    MODES = ("oracle", "distractors", "retrieved")

    def __init__(self, inner: Any, gold: dict[str, list[str]], mode: str) -> None:
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {self.MODES}, got {mode!r}.")
        self.inner, self.gold, self.mode = inner, gold, mode

    def search(self, query: str, k: int) -> list[Any]:
        if self.mode == "retrieved":
            return self.inner.search(query, k)
        if query not in self.gold:
            raise KeyError(f"no gold documents for {query!r}: pass gold={{question: [doc ids]}} for every question asked.")
        gold = list(self.gold[query])
        others = [h for h in self.inner.search(query, k + len(gold)) if h.id not in gold]
        if self.mode == "distractors":
            return others[:k]
        return ([Hit(g, 1.0, {"oracle": True}) for g in gold] + others)[:k]
