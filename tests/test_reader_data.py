"""Specification of course_lib.finetuning.reader_data: RAFT examples over records for lesson 11's reader.

Built from the course's own knowledge base (no model): the share of examples with the oracle, the target
kept without the oracle (RAFT) or replaced by an admission (the abstention recipe), the quote-then-answer
format, hard distractors, and training documents that no evaluation question asks about.
"""
import re

import pytest

from course_lib import data
from course_lib.evaluation.grading import admits_unknown, contains_answer
from course_lib.finetuning.knowledge_pairs import Fact
from course_lib.finetuning.knowledge_rows import training_rows
from course_lib.finetuning.reader_data import (ABSTAIN, ORACLE_SHARE, TRAIN_WEEKS, final_answer, reader_examples,
                                               reader_target, training_documents)
from course_lib.finetuning.recipes import recipe
from course_lib.rag.reader import READER_SYSTEM
from course_lib.rag.records import record_chunks


@pytest.fixture(scope="module")
def corpus():
    docs = training_documents(data.load_knowledge(), data.load_questions())
    return docs, record_chunks(docs)


def test_training_documents_are_the_first_weeks_menus_and_sheets_no_question_asks_about(corpus):
    docs, _ = corpus
    asked = {g for q in data.load_questions() for g in q["gold_doc_ids"]}
    menus = [d for d in docs if d["type"] == "menu"]
    assert menus and all(d["id"].startswith(TRAIN_WEEKS) for d in menus)
    assert not {d["id"] for d in docs if d["type"] == "nutrition"} & asked
    assert not any(d["type"] == "guide" for d in docs)


def test_the_oracle_is_in_the_stated_share_of_examples_and_holds_the_target(corpus):
    docs, records = corpus
    rows = reader_examples(docs, records, n=100, seed=3)
    assert sum(r["oracle"] for r in rows) == round(100 * ORACLE_SHARE)
    by_id = {r["id"]: r for r in records}
    for row in rows:
        assert len(row["context_ids"]) == 3
        target = row["messages"][-1]["content"]
        cited = re.search(r"\[([^\[\]]+)\] Answer:", target).group(1)
        assert (cited in row["context_ids"]) == row["oracle"]       # without the oracle, the cited record is absent
        assert by_id[cited]["doc_id"] == row["doc_id"]
        assert contains_answer(by_id[cited]["title"] + "\n" + by_id[cited]["text"], [final_answer(target)])


def test_without_the_oracle_the_target_is_still_the_answer_or_an_admission_in_the_abstaining_recipe(corpus):
    docs, records = corpus
    raft = reader_examples(docs, records, n=40, seed=1)
    abstaining = reader_examples(docs, records, n=40, seed=1, abstain=True)
    for a, b in zip(raft, abstaining, strict=True):
        assert a["question"] == b["question"] and a["context_ids"] == b["context_ids"]
        if a["oracle"]:
            assert a["messages"][-1] == b["messages"][-1]
        else:
            assert "Answer:" in a["messages"][-1]["content"]
            assert b["messages"][-1]["content"] == ABSTAIN and admits_unknown(ABSTAIN)


def test_the_prompt_is_the_readers_and_distractors_come_from_the_same_document_first(corpus):
    docs, records = corpus
    rows = reader_examples(docs, records, n=30, seed=0)
    assert all(r["messages"][0] == {"role": "system", "content": READER_SYSTEM} for r in rows)
    assert all(r["messages"][1]["content"].startswith("Context:\n[") for r in rows)
    records_of = {}
    for rec in records:
        records_of.setdefault(rec["doc_id"], []).append(rec["id"])
    for r in rows:
        if r["oracle"] and len(records_of[r["doc_id"]]) >= 4:    # the document has other records to distract with
            assert sum(i in records_of[r["doc_id"]] for i in r["context_ids"]) >= 2, r["context_ids"]


def test_the_target_quotes_the_line_then_answers_and_the_grader_reads_the_answer():
    fact = Fact("menu-1", "D-294", "protein", "4 g", ("4 g",), ("dish D-294",), "D-294")
    record = {"id": "menu-1#4", "text": "Sweet: Panna cotta (D-294)\nPrice €2.50 | protein 4 g | 250 kcal"}
    target = reader_target(fact, record)
    assert target == '"Price €2.50 | protein 4 g | 250 kcal" [menu-1#4] Answer: 4 g'
    wrong = '"Price €2.50 | protein 4 g | 250 kcal" [menu-1#4] Answer: 250 kcal'
    assert not contains_answer(final_answer(wrong), ["4 g"])      # a right quote does not make a wrong answer right
    name = Fact("menu-1", "D-294", "name", "Panna cotta", ("panna cotta",), ("the sweet",), "D-294")
    assert reader_target(name, record).startswith('"Sweet: Panna cotta (D-294)"')


def test_examples_are_seeded_and_bad_settings_are_refused(corpus):
    docs, records = corpus
    assert reader_examples(docs, records, n=5, seed=2) == reader_examples(docs, records, n=5, seed=2)
    with pytest.raises(ValueError, match="oracle_share"):
        reader_examples(docs, records, n=5, oracle_share=1.5)
    with pytest.raises(ValueError, match="record_chunks"):
        reader_examples(docs, [], n=5)


def test_the_two_reader_recipes_train_on_the_same_questions():
    train, validation = training_rows(recipe("lesson11-reader"))
    abstain, _ = training_rows(recipe("lesson11-reader-abstain"))
    assert (len(train), len(validation)) == (240, 24)
    assert [r["question"] for r in train] == [r["question"] for r in abstain]


# --- lesson 11's run: grading a trained reader, and the report ------------------------------------------

def test_a_trained_reader_is_graded_on_its_final_answer_and_the_base_model_on_its_whole_text():
    from course_lib.rag.pipeline import RagAnswer
    from course_lib.runs.lesson11_reader import graded_text

    quoted = RagAnswer("Q?", '"Price €2.50 | protein 4 g" [m#4] Answer: 250 kcal', [], [], 0, 0.0, 0.0, [])
    assert graded_text([quoted], trained=True)[0].text == "250 kcal"
    assert graded_text([quoted], trained=False)[0].text == quoted.text


def test_the_report_prints_each_seed_and_tests_each_reader_against_the_base_on_the_same_questions():
    from course_lib.runs.lesson11_reader import report

    questions = ({f"f{i}": {"type": "keyword", "gold_doc_ids": ["nut-0001"]} for i in range(10)}
                 | {"u0": {"type": "update_fact", "gold_doc_ids": ["menu-w10-mon"]}})

    def row(system, seed, right_facts):
        right = {f"f{i}": int(i < right_facts) for i in range(10)} | {"u0": 0}
        return {"part": "oracle", "system": system, "seed": seed, "per question": {"right": right},
                "answers": {q: "x" for q in right}}

    text = report({"rows": [row("base reader", None, 0), row("RAFT reader", 0, 9), row("RAFT reader", 1, 8)]},
                  questions)
    line = next(line for line in text.splitlines() if line.startswith("RAFT reader             right, facts"))
    assert line.endswith("(seeds 0, 1)") and "9/10 = 90%" in line and "8/10 = 80%" in line and "95% CI" in line
    seen = next(line for line in text.splitlines() if "documents never seen" in line)
    assert "9/11" in seen and "8/11" in seen        # none of these documents is among the training weeks
    facts_line = next(line for line in text.splitlines() if line.startswith("base reader vs RAFT reader, right on facts"))
    assert "10 questions x 2 seeds" in facts_line and "difference +85%" in facts_line    # 0% vs (9 + 8) / 20
    assert "more than chance explains" in facts_line                                     # 9 questions all one way
