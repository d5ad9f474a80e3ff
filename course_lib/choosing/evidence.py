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

import json
import statistics
from typing import Callable, Mapping, Sequence

from course_lib import data, paired, results
from course_lib.choosing import rules
from course_lib.evaluation.benchmark import add_right_on_facts, benchmark_questions
from course_lib.results import pool
from course_lib.stats import ALPHA, Proportion, p_text

VERDICTS = ("held", "did not hold", "within the noise", "not measured")

# file stem -> (module whose load_results reads it, the command that writes it)
# results file stem -> (the long run that writes it, the command to run)
SOURCES: dict[str, tuple[str, str]] = {
    "lesson06_sweeps": ("runs.lesson06_sweeps", "make sweeps"),
    "lesson07_evaluation": ("runs.lesson07_evaluation", "make evaluation"),
    "lesson09_rag": ("runs.lesson09_rag", "make rag-evaluation"),
    "lesson10_retrieval": ("runs.lesson10_retrieval", "make rag-evaluation"),
    "lesson11_benchmark": ("runs.lesson11_benchmark", "make benchmark"),
}


class NotMeasured(LookupError):
    """A results file, system or metric that is not there (yet); the message names the command to run."""


def _missing(stem: str, why: str = "not measured yet") -> NotMeasured:
    return NotMeasured(f"lesson {stem[6:8]}: {why}: run `{SOURCES[stem][1]}`")


class _Results:
    """The stored results, loaded once per file; lookups raise :class:`NotMeasured` instead of crashing."""

    def __init__(self, stored: Mapping[str, dict] | None) -> None:
        if stored is not None and not isinstance(stored, Mapping):
            raise TypeError(f"stored must map a file stem (e.g. 'lesson09_rag') to its loaded dict, "
                            f"got {type(stored).__name__}; pass None to read the committed files.")
        unknown = sorted(set(stored or ()) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown results file(s) {unknown}; the stems are: {', '.join(SOURCES)}.")
        self.stored, self.loaded = stored, dict(stored or {})

    def file(self, stem: str) -> dict:
        if stem not in self.loaded:
            if self.stored is not None:          # fixtures given: a stem left out is a missing file
                raise _missing(stem)
            try:
                self.loaded[stem] = _read(stem)
            except FileNotFoundError:
                raise _missing(stem) from None
            except json.JSONDecodeError:     # a run writing the file right now
                raise _missing(stem, "its file is being written, not readable yet") from None
        return self.loaded[stem]

    def version(self, stem: str) -> tuple | None:
        """Which version of a committed file the rows come from (None for results passed in directly)."""
        if self.stored is not None:
            return None
        path = results.path_of(f"{stem}.json")
        return (str(path), path.stat().st_mtime_ns) if path.is_file() else None

    def rows(self, stem: str, system: str, metric: str, part: str | None = None) -> list[dict]:
        found = [r for r in self.file(stem).get("rows", [])
                 if r.get("system") == system and (part is None or r.get("part") == part) and r.get(metric) is not None]
        if not found:
            raise _missing(stem, f"{system!r} {metric!r} not measured yet")
        return found

    def rate(self, stem: str, system: str, metric: str, part: str | None = None) -> Proportion:
        """``metric`` of ``system`` with its seeds pooled (all answers of all seeds in one k/n)."""
        rows = self.rows(stem, system, metric, part)
        if sum(r[metric][1] for r in rows) == 0:
            raise _missing(stem, f"{system!r} answered no questions for {metric!r}")
        return pool(rows, metric)["pooled"]

    def number(self, stem: str, system: str, metric: str, part: str | None = None) -> float:
        """``metric`` of ``system``: the mean over seeds (of each row's median, when a row holds repeats)."""
        values = [r[metric] for r in self.rows(stem, system, metric, part)]
        return statistics.fmean(statistics.median(v) if isinstance(v, list) else float(v) for v in values)


_READ: dict[tuple[str, int], dict] = {}    # (file, modification time) -> its loaded results


_TESTED: dict[tuple, tuple] = {}    # (file version, a, b, metric, part) -> the paired test's numbers


def _read(stem: str) -> dict:
    """A committed results file, read (and lesson 11's answers graded per question) once per version of the file:
    grading every stored answer takes seconds, and the questionnaire asks for evidence rule by rule."""
    path = results.path_of(f"{stem}.json")
    key = (str(path), path.stat().st_mtime_ns) if path.is_file() else (str(path), -1)
    if key not in _READ:
        stored = results.load(path, SOURCES[stem][1])
        _READ[key] = _with_facts(stored) if stem == "lesson11_benchmark" else stored
    return _READ[key]


def _with_facts(stored: dict) -> dict:
    """Lesson 11's rows with "right on facts" and, from their stored answers, their outcomes per question."""
    return add_right_on_facts(stored, benchmark_questions(), data.load_profile())


Part = Callable[[_Results], tuple[str, "str | None"]]   # -> (one line, a verdict or None: context only)


def _rates(what: str, res: _Results, stem: str, a: str, b: str, metric: str, part: str | None = None,
           higher: bool = True, guard: bool = False) -> tuple[str, str | None]:
    """``a`` against ``b`` on a rate, claimed higher (or lower), with the paired test of their design (both
    answered the same questions: McNemar for one run each, questions resampled with seeds inside for several).
    A ``guard`` only says "did not hold" when ``a`` is distinguishably worse: it checks that a gain elsewhere
    did not cost this one."""
    rows_a, rows_b = res.rows(stem, a, metric, part), res.rows(stem, b, metric, part)
    counts = f"{what} {metric}: {a} {_counts(rows_a, metric)} vs {b} {_counts(rows_b, metric)}"
    # The resampling tests take a moment; the questionnaire asks for the same comparison rule after rule.
    key = (res.version(stem), a, b, metric, part)
    if key[0] is None or key not in _TESTED:
        tested = _test(stem, rows_a, rows_b, metric)
        if key[0] is None or tested is None:
            return _verdict_line(counts, tested, stem, higher, guard)
        _TESTED[key] = tested
    return _verdict_line(counts, _TESTED[key], stem, higher, guard)


def _test(stem: str, rows_a: Sequence[Mapping], rows_b: Sequence[Mapping], metric: str) -> tuple | None:
    """(rate a, rate b, p-value, how it was tested), or None when the rows allow no paired test."""
    try:
        test = paired.compare_outcomes(results.per_question(rows_a, metric), results.per_question(rows_b, metric))
        rate_a, rate_b = ((test.a_right / test.n, test.b_right / test.n) if isinstance(test, paired.PairedComparison)
                          else (test.a_rate, test.b_rate))
        return rate_a, rate_b, test.p_value, f"paired over {_questions(test)} questions"
    except ValueError:          # results written before outcomes were stored per question
        bound = results.counts_bound(rows_a, rows_b, metric)
        if bound is None:
            return None
        ka, kb, n, p_value = bound
        return ka / n, kb / n, p_value, "counts only: the largest McNemar p any pairing allows"


def _verdict_line(counts: str, tested: tuple | None, stem: str, higher: bool, guard: bool) -> tuple[str, str | None]:
    if tested is None:
        return f"{counts} (no paired test: re-run `{SOURCES[stem][1]}` to store outcomes per question)", None
    rate_a, rate_b, p_value, how = tested
    gain = rate_a - rate_b if higher else rate_b - rate_a
    distinguishable = p_value < ALPHA
    if guard:
        verdict = "did not hold" if gain < 0 and distinguishable else None
    else:
        verdict = "did not hold" if gain <= 0 else "held" if distinguishable else "within the noise"
    return f"{counts} ({how}, {p_text(p_value)})", verdict


def _counts(rows: Sequence[Mapping], metric: str) -> str:
    """One run: k/n with its interval. Several seeds: the pooled k/n and the number of seeds, no interval (the
    seeds share their questions, so the pooled count is not that many independent answers)."""
    if len(rows) == 1:
        return str(pool(rows, metric)["pooled"])
    k, n = (sum(r[metric][i] for r in rows) for i in (0, 1))
    return f"{k}/{n} over {len(rows)} seeds"


def _questions(test: "paired.PairedComparison | paired.ClusteredComparison") -> int:
    return test.n if isinstance(test, paired.PairedComparison) else test.questions


def _numbers(what: str, a: str, x: float, b: str, y: float, unit: str, larger: bool) -> tuple[str, str]:
    held = x > y if larger else x < y
    return f"{what}: {a} {x:.3g} {unit} vs {b} {y:.3g} {unit}", "held" if held else "did not hold"


def _combine(verdicts: Sequence[str], mode: str) -> str:
    # "all": every measurement must show it; "any": a claim that something *can* happen needs one instance.
    if not verdicts:
        return "not measured"
    if mode == "any":
        return next((v for v in ("held", "within the noise") if v in verdicts), "did not hold")
    if "did not hold" in verdicts:
        return "did not hold"
    return "held" if all(v == "held" for v in verdicts) else "within the noise"


def _evaluate(parts: Sequence[Part], res: _Results, mode: str = "all") -> tuple[str, str]:
    texts, verdicts = [], []
    for part in parts:
        try:
            text, verdict = part(res)
        except NotMeasured as missing:
            text, verdict = str(missing), None
        texts.append(text)
        verdicts += [verdict] if verdict else []
    return "; ".join(dict.fromkeys(texts)), _combine(verdicts, mode)


def _notebook(lesson: str, what: str) -> Part:
    return lambda res: (f"shown in lesson {lesson}'s notebook ({what}); no results file stores it", None)


def _lora_size(res: _Results) -> tuple[str, None]:
    by_rank = {r["value"]: r["trainable"] for r in res.file("lesson06_sweeps")["rows"]
               if r.get("sweep") == "rank" and "trainable" in r}
    if not by_rank:
        raise _missing("lesson06_sweeps")
    ranks = ", ".join(f"rank {k}: {v:,}" for k, v in sorted(by_rank.items()))
    # The model's total and the adapter's bytes are not stored, so the share cannot be judged from the files.
    return (f"lesson 06 sweeps, trainable parameters ({ranks}); the model's total and the adapter's size on "
            "disk are shown in lesson 06's notebook, not stored", None)


def _latency09(res: _Results) -> tuple[str, str]:
    retrieval = res.number("lesson09_rag", "RAG", "retrieval s", "latency")
    rag = retrieval + res.number("lesson09_rag", "RAG", "generation s", "latency")
    closed = res.number("lesson09_rag", "closed book", "generation s", "latency")
    text, verdict = _numbers("lesson 09, s per answer", "RAG", rag, "closed book", closed, "s", larger=True)
    return f"{text} (retrieval {retrieval:.3g} s of it)", verdict


def _tokens(a: str, b: str, larger: bool) -> Part:
    def part(res: _Results) -> tuple[str, str]:
        x, y = (res.number("lesson11_benchmark", s, "prompt tokens", "benchmark") for s in (a, b))
        return _numbers("lesson 11, prompt tokens", a, x, b, y, "tokens", larger)
    return part


def _speed11(res: _Results) -> tuple[str, None]:
    rag, lora = (res.number("lesson11_benchmark", s, "s per answer, batch 1", "benchmark") for s in ("RAG", "person LoRA"))
    return _numbers("lesson 11, s per answer at batch 1", "RAG", rag, "person LoRA", lora, "s", True)[0], None


def _cites(res: _Results) -> tuple[str, str]:
    cites = res.rate("lesson09_rag", "RAG", "cites an id", "accuracy")
    shown = res.rate("lesson09_rag", "RAG", "gold in prompt", "accuracy")
    # Read as "most answers name their source": the interval must lie above (held) or below (did not) half.
    verdict = "held" if cites.low > 0.5 else "did not hold" if cites.high < 0.5 else "within the noise"
    return (f"lesson 09, RAG answers that cite a record id {cites} (claim read as: most do); the retrieved "
            f"records, which the app can show, held the right one in {shown}", verdict)


def _update11(res: _Results) -> tuple[str, str | None]:
    s = "lesson11_benchmark"
    stale, retrained = "facts LoRA, 1 wording, not retrained", "facts LoRA, 1 wording, retrained"
    text, verdict = _rates("lesson 11 update,", res, s, "RAG", stale, "right", "update")
    rag_s, ft_s = (res.number(s, x, "update seconds", "update") for x in ("RAG", retrained))
    return (f"{text}; RAG re-indexed in {rag_s:.3g} s, the facts LoRA retrained in {ft_s:.3g} s to "
            f"{res.rate(s, retrained, 'right', 'update')}"), verdict


def _update09(res: _Results) -> tuple[str, str | None]:
    text, verdict = _rates("lesson 09 update,", res, "lesson09_rag", "RAG, after", "RAG, before", "right", "update")
    seconds = res.number("lesson09_rag", "RAG, after", "update seconds", "update")
    shown = res.rate("lesson09_rag", "RAG, after", "gold in prompt", "update")
    return f"{text}; adding the new week took {seconds:.3g} s; its record was in the prompt {shown}", verdict


def _hybrid_cost(res: _Results) -> tuple[str, None]:
    hybrid, rag = (res.number("lesson11_benchmark", s, "build seconds", "benchmark")
                   for s in ("hybrid A: person LoRA + RAG", "RAG"))
    return f"cost: hybrid built in {hybrid:.3g} s (training) vs RAG {rag:.3g} s (indexing)", None


def _r(what: str, stem: str, a: str, b: str, metric: str, part: str | None = None, higher: bool = True,
       guard: bool = False) -> Part:
    return lambda res: _rates(what, res, stem, a, b, metric, part, higher, guard)


L07, L09, L10, L11 = "lesson07_evaluation", "lesson09_rag", "lesson10_retrieval", "lesson11_benchmark"
HYBRID = "hybrid A: person LoRA + RAG"
_HYBRID_PARTS: list[Part] = [
    _r("lesson 11, facts from RAG,", L11, HYBRID, "person LoRA", "right on facts", "benchmark"),
    _r("behaviour from the LoRA,", L11, HYBRID, "RAG", "kept preferences", "benchmark"),
    _r("not lost,", L11, HYBRID, "RAG", "right on facts", "benchmark", guard=True),
    _r("not lost,", L11, HYBRID, "person LoRA", "kept preferences", "benchmark", guard=True),
    _hybrid_cost]
_FACTS: list[Part] = [_r("lesson 09,", L09, "RAG", "closed book", "right", "accuracy"),
                      _r("lesson 11,", L11, "RAG", "base", "right on facts", "benchmark")]
_BEHAVIOUR: list[Part] = [_r("lesson 07,", L07, "lesson06-lora16", "base", m) for m in ("no violation", "wanted format")]
_UPDATE: list[Part] = [_update09, _update11]

# claim -> (the measurements that test it, how they combine); the claims are rules.CLAIMS.
_CLAIMS: dict[str, tuple[list[Part], str]] = {
    "Fine-tuning shapes behaviour, tone and format":
        ([_r("lesson 07,", L07, "lesson05-last6", "base", m) for m in ("no violation", "wanted format")], "all"),
    "Fine-tuning can over-fit": ([_notebook("05", "training vs validation loss per epoch")], "all"),
    "LoRA trains a tiny share of the parameters and stores a small adapter": ([_lora_size], "all"),
    "An unmerged adapter adds inference delay; merging removes it":
        ([_notebook("06", "tokens per second, unmerged vs merged")], "all"),
    "Fine-tuning can make the model forget general skills":
        ([_r("lesson 07,", L07, s, "base", "general questions", higher=False)
          for s in ("lesson05-last6", "lesson06-lora16")], "any"),
    "Fine-tuning shortens prompts":
        ([_tokens("person LoRA", "RAG", larger=False), _tokens("person LoRA", "base + profile prompt", larger=False)],
         "all"),
    "RAG reduces hallucination":
        ([_r("lesson 09,", L09, "RAG", "closed book", "hallucinated", "accuracy", higher=False),
          _r("lesson 11,", L11, "RAG", "base", "hallucinated", "benchmark", higher=False)], "all"),
    "RAG adds transparency through sources": ([_cites], "all"),
    "RAG absorbs new knowledge without retraining": (_UPDATE, "all"),
    "RAG adds retrieval latency and prompt length": ([_latency09, _tokens("RAG", "base", larger=True)], "all"),
    "Better retrieval gives better RAG":
        ([_r("lesson 10,", L10, "filtered BM25", "dense", "gold in prompt", "rag"),
          _r("lesson 10,", L10, "filtered BM25", "dense", "right", "rag")], "all"),
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
    ("knowledge_changes", "rarely", "facts"): [_r("lesson 11,", L11, "RAG", s, "right on facts", "benchmark")
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
    res = _Results(stored)
    rows = []
    for claim in rules.CLAIMS:
        if claim.claim in _CLAIMS:
            parts, mode = _CLAIMS[claim.claim]
            measured, verdict = _evaluate(parts, res, mode)
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
    text, verdict = _evaluate(_RULES[key], _Results(stored))
    return f"[{RULE_TAGS[verdict]}] {text}"


# a measurement's verdict on a claim -> its verdict on the questionnaire rule that rests on the claim
RULE_TAGS = {"held": "supports", "did not hold": "contradicts", "within the noise": "inconclusive",
             "not measured": "not measured yet"}
