"""Specification of the fine-tuning dialogues: answers about what was asked, in Maya's style,
and held-out splits that cannot be answered from memory of train.

The overlap limits below sit slightly above the values measured when the data was rebuilt
(see datasets/dialogues/README.md, printed by `cd scripts && ../.venv/bin/python -m datagen.dialogues`),
so they fail if verbatim overlap or family leakage comes back.
"""
import re
from collections import Counter
from pathlib import Path

import pytest

from course_lib import data
from course_lib.evaluation.grading import profile_avoid_terms, violations
from course_lib.evaluation.style import style_checks
from course_lib.finetuning.answer_overlap import overlap_stats
from course_lib.finetuning.curation import exact_duplicates, leakage_report, word_overlap

ROOT = Path(__file__).resolve().parents[1]

# Measured after the rebuild: 0/256 test and 0/167 validation bullet lines in train, 0/31 and
# 0/25 foods, 49/490 answers open with one of the 8 commonest first lines, max test->train
# cosine 0.817 (validation 0.795). Limits: a little above.
MAX_BULLETS_IN_TRAIN = 0.02
MAX_FOODS_IN_TRAIN = 0.05
MAX_TOP8_FIRST_LINES = 0.15
MAX_COSINE_TO_TRAIN = 0.85


@pytest.fixture(scope="module")
def splits():
    return {s: data.load_dialogues(s) for s in data.SPLITS}


@pytest.fixture(scope="module")
def rows(splits):
    return [r for split_rows in splits.values() for r in split_rows]


def answer(row):
    return row["messages"][-1]["content"]


def bullet_lines(row):
    return [ln for ln in answer(row).splitlines() if ln.startswith("- ")]


def of_families(rows, *families):
    found = [r for r in rows if r["family"] in families]
    assert found, f"no rows of {families}: did the families get renamed?"
    return found


# --- what each answer says -------------------------------------------------------------------

def test_no_answer_offers_a_food_the_profile_avoids(rows):
    avoid = profile_avoid_terms(data.load_profile())
    offending = [(r["id"], violations(answer(r), avoid)) for r in rows]
    assert [x for x in offending if x[1]] == []


def test_food_answers_follow_the_wanted_style(rows):
    # Every suggestion and restriction answer: 1-4 bullets, each with protein in grams, under 80 words.
    checked = [r for r in rows if r["topic"] not in ("canteen", "tracking")]
    assert len(checked) > 400
    broken = [(r["id"], style_checks(answer(r))) for r in checked if not style_checks(answer(r))["follows_style"]]
    assert broken == []


def test_every_reference_answer_meets_the_format_rule_so_a_perfect_model_scores_100_percent(rows):
    # Refusals ("I don't know: ..." with pointers) and protein tallies included: the rule's ceiling is 1.
    broken = [r["id"] for r in rows if not style_checks(answer(r))["follows_style"]]
    assert broken == []


def test_every_answer_is_short_and_metric(rows):
    for r in rows:
        text = answer(r)
        assert 1 <= len(bullet_lines(r)) <= 4 and len(text.split()) < 80, r["id"]
        assert not re.search(r"\b(oz|ounces?|cups?|lbs?|pounds?|tbsp|tablespoons?)\b", text, re.I), r["id"]


def test_calcium_questions_get_calcium_figures(rows):
    for r in of_families(rows, "calcium"):
        assert all(re.search(r"\d+ mg calcium", b) for b in bullet_lines(r)), r["id"]


def test_fibre_questions_get_fibre_figures(rows):
    for r in of_families(rows, "high_fibre"):
        assert all(re.search(r"\d+(\.\d)? g fibre", b) for b in bullet_lines(r)), r["id"]


def test_smoothie_requests_get_blended_drinks(rows):
    for r in of_families(rows, "smoothie"):
        assert all(" blended with " in b for b in bullet_lines(r)), r["id"]


def test_lunch_answers_hold_no_breakfast_items(rows):
    lunch = of_families(rows, "lunchbox", "wraps", "hot_weather", "grain_bowl", "canteen_today", "canteen_plan")
    markers = ("breakfast", "porridge", "muesli", "granola", "on toast", "smoothie", "scramble")
    for r in lunch:
        assert not [m for m in markers if m in answer(r).lower()], r["id"]


# Foods a closing tip can talk about; a tip may only name one that its answer suggests.
TIP_FOODS = ("lentils", "chickpeas", "black beans", "kidney beans", "pinto beans", "fava beans", "mung beans",
             "lupin beans", "tofu", "tempeh", "seeds", "quinoa", "split peas", "cottage cheese", "natto", "teff",
             "soy drink", "kamut", "falafel", "pistachios", "apricots", "hummus", "squash", "fruit", "nuts",
             "yogurt", "milk")


def test_closing_tips_only_name_foods_of_the_answer(rows):
    tips = 0
    for r in rows:
        lines = answer(r).splitlines()
        last_bullet = max(i for i, ln in enumerate(lines) if ln.startswith("- "))
        suggested = " ".join(lines[: last_bullet + 1]).lower()
        for tip in lines[last_bullet + 1:]:
            tips += 1
            named = [f for f in TIP_FOODS if re.search(rf"\b{f}\b", tip.lower())]
            assert named, f"{r['id']}: tip {tip!r} names no food of its answer"
            assert all(f in suggested for f in named), (r["id"], tip)
    assert tips >= 50


# Independent reference: portions and USDA values read from the knowledge base (nutrition.jsonl).
KB_NAMES = {"boiled lentils": "Lentils, boiled", "boiled chickpeas": "Chickpeas, boiled",
            "boiled split peas": "Split peas, boiled", "firm tofu": "Tofu, firm", "Gruyère": "Gruyère cheese",
            "Emmental": "Swiss cheese (Emmental type)", "cheddar": "Cheddar cheese",
            "calcium-fortified soy drink": "Soy drink, calcium-fortified", "low-fat buttermilk": "Buttermilk, low-fat",
            "lupin beans": "Lupin beans, boiled", "falafel": "Falafel, home-made", "pistachios": "Pistachios, raw",
            "cashews": "Cashews, raw"}


def _rounded(x):
    return f"{round(x)}" if x >= 10 else f"{x:.1f}"


def test_single_food_figures_match_the_knowledge_base(rows):
    kb = {d["title"].split(":")[0]: d["per_100g"] for d in data.load_knowledge(["nutrition"])}
    assert set(KB_NAMES.values()) <= set(kb)
    single = re.compile(r"^- (\d+) (?:g|ml) (" + "|".join(map(re.escape, KB_NAMES)) + r")\W+(?:about |= |gives )?"
                        r"(\d+(?:\.\d)?) g protein(?:, (\d+) mg calcium|, (\d+(?:\.\d)?) g fibre)?\)?$")
    checked = 0
    for r in rows:
        for line in bullet_lines(r):
            m = single.match(line)
            if not m:
                continue
            grams, per100 = int(m.group(1)), kb[KB_NAMES[m.group(2)]]
            assert m.group(3) == _rounded(grams * per100["protein_g"] / 100), line
            if m.group(4):
                assert int(m.group(4)) == round(grams * per100["calcium_mg"] / 100), line
            if m.group(5):
                assert m.group(5) == _rounded(grams * per100["fibre_g"] / 100), line
            checked += 1
    assert checked >= 40, checked


# --- what the splits share --------------------------------------------------------------------

def test_every_family_sits_in_one_split(splits):
    where = {}
    for split, split_rows in splits.items():
        for r in split_rows:
            assert r.get("family"), r["id"]
            where.setdefault(r["family"], set()).add(split)
    assert {f: s for f, s in where.items() if len(s) > 1} == {}
    assert overlap_stats(splits)["families_in_several_splits"][0] == 0


@pytest.mark.parametrize("split", ["validation", "test"])
def test_held_out_answers_do_not_repeat_train_lines_or_foods(splits, split):
    stats = overlap_stats(splits)
    k, n = stats[f"{split}_bullets_in_train"]
    assert n > 100 and k / n <= MAX_BULLETS_IN_TRAIN, (k, n)
    k, n = stats[f"{split}_foods_in_train"]
    assert n >= 20 and k / n <= MAX_FOODS_IN_TRAIN, (k, n)


def test_answers_do_not_open_with_a_few_stock_lines(splits):
    k, n = overlap_stats(splits)["top_first_lines"]
    assert k / n <= MAX_TOP8_FIRST_LINES, (k, n)


def test_sizes_stay_close_to_the_plan(splits):
    n = {s: len(r) for s, r in splits.items()}
    # Lesson 05 scores 60 test answers; the card's sizes are about 330/65/90.
    assert n["train"] >= 300 and n["validation"] >= 50 and n["test"] >= 80, n


def test_held_out_prompts_are_not_paraphrases_of_train_prompts(splits, embedder):
    report = leakage_report(splits, embedder)
    assert report.ok, [(x.check, x.id, x.other_id) for x in report.leaks]
    for split in ("validation", "test"):
        assert max(report.max_similarity(split, "train")) < MAX_COSINE_TO_TRAIN


# --- the curation log --------------------------------------------------------------------------

def test_logged_duplicates_really_duplicate_a_kept_prompt(rows):
    log = data.load_curation_log()
    dups = [r for r in log if r["check"] == "duplicate"]
    assert dups and all(exact_duplicates([r["prompt"]], rows) for r in dups)
    by_id = {r["id"]: r for r in rows}
    near = [r for r in log if r["check"] == "near_duplicate"]
    assert near
    for r in near:
        other = by_id[re.search(r"dlg-\w+-\d{4}", r["reason"]).group(0)]
        assert word_overlap(r["prompt"], other["messages"][0]["content"]) >= 0.8, r["candidate_id"]
    assert Counter(r["action"] for r in log)["fixed"] == sum(1 for r in log if r.get("kept_as"))


# --- the measuring function itself, on rows whose counts are worked out by hand ------------------

def _row(rid, family, text, foods):
    return {"id": rid, "family": family, "topic": "t", "foods": foods,
            "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": text}]}


def test_overlap_stats_counts_shared_lines_foods_openings_and_families():
    splits = {
        "train": [_row("a", "f1", "Lead one\n- 150 g boiled lentils: 14 g protein\n- 30 g almonds: 6.3 g protein",
                       ["boiled lentils", "almonds"]),
                  _row("b", "f2", "Lead one\n- 150 g boiled lentils: 14 g protein", ["boiled lentils"])],
        "validation": [_row("e", "f4", "Other\n- 30 g cashews: 5.5 g protein", ["cashews"])],
        "test": [_row("c", "f3", "Lead two\n- 150 g boiled lentils: 14 g protein\n- 30 g Edam: 7.5 g protein",
                      ["boiled lentils", "Edam"]),
                 _row("d", "f1", "Lead one\n- 100 g lupin beans: 16 g protein", ["lupin beans"])],
    }
    assert overlap_stats(splits, top=1) == {
        "top_first_lines": (3, 5),            # "Lead one" opens a, b and d
        "top_first_words": (3, 5),            # "Lead one -"
        "validation_bullets_in_train": (0, 1),
        "validation_foods_in_train": (0, 1),
        "test_bullets_in_train": (1, 3),      # only the lentil line
        "test_foods_in_train": (1, 3),        # lentils of {lentils, Edam, lupin beans}
        "families_in_several_splits": (1, 4),  # f1 in train and test
    }


def test_each_dialogue_lists_the_foods_its_answer_suggests(rows):
    for r in rows:
        text = answer(r)
        portions = re.findall(r"^- \d+ (?:g|ml) ", text, flags=re.M)
        assert all(food in text for food in r["foods"]), r["id"]
        assert len(r["foods"]) >= min(1, len(portions)), f"{r['id']}: an answer with portions lists no food"
