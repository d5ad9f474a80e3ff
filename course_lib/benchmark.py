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

    Right answers and hallucinations are graded by :func:`course_lib.rag.score_answers`: a question
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
    from course_lib.grading import violations
    from course_lib.rag import score_answers

    graded = score_answers(answers, questions)      # right and hallucinated: the grading of lesson 09
    by_type = {t: [p.k, p.n] for t, p in graded["by_type"].items()}
    kept: dict[str, list[bool]] = {}
    for answer, q in zip(answers, questions):
        if q["type"] != "unanswerable" and q.get("avoid_terms"):
            kept.setdefault(q["type"], []).append(not violations(_text(answer), q["avoid_terms"], profile=profile))
    right = {t: c for t, c in by_type.items() if t != "unanswerable"}
    return {"right": [sum(c[0] for c in right.values()), sum(c[1] for c in right.values())],
            "right by type": right,
            "kept preferences": [sum(sum(f) for f in kept.values()), sum(len(f) for f in kept.values())],
            "kept preferences by type": {t: [sum(f), len(f)] for t, f in kept.items()},
            "hallucinated": by_type.get("unanswerable", [0, 0]),
            "hallucinated by type": {t: c for t, c in by_type.items() if t == "unanswerable"}}


def run(systems: Sequence[System], questions: Sequence[Mapping[str, Any]], *,
        profile: Mapping[str, Any] | None = None, batch_size: int = 8, latency_questions: int = 3) -> list[dict]:
    """Every system answers every question (batched), then ``latency_questions`` of them one at a time.

    Rows hold :func:`score` plus ``answers per s`` (batched, wall clock), ``s per answer, batch 1``
    (median), ``peak MB`` (resident memory while answering, ``memory.PeakMemory``), the mean
    ``prompt tokens`` when the answers report them, ``build seconds`` and the answers themselves.
    Latency questions are the first ones of each type in turn, so several types are timed.
    """
    from course_lib.memory import PeakMemory

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
                     "answers": [_text(a) for a in answers]})
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
    from course_lib.stats import proportion

    lines = []
    for r in rows:
        rates = "; ".join(f"{m} {proportion(*r[m])}" if r[m][1] else f"{m} -" for m in metrics)
        lines.append(f"{r['system']:28} {rates}")
        lines.append(f"{'':28} {r['s per answer, batch 1']} s per answer at batch 1, {r['answers per s']} answers/s "
                     f"batched, peak {r['peak MB']} MB, prompt {r['prompt tokens']} tokens, built in "
                     f"{r['build seconds']} s{' (' + r['built by'] + ')' if r['built by'] else ''}")
    return "\n".join(lines)
