"""Nutrition sheets: real USDA SR rows, checked on load, written as three prose styles."""
from __future__ import annotations

import csv
import random

from .common import RAW, fmt_num

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


def food_by_ndb(foods):
    return {f["ndb"]: f for f in foods}
