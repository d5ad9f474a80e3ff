"""Which words name a food the person avoids, and where a text names one.

The grader (:mod:`course_lib.evaluation.grading`) asks whether an answer recommends a food the
person avoids; this module answers the step before: where does the text name such a food at all?
The words come from the profile: the foods of ``hard_restrictions`` and ``dislikes``, their
``aliases`` (eggplant for aubergine), the dishes ``implied_by`` them (shakshuka for eggs), and their
``lookalikes``, phrases that hold a food's word but name something else (a beef tomato is a tomato,
a fishy smell is no fish). A word counts in the singular and the plural, and inside closed
compounds that still hold the food ("fishcakes", "a peanutty sauce", "eggy bread").
"""
from __future__ import annotations

import functools
import re
from typing import Any, Iterable, Mapping

# Endings that make a closed compound still made of the food: "fishcakes", "peanutty", "meatloaf".
# A compound that names something else ("beefy", "fishy") is a lookalike in the profile.
_COMPOUND = r"(?:t?y|cakes?|balls?|fingers?|burgers?|sticks?|loaf|nog|paste)"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("\u2019", "'").replace("\u2018", "'")).strip()


def food_terms(profile: Mapping[str, Any]) -> dict[str, str]:
    """Every word for a food the person avoids, mapped to that food as the profile names it.

    The foods are the profile's ``hard_restrictions`` and ``dislikes``; ``aliases`` (other
    names: eggplant for aubergine) and ``implied_by`` (dishes that contain the food:
    shakshuka for eggs) add words for them.

    >>> food_terms({"hard_restrictions": [{"avoid": ["peanut"]}], "dislikes": ["eggs"],
    ...             "aliases": {"peanut": ["groundnut"]}, "implied_by": {"eggs": ["omelette"]}})
    {'peanut': 'peanut', 'eggs': 'eggs', 'groundnut': 'peanut', 'omelette': 'eggs'}
    """
    try:
        foods = [t for rule in profile["hard_restrictions"] for t in rule["avoid"]] + list(profile["dislikes"])
    except (KeyError, TypeError) as err:
        raise ValueError(f"a profile needs hard_restrictions (each with an avoid list) and dislikes; missing {err}. "
                         "Load it with course_lib.data.load_profile().") from None
    terms = {_normalise(f): _normalise(f) for f in foods}
    for field in ("aliases", "implied_by", "lookalikes"):
        for food in profile.get(field, {}):
            if _normalise(food) not in set(terms.values()):
                raise ValueError(f"profile {field} lists words for {food!r}, which is not in hard_restrictions or "
                                 "dislikes; add the food there or fix its spelling.")
    for field in ("aliases", "implied_by"):
        for food, words in profile.get(field, {}).items():
            for word in map(_normalise, words):
                if terms.get(word, _normalise(food)) != _normalise(food):
                    raise ValueError(f"{word!r} stands for both {terms[word]!r} and {food!r} in the profile; keep one.")
                terms[word] = _normalise(food)
    return terms


def lookalikes(profile: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per food, the phrases that hold its word but name something else, from the profile's ``lookalikes``.

    >>> lookalikes({"hard_restrictions": [{"avoid": ["beef"]}], "dislikes": [], "lookalikes": {"beef": ["beef tomato"]}})
    {'beef': ['beef tomato']}
    """
    food_terms(profile)  # checks that every lookalike belongs to a food of the profile
    return {_normalise(food): [_normalise(p) for p in phrases] for food, phrases in profile.get("lookalikes", {}).items()}


def profile_avoid_terms(profile: Mapping[str, Any]) -> list[str]:
    """Every word that names a food the person must not be offered, aliases and dishes included.

    >>> profile_avoid_terms({"hard_restrictions": [{"avoid": ["peanut"]}], "dislikes": ["eggs"]})
    ['eggs', 'peanut']
    """
    return sorted(food_terms(profile))


@functools.lru_cache(maxsize=1)
def _course_profile() -> dict:
    from course_lib.data import load_profile  # late: data imports schemas and reads files

    return load_profile()


def _forms(term: str) -> set[str]:
    # Singular and plural count alike ("eggs" catches "egg"), without "cod" catching "codes".
    forms = {term}
    if term.endswith("ies"):
        forms.add(term[:-3] + "y")
    elif term.endswith(("oes", "ches", "shes")):
        forms.add(term[:-2])
    elif term.endswith("s") and not term.endswith("ss"):
        forms.add(term[:-1])
    else:
        forms.add(term + "s")
        if re.search(r"[^aeiou]y$", term):
            forms.add(term[:-1] + "ies")
        if term.endswith(("ch", "sh", "o", "x")):
            forms.add(term + "es")
    return forms


def _index(terms: Iterable[str], profile: Mapping[str, Any] | None) -> dict[str, str]:
    known = food_terms(_course_profile() if profile is None else profile)
    by_form = {form: food for word, food in known.items() for form in _forms(word)}
    index = {}
    for term in terms:
        food = by_form.get(term, term)
        # A food stands for all its words: avoiding "eggs" also means no omelette or shakshuka.
        words = [w for w, f in known.items() if f == food] or [term]
        for word in words + [term]:
            index.update({form: food for form in _forms(word)})
    return index


def canonical_food(term: str, profile: Mapping[str, Any] | None = None) -> str:
    """The profile's name for the food a word stands for; a word the profile does not know is its own food.

    >>> canonical_food("Omelettes", {"hard_restrictions": [], "dislikes": ["eggs"], "implied_by": {"eggs": ["omelette"]}})
    'eggs'
    """
    return _index([_normalise(term)], profile)[_normalise(term)]


def check_terms(terms: Iterable[str], caller: str) -> list[str]:
    """The avoid list, normalised; a clear error for one string or an empty list instead of a list of foods."""
    if isinstance(terms, str):
        raise TypeError(f"{caller}() needs a list of foods to avoid, e.g. ['eggs'], not one string.")
    terms = [_normalise(t) for t in terms if isinstance(t, str) and t.strip()]
    if not terms:
        raise ValueError(f"{caller}() needs at least one food to avoid; use profile_avoid_terms(load_profile()).")
    return terms


def _matcher(terms: tuple[str, ...], profile: Mapping[str, Any] | None):
    index = _index(terms, profile)
    # Longest first, so "oyster mushroom" wins over "oyster" and "peanut butter" over "peanut".
    words = "|".join(re.escape(f) for f in sorted(index, key=len, reverse=True))
    pattern = re.compile(r"\b(?P<food>" + words + r")" + _COMPOUND + r"?\b")
    others = {food: re.compile("|".join(r"\b" + re.escape(p) for p in phrases))
              for food, phrases in lookalikes(_course_profile() if profile is None else profile).items() if phrases}
    return index, pattern, others


_course_matcher = functools.lru_cache(maxsize=64)(lambda terms: _matcher(terms, None))


def find(lowered: str, terms: Iterable[str], profile: Mapping[str, Any] | None, caller: str
         ) -> tuple[dict[str, str], list[re.Match]]:
    """The word-to-food index and every match of an avoided food in lower-cased ``lowered`` (group ``food``
    holds the word, the match may include a compound ending), lookalikes left out."""
    terms = tuple(check_terms(terms, caller))
    index, pattern, others = _course_matcher(terms) if profile is None else _matcher(terms, profile)
    found = []
    for m in pattern.finditer(lowered):
        other = others.get(index[m.group("food")])
        if other and any(o.start() <= m.start() < o.end() for o in other.finditer(lowered)):
            continue
        found.append(m)
    return index, found


def mentions(text: str, avoid_terms: Iterable[str], *, profile: Mapping[str, Any] | None = None) -> list[str]:
    """Every avoided food the text names at all, negated or not, in order of first mention.

    Stricter than :func:`course_lib.evaluation.grading.violations`: for checking text that should
    not name the food at all.

    >>> mentions("No eggs here, and skip the omelette.", ["eggs"], profile={"hard_restrictions": [],
    ...          "dislikes": ["eggs"], "implied_by": {"eggs": ["omelette"]}})
    ['eggs']
    """
    if not isinstance(text, str):
        raise TypeError(f"expected answer text as str, got {type(text).__name__}")
    index, found = find(text.lower().replace("\u2019", "'"), avoid_terms, profile, "mentions")
    return list(dict.fromkeys(index[m.group("food")] for m in found))
