"""Training rows for lesson 11's knowledge recipes (facts in the weights, and RAFT), checked against the evaluation questions.

Two recipes of ``course_lib.finetuning.recipes`` learn from the knowledge base instead of the person's
dialogues (``Recipe.data``):

- ``"facts"``: every fact of the chosen document kinds as question-answer pairs
  (``knowledge_pairs``), ``paraphrases`` wordings per fact: knowledge injection by fine-tuning
  (Ovadia et al. 2024 found it needs many paraphrases to work at all);
- ``"raft"``: questions after their document mixed with distractors, or after distractors only,
  answered with a cited quote or "I don't know" (retrieval-aware fine-tuning, Zhang et al. 2024);
- ``"reader"`` and ``"reader-abstain"``: RAFT over records in lesson 09's reader prompt, the answer kept
  as the target without the oracle, or "I don't know" there (``reader_data``).

Both are built from the knowledge base by seeded functions, never from the evaluation questions.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from typing import Any, Mapping, Sequence

from course_lib import data
from course_lib.finetuning.knowledge_pairs import knowledge_pairs, raft_examples
from course_lib.finetuning.reader_data import reader_examples, training_documents
from course_lib.rag.pipeline import RAG_CHARS, RAG_K
from course_lib.rag.records import record_chunks
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
    if rec.data in ("reader", "reader-abstain"):
        # Lesson 11's reader: records of documents no question asks about (and the first weeks' menus).
        docs = training_documents(docs, data.load_questions())
        rows = reader_examples(docs, record_chunks(docs), n=rec.train_examples + rec.eval_examples, seed=rec.seed,
                               abstain=rec.data == "reader-abstain")
        return rows[:rec.train_examples], rows[rec.train_examples:]
    if rec.data == "raft":
        # Prompts as the RAG of lessons 10 and 11 builds them: RAG_K passages cut to RAG_CHARS (whole menus).
        rows = raft_examples(docs, n=rec.train_examples + rec.eval_examples, seed=rec.seed,
                             distractors=RAG_K - 1, max_chars=RAG_CHARS)
        return rows[:rec.train_examples], rows[rec.train_examples:]
    if rec.data != "facts":
        raise ValueError(f"training_rows() builds 'facts', 'raft', 'reader' or 'reader-abstain' data, got data={rec.data!r}.")
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


def _tokens(text: str) -> list[str]:
    text = re.sub(r"(\d)([a-z])", r"\1 \2", text.lower().replace("\u2019", "'"))  # "100g" = "100 g"
    return re.findall(r"[a-z0-9€]+(?:[-.'][a-z0-9]+)*", text)


def _question_of(row: Mapping[str, Any]) -> str:
    if isinstance(row, str):
        return row
    if "question" in row:
        return row["question"]
    user = [m["content"] for m in row["messages"] if m["role"] == "user"][-1]
    return user.rsplit("\nQuestion: ", 1)[-1]


def overlapping_questions(rows: Sequence[Any], questions: Sequence[Any], threshold: float = 0.8) -> list[tuple]:
    """Training questions equal to, or near-duplicates of, evaluation questions: ``(row id, training
    question, evaluation question, token Jaccard)``, most similar first.

    Texts are compared as sets of lower-case word tokens ("100g" counts as "100 g", punctuation is
    ignored); equal token sequences have Jaccard 1. At the default 0.8 a question 8-12 words long may
    differ by one or two words (an article, "What's" for "What is", one more word) and still count as a
    copy, while a rewording of the same fact that changes its frame stays well below. ``rows`` are
    dialogue rows (their ``question``, else the last user turn after ``Question:``) or strings;
    ``questions`` are ``data.load_questions()`` rows or strings.

    >>> overlapping_questions(["Price of dish D-423 today?", "What does D-423 cost?"], ["Price of dish D-423?"])
    [('#0', 'Price of dish D-423 today?', 'Price of dish D-423?', 0.8)]
    """
    if isinstance(rows, (str, Mapping)) or isinstance(questions, (str, Mapping)):
        raise TypeError("rows and questions must be lists (of dialogue rows / question rows, or strings).")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a Jaccard similarity in (0, 1], got {threshold!r}.")
    evals = [q if isinstance(q, str) else q["question"] for q in questions]
    sets = [set(_tokens(q)) for q in evals]
    holding: dict[str, list[int]] = {}
    for j, s in enumerate(sets):
        for t in s:
            holding.setdefault(t, []).append(j)
    found = []
    for n, row in enumerate(rows):
        text = _question_of(row)
        mine = set(_tokens(text))
        # Prefix filter: a pair at or above the threshold shares at least one of any len(mine) -
        # ceil(threshold * len(mine)) + 1 of its tokens, so only the rarest few need looking up.
        rare = sorted(mine, key=lambda t: len(holding.get(t, ())))[:len(mine) - math.ceil(threshold * len(mine)) + 1]
        for j in {j for t in rare for j in holding.get(t, ())}:
            score = len(mine & sets[j]) / len(mine | sets[j])
            if score >= threshold:
                row_id = row.get("id", f"#{n}") if isinstance(row, Mapping) else f"#{n}"
                found.append((row_id, text, evals[j], round(score, 3)))
    return sorted(found, key=lambda f: -f[3])
