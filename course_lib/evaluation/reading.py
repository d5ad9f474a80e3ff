"""Why a reader failed with the answer in front of it: one stated rule per kind of failure.

Lesson 09 finds most of RAG's wrong answers are *reading* failures: the prompt held an accepted answer
string and the model still answered wrong. :func:`classify_failure` sorts such an answer into one of
:data:`FAILURES` with rules applied in order, so every verdict can be traced:

1. **refused**: it says it does not know (:func:`course_lib.evaluation.grading.admits_unknown`);
2. **wrong line**: it copies something of the context that is not the answer: a number found in the context
   but not among the accepted answers, or two content words in a row from a context line away from the answer
   (a line that neither holds the answer nor sits just above it: a dish's name sits above its price);
3. **wrong number**: the answer is a number and the reply gives a number found nowhere in the context;
4. **ran out of tokens**: the reply stops mid-sentence after quoting the line that holds the answer;
5. **ignored context**: none of the above, and few of its words come from the context;
6. **format**: none of the above, yet it uses the context: the content may be right in a form the accepted
   strings miss (these are the ones to read by hand).

Lesson 09 checks the rules against a hand-labelled sample and prints the agreement beside the counts.
"""
from __future__ import annotations

import re
from typing import Iterable

from course_lib.evaluation.grading import admits_unknown, contains_answer, normalise

FAILURES = ("refused", "wrong line", "wrong number", "ran out of tokens", "ignored context", "format")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[a-zà-ÿ0-9€-]+")
_STOP = set("a an the of and or in on at to for with is are was were it its this that be by from as your you i "
            "contains has have per day".split())


def _numbers(text: str) -> set[str]:
    return {n.replace(",", ".").rstrip("0").rstrip(".") if "." in n.replace(",", ".") else n
            for n in _NUMBER.findall(normalise(text))}


def _pairs(text: str) -> set[tuple[str, ...]]:
    # two content words in a row (numbers left to the number rules)
    words = [w for w in _WORD.findall(normalise(text)) if w not in _STOP and not w[0].isdigit()]
    return {tuple(words[i:i + 2]) for i in range(len(words) - 1)}


def classify_failure(answer: str, accepted: Iterable[str], context: str, question: str = "") -> str:
    """The kind of a wrong answer given with ``context`` (the passages of its prompt), one of :data:`FAILURES`.
    What the ``question`` itself says (a dish code, a date) is not counted as copied from the context.

    >>> ctx = "Monday: Leek soup (D-101), price €2.50\\nTuesday: Tomato soup (D-102), price €3.10"
    >>> classify_failure("It costs €3.10.", ["€2.50"], ctx)
    'wrong line'
    >>> classify_failure("It costs €4.20.", ["€2.50"], ctx)
    'wrong number'
    >>> classify_failure("I don't know.", ["€2.50"], ctx)
    'refused'
    """
    accepted = list(accepted)
    if admits_unknown(answer):
        return "refused"
    gold_numbers = set().union(*(_numbers(a) for a in accepted)) if accepted else set()
    asked = _numbers(question)
    said, given = _numbers(answer) - asked, _numbers(context)
    if said & (given - gold_numbers):
        return "wrong line"
    lines = [line for line in context.splitlines() if line.strip()]
    holds = [i for i, line in enumerate(lines) if contains_answer(line, accepted)]
    near = {j for i in holds for j in (i - 1, i)}
    elsewhere = set().union(set(), *(_pairs(line) for i, line in enumerate(lines) if i not in near))
    copied = _pairs(answer) - _pairs(question)
    if copied & elsewhere - set().union(set(), *(_pairs(lines[i]) for i in near if 0 <= i < len(lines))):
        return "wrong line"
    if gold_numbers and said - given:
        return "wrong number"
    answer_lines = set().union(set(), *(_pairs(lines[i]) for i in near if 0 <= i < len(lines)))
    if not re.search(r"[.!?)\]]\s*$", answer.strip()) and copied & answer_lines:
        return "ran out of tokens"
    words = [w for w in _WORD.findall(normalise(answer)) if w not in _STOP]
    context_words = set(_WORD.findall(normalise(context)))
    if not words or sum(w in context_words for w in words) / len(words) < 0.5:
        return "ignored context"
    return "format"
