"""Lesson 10's measurements on every question: each retriever, the tuned hybrid over seeds, rerank, HyDE, RAG.

Lesson 10 scores the fast retrievers on all 175 questions with gold documents, but the stages that
run the language model (the reranker, HyDE and answering with RAG) only on 8 to 12 of them, and
tunes the weighted hybrid on one dev/test split. This module runs those stages on every question
and the tuning on several seeded splits, and writes ``results/lesson10_retrieval.json``::

    python -m course_lib.runs.lesson10_retrieval --seeds 0 1 2      # part of make rag-evaluation
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any, Mapping, Sequence

from course_lib import data, results
from course_lib.evaluation.benchmark import score_answers
from course_lib.evaluation.grading import judge_fact
from course_lib.models import load_embedder, load_llm
from course_lib.rag import chunking
from course_lib.rag.fusion import HybridRetriever, MMRRetriever, tune_weight
from course_lib.rag.pipeline import RAG, RAG_K, RAG_TOKENS, first_chars
from course_lib.rag.query_filters import FilteredRetriever
from course_lib.rag.ranking import evaluate_by_group, evaluate_run, per_query_outcomes, success_at_k
from course_lib.rag.rerank import HydeRetriever, LLMReranker, RerankingRetriever
from course_lib.rag.retrievers import BM25Retriever, DenseRetriever, ParentRetriever, latency, retrieve_run
from course_lib.stats import stratified_sample

RESULTS = "lesson10_retrieval.json"   # in paths.results_dir()
COMMAND = "make rag-evaluation"
CANDIDATES, HYDE_TOKENS = 10, 48                                   # lesson 10's settings
KS = (1, 3, 5, 10)


def run_row(name: str, run: Mapping[str, Sequence[str]], qrels: Mapping[str, set], qtype: Mapping[str, str],
            **extra: Any) -> dict:
    """One retriever's scores as a row: trec_eval recall@k, MRR and nDCG@10, gold in the top 5 as [k, n],
    and nDCG@10 and gold in the top 5 per question type."""
    m = evaluate_run(run, qrels, ks=KS)
    top5 = success_at_k(run, qrels, 5)
    by_type = evaluate_by_group(run, qrels, {q: qtype[q] for q in run}, ks=KS)
    per_type = {}
    for t in by_type:
        p = success_at_k({q: r for q, r in run.items() if qtype[q] == t}, qrels, 5)
        per_type[t] = {"ndcg@10": round(by_type[t]["ndcg@10"], 4), "gold in top 5": [p.k, p.n]}
    return {"part": "retrievers", "system": name, "seed": None,
            **{k: round(v, 4) for k, v in m.items() if k != "queries"}, "queries": m["queries"],
            "gold in top 5": [top5.k, top5.n], "by type": per_type, "per question": per_query_outcomes(run, qrels),
            **extra}


def _ms_per_query(retriever: Any, queries: Sequence[str]) -> float:
    return round(1000 * latency(retriever, queries, 10), 2)


def retriever_rows(docs: Sequence[Mapping], embedder: Any, queries: Mapping[str, str], qrels: Mapping[str, set],
                   qtype: Mapping[str, str]) -> tuple[list[dict], dict[str, Any]]:
    """Every retriever of lesson 10 that needs no language model, scored on every question, with
    milliseconds per query; also returns the retrievers by name for the later stages."""
    bm25, dense = BM25Retriever(docs), DenseRetriever(docs, embedder)
    chunks = chunking.chunk_documents(docs, "structure", tokenizer=embedder.tokenizer, max_tokens=128)
    retrievers = {"BM25": bm25, "dense": dense, "hybrid RRF": HybridRetriever(bm25, dense, "rrf"),
                  "filtered dense": FilteredRetriever(dense), "filtered BM25": FilteredRetriever(bm25),
                  "MMR (λ=0.7)": MMRRetriever(dense, lambda_=0.7, candidates=20),
                  "parent-document": ParentRetriever(DenseRetriever(chunks, embedder), docs)}
    timed = list(queries.values())[::9]
    rows = [run_row(name, retrieve_run(r, queries, 10), qrels, qtype, ms_per_query=_ms_per_query(r, timed))
            for name, r in retrievers.items()]
    return rows, retrievers


def weighted_rows(bm25: Any, dense: Any, questions: Sequence[Mapping], qrels: Mapping[str, set],
                  seeds: Sequence[int]) -> list[dict]:
    """The weighted hybrid tuned on a dev half drawn with each seed and scored on the other half, beside BM25."""
    rows = []
    for seed in seeds:
        dev = stratified_sample(questions, len(questions) // 2, key="type", seed=seed)
        dev_ids = {q["id"] for q in dev}
        test = {q["id"]: q["question"] for q in questions if q["id"] not in dev_ids}
        weight, _ = tune_weight(bm25, dense, {q["id"]: q["question"] for q in dev}, qrels, metric="ndcg@10")
        row = {"part": "weighted hybrid", "system": "weighted hybrid", "seed": seed, "weight": weight,
               "per question": {}}
        for name, r in (("weighted", HybridRetriever(bm25, dense, "weighted", weight=weight)), ("BM25", bm25)):
            run = retrieve_run(r, test, 10)
            p = success_at_k(run, qrels, 5)
            row[f"{name} gold in top 5"] = [p.k, p.n]
            row[f"{name} ndcg@10"] = round(evaluate_run(run, qrels, ks=KS)["ndcg@10"], 4)
            row["per question"].update({f"{name} {m}": v for m, v in per_query_outcomes(run, qrels).items()})
        rows.append(row)
    return rows


def rerank_row(dense: Any, model: Any, tokenizer: Any, queries: Mapping[str, str], qrels: Mapping[str, set],
               qtype: Mapping[str, str]) -> dict:
    """The course model as a reranker of the dense top ``CANDIDATES`` for every question, and the spread of P(yes)."""
    from tqdm.auto import tqdm

    reranking = RerankingRetriever(dense, LLMReranker(model, tokenizer, batch_size=CANDIDATES), candidates=CANDIDATES)
    began, run, spread = time.perf_counter(), {}, []
    for qid, text in tqdm(queries.items(), desc="reranking"):
        hits = reranking.search(text, CANDIDATES)
        run[qid] = [h.id for h in hits]
        spread.append(max(h.score for h in hits) - min(h.score for h in hits))
    seconds = (time.perf_counter() - began) / len(queries)
    return run_row("dense + LLM rerank", run, qrels, qtype, ms_per_query=round(1000 * seconds, 1),
                   median_p_yes_spread=round(statistics.median(spread), 4))


def hyde_rows(dense: Any, model: Any, tokenizer: Any, queries: Mapping[str, str], qrels: Mapping[str, set],
              qtype: Mapping[str, str]) -> list[dict]:
    """HyDE (replace and average) for every question: the model's hypothetical answers, embedded."""
    hyde = HydeRetriever(dense, model, tokenizer, max_new_tokens=HYDE_TOKENS, mode="replace", batch_size=12)
    began = time.perf_counter()
    hyde.hypothesise(list(queries.values()))
    seconds = (time.perf_counter() - began) / len(queries)
    averaged = HydeRetriever(dense, model, tokenizer, max_new_tokens=HYDE_TOKENS, mode="average")
    averaged.hypotheses = hyde.hypotheses                      # the same answers, no new generation
    return [run_row(name, retrieve_run(r, queries, 10), qrels, qtype, generation_ms_per_query=round(1000 * seconds, 1))
            for name, r in (("HyDE", hyde), ("HyDE averaged", averaged))]


def rag_rows(retrievers: Mapping[str, Any], docs_by_id: Mapping[str, Mapping], model: Any, tokenizer: Any,
             questions: Sequence[Mapping], qrels: Mapping[str, set]) -> list[dict]:
    """RAG end to end with each of ``retrievers``: gold document in the prompt and right answers, every question."""
    rows = []
    for name, retriever in retrievers.items():
        pipeline = RAG(retriever, docs_by_id, model, tokenizer, k=RAG_K, max_new_tokens=RAG_TOKENS,
                       passage_filter=first_chars)
        answers = pipeline.answer_many([q["question"] for q in questions], batch_size=4)
        right = score_answers(answers, questions)["accuracy"]
        shown = {q["id"]: int(bool(set(a.context_ids) & qrels[q["id"]])) for a, q in zip(answers, questions, strict=True)}
        each = {q["id"]: int(judge_fact(a.text, q["accepted"]) == "correct") for a, q in zip(answers, questions, strict=True)}
        rows.append({"part": "rag", "system": name, "seed": None, "gold in prompt": [sum(shown.values()), len(questions)],
                     "right": [right.k, right.n],
                     "generation s": round(statistics.mean(a.generation_seconds for a in answers), 3),
                     "per question": {"gold in prompt": shown, "right": each},
                     "answers": {q["id"]: a.text for a, q in zip(answers, questions, strict=True)},
                     "contexts": {q["id"]: list(a.context_ids) for a, q in zip(answers, questions, strict=True)}})
    return rows


def load_results(path: Any | None = None) -> dict:
    """The stored full run of lesson 10 (``runs``: date and command; ``rows``: one per part, method and seed)."""
    return results.load(path or results.path_of(RESULTS), COMMAND, "about 23 minutes on 2 cores")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.runs.lesson10_retrieval",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds of the dev/test splits")
    parser.add_argument("--parts", nargs="+", default=["retrievers", "weighted", "rerank", "hyde", "rag"],
                        choices=["retrievers", "weighted", "rerank", "hyde", "rag"])
    parser.add_argument("--limit", type=int, default=None,
                        help="a quick check: this many questions (stratified by type), not all")
    parser.add_argument("--out", default=None, help="where to write (default: results/" + RESULTS + ")")
    parser.add_argument("--note", default="", help="stored with the run, e.g. that the machine was shared (timings)")
    args = parser.parse_args(argv)
    args.out = args.out or results.path_of(RESULTS)
    docs = data.load_knowledge(include_update=True)
    questions = [q for q in data.load_questions() if q["gold_doc_ids"]]
    if args.limit is not None:
        questions = stratified_sample(questions, min(args.limit, len(questions)), key="type")
    queries = {q["id"]: q["question"] for q in questions}
    qrels = {q["id"]: set(q["gold_doc_ids"]) for q in questions}
    qtype = {q["id"]: q["type"] for q in questions}
    embedder = load_embedder()
    model, tokenizer = load_llm(verbose=False)
    rows, retrievers = retriever_rows(docs, embedder, queries, qrels, qtype)
    rows = rows if "retrievers" in args.parts else []
    for part in args.parts:
        began = time.perf_counter()
        if part == "weighted":
            rows += weighted_rows(retrievers["BM25"], retrievers["dense"], questions, qrels, args.seeds)
        elif part == "rerank":
            rows.append(rerank_row(retrievers["dense"], model, tokenizer, queries, qrels, qtype))
        elif part == "hyde":
            rows += hyde_rows(retrievers["dense"], model, tokenizer, queries, qrels, qtype)
        elif part == "rag":
            chosen = {name: retrievers[name] for name in ("dense", "filtered BM25")}
            rows += rag_rows(chosen, {d["id"]: d for d in docs}, model, tokenizer, questions, qrels)
        print(f"{part}: {time.perf_counter() - began:.0f} s", flush=True)
    command = "python -m course_lib.runs.lesson10_retrieval " + " ".join(argv if argv is not None else sys.argv[1:])
    results.save(rows, command.strip(), args.out, key=("part", "system", "seed"), questions=len(questions),
                 **({"note": args.note} if args.note else {}))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
