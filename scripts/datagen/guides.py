"""Guides: prose from knowledge/raw/guides with {{fact:...}} and {{list:...}} placeholders filled in."""
from __future__ import annotations

import re

from .canteen import ALLERGENS, FACTS, UPDATE_WEEK, WEEKS, day_date, long_date, week_monday
from .common import RAW, fmt_num
from .nutrition import food_by_ndb


def portion_of(f, key):
    return f["vals"][key] * f["portion_g"] / 100 if f["vals"][key] is not None else None


# Which per-100 g sheet values each list states, as (NDB number, nutrient key) pairs; questions
# use this to name every guide that also holds a nutrition answer.
LIST_NUTRIENT = {"protein_legumes": ("protein_g",), "protein_dairy": ("protein_g",), "protein_grains_seeds": ("protein_g",),
                 "fibre_top": ("fibre_g",), "sodium_high": ("sodium_mg",), "sodium_low": ("sodium_mg",),
                 "legume_pairs": ("protein_g", "energy_kcal"), "calcium": ("calcium_mg",),
                 "nuts_energy": ("energy_kcal", "protein_g")}


def guide_lists(foods: list[dict]) -> dict[str, str]:
    return _guide_lists(foods)[0]


def _guide_lists(foods: list[dict]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The filled lists, and for each per-100 g list the NDB numbers of the foods it names."""
    by = food_by_ndb(foods)
    named: dict[str, list[str]] = {}
    peanut = {"16087", "16090", "16098"}
    condiments = {"16112", "16123"}

    def prot_line(f):
        return (f"- {f['name']}: {f['raw']['protein_g']} g protein per 100 g; "
                f"{fmt_num(portion_of(f, 'protein_g'))} g in a {f['portion_g']} g portion.")

    def ranked(cats, key, exclude=()):
        sel = [f for f in foods if f["category"] in cats and f["ndb"] not in exclude and f["vals"][key] is not None]
        return sorted(sel, key=lambda f: (-portion_of(f, key), f["ndb"]))

    protein = {"protein_legumes": ranked({"legumes_soy"}, "protein_g", peanut | condiments),
               "protein_dairy": ranked({"dairy"}, "protein_g", {"01053", "01056", "01001", "01145"}),
               "protein_grains_seeds": ranked({"grains", "nuts_seeds"}, "protein_g")[:22]}
    lists = {"allergen_codes": "\n".join(f"- {letter}: {desc}" for letter, _, desc in ALLERGENS)}
    for key, rows in protein.items():
        lists[key] = "\n".join(prot_line(f) for f in rows)
        named[key] = [f["ndb"] for f in rows]
    fib = sorted([f for f in foods if f["vals"]["fibre_g"]], key=lambda f: (-f["vals"]["fibre_g"], f["ndb"]))[:25]
    named["fibre_top"] = [f["ndb"] for f in fib]
    lists["fibre_top"] = "\n".join(
        f"- {f['name']}: {f['raw']['fibre_g']} g fibre per 100 g ({fmt_num(portion_of(f, 'fibre_g'))} g per {f['portion_g']} g portion)."
        for f in fib)
    common = ["16070", "16057", "16015", "16086", "20125", "20137", "09302", "09042", "09252", "11098",
              "11090", "11508", "09040", "12006", "12061", "09037", "11124", "20121"]
    lists["fibre_portion"] = "\n".join(
        f"- {by[n]['portion_g']} g {by[n]['name'].lower()}: {fmt_num(portion_of(by[n], 'fibre_g'))} g fibre."
        for n in sorted(common, key=lambda n: -portion_of(by[n], "fibre_g")))
    high = sorted([f for f in foods if (f["vals"]["sodium_mg"] or 0) >= 240], key=lambda f: (-f["vals"]["sodium_mg"], f["ndb"]))
    named["sodium_high"] = [f["ndb"] for f in high]
    lists["sodium_high"] = "\n".join(
        f"- {f['name']}: {f['raw']['sodium_mg']} mg sodium per 100 g, about {round(portion_of(f, 'sodium_mg'))} mg in a {f['portion_g']} g portion "
        f"({fmt_num(f['vals']['sodium_mg'] * 2.5 / 1000, 2)} g salt per 100 g)." for f in high)
    low = ["16070", "16015", "16057", "20137", "20121", "11508", "09040", "09050", "12061", "12014", "11529", "11090", "16126"]
    named["sodium_low"] = list(low)
    lists["sodium_low"] = "\n".join(f"- {by[n]['name']}: {by[n]['raw']['sodium_mg']} mg sodium per 100 g." for n in low)
    pairs = [("16069", "16070", "Lentils"), ("16056", "16057", "Chickpeas"), ("16014", "16015", "Black beans"),
             ("16108", "16109", "Soybeans"), ("16085", "16086", "Split peas")]
    lines = []
    for dry, ckd, label in pairs:
        d, c = by[dry]["vals"], by[ckd]["vals"]
        lines.append(f"- {label}: dry {by[dry]['raw']['protein_g']} g protein and {d['energy_kcal']} kcal per 100 g; "
                     f"boiled {by[ckd]['raw']['protein_g']} g protein and {c['energy_kcal']} kcal per 100 g "
                     f"(judged by energy, the cooked weight is about {fmt_num(d['energy_kcal'] / c['energy_kcal'])} times the dry weight).")
    lists["legume_pairs"] = "\n".join(lines)
    named["legume_pairs"] = [n for dry, ckd, _ in pairs for n in (dry, ckd)]
    cal = sorted([f for f in foods if f["vals"]["calcium_mg"]], key=lambda f: (-f["vals"]["calcium_mg"], f["ndb"]))[:20]
    named["calcium"] = [f["ndb"] for f in cal]
    lists["calcium"] = "\n".join(
        f"- {f['name']}: {f['raw']['calcium_mg']} mg calcium per 100 g; {round(portion_of(f, 'calcium_mg'))} mg per {f['portion_g']} g portion."
        for f in cal)
    nuts = sorted([f for f in foods if f["category"] == "nuts_seeds"], key=lambda f: (-f["vals"]["protein_g"], f["ndb"]))
    named["nuts_energy"] = [f["ndb"] for f in nuts]
    lists["nuts_energy"] = "\n".join(
        f"- {f['name']}: {f['raw']['energy_kcal']} kcal and {f['raw']['protein_g']} g protein per 100 g; "
        f"a {f['portion_g']} g portion gives {round(portion_of(f, 'energy_kcal'))} kcal and {fmt_num(portion_of(f, 'protein_g'))} g protein."
        for f in nuts)
    day = [("Breakfast", [("01015", 150), ("09302", 125), ("12006", 15)]),
           ("Lunch", [("16070", 150), ("20137", 180), ("11854", 180)]),
           ("Afternoon snack", [("01118", 150), ("12014", 30)]),
           ("Dinner", [("16114", 100), ("16109", 150), ("11508", 150)]),
           ("Evening", [("01082", 250)])]
    lines, total = [], 0.0
    for meal, items in day:
        parts, sub = [], 0.0
        for n, g in items:
            p = by[n]["vals"]["protein_g"] * g / 100
            sub += p
            parts.append(f"{g} g {by[n]['name'].lower()} ({fmt_num(p)} g)")
        total += sub
        lines.append(f"- {meal}: {', '.join(parts)}; {fmt_num(sub)} g protein.")
    lines.append(f"- Total for the day: about {round(total)} g protein.")
    lists["training_day"] = "\n".join(lines)
    lists["menu_calendar"] = "\n".join(
        f"- Week {w}: {long_date(week_monday(w))} to {long_date(day_date(w, 4))}." for w in WEEKS if w != UPDATE_WEEK)
    return lists, named


PLACEHOLDER = re.compile(r"\{\{(fact|list):([a-z_0-9]+)\}\}")


def nutrient_guides(foods: list[dict]) -> dict[tuple[str, str], list[str]]:
    """For each (NDB number, nutrient key), the guides that print that sheet's per-100 g value."""
    _, named = _guide_lists(foods)
    out: dict[tuple[str, str], list[str]] = {}
    for path in sorted((RAW / "guides").glob("guide-*.md")):
        for kind, key in PLACEHOLDER.findall(path.read_text(encoding="utf-8")):
            for ndb in named.get(key, []) if kind == "list" else []:
                for nutrient in LIST_NUTRIENT[key]:
                    ids = out.setdefault((ndb, nutrient), [])
                    if path.stem not in ids:
                        ids.append(path.stem)
    return out


def guide_docs(foods: list[dict]) -> list[dict]:
    lists = guide_lists(foods)
    docs = []
    for path in sorted((RAW / "guides").glob("guide-*.md")):
        head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        meta = dict(line.split(": ", 1) for line in head.splitlines())

        def fill(m):
            kind, key = m.group(1), m.group(2)
            return FACTS[key] if kind == "fact" else lists[key]

        text = PLACEHOLDER.sub(fill, body).strip() + "\n"
        sections = [ln[3:].strip() for ln in text.splitlines() if ln.startswith("## ")]
        docs.append({"id": path.stem, "type": "guide", "title": meta["title"], "text": text,
                     "date": meta["date"], "sections": sections, "word_count": len(text.split()),
                     "source": "written for this course; nutrition figures from the USDA SR sheets"})
    return docs
