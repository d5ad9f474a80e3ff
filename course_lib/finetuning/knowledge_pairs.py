"""Training sets for lesson 11: the knowledge base as facts, question-answer pairs and RAFT examples.

:func:`facts` reads atomic facts from the records' structured metadata (``per_100g`` of the
nutrition sheets, ``dishes`` of the menus; guides have no such metadata and are skipped).
:func:`knowledge_pairs` writes each fact as question-answer dialogues in several wordings
("fine-tuned for the facts", Ovadia et al. 2024); :func:`raft_examples` puts each question
after the fact's own document mixed with distractors, or after distractors only, and answers
with a cited quote or an admission (Zhang et al. 2024). Both are seeded and never read the
evaluation questions; :func:`overlapping_questions` checks that none slipped in anyway.
"""
from __future__ import annotations

import datetime
import random
import re
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

__all__ = ["Fact", "NUTRIENTS", "facts", "knowledge_pairs", "raft_examples"]

# per_100g key -> (name in questions, unit, decimals): the precision USDA SR prints and the sheets show.
NUTRIENTS: dict[str, tuple[str, str, int]] = {
    "energy_kcal": ("energy", "kcal", 0), "protein_g": ("protein", "g", 2), "fat_g": ("fat", "g", 2),
    "carbs_g": ("carbohydrate", "g", 2), "sugar_g": ("sugars", "g", 2), "fibre_g": ("dietary fibre", "g", 1),
    "sodium_mg": ("sodium", "mg", 0), "potassium_mg": ("potassium", "mg", 0), "calcium_mg": ("calcium", "mg", 0),
    "iron_mg": ("iron", "mg", 2), "magnesium_mg": ("magnesium", "mg", 0), "vitamin_c_mg": ("vitamin C", "mg", 1)}
_COUNTERS = {"grill": "the grill dish", "green": "the green counter dish", "soup": "the soup of the day",
             "sweet": "the sweet"}
_ALLERGENS = {"gluten": "cereals containing gluten"}  # how the menu texts print the metadata's short name

# Wordings deliberately unlike the evaluation questions' ("Price of dish D-423?", "How much X is in
# 100 g of Y?"): the pairs teach the fact, the evaluation asks it in its own words.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "nutrient": ("How much {n} does 100 g of {s} provide?", "What amount of {n} is found in 100 grams of {s}?",
                 "Tell me the {n} value of {s}, per 100 g.", "For 100 g of {s}, what is the {n}?",
                 "What does the nutrition sheet give as the {n} of {s} per 100 g?",
                 "I want to know how much {n} a 100 g serving of {s} contains.",
                 "Per hundred grams, what {n} figure does {s} have?", "How high is the {n} of {s} for 100 g?"),
    "price": ("What price does the canteen charge for {s}?", "How many euros is {s}?", "What would I pay for {s}?",
              "What does {s} sell for at the canteen?", "Tell me what {s} costs.", "At what price is {s} offered?"),
    "protein": ("How many grams of protein are in {s}?", "What is the protein content of {s}?",
                "How much protein would I get from {s}?", "Tell me the protein of {s}, per portion.",
                "What protein figure is listed for {s}?", "How protein-rich is {s}, in grams?"),
    "energy": ("How many calories are in {s}?", "What is the energy content of {s} in kcal?",
               "What energy value does {s} have, in kilocalories?", "Tell me the kcal count of {s}.",
               "What calorie figure is listed for {s}?", "How many kilocalories would {s} give me?"),
    "allergens": ("Which allergens are in {s}?", "What allergens does {s} contain?", "List the allergens of {s}.",
                  "Which of the 14 EU allergens does {s} have?", "What should someone with allergies know about {s}?",
                  "Tell me the allergen information for {s}."),
    "name": ("What name does the menu give {s}?", "Which meal was {s}?", "Name {s}.", "What was served as {s}?",
             "Tell me the name of {s}.", "What did the canteen offer as {s}?"),
    "code": ("What code does {s} have?", "Which dish code belongs to {s}?", "What is the menu code of {s}?",
             "Tell me the D-number of {s}.", "Under which code was {s} listed?", "What code is printed next to {s}?"),
    "date": ("On what date did the canteen serve {s}?", "Which day was {s} offered?",
             "When could I get {s} at the canteen?", "Tell me the day {s} was on offer.",
             "Which date does the menu list {s} under?", "On which date was {s} available for lunch?")}
ANSWERS: dict[str, tuple[str, ...]] = {
    "nutrient": ("{S} has {v} of {n} per 100 g.", "100 g of {s} contains {v} of {n}.",
                 "The {n} of {s} is {v} per 100 g."),
    "price": ("{S} costs {v}.", "The price of {s} is {v}.", "{S} is priced at {v}."),
    "protein": ("{S} has {v} of protein.", "{S} provides {v} of protein per portion.", "The protein in {s} is {v}."),
    "energy": ("{S} has {v}.", "{S} provides {v} per portion.", "The energy of {s} is {v}."),
    "allergens": ("The allergens in {s}: {v}.", "{S} contains these allergens: {v}.", "Allergens of {s}: {v}."),
    "name": ("{S} is {v}.", "{S} was {v}.", "The canteen served {v} as {s}."),
    "code": ("{S} has the code {v}.", "The code of {s} is {v}.", "{S} is listed as {v}."),
    "date": ("{S} was served on {v}.", "The canteen offered {s} on {v}.", "{S} was on the menu on {v}.")}
# Each is recognised by course_lib.evaluation.grading.admits_unknown (the tests check every one).
NO_ANSWER = ("The provided context does not contain the answer, so I don't know.",
             "I don't know: the context does not mention {s}.",
             "The context does not say, so I can't tell you that about {s}.")


@dataclass(frozen=True)
class Fact:
    """One fact of one record: ``value`` as the document prints it, ``answer_terms`` (lower-case
    strings for ``grading.contains_answer``), ``names`` (ways a question may name the subject) and
    ``anchor`` (text that locates the fact in the document, for cutting long documents)."""
    doc_id: str
    subject: str
    attribute: str
    value: str
    answer_terms: tuple[str, ...]
    names: tuple[str, ...]
    anchor: str

    @property
    def family(self) -> str:
        return "nutrient" if self.attribute in NUTRIENTS else self.attribute


def _check_docs(docs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(docs, (str, Mapping)) or not docs:
        raise ValueError("docs must be a non-empty list of knowledge-base records: use data.load_knowledge().")
    bad = [n for n, d in enumerate(docs) if not isinstance(d, Mapping) or not {"id", "type", "text"} <= set(d)]
    if bad:
        raise ValueError(f"records {bad[:5]} lack 'id', 'type' or 'text'; pass rows of data.load_knowledge().")
    return list(docs)


def _number(x: float, decimals: int) -> str:
    return f"{x:.{decimals}f}"


def _long_date(iso: str) -> str:
    d = datetime.date.fromisoformat(iso)
    return f"{d:%A} {d.day} {d:%B} {d.year}"


def _nutrition_facts(doc: Mapping[str, Any]) -> list[Fact]:
    food = doc["title"].split(":")[0]
    food = food[0].lower() + food[1:] if food[1:2].islower() else food  # "Blue cheese" -> "blue cheese"
    names = (food, f"the food with USDA NDB number {doc['ndb_no']}")
    out = []
    for key, (_, unit, decimals) in NUTRIENTS.items():
        amount = doc["per_100g"].get(key)
        if amount is None:  # USDA reports no value: there is no fact to learn
            continue
        value = f"{_number(amount, decimals)} {unit}"
        terms = {value, f"{_number(amount, min(decimals, 1))} {unit}"}  # 0.65 g also as 0.7 g, as graders accept
        out.append(Fact(doc["id"], food, key, value, tuple(sorted(terms)), names, value))
    return out


def _menu_facts(doc: Mapping[str, Any]) -> list[Fact]:
    date = _long_date(doc["date"])
    day = datetime.date.fromisoformat(doc["date"])
    out = []
    for dish in doc["dishes"]:
        code, where = dish["code"], f"{_COUNTERS[dish['counter']]} on {date}"
        allergens = [_ALLERGENS.get(a, a) for a in dish["allergens"]]
        rows = [("price", f"€{dish['price_eur']:.2f}", (f"€{dish['price_eur']:.2f}",), (f"dish {code}", where)),
                ("protein", f"{dish['protein_g']} g", (f"{dish['protein_g']} g",), (f"dish {code}", where)),
                ("energy", f"{dish['energy_kcal']} kcal", (f"{dish['energy_kcal']} kcal",), (f"dish {code}", where)),
                ("allergens", ", ".join(allergens) or "none of the 14", tuple(allergens) or ("none of the 14",),
                 (f"dish {code}", where)),
                ("name", dish["name"], (dish["name"].lower(), dish.get("core", dish["name"]).lower()), (where,)),
                ("code", code, (code.lower(),), (where,)),
                ("date", date, (f"{day.day} {day:%B}".lower(), doc["date"]), (f"dish {code}",))]
        out += [Fact(doc["id"], code, attr, value, terms, names, code) for attr, value, terms, names in rows]
    return out


def facts(docs: Sequence[Mapping[str, Any]]) -> list[Fact]:
    """Atomic facts read from the structured metadata of nutrition sheets and menus, in document order.

    Per sheet: the 12 nutrients of :data:`NUTRIENTS` per 100 g (those USDA reports); per menu dish:
    price, protein, energy, allergens, its name and code (asked by counter and date) and the day it
    was served (asked by code). Guides carry no structured metadata and are skipped.

    >>> from course_lib import data
    >>> f = facts(data.load_knowledge(["nutrition"]))[1]
    >>> f.doc_id, f.subject, f.attribute, f.value
    ('nut-0001', 'butter, salted', 'protein_g', '0.85 g')
    """
    found = []
    for doc in _check_docs(docs):
        try:
            if doc["type"] == "nutrition":
                found += _nutrition_facts(doc)
            elif doc["type"] == "menu":
                found += _menu_facts(doc)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"record {doc['id']} lacks the metadata facts are read from ({error!r}); "
                             "pass unmodified rows of data.load_knowledge().") from None
    if not found:
        raise ValueError("no facts: facts are read from nutrition and menu records (guides are skipped); "
                         "include some with data.load_knowledge(['nutrition', 'menu']).")
    return found


def question_wordings(fact: Fact) -> list[tuple[str, str]]:
    """Every (question, subject name) the templates give for one fact, in a fixed order."""
    label = NUTRIENTS[fact.attribute][0] if fact.attribute in NUTRIENTS else ""
    return [(t.format(s=name, n=label), name) for t in QUESTIONS[fact.family] for name in fact.names]


def _answer(fact: Fact, name: str, rng: random.Random) -> str:
    label = NUTRIENTS[fact.attribute][0] if fact.attribute in NUTRIENTS else ""
    return rng.choice(ANSWERS[fact.family]).format(s=name, S=name[0].upper() + name[1:], n=label, v=fact.value)


def check_int(value: Any, name: str, low: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number >= {low} ({what}), got {value!r}.")


def knowledge_pairs(docs: Sequence[Mapping[str, Any]], paraphrases: int = 1, seed: int = 0) -> list[dict]:
    """Question-answer dialogues for every fact of ``docs``, ``paraphrases`` distinct wordings each.

    Wordings (question template x way of naming the subject) and answer sentences are drawn with
    ``random.Random(seed)`` and the rows shuffled, so a seed fixes the set. Rows are in the course's
    dialogue format (``data.training_set`` takes them) plus ``doc_id``, ``fact`` and ``question``.

    >>> from course_lib import data
    >>> rows = knowledge_pairs(data.load_knowledge(["menu"])[:1], paraphrases=5)
    >>> len(rows), len({r["question"] for r in rows}), sorted(rows[0])
    (140, 140, ['doc_id', 'fact', 'id', 'messages', 'question'])
    """
    found = facts(docs)
    check_int(paraphrases, "paraphrases", 1, "distinct question wordings per fact")
    available = min(len(question_wordings(f)) for f in found)
    if paraphrases > available:
        per = ", ".join(f"{k} {len(v)}" for k, v in QUESTIONS.items())
        raise ValueError(f"paraphrases={paraphrases} but only {available} distinct wordings exist for some facts "
                         f"(question templates per kind: {per}; times the ways of naming the subject). "
                         f"Use paraphrases <= {available}.")
    rng, rows = random.Random(seed), []
    for i, fact in enumerate(found):
        for p, (question, name) in enumerate(rng.sample(question_wordings(fact), paraphrases)):
            rows.append({"id": f"kp-{i:05d}-{p}", "doc_id": fact.doc_id, "fact": asdict(fact), "question": question,
                         "messages": [{"role": "user", "content": question},
                                      {"role": "assistant", "content": _answer(fact, name, rng)}]})
    rng.shuffle(rows)
    return rows


def _excerpt(text: str, anchor: str, max_chars: int) -> str:
    """At most ``max_chars`` of ``text`` around the first ``anchor``, cut at line breaks where possible."""
    if len(text) <= max_chars:
        return text
    pos = max(text.find(anchor), 0)
    start = max(0, min(pos + len(anchor) // 2 - max_chars // 2, len(text) - max_chars))
    end = start + max_chars
    if start > 0 and 0 <= text.find("\n", start) < pos:
        start = text.find("\n", start) + 1
    if end < len(text) and text.rfind("\n", start, end) > pos + len(anchor):
        end = text.rfind("\n", start, end)
    return ("..." if start else "") + text[start:end].strip() + ("..." if end < len(text) else "")


def raft_examples(docs: Sequence[Mapping[str, Any]], n: int, seed: int = 0, distractors: int = 3,
                  no_answer_share: float = 0.2, max_chars: int = 350) -> list[dict]:
    """``n`` retrieval-aware (RAFT) dialogues: a fact's question after its document and distractors.

    Each user turn is ``rag.build_rag_prompt`` of one question (wordings as in
    :func:`knowledge_pairs`) over the fact's own document (the oracle) and ``distractors`` other
    documents, of the same type where there are enough, shuffled; texts longer than ``max_chars``
    are cut around the fact (350 characters keep the examples of the course's knowledge base, with
    3 distractors, under about 950 tokens: the sheets' digits cost about one token per 2.4 characters).
    A question names its subject only in a way the oracle's cut text still shows (no NDB number
    once the source line is cut off).
    The reply quotes the value and cites the oracle's id. In
    ``round(n * no_answer_share)`` examples the oracle is left out and the reply says the context
    does not hold the answer. Rows also carry ``oracle``, ``doc_ids``, ``doc_id``, ``fact`` and ``question``.

    >>> from course_lib import data
    >>> rows = raft_examples(data.load_knowledge(["menu"]), n=10, no_answer_share=0.3)
    >>> sum(r["oracle"] for r in rows), [m["role"] for m in rows[0]["messages"]]
    (7, ['system', 'user', 'assistant'])
    """
    from course_lib.rag.pipeline import build_rag_prompt  # rag imports torch via tokens; building facts should not

    docs = _check_docs(docs)
    found = facts(docs)
    check_int(n, "n", 1, "examples to build")
    check_int(distractors, "distractors", 0, "documents besides the oracle")
    check_int(max_chars, "max_chars", 100, "characters kept per document")
    if isinstance(no_answer_share, bool) or not isinstance(no_answer_share, (int, float)) \
            or not 0 <= no_answer_share <= 1:
        raise ValueError(f"no_answer_share must be a share between 0 and 1 (e.g. 0.2), got {no_answer_share!r}.")
    if distractors == 0 and no_answer_share > 0:
        raise ValueError("with distractors=0 a no-answer example would have no context; use distractors >= 1 "
                         "or no_answer_share=0.")
    if distractors > len(docs) - 1:
        raise ValueError(f"distractors={distractors} but docs hold only {len(docs) - 1} other documents.")
    rng = random.Random(seed)
    chosen = [f for _ in range(n // len(found) + 1) for f in rng.sample(found, len(found))][:n]
    no_answer = set(rng.sample(range(n), round(n * no_answer_share)))
    by_id = {d["id"]: d for d in docs}
    rows = []
    for k, fact in enumerate(chosen):
        oracle = by_id[fact.doc_id]
        same = [d for d in docs if d["type"] == oracle["type"] and d["id"] != oracle["id"]]
        other = [d for d in docs if d["type"] != oracle["type"]]
        pool = rng.sample(same, min(distractors, len(same)))
        pool += rng.sample(other, distractors - len(pool))  # hard (same-type) distractors first
        records = pool if k in no_answer else pool + [oracle]
        rng.shuffle(records)
        context = [{"id": d["id"], "title": d.get("title", ""),
                    "text": _excerpt(d["text"], fact.anchor if d is oracle else "", max_chars)} for d in records]
        shown = oracle.get("title", "") + "\n" + _excerpt(oracle["text"], fact.anchor, max_chars)
        wordings = question_wordings(fact)
        visible = [(q, name) for q, name in wordings if all(t in shown for t in re.findall(r"[\w-]*\d[\w-]*", name))]
        question, name = rng.choice(visible or wordings)
        if k in no_answer:
            reply = rng.choice(NO_ANSWER).format(s=name)
        else:
            reply = _answer(fact, name, rng).rstrip(".") + f" [{oracle['id']}]."
        rows.append({"id": f"raft-{seed}-{k:05d}", "doc_id": fact.doc_id, "fact": asdict(fact), "question": question,
                     "oracle": k not in no_answer, "doc_ids": [d["id"] for d in records],
                     "messages": build_rag_prompt(question, context) + [{"role": "assistant", "content": reply}]})
    return rows
