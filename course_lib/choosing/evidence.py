"""What the course measured for each claim of lesson 03's decision guide, read from the results files.

Lesson 03 states claims (:data:`course_lib.choosing.rules.CLAIMS`) and scores a questionnaire
(:data:`rules.RULES`, :data:`rules.TASK_RULES`); later lessons measure them on the diet-bot and
store the numbers under ``results/``. :func:`claims_table` gives each claim the measurement that
tests it, as one line of k/n with 95% intervals (or seconds, tokens), and a verdict: "held" when the
difference goes the claimed way and the paired test of :mod:`course_lib.paired` tells it from noise (both
systems answered the same questions; seeds are resampled inside questions, never counted as more), "within
the noise" when it goes the claimed way but chance could explain it, "did not hold" when it is zero
or goes the other way, "not measured" when no results file holds it (yet). Numbers (seconds,
tokens) are single measurements without a spread, so they are compared plainly. :func:`rule_evidence`
gives the line that backs or questions one questionnaire rule. Nothing here is typed in: every number
is read from the results when the function runs, so the text changes when the runs are redone.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from course_lib.choosing import rules
from course_lib.choosing.measured import (SOURCES, VERDICTS, NotMeasured, Part, Results, compare,  # noqa: F401
                                          evaluate, missing, notebook, numbers, rates)


def _lora_size(res: Results) -> tuple[str, None]:
    by_rank = {r["value"]: r["trainable"] for r in res.file("lesson06_sweeps")["rows"]
               if r.get("sweep") == "rank" and "trainable" in r}
    if not by_rank:
        raise missing("lesson06_sweeps")
    ranks = ", ".join(f"rank {k}: {v:,}" for k, v in sorted(by_rank.items()))
    # The model's total and the adapter's bytes are not stored, so the share cannot be judged from the files.
    return (f"lesson 06 sweeps, trainable parameters ({ranks}); the model's total and the adapter's size on "
            "disk are shown in lesson 06's notebook, not stored", None)


def _latency09(res: Results) -> tuple[str, str]:
    retrieval = res.number("lesson09_rag", "RAG", "retrieval s", "latency")
    rag = retrieval + res.number("lesson09_rag", "RAG", "generation s", "latency")
    closed = res.number("lesson09_rag", "closed book", "generation s", "latency")
    text, verdict = numbers("lesson 09, s per answer", "RAG", rag, "closed book", closed, "s", larger=True)
    return f"{text} (retrieval {retrieval:.3g} s of it)", verdict


def _tokens(a: str, b: str, larger: bool) -> Part:
    def part(res: Results) -> tuple[str, str]:
        x, y = (res.number("lesson11_benchmark", s, "prompt tokens", "benchmark") for s in (a, b))
        return numbers("lesson 11, prompt tokens", a, x, b, y, "tokens", larger)
    return part


def _speed11(res: Results) -> tuple[str, None]:
    rag, lora = (res.number("lesson11_benchmark", s, "s per answer, batch 1", "benchmark") for s in ("RAG", "person LoRA"))
    return numbers("lesson 11, s per answer at batch 1", "RAG", rag, "person LoRA", lora, "s", True)[0], None


def _cites(res: Results) -> tuple[str, str]:
    cites = res.rate("lesson09_rag", "RAG", "cites an id", "accuracy")
    shown = res.rate("lesson09_rag", "RAG", "gold in prompt", "accuracy")
    # Read as "most answers name their source": the interval must lie above (held) or below (did not) half.
    verdict = "held" if cites.low > 0.5 else "did not hold" if cites.high < 0.5 else "within the noise"
    return (f"lesson 09, RAG answers that cite a record id {cites} (claim read as: most do); the retrieved "
            f"records, which the app can show, held the right one in {shown}", verdict)


def _update11(res: Results) -> tuple[str, str | None]:
    s = "lesson11_benchmark"
    stale, retrained = "facts LoRA, 1 wording, not retrained", "facts LoRA, 1 wording, retrained"
    text, verdict = rates("lesson 11 update,", res, s, "RAG", stale, "right", "update")
    rag_s, ft_s = (res.number(s, x, "update seconds", "update") for x in ("RAG", retrained))
    return (f"{text}; RAG re-indexed in {rag_s:.3g} s, the facts LoRA retrained in {ft_s:.3g} s to "
            f"{res.rate(s, retrained, 'right', 'update')}"), verdict


def _update09(res: Results) -> tuple[str, str | None]:
    text, verdict = rates("lesson 09 update,", res, "lesson09_rag", "RAG, after", "RAG, before", "right", "update")
    seconds = res.number("lesson09_rag", "RAG, after", "update seconds", "update")
    shown = res.rate("lesson09_rag", "RAG, after", "gold in prompt", "update")
    return f"{text}; adding the new week took {seconds:.3g} s; its record was in the prompt {shown}", verdict


def _hybrid_cost(res: Results) -> tuple[str, None]:
    hybrid, rag = (res.number("lesson11_benchmark", s, "build seconds", "benchmark")
                   for s in ("hybrid A: person LoRA + RAG", "RAG"))
    return f"cost: hybrid built in {hybrid:.3g} s (training) vs RAG {rag:.3g} s (indexing)", None


L07, L09, L10, L11 = "lesson07_evaluation", "lesson09_rag", "lesson10_retrieval", "lesson11_benchmark"
HYBRID = "hybrid A: person LoRA + RAG"
_HYBRID_PARTS: list[Part] = [
    compare("lesson 11, facts from RAG,", L11, HYBRID, "person LoRA", "right on facts", "benchmark"),
    compare("behaviour from the LoRA,", L11, HYBRID, "RAG", "kept preferences", "benchmark"),
    compare("not lost,", L11, HYBRID, "RAG", "right on facts", "benchmark", guard=True),
    compare("not lost,", L11, HYBRID, "person LoRA", "kept preferences", "benchmark", guard=True),
    _hybrid_cost]
_FACTS: list[Part] = [compare("lesson 09,", L09, "RAG", "closed book", "right", "accuracy"),
                      compare("lesson 11,", L11, "RAG", "base", "right on facts", "benchmark")]
_BEHAVIOUR: list[Part] = [compare("lesson 07,", L07, "lesson06-lora16", "base", m) for m in ("no violation", "wanted format")]
# Lesson 09's own pipeline cannot read the new week (0/25 before and after); the records reader shows whether
# retrieval brings the knowledge in when the reader can read it.
_UPDATE: list[Part] = [_update09, compare("lesson 09, records reader,", "lesson09_reader", "RAG, records, after the update",
                                          "RAG, records, before the update", "right", "update"), _update11]

# claim -> (the measurements that test it, how they combine); the claims are rules.CLAIMS.
_CLAIMS: dict[str, tuple[list[Part], str]] = {
    "Fine-tuning shapes behaviour, tone and format":
        ([compare("lesson 07,", L07, "lesson05-last6", "base", m) for m in ("no violation", "wanted format")], "all"),
    "Fine-tuning can over-fit": ([notebook("05", "training vs validation loss per epoch")], "all"),
    "LoRA trains a tiny share of the parameters and stores a small adapter": ([_lora_size], "all"),
    "An unmerged adapter adds inference delay; merging removes it":
        ([notebook("06", "tokens per second, unmerged vs merged")], "all"),
    "Fine-tuning can make the model forget general skills":
        ([compare("lesson 07,", L07, s, "base", "general questions", higher=False)
          for s in ("lesson05-last6", "lesson06-lora16")], "any"),
    "Fine-tuning shortens prompts":
        ([_tokens("person LoRA", "RAG", larger=False), _tokens("person LoRA", "base + profile prompt", larger=False)],
         "all"),
    "RAG reduces hallucination":
        ([compare("lesson 09,", L09, "RAG", "closed book", "hallucinated", "accuracy", higher=False),
          compare("lesson 11,", L11, "RAG", "base", "hallucinated", "benchmark", higher=False)], "all"),
    "RAG adds transparency through sources": ([_cites], "all"),
    "RAG absorbs new knowledge without retraining": (_UPDATE, "all"),
    "RAG adds retrieval latency and prompt length": ([_latency09, _tokens("RAG", "base", larger=True)], "all"),
    "Better retrieval gives better RAG":
        ([compare("lesson 10,", L10, "filtered BM25", "dense", "gold in prompt", "rag"),
          compare("lesson 10,", L10, "filtered BM25", "dense", "right", "rag")], "all"),
    "Hybrids combine the strengths at a cost in complexity": (_HYBRID_PARTS, "all"),
}

# (field, value, task or None) -> the measurements behind that questionnaire rule
_RULES: dict[tuple[str, str, str | None], list[Part]] = {
    ("knowledge_changes", "often", None): _UPDATE,
    ("knowledge_changes", "sometimes", None): _UPDATE,
    ("need_sources", "yes", None): [_cites],
    ("task", "facts", None): _FACTS,
    ("task", "behaviour", None): _BEHAVIOUR,
    ("task", "both", None): _HYBRID_PARTS[:2],
    ("tone_control", "yes", None): _BEHAVIOUR,
    ("latency", "strict", None): [_speed11, _latency09],
    # The rule gives RAG the point, so RAG is the system that should win: it is ``a``.
    ("knowledge_changes", "rarely", "facts"): [compare("lesson 11,", L11, "RAG", s, "right on facts", "benchmark")
                                               for s in ("facts LoRA, 1 wording", "facts LoRA, 5 wordings")],
}


def claims_table(stored: Mapping[str, dict] | None = None) -> list[dict]:
    """One row per claim of :data:`rules.CLAIMS`: ``claim``, ``lesson``, ``measured``, ``verdict``.

    ``measured`` is one line read from the results (k/n with 95% intervals, seconds, tokens);
    ``verdict`` is one of :data:`VERDICTS`. ``stored`` maps file stems (``"lesson09_rag"``, ...) to
    loaded results; a stem left out counts as a file not written yet. ``None`` reads ``results/``.

    >>> def outcomes(k):         # the same 24 questions: hallucinated on the first k of them
    ...     return {"hallucinated": {f"q{i}": int(i < k) for i in range(24)}}
    >>> rows = claims_table({"lesson09_rag": {"rows": [
    ...     {"part": "accuracy", "system": "RAG", "seed": None, "hallucinated": [3, 24], "per question": outcomes(3)},
    ...     {"part": "accuracy", "system": "closed book", "seed": None, "hallucinated": [24, 24],
    ...      "per question": outcomes(24)}]}})
    >>> row = next(r for r in rows if r["claim"] == "RAG reduces hallucination")
    >>> row["verdict"], row["measured"].split(";")[0]
    ('held', 'lesson 09, hallucinated: RAG 3/24 = 12% (95% CI 4–31%) vs closed book 24/24 = 100% (95% CI 86–100%) (paired over 24 questions, p < 0.001)')
    """
    res = Results(stored)
    rows = []
    for claim in rules.CLAIMS:
        if claim.claim in _CLAIMS:
            parts, mode = _CLAIMS[claim.claim]
            measured, verdict = evaluate(parts, res, mode)
        else:       # a claim added to rules.CLAIMS without a measurement chosen here
            measured, verdict = f"no measurement chosen for it yet (planned: {claim.measure})", "not measured"
        rows.append({"claim": claim.claim, "lesson": claim.lesson, "measured": measured, "verdict": verdict})
    return rows


def claims_markdown(rows: Sequence[Mapping[str, str]]) -> str:
    """The rows of :func:`claims_table` as a Markdown table (claim | lesson | measured | verdict).

    >>> print(claims_markdown([{"claim": "A", "lesson": "09", "measured": "1/8 | 0/8", "verdict": "held"}]))
    | claim | lesson | measured | verdict |
    |---|---|---|---|
    | A | 09 | 1/8 \\| 0/8 | **held** |
    """
    if isinstance(rows, Mapping) or not all(isinstance(r, Mapping) for r in rows):
        raise TypeError("claims_markdown() takes the list of row dicts that claims_table() returns.")
    cell = lambda text: str(text).replace("|", "\\|")    # a "|" inside a cell would split it
    lines = ["| claim | lesson | measured | verdict |", "|---|---|---|---|"]
    lines += [f"| {cell(r['claim'])} | {cell(r['lesson'])} | {cell(r['measured'])} | **{cell(r['verdict'])}** |"
              for r in rows]
    return "\n".join(lines)


def rule_evidence(field: str, value: str, task: str | None = None,
                  stored: Mapping[str, dict] | None = None) -> str | None:
    """The measurement that backs or questions the questionnaire rule for ``field=value`` (and ``task``).

    Looked up as :func:`decide.recommend` does: a rule of :data:`rules.TASK_RULES` for this task first,
    then :data:`rules.RULES`. Returns one line read from the results, opened by its verdict on the rule
    (:data:`RULE_TAGS`: ``[supports]``, ``[contradicts]``, ``[inconclusive]``, or ``[not measured yet]``
    with the command to run), or ``None`` for a rule the course did not measure.

    >>> rule_evidence("need_sources", "yes", stored={})
    '[not measured yet] lesson 09: not measured yet: run `make rag-evaluation`'
    >>> rule_evidence("documents", "no") is None
    True
    """
    if field not in rules.QUESTIONS:
        raise ValueError(f"unknown field {field!r}; the fields are: {', '.join(rules.QUESTIONS)}.")
    allowed = rules.QUESTIONS[field][1]
    if value not in allowed:
        raise ValueError(f"{field}={value!r} is not an allowed answer; choose one of {', '.join(map(repr, allowed))}.")
    if task is not None and task not in rules.QUESTIONS["task"][1]:
        raise ValueError(f"task={task!r} is not an allowed task; choose one of "
                         f"{', '.join(map(repr, rules.QUESTIONS['task'][1]))}, or None.")
    key = (field, value, task) if (field, value, task) in rules.TASK_RULES else (field, value, None)
    if key not in _RULES:
        return None
    text, verdict = evaluate(_RULES[key], Results(stored))
    return f"[{RULE_TAGS[verdict]}] {text}"


# a measurement's verdict on a claim -> its verdict on the questionnaire rule that rests on the claim
RULE_TAGS = {"held": "supports", "did not hold": "contradicts", "within the noise": "inconclusive",
             "not measured": "not measured yet"}
