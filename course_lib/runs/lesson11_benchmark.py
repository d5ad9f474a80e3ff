"""Lesson 11's full benchmark: every approach on the same questions, per seed, plus updates and forgetting.

``python -m course_lib.runs.lesson11_benchmark --seeds 0 1 2`` (``make benchmark``) writes
``results/lesson11_benchmark.json``. The questions are those about the knowledge slice the
fact-learning models are trained on (``recipes.SLICE``: the menus of weeks 2 and 3), every
unanswerable question and every preference question. Systems that are not trained (the base
model, with and without the profile prompt, and RAG with the base model) answer greedily and
are run once; the trained ones (the person LoRA of lesson 06, the facts LoRAs with 1 and 5
paraphrases, RAFT) are trained with each seed. The knowledge update and the forgetting
request are measured once, with seed 0. ``--limit N`` gives a quick check on N questions.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from typing import Any, Mapping, Sequence

from course_lib import data, results
from course_lib.evaluation import forgetting
from course_lib.evaluation.benchmark import (System, add_right_on_facts, benchmark_questions, best_retriever,
                                             closed_book, per_question, run, score, score_answers, with_rag)
from course_lib.evaluation.grading import contains_answer
from course_lib.finetuning.knowledge_rows import training_rows
from course_lib.finetuning.recipes import SLICE, build, recipe
from course_lib.models import load_llm, load_tokenizer
from course_lib.prompts import profile_system_prompt
from course_lib.rag.controlled import ControlledContext

RESULTS = "lesson11_benchmark.json"   # in paths.results_dir()
COMMAND = "make benchmark"
TRAINED = ("lesson06-lora16", "lesson11-facts1", "lesson11-facts5", "lesson11-raft")
def _rows(systems: Sequence[System], questions: Sequence[Mapping], seed: Any) -> list[dict]:
    rows = run(systems, questions, profile=data.load_profile(), batch_size=8, latency_questions=3)
    return [{"part": "benchmark", "seed": seed, **r} for r in rows]


def untrained_rows(model: Any, tokenizer: Any, retriever: Any, documents: Mapping, questions: Sequence[Mapping],
                   index_seconds: float) -> list[dict]:
    """The base model closed book (with and without the profile prompt) and with RAG (retrieved, oracle, distractors)."""
    gold = {q["question"]: q["gold_doc_ids"] for q in questions}
    built = f"BM25 index of {len(documents)} records"
    systems = [System("base", closed_book(model, tokenizer)),
               System("base + profile prompt", closed_book(model, tokenizer, profile_system_prompt(data.load_profile()))),
               System("RAG", with_rag(retriever, documents, model, tokenizer), index_seconds, built)]
    systems += [System(f"RAG, {mode} context", with_rag(ControlledContext(retriever, gold, mode), documents, model,
                                                         tokenizer), index_seconds, built)
                for mode in ("oracle", "distractors")]
    return _rows(systems, questions, seed=None)     # greedy and untrained: the same every run


def _built(name: str, tokenizer: Any, seed: int) -> Any:
    fresh, _ = load_llm(verbose=False)
    return build(name, fresh, tokenizer, recipe(name, seed=seed), progress=False)


def trained_rows(name: str, seed: int, tokenizer: Any, retriever: Any, documents: Mapping,
                 questions: Sequence[Mapping]) -> list[dict]:
    """Recipe ``name`` trained with ``seed`` (or read from ``artifacts/``), closed book and, where it reads, with RAG."""
    built = _built(name, tokenizer, seed)
    how = f"training {built.run.settings['train_examples']} examples"
    model, secs = built.model, built.run.seconds
    label = {"lesson06-lora16": "person LoRA", "lesson11-facts1": "facts LoRA, 1 wording",
             "lesson11-facts5": "facts LoRA, 5 wordings", "lesson11-raft": "RAFT"}[name]
    systems = [System(label, closed_book(model, tokenizer), secs, how)]
    if name == "lesson06-lora16":
        systems.append(System("hybrid A: person LoRA + RAG", with_rag(retriever, documents, model, tokenizer), secs, how))
    if name == "lesson11-raft":
        gold = {q["question"]: q["gold_doc_ids"] for q in questions}
        systems = [System("RAFT + RAG", with_rag(retriever, documents, model, tokenizer), secs, how)]
        systems += [System(f"RAFT, {mode} context", with_rag(ControlledContext(retriever, gold, mode), documents,
                                                              model, tokenizer), secs, how)
                    for mode in ("oracle", "distractors")]
    rows = _rows(systems, questions, seed)
    del built, model
    gc.collect()
    return rows


def recall_rows(tokenizer: Any, seed: int) -> list[dict]:
    """The facts LoRAs asked their own facts in the wording held out from training (their validation questions).

    Separates two failures: not learning the facts at all, and learning them only in the training wordings.
    """
    rows = []
    for name in ("lesson11-facts1", "lesson11-facts5"):
        built = _built(name, tokenizer, seed)
        _, held_out = training_rows(recipe(name, seed=seed))
        texts = [a.text for a in closed_book(built.model, tokenizer)([r["messages"][0]["content"] for r in held_out], 8)]
        each = {f"{r['fact']['subject']} {r['fact']['attribute']}": int(contains_answer(t, r["fact"]["answer_terms"]))
                for t, r in zip(texts, held_out, strict=True)}
        rows.append({"part": "recall", "system": name, "seed": seed, "right": [sum(each.values()), len(held_out)],
                     "example": [held_out[0]["messages"][0]["content"], texts[0]],
                     "per question": {"right": each}})    # keyed by fact: the two LoRAs of a seed hold out the same facts
        del built
        gc.collect()
    return rows


def update_rows(model: Any, tokenizer: Any, docs: Sequence[Mapping], seed: int = 0) -> list[dict]:
    """A knowledge update (the week-10 menus): RAG re-indexes, the facts LoRA is retrained; both asked after."""
    update, qs = data.load_update(), data.load_questions(["update_fact"])
    texts = [q["question"] for q in qs]
    began = time.perf_counter()
    retriever = best_retriever(list(docs) + update)
    reindex = time.perf_counter() - began
    documents = {d["id"]: d for d in list(docs) + update}
    rows = []

    def row(system: str, answers: list, seconds: float, how: str) -> dict:
        right = score_answers(answers, qs)["accuracy"]
        return {"part": "update", "system": system, "seed": seed, "right": [right.k, right.n],
                "update seconds": round(seconds, 3), "how": how}

    rows.append(row("RAG", with_rag(retriever, documents, model, tokenizer)(texts, 8), reindex,
                    f"BM25 rebuilt over {len(documents)} records"))
    stale = _built("lesson11-facts1", tokenizer, seed)
    rows.append(row("facts LoRA, 1 wording, not retrained", closed_book(stale.model, tokenizer)(texts, 8), 0.0,
                    "nothing done"))
    del stale
    fresh, _ = load_llm(verbose=False)
    rec = recipe("lesson11-facts1", seed=seed, documents=SLICE + ("menu-w10",), train_examples=420)
    retrained = build("lesson11-facts1", fresh, tokenizer, rec, progress=False)
    rows.append(row("facts LoRA, 1 wording, retrained", closed_book(retrained.model, tokenizer)(texts, 8),
                    retrained.run.seconds, f"training {retrained.run.settings['train_examples']} examples"))
    del retrained, fresh
    gc.collect()
    return rows


def forgetting_rows(model: Any, tokenizer: Any, docs: Sequence[Mapping], seed: int = 0,
                    facts: int = 40, epochs: int = 5) -> list[dict]:
    """A request to forget :data:`forgetting.HEALTH_RECORD`: :func:`forgetting.from_index` then
    :func:`forgetting.from_weights` (``facts`` facts beside the record, ``epochs`` epochs)."""
    return (forgetting.from_index(model, tokenizer, docs, seed)
            + forgetting.from_weights(tokenizer, seed, facts=facts, epochs=epochs))


def grade_row(row: Mapping[str, Any], questions: Sequence[Mapping] | None = None) -> dict | None:
    """A benchmark row graded again from its stored answers (``None`` for rows without them: recall, update and
    forgetting rows keep the grades of their run). Speed, memory and build fields do not change."""
    questions = questions or benchmark_questions()
    if row.get("part") != "benchmark" or len(row.get("answers", [])) != len(questions):
        return None
    profile = data.load_profile()
    return {**row, **score(row["answers"], questions, profile), "per question": per_question(row["answers"], questions, profile)}


def load_results(path: Any | None = None) -> dict:
    """The stored full benchmark (``runs``: date and command; ``rows``: one per part, system and seed).

    Benchmark rows also get ``"right on facts"`` (:func:`course_lib.evaluation.benchmark.right_on_facts`), computed
    from their counts per type, and their outcomes per question id for paired tests (graded from the stored
    answers when the run predates storing them).
    """
    stored = results.load(path or results.path_of(RESULTS), COMMAND, "about 2 hours on 2 cores")
    return add_right_on_facts(stored, benchmark_questions(), data.load_profile())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.runs.lesson11_benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="training seeds of the trained systems")
    parser.add_argument("--parts", nargs="+", default=["untrained", "trained", "recall", "update", "forget"],
                        choices=["untrained", "trained", "recall", "update", "forget"])
    parser.add_argument("--systems", nargs="+", default=list(TRAINED), choices=list(TRAINED),
                        help="which trained recipes to run")
    parser.add_argument("--limit", type=int, default=None, help="a quick check: this many questions, not all")
    parser.add_argument("--forget-facts", type=int, default=40, help="facts trained beside the health record")
    parser.add_argument("--out", default=None, help="where to write (default: results/" + RESULTS + ")")
    parser.add_argument("--regrade", action="store_true", help="grade the stored answers again; no model")
    args = parser.parse_args(argv)
    if args.regrade:
        questions = benchmark_questions()
        print(results.regrade(RESULTS, lambda row: grade_row(row, questions), ("part", "system", "seed"),
                              "python -m course_lib.runs.lesson11_benchmark --regrade"))
        return 0
    args.out = args.out or results.path_of(RESULTS)
    command = "python -m course_lib.runs.lesson11_benchmark " + " ".join(argv if argv is not None else sys.argv[1:])
    questions = benchmark_questions(args.limit)
    docs = data.load_knowledge()
    began = time.perf_counter()
    retriever = best_retriever(docs)
    index_seconds = time.perf_counter() - began
    documents = {d["id"]: d for d in docs}
    tokenizer = load_tokenizer()
    model, _ = load_llm(verbose=False)

    def save(rows: list[dict], part: str, started: float) -> None:
        results.save(rows, command.strip(), args.out, key=("part", "system", "seed"), questions=len(questions))
        print(f"{part}: {time.perf_counter() - started:.0f} s, wrote {args.out}", flush=True)

    if "untrained" in args.parts:
        started = time.perf_counter()
        save(untrained_rows(model, tokenizer, retriever, documents, questions, index_seconds), "untrained", started)
    del model       # each trained system loads its own copy: measure its memory without a second model beside it
    gc.collect()
    trained = "trained" in args.parts
    for n, seed in enumerate(args.seeds):
        for name in args.systems if trained else []:
            started = time.perf_counter()
            save(trained_rows(name, seed, tokenizer, retriever, documents, questions), f"{name} seed {seed}", started)
        if "recall" in args.parts:
            started = time.perf_counter()
            save(recall_rows(tokenizer, seed), f"recall seed {seed}", started)
        if n == 0:        # once, after the first seed, so that a long run has them early
            _once(args, tokenizer, docs, save)
    return 0


def _once(args: Any, tokenizer: Any, docs: Sequence[Mapping], save: Any) -> None:
    model, _ = load_llm(verbose=False)
    if "update" in args.parts:
        started = time.perf_counter()
        save(update_rows(model, tokenizer, docs), "update", started)
    if "forget" in args.parts:
        started = time.perf_counter()
        save(forgetting_rows(model, tokenizer, docs, facts=args.forget_facts), "forget", started)
    del model
    gc.collect()


if __name__ == "__main__":
    sys.exit(main())
