#!/usr/bin/env python3
"""Build every generated file under datasets/ from committed inputs, byte for byte.

Inputs (committed, never written by this script):
  datasets/knowledge/raw/usda_sr_abbrev_extract.txt  real USDA SR rows (first 21 fields)
  datasets/knowledge/raw/food_names.csv              display names, categories, portions
  datasets/knowledge/raw/guides/guide-NN.md          guide prose with {{placeholders}}

Outputs: profile, dialogues (+ curation log), knowledge (nutrition, menus, update,
guides), questions and the lesson-01 probe. Everything random comes from one seeded
`random.Random`, and files are written with sorted, explicit orderings, so two runs
produce identical bytes.

Usage:
  python scripts/build_datasets.py             rewrite the files in datasets/
  python scripts/build_datasets.py --out DIR   write the tree into DIR instead
  python scripts/build_datasets.py --check     exit 1 if datasets/ differs from a rebuild
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import filecmp
import json
import random
import re
import sys
import tempfile
from pathlib import Path

SEED = 20260105
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

# The same duplicate and overlap rules that lesson 04 and the tests apply to the finished splits.
from course_lib.curation import exact_duplicates, normalise_prompt, word_overlaps  # noqa: E402
DATASETS = ROOT / "datasets"
RAW = DATASETS / "knowledge" / "raw"

# Files this script owns, relative to the datasets directory.
OUTPUTS = [
    "profile/profile.json",
    "dialogues/train.jsonl",
    "dialogues/validation.jsonl",
    "dialogues/test.jsonl",
    "dialogues/curation_log.jsonl",
    "knowledge/nutrition.jsonl",
    "knowledge/menus.jsonl",
    "knowledge/menu_update.jsonl",
    "knowledge/guides.jsonl",
    "questions/questions.jsonl",
    "questions/probe.jsonl",
]

# --------------------------------------------------------------------------- profile

PROFILE = {
    "id": "profile-maya",
    "name": "Maya Lindqvist",
    "summary": (
        "34-year-old software tester at the Harbour Lane offices. Lacto-vegetarian with a "
        "peanut allergy, trains for strength three times a week and eats lunch at the "
        "Harbour Lane Canteen on weekdays."
    ),
    "diet": "lacto-vegetarian: dairy is fine; no meat, fish, seafood or gelatine",
    "hard_restrictions": [
        {
            "name": "peanut allergy",
            "kind": "allergy",
            "avoid": ["peanut", "peanuts", "peanut butter", "peanut oil", "groundnut", "arachis oil", "satay"],
        },
        {
            "name": "vegetarian",
            "kind": "diet",
            "avoid": ["meat", "chicken", "beef", "pork", "ham", "bacon", "lamb", "turkey", "duck",
                      "fish", "salmon", "tuna", "cod", "trout", "hake", "prawns", "shrimp", "anchovies",
                      "gelatine"],
        },
    ],
    "dislikes": ["eggs", "mushrooms", "coriander", "aubergine"],
    "likes": ["lentils", "chickpeas", "tofu", "cottage cheese", "yogurt", "berries", "sweet potato",
              "spinach", "spicy food", "pumpkin seeds"],
    "goals": {
        "protein_g_per_day": 120,
        "energy_kcal_per_day": 2100,
        "fibre_g_per_day": 30,
        "sodium_mg_per_day_max": 2300,
        "training": "strength training on Monday, Wednesday and Friday evenings",
    },
    "answer_style": {
        "tone": "friendly and direct; no lecturing, no emojis",
        "format": "a short bullet list (at most 4 bullets); every food suggestion states its protein in grams",
        "units": "metric only (g, ml, kcal, mg)",
        "length": "under 80 words",
        "uncertainty": "say \"I don't know\" instead of guessing canteen facts such as this week's menu",
    },
}

# Words whose presence in an answer breaks the profile (whole-word, lower-case).
FORBIDDEN_WORDS = sorted({
    "peanut", "peanuts", "groundnut", "satay", "arachis",
    "meat", "chicken", "beef", "pork", "ham", "bacon", "lamb", "turkey", "duck", "fish", "salmon",
    "tuna", "cod", "trout", "hake", "prawn", "prawns", "shrimp", "anchovy", "anchovies", "gelatine",
    "egg", "eggs", "omelette", "omelet", "mushroom", "mushrooms", "coriander", "cilantro",
    "aubergine", "eggplant",
})
IMPERIAL = re.compile(r"\b(\d+\s*(oz|ounces?|lbs?|pounds?|cups?|tbsp|tablespoons?)|fahrenheit)\b", re.I)


def forbidden_hits(text: str) -> list[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return sorted(words & set(FORBIDDEN_WORDS))


# --------------------------------------------------------------------------- helpers

def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(dumps(row) + "\n")


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def fmt_num(x: float, nd: int = 1) -> str:
    s = f"{x:.{nd}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def num_variants(raw: str, unit: str) -> list[str]:
    """Accepted spellings of a number with its unit, e.g. 9.02 g -> 9.02 g, 9.02g, 9.0 g."""
    forms = [raw]
    if "." in raw:
        v = float(raw)
        for nd in (1, 0):
            s = f"{v:.{nd}f}"
            if nd == 0 and abs(v - round(v)) > 0.05:
                continue
            forms.append(s)
    out = []
    for f in dict.fromkeys(forms):
        out += [f"{f} {unit}", f"{f}{unit}"]
        if "." in f:
            out.append(f"{f.replace('.', ',')} {unit}")
    return list(dict.fromkeys(o.lower() for o in out))


# --------------------------------------------------------------------------- nutrition

SR_FIELDS = ["water_g", "energy_kcal", "protein_g", "fat_g", "ash_g", "carbs_g", "fibre_g", "sugar_g",
             "calcium_mg", "iron_mg", "magnesium_mg", "phosphorus_mg", "potassium_mg", "sodium_mg",
             "zinc_mg", "copper_mg", "manganese_mg", "selenium_ug", "vitamin_c_mg"]
LABELS = {"energy_kcal": ("energy", "kcal"), "protein_g": ("protein", "g"), "fat_g": ("fat", "g"),
          "carbs_g": ("carbohydrate", "g"), "sugar_g": ("sugars", "g"), "fibre_g": ("dietary fibre", "g"),
          "sodium_mg": ("sodium", "mg"), "potassium_mg": ("potassium", "mg"), "calcium_mg": ("calcium", "mg"),
          "iron_mg": ("iron", "mg"), "magnesium_mg": ("magnesium", "mg"), "vitamin_c_mg": ("vitamin C", "mg"),
          "water_g": ("water", "g")}
NUT_DATE = "2026-01-02"
SOURCE_REPO = "itgma/maxprotein"
SOURCE_COMMIT = "28de9da7cb7afcc592498a90770ea86277744d15"


def load_foods() -> list[dict]:
    names = {r["ndb"]: r for r in csv.DictReader(open(RAW / "food_names.csv", encoding="utf-8"))}
    foods = []
    for line in (RAW / "usda_sr_abbrev_extract.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("^")
        ndb, desc = parts[0].strip("~"), parts[1].strip("~")
        raw = dict(zip(SR_FIELDS, parts[2:]))
        vals = {k: (None if v == "" else (int(v) if k == "energy_kcal" else float(v))) for k, v in raw.items()}
        # Carbohydrate in SR is "by difference", so the proximates must add up to 100 g:
        # this catches almost any transcription slip in the five numbers.
        total = sum(vals[k] for k in ("water_g", "protein_g", "fat_g", "ash_g", "carbs_g"))
        # (Rows with zero carbohydrate were not computed by difference and may overshoot.)
        if not (-0.6 <= total - 100 <= (2.5 if vals["carbs_g"] == 0 else 0.6)):
            raise SystemExit(f"USDA row {ndb} proximates add up to {total:.2f} g, not 100 g")
        # Sugars can exceed carbohydrate-by-difference by a little in SR (different methods),
        # so only a large gap is treated as a typo.
        for part, slack in (("fibre_g", 0.01), ("sugar_g", 0.5)):
            if vals[part] is not None and vals[part] > vals["carbs_g"] + slack:
                raise SystemExit(f"USDA row {ndb}: {part} exceeds carbohydrate")
        meta = names[ndb]
        foods.append({"ndb": ndb, "desc": desc, "raw": raw, "vals": vals, "name": meta["name"],
                      "category": meta["category"], "portion_g": int(meta["portion_g"])})
    foods.sort(key=lambda f: f["ndb"])
    return foods


def nutrition_docs(foods: list[dict], rng: random.Random) -> list[dict]:
    docs = []
    order = ["energy_kcal", "protein_g", "fat_g", "carbs_g", "sugar_g", "fibre_g", "sodium_mg",
             "potassium_mg", "calcium_mg", "iron_mg", "magnesium_mg", "vitamin_c_mg"]
    for i, f in enumerate(foods, 1):
        raw, v = f["raw"], f["vals"]

        def show(k):
            label, unit = LABELS[k]
            return f"{raw[k]} {unit}" if raw[k] != "" else "not reported"

        portion = f["portion_g"]
        p_kcal = round(v["energy_kcal"] * portion / 100)
        p_prot = fmt_num(v["protein_g"] * portion / 100)
        style = rng.randrange(3)
        src = (f"Source: USDA National Nutrient Database for Standard Reference, NDB {f['ndb']} "
               f"(\"{f['desc']}\"). Values are per 100 g of the food as described.")
        if style == 0:
            lines = [f"{f['name']}: nutrition sheet", "", "Per 100 g:"]
            lines += [f"- {LABELS[k][0].capitalize()}: {show(k)}" for k in order]
            lines += ["", f"A typical portion of {portion} g provides about {p_kcal} kcal and {p_prot} g of protein.", src]
        elif style == 1:
            lines = [
                f"Nutrition per 100 g of {f['name'].lower()}.",
                f"Energy {show('energy_kcal')}; protein {show('protein_g')}; fat {show('fat_g')}; "
                f"carbohydrate {show('carbs_g')}, of which sugars {show('sugar_g')}; dietary fibre {show('fibre_g')}.",
                f"Minerals: sodium {show('sodium_mg')}, potassium {show('potassium_mg')}, calcium {show('calcium_mg')}, "
                f"iron {show('iron_mg')}, magnesium {show('magnesium_mg')}. Vitamin C: {show('vitamin_c_mg')}.",
                f"Portion used in this knowledge base: {portion} g (about {p_kcal} kcal, {p_prot} g protein).",
                src,
            ]
        else:
            lines = [f"{f['name']} ({f['category'].replace('_', ' and ')})", ""]
            lines += [f"{LABELS[k][0].capitalize()} per 100 g: {show(k)}" for k in order]
            lines += ["", f"Typical portion: {portion} g, giving roughly {p_prot} g protein and {p_kcal} kcal.", src]
        per = {k: v[k] for k in SR_FIELDS if k != "ash_g"}
        docs.append({
            "id": f"nut-{i:04d}", "type": "nutrition", "title": f"{f['name']}: nutrition per 100 g",
            "text": "\n".join(lines), "date": NUT_DATE, "category": f["category"], "ndb_no": f["ndb"],
            "usda_description": f["desc"], "portion_g": portion, "per_100g": per,
            "source": f"USDA SR (ABBREV.txt) via {SOURCE_REPO}@{SOURCE_COMMIT[:12]}",
        })
    return docs


# --------------------------------------------------------------------------- canteen facts

ALLERGENS = [  # EU Regulation 1169/2011, Annex II order; the letter is the canteen's code.
    ("A", "gluten", "cereals containing gluten (wheat, rye, barley, oats, spelt, kamut)"),
    ("B", "crustaceans", "crustaceans (prawns, crab, lobster, crayfish)"),
    ("C", "eggs", "eggs"),
    ("D", "fish", "fish"),
    ("E", "peanuts", "peanuts"),
    ("F", "soybeans", "soybeans"),
    ("G", "milk", "milk, including lactose"),
    ("H", "nuts", "tree nuts (almonds, hazelnuts, walnuts, cashews, pecans, Brazil nuts, pistachios, macadamia)"),
    ("I", "celery", "celery and celeriac"),
    ("J", "mustard", "mustard"),
    ("K", "sesame", "sesame seeds"),
    ("L", "sulphites", "sulphur dioxide and sulphites above 10 mg/kg"),
    ("M", "lupin", "lupin"),
    ("N", "molluscs", "molluscs (mussels, squid, snails)"),
]
ALLERGEN_WORD = {"gluten": "cereals containing gluten"}
FACTS = {
    "canteen_name": "Harbour Lane Canteen",
    "lunch_hours": "11:30 to 14:15",
    "breakfast_hours": "7:45 to 10:00",
    "coffee_hours": "7:45 to 16:30",
    "app_name": "HLC Lunch",
    "preorder_deadline": "10:00",
    "box_deposit": "€2.00",
    "menu_publication": "Thursday at 15:00",
    "head_chef": "Tomasz Wróbel",
    "salt_factor": "2.5",
    "band_grill": "€8.20 to €9.80",
    "band_green": "€6.90 to €8.40",
    "band_soup": "€3.50 to €4.60",
    "band_sweet": "€2.40 to €3.60",
}
for _letter, _key, _ in ALLERGENS:
    FACTS[f"code_{_key}"] = _letter

WEEKS = list(range(2, 11))  # ISO weeks 2..10 of 2026; week 10 is the held-out update
UPDATE_WEEK = 10
DAYS = ["mon", "tue", "wed", "thu", "fri"]
DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def week_monday(week: int) -> dt.date:
    return dt.date(2026, 1, 5) + dt.timedelta(days=7 * (week - 2))


def day_date(week: int, day_idx: int) -> dt.date:
    return week_monday(week) + dt.timedelta(days=day_idx)


def long_date(d: dt.date) -> str:
    return f"{DAY_NAMES[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}"


def date_phrase(d: dt.date, rng: random.Random) -> str:
    """Several unambiguous ways people write a date."""
    wd, mon = DAY_NAMES[d.weekday()], MONTHS[d.month - 1]
    forms = [f"{wd} {d.day} {mon} {d.year}", f"{wd} {d.day} {mon}", f"{wd}, {d.day} {mon[:3]} {d.year}",
             f"{d.day} {mon} {d.year} (a {wd})", f"{wd[:3]} {d.day} {mon}"]
    return rng.choice(forms)


# --------------------------------------------------------------------------- guides

def food_by_ndb(foods):
    return {f["ndb"]: f for f in foods}


def portion_of(f, key):
    return f["vals"][key] * f["portion_g"] / 100 if f["vals"][key] is not None else None


def guide_lists(foods: list[dict]) -> dict[str, str]:
    by = food_by_ndb(foods)
    peanut = {"16087", "16090", "16098"}
    condiments = {"16112", "16123"}

    def prot_line(f):
        return (f"- {f['name']}: {f['raw']['protein_g']} g protein per 100 g; "
                f"{fmt_num(portion_of(f, 'protein_g'))} g in a {f['portion_g']} g portion.")

    def ranked(cats, key, exclude=()):
        sel = [f for f in foods if f["category"] in cats and f["ndb"] not in exclude and f["vals"][key] is not None]
        return sorted(sel, key=lambda f: (-portion_of(f, key), f["ndb"]))

    lists = {
        "allergen_codes": "\n".join(f"- {letter}: {desc}" for letter, _, desc in ALLERGENS),
        "protein_legumes": "\n".join(prot_line(f) for f in ranked({"legumes_soy"}, "protein_g", peanut | condiments)),
        "protein_dairy": "\n".join(prot_line(f) for f in ranked({"dairy"}, "protein_g", {"01053", "01056", "01001", "01145"})),
        "protein_grains_seeds": "\n".join(prot_line(f) for f in ranked({"grains", "nuts_seeds"}, "protein_g")[:22]),
    }
    fib = sorted([f for f in foods if f["vals"]["fibre_g"]], key=lambda f: (-f["vals"]["fibre_g"], f["ndb"]))[:25]
    lists["fibre_top"] = "\n".join(
        f"- {f['name']}: {f['raw']['fibre_g']} g fibre per 100 g ({fmt_num(portion_of(f, 'fibre_g'))} g per {f['portion_g']} g portion)."
        for f in fib)
    common = ["16070", "16057", "16015", "16086", "20125", "20137", "09302", "09042", "09252", "11098",
              "11090", "11508", "09040", "12006", "12061", "09037", "11124", "20121"]
    lists["fibre_portion"] = "\n".join(
        f"- {by[n]['portion_g']} g {by[n]['name'].lower()}: {fmt_num(portion_of(by[n], 'fibre_g'))} g fibre."
        for n in sorted(common, key=lambda n: -portion_of(by[n], "fibre_g")))
    high = sorted([f for f in foods if (f["vals"]["sodium_mg"] or 0) >= 240], key=lambda f: (-f["vals"]["sodium_mg"], f["ndb"]))
    lists["sodium_high"] = "\n".join(
        f"- {f['name']}: {f['raw']['sodium_mg']} mg sodium per 100 g, about {round(portion_of(f, 'sodium_mg'))} mg in a {f['portion_g']} g portion "
        f"({fmt_num(f['vals']['sodium_mg'] * 2.5 / 1000, 2)} g salt per 100 g)." for f in high)
    low = ["16070", "16015", "16057", "20137", "20121", "11508", "09040", "09050", "12061", "12014", "11529", "11090", "16126"]
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
    cal = sorted([f for f in foods if f["vals"]["calcium_mg"]], key=lambda f: (-f["vals"]["calcium_mg"], f["ndb"]))[:20]
    lists["calcium"] = "\n".join(
        f"- {f['name']}: {f['raw']['calcium_mg']} mg calcium per 100 g; {round(portion_of(f, 'calcium_mg'))} mg per {f['portion_g']} g portion."
        for f in cal)
    nuts = sorted([f for f in foods if f["category"] == "nuts_seeds"], key=lambda f: (-f["vals"]["protein_g"], f["ndb"]))
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
    return lists


def guide_docs(foods: list[dict]) -> list[dict]:
    lists = guide_lists(foods)
    docs = []
    for path in sorted((RAW / "guides").glob("guide-*.md")):
        head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        meta = dict(line.split(": ", 1) for line in head.splitlines())

        def fill(m):
            kind, key = m.group(1), m.group(2)
            return FACTS[key] if kind == "fact" else lists[key]

        text = re.sub(r"\{\{(fact|list):([a-z_0-9]+)\}\}", fill, body).strip() + "\n"
        sections = [ln[3:].strip() for ln in text.splitlines() if ln.startswith("## ")]
        docs.append({"id": path.stem, "type": "guide", "title": meta["title"], "text": text,
                     "date": meta["date"], "sections": sections, "word_count": len(text.split()),
                     "source": "written for this course; nutrition figures from the USDA SR sheets"})
    return docs


# --------------------------------------------------------------------------- menus

# (name, ingredient tags, allergens, protein g, kcal)
GRILL_PROTEINS = [
    ("chicken thigh", ["chicken"], [], 32, 430), ("beef meatballs", ["beef"], ["gluten", "eggs"], 30, 520),
    ("pork schnitzel", ["pork"], ["gluten", "eggs"], 31, 560), ("salmon fillet", ["salmon", "fish"], ["fish"], 29, 470),
    ("cod loin", ["cod", "fish"], ["fish"], 27, 330), ("turkey escalope", ["turkey"], [], 34, 360),
    ("lamb kofta", ["lamb"], [], 28, 520), ("king prawns", ["prawns"], ["crustaceans"], 24, 300),
    ("trout fillet", ["trout", "fish"], ["fish"], 27, 380), ("beef brisket", ["beef"], [], 33, 560),
    ("chicken breast", ["chicken"], [], 36, 380), ("pork belly", ["pork"], [], 25, 640),
    ("hake fillet", ["hake", "fish"], ["fish"], 26, 320), ("duck leg", ["duck"], [], 30, 590),
]
GREEN_PROTEINS = [
    ("tofu", ["tofu"], ["soybeans"], 18, 330), ("tempeh", ["tempeh"], ["soybeans"], 22, 380),
    ("red lentil dal", ["lentils"], [], 17, 360), ("chickpea stew", ["chickpeas"], [], 16, 380),
    ("black bean chilli", ["black beans"], ["celery"], 17, 370), ("halloumi", ["halloumi"], ["milk"], 22, 450),
    ("paneer", ["paneer"], ["milk"], 21, 460), ("seitan", ["seitan"], ["gluten", "soybeans"], 28, 390),
    ("falafel", ["chickpeas"], ["sesame", "gluten"], 17, 480), ("white bean cassoulet", ["white beans"], ["celery"], 18, 390),
    ("lupin schnitzel", ["lupin"], ["lupin", "gluten"], 20, 430), ("cottage cheese fritters", ["cottage cheese", "eggs"], ["milk", "eggs", "gluten"], 20, 420),
    ("shakshuka eggs", ["eggs"], ["eggs"], 19, 360), ("mushroom stroganoff", ["mushrooms"], ["milk", "celery"], 15, 420),
    ("aubergine parmigiana", ["aubergine"], ["milk", "gluten"], 16, 470), ("ricotta gnocchi", ["ricotta", "eggs"], ["milk", "eggs", "gluten"], 18, 520),
    ("smoked tofu", ["tofu"], ["soybeans"], 19, 340), ("butter bean ragout", ["butter beans"], ["celery"], 16, 370),
]
# (name, tags, allergens); the same styles serve both counters.
STYLES = [
    ("miso-glazed", [], ["soybeans"]), ("harissa", [], []), ("lemon and dill", [], []),
    ("smoked paprika", [], []), ("teriyaki", [], ["soybeans", "gluten"]), ("tikka-spiced", [], ["milk"]),
    ("jerk-spiced", [], []), ("satay", ["peanuts"], ["peanuts"]), ("mustard-crusted", [], ["mustard"]),
    ("za'atar", [], ["sesame"]), ("gochujang", [], ["soybeans", "gluten", "sesame"]), ("black pepper", [], []),
    ("chimichurri", [], []), ("Thai green curry", ["coriander"], []), ("piri-piri", [], []),
    ("garlic and rosemary", [], []), ("katsu", [], ["gluten", "eggs"]), ("sumac and pomegranate", [], []),
    ("Kashmiri chilli", [], ["milk"]), ("coriander and lime", ["coriander"], []),
]
SIDES = [
    ("jasmine rice", [], 4, 210), ("herbed bulgur", ["gluten"], 6, 220), ("roast potatoes", [], 4, 230),
    ("lemon couscous", ["gluten"], 6, 210), ("soba noodles", ["gluten"], 6, 200), ("sweet potato mash", ["milk"], 3, 210),
    ("wild rice", [], 5, 190), ("pearl barley", ["gluten"], 5, 200), ("quinoa tabbouleh", [], 6, 200),
    ("crushed new potatoes", [], 4, 200), ("warm flatbread", ["gluten"], 6, 240), ("spelt pilaf", ["gluten"], 7, 230),
    ("brown rice", [], 5, 220), ("polenta", ["milk"], 4, 210),
]
VEG = ["roast carrots", "braised red cabbage", "charred broccoli", "garlic greens", "fennel slaw", "roast squash",
       "pickled cucumber", "spiced cauliflower", "minted peas", "tomato salad", "kale and apple slaw", "glazed turnips"]
SOUP_BASES = [
    ("roasted squash", [], [], 4, 180), ("split pea", ["split peas"], [], 11, 240), ("tomato and red lentil", ["lentils"], [], 10, 230),
    ("leek and potato", [], ["milk"], 5, 220), ("white bean minestrone", ["white beans"], ["gluten"], 9, 230),
    ("chicken and barley", ["chicken"], ["gluten"], 14, 250), ("beef and bean", ["beef"], [], 15, 280),
    ("mushroom and thyme", ["mushrooms"], ["milk"], 5, 190), ("carrot and ginger", [], [], 3, 150),
    ("miso and tofu", ["tofu"], ["soybeans"], 9, 160), ("black bean", ["black beans"], [], 10, 230),
    ("broccoli and almond", [], ["nuts", "milk"], 8, 240), ("spiced chickpea", ["chickpeas"], [], 10, 250),
    ("smoked fish chowder", ["fish"], ["fish", "milk"], 16, 290), ("celeriac and apple", [], [], 3, 160),
    ("peanut and sweet potato", ["peanuts"], ["peanuts"], 9, 290), ("beetroot and dill", [], [], 3, 140),
    ("cauliflower and cheddar", [], ["milk"], 8, 240),
]
SOUP_FLAVOURS = ["ginger", "smoked paprika", "thyme", "coconut", "harissa", "lemon", "chilli", "roasted garlic",
                 "cumin", "rosemary", "sage", "fennel seed"]
SWEETS = [
    ("apple crumble", [], ["gluten", "milk"], 3, 320), ("rice pudding", [], ["milk"], 6, 260),
    ("chocolate mousse", ["eggs"], ["eggs", "milk"], 5, 300), ("berry compote with yogurt", [], ["milk"], 7, 190),
    ("carrot cake", ["eggs"], ["eggs", "gluten", "nuts"], 4, 380), ("poached pear", [], ["sulphites"], 1, 170),
    ("panna cotta", ["gelatine"], ["milk"], 4, 280), ("peanut butter brownie", ["peanuts", "eggs"], ["peanuts", "eggs", "gluten", "milk"], 6, 410),
    ("lemon posset", [], ["milk"], 3, 340), ("fruit salad", [], [], 1, 120), ("chia pudding", [], ["soybeans"], 6, 230),
    ("baked cheesecake", ["eggs"], ["eggs", "milk", "gluten"], 7, 390), ("oat and date bar", [], ["gluten"], 4, 280),
    ("quark mousse", [], ["milk"], 9, 210),
]
SWEET_TOPPINGS = ["cardamom", "orange zest", "cinnamon", "toasted oats", "blackberry sauce", "vanilla",
                  "salted caramel", "raspberries", "stem ginger", "honeyed figs", "lemon curd", "pistachio crumb"]
MEATS = {"chicken", "beef", "pork", "salmon", "fish", "cod", "turkey", "lamb", "prawns", "trout", "hake", "duck", "gelatine"}
DISLIKED_TAGS = {"eggs", "mushrooms", "coriander", "aubergine"}
MAINS = ("green", "soup")  # a lunch for the profile is one of these; the grill always has meat or fish


def maya_ok(dish: dict) -> bool:
    tags = set(dish["ingredients"])
    return (dish["vegetarian"] and "peanuts" not in dish["allergens"] and "eggs" not in dish["allergens"]
            and not tags & DISLIKED_TAGS)


def allergen_words(allergens: list[str]) -> str:
    return ", ".join(ALLERGEN_WORD.get(a, a) for a in allergens) if allergens else "none of the 14"


def make_dish(counter, name, tags, allergens, protein, kcal, price):
    order = [a[1] for a in ALLERGENS]
    allergens = sorted(set(allergens), key=order.index)
    veg = not (set(tags) & MEATS)
    return {"counter": counter, "name": name, "price_eur": price, "protein_g": protein, "energy_kcal": kcal,
            "allergens": allergens, "vegetarian": veg, "vegan": veg and not {"milk", "eggs"} & set(allergens),
            "ingredients": sorted(set(tags))}


def build_menus(rng: random.Random) -> list[dict]:
    used_cores, used_names = set(), set()
    codes = iter(f"D-{c}" for c in rng.sample(range(100, 900), len(WEEKS) * 5 * 4))
    docs = []

    def price(lo, hi):
        return round(rng.randrange(int(lo * 10), int(hi * 10) + 1) / 10, 2)

    def main(counter, proteins, lo, hi):
        while True:
            p, s, side = rng.choice(proteins), rng.choice(STYLES), rng.choice(SIDES)
            core = f"{s[0]} {p[0]}"
            if core in used_cores:
                continue
            veg = rng.choice(VEG)
            name = rng.choice([f"{core} with {side[0]}", f"{core}, {side[0]} and {veg}", f"{core} with {side[0]} and {veg}"])
            name = name[0].upper() + name[1:]
            if name in used_names:
                continue
            used_cores.add(core)
            used_names.add(name)
            prot = p[3] + side[2] + rng.randint(-2, 3)
            kcal = int(round((p[4] + side[3] + rng.randint(-40, 60)) / 10) * 10)
            dish = make_dish(counter, name, p[1] + s[1], p[2] + s[2] + side[1], prot, kcal, price(lo, hi))
            dish["core"], dish["_key"] = core, core
            return dish

    def simple(counter, bases, extras, fmt, lo, hi):
        while True:
            b, x = rng.choice(bases), rng.choice(extras)
            name = fmt(b[0], x)
            name = name[0].upper() + name[1:]
            if b[0] + x in used_cores or name in used_names:
                continue
            used_cores.add(b[0] + x)
            used_names.add(name)
            prot = max(1, b[3] + rng.randint(-1, 2))
            kcal = int(round((b[4] + rng.randint(-30, 40)) / 10) * 10)
            allergens = b[2] + (["celery"] if counter == "soup" else [])
            dish = make_dish(counter, name, b[1], allergens, prot, kcal, price(lo, hi))
            dish["core"], dish["_key"] = b[0], b[0] + x
            return dish

    def soup_name(base, flavour):
        kind = "" if base.endswith(("chowder", "minestrone")) else " soup"
        if " and " in base or not kind:
            return f"{base}{kind} with {flavour}"
        return rng.choice([f"{base}{kind} with {flavour}", f"{base} and {flavour}{kind}"])

    for week in WEEKS:
        for di, day in enumerate(DAYS):
            while True:
                dishes = [
                    main("grill", GRILL_PROTEINS, 8.2, 9.8),
                    main("green", GREEN_PROTEINS, 6.9, 8.4),
                    simple("soup", SOUP_BASES, SOUP_FLAVOURS, soup_name, 3.5, 4.6),
                    simple("sweet", SWEETS, SWEET_TOPPINGS, lambda b, x: f"{b} with {x}", 2.4, 3.6),
                ]
                ok = sorted((d["protein_g"] for d in dishes if maya_ok(d) and d["counter"] in MAINS), reverse=True)
                # One clear best option for the profile keeps preference_and_fact answers unique.
                if ok and (len(ok) == 1 or ok[0] > ok[1]):
                    break
                for d in dishes:
                    used_cores.discard(d["_key"])
                    used_names.discard(d["name"])
            for d in dishes:
                d["code"] = next(codes)
            date = day_date(week, di)
            labels = {"grill": "Grill", "green": "Green counter", "soup": "Soup of the day", "sweet": "Sweet"}
            lines = [f"{FACTS['canteen_name']}: lunch menu for {long_date(date)} (week {week})", ""]
            for d in dishes:
                mark = " [vegan]" if d["vegan"] else (" [vegetarian]" if d["vegetarian"] else "")
                lines += [f"{labels[d['counter']]}: {d['name']} ({d['code']}){mark}",
                          f"Price €{d['price_eur']:.2f} | protein {d['protein_g']} g | {d['energy_kcal']} kcal",
                          f"Allergens: {allergen_words(d['allergens'])}", ""]
            lines.append(f"Served {FACTS['lunch_hours']}. Pre-order in the {FACTS['app_name']} app until {FACTS['preorder_deadline']}.")
            docs.append({
                "id": f"menu-w{week:02d}-{day}", "type": "menu",
                "title": f"Canteen menu, {long_date(date)}", "text": "\n".join(lines),
                "date": date.isoformat(), "week": week, "day": day,
                "dishes": [{k: d[k] for k in ("code", "counter", "name", "price_eur", "protein_g", "energy_kcal",
                                              "allergens", "vegetarian", "vegan", "ingredients")} | {"core": d["core"]}
                           for d in dishes],
                "source": "fictional canteen menu written for this course",
            })
    return docs


# --------------------------------------------------------------------------- questions

REFUSALS = ["i don't know", "i do not know", "i'm not sure", "not in the", "no information", "don't have",
            "do not have", "cannot find", "can't find", "not available", "isn't in", "is not in", "not listed"]
COUNTER_WORDS = {
    "grill": ["the grill dish", "the dish from the grill", "the grill main"],
    "green": ["the vegetarian main", "the green counter dish", "the veggie main"],
    "soup": ["the soup", "the soup of the day", "the day's soup"],
    "sweet": ["the dessert", "the sweet", "the pudding"],
}
TAG_WORDS = {"chicken": ["chicken"], "beef": ["beef"], "pork": ["pork"], "salmon": ["salmon"], "fish": ["fish"],
             "cod": ["cod"], "turkey": ["turkey"], "lamb": ["lamb"], "prawns": ["prawns", "prawn"],
             "trout": ["trout"], "hake": ["hake"], "duck": ["duck"], "gelatine": ["gelatine"],
             "eggs": ["egg", "eggs"], "mushrooms": ["mushroom", "mushrooms"], "coriander": ["coriander"],
             "aubergine": ["aubergine"], "peanuts": ["peanut", "peanuts", "satay"]}


def Q(question, qtype, answer, accepted, gold, avoid=(), **extra):
    acc = list(dict.fromkeys([answer.lower()] + [a.lower() for a in accepted]))
    row = {"question": question, "type": qtype, "answer": answer, "accepted": acc,
           "gold_doc_ids": list(gold), "avoid_terms": sorted(set(avoid))}
    row.update(extra)
    return row


def price_answers(p: float) -> tuple[str, list[str]]:
    s = f"{p:.2f}"
    return f"€{s}", [f"€{s}", s, s.replace(".", ","), f"{s} eur"]


def build_questions(rng, foods, nut_docs, menu_docs, update_docs, guide_docs_) -> list[dict]:
    by = food_by_ndb(foods)
    nut_id = {d["ndb_no"]: d["id"] for d in nut_docs}
    qs: list[dict] = []

    def nut_q(ndb, key, question, qtype):
        label, unit = LABELS[key]
        raw = by[ndb]["raw"][key]
        ans = f"{raw} {unit}"
        qs.append(Q(question, qtype, ans, num_variants(raw, unit), [nut_id[ndb]]))

    # static facts: nutrition sheets, asked plainly
    qfoods = [("16070", "boiled lentils"), ("16126", "firm tofu"), ("16057", "boiled chickpeas"),
              ("12014", "dried pumpkin seeds"), ("12006", "chia seeds"), ("01015", "2% low-fat cottage cheese"),
              ("09148", "green kiwifruit"), ("11090", "raw broccoli"), ("12151", "raw pistachios"),
              ("09302", "raw raspberries"), ("09037", "avocado"), ("11529", "raw red tomatoes"),
              ("16158", "shop-bought hummus"), ("01019", "feta cheese"), ("20137", "cooked quinoa"),
              ("16109", "boiled soybeans"), ("11508", "baked sweet potato"), ("12012", "hulled hemp seeds"),
              ("16159", "extra firm tofu"), ("20125", "cooked wholewheat pasta"), ("01118", "plain skimmed-milk yogurt"),
              ("09040", "raw banana"), ("16015", "boiled black beans"), ("11959", "rocket (arugula)")]
    keys = ["protein_g", "fibre_g", "energy_kcal", "sodium_mg", "calcium_mg", "vitamin_c_mg", "iron_mg",
            "potassium_mg", "sugar_g", "fat_g"]
    forms = ["How much {label} is in 100 g of {food}?", "What's the {label} content of {food} per 100 g?",
             "Per 100 g, how much {label} is in {food}?", "{Food}: how much {label} per 100 grams?",
             "I'm logging {food}. What's the {label} per 100 g?", "how much {label} in 100g {food}",
             "Could you tell me the {label} in 100 g of {food}?"]
    for i, (ndb, phrase) in enumerate(qfoods):
        key = keys[i % len(keys)] if by[ndb]["raw"][keys[i % len(keys)]] else "protein_g"
        label = LABELS[key][0] if key != "energy_kcal" else "energy (kcal)"
        q = rng.choice(forms).format(label=label, food=phrase, Food=phrase[0].upper() + phrase[1:])
        nut_q(ndb, key, q, "static_fact")
    g = {d["id"]: d for d in guide_docs_}
    guide_facts = [
        ("What time do pre-orders close in the canteen app?", "10:00", ["10:00", "10 am", "10am", "10.00"], "guide-01"),
        ("Until what time is lunch served at the Harbour Lane Canteen?", "14:15", ["14:15", "2:15 pm", "14.15", "2.15"], "guide-01"),
        ("When does the breakfast bar open?", "7:45", ["7:45", "07:45", "7.45", "7:45 am"], "guide-01"),
        ("What is the deposit for a reusable takeaway box at the canteen?", "€2.00", ["€2", "2.00", "2 euros", "2,00"], "guide-01"),
        ("When is next week's canteen menu published?", "Thursday at 15:00", ["thursday", "15:00"], "guide-01"),
        ("How long is a pre-ordered plate kept on the pick-up shelf?", "13:30", ["13:30", "1:30 pm", "13.30"], "guide-01"),
        ("What waste target per meal has the canteen set for this year?", "40 g", ["40 g", "40g", "40 grams"], "guide-01"),
        ("Who is the head chef at the Harbour Lane Canteen?", "Tomasz Wróbel", ["wróbel", "wrobel", "tomasz"], "guide-01"),
        ("How do you convert sodium to salt?", "2.5", ["2.5", "2,5", "× 2.5", "times 2.5"], "guide-06"),
        ("How much protein must a vegetarian main at the canteen contain at minimum?", "15 g", ["15 g", "15g", "15 grams"], "guide-11"),
        ("For how many weeks does the canteen avoid repeating a dish name?", "8 weeks", ["eight weeks", "8 weeks"], "guide-11"),
        ("How far away are the farms the canteen buys its meat from?", "300 km", ["300 km", "300km", "300 kilometres"], "guide-11"),
    ]
    for q, a, acc, gid in guide_facts:
        assert any(x.lower() in g[gid]["text"].lower() for x in [a] + acc), (gid, a)
        qs.append(Q(q, "static_fact", a, acc, [gid]))

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
        qs.append(Q(rng.choice([f"Which allergen does the letter {letter} stand for on canteen price cards?",
                                f"Canteen allergen code {letter} means what?"]), "keyword", key, acc, ["guide-02"]))
    for ndb, key in [("16123", "sodium_mg"), ("16113", "protein_g"), ("11118", "sodium_mg"), ("12078", "fat_g")]:
        label, _ = LABELS[key]
        nut_q(ndb, key, f"What is the {label} per 100 g on the sheet titled \"{by[ndb]['name']}\"?", "keyword")

    # preference: open recommendations checked against liked foods and profile-breaking words
    pref = {
        "breakfast": (["cottage cheese", "yogurt", "tofu", "berries", "chia", "raspberries", "soy"],
                      ["egg", "eggs", "omelette", "bacon", "ham", "peanut", "sausage", "salmon", "mushrooms"]),
        "snack": (["cottage cheese", "yogurt", "pumpkin seeds", "hummus", "almonds", "edamame", "tofu", "chickpeas"],
                  ["peanut", "peanuts", "egg", "eggs", "jerky", "tuna", "chicken"]),
        "post_workout": (["cottage cheese", "yogurt", "tofu", "tempeh", "lentils", "soy", "milk"],
                         ["chicken", "tuna", "egg", "eggs", "peanut", "whey", "beef"]),
        "dinner": (["lentils", "tofu", "tempeh", "chickpeas", "beans", "sweet potato", "spinach"],
                   ["chicken", "salmon", "beef", "mushroom", "mushrooms", "egg", "eggs", "aubergine", "peanut"]),
        "salad": (["chickpeas", "lentils", "pumpkin seeds", "feta", "tofu", "beans", "hemp"],
                  ["chicken", "tuna", "egg", "eggs", "bacon", "anchovies", "peanuts", "salmon"]),
        "spread": (["hummus", "cottage cheese", "ricotta", "tahini", "almond butter"],
                   ["peanut", "ham", "egg", "eggs", "tuna"]),
        "curry": (["chickpeas", "lentils", "tofu", "paneer", "spinach", "sweet potato"],
                  ["chicken", "lamb", "prawns", "coriander", "aubergine", "peanut", "fish", "egg", "eggs"]),
    }
    pref_qs = [
        ("breakfast", "I need a breakfast that keeps me full until lunch. What should I eat?"),
        ("breakfast", "What's a good high-protein breakfast for me before work?"),
        ("breakfast", "suggest something for sunday brunch pls"),
        ("breakfast", "I have five minutes in the morning. Breakfast idea?"),
        ("snack", "What can I snack on at my desk around 4 pm?"),
        ("snack", "Give me a protein snack I can keep in my bag."),
        ("snack", "Something savoury to nibble in the evening that won't wreck my goals?"),
        ("snack", "Road trip tomorrow - what snacks should I pack?"),
        ("post_workout", "What should I eat right after my strength session tonight?"),
        ("post_workout", "Best thing to refuel with after lifting?"),
        ("post_workout", "Just finished leg day and I'm starving. What now?"),
        ("dinner", "What should I cook for dinner tonight? I have about 20 minutes."),
        ("dinner", "Ideas for a filling dinner on a rest day?"),
        ("dinner", "I want something warm and spicy for dinner. Suggestions?"),
        ("dinner", "What's a good meal to batch-cook on Sunday for the week?"),
        ("salad", "How can I make my lunch salad more filling?"),
        ("salad", "What should I put on a salad to get more protein?"),
        ("salad", "My salads leave me hungry by 3 pm. What should I add?"),
        ("spread", "What can I spread on toast instead of butter to get some protein?"),
        ("spread", "Good sandwich filling for work tomorrow?"),
        ("spread", "What should go on my rice cakes?"),
        ("curry", "I'm making a curry tonight. Which protein should I put in?"),
        ("curry", "What goes well in a coconut curry for me?"),
        ("curry", "Planning a curry night with friends - what should the main ingredient be?"),
    ]
    for ctx, q in pref_qs:
        acc, avoid = pref[ctx]
        qs.append(Q(q, "preference", acc[0], acc[1:], [], avoid))

    # preference + fact: the best dish of a canteen day for this profile
    for doc in rng.sample(menu_docs, 26):
        ok = [d for d in doc["dishes"] if maya_ok(d) and d["counter"] in MAINS]
        best = max(ok, key=lambda d: d["protein_g"])
        avoid = sorted({w for d in doc["dishes"] if not maya_ok(d) for t in d["ingredients"] for w in TAG_WORDS.get(t, [])}
                       | ({"peanut", "peanuts", "satay"} if any("peanuts" in d["allergens"] for d in doc["dishes"]) else set())
                       | ({"egg", "eggs"} if any("eggs" in d["allergens"] for d in doc["dishes"]) else set()))
        avoid = [w for w in avoid if w not in best["name"].lower()]
        when = date_phrase(dt.date.fromisoformat(doc["date"]), rng)
        if rng.random() < 0.75:
            q = rng.choice([f"Which lunch dish at the canteen on {when} fits my diet and has the most protein?",
                            f"I'm at the canteen on {when}. What should I order?",
                            f"Pick my lunch for {when}: the option I can eat with the most protein.",
                            f"what can i eat at the canteen {when}?"])
            qs.append(Q(q, "preference_and_fact", best["name"], [best["core"]], [doc["id"]], avoid))
        else:
            q = rng.choice([f"How much protein would I get from the best canteen dish I can eat on {when}?",
                            f"On {when}, how many grams of protein are in the canteen main that suits me best?"])
            qs.append(Q(q, "preference_and_fact", f"{best['protein_g']} g", [f"{best['protein_g']}g"], [doc["id"]], avoid))

    # vague: indirect wording, same facts
    vague = [
        ("What's the protein in 100 g of that sticky, stringy Japanese fermented bean stuff?", "16113", "protein_g"),
        ("The fuzzy brown fruit with bright green flesh: how much vitamin C per 100 g?", "09148", "vitamin_c_mg"),
        ("How salty is the spicy Korean fermented cabbage? Sodium per 100 g please.", "11118", "sodium_mg"),
        ("Those tiny seeds people soak into a pudding - how much fibre per 100 g?", "12006", "fibre_g"),
        ("Energy in 100 g of the creamy green fruit everyone mashes on toast?", "09037", "energy_kcal"),
        ("How much of the bone mineral is in 100 g of firm bean curd?", "16126", "calcium_mg"),
        ("How much potassium does a hundred grams of the curved yellow fruit give?", "09040", "potassium_mg"),
        ("The orange split pulses sold dry for dal: how much iron per 100 g?", "16144", "iron_mg"),
        ("That chickpea dip you buy in tubs - fat per 100 g?", "16158", "fat_g"),
        ("How much sodium is in 100 g of the dark salty sauce you dip sushi in?", "16123", "sodium_mg"),
        ("The peppery salad leaf, how much calcium per 100 g?", "11959", "calcium_mg"),
        ("Sugar in 100 g of the wrinkly dried plums?", "09291", "sugar_g"),
        ("Soy drink without added vitamins or calcium: calcium per 100 g?", "16120", "calcium_mg"),
        ("The pressed cake of fermented soybeans from Indonesia, uncooked: protein per 100 g?", "16114", "protein_g"),
        ("Shelled green seeds from a Halloween pumpkin, dried: how much protein per 100 g?", "12014", "protein_g"),
        ("The tropical fruit that supposedly beats oranges on vitamin C: how much per 100 g?", "09139", "vitamin_c_mg"),
        ("Flour made from ground chickpeas for pakoras: protein per 100 g?", "16157", "protein_g"),
        ("The crumbly Greek brine cheese: sodium per 100 g?", "01019", "sodium_mg"),
    ]
    for q, ndb, key in vague:
        nut_q(ndb, key, q, "vague")
    vague_guides = [
        ("Until what time can I still grab a hot plate at lunch?", "14:15", ["14:15", "2:15 pm", "14.15"], "guide-01"),
        ("How much do I pay up front to borrow one of the returnable lunch containers?", "€2.00", ["€2", "2.00", "2 euros"], "guide-01"),
        ("What do I multiply the mineral number on a sheet by to get the table-salt number?", "2.5", ["2.5", "2,5"], "guide-06"),
        ("By when do I have to reserve my plate on my phone?", "10:00", ["10:00", "10 am", "10am", "10.00"], "guide-01"),
        ("Who's the person in charge of the kitchen I should talk to about a serious allergy?", "Tomasz Wróbel", ["wróbel", "wrobel"], "guide-01"),
        ("When does the plan for the following week's food go up?", "Thursday at 15:00", ["thursday", "15:00"], "guide-01"),
        ("What's the least protein a veggie main at work is allowed to have?", "15 g", ["15 g", "15g", "15 grams"], "guide-11"),
        ("How many grams of leftovers per plate is the kitchen trying to stay under?", "40 g", ["40 g", "40g"], "guide-01"),
    ]
    for q, a, acc, gid in vague_guides:
        qs.append(Q(q, "vague", a, acc, [gid]))

    # unanswerable: plausible, but nothing in the documents answers them
    unanswerable = [
        "What is on the canteen menu for Monday 6 April 2026?",
        "How much does the truffle burger cost at the canteen?",
        "How much vitamin B12 is in 100 g of tempeh?",
        "How much protein is in 100 g of rolled oats?",
        "How much omega-3 do chia seeds contain per 100 g?",
        "How much sodium is in the green counter dish on Tuesday 13 January 2026?",
        "Which company supplies the canteen's tofu?",
        "What dessert was served at the canteen on Friday 12 December 2025?",
        "How much caffeine is in the canteen's filter coffee?",
        "What is the glycaemic index of cooked quinoa?",
        "How many grams of protein are in 100 g of Greek yogurt?",
        "What is the price of dish D-999?",
        "How much vitamin D is in 100 g of portobello mushrooms?",
        "How much fibre does the soup on Wednesday 4 February 2026 contain?",
        "How much protein is in 100 g of seitan?",
        "What are the opening hours of the canteen's sushi bar?",
        "How much does a visitor day pass for the canteen cost?",
        "What was the price of the soup on Friday 2 January 2026?",
        "How much potassium is in Greek yogurt per 100 g?",
        "How many calories are in the porridge at the breakfast bar?",
        "How much iron is in 100 g of walnuts?",
        "What will the grill dish be on Monday 9 March 2026?",
        "How much zinc is in the grill dish on Thursday 22 January 2026?",
        "What is the sugar content of the canteen's oat milk latte?",
    ]
    for q in unanswerable:
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


# --------------------------------------------------------------------------- dialogues

# key: (NDB, grams, label). Protein figures in answers come from these sheets.
ITEMS = {
    "cottage": ("01015", 150, "low-fat cottage cheese"), "cottage1": ("01016", 150, "1% cottage cheese"),
    "yogurt": ("01118", 150, "plain skimmed yogurt"), "yogurt_lf": ("01117", 150, "plain low-fat yogurt"),
    "ricotta": ("01037", 100, "part-skim ricotta"), "mozz": ("01028", 60, "part-skim mozzarella"),
    "edam": ("01018", 30, "Edam"), "feta": ("01019", 30, "feta"), "parmesan": ("01032", 10, "grated parmesan"),
    "milk": ("01082", 250, "low-fat milk"), "soymilk": ("16139", 250, "calcium-fortified soy drink"),
    "tofu": ("16126", 125, "firm tofu"), "tofu_x": ("16159", 125, "extra-firm tofu"), "tofu_soft": ("16127", 125, "soft tofu"),
    "tempeh": ("16114", 100, "tempeh"), "natto": ("16113", 50, "natto"), "soybeans": ("16109", 150, "boiled soybeans"),
    "lentils": ("16070", 150, "boiled lentils"), "chickpeas": ("16057", 150, "boiled chickpeas"),
    "blackbeans": ("16015", 150, "boiled black beans"), "kidney": ("16028", 150, "boiled kidney beans"),
    "whitebeans": ("16050", 150, "boiled white beans"), "splitpeas": ("16086", 150, "boiled split peas"),
    "lupins": ("16077", 100, "lupin beans"), "hummus": ("16158", 60, "hummus"), "falafel": ("16138", 85, "falafel"),
    "burger": ("16147", 70, "soy veggie burger"), "pumpkin": ("12014", 30, "pumpkin seeds"),
    "hemp": ("12012", 30, "hemp seeds"), "chia": ("12006", 15, "chia seeds"), "almonds": ("12061", 30, "almonds"),
    "pistachios": ("12151", 30, "pistachios"), "sunflower": ("12036", 30, "sunflower seeds"),
    "sesame": ("12023", 10, "sesame seeds"), "quinoa": ("20137", 180, "cooked quinoa"),
    "wwpasta": ("20125", 180, "cooked wholewheat pasta"), "soba": ("20115", 160, "cooked soba noodles"),
    "wildrice": ("20089", 160, "cooked wild rice"), "spelt": ("20141", 190, "cooked spelt"),
    "raspberries": ("09302", 125, "raspberries"), "blueberries": ("09050", 125, "blueberries"),
    "blackberries": ("09042", 125, "blackberries"), "banana": ("09040", 120, "banana"),
    "kiwi": ("09148", 75, "kiwi"), "pear": ("09252", 170, "pear"), "figs": ("09094", 40, "dried figs"),
    "sweetpotato": ("11508", 150, "baked sweet potato"), "spinach": ("11854", 180, "cooked spinach"),
    "broccoli": ("11091", 150, "boiled broccoli"), "rocket": ("11959", 20, "rocket"),
    "tomatoes": ("11529", 120, "tomatoes"), "carrots": ("11960", 80, "baby carrots"),
    "pakchoi": ("11116", 100, "pak choi"), "cauliflower": ("11135", 100, "cauliflower"),
}
COMBOS = {  # bracketed keys become "<grams> g <label>"
    "breakfast": ["[cottage] with [raspberries] and [chia]", "[yogurt] with [blueberries] and [hemp]",
                  "[tofu_soft] blended with [banana] and [soymilk]", "[ricotta] on toast with [figs]",
                  "[yogurt_lf] with [blackberries] and [pumpkin]", "[cottage1] with [kiwi] and [almonds]",
                  "[soymilk] smoothie with [banana] and [chia]", "[tofu] scramble-style with [spinach]"],
    "snack": ["[cottage] with [carrots]", "[hummus] with [carrots]", "[pumpkin]", "[almonds] and [pear]",
              "[yogurt] with [chia]", "[edam] with [tomatoes]", "[pistachios]", "[lupins]", "[milk]",
              "[soymilk]", "[hemp] stirred into [yogurt_lf]"],
    "post": ["[cottage] with [banana]", "[tempeh] with [quinoa]", "[milk] with [banana]",
             "[yogurt] with [hemp] and [blueberries]", "[tofu_x] with [soba]", "[soymilk] with [figs]",
             "[lentils] with [wildrice]"],
    "dinner": ["[tempeh] stir-fried with [pakchoi] and [soba]", "[lentils] with [sweetpotato] and [spinach]",
               "[chickpeas] with [quinoa] and [tomatoes]", "[tofu_x] with [broccoli] and [wildrice]",
               "[blackbeans] with [sweetpotato]", "[soybeans] with [spelt] and [broccoli]",
               "[whitebeans] with [wwpasta] and [rocket]", "[splitpeas] with [carrots] and [spinach]",
               "[kidney] chilli with [quinoa]", "[burger] with [sweetpotato] and [rocket]"],
    "salad": ["[chickpeas]", "[feta] and [pumpkin]", "[lentils]", "[tofu] cubes", "[hemp]", "[whitebeans]",
              "[mozz]", "[lupins]", "[edam] cubes and [sunflower]"],
    "pasta": ["[whitebeans] stirred into the sauce", "[lentils] in a ragù", "[ricotta] dolloped on top",
              "[parmesan] and [pumpkin] on top", "[tofu_x] crumbled into the sauce", "[mozz] melted in"],
    "curry": ["[chickpeas] and [spinach]", "[lentils] with [sweetpotato]", "[tofu_x] and [broccoli]",
              "[tempeh] and [pakchoi]", "[kidney] and [cauliflower]", "[blackbeans] and [sweetpotato]"],
    "bowl": ["[quinoa] with [blackbeans] and [rocket]", "[wildrice] with [tofu] and [broccoli]",
             "[spelt] with [lentils] and [feta]", "[soba] with [tempeh] and [sesame]", "[quinoa] with [falafel] and [hummus]"],
    "travel": ["[almonds]", "[pumpkin] and [figs]", "[pistachios]", "[hummus] with [carrots]", "[edam] with [pear]",
               "[lupins]", "[soymilk]"],
    "hike": ["[almonds] and [figs]", "[pistachios] and [banana]", "[sunflower] and [figs]", "[hemp] in [soymilk]",
             "[edam] with [pear]"],
    "toast": ["[ricotta] and [raspberries]", "[hummus] and [tomatoes]", "[cottage] and [kiwi]",
              "[whitebeans] mashed with [rocket]", "[mozz] and [tomatoes]", "[tofu_soft] mashed with [spinach]"],
    "fibre": ["[lentils]", "[splitpeas]", "[blackbeans]", "[raspberries]", "[chia] in [yogurt]", "[chickpeas]",
              "[wwpasta]", "[pear]", "[blackberries]"],
    "calcium": ["[tofu]", "[yogurt_lf]", "[milk]", "[soymilk]", "[edam]", "[sesame] on [broccoli]", "[mozz]"],
    "budget": ["[lentils]", "[splitpeas]", "[chickpeas]", "[blackbeans]", "[tofu]", "[cottage]", "[milk]"],
    "sweet": ["[yogurt] with [raspberries]", "[ricotta] with [figs]", "[cottage] with [blueberries]",
              "[chia] pudding made with [soymilk]", "[tofu_soft] chocolate mousse with [banana]"],
}
DIALOGUE_FAMILIES = [
    # (family, split, kind, combo pool, count, templates, contexts)
    ("breakfast_quick", "train", "suggest", "breakfast", 13,
     ["What's a quick breakfast {c}?", "I need breakfast ideas {c}.", "Breakfast {c} - what do you suggest?",
      "Any fast breakfast I can make {c}?"],
     ["before work", "for a busy Monday", "that takes under five minutes", "for the office", "on a weekday", "when I overslept"]),
    ("breakfast_weekend", "train", "suggest", "breakfast", 13,
     ["What should I make for a slow {c} breakfast?", "Give me a {c} brunch idea.", "Ideas for a relaxed {c} breakfast?"],
     ["Saturday", "Sunday", "holiday", "rainy weekend", "bank holiday"]),
    ("pre_workout", "train", "suggest", "snack", 13,
     ["What should I eat {c} before training?", "Snack idea for {c} before my gym session?",
      "I train at 6 pm. What can I eat {c} beforehand?"],
     ["an hour", "30 minutes", "two hours", "right", "a little while"]),
    ("post_workout", "train", "suggest", "post", 13,
     ["What should I eat after {c}?", "Recovery food after {c}?", "I just finished {c}. What now?"],
     ["lifting", "a heavy leg session", "my strength workout", "a long squat session", "deadlift day", "an upper-body session"]),
    ("desk_snack", "train", "suggest", "snack", 13,
     ["Give me a snack for {c}.", "What can I snack on during {c}?", "Snack ideas for {c}?"],
     ["the 4 pm slump", "a long afternoon", "back-to-back meetings", "a desk day", "a slow Friday afternoon"]),
    ("evening_snack", "train", "suggest", "snack", 12,
     ["Something to eat {c} that fits my goals?", "What's a good snack {c}?"],
     ["late in the evening", "while watching a film", "after dinner", "before bed", "at 9 pm", "after a late meeting", "on the sofa"]),
    ("lunchbox", "train", "suggest", "bowl", 13,
     ["What can I pack for lunch {c}?", "Packed lunch idea {c}?", "I need a lunchbox {c}. Ideas?"],
     ["tomorrow", "for a day of meetings", "that survives without a fridge until noon", "for the train", "this week"]),
    ("dinner_fast", "train", "suggest", "dinner", 13,
     ["Dinner in {c} - what can I make?", "What can I cook in {c} tonight?", "I have {c}. Dinner idea?"],
     ["15 minutes", "20 minutes", "half an hour", "one pan and 20 minutes", "almost no time"]),
    ("batch_cook", "train", "suggest", "dinner", 13,
     ["What should I batch-cook {c}?", "Meal prep ideas {c}?", "What can I prep {c}?"],
     ["on Sunday", "for four lunches", "for the week", "for my training days", "for the freezer"]),
    ("salad_boost", "train", "suggest", "salad", 13,
     ["How can I make {c} more filling?", "What should I add to {c} for protein?", "{C} leaves me hungry. What can I add?"],
     ["my lunch salad", "a green salad", "a tomato salad", "my side salad", "a rocket salad"]),
    ("pasta_boost", "train", "suggest", "pasta", 12,
     ["How do I get more protein into {c}?", "What can I add to {c} to make it a proper meal?"],
     ["a tomato pasta", "spaghetti night", "a simple pasta", "pesto pasta", "a pasta bake", "a lemon and garlic pasta", "leftover penne"]),
    ("curry_protein", "test", "suggest", "curry", 14,
     ["Which protein goes in {c}?", "I'm making {c}. What should the main ingredient be?", "{C} tonight - what do I put in it?"],
     ["a coconut curry", "a tomato curry", "a korma", "a quick curry", "a spinach curry", "a Thai-style curry"]),
    ("soup_boost", "train", "suggest", "curry", 12,
     ["How can I make {c} more filling?", "What can I add to {c} so it counts as dinner?"],
     ["a vegetable soup", "tomato soup", "a thin broth", "leftover soup", "a carrot soup", "a miso broth", "a pumpkin soup"]),
    ("travel_snack", "train", "suggest", "travel", 13,
     ["What snacks should I pack for {c}?", "Travel food for {c}?", "I'm on {c} tomorrow. Snacks?"],
     ["a long train ride", "a flight", "a road trip", "a conference day", "a day of site visits"]),
    ("hiking", "test", "suggest", "hike", 14,
     ["What should I bring to eat on {c}?", "Energy-dense snacks for {c}?", "Food for {c} that won't get squashed?"],
     ["a day hike", "a mountain walk", "a long bike ride", "a six-hour hike", "a trail run", "a canoe trip"]),
    ("toast_topping", "train", "suggest", "toast", 13,
     ["What can I put on {c}?", "Topping ideas for {c}?", "How do I add protein to {c}?"],
     ["toast", "rye bread", "rice cakes", "a bagel", "crispbread", "sourdough"]),
    ("high_fibre", "train", "suggest", "fibre", 12,
     ["How do I get more fibre {c}?", "Which foods help me reach my fibre goal {c}?"],
     ["at lunch", "without bran", "on busy days", "at breakfast", "this week", "without feeling bloated", "from snacks"]),
    ("calcium", "validation", "suggest", "calcium", 12,
     ["Where can I get calcium {c}?", "Good calcium sources {c}?", "I want more calcium {c}. Ideas?"],
     ["besides milk", "for my bones", "without too much cheese", "on a vegetarian diet", "every day"]),
    ("budget", "train", "suggest", "budget", 13,
     ["Cheap protein {c}?", "What's the best-value protein {c}?", "I'm on a tight budget {c}. Protein ideas?"],
     ["at the end of the month", "this week", "as a student", "before payday", "this month"]),
    ("grain_bowl", "validation", "suggest", "bowl", 12,
     ["Help me build {c}.", "What goes into {c} for me?", "Ideas for {c}?"],
     ["a grain bowl", "a buddha bowl", "a lunch bowl", "a warm bowl", "a power bowl"]),
    ("sweet_treat", "train", "suggest", "sweet", 13,
     ["I want something sweet {c}. Any ideas?", "Dessert idea {c}?", "Sweet snack {c} that still has some protein?"],
     ["after dinner", "on a Friday", "at 3 pm", "for a movie night", "for a birthday at work"]),
    ("wraps", "test", "suggest", "bowl", 14,
     ["What can I put in {c}?", "Filling ideas for {c}?", "{C} for lunch - what goes inside?"],
     ["a wrap", "a pitta", "a tortilla", "a flatbread", "lettuce cups", "a burrito"]),
    ("hot_weather", "test", "suggest", "salad", 13,
     ["It's {c}. No-cook lunch ideas?", "Too hot to cook ({c}). What do I eat?", "Cold lunch ideas for {c}?"],
     ["30 degrees", "a heatwave", "a very hot day", "a sticky summer day", "35 degrees"]),
    ("cold_weather", "train", "suggest", "dinner", 12,
     ["Something warming for {c}?", "Comfort food for {c} that fits my plan?"],
     ["a cold evening", "a rainy night", "winter", "a freezing day", "a grey Sunday", "a snowy weekend", "after a wet bike ride"]),
    ("smoothie", "validation", "suggest", "breakfast", 10,
     ["What should go into {c}?", "Ideas for {c}?", "How do I make {c} more filling?"],
     ["a breakfast smoothie", "a post-gym shake", "a green smoothie", "a berry smoothie"]),
    ("party_food", "test", "suggest", "snack", 13,
     ["What can I eat at {c}?", "I'm going to {c}. What should I pick?", "Food to bring to {c}?"],
     ["an office party", "a barbecue", "a birthday party", "a potluck", "a picnic"]),
    ("shopping_list", "train", "suggest", "budget", 13,
     ["What should go on my shopping list {c}?", "Help me write a grocery list {c}.", "Which staples should I buy {c}?"],
     ["for a training week", "for the weekend", "for under 30 euros", "for four dinners", "before payday"]),
    ("late_shift", "train", "suggest", "dinner", 13,
     ["What's a quick dinner after {c}?", "Dinner idea after {c}?", "What can I eat after {c} without much cooking?"],
     ["a 10 pm finish", "a late shift", "an evening class", "a long commute", "a 12-hour day"]),
]
REFUSE_FAMILIES = [
    # (family, split, pool, count, templates, lead sentences)
    ("ask_peanut", "train", "toast", 12,
     ["Can I have {c}?", "Is {c} ok for me?", "thinking of {c} - fine?"],
     ["peanut butter on toast", "a peanut butter smoothie", "satay noodles from the food truck",
      "a handful of salted peanuts", "peanut butter cookies", "groundnut stew"],
     ["Not for you: that's on your allergy list. Try these instead:", "Better skip that one because of your allergy. Swaps:",
      "No, your allergy rules that out. Safe alternatives:"]),
    ("ask_eggs", "train", "breakfast", 12,
     ["Should I just have {c} for protein?", "Is {c} a good idea for breakfast?", "What about {c}?"],
     ["scrambled eggs", "an omelette", "boiled eggs", "eggs on toast", "a frittata", "shakshuka"],
     ["You don't like those, so let's not. Options with similar protein:", "You'd rather avoid that, so try:",
      "Skip it, you don't enjoy them. These do the same job:"]),
    ("ask_fish", "validation", "post", 12,
     ["Is {c} good for protein?", "Should I add {c} to my diet?", "My trainer says to eat {c}. Thoughts?"],
     ["salmon", "tuna", "grilled cod", "prawns", "sardines on toast"],
     ["That doesn't fit your vegetarian diet. Options with plenty of protein:", "Not on your vegetarian plan, but these work:",
      "You're vegetarian, so let's use these instead:"]),
    ("ask_chicken", "test", "dinner", 13,
     ["Isn't {c} the best protein?", "Everyone at the gym eats {c}. Should I?", "Would {c} help my protein goal?"],
     ["chicken breast", "lean beef mince", "turkey slices", "a protein-packed chicken salad", "beef jerky", "pork tenderloin"],
     ["Not for you, you're vegetarian. Comparable protein:", "That's off your plate, but these match it:",
      "You're vegetarian, so here are strong alternatives:"]),
    ("ask_mushroom", "train", "dinner", 12,
     ["Can you give me a recipe for {c}?", "Could I cook {c} tonight?", "{C} for dinner?"],
     ["mushroom risotto", "a mushroom stroganoff", "stuffed mushrooms", "a creamy mushroom pasta"],
     ["You don't like those, so here are dinners you'll enjoy more:", "Let's swap that for something you like:",
      "Not your thing. Try one of these:"]),
    ("ask_coriander", "train", "salad", 12,
     ["Can I make a salsa with {c}?", "The recipe says {c}. Is that ok for me?", "What do I use instead of {c}?"],
     ["coriander", "a big bunch of coriander", "fresh coriander leaves", "cilantro"],
     ["You dislike that herb, so use parsley, chives or mint instead. To make the dish filling, add:",
      "Swap that herb for chives or parsley. For protein, add:", "Skip that herb; parsley or mint work. And for protein:"]),
    ("ask_aubergine", "validation", "dinner", 12,
     ["Can I make {c}?", "How about {c} for dinner?", "Is {c} a good idea?"],
     ["moussaka", "baba ganoush", "an aubergine curry", "aubergine parmigiana", "grilled eggplant"],
     ["You don't enjoy that vegetable, so try:", "Let's avoid that vegetable. Similar dinners:", "Swap it out. These work well:"]),
    ("ask_gelatine", "train", "sweet", 12,
     ["Can I have {c}?", "Would {c} be vegetarian?", "Would {c} be ok as a treat?"],
     ["gummy bears", "panna cotta", "jelly sweets", "marshmallows", "a gelatine dessert"],
     ["Usually not: the gelling agent in those mostly comes from animals, so they aren't vegetarian. Sweet options:",
      "Check the label; most aren't vegetarian. Better treats:", "Most of them aren't vegetarian. Try:"]),
]
CANTEEN_PROMPTS = {
    "train": ["What's at the canteen today?", "Is there anything vegetarian at the canteen this week?",
              "What's the soup today?", "Does the canteen have a good veggie option today?",
              "What's on the green counter right now?", "is the canteen menu any good today",
              "What should I eat at the canteen this week?", "Which canteen dish has the most protein today?",
              "Is today's dessert at the canteen safe for me?", "Any new dishes at the canteen this week?"],
    "validation": ["Can you check today's canteen menu for me?", "What will the canteen serve tomorrow?",
                   "Is the canteen curry vegetarian today?", "Does today's soup have celery?", "canteen lunch today?? anything for me"],
    "test": ["Which day this week has the best vegetarian lunch at the canteen?", "Is the canteen serving tofu this week?",
             "What's the cheapest dish at the canteen today?", "Did the canteen change the menu today?",
             "Will the canteen have something high-protein on Friday?", "Is there a vegan dish at work today?",
             "What's the price of today's veggie main?", "Does today's canteen dessert contain nuts?"],
}
CANTEEN_LEADS = ["I don't know this week's canteen menu, so I can't tell you that reliably.",
                 "I don't know what the canteen is serving right now.",
                 "I don't know: I don't have the current canteen menu."]
CANTEEN_BULLETS = ["- Check the board or the HLC Lunch app; dishes show protein and allergens.",
                   "- Look for the green leaf for vegetarian dishes and read the allergen line for your allergy.",
                   "- Pre-order before 10:00 if you find a dish that fits.",
                   "- If nothing fits, pair the soup with cottage cheese or yogurt from the breakfast bar.",
                   "- Ask the counter team for the recipe card if an ingredient isn't clear."]
TALLY_TEMPLATES = ["So far today I've had {items}. How am I doing on protein?",
                   "Today: {items}. How much protein is that and what's left?",
                   "I ate {items}. Am I on track for my protein?",
                   "quick check - {items} so far. protein?"]
TALLY_SETS = [["cottage", "lentils", "pumpkin"], ["yogurt", "tofu", "quinoa"], ["milk", "chickpeas", "almonds"],
              ["tempeh", "hummus"], ["cottage1", "soybeans"], ["ricotta", "blackbeans", "hemp"],
              ["yogurt_lf", "splitpeas", "edam"], ["soymilk", "tofu_x", "pistachios"], ["mozz", "lentils"],
              ["cottage", "falafel", "milk"], ["lupins", "yogurt", "sunflower"], ["natto", "soba", "yogurt"]]
OPENERS = ["", "", "", "Hey! ", "Quick question: ", "ok so ", "Hi, ", "Morning! ", "Question: ", "Sorry, another one: ",
           "Hello. ", "Help! ", "Hiya, ", "So, "]
SUGGEST_LEADS = ["Here are a few options:", "Try one of these:", "Good options for you:", "A few ideas that fit your plan:",
                 "These work well:", "Some picks:", "Easy wins:", "Options:"]
CLOSERS = ["Add a piece of fruit for fibre.", "Any of these helps towards your 120 g.", "Pick whatever you have at home.",
           "Rinse canned beans to cut the sodium.", "A spoon of pumpkin seeds adds a few grams more.",
           "All of them fit your allergy and your diet.", "Keep portions as listed to hit the numbers."]


def item_text(key: str) -> tuple[str, float]:
    ndb, grams, label = ITEMS[key]
    unit = "ml" if label.endswith(("milk", "drink")) else "g"
    return f"{grams} {unit} {label}", grams * FOODS_BY[ndb]["vals"]["protein_g"] / 100


def combo_text(combo: str) -> tuple[str, float]:
    total = 0.0

    def rep(m):
        nonlocal total
        text, p = item_text(m.group(1))
        total += p
        return text

    text = re.sub(r"\[([a-z_0-9]+)\]", rep, combo)
    return text[0].upper() + text[1:], total


def protein_str(p: float) -> str:
    return f"{round(p)} g" if p >= 10 else f"{p:.1f} g"


def bullets(rng, pool, n) -> list[str]:
    style = rng.randrange(3)
    out = []
    for combo in rng.sample(COMBOS[pool], n):
        text, p = combo_text(combo)
        out.append([f"- {text}: {protein_str(p)} protein", f"- {text} ({protein_str(p)} protein)",
                    f"- {text}, about {protein_str(p)} protein"][style])
    return out


def typo(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:
        words = text.split(" ")
        idx = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
        if idx:
            i = rng.choice(idx)
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            text = " ".join(words)
    elif r < 0.22:
        text = text.lower().rstrip("?.!")
    return text


def gen_dialogue_candidates(rng) -> list[dict]:
    cands = []

    def add(split, fam, topic, prompt, answer):
        cands.append({"split": split, "family": fam, "topic": topic, "prompt": prompt, "answer": answer})

    for fam, split, kind, pool, count, templates, contexts in DIALOGUE_FAMILIES:
        combos = [(t, c) for t in templates for c in contexts]
        # Two spare prompts per family become the deliberately flawed candidates.
        for k, (t, c) in enumerate(rng.sample(combos, min(count + 2, len(combos)))):
            prompt = typo(rng.choice(OPENERS) + t.format(c=c, C=c[0].upper() + c[1:]), rng)
            lines = [rng.choice(SUGGEST_LEADS)] + bullets(rng, pool, rng.choice([2, 3, 3, 4]))
            if rng.random() < 0.4:
                lines.append(rng.choice(CLOSERS))
            while len(" ".join(lines).split()) > 78:
                lines.pop()
            add("spare" if k >= count else split, fam, fam.split("_")[0], prompt, "\n".join(lines))
    for fam, split, pool, count, templates, contexts, leads in REFUSE_FAMILIES:
        combos = [(t, c) for t in templates for c in contexts]
        for t, c in rng.sample(combos, min(count, len(combos))):
            prompt = typo(rng.choice(OPENERS) + t.format(c=c, C=c[0].upper() + c[1:]), rng)
            lines = [rng.choice(leads)] + bullets(rng, pool, rng.choice([2, 3]))
            while len(" ".join(lines).split()) > 78:
                lines.pop()
            add(split, fam, "restriction", prompt, "\n".join(lines))
    for split, prompts in CANTEEN_PROMPTS.items():
        for p in prompts:
            lines = [rng.choice(CANTEEN_LEADS)] + rng.sample(CANTEEN_BULLETS, rng.choice([2, 3]))
            add(split, "canteen_unknown", "canteen", typo(rng.choice(OPENERS) + p, rng), "\n".join(lines))
    for i, keys in enumerate(TALLY_SETS):
        split = "test" if i % 4 == 3 else "train"
        parts, total = [], 0.0
        for k in keys:
            text, p = item_text(k)
            parts.append(text)
            total += p
        items = ", ".join(parts[:-1]) + " and " + parts[-1]
        left = 120 - total
        top = rng.choice(["tempeh", "cottage", "soybeans", "lentils", "tofu_x"])
        ttext, tp = item_text(top)
        lines = [rng.choice(["Nice start.", "Good going.", "Here's the count:", "Quick tally:"]),
                 f"- So far: about {round(total)} g protein", f"- Left to reach 120 g: about {round(left)} g",
                 f"- Easy top-up: {ttext} ({protein_str(tp)} protein)"]
        add(split, "protein_tally", "tracking", typo(rng.choice(TALLY_TEMPLATES).format(items=items), rng), "\n".join(lines))
    return cands


def check_candidate(c: dict) -> tuple[str, str] | None:
    """Return (check, reason) when a candidate breaks a rule; None when it passes."""
    hits = forbidden_hits(c["answer"])
    if hits:
        return "profile", f"answer mentions forbidden or disliked food: {', '.join(hits)}"
    if IMPERIAL.search(c["answer"]):
        return "units", "answer uses non-metric units"
    n_words = len(c["answer"].split())
    if n_words > 80:
        return "length", f"answer has {n_words} words (limit 80)"
    food_bullets = [ln for ln in c["answer"].splitlines() if ln.startswith("- ") and c["family"] != "canteen_unknown"
                    and not ln.startswith(("- So far", "- Left"))]
    if any(not re.search(r"\d+(\.\d)? g protein", ln) for ln in food_bullets):
        return "format", "a food suggestion has no protein figure"
    if len([ln for ln in c["answer"].splitlines() if ln.startswith("- ")]) > 4:
        return "format", "more than 4 bullets"
    return None


def flawed_candidates(rng, clean: list[dict]) -> list[dict]:
    """Realistic bad candidates, kept on purpose so the curation log has something to show."""
    train = [c for c in clean if c["split"] == "train"]
    test = [c for c in clean if c["split"] == "test"]
    train_families = {f[0] for f in DIALOGUE_FAMILIES if f[1] == "train"}
    spare = [dict(c, split="train") for c in clean if c["split"] == "spare" and c["family"] in train_families]
    rng.shuffle(spare)
    spare_iter = iter(spare)
    bad = []
    for c in rng.sample(train, 6):
        bad.append(dict(c, note="exact duplicate"))
    for k, c in enumerate(rng.sample(test, 6)):
        # Half differ only in punctuation (caught by normalised text), half add a word (caught by token overlap).
        prompt = c["prompt"].rstrip("?!.") + ("!!" if k % 2 == 0 else " please?")
        bad.append(dict(c, split="train", prompt=prompt, note="near-duplicate of a test prompt"))
    wrong = ["- 2 scrambled eggs on toast: 14 g protein", "- Peanut butter on rye: 8 g protein",
             "- Tuna salad with 150 g chickpeas: 35 g protein", "- Mushroom omelette: 15 g protein",
             "- Chicken and rice bowl: 40 g protein", "- Smoked salmon bagel: 20 g protein"]
    for c, w in zip([next(spare_iter) for _ in range(6)], wrong):
        lines = c["answer"].splitlines()
        bad.append(dict(c, answer="\n".join(lines[:2] + [w] + lines[2:3]), note="suggests a forbidden food"))
    for c in [next(spare_iter) for _ in range(3)]:
        bad.append(dict(c, answer=c["answer"] + "\n- 1 cup of cooked lentils (about 8 oz): 18 g protein", note="imperial units"))
    for c in [next(spare_iter) for _ in range(3)]:
        extra = (" Protein matters because muscle repair after strength training depends on a steady supply of amino acids, "
                 "and spreading intake across the day helps. Remember to drink water, sleep well, and vary your vegetables "
                 "so that fibre and micronutrients stay high throughout the week.")
        bad.append(dict(c, answer=c["answer"] + extra, note="too long"))
    for c in [next(spare_iter) for _ in range(4)]:
        lines = c["answer"].splitlines()
        lines = [lines[0]] + [re.sub(r"[:,(]\s*(about )?\d+(\.\d)? g protein\)?", "", ln) for ln in lines[1:]]
        bad.append(dict(c, answer="\n".join(lines), note="protein figures missing"))
    for c in [next(spare_iter) for _ in range(6)]:
        bad.append(dict(c, prompt="  " + c["prompt"].replace(" ", "  ", 1) + " ", answer=c["answer"] + "  \n",
                        note="stray whitespace (fixable)"))
    return bad


def build_dialogues(rng, questions) -> tuple[dict[str, list[dict]], list[dict]]:
    generated = gen_dialogue_candidates(rng)
    for c in generated:
        c["note"] = "generated"
    cands = [c for c in generated if c["split"] != "spare"] + flawed_candidates(rng, generated)
    order = {"test": 0, "validation": 1, "train": 2}
    # Test and validation are accepted first so that train, the largest split, is the one that yields.
    cands = sorted(enumerate(cands), key=lambda ic: (order[ic[1]["split"]], ic[0]))
    kept = {"train": [], "validation": [], "test": []}
    seen: dict[str, str] = {}
    log = []
    qtexts = [q["question"] for q in questions]
    for n, (idx, c) in enumerate(cands, 1):
        cid = f"cand-{idx + 1:04d}"
        entry = {"candidate_id": cid, "target_split": c["split"], "family": c["family"],
                 "prompt": c["prompt"], "origin": c["note"]}
        fixed = None
        if c["prompt"] != " ".join(c["prompt"].split()) or c["answer"] != "\n".join(ln.rstrip() for ln in c["answer"].strip().splitlines()):
            c = dict(c, prompt=" ".join(c["prompt"].split()),
                     answer="\n".join(ln.rstrip() for ln in c["answer"].strip().splitlines()))
            fixed = ("whitespace", "collapsed repeated spaces and trimmed trailing whitespace")
        key = normalise_prompt(c["prompt"])
        problem = None
        if key in seen:
            where = seen[key]
            problem = ("duplicate", "exact duplicate of a kept example" if where == c["split"]
                       else f"same normalised prompt as an example in {where}")
        else:
            for other_split, rows in kept.items():
                if other_split == c["split"]:
                    continue
                near = word_overlaps([c["prompt"]], rows, 0.8)
                if near:
                    problem = ("near_duplicate", f"near-duplicate of {rows[near[0][1]]['id']} in {other_split} (token overlap >= 0.8 of the shorter prompt)")
                    break
        if not problem:
            if exact_duplicates([c["prompt"]], qtexts) or word_overlaps([c["prompt"]], qtexts, 0.8):
                problem = ("eval_overlap", "overlaps an evaluation question")
        if not problem:
            problem = check_candidate(c)
        if problem:
            log.append(entry | {"action": "rejected", "check": problem[0], "reason": problem[1]})
            continue
        split = c["split"]
        row_id = f"dlg-{split}-{len(kept[split]) + 1:04d}"
        kept[split].append({"id": row_id, "messages": [{"role": "user", "content": c["prompt"]},
                                                        {"role": "assistant", "content": c["answer"]}],
                            "topic": c["topic"], "family": c["family"]})
        seen[key] = split
        if fixed:
            log.append(entry | {"action": "fixed", "check": fixed[0], "reason": fixed[1], "kept_as": row_id})
    return kept, log


FOODS_BY: dict[str, dict] = {}


# --------------------------------------------------------------------------- main

def build(out: Path) -> None:
    rng = random.Random(SEED)
    foods = load_foods()
    FOODS_BY.clear()
    FOODS_BY.update(food_by_ndb(foods))
    nut = nutrition_docs(foods, random.Random(SEED + 1))
    guides = guide_docs(foods)
    menus_all = build_menus(random.Random(SEED + 2))
    menus = [d for d in menus_all if d["week"] != UPDATE_WEEK]
    update = [d for d in menus_all if d["week"] == UPDATE_WEEK]
    questions = build_questions(random.Random(SEED + 3), foods, nut, menus, update, guides)
    probe = build_probe(random.Random(SEED + 4), questions)
    dialogues, log = build_dialogues(random.Random(SEED + 5), questions)
    write_json(out / "profile/profile.json", PROFILE)
    write_jsonl(out / "knowledge/nutrition.jsonl", nut)
    write_jsonl(out / "knowledge/menus.jsonl", menus)
    write_jsonl(out / "knowledge/menu_update.jsonl", update)
    write_jsonl(out / "knowledge/guides.jsonl", guides)
    write_jsonl(out / "questions/questions.jsonl", questions)
    write_jsonl(out / "questions/probe.jsonl", probe)
    for split, rows in dialogues.items():
        write_jsonl(out / f"dialogues/{split}.jsonl", rows)
    write_jsonl(out / "dialogues/curation_log.jsonl", log)
    del rng


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write the generated tree here instead of datasets/")
    ap.add_argument("--check", action="store_true", help="rebuild into a temp dir and compare with datasets/")
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp))
            diff = [rel for rel in OUTPUTS if not (DATASETS / rel).exists()
                    or not filecmp.cmp(Path(tmp) / rel, DATASETS / rel, shallow=False)]
        if diff:
            print("These files differ from a fresh build:\n  " + "\n  ".join(diff) +
                  "\nRun `python scripts/build_datasets.py` and commit the result.", file=sys.stderr)
            return 1
        print(f"OK: {len(OUTPUTS)} generated files match a fresh build.")
        return 0
    build(args.out or DATASETS)
    print(f"wrote {len(OUTPUTS)} files to {args.out or DATASETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
