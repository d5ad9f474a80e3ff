"""Specification of course_lib.finetuning.knowledge_pairs: facts from metadata, paraphrased pairs, RAFT examples, overlap.

References are independent of the code: fact values were read by hand from datasets/knowledge
(nut-0001 "Butter, salted"; menu-w02-mon, the grill dish D-813 and green dish D-201), similarities
are worked out by hand, and answers are checked with course_lib.evaluation.grading and course_lib.rag.pipeline.
"""
import re

import pytest

from course_lib import data
from course_lib.evaluation.grading import admits_unknown, contains_answer
from course_lib.finetuning.knowledge_pairs import (
    NO_ANSWER,
    facts,
    knowledge_pairs,
    raft_examples,
)
from course_lib.finetuning.knowledge_rows import overlapping_questions
from course_lib.rag.pipeline import RAG_SYSTEM, cited_ids


@pytest.fixture(scope="module")
def docs():
    return data.load_knowledge(include_update=True)


@pytest.fixture(scope="module")
def all_facts(docs):
    return facts(docs)


@pytest.fixture(scope="module")
def raft(docs):
    return raft_examples(docs, n=400, seed=0, no_answer_share=0.25)


def _fact(found, doc_id, attribute, subject=None):
    hits = [f for f in found if f.doc_id == doc_id and f.attribute == attribute
            and (subject is None or f.subject == subject)]
    assert len(hits) == 1, hits
    return hits[0]


def test_facts_of_the_salted_butter_sheet_are_the_values_its_text_prints(all_facts):
    # Read by hand from nut-0001: "Energy 717 kcal; protein 0.85 g; ... sodium 643 mg ... Vitamin C: 0.0 mg."
    assert _fact(all_facts, "nut-0001", "energy_kcal").value == "717 kcal"
    assert _fact(all_facts, "nut-0001", "protein_g").value == "0.85 g"
    assert _fact(all_facts, "nut-0001", "sodium_mg").value == "643 mg"
    assert _fact(all_facts, "nut-0001", "vitamin_c_mg").value == "0.0 mg"
    assert _fact(all_facts, "nut-0001", "protein_g").subject == "butter, salted"
    assert "the food with USDA NDB number 01001" in _fact(all_facts, "nut-0001", "fat_g").names
    assert len([f for f in all_facts if f.doc_id == "nut-0001"]) == 12


def test_a_nutrient_the_sheet_does_not_report_gives_no_fact(docs, all_facts):
    teff = next(d for d in docs if d["title"].startswith("Teff"))  # its text: "Vitamin C: not reported."
    assert "Vitamin C: not reported" in teff["text"]
    assert "vitamin_c_mg" not in {f.attribute for f in all_facts if f.doc_id == teff["id"]}


def test_facts_of_the_grill_dish_on_monday_5_january_are_what_the_menu_prints(all_facts):
    # menu-w02-mon: "Grill: Jerk-spiced cod loin, jasmine rice and kale and apple slaw (D-813)
    # Price €8.90 | protein 29 g | 530 kcal  Allergens: fish"
    assert _fact(all_facts, "menu-w02-mon", "price", "D-813").value == "€8.90"
    assert _fact(all_facts, "menu-w02-mon", "protein", "D-813").value == "29 g"
    assert _fact(all_facts, "menu-w02-mon", "energy", "D-813").value == "530 kcal"
    assert _fact(all_facts, "menu-w02-mon", "allergens", "D-813").value == "fish"
    name = _fact(all_facts, "menu-w02-mon", "name", "D-813")
    assert name.value == "Jerk-spiced cod loin, jasmine rice and kale and apple slaw"
    assert name.names == ("the grill dish on Monday 5 January 2026",)
    assert _fact(all_facts, "menu-w02-mon", "code", "D-813").value == "D-813"
    assert _fact(all_facts, "menu-w02-mon", "date", "D-813").value == "Monday 5 January 2026"
    # The green dish D-201: "Allergens: cereals containing gluten, soybeans, celery" (metadata says "gluten").
    assert _fact(all_facts, "menu-w02-mon", "allergens", "D-201").value == "cereals containing gluten, soybeans, celery"


def test_every_fact_value_is_printed_in_its_document(docs, all_facts):
    by_id = {d["id"]: d for d in docs}
    assert all(f.value in by_id[f.doc_id]["title"] + by_id[f.doc_id]["text"] for f in all_facts)


def test_guides_give_no_facts_and_guides_alone_are_refused(docs):
    guides = [d for d in docs if d["type"] == "guide"]
    with pytest.raises(ValueError, match="guides are skipped"):
        facts(guides)


def test_every_pair_answer_states_its_fact_value(docs):
    rows = knowledge_pairs(docs, paraphrases=5)
    for row in rows:
        answer = row["messages"][1]["content"]
        assert row["fact"]["value"] in answer, row
        assert contains_answer(answer, row["fact"]["answer_terms"]), row


def test_the_five_paraphrases_of_each_fact_are_five_different_questions(docs, all_facts):
    rows = knowledge_pairs(docs, paraphrases=5)
    assert len(rows) == 5 * len(all_facts)
    by_fact = {}
    for row in rows:
        by_fact.setdefault(row["id"].rsplit("-", 1)[0], set()).add(row["messages"][0]["content"])
    assert len(by_fact) == len(all_facts)
    assert all(len(questions) == 5 for questions in by_fact.values())


def test_same_seed_gives_the_same_rows_and_another_seed_other_order_and_wordings(docs):
    menus = [d for d in docs if d["type"] == "menu"]
    first, again, other = (knowledge_pairs(menus, 2, seed=s) for s in (0, 0, 1))
    assert first == again
    assert [r["id"] for r in first] != [r["id"] for r in other]
    wording = lambda rows: {(r["id"], r["messages"][0]["content"]) for r in rows}  # noqa: E731
    assert wording(first) != wording(other)
    assert raft_examples(menus, 20, seed=3) == raft_examples(menus, 20, seed=3) != raft_examples(menus, 20, seed=4)


def test_pairs_go_through_the_training_set_builder(docs, tokenizer):
    rows = knowledge_pairs(docs, paraphrases=1)
    examples = data.training_set(tokenizer, rows, max_length=128)
    assert len(examples) == len(rows)
    print(f"knowledge pairs: {len(rows)}; longest {max(len(e['input_ids']) for e in examples)} tokens")


def test_raft_examples_go_through_the_training_set_builder_under_1024_tokens(raft, tokenizer):
    examples = data.training_set(tokenizer, raft, max_length=1024)
    assert len(examples) == len(raft)
    print(f"RAFT examples: {len(raft)}; longest {max(len(e['input_ids']) for e in examples)} tokens")


def test_the_oracle_is_in_the_context_of_exactly_the_answerable_share(raft):
    assert sum(r["oracle"] for r in raft) == 300  # 400 examples, 25% without the oracle
    for row in raft:
        assert (row["doc_id"] in row["doc_ids"]) == row["oracle"]
        assert len(row["doc_ids"]) == 3 + row["oracle"]
        assert len(set(row["doc_ids"])) == len(row["doc_ids"])


def test_the_user_turn_is_the_rag_prompt_and_distractors_share_the_oracle_type(raft, docs):
    types = {d["id"]: d["type"] for d in docs}
    for row in raft:
        system, user, _ = row["messages"]
        assert system == {"role": "system", "content": RAG_SYSTEM}
        assert user["content"].endswith(f"\n\nQuestion: {row['question']}")
        assert [i for i in re.findall(r"^\[([\w-]+)\] ", user["content"], re.M)] == row["doc_ids"]
        assert {types[i] for i in row["doc_ids"]} == {types[row["doc_id"]]}


def test_an_answerable_reply_cites_the_oracle_and_quotes_the_value_the_context_shows(raft):
    answerable = [r for r in raft if r["oracle"]]
    for row in answerable:
        reply, context = row["messages"][2]["content"], row["messages"][1]["content"]
        assert cited_ids(reply, row["doc_ids"]) == [row["doc_id"]]
        assert row["fact"]["value"] in reply and row["fact"]["value"] in context
        assert not admits_unknown(reply)
        # The subject's numbers (dish code, NDB number, date) can be found in the context shown.
        assert all(t in context for t in re.findall(r"[\w-]*\d[\w-]*", row["question"])), row["question"]


def test_no_answer_replies_are_recognised_as_admitting_not_knowing(raft):
    assert all(admits_unknown(t.format(s="dish D-813")) for t in NO_ANSWER)
    unanswerable = [r for r in raft if not r["oracle"]]
    assert len(unanswerable) == 100
    for row in unanswerable:
        assert admits_unknown(row["messages"][2]["content"])
        assert cited_ids(row["messages"][2]["content"], row["doc_ids"]) == []


def test_long_documents_are_cut_around_the_fact(docs):
    menus = [d for d in docs if d["type"] == "menu"]
    assert all(len(d["text"]) > 350 for d in menus)  # every menu needs cutting at the default
    for row in raft_examples(menus, 60, seed=1, no_answer_share=0.0):
        context = row["messages"][1]["content"]
        block = context.split(f"[{row['doc_id']}] ", 1)[1].split("\n[", 1)[0].split("\n\nQuestion: ")[0]
        assert f"({row['fact']['subject']})" in block  # the dish line with its code
        assert len(block.split("\n", 1)[1]) <= 350 + 6  # the text, plus "..." at each cut end


def test_overlap_finds_copies_and_near_copies_but_not_paraphrases():
    rows = [{"id": "a", "question": "what is the PRICE of dish D-423"},      # same words: Jaccard 1
            {"id": "b", "question": "Price of dish D-423 today?"},           # 4 shared of 5: 0.8
            {"id": "c", "question": "What does D-423 cost?"},                # 1 shared of 7: 0.14
            {"id": "d", "messages": [{"role": "user", "content": "Context:\n[x] y\n\nQuestion: Price of dish D-423?"}]}]
    found = overlapping_questions(rows, [{"question": "What is the price of dish D-423?"}, "Price of dish D-423?"])
    assert sorted((f[0], f[3]) for f in found) == [("a", 1.0), ("b", 0.8), ("d", 1.0)]
    assert overlapping_questions(["how much iron in 100g kale"], ["How much iron in 100 g kale?"])[0][3] == 1.0


def test_no_training_question_copies_an_evaluation_question(docs, all_facts):
    questions = data.load_questions()
    assert overlapping_questions(knowledge_pairs(docs, paraphrases=6), questions) == []
    assert overlapping_questions(raft_examples(docs, n=len(all_facts), seed=0), questions) == []


@pytest.mark.parametrize("call, message", [
    (lambda d: knowledge_pairs(d, paraphrases=0), "paraphrases must be a whole number >= 1"),
    (lambda d: knowledge_pairs(d, paraphrases=7), r"only 6 distinct wordings"),
    (lambda d: raft_examples(d, n=0), "n must be a whole number >= 1"),
    (lambda d: raft_examples(d, n=5, no_answer_share=1.5), "between 0 and 1"),
    (lambda d: raft_examples(d, n=5, no_answer_share=-0.1), "between 0 and 1"),
    (lambda d: raft_examples(d, n=5, distractors=0), "distractors >= 1"),
    (lambda d: raft_examples([], n=5), "non-empty list"),
    (lambda d: knowledge_pairs([]), "non-empty list"),
    (lambda d: facts([{"id": "x", "type": "menu", "text": "t"}]), "lacks the metadata"),
])
def test_bad_input_is_refused_with_what_to_do(docs, call, message):
    with pytest.raises(ValueError, match=message):
        call(docs)
