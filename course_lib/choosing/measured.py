"""Reading the committed results to test a claim: paired tests, verdicts, and a clear word when a file is missing.

The building blocks of :mod:`course_lib.choosing.evidence`. :class:`Results` loads each results file once
and answers lookups (a system's rows, its pooled rate, a number) or raises :class:`NotMeasured` naming the
command to run. A *part* is a function of the results that returns one line of text and a verdict:
:func:`compare` builds the common one, ``a`` against ``b`` on a rate with the paired test of their design,
and :func:`evaluate` joins several parts into one line and one verdict ("held", "within the noise", "did not
hold", "not measured"; :data:`VERDICTS`).
"""
from __future__ import annotations

import json
import statistics
from typing import Callable, Mapping, Sequence

from course_lib import data, paired, results
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
    "lesson09_reader": ("runs.lesson09_reader", "make rag-evaluation"),
    "lesson10_retrieval": ("runs.lesson10_retrieval", "make rag-evaluation"),
    "lesson11_benchmark": ("runs.lesson11_benchmark", "make benchmark"),
}


class NotMeasured(LookupError):
    """A results file, system or metric that is not there (yet); the message names the command to run."""


def missing(stem: str, why: str = "not measured yet") -> NotMeasured:
    """The error for a results file, system or metric that is not there, naming the command that makes it."""
    return NotMeasured(f"lesson {stem[6:8]}: {why}: run `{SOURCES[stem][1]}`")


class Results:
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
                raise missing(stem)
            try:
                self.loaded[stem] = _read(stem)
            except FileNotFoundError:
                raise missing(stem) from None
            except json.JSONDecodeError:     # a run writing the file right now
                raise missing(stem, "its file is being written, not readable yet") from None
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
            raise missing(stem, f"{system!r} {metric!r} not measured yet")
        return found

    def rate(self, stem: str, system: str, metric: str, part: str | None = None) -> Proportion:
        """``metric`` of ``system`` with its seeds pooled (all answers of all seeds in one k/n)."""
        rows = self.rows(stem, system, metric, part)
        if sum(r[metric][1] for r in rows) == 0:
            raise missing(stem, f"{system!r} answered no questions for {metric!r}")
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


Part = Callable[[Results], tuple[str, "str | None"]]   # -> (one line, a verdict or None: context only)


def rates(what: str, res: Results, stem: str, a: str, b: str, metric: str, part: str | None = None,
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


def numbers(what: str, a: str, x: float, b: str, y: float, unit: str, larger: bool) -> tuple[str, str]:
    """Two single measurements (seconds, tokens) compared plainly: no spread is stored, so no test."""
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


def evaluate(parts: Sequence[Part], res: Results, mode: str = "all") -> tuple[str, str]:
    """Run ``parts`` on the results: their lines joined, and one verdict (``mode`` "all" or "any" of them)."""
    texts, verdicts = [], []
    for part in parts:
        try:
            text, verdict = part(res)
        except NotMeasured as missing:
            text, verdict = str(missing), None
        texts.append(text)
        verdicts += [verdict] if verdict else []
    return "; ".join(dict.fromkeys(texts)), _combine(verdicts, mode)


def notebook(lesson: str, what: str) -> Part:
    """A part for a claim shown only in a lesson's notebook: a line that says so, and no verdict."""
    return lambda res: (f"shown in lesson {lesson}'s notebook ({what}); no results file stores it", None)


def compare(what: str, stem: str, a: str, b: str, metric: str, part: str | None = None, higher: bool = True,
            guard: bool = False) -> Part:
    """A part: ``a`` against ``b`` on ``metric`` in the results file ``stem``, as :func:`rates` tests it."""
    return lambda res: rates(what, res, stem, a, b, metric, part, higher, guard)


