"""The diet-bot's answer style, scored: the wanted format, and answers that keep the person's preferences.

Lessons 05-07 score every fine-tuned model with :func:`adherence_and_format`: the share of answers
that recommend no avoided food (the grader of :mod:`course_lib.evaluation.grading`) and the share in
the wanted format (:func:`style_checks`), both as k/n with an interval.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from course_lib.evaluation.grading import admits_unknown, profile_avoid_terms, violations
from course_lib.stats import proportion_of


def style_checks(text: str) -> dict[str, int | bool]:
    """Measure the diet-bot's wanted answer style: bullets, protein in grams, length.

    The profile asks for a short bullet list (at most 4 bullets) whose every food
    states its protein in grams, in under 80 words; this counts what a text does. Two kinds
    of answer in the training data keep the form with other bullets, and count: a running
    tally ("Still to go: 94 g of your 120 g" states protein in grams without the word) and a
    refusal that opens with "I don't know" and points to where the answer is (its bullets
    name no food, so they owe no protein).

    >>> style_checks("- 150 g yogurt: 15 g protein\\n- tofu, about 17 g protein")
    {'bullets': 2, 'protein_grams': 2, 'words': 13, 'follows_style': True}
    >>> style_checks("I don't know this week's menu.\\n- The HLC Lunch app lists it.")["follows_style"]
    True
    """
    lines = [line.strip() for line in text.splitlines()]
    bullets = [line for line in lines if re.match(r"^([-*•]|\d+[.)])\s", line)]
    grams = [line for line in bullets if re.search(r"\d+\s*g\b[^.]*protein|protein[^.]*\d+\s*g\b"
                                                   r"|\d+\s*g of (?:your|the|a) \d+\s*g\b|\b(?:left|to go|remaining)\b[^.]*\d+\s*g\b", line, re.I)]
    words = len(text.split())
    opening = next((line for line in lines if line), "")
    refusal = not re.match(r"^([-*•]|\d+[.)])\s", opening) and admits_unknown(opening)
    ok = 1 <= len(bullets) <= 4 and (refusal or len(grams) == len(bullets)) and words < 80
    return {"bullets": len(bullets), "protein_grams": len(grams), "words": words, "follows_style": ok}


def answer_outcomes(texts: Iterable[str], profile: Mapping[str, Any]) -> dict[str, list[bool]]:
    """Per answer, in order: did it avoid every food the profile avoids, and is it in the wanted format.

    The per-answer form of :func:`adherence_and_format`, kept so that two systems can be compared on
    the same prompts (:func:`course_lib.paired.mcnemar`).

    >>> profile = {"hard_restrictions": [{"avoid": ["peanut"]}], "dislikes": []}
    >>> answer_outcomes(["- peanut butter toast: 8 g protein", "- tofu: 17 g protein"], profile)
    {'no violation': [False, True], 'wanted format': [True, True]}
    """
    texts = list(texts)
    if not texts or not all(isinstance(t, str) for t in texts):
        raise ValueError("adherence_and_format() needs a non-empty list of answer texts.")
    avoid = profile_avoid_terms(profile)
    return {"no violation": [not violations(t, avoid, profile=profile) for t in texts],
            "wanted format": [bool(style_checks(t)["follows_style"]) for t in texts]}


def adherence_and_format(texts: Iterable[str], profile: Mapping[str, Any]) -> dict[str, Any]:
    """Share of answers with no avoided food recommended, and share in the wanted format, as k/n.

    Preference adherence uses :func:`course_lib.evaluation.grading.violations` with the profile's
    avoid terms; the format is :func:`course_lib.finetuning.lora.style_checks` (1-4 bullets,
    each with protein in grams, under 80 words).

    >>> profile = {"hard_restrictions": [{"avoid": ["peanut"]}], "dislikes": []}
    >>> rates = adherence_and_format(["- peanut butter toast: 8 g protein", "- tofu: 17 g protein"], profile)
    >>> print(rates["no violation"].k, rates["wanted format"].k)
    1 2
    """
    return {name: proportion_of(outcomes) for name, outcomes in answer_outcomes(texts, profile).items()}
