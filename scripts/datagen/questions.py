"""Evaluation questions in eight types, and the 24-question probe lesson 01 starts from.

Every gold answer is read from the documents built before (sheets, menus, guides), never typed
by hand; the fixed wording lives in question_tables.
"""
from __future__ import annotations

import datetime as dt
import re

from course_lib.evaluation.grading import profile_avoid_terms

from .canteen import ALLERGEN_WORD, ALLERGENS, MONTHS, date_phrase
from .common import num_variants
from .guides import nutrient_guides
from .menus import MAINS, maya_ok
from .nutrition import LABELS, food_by_ndb
from .profile import PROFILE
from .question_tables import (COUNTER_WORDS, FACT_EVIDENCE, GUIDE_FACTS, NUTRIENT_FORMS, NUTRIENT_KEYS,
                              PREFERENCE_LIKES, PREFERENCE_QUESTIONS, QUESTION_FOODS, REFUSALS, UNANSWERABLE,
                              VAGUE_GUIDES, VAGUE_NUTRITION)


def Q(question, qtype, answer, accepted, gold, avoid=(), **extra):
    acc = list(dict.fromkeys([answer.lower()] + [a.lower() for a in accepted]))
    row = {"question": question, "type": qtype, "answer": answer, "accepted": acc,
           "gold_doc_ids": list(gold), "avoid_terms": sorted(set(avoid))}
    row.update(extra)
    return row


def price_answers(p: float) -> tuple[str, list[str]]:
    s = f"{p:.2f}"
    return f"€{s}", [f"€{s}", s, s.replace(".", ","), f"{s} eur"]


def holding(primary: str, pattern: str, docs: list[dict]) -> list[str]:
    """Gold ids: the document the question was written from, then every other document stating the fact."""
    others = sorted(d["id"] for d in docs if d["id"] != primary and re.search(pattern, d["text"].lower(), re.M))
    return [primary] + others


def build_questions(rng, foods, nut_docs, menu_docs, update_docs, guide_docs_) -> list[dict]:
    by = food_by_ndb(foods)
    nut_id = {d["ndb_no"]: d["id"] for d in nut_docs}
    in_guides = nutrient_guides(foods)
    text_docs = guide_docs_ + menu_docs + update_docs  # documents a canteen or guide fact can sit in
    avoid = profile_avoid_terms(PROFILE)  # the full profile, aliases included, for every preference question
    qs: list[dict] = []

    def nut_q(ndb, key, question, qtype):
        label, unit = LABELS[key]
        raw = by[ndb]["raw"][key]
        ans = f"{raw} {unit}"
        qs.append(Q(question, qtype, ans, num_variants(raw, unit), [nut_id[ndb]] + in_guides.get((ndb, key), [])))

    def guide_q(question, qtype, a, acc, gid):
        qs.append(Q(question, qtype, a, acc, holding(gid, FACT_EVIDENCE[a], text_docs)))

    # static facts: nutrition sheets, asked plainly
    for i, (ndb, phrase) in enumerate(QUESTION_FOODS):
        key = NUTRIENT_KEYS[i % len(NUTRIENT_KEYS)] if by[ndb]["raw"][NUTRIENT_KEYS[i % len(NUTRIENT_KEYS)]] else "protein_g"
        label = LABELS[key][0] if key != "energy_kcal" else "energy (kcal)"
        q = rng.choice(NUTRIENT_FORMS).format(label=label, food=phrase, Food=phrase[0].upper() + phrase[1:])
        nut_q(ndb, key, q, "static_fact")
    g = {d["id"]: d for d in guide_docs_}
    for q, a, acc, gid in GUIDE_FACTS:
        assert any(x.lower() in g[gid]["text"].lower() for x in [a] + acc), (gid, a)
        guide_q(q, "static_fact", a, acc, gid)

    # weekly facts and the update: the same question forms over different weeks
    def menu_qs(docs, qtype, n):
        out = []
        picks = rng.sample([(d, i, f) for d in docs for i in range(4) for f in range(5)], n)
        for doc, i, form in picks:
            dish = doc["dishes"][i]
            when = date_phrase(dt.date.fromisoformat(doc["date"]), rng)
            who = rng.choice(COUNTER_WORDS[dish["counter"]])
            if form == 0:
                a, acc = price_answers(dish["price_eur"])
                q = rng.choice([f"How much does {who} cost on {when}?", f"What's the price of {who} on {when}?",
                                f"price of {who} {when}?"])
            elif form == 1:
                a, acc = f"{dish['protein_g']} g", [f"{dish['protein_g']}g", f"{dish['protein_g']} grams"]
                q = rng.choice([f"How much protein is in {who} on {when}?", f"Protein in {who} on {when}?",
                                f"how many grams of protein does {who} have on {when}"])
            elif form == 2:
                a, acc = f"{dish['energy_kcal']} kcal", [f"{dish['energy_kcal']}kcal", f"{dish['energy_kcal']} calories"]
                q = rng.choice([f"How many kcal does {who} have on {when}?", f"What's the energy of {who} on {when}?"])
            elif form == 3:
                a, acc = dish["name"], [dish["core"]]
                q = rng.choice([f"What is {who} on {when}?", f"What's being served as {who} on {when}?",
                                f"Which dish is {who} on {when}?"])
            else:
                allergen = rng.choice(["milk", "gluten", "soybeans", "celery", "eggs", "sesame"])
                has = allergen in dish["allergens"]
                a, acc = ("yes" if has else "no"), []
                word = ALLERGEN_WORD.get(allergen, allergen)
                q = rng.choice([f"Does {who} on {when} contain {word}?", f"Any {word} in {who} on {when}?"])
            out.append(Q(q, qtype, a, acc, [doc["id"]]))
        return out

    qs += menu_qs(menu_docs, "weekly_fact", 30)
    qs += menu_qs(update_docs, "update_fact", 25)

    # keyword: dish codes, NDB numbers, allergen letters, exact sheet names
    code_rows = [(doc, d) for doc in menu_docs for d in doc["dishes"]]
    for k, (doc, d) in enumerate(rng.sample(code_rows, 14)):
        date = dt.date.fromisoformat(doc["date"])
        if k % 3 == 0:
            a, acc = price_answers(d["price_eur"])
            q = rng.choice([f"How much did {d['code']} cost?", f"Price of dish {d['code']}?"])
        elif k % 3 == 1:
            a, acc = f"{date.day} {MONTHS[date.month - 1]}", [f"{date.day} {MONTHS[date.month - 1][:3]}", date.isoformat()]
            q = rng.choice([f"On which day was {d['code']} on the menu?", f"When was dish {d['code']} served?"])
        else:
            a, acc = f"{d['protein_g']} g", [f"{d['protein_g']}g"]
            q = rng.choice([f"How much protein does {d['code']} have?", f"{d['code']} protein per portion?"])
        qs.append(Q(q, "keyword", a, acc, [doc["id"]]))
    for ndb in rng.sample(sorted(nut_id), 8):
        key = rng.choice(["protein_g", "energy_kcal", "fibre_g"])
        if by[ndb]["raw"][key] == "":
            key = "protein_g"
        label = LABELS[key][0] if key != "energy_kcal" else "energy"
        nut_q(ndb, key, rng.choice([f"What is the {label} per 100 g for USDA NDB {ndb}?",
                                    f"NDB {ndb}: {label} per 100 g?"]), "keyword")
    for letter, key, desc in rng.sample(ALLERGENS, 6):
        word = desc.split(" (")[0].split(",")[0]
        acc = [key, word] + (["gluten"] if key == "gluten" else [])
        stated = rf"^- {letter.lower()}: {re.escape(desc.lower())}|letter for {key} is {letter.lower()}\b|\b{key} are letter {letter.lower()}\b"
        qs.append(Q(rng.choice([f"Which allergen does the letter {letter} stand for on canteen price cards?",
                                f"Canteen allergen code {letter} means what?"]), "keyword", key, acc,
                    holding("guide-02", stated, text_docs)))
    for ndb, key in [("16123", "sodium_mg"), ("16113", "protein_g"), ("11118", "sodium_mg"), ("12078", "fat_g")]:
        label, _ = LABELS[key]
        nut_q(ndb, key, f"What is the {label} per 100 g on the sheet titled \"{by[ndb]['name']}\"?", "keyword")

    # preference: open recommendations checked against liked foods and profile-breaking words
    for ctx, q in PREFERENCE_QUESTIONS:
        likes = PREFERENCE_LIKES[ctx]
        qs.append(Q(q, "preference", likes[0], likes[1:], [], avoid))

    # preference + fact: of the day's mains and soup (the dessert is not asked about), the one the
    # profile allows with the most protein; build_menus guarantees that it is unique.
    for doc in rng.sample(menu_docs, 26):
        ok = [d for d in doc["dishes"] if maya_ok(d) and d["counter"] in MAINS]
        best = max(ok, key=lambda d: d["protein_g"])
        when = date_phrase(dt.date.fromisoformat(doc["date"]), rng)
        if rng.random() < 0.75:
            q = rng.choice([f"Which main or soup at the canteen on {when} fits my diet and has the most protein?",
                            f"I'm at the canteen on {when}. Which main or soup I can eat has the most protein?",
                            f"Pick my lunch for {when}: the main or soup I can eat with the most protein.",
                            f"what's the highest-protein main or soup i can eat at the canteen {when}?"])
            qs.append(Q(q, "preference_and_fact", best["name"], [best["core"]], [doc["id"]], avoid))
        else:
            q = rng.choice([f"How much protein is in the highest-protein canteen main or soup I can eat on {when}?",
                            f"On {when}, how many grams of protein are in the canteen main or soup that suits me "
                            f"with the most protein?"])
            qs.append(Q(q, "preference_and_fact", f"{best['protein_g']} g", [f"{best['protein_g']}g"], [doc["id"]], avoid))

    # vague: indirect wording, same facts
    for q, ndb, key in VAGUE_NUTRITION:
        nut_q(ndb, key, q, "vague")
    for q, a, acc, gid in VAGUE_GUIDES:
        guide_q(q, "vague", a, acc, gid)

    # unanswerable: plausible, but only the canteen could answer them and no document does
    for q in UNANSWERABLE:
        qs.append(Q(q, "unanswerable", "I don't know", REFUSALS, []))

    rng.shuffle(qs)
    for i, q in enumerate(qs, 1):
        q["id"] = f"q-{i:04d}"
    return [{"id": q.pop("id"), **q} for q in qs]


def build_probe(rng, questions) -> list[dict]:
    groups = [({"preference"}, 4), ({"preference_and_fact"}, 4), ({"weekly_fact"}, 4), ({"update_fact"}, 4),
              ({"unanswerable"}, 8)]
    picked = []
    for types, n in groups:
        pool = [q for q in questions if q["type"] in types]
        picked += rng.sample(pool, n)
    return sorted(picked, key=lambda q: q["id"])
