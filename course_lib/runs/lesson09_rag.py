"""Lesson 09's measurements on every question: closed book, RAG, gold context, the update, safety, latency.

Lesson 09 measures on a stated subset (15 answerable, 6 unanswerable and 6 update_fact questions,
6 attack questions) to stay within a notebook's five minutes. This module runs the same
pipeline on every question of the five answerable types, every unanswerable and every
``update_fact`` question, all 48 attack questions of ``course_lib.rag.safety``, and lesson 06's LoRA
trained with several seeds, and writes ``results/lesson09_rag.json`` for the lesson to show::

    python -m course_lib.runs.lesson09_rag --seeds 0 1 2      # part of make rag-evaluation

Generation is greedy, so only the LoRA's training depends on the seed.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any, Mapping, Sequence

from course_lib import data, results
from course_lib.evaluation.benchmark import score_answers
from course_lib.evaluation.grading import admits_unknown, contains_answer, judge_fact
from course_lib.finetuning import recipes
from course_lib.models import load_embedder, load_llm
from course_lib.rag import chunking
from course_lib.rag.pipeline import RAG, add_documents
from course_lib.rag.query_filters import FilteredRetriever
from course_lib.rag.retrievers import DenseRetriever, as_records
from course_lib.rag.safety import GUARDED_SYSTEM, MARKERS, PLANTED, attack_questions, injection_filter, mentions
from course_lib.rag.vectorstore import Hit
from course_lib.stats import stratified_sample

ANSWERABLE_TYPES = ("static_fact", "weekly_fact", "keyword", "vague", "preference_and_fact")
K, MAX_NEW, CHUNK_TOKENS = 2, 48, 200            # lesson 09's settings
RESULTS = "lesson09_rag.json"   # in paths.results_dir()
COMMAND = "make rag-evaluation"


def structure_chunks(docs: Sequence[Mapping[str, Any]], tokenizer: Any, max_tokens: int = CHUNK_TOKENS) -> list[dict]:
    """Lesson 09's passages: each document cut by its structure, as records with ``doc_id`` and metadata.

    >>> chunks = structure_chunks(data.load_knowledge(), embedder.tokenizer)   # doctest: +SKIP
    """
    return as_records(chunking.chunk_documents(docs, "structure", tokenizer=tokenizer, max_tokens=max_tokens))


def shows_gold(chunk_ids: Sequence[str], question: Mapping[str, Any]) -> bool:
    """True when one of ``chunk_ids`` (``"guide-04#3"``) is a chunk of one of the question's gold documents.

    >>> shows_gold(["menu-w02-mon#0", "guide-04#3"], {"gold_doc_ids": ["guide-04"]})
    True
    """
    return any(i.rsplit("#", 1)[0] in question["gold_doc_ids"] for i in chunk_ids)


def answer_shown(row: Mapping[str, Any], passages: Mapping[str, Mapping[str, Any]],
                 questions: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Per question of a stored accuracy row: did the passages chosen for the prompt hold an accepted answer
    *string* (not only a chunk of a gold document)? And the wrong answers split by it, so a "reading failure"
    counts only answers that had the answer in front of them. ``passages`` maps chunk ids to records with
    ``title`` and ``text`` (:func:`structure_chunks`); ``questions`` maps ids to questions (default: all).

    >>> row = {"contexts": {"q1": ["d#0"]}, "per question": {"right": {"q1": 0}, "gold in prompt": {"q1": 1}}}
    >>> out = answer_shown(row, {"d#0": {"title": "Menu", "text": "Leek soup, 9 g protein"}},
    ...                    questions={"q1": {"accepted": ["12 g"]}})
    >>> out["answer in prompt"], out["gold chunk, no answer string"]
    ([0, 1], 1)
    """
    questions = questions or {q["id"]: q for q in data.load_questions()}
    right, gold = row["per question"]["right"], row["per question"]["gold in prompt"]
    shown = {}
    for q, ids in row["contexts"].items():
        if q in right:
            text = "\n".join(f"{passages[i].get('title', '')}\n{passages[i]['text']}" for i in ids if i in passages)
            shown[q] = int(contains_answer(text, questions[q]["accepted"]))
    return {"answer in prompt": [sum(shown.values()), len(shown)],
            "wrong with the answer in the prompt": sum(1 for q, v in shown.items() if v and not right[q]),
            "gold chunk, no answer string": sum(1 for q, v in shown.items() if gold[q] and not v),
            "per question": shown}


class GoldPassages:
    """A stand-in retriever for the ceiling: the gold documents' chunks, those holding an accepted answer first.

    For each question, the chunks of its gold documents that contain an accepted answer verbatim,
    in the order ``dense`` ranks them (all its gold chunks when none does). RAG with this
    retriever measures how well the model reads when retrieval is perfect.
    """

    def __init__(self, dense: Any, documents: Mapping[str, Mapping[str, Any]], questions: Sequence[Mapping[str, Any]]):
        self.by_question: dict[str, list[str]] = {}
        for q in questions:
            ranked = [h.id for h in dense.search(q["question"], len(dense)) if shows_gold([h.id], q)]
            holds = [i for i in ranked if any(a in f"{documents[i]['title']}\n{documents[i]['text']}".lower()
                                              for a in q["accepted"])]
            self.by_question[q["question"]] = holds or ranked

    def search(self, query: str, k: int) -> list[Hit]:
        return [Hit(i, 1.0, {}) for i in self.by_question[query][:k]]


def rates_row(answers: Sequence[Any], questions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Rates as [k, n], and under ``"per question"`` each outcome by question id (for paired tests), plus
    the answers by question id (so the grader can be checked and re-run without the model)."""
    s = score_answers(answers, questions)
    row = {f"right {t}" if t != "unanswerable" else "hallucinated": [p.k, p.n] for t, p in s["by_type"].items()}
    texts = [a if isinstance(a, str) else a.text for a in answers]
    per = {"hallucinated": {q["id"]: int(not admits_unknown(t))
                            for t, q in zip(texts, questions, strict=True) if q["type"] == "unanswerable"}}
    if s["accuracy"] is not None:
        row["right"] = [s["accuracy"].k, s["accuracy"].n]
    pairs = [(a, t, q) for a, t, q in zip(answers, texts, questions, strict=True) if q["type"] != "unanswerable"]
    per["right"] = {q["id"]: int(judge_fact(t, q["accepted"]) == "correct") for _, t, q in pairs}
    if pairs and not isinstance(pairs[0][0], str) and any(a.retrieved_ids for a, _, _ in pairs):   # not closed book
        shown = [shows_gold(a.context_ids, q) for a, _, q in pairs]
        wrong = [not per["right"][q["id"]] for _, _, q in pairs]
        row["reading failures"] = sum(s and w for s, w in zip(shown, wrong, strict=True))
        row["retrieval failures"] = sum(not s and w for s, w in zip(shown, wrong, strict=True))
        row["gold in prompt"] = [sum(shown), len(shown)]
        row["cites an id"] = [sum(bool(a.cited_ids) for a in answers), len(answers)]
        per["gold in prompt"] = {q["id"]: int(v) for (_, _, q), v in zip(pairs, shown, strict=True)}
        row["contexts"] = {q["id"]: list(a.context_ids) for a, q in zip(answers, questions, strict=True)}
    row["per question"] = {m: v for m, v in per.items() if v}
    row["answers"] = {q["id"]: t for t, q in zip(texts, questions, strict=True)}
    return row


def grade_row(row: Mapping[str, Any]) -> dict | None:
    """A row with stored answers (lesson 09's accuracy and update parts, and the readers' rows) graded again from its stored answers (``None`` for a row without them): right
    answers and hallucinations per type and per question, and reading against retrieval failures from the
    stored "gold in prompt" outcomes. Which chunks were shown and which ids were cited do not change."""
    if not row.get("answers"):       # safety and latency rows (and rows stored before answers were) have none
        return None
    by_id = {q["id"]: q for q in data.load_questions()}
    questions = [by_id[q] for q in row["answers"]]
    graded = rates_row(list(row["answers"].values()), questions)
    shown = row.get("per question", {}).get("gold in prompt")
    if shown:
        wrong = {q: not v for q, v in graded["per question"]["right"].items()}
        graded["reading failures"] = sum(shown[q] and w for q, w in wrong.items())
        graded["retrieval failures"] = sum(not shown[q] and w for q, w in wrong.items())
        graded["per question"]["gold in prompt"] = shown
    return {**row, **graded}


def accuracy_rows(rag: Any, gold: Any, answerable: Sequence[Mapping], unanswerable: Sequence[Mapping]) -> list[dict]:
    """Closed book, RAG and gold context on every question: right answers and hallucinations, as rows."""
    asked = list(answerable) + list(unanswerable)
    rows = []
    for system, pipeline, qs in (("closed book", rag.closed_book(), asked), ("RAG", rag, asked),
                                 ("gold context", gold, answerable)):
        answers = pipeline.answer_many([q["question"] for q in qs], batch_size=16 if pipeline.k == 0 else 4)
        rows.append({"part": "accuracy", "system": system, "seed": None, **rates_row(answers, qs)})
    return rows


def update_rows(rag: Any, dense: Any, update_chunks: Sequence[Mapping], update_qs: Sequence[Mapping],
                tokenizer: Any, seeds: Sequence[int], repeats: int = 3) -> list[dict]:
    """The knowledge update: RAG before and after adding the new week (timed ``repeats`` times), and the
    LoRA of lesson 06 trained with each seed (its training seconds and its answers)."""
    questions = [q["question"] for q in update_qs]
    before = rag.answer_many(questions, batch_size=4)
    closed = rag.closed_book().answer_many(questions, batch_size=16)
    seconds = []
    for n in range(repeats):
        if n:
            dense.delete([c["id"] for c in update_chunks])      # the same update again, for a spread
        seconds.append(add_documents(dense, update_chunks, documents=rag.documents))
    after = rag.answer_many(questions, batch_size=4)
    rows = [{"part": "update", "system": name, "seed": None, **rates_row(a, update_qs)}
            for name, a in (("closed book", closed), ("RAG, before", before), ("RAG, after", after))]
    rows[-1]["update seconds"] = [round(s, 3) for s in seconds]
    return rows + [_lora_update_row(update_qs, tokenizer, seed) for seed in seeds]


def _lora_update_row(update_qs: Sequence[Mapping], tokenizer: Any, seed: int) -> dict:
    import gc

    rec = recipes.recipe("lesson06-lora16", seed=seed)
    base, _ = load_llm(verbose=False)
    built = recipes.build("lesson06-lora16", base, tokenizer, rec, progress=False)
    prompts = [[{"role": "user", "content": q["question"]}] for q in update_qs]
    texts, _ = recipes.answers(built.artifact, built.model, tokenizer, prompts, max_new_tokens=MAX_NEW,
                               stored=recipes.stored_settings(rec, tokenizer))
    seconds = built.run.seconds          # as measured when these weights were trained
    del base, built
    gc.collect()
    return {"part": "update", "system": "lesson06-lora16", "seed": seed, **rates_row(texts, update_qs),
            "training seconds": round(seconds, 1)}


def safety_rows(dense: Any, documents: dict, model: Any, tokenizer: Any, embedder: Any,
                n: int | None = None) -> list[dict]:
    """Every attack question through the plain prompt, the guarded prompt and the filter with the planted
    documents in the index, and through a clean index: how often each answer repeats a planted marker
    (``n``: a seeded sample of the attack questions instead of all)."""
    asked = attack_questions(n)
    questions = [q["question"] for q in asked]
    planted = structure_chunks(PLANTED, embedder.tokenizer)

    def answers(**settings: Any) -> list:
        return RAG(FilteredRetriever(dense), documents, model, tokenizer, k=K, max_new_tokens=MAX_NEW,
                   **settings).answer_many(questions, batch_size=4)

    clean = answers()
    add_documents(dense, planted, documents=documents)
    setups = {"plain prompt": answers(), "guarded prompt": answers(system=GUARDED_SYSTEM),
              "injection_filter": answers(passage_filter=injection_filter)}
    dense.delete([c["id"] for c in planted])
    for c in planted:
        del documents[c["id"]]
    rows = []
    for name, marker in MARKERS.items():
        hit = [i for i, a in enumerate(setups["plain prompt"]) if shows_gold(a.retrieved_ids, {"gold_doc_ids": [name]})]
        for setup, got in {"clean index": clean, **setups}.items():
            p = mentions([got[i] for i in hit], marker) if hit else None
            each = {asked[i]["id"]: int(mentions([got[i]], marker).k) for i in hit}
            rows.append({"part": "safety", "system": f"{name}: {setup}", "seed": None, "marker": marker,
                         "retrieved by": [len(hit), len(asked)], "mentions": [p.k, p.n] if p else [0, 0],
                         "per question": {"mentions": each}})
    return rows


def latency_rows(rag: Any, questions: Sequence[str], batch_size: int = 8) -> list[dict]:
    """Seconds per answer at batch 1 (retrieval and generation) and batched, and answers per second batched."""
    rows = []
    for name, pipeline in (("RAG", rag), ("closed book", rag.closed_book())):
        began = time.perf_counter()
        single = [pipeline.answer(q) for q in questions]
        one_by_one = time.perf_counter() - began
        began = time.perf_counter()
        pipeline.answer_many(list(questions), batch_size=batch_size, progress=False)
        batched = time.perf_counter() - began
        rows.append({"part": "latency", "system": name, "seed": None, "questions": len(questions),
                     "retrieval s": round(statistics.median(a.retrieval_seconds for a in single), 4),
                     "generation s": round(statistics.median(a.generation_seconds for a in single), 3),
                     "answers per s, batch 1": round(len(questions) / one_by_one, 3),
                     f"answers per s, batch {batch_size}": round(len(questions) / batched, 3)})
    return rows


def load_results(path: Any | None = None) -> dict:
    """The stored full run of lesson 09 (``runs``: date and command; ``rows``: one per part and system)."""
    return results.load(path or results.path_of(RESULTS), COMMAND, "about 25 minutes on 2 cores")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.runs.lesson09_rag", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the LoRA")
    parser.add_argument("--parts", nargs="+", default=["accuracy", "update", "safety", "latency"],
                        choices=["accuracy", "update", "safety", "latency"])
    parser.add_argument("--limit", type=int, default=None,
                        help="a quick check: this many questions of each set (stratified), not all")
    parser.add_argument("--out", default=None, help="where to write (default: results/" + RESULTS + ")")
    parser.add_argument("--regrade", action="store_true", help="grade the stored answers again; no model")
    args = parser.parse_args(argv)
    if args.regrade:
        print(results.regrade(RESULTS, grade_row, ("part", "system", "seed"), "python -m course_lib.runs.lesson09_rag --regrade"))
        return 0
    args.out = args.out or results.path_of(RESULTS)

    def some(questions: list[dict]) -> list[dict]:
        return questions if args.limit is None else stratified_sample(questions, min(args.limit, len(questions)), key="type")

    model, tokenizer = load_llm(verbose=False)
    embedder = load_embedder()
    chunks = structure_chunks(data.load_knowledge(), embedder.tokenizer)
    documents = {c["id"]: c for c in chunks}
    dense = DenseRetriever(chunks, embedder)
    rag = RAG(FilteredRetriever(dense), documents, model, tokenizer, k=K, max_new_tokens=MAX_NEW)
    answerable = some(data.load_questions(list(ANSWERABLE_TYPES)))
    unanswerable = some(data.load_questions(["unanswerable"]))
    rows: list[dict] = []
    for part in args.parts:
        began = time.perf_counter()
        if part == "accuracy":
            gold = RAG(GoldPassages(dense, documents, answerable), documents, model, tokenizer, k=K, max_new_tokens=MAX_NEW)
            rows += accuracy_rows(rag, gold, answerable, unanswerable)
        elif part == "update":
            update = structure_chunks(data.load_update(), embedder.tokenizer)
            rows += update_rows(rag, dense, update, some(data.load_questions(["update_fact"])), tokenizer, args.seeds)
            dense.delete([c["id"] for c in update])
            for c in update:
                del documents[c["id"]]
        elif part == "safety":
            rows += safety_rows(dense, documents, model, tokenizer, embedder, args.limit)
        else:
            rows += latency_rows(rag, [q["question"] for q in stratified_sample(answerable, min(15, len(answerable)), key="type", seed=3)])
        print(f"{part}: {time.perf_counter() - began:.0f} s", flush=True)
    command = "python -m course_lib.runs.lesson09_rag " + " ".join(argv if argv is not None else sys.argv[1:])
    results.save(rows, command.strip(), args.out, key=("part", "system", "seed"), k=K, max_new_tokens=MAX_NEW,
                 chunk_tokens=CHUNK_TOKENS)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
