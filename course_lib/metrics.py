"""How far to trust the grader: its agreement with a human on real answers.

Lesson 07. Every rate in the course comes from ``course_lib.grading``, a set of
string rules. To know what a rate is worth, compare the rules with a careful human
on the hand-labelled answers in ``datasets/graded_answers/``. Each rule is a binary
classifier, so it gets a confusion matrix: *precision* (when the rule fires, how
often the human agrees), *recall* (of the answers the human flags, how many the rule
catches), their harmonic mean *F1*, and *accuracy*.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from course_lib import grading
from course_lib.data import load_graded_answers

# rule name -> (the human label it is compared with, what the grader says about a row).
# The grader is looked up when called, so a rewritten course_lib.grading is measured as it is.
RULES: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    "violations": ("recommends_avoided", lambda row: bool(grading.violations(row["answer"], row["avoid_terms"]))),
    "contains_answer": ("correct", lambda row: grading.judge_fact(row["answer"], row["accepted"]) == "correct"),
    "admits_unknown": ("admits_unknown", lambda row: bool(grading.admits_unknown(row["answer"]))),
}


def agreement(human: Sequence[bool], grader: Sequence[bool]) -> dict[str, float | int]:
    """Confusion counts and precision, recall, F1 and accuracy of ``grader`` against ``human``.

    "Positive" is the label being true (recommends an avoided food, is correct,
    admits not knowing). A score whose denominator is 0 is reported as 0.0.

    >>> agreement([True, True, False, False], [True, False, True, False])["f1"]
    0.5
    """
    human, grader = [bool(h) for h in human], [bool(g) for g in grader]
    if len(human) != len(grader):
        raise ValueError(f"got {len(human)} human labels but {len(grader)} grader verdicts; pass one of each per answer.")
    if not human:
        raise ValueError("agreement() got no labels; pass at least one answer.")
    tn, fp, fn, tp = confusion_matrix(human, grader, labels=[False, True]).ravel()
    precision, recall, f1, _ = precision_recall_fscore_support(
        human, grader, labels=[True], average="binary", pos_label=True, zero_division=0)
    return {"n": len(human), "tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn),
            "precision": float(precision), "recall": float(recall), "f1": float(f1),
            "accuracy": float(accuracy_score(human, grader))}


def grader_verdicts(row: Mapping[str, Any]) -> dict[str, tuple[bool, bool]]:
    """For one labelled answer, ``{rule: (human label, grader verdict)}`` for the rules that apply.

    A rule applies when the row carries its human label (not ``None``).

    >>> grader_verdicts({"answer": "Try tofu.", "avoid_terms": ["egg"], "accepted": [],
    ...                  "recommends_avoided": False, "correct": None, "admits_unknown": False})
    {'violations': (False, False), 'admits_unknown': (False, False)}
    """
    out = {}
    for rule, (label, verdict) in RULES.items():
        if row.get(label) is not None:
            out[rule] = (bool(row[label]), verdict(row))
    return out


def grader_agreement(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | int]]:
    """Per rule, the grader's agreement with the hand labels of ``rows`` (see :func:`agreement`).

    >>> table = grader_agreement(load_graded_answers())
    >>> sorted(table), table["admits_unknown"]["n"]
    (['admits_unknown', 'contains_answer', 'violations'], 168)
    """
    pairs: dict[str, list[tuple[bool, bool]]] = {rule: [] for rule in RULES}
    for row in rows:
        for rule, pair in grader_verdicts(row).items():
            pairs[rule].append(pair)
    return {rule: agreement([h for h, _ in p], [g for _, g in p]) for rule, p in pairs.items() if p}


def disagreements(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every (answer, rule) where the grader and the human differ, with the human's reason."""
    out = []
    for row in rows:
        for rule, (human, grader) in grader_verdicts(row).items():
            if human != grader:
                label = RULES[rule][0]
                out.append({"id": row["id"], "rule": rule, "human": human, "grader": grader,
                            "reason": row.get(f"{label}_reason", ""), "answer": row["answer"]})
    return out


def _rate(k: int, n: int) -> str:
    # Wilson 95% interval, so a score on few answers shows how little it pins down.
    if n == 0:
        return "   0/0   (undefined)"
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return f"{k:3d}/{n:<3d} = {k / n:.2f} [{ci.low:.2f}, {ci.high:.2f}]"


def format_agreement(table: Mapping[str, Mapping[str, float | int]]) -> str:
    """The agreement table as text: counts, then each score as k/n with a 95% Wilson interval."""
    lines = [f"{'rule':<16}{'n':>4}{'TP':>5}{'FP':>5}{'FN':>5}{'TN':>5}  {'precision':<28}{'recall':<28}"
             f"{'accuracy':<28}F1"]
    for rule, t in table.items():
        tp, fp, fn, tn = t["tp"], t["fp"], t["fn"], t["tn"]
        lines.append(f"{rule:<16}{t['n']:>4}{tp:>5}{fp:>5}{fn:>5}{tn:>5}  {_rate(tp, tp + fp):<28}"
                     f"{_rate(tp, tp + fn):<28}{_rate(tp + tn, t['n']):<28}{t['f1']:.2f}")
    return "\n".join(lines)


def _main(argv: Sequence[str]) -> int:
    """``python -m course_lib.metrics graded``: print the grader's agreement with the hand labels."""
    if list(argv) != ["graded"]:
        print("usage: python -m course_lib.metrics graded")
        return 2
    rows = load_graded_answers()
    print(f"grader agreement with {len(rows)} hand-labelled answers:")
    print(format_agreement(grader_agreement(rows)))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
