"""Training rows for lesson 11's knowledge recipes: facts in the weights, and RAFT.

Two recipes of ``course_lib.finetuning.recipes`` learn from the knowledge base instead of the person's
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

from course_lib import data
from course_lib.finetuning.knowledge_pairs import knowledge_pairs, raft_examples
from course_lib.rag.pipeline import RAG_CHARS, RAG_K
from course_lib.stats import nested_sample

WORDINGS = 6   # question wordings drawn per fact: up to 5 to train on, and one more held out


def training_rows(rec: Any) -> tuple[list[dict], list[dict]]:
    """Training and validation dialogues of a ``"facts"`` or ``"raft"`` recipe (``course_lib.finetuning.recipes.Recipe``).

    Facts: ``rec.train_examples`` facts drawn with ``rec.seed`` (``stats.nested_sample``, so a
    smaller set is the start of a larger one), each with its first ``rec.paraphrases`` wordings
    for training; validation asks ``rec.eval_examples`` of the same facts in a wording held out
    from training, so its loss measures recall of the fact rather than of a sentence. With 1 and
    with 5 paraphrases the facts are the same and the one wording of the first is among the five
    of the second. RAFT: ``rec.train_examples + rec.eval_examples`` examples, split in that order.

    >>> from course_lib.finetuning.recipes import Recipe
    >>> train, validation = training_rows(Recipe("lora", data="facts", paraphrases=5, train_examples=10, eval_examples=4))
    >>> len(train), len(validation), len({r["fact_index"] for r in train})
    (50, 4, 10)
    """
    # Named documents may include the knowledge update (the week-10 menus), which a retraining learns.
    docs = [d for d in data.load_knowledge(list(rec.kinds), include_update=bool(rec.documents))
            if d["id"].startswith(tuple(rec.documents) or "")]
    if not docs:
        raise ValueError(f"no {'/'.join(rec.kinds)} records start with {rec.documents}: check the recipe's documents.")
    if rec.data == "raft":
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
