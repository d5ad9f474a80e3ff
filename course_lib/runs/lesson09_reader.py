"""Lesson 09's reader, improved one lever at a time: records, a short instruction, a worked example, abstention.

With the gold section in its prompt the course model answered about a quarter of lesson 09's fact questions.
This module measures what a RAG builder can change without training, each step on the same questions as
the step before it (paired, exact McNemar, Holm over the ladder):

1. ``gold sections``: lesson 09's ceiling, the two best gold sections (structure chunks) and its prompt;
2. ``answer record``: the one record (:mod:`course_lib.rag.records`) that holds the answer, same prompt;
3. ``+ short instruction``: ``reader.READER_SYSTEM`` (a few words, then the source id);
4. ``+ worked example``: one invented example like the record (``reader.example_for``);
5. ``+ 24 new tokens``: half the answer length.

Then the same levers with real retrieval (no oracle): lesson 09's RAG over sections against RAG over
records, and the records pipeline that abstains when a named date or dish code matches no document; and
the records pipeline on the update week's questions with and without the week in the index.
Questions: the fact questions (static, weekly, keyword, vague; preference questions need the person,
which only lesson 11's systems know), the update week's questions with the update added, and for
retrieval the unanswerable ones. Writes ``results/lesson09_reader.json``::

    python -m course_lib.runs.lesson09_reader        # part of make rag-evaluation, about 25 minutes
"""
from __future__ import annotations

import argparse
import sys
import time
from itertools import pairwise
from typing import Any, Mapping, Sequence

from course_lib import data, results
from course_lib.models import load_embedder, load_llm
from course_lib.paired import holm, mcnemar
from course_lib.rag.pipeline import RAG, RAG_SYSTEM
from course_lib.rag.query_filters import FilteredRetriever
from course_lib.rag.reader import READER_SYSTEM, example_for
from course_lib.rag.records import record_chunks
from course_lib.rag.retrievers import DenseRetriever
from course_lib.runs.lesson09_rag import CHUNK_TOKENS, GoldPassages, grade_row, rates_row, structure_chunks
from course_lib.evaluation.grading import admits_unknown
from course_lib.stats import Proportion, proportion_of, stratified_sample

# Questions that ask for one fact (lesson 11's benchmark.FACT_TYPES is another set: the facts of its slice).
ONE_FACT_TYPES = ("static_fact", "weekly_fact", "keyword", "vague")
RESULTS = "lesson09_reader.json"
COMMAND = "make rag-evaluation"
K_SECTIONS, K_RECORDS, MAX_NEW = 2, 3, 48
# (name, passages, k, system, worked example, new tokens): each step changes one thing from the one before.
LADDER = (("gold sections", "sections", K_SECTIONS, RAG_SYSTEM, False, MAX_NEW),
          ("answer record", "records", 1, RAG_SYSTEM, False, MAX_NEW),
          ("+ short instruction", "records", 1, READER_SYSTEM, False, MAX_NEW),
          ("+ worked example", "records", 1, READER_SYSTEM, True, MAX_NEW),
          ("+ 24 new tokens", "records", 1, READER_SYSTEM, True, 24))


def ladder_tests(rows: Sequence[Mapping[str, Any]], metric: str = "right") -> dict[str, dict]:
    """Each step of the ladder against the step before it on the same questions: McNemar, Holm-adjusted.

    >>> rows = [{"part": "ladder", "system": "gold sections", "per question": {"right": {"q1": 0, "q2": 0}}},
    ...         {"part": "ladder", "system": "answer record", "per question": {"right": {"q1": 1, "q2": 1}}}]
    >>> t = ladder_tests(rows)["answer record"]
    >>> t["before"], t["only before"], t["only after"], t["p"], t["p, Holm"]
    ('gold sections', 0, 2, 0.5, 0.5)
    """
    order = [name for name, *_ in LADDER]       # a stored file keeps its rows sorted by name, not by step
    steps = sorted((r for r in rows if r["part"] == "ladder"),
                   key=lambda r: order.index(r["system"]) if r["system"] in order else len(order))
    tests = {after["system"]: (before["system"], mcnemar(after["per question"][metric], before["per question"][metric]))
             for before, after in pairwise(steps)}
    adjusted = holm({name: t.p_value for name, (_, t) in tests.items()})
    return {name: {"before": before, "only before": t.only_b, "only after": t.only_a, "p": round(t.p_value, 4),
                   "p, Holm": round(adjusted[name], 4), "sentence": t.sentence} for name, (before, t) in tests.items()}


def questions_of(types: Sequence[str], limit: int | None = None) -> list[dict]:
    """The questions of ``types``, or for a quick check a sample of ``limit`` of them stratified by type.

    >>> len(questions_of(["update_fact"])), len(questions_of(["update_fact"], limit=3))
    (25, 3)
    """
    qs = data.load_questions(list(types))
    return qs if limit is None else stratified_sample(qs, min(limit, len(qs)), key="type")


def outcomes(row: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Proportion]:
    """A stored row's rates by question set: right on the fact questions and on the update week's, refused
    ("I don't know") on those answerable ones, hallucinated on the unanswerable ones (when it asked them).

    >>> row = {"per question": {"right": {"q1": 1, "q2": 0}}, "answers": {"q1": "5 g", "q2": "I don't know."}}
    >>> {k: str(v) for k, v in outcomes(row, {"q1": {"type": "keyword"}, "q2": {"type": "update_fact"}}).items()}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'right, facts': '1/1 = 100% (95% CI 21–100%)', 'right, update week': '0/1 = 0% (95% CI 0–79%)',
     'refused, answerable': '1/2 = 50% (95% CI 9–91%)'}
    """
    questions = questions or {q["id"]: q for q in data.load_questions()}
    right = row["per question"]["right"]
    flags = {"right, facts": [v for q, v in right.items() if questions[q]["type"] in ONE_FACT_TYPES],
             "right, update week": [v for q, v in right.items() if questions[q]["type"] == "update_fact"],
             "refused, answerable": [admits_unknown(row["answers"][q]) for q in right],
             "hallucinated, unanswerable": list(row["per question"].get("hallucinated", {}).values())}
    return {name: proportion_of(f) for name, f in flags.items() if f}     # a set the run did not ask is left out


def _row(part: str, system: str, pipeline: RAG, questions: Sequence[Mapping[str, Any]], **about: Any) -> dict:
    began = time.perf_counter()
    answers = pipeline.answer_many([q["question"] for q in questions], batch_size=8, progress=False)
    row = {"part": part, "system": system, "seed": None, **about, **rates_row(answers, questions)}
    row["seconds"] = round(time.perf_counter() - began, 1)
    print(f"{part} / {system}: right {row.get('right')}, hallucinated {row.get('hallucinated')}, "
          f"{row['seconds']:.0f} s", flush=True)
    return row


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.runs.lesson09_reader", description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", default=["ladder", "retrieval", "update"],
                        choices=["ladder", "retrieval", "update"])
    parser.add_argument("--limit", type=int, default=None, help="a quick check: this many questions of each set")
    parser.add_argument("--out", default=None, help="where to write (default: results/" + RESULTS + ")")
    parser.add_argument("--regrade", action="store_true", help="grade the stored answers again; no model")
    args = parser.parse_args(argv)
    if args.regrade:
        print(results.regrade(RESULTS, grade_row, ("part", "system", "seed"), "python -m course_lib.runs.lesson09_reader --regrade"))
        return 0

    model, tokenizer = load_llm(verbose=False)
    embedder = load_embedder()
    knowledge, update = data.load_knowledge(), data.load_update()
    facts, updated, unanswerable = (questions_of(t, args.limit) for t in (ONE_FACT_TYPES, ["update_fact"], ["unanswerable"]))
    # Every document, the update week's too: the update has been added (lesson 09's "RAG, after").
    passages = {"sections": structure_chunks(knowledge + update, embedder.tokenizer),
                "records": record_chunks(knowledge + update, embedder.tokenizer, max_tokens=CHUNK_TOKENS)}
    by_id = {kind: {p["id"]: p for p in chunks} for kind, chunks in passages.items()}
    dense = {kind: DenseRetriever(chunks, embedder) for kind, chunks in passages.items()}
    rows: list[dict] = []
    if "ladder" in args.parts:      # the oracle: the answer's own passages are shown
        asked = facts + updated
        golds = {kind: GoldPassages(dense[kind], by_id[kind], asked) for kind in passages}
        for name, kind, k, system, example, new in LADDER:
            gold, records = golds[kind], by_id[kind]
            rag = RAG(gold, records, model, tokenizer, k=k, system=system, max_new_tokens=new,
                      example=example_for if example else None)
            rows.append(_row("ladder", name, rag, asked, k=k, passages=kind, max_new_tokens=new))
    if "retrieval" in args.parts:   # what retrieval really finds
        asked = facts + updated + unanswerable
        for name, kind, k, system, example, abstain in (
                ("RAG, sections", "sections", K_SECTIONS, RAG_SYSTEM, False, False),
                ("RAG, records", "records", K_RECORDS, READER_SYSTEM, True, False),
                ("RAG, records, abstains", "records", K_RECORDS, READER_SYSTEM, True, True)):
            rag = RAG(FilteredRetriever(dense[kind]), by_id[kind], model, tokenizer, k=k,
                      system=system, max_new_tokens=MAX_NEW, example=example_for if example else None, abstain=abstain)
            rows.append(_row("retrieval", name, rag, asked, k=k, passages=kind, max_new_tokens=MAX_NEW))
    if "update" in args.parts:      # the records pipeline on the update week, with the week indexed and without it
        rag = RAG(FilteredRetriever(dense["records"]), by_id["records"], model, tokenizer, k=K_RECORDS,
                  system=READER_SYSTEM, max_new_tokens=MAX_NEW, example=example_for)
        rows.append(_row("update", "RAG, records, after the update", rag, updated, k=K_RECORDS, passages="records"))
        dense["records"].delete([r["id"] for r in passages["records"] if r["doc_id"] in {d["id"] for d in update}])
        rows.append(_row("update", "RAG, records, before the update", rag, updated, k=K_RECORDS, passages="records"))
    command = "python -m course_lib.runs.lesson09_reader " + " ".join(argv if argv is not None else sys.argv[1:])
    out = args.out or results.path_of(RESULTS)
    results.save(rows, command.strip(), out, key=("part", "system", "seed"))
    print(f"wrote {out}")
    return 0


def load_results(path: Any | None = None) -> dict:
    """The stored run (``runs``: date and command; ``rows``: one per part and system)."""
    return results.load(path or results.path_of(RESULTS), COMMAND, "about 25 minutes on 2 cores")


if __name__ == "__main__":
    sys.exit(main())
