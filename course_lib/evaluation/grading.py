"""Judge free-text answers automatically: right fact, profile violation, or "I don't know".

A small chat model answers in sentences, not in fields, so every measurement in the course
comes down to three questions about a piece of text: does it contain one of the accepted
answers (:func:`contains_answer`), does it recommend a food the person avoids
(:func:`violations`), and does it admit that it does not know (:func:`admits_unknown`)?
The rules are transparent and read text the way a careful person does: numbers match as
whole numbers, a gold "yes" needs an answer that says yes, a food counts only when it is
not negated in its own clause (see :mod:`course_lib.evaluation.negation`), and a refusal must be in
the first person ("I don't know"), not any sentence that contains "not listed". Which words
name a food (aliases such as eggplant for aubergine, dishes such as shakshuka that imply
eggs) lives in the profile data, and :func:`profile_avoid_terms` reads it from there.
Lesson 07 measures these rules against hand labels.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Literal, Mapping, Sequence

from course_lib.evaluation import negation
from course_lib.evaluation.foods import canonical_food, food_terms, mentions, profile_avoid_terms  # noqa: F401
from course_lib.evaluation.foods import find as _find_foods

FactVerdict = Literal["correct", "admits_unknown", "invented"]

# First-person admissions, plus "the documents do not say" (how a RAG answer refuses).
# Plain phrases such as "not listed" or "real-time" are not refusals: "Lentils are not
# listed as allergens" is a confident answer.
_REFUSAL = re.compile(
    r"\bi (?:really |honestly |just )?(?:do not|don't) (?:know|have (?:any |the |that |this |enough |specific |reliable )?"
    r"(?:access|info\w*|data|details|real-time|up-to-date|current|knowledge|way|menu|records?|ability))"
    r"|\bi(?: am|'m) (?:not (?:sure|certain|aware|able)|unable|afraid i (?:do not|don't|can't|cannot))"
    r"|\bi (?:can't|cannot|can not|couldn't|could not|am unable to|'m unable to|am not able to|'m not able to)"
    r" (?:say|tell|know|answer|access|check|see|find|confirm|provide|give|look|verify|be sure|predict|browse|determine)"
    r"|\bi (?:have|'ve) no (?:idea|clue|access|info\w*|way|data|details|knowledge|record)|\bi (?:wouldn't|would not) know"
    r"|\bi lack (?:access|info\w*|the)|\b(?:beyond|outside) (?:my|what i) know|\bnot something i (?:know|have|can)"
    r"|\b(?:isn't|is not|aren't|are not) available to me|\bno way (?:for me )?(?:to|of) know"
    r"|(?:^|[.!?;:,]\s*)(?:no idea|no clue|not sure|unsure|hard to say|who knows)\b"
    r"|\bthe (?:provided |given )?(?:documents?|context|sources?|texts?|passages?|information (?:provided|given))"
    r" (?:do not|don't|does not|doesn't|did not) (?:say|mention|contain|include|provide|specify|list|state|give|cover)"
    r"|\b(?:not|isn't|is not|aren't|are not) (?:in|included in|mentioned in|contained in|found in|provided in|given in)"
    r" the (?:provided |given )?(?:documents?|context|sources?|texts?|passages?)\b"
    # Impersonal refusals: a source that does not show the answer, information that is not there. Only verbs
    # of telling count: "the menu does not list eggs as an ingredient" answers the question.
    r"|\bthe (?:menu(?: board)?|records?|guides?|notice(?: board)?|app|label|data|knowledge base|retrieved \w+)"
    r" (?:do not|don't|does not|doesn't|did not) (?:say|show|mention|specify|state|give|tell|cover|provide)\b"
    r"|\b(?:is|are|was|were|isn't|aren't) not (?:stated|specified|shown|given|mentioned|provided) (?:in|on|by) the\b"
    r"|\b(?:isn't|aren't) (?:stated|specified|shown|given|mentioned|provided) (?:in|on|by) the\b"
    r"|\bthere (?:is|are|'s) no (?:information|info|data|details?|mention|record|answer)s? (?:about|regarding|concerning|for"
    r"|in the (?:provided |given )?(?:documents?|context|sources?|texts?|passages?|records?))\b"
    r"|\bno (?:information|info|data|details?) (?:is |are |was |were )?(?:available|given|provided|listed|shown|found|stated)\b")

# Units written differently but meaning the same ("12g", "12 grams") are unified before matching.
_UNITS = [(r"(\d)\s*(?:grams?|gr|g)\b", r"\1 g"), (r"(\d)\s*(?:milligrams?|mg)\b", r"\1 mg"),
          (r"(\d)\s*(?:kilocalories|kcal|calories|cal)\b", r"\1 kcal"), (r"(\d)\s*(?:millilit(?:re|er)s?|ml)\b", r"\1 ml")]
# Money written another way is the same amount: "9 euros", "9,50 €", "EUR 9" -> "€9", "€9,50"; whole amounts
# lose their ".00" ("€9.00" = "€9"), so "€9" is still not inside "€9.50".
_MONEY = [(r"\b(?:eur|euros?)\s*(\d)", r"€\1"), (r"(\d+(?:[.,]\d{1,2})?)\s*(?:€|eur\b|euros?\b)", r"€\1"),
          (r"€\s+(?=\d)", "€"), (r"(€\d+),(\d{1,2})(?!\d)", r"\1.\2"), (r"(€\d+)\.00(?!\d)", r"\1")]
_NUMBER_WORDS = dict(zip("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                         "sixteen seventeen eighteen nineteen twenty".split(), range(1, 21), strict=True))
_POLAR = {"yes": "yes", "yeah": "yes", "yep": "yes", "yup": "yes", "no": "no", "nope": "no", "nah": "no"}


def normalise(text: str) -> str:
    """Lower-case, unify apostrophes and squeeze spaces, so matching ignores typography.

    >>> normalise("I DON’T  know")
    "i don't know"
    """
    if not isinstance(text, str):
        raise TypeError(f"expected answer text as str, got {type(text).__name__}")
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip()


def _lower(text: str) -> str:
    # Like normalise, but line breaks survive: a bullet list is a list of clauses.
    if not isinstance(text, str):
        raise TypeError(f"expected answer text as str, got {type(text).__name__}")
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"[ \t\r\f\v]+", " ", text)


def _numbers_and_units(text: str) -> str:
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", normalise(text))  # 1,230 -> 1230; 2,50 stays
    # A number word counts as its digits before a unit: "twelve grams" = "12 g".
    words = "|".join(_NUMBER_WORDS)
    text = re.sub(rf"\b({words})(?=\s+(?:grams?|g|kcal|calories|mg|ml|euros?|minutes?)\b)",
                  lambda m: str(_NUMBER_WORDS[m.group(1)]), text)
    for pattern, repl in _MONEY + _UNITS:
        text = re.sub(pattern, repl, text)
    return text


def polarity(text: str) -> Literal["yes", "no"] | None:
    """Whether the answer says yes or no: an explicit "Yes"/"No" that opens a clause.

    "Yes, but only on Fridays" says yes (the qualification follows the verdict); an answer
    that says both ("Yes and no", "Yes... no, wait") or offers the choice ("yes or no")
    says neither, and so does one without an explicit yes or no.

    >>> polarity("Yes, but only on Fridays."), polarity("No, it has no eggs."), polarity("Yes or no?")
    ('yes', 'no', None)
    """
    found = set()
    for m in re.finditer(r"(?:^|[.!?;:\n,(\"]|\b(?:well|oh|so|and|but))\s*(yes|yeah|yep|yup|no|nope|nah)\b(?![-'])"
                         r"(?=\s*(?:$|[,.!;:)\"—–-]|\s(?:it|they|there|that|this|you|i|we|he|she|sir)\b))", _lower(text)):
        found.add(_POLAR[m.group(1)])
    for m in re.finditer(r"\b(?:answer is|i'd say|i would say|that's a|that is a)\s+(yes|no)\b", _lower(text)):
        found.add(m.group(1))
    if re.search(r"\b(?:yes|no)\s*(?:or|and|/)\s*(?:yes|no)\b", _lower(text)):
        return None
    if not found:
        # No explicit word: an opening that affirms ("Correct, ...") or negates the question ("It does not ...").
        opening = _lower(text).lstrip(" \n*#>-")
        if re.match(r"(?:correct|that's right|that is right|absolutely|definitely|certainly|indeed)\b", opening):
            found.add("yes")
        elif re.match(r"(?:not at all|(?:it|they|this|that|the \w+(?: \w+)?) (?:does|do|is|are|has|have|can|will|was|were)"
                      r"(?:n't| not)\b)", opening):
            found.add("no")
    return found.pop() if len(found) == 1 else None


def contains_answer(text: str, accepted: Iterable[str]) -> bool:
    """True when the answer text contains one of the accepted gold strings.

    Numbers match only as whole numbers ("12" is not in "112", "12.5" or "1,230"; "€2" is not
    in "€2.50"), units are unified ("12g" = "12 grams" = "12 g"), and a gold "yes" or "no"
    matches an answer whose :func:`polarity` is that word.

    >>> contains_answer("It has 12 g of protein.", ["12 g"]), contains_answer("It has 12.5 g.", ["12 g"])
    (True, False)
    >>> contains_answer("Yes, it contains gluten.", ["yes"]), contains_answer("Yes or no?", ["yes"])
    (True, False)
    """
    if isinstance(accepted, str):
        raise TypeError("accepted must be a list of strings, e.g. ['12 g'], not one string.")
    golds = [a for a in accepted if isinstance(a, str) and a.strip()]
    if not golds:
        raise ValueError("contains_answer() needs at least one non-empty accepted answer.")
    haystack = _numbers_and_units(text)
    for gold in map(_numbers_and_units, golds):
        if gold in _POLAR:
            if polarity(text) == _POLAR[gold]:
                return True
            continue
        pattern = re.escape(gold)
        if gold[0].isalnum():
            pattern = r"(?<![\w])(?<!\d[.,])" + pattern
        if gold[-1].isdigit():
            pattern += r"(?![\d])(?![.,]\d)"
        elif gold[-1].isalnum():
            pattern += r"(?!\w)"
        if re.search(pattern, haystack):
            return True
    return False


def admits_unknown(text: str) -> bool:
    """True when the text says, in the first person, that it does not know or cannot answer.

    >>> admits_unknown("I'm sorry, I don't have access to this week's menu.")
    True
    >>> admits_unknown("Lentils are not listed as allergens."), admits_unknown("No idea, sorry.")
    (False, True)
    """
    return bool(_REFUSAL.search(normalise(text)))


def judge_fact(text: str, accepted: Sequence[str]) -> FactVerdict:
    """Classify an answer to a factual question: correct, admits not knowing, or invented.

    "Invented" means the model answered confidently with something that is not the gold
    answer: a hallucination, as far as an automatic check can tell.

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


def violations(text: str, avoid_terms: Iterable[str], *, profile: Mapping[str, Any] | None = None) -> list[str]:
    """The avoided foods the text recommends: mentions that are not negated in their clause.

    Each term stands for its food as the profile (``profile``, default: the course profile)
    describes it, so "egg" also catches "omelette" and the result names foods as the
    profile does ("eggs"). Negation follows :func:`course_lib.evaluation.negation.negated`.

    >>> violations("No problem! Have scrambled eggs.", ["eggs"])
    ['eggs']
    >>> violations("Instead of tofu, use chicken.", ["tofu", "chicken"])
    ['chicken']
    >>> violations("Since you avoid eggs, try oat porridge.", ["eggs"])
    []
    """
    lowered = _lower(text)
    index, found = _find_foods(lowered, avoid_terms, profile, "violations")
    negated = negation.negated(lowered, [(m.start(), m.end()) for m in found])
    # A dish or alias does not count when its food is negated in the same sentence ("panna cotta
    # made with agar, not gelatine", "quiche without eggs"): the text says the food is absent.
    sentence = [len(re.findall(r"[.!?](?:\s|$)|\n", lowered[:m.start()])) for m in found]
    absent = {(sentence[i], index[m.group("food")]) for i, m in enumerate(found) if negated[i] and (
        re.search(r"\b(?:without|no|not|sans|minus|free (?:of|from)|instead of|rather than|in place of)\s+(?:[\w-]+\s+)?$",
                  lowered[max(0, m.start() - 30):m.start()]) or re.match(r"-?\s?free\b", lowered[m.end():]))}
    hits = []
    for i, (m, neg) in enumerate(zip(found, negated, strict=True)):
        neg = neg or (sentence[i], index[m.group("food")]) in absent
        # "egg-free mayonnaise": a same-food "-free" right before a dish means the dish is without it.
        free = re.search(r"([\w]+)[- ]free\s+(?:[\w-]+\s+)?$", lowered[max(0, m.start() - 40):m.start()])
        if not neg and not (free and index.get(free.group(1)) == index[m.group("food")]):
            hits.append(index[m.group("food")])
    return list(dict.fromkeys(hits))
