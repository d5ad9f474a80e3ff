"""Lesson 11's trained reader: RAFT over records, and RAFT-style with abstention, against the base reader.

Both recipes (``lesson11-reader``, ``lesson11-reader-abstain``; ``course_lib.finetuning.reader_data``) train a
LoRA on questions about documents that no evaluation question asks about (and the menus of the first weeks),
in lesson 09's reader prompt over three records. Each trained model and the base model (which gets the
worked example instead of training) answer every one-fact question, every update-week question (documents
never seen in training) and every unanswerable one, in two conditions:

- ``oracle``: the answer-bearing record first, then two retrieved records that are not it;
- ``retrieved``: the three records the filtered dense search finds (the update week indexed).

A trained reader is graded on what follows its last "Answer:" (``reader_data.final_answer``): its quote holds
other numbers of the same line. Writes ``results/lesson11_reader.json``::

    python -m course_lib.runs.lesson11_reader --seeds 0 1 2        # part of make benchmark, about 25 minutes a seed
"""
from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
import time
from typing import Any, Mapping, Sequence

from course_lib import data, results
from course_lib.results import compare_systems
from course_lib.finetuning.reader_data import TRAIN_WEEKS, final_answer
from course_lib.finetuning.recipes import build, recipe
from course_lib.models import load_embedder, load_llm
from course_lib.rag.controlled import ControlledContext
from course_lib.rag.pipeline import RAG
from course_lib.rag.query_filters import FilteredRetriever
from course_lib.rag.reader import READER_SYSTEM, example_for
from course_lib.rag.records import record_chunks
from course_lib.rag.retrievers import DenseRetriever
from course_lib.runs.lesson09_rag import CHUNK_TOKENS, GoldPassages, grade_row, rates_row
from course_lib.runs.lesson09_reader import ONE_FACT_TYPES, outcomes, questions_of
from course_lib.stats import Proportion, proportion_of

RESULTS = "lesson11_reader.json"
COMMAND = "make benchmark"
RECIPES = ("lesson11-reader", "lesson11-reader-abstain")
K, MAX_NEW = 3, 48
LABELS = {"base": "base reader", "lesson11-reader": "RAFT reader", "lesson11-reader-abstain": "RAFT reader, abstains"}


def graded_text(answers: Sequence[Any], trained: bool) -> list[Any]:
    """The answers as the grader reads them: a trained reader's final answer, the base model's whole text.

    >>> from course_lib.rag.pipeline import RagAnswer
    >>> a = RagAnswer("Q?", '"Price €2.50 | protein 4 g" [m#4] Answer: 4 g', [], [], 0, 0.0, 0.0, [])
    >>> graded_text([a], trained=True)[0].text, graded_text([a], trained=False)[0].text[-3:]
    ('4 g', '4 g')
    """
    return [dataclasses.replace(a, text=final_answer(a.text)) if trained else a for a in answers]


def _rows(who: str, seed: int | None, model: Any, tokenizer: Any, retriever: Any, records: Mapping,
          gold: Mapping[str, list[str]], answerable: Sequence[Mapping], unanswerable: Sequence[Mapping],
          extra: Mapping[str, Any]) -> list[dict]:
    trained = who != "base"
    rows = []
    for condition, inner, asked in (("oracle", ControlledContext(retriever, gold, "oracle"), answerable),
                                    ("retrieved", retriever, list(answerable) + list(unanswerable))):
        rag = RAG(inner, records, model, tokenizer, k=K, system=READER_SYSTEM, max_new_tokens=MAX_NEW,
                  example=None if trained else example_for)
        began = time.perf_counter()
        raw = rag.answer_many([q["question"] for q in asked], batch_size=16, progress=False)
        row = {"part": condition, "system": LABELS[who], "seed": seed, **extra,
               **rates_row(graded_text(raw, trained), asked), "raw answers": {q["id"]: a.text for q, a in zip(asked, raw, strict=True)},
               "seconds": round(time.perf_counter() - began, 1)}
        print(f"{LABELS[who]} seed {seed}, {condition}: right {row['right']}, hallucinated {row.get('hallucinated')}",
              flush=True)
        rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.runs.lesson11_reader", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the readers")
    parser.add_argument("--recipes", nargs="+", default=list(RECIPES), choices=list(RECIPES))
    parser.add_argument("--no-base", action="store_true", help="skip the base reader (already stored)")
    parser.add_argument("--limit", type=int, default=None, help="a quick check: this many questions of each set")
    parser.add_argument("--out", default=None, help="where to write (default: results/" + RESULTS + ")")
    parser.add_argument("--regrade", action="store_true", help="grade the stored answers again; no model")
    args = parser.parse_args(argv)
    if args.regrade:
        print(results.regrade(RESULTS, grade_row, ("part", "system", "seed"), "python -m course_lib.runs.lesson11_reader --regrade"))
        return 0

    base, tokenizer = load_llm(verbose=False)
    embedder = load_embedder()
    chunks = record_chunks(data.load_knowledge(include_update=True), embedder.tokenizer, max_tokens=CHUNK_TOKENS)
    records = {c["id"]: c for c in chunks}
    dense = DenseRetriever(chunks, embedder)
    answerable = questions_of(ONE_FACT_TYPES, args.limit) + questions_of(["update_fact"], args.limit)
    unanswerable = questions_of(["unanswerable"], args.limit)
    oracle = GoldPassages(dense, records, answerable).by_question        # the answer-bearing record first
    gold = {q: ids[:1] for q, ids in oracle.items()}
    retriever = FilteredRetriever(dense)
    command = "python -m course_lib.runs.lesson11_reader " + " ".join(argv if argv is not None else sys.argv[1:])
    out = args.out or results.path_of(RESULTS)

    def save(rows: list[dict]) -> None:       # after every model: an interrupted run keeps what it measured
        results.save(rows, command.strip(), out, key=("part", "system", "seed"), k=K, max_new_tokens=MAX_NEW)
        print(f"wrote {out}", flush=True)

    if not args.no_base:
        save(_rows("base", None, base, tokenizer, retriever, records, gold, answerable, unanswerable,
                   {"training seconds": 0.0}))
    for name in args.recipes:
        for seed in args.seeds:
            fresh, _ = load_llm(verbose=False)
            built = build(name, fresh, tokenizer, recipe(name, seed=seed), progress=False)
            save(_rows(name, seed, built.model, tokenizer, retriever, records, gold, answerable, unanswerable,
                       {"training seconds": round(built.run.seconds, 1), "trained now": built.trained_now}))
            del built, fresh
            gc.collect()
    return 0


def _only(rows: Sequence[Mapping[str, Any]], types: Sequence[str], questions: Mapping[str, Mapping]) -> list[dict]:
    """The rows with their right/wrong outcomes cut to questions of ``types`` (for a paired test on that set)."""
    return [{**r, "per question": {"right": {q: v for q, v in r["per question"]["right"].items()
                                             if questions[q]["type"] in types}}} for r in rows]


def seen_and_unseen(row: Mapping[str, Any], questions: Mapping[str, Mapping]) -> dict[str, Proportion]:
    """A trained reader's right answers split by whether the question's documents were among its training
    documents (the menus of ``reader_data.TRAIN_WEEKS``); nothing for the base reader, which trained on none.

    >>> row = {"system": "RAFT reader", "per question": {"right": {"a": 1, "b": 0}}}
    >>> qs = {"a": {"gold_doc_ids": ["menu-w02-mon"]}, "b": {"gold_doc_ids": ["nut-0001"]}}
    >>> {k: str(v).split(" =")[0] for k, v in seen_and_unseen(row, qs).items()}
    {'right, documents trained on': '1/1', 'right, documents never seen': '0/1'}
    """
    if row["system"] == LABELS["base"]:
        return {}
    right = row["per question"]["right"]
    seen = {q: any(g.startswith(TRAIN_WEEKS) for g in questions[q]["gold_doc_ids"]) for q in right}
    split = {"right, documents trained on": [right[q] for q in right if seen[q]],
             "right, documents never seen": [right[q] for q in right if not seen[q]]}
    return {name: proportion_of(flags) for name, flags in split.items() if flags}


def report(stored: Mapping[str, Any], questions: Mapping[str, Mapping] | None = None) -> str:
    """Every system in both conditions: each seed's rates (never pooled as if seeds were more questions), and
    each trained reader against the base reader on the fact questions and on the update week (paired; seeds
    resampled inside questions)."""
    questions = questions or {q["id"]: q for q in data.load_questions()}
    lines = []
    for part in ("oracle", "retrieved"):
        rows = [r for r in stored["rows"] if r["part"] == part]
        lines.append(f"--- {part} context")
        for system in LABELS.values():
            mine = sorted((r for r in rows if r["system"] == system), key=lambda r: -1 if r["seed"] is None else r["seed"])
            if not mine:
                continue
            each = [{**outcomes(r, questions), **seen_and_unseen(r, questions)} for r in mine]
            for name in each[0]:
                counts = "; ".join(str(o[name]) for o in each)
                lines.append(f"{system:23} {name:27} {counts}" + (" (seeds " + ", ".join(str(r["seed"]) for r in mine) + ")"
                                                                 if len(mine) > 1 else ""))
            if part == "oracle" and mine[0].get("training seconds"):
                lines.append(f"{system:23} {'training seconds':27} " + ", ".join(f"{r['training seconds']:.0f}" for r in mine))
        for system in list(LABELS.values())[1:]:
            for label, types in (("facts", ONE_FACT_TYPES), ("update week", ("update_fact",))):
                if any(r["system"] == system for r in rows) and any(r["system"] == LABELS["base"] for r in rows):
                    test = compare_systems(_only(rows, types, questions), LABELS["base"], system, "right")
                    lines.append(f"base reader vs {system}, right on {label}: {test.sentence}")
    return "\n".join(lines)


def load_results(path: Any | None = None) -> dict:
    """The stored run (``runs``: date and command; ``rows``: one per condition, system and seed)."""
    return results.load(path or results.path_of(RESULTS), COMMAND, "about 25 minutes a seed on 2 cores (20 of them training)")


if __name__ == "__main__":
    sys.exit(main())
