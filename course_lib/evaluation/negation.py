"""Clauses and negation scope: is a mention of a food a recommendation or a warning?

"Skip the eggs" and "Have the eggs" name the same food; only the words around the
mention tell them apart. The rule used here is the one a careful reader applies: a
negation cue ("no", "not", "avoid", "instead of", "free of", "replace", ...) negates the
foods that follow it *in its own clause*, up to the point where the sentence turns to
the alternative ("replace X **with** Y", "skip X **and have** Y"); a clause can also
negate a food named before the cue ("X is not suitable for you", "X, which you dislike").
Clauses end at sentence ends, semicolons, colons, dashes, brackets, "but"/"because"/...
and at commas that start a new clause ("Instead of tofu, use chicken"). Idioms that
contain a cue but negate nothing ("Don't forget the eggs", "No problem") are masked first.
:func:`negated` takes lower-cased text and the spans of the food mentions in it.
"""
from __future__ import annotations

import re
from typing import Sequence

# Idioms with a negation word that do not negate the food after them; "don't skip X" even
# recommends X. They are blanked out before cues are looked for.
_NOT_NEGATIONS = re.compile(
    r"\b(?:(?:do not|don't|never|not to|no need to|needn't) (?:(?:have|need) to )?(?:forget|miss|overlook|neglect|hesitate|skip|avoid|pass up|leave out"
    r"|be afraid|rule out|underestimate)|no (?:problem|problems|worries|doubt|wonder|matter|question)"
    r"|no(?:t)? (?:more|less|fewer) than|not (?:only|just|bad|a problem)|why not|(?:can't|cannot|won't) (?:go wrong|beat)"
    r"|nothing beats|don't mind|doesn't hurt|no-(?:bake|cook|fuss|knead|brainer|nonsense|frills)"
    r"|whether or not|if not)\b"
    r"|\bno\b(?=\s*[,.!?;:])"  # the interjection "No," answers a question; it negates no food
)

# Cues that negate what follows them. Substitution cues are separate: their scope ends at
# the word that introduces the replacement ("replace X with Y", "swap X for Y").
_SUBSTITUTION = r"replac\w*|swap\w*(?: out)?|exchang\w*|switch(?:ing)? (?:out|from)|chang\w* from|mov\w* from"
_PRE_CUE = re.compile(
    r"\b(?:swap\w* in|not|no|never|none of|neither|nor|without|w/o|cannot|can not|\w+n't|hardly|against"
    r"|avoid\w*|skip\w*|forget(?: about)?|exclud\w*|except|minus|sans|omit\w*|leave out|leaving out|left out|cut out|cutting out"
    r"|hold the|stay away from|steer clear of|keep away from|say no to|give up|giving up|pass on|eliminat\w+|remov\w+"
    r"|instead of|rather than|in place of|alternatives? to|(?:substitutes?|replacements?|swaps?|alternatives?) for"
    r"|free (?:of|from)|allergic to|allerg(?:y|ies) to|intoleran\w+ (?:to|of)|sensitive to"
    r"|dislik\w*|hat(?:e|es|ed|ing)|can't stand|detest\w*|unsuitable|unlike"
    # A comparison names a food the dish imitates, not one it holds ("tastes like eggs").
    r"|(?:tastes?|tasting|looks?|smells?|feels?) (?:just )?like|similar to|resembl\w*|reminiscent of|mimic\w*|imitat\w*|"
    r"(?:better|healthier|safer|preferable|smarter)(?: choice| option| pick| bet)? than"
    r"|" + _SUBSTITUTION + r"|substitut\w*)\b")
_SUBST_END = re.compile(r"\b(?:with|by|for|to|into)\b")
# After a cue, an imperative that follows the negated food turns to what is recommended
# ("skip the eggs and have tofu", "instead of tofu use chicken"); a verb right after the cue is
# the negated action itself ("don't eat eggs"), and one after "that"/"which" is a relative clause.
_IMPERATIVE = (r"(?:use|try|have|choose|pick|go|opt|get|order|enjoy|eat|grab|consider|add|take|make|include|pair|top"
               r"|serve|prefer|stick|swap in|reach)")
_TURN = re.compile(r"(?<!\bthat)(?<!\bwhich)(?<!\bwho)\s" + _IMPERATIVE + r"\b"
                   r"|\b(?:and|or|then|so|plus|but)\s+(?:(?:it|that|this)\s+)?(?:is|are|has|contains?|gives?|offers?"
                   r"|provides?|works?|tastes?|'s)\b|\binstead\b(?! of)")
_LEAD_IN = re.compile(r"^\s*(?:(?:ever|really|even|usually|necessarily|always|be|want|need|have|try|going|able|to|too"
                      r"|much|you|i|we|just|recommend|suggest|advise)\s+)*(?:" + _IMPERATIVE + r"\b)?")
_CHOICE_OVER = re.compile(r"\b(?:choose|choosing|pick|picking|prefer\w*|opt\w* for|go for|favou?r\w*|select\w*)\b")

# Words after a negator that make "X is not <word>" a verdict on X, e.g. "not suitable".
_FIT = (r"(?:suitable|suit\w*|ok|okay|allowed|permitted|safe|for you|an option|options?|recommended|advis\w+|good|great"
        r"|best|healthiest|leanest|optimal|ideal"
        r"|ideal|fit\w*|appropriate|acceptable|compatible|vegetarian|vegan|right|wise|work\w*|part of|on (?:your|the) "
        r"(?:menu|list|plan|plate)|included|like|eat|enjoy|tolerate|want|possible|in line|match\w*|meet\w*|choice|pick|idea|something|what you|(?:your|my) thing"
        r"|(?:your|my) cup of tea|(?:your|my) favou?rite|to your (?:taste|liking))")
_NEGATOR = r"(?:not|\w+n't|never|no longer|cannot|hardly)"
_VERDICT = (r"(?:avoided|excluded|skipped|off[- ]limits|off (?:the|your) (?:menu|table|list|plate)|unsuitable|forbidden|banned"
            r"|(?:a )?no-go|out of the question|ruled out|to (?:avoid|skip)|best (?:avoided|skipped|left out)|left out|omitted"
            r"|removed|replaced|swapped|substituted|switched out|a (?:bad|poor) (?:idea|choice|fit|option|pick)|problematic"
            r"|risky|unsafe|a problem|incompatible|prohibited|(?:is|are|'s|'re) out(?! of))")
_POST_CUE = re.compile(
    r"^(?:\s*[\w'-]+){0,5}?\s*\b(?:" + _NEGATOR + r"\b(?:\s+[\w'-]+){0,3}?\s+" + _FIT + r"\b|" + _VERDICT + r"\b)")
# A statement of what a food is ("peanuts are not nuts but a legume", "peanut is a legume") describes it
# and offers nothing; praise ("eggs are a great pick") is not of this kind.
_DESCRIBED = re.compile(
    r"^\s*(?:(?:is|are|was|were|'s|'re)\s+(?:not\s+|n't\s+)?(?:actually\s+|technically\s+|botanically\s+|really\s+"
    r"|in fact\s+)?(?:classed as\s+|classified as\s+|counted as\s+)?(?:a\s+|an\s+|true\s+|real\s+)*"
    r"(?:legumes?|nuts?|tree nuts?|seeds?|pulses?|allergens?|separate allergen|relatives? of|members? of"
    r"|(?:a )?(?:type|kind|form|variety|cut) of)"
    r"|(?:counts?|belongs?)\s+(?:as|to)\s+(?:a\s+|the\s+)?(?:legumes?|nuts?|pulses?|seeds?|legume family|pea family))\b")
# Directly after a food: "peanut-free", "egg- and dairy-free", "egg allergy", "meat substitute".
_POST_ATTACHED = re.compile(r"^(?:-?\s?free\b|-(?:style|like|inspired)\b|-\s+(?:and|or|&)\s+[\w-]+-free\b|s?\s+(?:allerg\w+|intoleran\w+|substitutes?"
                            r"|replacers?|replacements?|alternatives?|analogues?)\b)")
# Directly before a food: a meat-free or egg-free version is not the food ("vegan mayo").
_PRE_ATTACHED = re.compile(r"\b(?:vegan|vegetarian|veggie|plant-based|meatless|meat-free|mock|faux|imitation|fake"
                           r"|egg-free|eggless|dairy-free and)\s+(?:[\w-]+\s+)?$")
_AVOID_HEADING = re.compile(r"\b(?:avoid\w*|skip\w*|exclud\w*|steer clear|stay away|never|off[- ]limits|unsuitable"
                            r"|not (?:suitable|recommended|allowed|for you)|\w+n't (?:eat|have|order|choose|try|use))\b")
_PRONOUN = re.compile(r"\b(?:it|its|it's|them|they|they're|this|that|these|those|which|both|either|neither|one|ones)\b")

# Clause boundaries: sentence ends (not decimal points), ; : brackets, dashes, line breaks, conjunctions.
_HARD_BREAK = re.compile(r"[.!?]+(?=\s|$)|[;:()\[\]\n]|\s[-–—]+\s|—|\s(?=(?:but|however|although|though|whereas|yet"
                         r"|because|since|unless|while|which|whereas)\b)")
_STARTER = re.compile(
    r"^\s*(?:(?:and|or|so|then|but)\s+)?(?:i|you|we|they|it|he|she|this|that|these|those|there|here|which"
    r"|i'm|i'd|i'll|you're|you'll|you'd|it's|they're|that's|there's|here's|let's|use|try|have|choose|pick|go|opt|get"
    r"|order|enjoy|eat|grab|consider|add|take|make|include|pair|top|serve|swap|replace|substitute|skip|avoid"
    r"|instead|otherwise|just|please|so|then|since|because|if|unless|though|although|sadly|unfortunately)\b")
_HAS_VERB = re.compile(r"\b(?:is|are|was|were|will|would|can|could|should|has|have|had|does|do|did|makes|gives|works"
                       r"|tastes|contains|provides|offers)\b|'s\b|'re\b")


def _blank(match: re.Match) -> str:
    return "~" * len(match.group())


def clauses(text: str) -> list[tuple[int, int, int]]:
    """Split lower-cased ``text`` into clauses, as ``(start, end, sentence_number)`` spans.

    >>> t = "instead of tofu, use chicken. no eggs, mushrooms or coriander"
    >>> [t[s:e].strip(" ,.") for s, e, _ in clauses(t)]
    ['instead of tofu', 'use chicken', 'no eggs, mushrooms or coriander']
    """
    spans, sentence, start = [], 0, 0
    for brk in _HARD_BREAK.finditer(text):
        spans.append((start, brk.start(), sentence))
        if re.match(r"[.!?\n]", brk.group().strip(" ") or " "):
            sentence += 1
        start = brk.end()
    spans.append((start, len(text), sentence))
    out = []
    for s, e, n in spans:
        # A comma starts a new clause when what follows opens like one (a pronoun, an imperative,
        # a conjunction) or has its own verb; a comma in a list ("eggs, mushrooms or coriander") does not.
        cut = s
        for comma in re.finditer(r",", text[s:e]):
            pos = s + comma.end()
            segment = text[pos:e].split(",")[0]
            starts_list = re.match(r"\s*(?:and|or|&)\b", segment) and not _STARTER.match(segment)
            if _STARTER.match(segment) or (_HAS_VERB.search(segment) and not starts_list
                                           and not re.match(r"\s*(?:is|are|was|were|'s)\b", segment)):
                out.append((cut, pos - 1, n))
                cut = pos
        out.append((cut, e, n))
    return [c for c in out if text[c[0]:c[1]].strip()]


def _pre_negated(clause: str, offset: int, start: int) -> bool:
    before = clause[: start - offset]
    cues = list(_PRE_CUE.finditer(before))
    over = [m for m in re.finditer(r"\bover\b|\bto\b", before) if _CHOICE_OVER.search(before[: m.start()])
            and (m.group() == "over" or re.search(r"\bprefer\w*\b", before[: m.start()]))]
    if over and (not cues or over[-1].start() > cues[-1].start()):
        return not _TURN.search(before[over[-1].end():])
    if not cues:
        return False
    cue = cues[-1]
    between = before[cue.end():]
    word = cue.group()
    if re.fullmatch(r"substitut\w*|swap\w* in", word) and not re.search(r"\b(?:with|by)\b", clause[cue.end():]):
        # "substitute Y for X", "swap in Y for X": the food before "for" is used, the one after it goes.
        return bool(re.search(r"\bfor\b", between))
    if re.fullmatch(r"instead of|rather than|in place of|alternatives? to|\w+ (?:for|than)", word) and "," in between:
        # These cues negate one object: "tofu instead of tuna, and chicken ..." ends at the comma.
        return False
    if re.fullmatch(_SUBSTITUTION + r"|substitut\w*", word):
        return not _SUBST_END.search(between)
    if word == "without" and re.search(r"\bwith\b", between):
        return False
    # The verb right after the cue is what is negated ("don't eat eggs", "avoid having eggs").
    between = _LEAD_IN.sub("", between, count=1)
    return not _TURN.search(" " + between)


def _post_negated(clause_after: str) -> bool:
    return bool(_POST_CUE.match(clause_after))


def negated(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """For each ``(start, end)`` mention in lower-cased ``text``, True when it is negated.

    >>> t = "no problem! have scrambled eggs. the tuna sandwich is not suitable for you."
    >>> negated(t, [(t.index("eggs"), t.index("eggs") + 4), (t.index("tuna"), t.index("tuna") + 4)])
    [False, True]
    """
    masked = _NOT_NEGATIONS.sub(_blank, text)
    parts = clauses(masked)
    result = []
    for start, end in spans:
        index = next((i for i, (s, e, _) in enumerate(parts) if s <= start < e), None)
        if index is None:
            result.append(False)
            continue
        s, e, sentence = parts[index]
        clause = masked[s:e]
        later = " ".join(masked[a:b] for a, b, n in parts[index + 1:] if n == sentence)
        described = bool(_DESCRIBED.match(masked[end:e])) and not re.search(
            r"\b" + _IMPERATIVE + r"\s+(?:them|it|some|one)\b", later)   # "..., so have them with rice" offers them
        # A concession ("While chicken is lean, it lacks ...") grants a point about the food before the
        # sentence turns against it or away from it; it offers nothing.
        conceded = bool(re.match(r"\s*(?:while|whilst|although|though|even though)\b", clause)) and bool(later.strip())
        hit = (_pre_negated(clause, s, start) or _post_negated(masked[end:e]) or described or conceded
               or bool(_POST_ATTACHED.match(masked[end:end + 40])) or bool(_PRE_ATTACHED.search(masked[s:start]))
               or bool(re.match(r"\s*(?:\w+\s+)?(?:out|off|aside)\b(?! of)", masked[end:e])
                       and re.search(r"\b(?:leave|leaving|keep|keeping|take|taking|cut|hold|set|put)\b", masked[s:start])))
        if not hit and index > 0 and parts[index - 1][2] == sentence:
            # "Avoid: eggs, mushrooms" - a clause that ends in a cue hands it to the next one.
            prev = masked[parts[index - 1][0]:parts[index - 1][1]].rstrip(" ,")
            cue = list(_PRE_CUE.finditer(prev))
            heading = _AVOID_HEADING.search(prev) and not any(parts[index - 1][0] <= a < parts[index - 1][1] for a, _ in spans)
            hit = bool(cue and cue[-1].end() == len(prev) or heading) and not _TURN.search(" " + masked[s:start])
        if not hit and index + 1 < len(parts):
            # The next clause may judge this one's food: "X, which you dislike", "X? Not for you."
            hit = _refers_back(masked, parts[index + 1], spans, same_sentence=parts[index + 1][2] == sentence)
        if not hit:
            # "If you want eggs, have tofu instead": a later "instead" replaces this clause's food.
            hit = "instead" not in clause and bool(re.search(r"\binstead\b(?! of)", later))
        if not hit:
            hit = _under_negative_heading(masked, start)
        result.append(hit)
    return result


def _refers_back(text: str, part: tuple[int, int, int], spans: Sequence[tuple[int, int]], same_sentence: bool) -> bool:
    # "X, which you dislike" / "X, so skip it" / "X (not for you)": a clause with no food of its
    # own that negates a pronoun or starts with a verdict passes the negation back.
    s, e, _ = part
    if any(s <= a < e for a, _ in spans):
        return False
    clause = text[s:e].strip(" ,")
    if re.match(r"(?:" + _NEGATOR + r"|no)\b(?:\s+[\w'-]+){0,3}?\s+" + _FIT + r"\b", clause):
        return True
    if re.fullmatch(r"(?:avoid|skip|exclude|omit|leave out|off[- ]limits)\w*(?:\s+(?:it|them|this|that|those))?[.!]*", clause):
        return True
    if re.match(r"(?:(?:but|and|yet)\s+)?(?:(?:it|they|this|that)\s+)?(?:contains?|has|have|holds?|uses?|includes?)"
                r"\s+(?:none|no trace)\b", clause):
        return True    # "tastes like eggs but contains none"
    if not same_sentence or not _PRONOUN.search(clause):
        return False
    verdict = re.search(r"\b(?:" + _NEGATOR + r"\b(?:\s+[\w'-]+){0,3}?\s+" + _FIT + r"|" + _VERDICT + r")\b", clause)
    action = re.search(r"\b(?:avoid|skip|exclude|omit|leave|dislike|hate|detest|can't stand|allergic|intolerant"
                       r"|don't (?:like|eat)|do not (?:like|eat)|doesn't suit|don't suit)\w*\b", clause)
    return bool(verdict or action)


def _under_negative_heading(text: str, start: int) -> bool:
    # "Foods to avoid:" followed by bullet lines negates every bullet until the list ends.
    lines = text[:start].split("\n")
    if len(lines) < 2 or not re.match(r"\s*(?:[-*•]|\d+[.)])\s", lines[-1]):
        return False
    for line in reversed(lines[:-1]):
        if re.match(r"\s*(?:[-*•]|\d+[.)])\s", line):
            continue
        # Only a heading that tells the reader to avoid the items counts: the bullets under
        # "Options without meat:" are meat-free options, not things to avoid.
        return line.rstrip().endswith(":") and bool(_AVOID_HEADING.search(line))
    return False
