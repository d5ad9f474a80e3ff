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
from course_lib.curation import exact_duplicates, leakage_report
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
        assert set(q["gold_doc_ids"]) <= all_ids, q["id"]
        if q["type"] == "update_fact":
            assert q["gold_doc_ids"] and set(q["gold_doc_ids"]) <= update_ids, q["id"]
        else:
            assert not set(q["gold_doc_ids"]) & update_ids, f"{q['id']} is answerable only after the update"


def test_gold_answers_are_in_the_gold_documents(ds):
    """Answers were derived from the documents, so a non yes/no answer appears verbatim in one of them."""
    text = {d["id"]: d["text"].lower() for d in ds["kb"]}
    checked = 0
    for q in ds["questions"]:
        if q["gold_doc_ids"] and q["answer"] not in ("yes", "no"):
            assert any(a in text[g] for g in q["gold_doc_ids"] for a in q["accepted"]), q
            checked += 1
    assert checked > 150


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


def test_question_fields_follow_the_rules(ds):
    for q in ds["questions"]:
        assert q["answer"].lower() in q["accepted"], q["id"]
        assert all(a == a.lower() for a in q["accepted"])
        if q["type"] in ("preference", "preference_and_fact"):
            assert q["avoid_terms"], q["id"]
            assert not any(t in q["answer"].lower().split() for t in q["avoid_terms"]), q["id"]
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
    p = ds["profile"]
    banned = set()
    for r in p["hard_restrictions"]:
        banned |= {w for term in r["avoid"] for w in term.lower().split() if w not in ("butter", "oil")}
    banned |= {w.rstrip("s") for w in p["dislikes"]} | set(p["dislikes"])
    for rows in ds["dialogues"].values():
        for r in rows:
            answer = r["messages"][-1]["content"]
            words = set(re.findall(r"[a-z]+", answer.lower()))
            assert not words & banned, (r["id"], words & banned)
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
    too_long = [r["id"] for r, n in zip(rows, lengths) if n > limit]
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
