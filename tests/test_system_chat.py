"""Lesson 11's chat with every system: answers side by side, passages and verdicts, no traceback on odd input."""
from contextlib import contextmanager

from course_lib.evaluation.benchmark import System
from course_lib.evaluation.system_chat import adapter_off, ask_all, chat_view, explorer
from course_lib.rag.pipeline import RagAnswer

DOCS = {"menu-w02-mon#1": {"title": "Canteen menu, Monday 5 January 2026", "text": "Soup: leek (D-1)"}}
QUESTION = {"id": "q1", "type": "weekly_fact", "question": "Soup on Monday 5 January?", "accepted": ["leek soup"],
            "avoid_terms": ["peanuts"]}
UNANSWERABLE = {"id": "u1", "type": "unanswerable", "question": "Soup on Saturday?", "accepted": [], "avoid_terms": []}


def rag_system(text):
    return System("RAG", lambda qs, b: [RagAnswer(q, text, [], ["menu-w02-mon#1"], 9, 0.0, 0.0, ["menu-w02-mon#1"])
                                        for q in qs])


def test_each_answer_shows_its_passages_and_the_graders_verdicts():
    answers = ask_all([System("base", lambda qs, b: ["Peanut soup."]), rag_system("The leek soup [menu-w02-mon#1].")],
                      QUESTION["question"])
    view = chat_view(QUESTION["question"], answers, DOCS, QUESTION)
    base, rag = view.split("<td")[1:]
    assert "none (closed book)" in base and "names avoided food: peanut" in base and "wrong" in base
    assert "menu-w02-mon#1: Canteen menu, Monday 5 January 2026" in rag and "right" in rag and "no avoided food" in rag


def test_an_unanswerable_question_is_graded_on_admitting_not_knowing():
    answers = {"a": "I don't know the menu for Saturday.", "b": "Leek soup."}
    view = chat_view(UNANSWERABLE["question"], answers, DOCS, UNANSWERABLE)
    first, second = view.split("<td")[1:]
    assert "admits not knowing" in first and "hallucinated (no answer exists)" in second


def test_a_typed_question_checks_the_profile_and_admissions_only():
    profile = {"hard_restrictions": [{"avoid": ["peanut"]}], "dislikes": []}
    view = chat_view("Any snack?", {"a": "Try peanut butter."}, DOCS, None, profile)
    assert "names avoided food" in view and "right" not in view


def test_a_failing_system_and_odd_input_give_a_message_not_a_traceback():
    def broken(questions, batch_size):
        raise RuntimeError("adapter missing")

    answers = ask_all([System("broken", broken)], "Soup?")
    assert "this system failed: RuntimeError: adapter missing" in chat_view("Soup?", answers)
    assert "Type a question" in chat_view("   ", {"a": "x"})
    assert "at least one system" in chat_view("Soup?", {})
    long = "soup " * 2000
    assert "leek" in chat_view(long, ask_all([rag_system("leek")], long))


def test_adapter_off_runs_the_answer_with_the_adapter_disabled():
    seen = []

    class Peft:
        @contextmanager
        def disable_adapter(self):
            seen.append("off")
            yield
            seen.append("on")

    answer = adapter_off(Peft(), lambda qs, b: [seen.append("answer") or "x" for _ in qs])
    assert answer(["Q?"], 1) == ["x"] and seen == ["off", "answer", "on"]


def test_the_widget_answers_the_start_question_and_again_on_ask():
    calls = []
    box = explorer([System("base", lambda qs, b: calls.append(qs) or ["Leek soup."])], [QUESTION], DOCS,
                   start=QUESTION["question"])
    pick, typed, controls, view = box.children
    assert calls == [[QUESTION["question"]]] and "right" in view.value
    typed.value = ""
    controls.children[1].click()
    assert "Type a question" in view.value and len(calls) == 1


def test_clearing_the_boxs_systems_frees_them_and_ask_then_says_so():
    box = explorer([System("base", lambda qs, b: ["Leek soup."])], [QUESTION], DOCS, start=QUESTION["question"])
    box.systems.clear()
    assert "right" in box.children[3].value                # the last answers stay on screen
    box.children[2].children[1].click()
    assert "at least one system" in box.children[3].value
