#!/usr/bin/env python3
"""Build every generated file under datasets/ from committed inputs, byte for byte.

Inputs (committed, never written by this script):
  datasets/knowledge/raw/usda_sr_abbrev_extract.txt  real USDA SR rows (first 21 fields)
  datasets/knowledge/raw/food_names.csv              display names, categories, portions
  datasets/knowledge/raw/guides/guide-NN.md          guide prose with {{placeholders}}

Outputs: profile, dialogues (+ curation log), knowledge (nutrition, menus, update,
guides), questions and the lesson-01 probe. Everything random comes from one seeded
`random.Random`, and files are written with sorted, explicit orderings, so two runs
produce identical bytes. This file only orders the steps and writes the files; each builder
lives in scripts/datagen/, one module per thing it builds (see its __init__).

Usage:
  python scripts/build_datasets.py             rewrite the files in datasets/
  python scripts/build_datasets.py --out DIR   write the tree into DIR instead
  python scripts/build_datasets.py --check     exit 1 if datasets/ differs from a rebuild
"""
from __future__ import annotations

import argparse
import filecmp
import random
import sys
import tempfile
from pathlib import Path

SEED = 20260105
HERE = Path(__file__).resolve().parent
# Works as a plain script from any directory and when imported: this folder holds datagen. The course root
# is never put on sys.path (its datasets/ folder would pass for the Hugging Face library); course_lib is installed.
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from datagen.canteen import UPDATE_WEEK  # noqa: E402
from datagen.common import DATASETS, write_json, write_jsonl  # noqa: E402
from datagen.dialogues import FOODS_BY, build_dialogues  # noqa: E402
from datagen.guides import guide_docs  # noqa: E402
from datagen.menus import build_menus  # noqa: E402
from datagen.nutrition import food_by_ndb, load_foods, nutrition_docs  # noqa: E402
from datagen.profile import PROFILE  # noqa: E402
from datagen.questions import build_probe, build_questions  # noqa: E402

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


def build(out: Path) -> None:
    # Each data set draws from its own seeded generator, so changing one leaves the others as they are.
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
