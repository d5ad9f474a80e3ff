"""Judge free-text answers automatically: right fact, profile violation, or "I don't know".

A small chat model answers in sentences, not in fields, so every measurement in
the course comes down to three questions about a piece of text: does it contain
one of the accepted answers, does it recommend a food the person avoids, and does
it admit that it does not know? These rules are deliberately simple and
transparent; lesson 01 shows where they are fooled, and lesson 07 measures them.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Literal, Mapping, Sequence

FactVerdict = Literal["correct", "admits_unknown", "invented"]

# Phrases a model uses to say it cannot answer. Lower-case; matched as substrings
# after apostrophes are normalised.
REFUSAL_PHRASES = (
    "i don't know", "i do not know", "i'm not sure", "i am not sure", "not sure",
    "i don't have", "i do not have", "don't have access", "do not have access",
    "no access to", "i cannot access", "i can't access", "i'm unable", "i am unable",
    "unable to provide", "unable to answer", "cannot provide", "can't provide",
    "cannot answer", "can't answer", "cannot tell", "can't tell", "no information",
    "not have information", "not have specific information", "don't have information",
    "not in the", "not available", "not aware of", "i couldn't find", "i could not find",
    "no record", "not mentioned", "not listed", "i'm not able", "i am not able",
    "real-time", "up-to-date information",
)

# Words that turn a mention of a food into a warning about it ("no eggs",
# "egg-free", "avoid shrimp"), so the mention is not a recommendation.
NEGATION_CUES = (
    "no", "not", "without", "avoid", "avoids", "avoiding", "instead", "free", "skip",
    "dislike", "dislikes", "hate", "hates", "allergic", "intolerant", "except", "never",
    "don't", "doesn't", "exclude", "excluding", "replace", "swap", "minus", "nor",
)
NEGATION_WINDOW = 4  # words before a mention that may negate it


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and squeeze spaces, so matching ignores typography.

    >>> normalise("I DON’T  know")
    "i don't know"
    """
    if not isinstance(text, str):
        raise TypeError(f"expected answer text as str, got {type(text).__name__}")
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def contains_answer(text: str, accepted: Iterable[str]) -> bool:
    """True when the answer text contains one of the accepted gold strings.

    Numbers must match as whole numbers, so "12 g" does not match inside "112 g".

    >>> contains_answer("It has 12 g of protein.", ["12 g"])
    True
    >>> contains_answer("It has 112 g of protein.", ["12 g"])
    False
    """
    accepted = [normalise(a) for a in accepted if a and a.strip()]
    if not accepted:
        raise ValueError("contains_answer() needs at least one non-empty accepted answer.")
    haystack = normalise(text)
    for gold in accepted:
        pattern = re.escape(gold)
        if gold[0].isalnum():
            pattern = r"(?<![\w.])" + pattern
        if gold[-1].isalnum():
            pattern += r"(?![\w])" if gold[-1].isdigit() else r"(?!\w)"
        if re.search(pattern, haystack):
            return True
    return False


def admits_unknown(text: str) -> bool:
    """True when the text says the model does not know or cannot answer.

    >>> admits_unknown("I'm sorry, I don't have access to this week's menu.")
    True
    >>> admits_unknown("On Thursday they serve lasagne.")
    False
    """
    haystack = normalise(text)
    return any(phrase in haystack for phrase in REFUSAL_PHRASES)


def _term_pattern(term: str) -> re.Pattern:
    # Singular and plural should both count: "eggs" catches "egg", "egg" catches "eggs".
    term = normalise(term)
    forms = {term}
    if term.endswith("ies"):
        forms.add(term[:-3] + "y")
    elif term.endswith("s"):
        forms.add(term[:-1])
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(r"\b(?:" + alternatives + r")s?\b")


def profile_avoid_terms(profile: Mapping[str, Any]) -> list[str]:
    """Every food the person must not be offered: hard restrictions plus dislikes.

    >>> profile_avoid_terms({"hard_restrictions": [{"avoid": ["peanut"]}], "dislikes": ["eggs"]})
    ['eggs', 'peanut']
    """
    terms = {t for rule in profile["hard_restrictions"] for t in rule["avoid"]} | set(profile["dislikes"])
    return sorted(t.lower() for t in terms)


def violations(text: str, avoid_terms: Iterable[str]) -> list[str]:
    """Return the avoided foods the text recommends (mentions that are not negated).

    A mention counts unless one of ``NEGATION_CUES`` appears in the few words
    before it, or it is written as "<food>-free".

    >>> violations("Try scrambled eggs with toast.", ["egg"])
    ['egg']
    >>> violations("Since you avoid eggs, try oat porridge.", ["egg"])
    []
    """
    terms = [t for t in avoid_terms if t and t.strip()]
    if not terms:
        raise ValueError("violations() needs at least one food to avoid.")
    haystack = normalise(text)
    found = []
    for term in terms:
        for match in _term_pattern(term).finditer(haystack):
            before = re.findall(r"[\w']+", haystack[: match.start()])[-NEGATION_WINDOW:]
            after = haystack[match.end() : match.end() + 5]
            if not any(word in NEGATION_CUES for word in before) and not after.startswith("-free"):
                found.append(term)
                break
    return found


def judge_fact(text: str, accepted: Sequence[str]) -> FactVerdict:
    """Classify an answer to a factual question: correct, admits not knowing, or invented.

    "Invented" means the model answered confidently with something that is not
    the gold answer: a hallucination, as far as an automatic check can tell.

    >>> judge_fact("I don't know this week's menu.", ["lentil curry"])
    'admits_unknown'
    >>> judge_fact("They serve fish and chips.", ["lentil curry"])
    'invented'
    """
    if contains_answer(text, accepted):
        return "correct"
    if admits_unknown(text):
        return "admits_unknown"
    return "invented"


def rates(verdicts: Iterable[str]) -> dict[str, float]:
    """Share of each verdict, as fractions that sum to 1.

    >>> rates(["correct", "invented", "invented", "admits_unknown"])
    {'correct': 0.25, 'invented': 0.5, 'admits_unknown': 0.25}
    """
    counts = Counter(verdicts)
    total = sum(counts.values())
    if total == 0:
        raise ValueError("rates() got no verdicts to count.")
    return {verdict: n / total for verdict, n in counts.items()}
