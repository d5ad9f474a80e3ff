"""Specification of the course datasets: schemas, sizes, ids, leakage, reproducibility, errors."""
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from course_lib import data
from course_lib.evaluation.grading import profile_avoid_terms, violations
from course_lib.finetuning.curation import exact_duplicates, leakage_report
from course_lib.schemas import DatasetError, validate_file

ROOT = Path(__file__).resolve().parents[1]
DS = ROOT / "datasets"
FILES = [
    ("profile/profile.json", "profile"),
    ("dialogues/train.jsonl", "dialogue"), ("dialogues/validation.jsonl", "dialogue"),
    ("dialogues/test.jsonl", "dialogue"), ("dialogues/curation_log.jsonl", "curation_log"),
    ("knowledge/nutrition.jsonl", "nutrition"), ("knowledge/menus.jsonl", "menu"),
    ("knowledge/menu_update.jsonl", "menu"), ("knowledge/guides.jsonl", "guide"),
    ("questions/questions.jsonl", "question"), ("questions/probe.jsonl", "question"),
]


@pytest.fixture(scope="module")
def ds():
    return {
        "profile": data.load_profile(),
        "dialogues": {s: data.load_dialogues(s) for s in data.SPLITS},
        "kb": data.load_knowledge(include_update=True),
        "update": data.load_update(),
        "questions": data.load_questions(),
        "probe": data.load_probe(),
        "log": data.load_curation_log(),
    }


@pytest.mark.parametrize("rel,schema", FILES)
def test_every_file_matches_its_schema(rel, schema):
    assert validate_file(DS / rel, schema)


def test_sizes_meet_the_plan(ds):
    d = ds["dialogues"]
    assert len(d["train"]) >= 300 and len(d["validation"]) >= 50 and len(d["test"]) >= 80
    kinds = Counter(doc["type"] for doc in ds["kb"])
    assert kinds["nutrition"] >= 150 and kinds["guide"] >= 10
    weeks = {doc["week"] for doc in ds["kb"] if doc["type"] == "menu"}
    assert len(weeks) >= 8
    assert len(ds["questions"]) >= 200
    per_type = Counter(q["type"] for q in ds["questions"])
    assert set(per_type) == set(data.QUESTION_TYPES)
    assert min(per_type.values()) >= 20, per_type


def test_update_is_the_last_week_and_held_out(ds):
    update_weeks = {d["week"] for d in ds["update"]}
    base = data.load_knowledge(["menu"])
    assert len(update_weeks) == 1 and max(d["week"] for d in base) < min(update_weeks)
    assert not {d["id"] for d in base} & {d["id"] for d in ds["update"]}
    # The update brings new dishes: no dish name or code seen in earlier weeks.
    old = {(x["name"], x["code"]) for d in base for x in d["dishes"]}
    new = [(x["name"], x["code"]) for d in ds["update"] for x in d["dishes"]]
    assert not {n for n, _ in new} & {n for n, _ in old} and not {c for _, c in new} & {c for _, c in old}


def test_ids_are_unique(ds):
    kb_ids = [d["id"] for d in ds["kb"]]
    assert len(kb_ids) == len(set(kb_ids))
    dlg_ids = [r["id"] for rows in ds["dialogues"].values() for r in rows]
    assert len(dlg_ids) == len(set(dlg_ids))
    q_ids = [q["id"] for q in ds["questions"]]
    assert len(q_ids) == len(set(q_ids))
    codes = [x["code"] for d in ds["kb"] if d["type"] == "menu" for x in d["dishes"]]
    assert len(codes) == len(set(codes)), "dish codes must never be reused"


def test_every_document_has_id_title_type_and_date(ds):
    for d in ds["kb"]:
        assert d["id"] and d["title"] and d["type"] in data.KINDS and (d.get("date") or d.get("week"))


def test_gold_ids_resolve_and_update_facts_need_the_update(ds):
    all_ids = {d["id"] for d in ds["kb"]}
    update_ids = {d["id"] for d in ds["update"]}
    for q in ds["questions"]:
        gold = q["gold_doc_ids"]
        assert set(gold) <= all_ids and len(gold) == len(set(gold)), q["id"]
        if q["type"] == "update_fact":
            assert gold and set(gold) <= update_ids, q["id"]
        elif gold:
            # The update menus also print the canteen hours, but every other question is answerable
            # before the update, from the document it was written from (listed first).
            assert gold[0] not in update_ids, f"{q['id']} is answerable only after the update"


def test_every_gold_document_holds_the_answer(ds):
    """Answers were derived from the documents, so a non yes/no answer appears verbatim in each gold document."""
    text = {d["id"]: d["text"].lower() for d in ds["kb"]}
    checked = 0
    for q in ds["questions"]:
        if q["gold_doc_ids"] and q["answer"] not in ("yes", "no"):
            for g in q["gold_doc_ids"]:
                assert any(a in text[g] for a in q["accepted"]), (q["id"], g)
            checked += 1
    assert checked > 150


def test_gold_ids_name_every_menu_that_prints_the_canteen_hours(ds):
    # Every menu ends with "Served 11:30 to 14:15. Pre-order ... until 10:00." (hand-checked in menus.jsonl).
    menus = {d["id"] for d in ds["kb"] if d["type"] == "menu"}
    hour_questions = [q for q in ds["questions"] if q["answer"] in ("14:15", "10:00")]
    assert len(hour_questions) >= 4
    for q in hour_questions:
        assert menus <= set(q["gold_doc_ids"]), q["id"]


def test_gold_ids_name_every_guide_that_prints_a_nutrition_answer(ds):
    """A guide line "- <sheet name>: <answer> <nutrient> ..." holds the answer, so that guide is gold too."""
    guides = [d for d in ds["kb"] if d["type"] == "guide"]
    sheets = {d["id"]: d["title"].split(": nutrition per 100 g")[0] for d in ds["kb"] if d["type"] == "nutrition"}
    nutrients = ("protein", "fibre", "sodium", "calcium", "kcal")
    found = 0
    for q in ds["questions"]:
        if not q["gold_doc_ids"] or not q["gold_doc_ids"][0].startswith("nut-"):
            continue
        name = sheets[q["gold_doc_ids"][0]]
        for g in guides:
            lines = [ln for ln in g["text"].splitlines() if ln.startswith(f"- {name}:")]
            stated = [ln for ln in lines for n in nutrients
                      if re.search(rf"(?<![\d.]){re.escape(q['answer'])}{'' if q['answer'].endswith('kcal') else ' ' + n}\b", ln)]
            if stated:
                found += 1
                assert g["id"] in q["gold_doc_ids"], (q["id"], g["id"], stated[0])
    assert found >= 15, "the guides repeat many sheet values; expected to find them"


def test_yes_no_allergen_answers_match_the_menu(ds):
    docs = {d["id"]: d for d in ds["kb"]}
    words = {"cereals containing gluten": "gluten"}
    for q in ds["questions"]:
        if q["answer"] in ("yes", "no") and q["gold_doc_ids"][0].startswith("menu-"):
            doc = docs[q["gold_doc_ids"][0]]
            m = re.search(r"(contain|Any) (cereals containing gluten|[a-z]+)", q["question"])
            allergen = words.get(m.group(2), m.group(2))
            counter = next(c for c, ws in {"grill": ["grill"], "green": ["veg", "green"], "soup": ["soup"],
                                           "sweet": ["dessert", "sweet", "pudding"]}.items()
                           if any(w in q["question"] for w in ws))
            dish = next(x for x in doc["dishes"] if x["counter"] == counter)
            assert (allergen in dish["allergens"]) == (q["answer"] == "yes"), q


# Components whose allergens are easy to miss, written by hand from what they are made of
# (a crumb of pistachios, oats toasted in the oven, curd of eggs and butter, caramel of butter and cream).
KNOWN_ALLERGENIC = {
    "pistachio crumb": {"nuts"}, "toasted oats": {"gluten"}, "lemon curd": {"eggs", "milk"},
    "salted caramel": {"milk"}, "satay": {"peanuts"}, "katsu": {"gluten", "eggs"}, "teriyaki": {"soybeans", "gluten"},
    "miso-glazed": {"soybeans"}, "za'atar": {"sesame"}, "mustard-crusted": {"mustard"}, "tikka-spiced": {"milk"},
    "tofu": {"soybeans"}, "seitan": {"gluten", "soybeans"}, "halloumi": {"milk"}, "paneer": {"milk"},
    "king prawns": {"crustaceans"}, "salmon fillet": {"fish"}, "carrot cake": {"eggs", "gluten", "nuts"},
    "vegetable stock": {"celery"}, "broccoli and almond": {"nuts", "milk"}, "poached pear": {"sulphites"},
}
NOT_VEGAN = {"honeyed figs", "salted caramel", "lemon curd", "panna cotta", "rice pudding", "quark mousse"}


def _dishes(ds):
    return [(doc, x) for doc in ds["kb"] if doc["type"] == "menu" for x in doc["dishes"]]


def test_dish_labels_are_the_union_over_their_components(ds):
    sys.path.insert(0, str(ROOT / "scripts"))
    from datagen.menus import COMPONENTS  # the component table the generator composes dishes from

    order = ["gluten", "crustaceans", "eggs", "fish", "peanuts", "soybeans", "milk", "nuts", "celery", "mustard",
             "sesame", "sulphites", "lupin", "molluscs"]  # EU Regulation 1169/2011, Annex II
    for _doc, x in _dishes(ds):
        assert x["components"], x["code"]
        union = {a for c in x["components"] for a in COMPONENTS[c]["allergens"]}
        assert set(x["allergens"]) == union and x["allergens"] == sorted(union, key=order.index), (x["code"], x["name"])
        for c in x["components"]:
            assert c == "vegetable stock" or c.lower() in x["name"].lower(), (x["code"], c)
            assert KNOWN_ALLERGENIC.get(c, set()) <= set(x["allergens"]), (x["code"], x["name"], c)


def test_toppings_reach_the_dessert_labels(ds):
    sweets = [x for _, x in _dishes(ds) if x["counter"] == "sweet"]
    assert len(sweets) == 45
    for x in sweets:
        name = x["name"].lower()
        for topping, allergens in KNOWN_ALLERGENIC.items():
            if name.endswith("with " + topping):
                assert allergens <= set(x["allergens"]), x["name"]
        if any(part in name for part in NOT_VEGAN):
            assert not x["vegan"], x["name"]


def test_vegan_and_vegetarian_flags_follow_the_components(ds):
    animal = ("chicken", "beef", "pork", "salmon", "fish", "cod", "turkey", "lamb", "prawns", "trout", "hake",
              "duck", "gelatine")
    for _, x in _dishes(ds):
        meat = [c for c in x["components"] + x["ingredients"] if violations(c, animal)]
        assert x["vegetarian"] == (not meat), (x["code"], x["name"], meat)
        animal_product = {"milk", "eggs"} & set(x["allergens"]) or any(c in NOT_VEGAN for c in x["components"])
        assert x["vegan"] == (x["vegetarian"] and not animal_product), (x["code"], x["name"])


def test_menu_text_prints_the_dish_records(ds):
    words = {"gluten": "cereals containing gluten"}
    for doc, x in _dishes(ds):
        block = doc["text"].split(f"({x['code']})")[1].split("\n\n")[0]
        mark = "[vegan]" if x["vegan"] else "[vegetarian]" if x["vegetarian"] else None
        assert (mark in block.splitlines()[0]) if mark else "[" not in block.splitlines()[0], x["code"]
        hidden = {"Thai green curry": "coriander", "panna cotta": "gelatine"}  # not visible in the dish name
        for component, food in hidden.items():
            if component in x["components"]:
                assert re.search(rf"Also contains: .*{food}", block), x["code"]
        printed = block.split("Allergens: ")[1].splitlines()[0]
        assert printed == (", ".join(words.get(a, a) for a in x["allergens"]) or "none of the 14"), x["code"]


def test_guide_11_price_bands_and_protein_rule_hold_on_every_menu(ds):
    guide = next(d for d in ds["kb"] if d["id"] == "guide-11")["text"]
    bands = {c: tuple(map(float, re.search(rf"- {label}: €([\d.]+) to €([\d.]+)\.", guide).groups()))
             for c, label in [("grill", "Grill"), ("green", "Green counter"), ("soup", "Soup of the day"), ("sweet", "Sweet")]}
    assert "Fish dishes sit at the top" not in guide, "the menus do not price fish at the top of the band"
    for _, x in _dishes(ds):
        lo, hi = bands[x["counter"]]
        assert lo <= x["price_eur"] <= hi, (x["code"], x["price_eur"], lo, hi)
        if x["counter"] == "green":
            assert x["protein_g"] >= 15, x["code"]  # "at least 15 g of protein per portion"


def test_each_preference_and_fact_question_has_exactly_one_right_answer(ds):
    """Of the day's mains and soup, exactly one that the profile allows has the most protein."""
    avoid = profile_avoid_terms(ds["profile"])
    docs = {d["id"]: d for d in ds["kb"]}
    questions = [q for q in ds["questions"] if q["type"] == "preference_and_fact"]
    assert len(questions) >= 20
    for q in questions:
        assert "main or soup" in q["question"] and "protein" in q["question"], q["id"]
        dishes = [x for x in docs[q["gold_doc_ids"][0]]["dishes"] if x["counter"] != "sweet"]
        allowed = [x for x in dishes if not violations(". ".join(x["components"] + x["ingredients"]), avoid)]
        top = max(x["protein_g"] for x in allowed)
        best = [x for x in allowed if x["protein_g"] == top]
        assert len(best) == 1, (q["id"], [x["name"] for x in best])
        assert q["answer"] in (best[0]["name"], f"{top} g"), q["id"]


def test_unanswerable_questions_need_the_canteen_not_a_food_table(ds):
    menu_dates = {d["date"] for d in ds["kb"] if d["type"] == "menu"}
    codes = {x["code"] for _, x in _dishes(ds)}
    months = {m: i for i, m in enumerate(["January", "February", "March", "April", "May", "June", "July", "August",
                                          "September", "October", "November", "December"], 1)}
    unanswerable = [q for q in ds["questions"] if q["type"] == "unanswerable"]
    assert len(unanswerable) >= 20
    for q in unanswerable:
        text = q["question"]
        assert re.search(r"canteen|dish|grill|soup|breakfast bar|coffee corner", text, re.I), q["id"]
        assert not re.search(r"\b100 ?g\b", text), f"{q['id']} asks a public per-100 g fact"
        for code in re.findall(r"D-\d{3}", text):
            assert code not in codes, q["id"]
        for day, month, year in re.findall(rf"(\d{{1,2}}) ({'|'.join(months)}) (\d{{4}})", text):
            date = f"{year}-{months[month]:02d}-{int(day):02d}"
            # A date inside the menus is allowed only for a figure the menus do not print.
            assert date not in menu_dates or re.search(r"sodium|fibre|zinc|sell", text), q["id"]
    # The four the review found answerable from any nutrition table are gone.
    by_id = {q["id"]: q for q in ds["questions"]}
    for qid in ("q-0025", "q-0051", "q-0184", "q-0200"):
        assert not re.search(r"per 100 g|in 100 g", by_id[qid]["question"]), qid


def test_question_fields_follow_the_rules(ds):
    for q in ds["questions"]:
        assert q["answer"].lower() in q["accepted"], q["id"]
        assert all(a == a.lower() for a in q["accepted"])
        if q["type"] in ("preference", "preference_and_fact"):
            # One list for every preference question: the whole profile with its aliases.
            assert q["avoid_terms"] == profile_avoid_terms(ds["profile"]), q["id"]
            assert "whey" not in q["avoid_terms"], "the profile is lacto-vegetarian: whey is allowed"
            assert not violations(q["answer"], q["avoid_terms"]), q["id"]
        else:
            assert q["avoid_terms"] == []
        if q["type"] == "unanswerable":
            assert q["answer"] == "I don't know" and not q["gold_doc_ids"]
    assert not exact_duplicates(ds["questions"]), "duplicate question text"


def test_weekly_questions_name_an_unambiguous_day(ds):
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    for q in ds["questions"]:
        if q["type"] in ("weekly_fact", "update_fact", "preference_and_fact") and q["gold_doc_ids"][0].startswith("menu-"):
            assert re.search(rf"\b\d{{1,2}} ({months}|{'|'.join(m[:3] for m in months.split('|'))})\b", q["question"]), q


def test_no_duplicates_across_dialogue_splits_or_with_the_questions(ds):
    # Exact (normalised) duplicates and >= 80 % word overlap, every later group against every earlier one.
    report = leakage_report({**ds["dialogues"], "questions": ds["questions"]})
    assert report.ok, [(x.check, x.id, x.other_id) for x in report.leaks]
    assert set(report.sizes) == {*data.SPLITS, "questions"}


def test_assistant_answers_respect_the_profile(ds):
    avoid = profile_avoid_terms(ds["profile"])
    for rows in ds["dialogues"].values():
        for r in rows:
            answer = r["messages"][-1]["content"]
            assert not violations(answer, avoid), (r["id"], violations(answer, avoid))
            assert len(answer.split()) <= 80, r["id"]
            assert not re.search(r"\b(oz|ounces?|cups?|lbs?)\b", answer), r["id"]
            bullets = [ln for ln in answer.splitlines() if ln.startswith("- ")]
            assert 1 <= len(bullets) <= 4, r["id"]
            assert all(m["role"] != "system" or "profile" not in m["content"].lower() for m in r["messages"])


def test_curation_log_shows_every_kind_of_check(ds):
    log = ds["log"]
    checks = Counter(r["check"] for r in log)
    for check in ("duplicate", "near_duplicate", "profile", "units", "length", "format", "whitespace"):
        assert checks[check] >= 1, checks
    kept = {r["id"] for rows in ds["dialogues"].values() for r in rows}
    for r in log:
        if r["action"] == "fixed":
            assert r["kept_as"] in kept
        else:
            assert r.get("kept_as") is None


def test_probe_is_drawn_from_the_questions(ds):
    by_id = {q["id"]: q for q in ds["questions"]}
    assert len(ds["probe"]) == 24
    assert all(by_id[q["id"]] == q for q in ds["probe"])
    kinds = Counter({"preference": "pref", "preference_and_fact": "pref", "weekly_fact": "menu",
                     "update_fact": "menu", "unanswerable": "none"}[q["type"]] for q in ds["probe"])
    assert kinds == {"pref": 8, "menu": 8, "none": 8}


def test_guides_are_long_enough_for_chunking(ds):
    guides = [d for d in ds["kb"] if d["type"] == "guide"]
    assert all(len(g["text"].split()) >= 1000 for g in guides)
    assert all("{{" not in g["text"] for g in guides), "unfilled placeholder"


def test_nutrition_values_match_the_committed_usda_extract(ds):
    extract = {}
    for line in (DS / "knowledge/raw/usda_sr_abbrev_extract.txt").read_text().splitlines():
        f = line.split("^")
        extract[f[0].strip("~")] = (float(f[3]), float(f[4]), f[15])
    for d in ds["kb"]:
        if d["type"] == "nutrition":
            kcal, protein, sodium = extract[d["ndb_no"]]
            assert d["per_100g"]["energy_kcal"] == kcal and d["per_100g"]["protein_g"] == protein
            assert d["per_100g"]["sodium_mg"] == (float(sodium) if sodium else None)


def test_build_script_reproduces_every_file_byte_for_byte(tmp_path):
    out = tmp_path / "rebuild"
    subprocess.run([sys.executable, str(ROOT / "scripts/build_datasets.py"), "--out", str(out)], check=True,
                   capture_output=True, text=True)
    built = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert len(built) == 11
    for rel in built:
        assert (out / rel).read_bytes() == (DS / rel).read_bytes(), f"{rel} differs from a fresh build"
    res = subprocess.run([sys.executable, str(ROOT / "scripts/build_datasets.py"), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_broken_file_is_reported_with_file_line_and_field(tmp_path):
    good = (DS / "questions/questions.jsonl").read_text().splitlines()[:4]
    bad_row = json.loads(good[2])
    del bad_row["answer"]
    bad_row["type"] = "trivia"
    path = tmp_path / "broken_questions.jsonl"
    _write(path, [good[0], good[1], json.dumps(bad_row), good[3], '{"id": "q-9999", "question": '])
    with pytest.raises(DatasetError) as info:
        validate_file(path, "question")
    msg = str(info.value)
    assert "broken_questions.jsonl" in msg
    assert "line 3, field 'answer': missing required field" in msg
    assert "line 3, field 'type'" in msg
    assert "line 5: not valid JSON" in msg
    assert "rerun `python scripts/build_datasets.py`" in msg
    assert {p["line"] for p in info.value.problems} == {3, 5}
    assert isinstance(info.value, ValueError)


def test_nested_fields_and_blank_lines_are_named(tmp_path):
    row = json.loads((DS / "dialogues/train.jsonl").read_text().splitlines()[0])
    row["messages"][1]["content"] = ""
    path = tmp_path / "train.jsonl"
    _write(path, [json.dumps(row), ""])
    with pytest.raises(DatasetError) as info:
        validate_file(path, "dialogue")
    msg = str(info.value)
    assert "line 1, field 'messages[1].content'" in msg and "line 2: empty line" in msg


def test_loaders_follow_the_datasets_dir_override(tmp_path, monkeypatch):
    shutil.copytree(DS / "schemas", tmp_path / "schemas")
    (tmp_path / "profile").mkdir()
    prof = json.loads((DS / "profile/profile.json").read_text())
    prof["goals"]["protein_g_per_day"] = "lots"
    (tmp_path / "profile/profile.json").write_text(json.dumps(prof))
    monkeypatch.setenv("COURSE_DATASETS_DIR", str(tmp_path))
    with pytest.raises(DatasetError, match="goals.protein_g_per_day"):
        data.load_profile()


def test_loaders_reject_unknown_names():
    with pytest.raises(ValueError, match="train, validation, test"):
        data.load_dialogues("dev")
    with pytest.raises(ValueError, match="Unknown question type"):
        data.load_questions(["trivia"])
    with pytest.raises(ValueError, match="Unknown knowledge kind"):
        data.load_knowledge(["recipes"])
    assert not [d for d in data.load_knowledge(["menu"]) if d["week"] == data.load_update()[0]["week"]]


def test_summary_command_prints_the_counts(ds):
    res = subprocess.run([sys.executable, "-m", "course_lib.data", "summary"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert f"train {len(ds['dialogues']['train'])}" in out and f"test {len(ds['dialogues']['test'])}" in out
    assert f"nutrition {sum(d['type'] == 'nutrition' for d in ds['kb'])}" in out
    for t in data.QUESTION_TYPES:
        assert f"{t} {sum(q['type'] == t for q in ds['questions'])}" in out


# --- chat format and training set (lesson 04) ---------------------------------------

def _dialogue(**changes):
    row = {"id": "dlg-train-0001", "messages": [{"role": "user", "content": "Snack before the gym?"},
                                                {"role": "assistant", "content": "- 150 g skyr: 17 g protein"}],
           "topic": "snack"}
    return {**row, **changes}


def test_to_chat_returns_a_fresh_chat_with_an_optional_system_prompt():
    row = _dialogue()
    chat = data.to_chat(row)
    assert chat == row["messages"] and chat is not row["messages"]
    chat[0]["content"] = "changed"
    assert row["messages"][0]["content"] == "Snack before the gym?", "the data row must not change"
    with_system = data.to_chat(row, system="You are Maya's diet assistant.")
    assert with_system[0] == {"role": "system", "content": "You are Maya's diet assistant."}
    assert with_system[1:] == data.to_chat(row)


@pytest.mark.parametrize("row,error,match", [
    ({"id": "x", "text": "Snack?"}, TypeError, r"'messages'.*\['id', 'text'\]"),
    ("Snack?", TypeError, "dialogue row"),
    (_dialogue(messages=[]), ValueError, "empty"),
    (_dialogue(messages=[{"role": "user", "content": ""}]), ValueError, "dlg-train-0001.*empty"),
    (_dialogue(messages=[{"role": "user", "content": "Hi", "name": "Maya"}]), ValueError, r"unknown field.*\['name'\]"),
    (_dialogue(messages=[{"role": "bot", "content": "Hi"}]), ValueError, "role 'bot'"),
])
def test_to_chat_rejects_broken_dialogues_naming_the_row(row, error, match):
    with pytest.raises(error, match=match):
        data.to_chat(row)


def test_to_chat_rejects_an_empty_or_second_system_prompt():
    with pytest.raises(ValueError, match="non-empty"):
        data.to_chat(_dialogue(), system="  ")
    has_system = _dialogue(messages=[{"role": "system", "content": "Be brief."}] + _dialogue()["messages"])
    with pytest.raises(ValueError, match="already has a system message"):
        data.to_chat(has_system, system="Be kind.")


def test_training_set_gives_masked_examples_with_ids(llm):
    _, tokenizer = llm
    from course_lib.tokens import IGNORE_INDEX, decode_labels

    rows = data.load_dialogues("validation")
    examples = data.training_set(tokenizer, "validation")
    assert [e["id"] for e in examples] == [r["id"] for r in rows]
    first = examples[0]
    assert sorted(first) == ["attention_mask", "id", "input_ids", "labels"]
    assert len(first["input_ids"]) == len(first["labels"]) <= 256 and first["labels"][0] == IGNORE_INDEX
    assert decode_labels(tokenizer, first) == rows[0]["messages"][-1]["content"] + tokenizer.eos_token
    with_system = data.training_set(tokenizer, rows[:2], system="You are Maya's diet assistant.")
    assert len(with_system[0]["input_ids"]) != len(first["input_ids"])
    assert decode_labels(tokenizer, with_system[0]) == decode_labels(tokenizer, first)


def test_training_set_reports_every_example_that_does_not_fit(llm):
    _, tokenizer = llm
    rows = data.load_dialogues("validation")
    lengths = [len(e["input_ids"]) for e in data.training_set(tokenizer, rows)]
    limit = sorted(lengths)[len(lengths) // 2]
    too_long = [r["id"] for r, n in zip(rows, lengths, strict=True) if n > limit]
    with pytest.raises(ValueError) as info:
        data.training_set(tokenizer, rows, max_length=limit)
    message = str(info.value)
    assert f"{len(too_long)} of {len(rows)} examples are longer than max_length={limit}" in message
    assert too_long[0] in message and f"at least {max(lengths)}" in message
    with pytest.warns(UserWarning, match=too_long[0]):
        kept = data.training_set(tokenizer, rows, max_length=limit, skip_too_long=True)
    assert len(kept) == len(rows) - len(too_long)


@pytest.mark.parametrize("kwargs,match", [({"split": "dev"}, "train, validation, test"),
                                         ({"split": []}, "no dialogues"),
                                         ({"split": "train", "max_length": 0}, "max_length"),
                                         ({"split": "train", "max_length": "256"}, "max_length")])
def test_training_set_rejects_bad_arguments(llm, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.training_set(llm[1], **kwargs)
