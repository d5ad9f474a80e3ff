"""Specification of course_lib.evaluation.benchmark: the same questions for every system, scores counted by hand,
timing and memory recorded, bad input refused."""
import pytest

from course_lib.evaluation import benchmark
from course_lib.evaluation.benchmark import System

QUESTIONS = [
    {"id": "a", "question": "Soup on Monday?", "type": "weekly_fact", "accepted": ["leek soup"], "avoid_terms": []},
    {"id": "b", "question": "Price of D-1?", "type": "keyword", "accepted": ["€3.50"], "avoid_terms": []},
    {"id": "c", "question": "Snack after the gym?", "type": "preference", "accepted": ["yogurt"],
     "avoid_terms": ["peanut", "chicken"]},
    {"id": "d", "question": "Lunch with protein and the soup of Monday?", "type": "preference_and_fact",
     "accepted": ["leek soup"], "avoid_terms": ["chicken"]},
    {"id": "e", "question": "What did I eat yesterday?", "type": "unanswerable", "accepted": [], "avoid_terms": []},
]
REPLIES = {
    "Soup on Monday?": "Leek soup.",
    "Price of D-1?": "It costs €4.00.",
    "Snack after the gym?": "Peanut butter on toast.",
    "Lunch with protein and the soup of Monday?": "Leek soup with chicken.",
    "What did I eat yesterday?": "I don't know that.",
}


def scripted(questions, batch_size):
    return [REPLIES[q] for q in questions]


def test_scores_are_counted_per_kind_of_question_as_by_hand():
    row = benchmark.run([System("scripted", scripted, build_seconds=12.3, built_by="nothing")], QUESTIONS,
                        latency_questions=2)[0]
    # By hand: right a and d (b says €4.00), of a, b, c, d (c has accepted foods too): 2/4.
    assert row["right"] == [2, 4] and row["right by type"]["keyword"] == [0, 1]
    # c recommends peanut, d chicken: 0 of 2 kept.
    assert row["kept preferences"] == [0, 2]
    assert row["hallucinated"] == [0, 1]
    assert row["build seconds"] == 12.3 and row["answers"][1] == "It costs €4.00."
    assert row["answers per s"] > 0 and row["s per answer, batch 1"] >= 0 and row["peak MB"] > 0


def test_latency_questions_cover_several_types():
    asked = []

    def recording(questions, batch_size):
        if batch_size == 1:
            asked.extend(questions)
        return scripted(questions, batch_size)

    benchmark.run([System("r", recording)], QUESTIONS, latency_questions=3)
    assert asked == ["Soup on Monday?", "Price of D-1?", "Snack after the gym?"]


def test_every_system_gets_the_same_questions_and_rows_keep_their_order():
    seen = {}

    def make(name):
        def answer(questions, batch_size):
            seen.setdefault(name, []).append(list(questions))
            return scripted(questions, batch_size)
        return System(name, answer)

    rows = benchmark.run([make("one"), make("two")], QUESTIONS, latency_questions=0)
    assert [r["system"] for r in rows] == ["one", "two"] and seen["one"] == seen["two"]
    assert "one" in benchmark.table(rows) and "2/4 = 50%" in benchmark.table(rows)


def test_bad_input_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="at least one system"):
        benchmark.run([], QUESTIONS)
    with pytest.raises(ValueError, match="distinct"):
        benchmark.run([System("x", scripted), System("x", scripted)], QUESTIONS)
    with pytest.raises(ValueError, match="returned 1 answers for 5"):
        benchmark.run([System("short", lambda qs, b: ["x"])], QUESTIONS)
    with pytest.raises(ValueError, match="one answer per question"):
        benchmark.score(["a"], QUESTIONS)
