"""Lesson 11's benchmark: every system on the same held-out questions, scored and timed the same way.

A :class:`System` is a name, a function that answers a list of questions (in batches), and what
building it cost (training or indexing seconds). :func:`run` asks every system every question and
returns one row per system: answer accuracy on answerable questions, preference adherence on
questions that carry foods to avoid, the hallucination rate on unanswerable questions (all as
``[k, n]``, also per question type), seconds per answer at batch 1 and answers per second in
batches, the peak memory while answering, and the build cost. :func:`table` prints the rows with
intervals.

>>> echo = System("echo", lambda questions, batch_size: [f"I don't know {q}" for q in questions])
>>> rows = run([echo], [{"id": "q1", "question": "Soup?", "type": "unanswerable", "accepted": [],
...                     "avoid_terms": []}], latency_questions=1)
>>> rows[0]["hallucinated"], rows[0]["right"]
([0, 1], [0, 0])
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from course_lib.evaluation.grading import admits_unknown, judge_fact, violations
from course_lib.finetuning.memory import PeakMemory
from course_lib.models import chat
from course_lib.rag.pipeline import RAG, RAG_K, RAG_TOKENS, first_chars
from course_lib.rag.query_filters import FilteredRetriever
from course_lib.rag.retrievers import BM25Retriever
from course_lib import data
from course_lib.stats import proportion, proportion_of, stratified_sample

Answerer = Callable[[list[str], int], list[Any]]


@dataclass(frozen=True)
class System:
    """A system under test: ``answer(questions, batch_size)`` returns one answer (text or an object with
    ``.text``) per question; ``build_seconds`` is what making it cost (training, indexing), as measured."""

    name: str
    answer: Answerer
    build_seconds: float = 0.0
    built_by: str = ""


def _text(answer: Any) -> str:
    return answer if isinstance(answer, str) else answer.text


def score(answers: Sequence[Any], questions: Sequence[Mapping[str, Any]],
          profile: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Right answers, adherence and hallucinations as ``[k, n]``, overall and per question type.

    Right answers and hallucinations are graded by :func:`score_answers`: a question
    that is not ``unanswerable`` is right when ``grading.judge_fact`` says correct, an unanswerable
    one hallucinated when the answer does not admit not knowing. A question with ``avoid_terms``
    also tests *adherence*: kept when the answer recommends none of them (``grading.violations``).

    >>> qs = [{"type": "weekly_fact", "accepted": ["leek soup"], "avoid_terms": []},
    ...       {"type": "preference", "accepted": ["tofu"], "avoid_terms": ["chicken"]},
    ...       {"type": "unanswerable", "accepted": [], "avoid_terms": []}]
    >>> s = score(["The leek soup.", "Grilled chicken!", "I don't know."], qs)
    >>> s["right"], s["kept preferences"], s["hallucinated"]
    ([1, 2], [0, 1], [0, 1])
    """
    graded = score_answers(answers, questions)      # right and hallucinated: the grading of lesson 09
    by_type = {t: [p.k, p.n] for t, p in graded["by_type"].items()}
    kept: dict[str, list[bool]] = {}
    for answer, q in zip(answers, questions, strict=True):
        if q["type"] != "unanswerable" and q.get("avoid_terms"):
            kept.setdefault(q["type"], []).append(not violations(_text(answer), q["avoid_terms"], profile=profile))
    right = {t: c for t, c in by_type.items() if t != "unanswerable"}
    return {"right": [sum(c[0] for c in right.values()), sum(c[1] for c in right.values())],
            "right by type": right,
            "kept preferences": [sum(sum(f) for f in kept.values()), sum(len(f) for f in kept.values())],
            "kept preferences by type": {t: [sum(f), len(f)] for t, f in kept.items()},
            "hallucinated": by_type.get("unanswerable", [0, 0]),
            "hallucinated by type": {t: c for t, c in by_type.items() if t == "unanswerable"}}


def per_question(answers: Sequence[Any], questions: Sequence[Mapping[str, Any]],
                 profile: Mapping[str, Any] | None = None) -> dict[str, dict[str, int]]:
    """The outcomes of :func:`score` per question id (1 or 0), so two systems can be compared on the same
    questions (:func:`course_lib.results.compare_systems`): ``right``, ``right on facts`` (the
    :data:`FACT_TYPES`), ``kept preferences`` and ``hallucinated``, each over the questions it applies to.

    >>> qs = [{"id": "w1", "type": "weekly_fact", "accepted": ["leek soup"], "avoid_terms": []},
    ...       {"id": "u1", "type": "unanswerable", "accepted": [], "avoid_terms": []}]
    >>> per_question(["The leek soup.", "It costs 3 euros."], qs)
    {'right': {'w1': 1}, 'right on facts': {'w1': 1}, 'kept preferences': {}, 'hallucinated': {'u1': 1}}
    """
    if len(answers) != len(questions):
        raise ValueError(f"got {len(answers)} answers for {len(questions)} questions; pass one answer per question.")
    out: dict[str, dict[str, int]] = {"right": {}, "right on facts": {}, "kept preferences": {}, "hallucinated": {}}
    for answer, q in zip(answers, questions, strict=True):
        text = _text(answer)
        if q["type"] == "unanswerable":
            out["hallucinated"][q["id"]] = int(not admits_unknown(text))
            continue
        out["right"][q["id"]] = int(judge_fact(text, q["accepted"]) == "correct")
        if q["type"] in FACT_TYPES:
            out["right on facts"][q["id"]] = out["right"][q["id"]]
        if q.get("avoid_terms"):
            out["kept preferences"][q["id"]] = int(not violations(text, q["avoid_terms"], profile=profile))
    return out


def run(systems: Sequence[System], questions: Sequence[Mapping[str, Any]], *,
        profile: Mapping[str, Any] | None = None, batch_size: int = 8, latency_questions: int = 3) -> list[dict]:
    """Every system answers every question (batched), then ``latency_questions`` of them one at a time.

    Rows hold :func:`score` plus ``answers per s`` (batched, wall clock), ``s per answer, batch 1``
    (median), ``peak MB`` (resident memory while answering, ``memory.PeakMemory``), the mean
    ``prompt tokens`` when the answers report them, ``build seconds`` and the answers themselves.
    Latency questions are the first ones of each type in turn, so several types are timed.
    """
    if not systems or not questions:
        raise ValueError("run() needs at least one system and one question.")
    names = [s.name for s in systems]
    if len(set(names)) != len(names):
        raise ValueError(f"system names must be distinct, got {names}.")
    texts = [q["question"] for q in questions]
    timed = _spread(questions, latency_questions)
    rows = []
    for system in systems:
        with PeakMemory() as memory:
            began = time.perf_counter()
            answers = system.answer(texts, batch_size)
            batched = time.perf_counter() - began
        if len(answers) != len(texts):
            raise ValueError(f"system {system.name!r} returned {len(answers)} answers for {len(texts)} questions.")
        single = []
        for q in timed:
            began = time.perf_counter()
            system.answer([q], 1)
            single.append(time.perf_counter() - began)
        tokens = [a.prompt_tokens for a in answers if hasattr(a, "prompt_tokens")]
        rows.append({"system": system.name, **score(answers, questions, profile),
                     "answers per s": round(len(texts) / batched, 3),
                     "s per answer, batch 1": round(statistics.median(single), 3) if single else None,
                     "peak MB": round(memory.peak_mb), "prompt tokens": round(statistics.mean(tokens)) if tokens else None,
                     "build seconds": round(system.build_seconds, 1), "built by": system.built_by,
                     "answers": [_text(a) for a in answers], "per question": per_question(answers, questions, profile)})
    return rows


def _spread(questions: Sequence[Mapping[str, Any]], n: int) -> list[str]:
    by_type: dict[str, list[str]] = {}
    for q in questions:
        by_type.setdefault(q["type"], []).append(q["question"])
    picked, rank = [], 0
    while len(picked) < min(n, len(questions)):
        picked += [qs[rank] for qs in by_type.values() if rank < len(qs)][: n - len(picked)]
        rank += 1
    return picked


def table(rows: Sequence[Mapping[str, Any]], metrics: Sequence[str] = ("right", "kept preferences", "hallucinated")) -> str:
    """The benchmark rows as text: rates as k/n with 95% intervals, then speed, memory and build cost."""
    lines = []
    for r in rows:
        rates = "; ".join(f"{m} {proportion(*r[m])}" if r[m][1] else f"{m} -" for m in metrics)
        lines.append(f"{r['system']:28} {rates}")
        lines.append(f"{'':28} {r['s per answer, batch 1']} s per answer at batch 1, {r['answers per s']} answers/s "
                     f"batched, peak {r['peak MB']} MB, prompt {r['prompt tokens']} tokens, built in "
                     f"{r['build seconds']} s{' (' + r['built by'] + ')' if r['built by'] else ''}")
    return "\n".join(lines)


def score_answers(answers: Sequence[Any], questions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Grade answers to ``course_lib.data`` questions: accuracy, hallucination, both per type.

    ``accuracy`` is the share of answerable questions whose answer contains an accepted
    answer (``grading.judge_fact``); ``hallucination`` the share of ``unanswerable`` ones
    answered instead of admitting not knowing (``grading.admits_unknown``); ``by_type``
    gives, per question type, the same rate that type is scored on. Answers are
    :class:`RagAnswer` or plain strings, one per question, in order.

    >>> qs = [{"type": "static_fact", "accepted": ["12 g"]}, {"type": "unanswerable", "accepted": ["x"]}]
    >>> s = score_answers(["It has 12 g.", "It costs 3 euros."], qs)
    >>> str(s["accuracy"]), str(s["hallucination"]).split(" (")[0]
    ('1/1 = 100% (95% CI 21–100%)', '1/1 = 100%')
    """
    if len(answers) != len(questions):
        raise ValueError(f"got {len(answers)} answers for {len(questions)} questions; pass one answer per question.")
    texts = [a if isinstance(a, str) else a.text for a in answers]
    flags: dict[str, list[bool]] = {}
    for text, q in zip(texts, questions, strict=True):
        flag = (not admits_unknown(text)) if q["type"] == "unanswerable" else judge_fact(text, q["accepted"]) == "correct"
        flags.setdefault(q["type"], []).append(flag)
    answerable = [f for t, fs in flags.items() if t != "unanswerable" for f in fs]
    return {"accuracy": proportion_of(answerable) if answerable else None,
            "hallucination": proportion_of(flags["unanswerable"]) if "unanswerable" in flags else None,
            "by_type": {t: proportion_of(fs) for t, fs in flags.items()}}


def closed_book(model: Any, tokenizer: Any, system: str | None = None) -> Answerer:
    """An answerer that asks ``model`` the bare question, after ``system`` when given (the profile prompt)."""
    def answer(questions: list[str], batch_size: int) -> list[Any]:
        return chat(model, tokenizer, questions, system=system, max_new_tokens=RAG_TOKENS, batch_size=batch_size,
                    progress=False)
    return answer


def with_rag(retriever: Any, documents: Mapping[str, Mapping], model: Any, tokenizer: Any) -> Answerer:
    """An answerer that is lesson 10's RAG: ``RAG_K`` passages cut to ``RAG_CHARS``, ``RAG_TOKENS`` new tokens."""
    pipeline = RAG(retriever, documents, model, tokenizer, k=RAG_K, max_new_tokens=RAG_TOKENS, passage_filter=first_chars)
    return lambda questions, batch_size: pipeline.answer_many(questions, batch_size=batch_size, progress=False)


def best_retriever(docs: Sequence[Mapping]) -> Any:
    """Lesson 10's best retriever for the RAG answers: BM25 restricted by the dates and codes in the question."""
    return FilteredRetriever(BM25Retriever(docs))


FACT_TYPES = ("weekly_fact", "keyword", "preference_and_fact")   # the slice's questions: facts of its menus


def benchmark_questions(limit: int | None = None) -> list[dict]:
    """The slice's questions (every gold document in ``recipes.SLICE``), unanswerable and preference questions.

    >>> from collections import Counter
    >>> sorted(Counter(q["type"] for q in benchmark_questions()).items())
    [('keyword', 4), ('preference', 24), ('preference_and_fact', 5), ('unanswerable', 24), ('weekly_fact', 9)]
    """
    from course_lib.finetuning.recipes import SLICE   # noqa: PLC0415  (recipes loads torch; the grader must not)

    chosen = [q for q in data.load_questions()
              if (q["gold_doc_ids"] and all(i.startswith(SLICE) for i in q["gold_doc_ids"]))
              or q["type"] in ("unanswerable", "preference")]
    return chosen if limit is None else stratified_sample(chosen, min(limit, len(chosen)), key="type")


def right_on_facts(row: Mapping[str, Any]) -> list[int]:
    """``[k, n]`` right answers of a benchmark row on the slice's fact questions (not the preference ones).

    >>> right_on_facts({"right by type": {"weekly_fact": [2, 9], "keyword": [1, 4], "preference": [1, 24]}})
    [3, 13]
    """
    counts = [row["right by type"][t] for t in FACT_TYPES if t in row["right by type"]]
    return [sum(c[0] for c in counts), sum(c[1] for c in counts)]


def add_right_on_facts(stored: dict, questions: Sequence[Mapping[str, Any]] | None = None,
                       profile: Mapping[str, Any] | None = None) -> dict:
    """Give every benchmark row of stored lesson 11 results its ``"right on facts"`` (:func:`right_on_facts`),
    and, given the ``questions`` its stored answers reply to (in order), its outcomes per question
    (:func:`per_question`, graded now from the stored answers) where the row lacks them."""
    for row in stored["rows"]:
        if row["part"] == "benchmark":
            row["right on facts"] = right_on_facts(row)
            if questions is not None and "per question" not in row and len(row.get("answers", [])) == len(questions):
                row["per question"] = per_question(row["answers"], questions, profile)
    return stored
