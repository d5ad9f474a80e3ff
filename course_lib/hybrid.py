"""Lesson 11's systems beyond plain fine-tuning and plain RAG: facts in the weights, and RAFT.

Two recipes of ``course_lib.recipes`` learn from the knowledge base instead of the person's
dialogues (``Recipe.data``):

- ``"facts"``: every fact of the chosen document kinds as question-answer pairs
  (``knowledge_pairs``), ``paraphrases`` wordings per fact: knowledge injection by fine-tuning
  (Ovadia et al. 2024 found it needs many paraphrases to work at all);
- ``"raft"``: questions after their document mixed with distractors, or after distractors only,
  answered with a cited quote or "I don't know" (retrieval-aware fine-tuning, Zhang et al. 2024).

Both are built from the knowledge base by seeded functions, never from the evaluation questions.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

WORDINGS = 6   # question wordings drawn per fact: up to 5 to train on, and one more held out


def training_rows(rec: Any) -> tuple[list[dict], list[dict]]:
    """Training and validation dialogues of a ``"facts"`` or ``"raft"`` recipe (``course_lib.recipes.Recipe``).

    Facts: ``rec.train_examples`` facts drawn with ``rec.seed`` (``recipes.nested_sample``, so a
    smaller set is the start of a larger one), each with its first ``rec.paraphrases`` wordings
    for training; validation asks ``rec.eval_examples`` of the same facts in a wording held out
    from training, so its loss measures recall of the fact rather than of a sentence. With 1 and
    with 5 paraphrases the facts are the same and the one wording of the first is among the five
    of the second. RAFT: ``rec.train_examples + rec.eval_examples`` examples, split in that order.

    >>> from course_lib.recipes import Recipe
    >>> train, validation = training_rows(Recipe("lora", data="facts", paraphrases=5, train_examples=10, eval_examples=4))
    >>> len(train), len(validation), len({r["fact_index"] for r in train})
    (50, 4, 10)
    """
    from course_lib import data
    from course_lib.knowledge_pairs import knowledge_pairs, raft_examples
    from course_lib.recipes import nested_sample

    # Named documents may include the knowledge update (the week-10 menus), which a retraining learns.
    docs = [d for d in data.load_knowledge(list(rec.kinds), include_update=bool(rec.documents))
            if d["id"].startswith(tuple(rec.documents) or "")]
    if not docs:
        raise ValueError(f"no {'/'.join(rec.kinds)} records start with {rec.documents}: check the recipe's documents.")
    if rec.data == "raft":
        from course_lib.retrieval_evaluation import RAG_CHARS, RAG_K

        # Prompts as the RAG of lessons 10 and 11 builds them: RAG_K passages cut to RAG_CHARS (whole menus).
        rows = raft_examples(docs, n=rec.train_examples + rec.eval_examples, seed=rec.seed,
                             distractors=RAG_K - 1, max_chars=RAG_CHARS)
        return rows[:rec.train_examples], rows[rec.train_examples:]
    if rec.data != "facts":
        raise ValueError(f"training_rows() builds 'facts' or 'raft' data, got data={rec.data!r}.")
    if not 1 <= rec.paraphrases < WORDINGS:
        raise ValueError(f"paraphrases must be from 1 to {WORDINGS - 1} (one more wording is held out for "
                         f"validation), got {rec.paraphrases!r}.")
    by_fact: dict[str, list[dict]] = defaultdict(list)
    for row in knowledge_pairs(docs, paraphrases=WORDINGS, seed=rec.seed):
        by_fact[row["id"].rsplit("-", 1)[0]].append(row)
    for rows in by_fact.values():
        rows.sort(key=lambda r: r["id"])                       # wording 0, 1, ... of each fact
    chosen = nested_sample(sorted(by_fact), rec.train_examples, rec.seed)
    train = [{**r, "fact_index": f} for f in chosen for r in by_fact[f][:rec.paraphrases]]
    held_out = [{**by_fact[f][-1], "fact_index": f} for f in chosen[:rec.eval_examples]]
    return train, held_out


class ControlledContext:
    """A retriever that decides whether the gold documents reach the prompt, for evaluating RAFT.

    ``mode="oracle"``: the question's gold documents first, then the ``inner`` retriever's other hits
    as distractors; ``"distractors"``: only the inner retriever's hits that are not gold;
    ``"retrieved"``: the inner retriever unchanged. ``gold`` maps each question text to its gold ids.

    >>> from course_lib.vectorstore import Hit
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
        from course_lib.vectorstore import Hit

        if self.mode == "retrieved":
            return self.inner.search(query, k)
        if query not in self.gold:
            raise KeyError(f"no gold documents for {query!r}: pass gold={{question: [doc ids]}} for every question asked.")
        gold = list(self.gold[query])
        others = [h for h in self.inner.search(query, k + len(gold)) if h.id not in gold]
        if self.mode == "distractors":
            return others[:k]
        return ([Hit(g, 1.0, {"oracle": True}) for g in gold] + others)[:k]
