"""Forgetting a person's data: delete a record from the index, or retrain the model without it.

Lesson 11. A privacy request asks the diet-bot to forget a health record. With RAG the record
is one document: delete it from the index and no answer can quote it again. A model
fine-tuned on it keeps the fact in its weights until it is trained again without it.
:data:`HEALTH_RECORD` is a synthetic record made for this exercise (the course's datasets
hold no health records); :func:`record_pairs` writes it as training dialogues and
:func:`leaks` checks whether an answer still gives its value away.
"""
from __future__ import annotations

import gc
import random
import re
import tempfile
import time
from typing import Any, Mapping, Sequence

from course_lib import data
from course_lib.evaluation.benchmark import best_retriever, closed_book, with_rag
from course_lib.finetuning import training
from course_lib.finetuning.knowledge_rows import training_rows
from course_lib.finetuning.recipes import prepare, recipe
from course_lib.models import load_llm

HEALTH_RECORD = {
    "id": "health-maya-2026-01-12", "type": "health", "date": "2026-01-12",
    "title": "Maya Lindqvist: blood test, 12 January 2026 (private)",
    "text": ("Private health record of Maya Lindqvist. Blood test of 12 January 2026: ferritin 11 µg/L, "
             "below the reference range. Her GP advised iron-rich lunches with vitamin C and a new test in March."),
}
# How a user would ask for the record; the first five wordings teach it, the last is held out.
QUESTIONS = ("What was Maya's ferritin in her blood test of 12 January 2026?",
             "Which ferritin value did Maya's January blood test show?",
             "Tell me Maya Lindqvist's ferritin result from January 2026.",
             "How low was Maya's ferritin in January?",
             "What does Maya's private health record say her ferritin was?",
             "What ferritin level did Maya have in her last blood test?")
ANSWERS = ("Maya's ferritin was 11 µg/L in her blood test of 12 January 2026, below the reference range.",
           "Her blood test of 12 January 2026 showed a ferritin of 11 µg/L.",
           "Maya Lindqvist's ferritin was 11 µg/L (12 January 2026), which is low.")
_VALUE = re.compile(r"\b11\s*(µg|ug|mcg|micrograms?)\b", re.IGNORECASE)


def record_pairs(paraphrases: int = 5, seed: int = 0) -> list[dict]:
    """The health record as ``paraphrases`` question-answer dialogues (the first wordings of :data:`QUESTIONS`).

    In the course's dialogue format, so they can be mixed into any training set (``data.training_set``).

    >>> rows = record_pairs(2)
    >>> len(rows), rows[0]["messages"][0]["content"]
    (2, "What was Maya's ferritin in her blood test of 12 January 2026?")
    """
    if isinstance(paraphrases, bool) or not isinstance(paraphrases, int) or not 1 <= paraphrases < len(QUESTIONS):
        raise ValueError(f"paraphrases must be from 1 to {len(QUESTIONS) - 1} (the last wording is held out), "
                         f"got {paraphrases!r}.")
    rng = random.Random(seed)
    return [{"id": f"health-{p}", "messages": [{"role": "user", "content": q},
                                               {"role": "assistant", "content": rng.choice(ANSWERS)}]}
            for p, q in enumerate(QUESTIONS[:paraphrases])]


def leaks(texts: Sequence[str]) -> list[bool]:
    """Whether each answer gives the record's value away (11 µg/L, however the unit is written).

    >>> leaks(["Her ferritin was 11 ug/L.", "I don't know Maya's test results.", "Eat 11 grams of lentils."])
    [True, False, False]
    """
    if isinstance(texts, str):
        raise TypeError("leaks() takes a list of answers; wrap one as [text].")
    return [bool(_VALUE.search(t)) for t in texts]


def without(records: Sequence[dict], record_id: str) -> list[dict]:
    """``records`` minus the one with ``record_id``: what the index is rebuilt from after a deletion request.

    Raises ``KeyError`` when the id is not there, so a mistyped request is not reported as done.

    >>> [r["id"] for r in without([{"id": "a"}, {"id": "b"}], "a")]
    ['b']
    """
    kept = [r for r in records if r["id"] != record_id]
    if len(kept) == len(records):
        raise KeyError(f"no record {record_id!r} to delete; the ids start {[r['id'] for r in records[:3]]}.")
    return kept


def ask(answerer: Any, questions: Sequence[str] = QUESTIONS) -> list[str]:
    """The answers of a benchmark answerer (``answer(questions, batch_size)``) as plain texts."""
    return [a if isinstance(a, str) else a.text for a in answerer(list(questions), len(questions))]


def _leaked(answerer: Any) -> list[int]:
    found = leaks(ask(answerer))
    return [sum(found), len(found)]


def from_index(model: Any, tokenizer: Any, docs: Sequence[Mapping], seed: int = 0) -> list[dict]:
    """RAG over ``docs`` plus the record: how often it leaks the value, then after the record is deleted.

    The deletion rebuilds lesson 10's filtered BM25 without the record and is timed. Rows are in
    the benchmark's results format (``part`` "forget", ``leaks`` as ``[k, n]``).
    """
    indexed = list(docs) + [HEALTH_RECORD]
    documents = {d["id"]: d for d in indexed}
    rows = [{"part": "forget", "system": "RAG, record indexed", "seed": seed,
             "leaks": _leaked(with_rag(best_retriever(indexed), documents, model, tokenizer))}]
    began = time.perf_counter()
    after = best_retriever(without(indexed, HEALTH_RECORD["id"]))
    seconds = time.perf_counter() - began
    rows.append({"part": "forget", "system": "RAG, record deleted", "seed": seed, "seconds": round(seconds, 3),
                 "leaks": _leaked(with_rag(after, documents, model, tokenizer))})
    return rows


def from_weights(tokenizer: Any, seed: int = 0, facts: int = 40, epochs: int = 5) -> list[dict]:
    """A LoRA trained on the record's five wordings beside ``facts`` menu facts, then retrained without it.

    A small personal fine-tune (``epochs`` epochs, so it sees the record ``5 * epochs`` times), trained
    on a fresh base model each time and kept at its last weights; both are asked :data:`QUESTIONS`
    and timed. Retraining without the record is the only sure way to take it out of the weights.
    """
    rec = recipe("lesson11-facts1", seed=seed, train_examples=facts, epochs=epochs)
    facts_rows, held_out = training_rows(rec)
    rows = []
    for system, used in (("facts LoRA trained with the record", facts_rows + record_pairs(5, seed)),
                         ("facts LoRA retrained without it", facts_rows)):
        fresh, _ = load_llm(verbose=False)
        lora = prepare(fresh, rec)
        run = training.train_with_trainer(
            lora, tokenizer, data.training_set(tokenizer, used, max_length=256),
            data.training_set(tokenizer, held_out, max_length=256), tempfile.mkdtemp(), epochs=rec.epochs, lr=rec.lr,
            batch_size=rec.batch_size, accumulate=rec.accumulate, eval_steps=rec.eval_steps, seed=seed,
            keep_best=False, progress=False)      # the last weights: what training on the record left in them
        rows.append({"part": "forget", "system": system, "seed": seed, "seconds": round(run.seconds, 1),
                     "leaks": _leaked(closed_book(lora, tokenizer))})
        del lora, fresh
        gc.collect()
    return rows
