"""Lesson 10's retrieval explorer: rankings side by side, gold marked, metrics for a test question."""
from course_lib.rag.retrievers import BM25Retriever
from course_lib.rag.retrieval_explorer import compare_view, explorer
from course_lib.rag.vectorstore import Hit

DOCS = [("soup-1", "leek soup with potato"), ("dal-2", "red lentil dal"), ("oats-3", "oat porridge with berries")]
QUESTION = {"id": "q1", "question": "Which soup has leek?", "gold_doc_ids": ["soup-1"]}


class Broken:
    records = {}

    def search(self, query, k):
        raise RuntimeError("index not built")


def test_a_test_question_gets_its_gold_marked_and_its_metrics():
    view = compare_view(QUESTION["question"], {"BM25": BM25Retriever(DOCS)}, QUESTION["gold_doc_ids"])
    assert "soup-1 ✓" in view and "nDCG@10 1.00" in view and "success@5 yes" in view


def test_a_typed_question_shows_rankings_without_metrics():
    view = compare_view("porridge", {"BM25": BM25Retriever(DOCS)})
    assert "oats-3" in view and "no gold documents" in view


def test_unexpected_input_gives_a_message_not_a_traceback():
    assert "Type a question" in compare_view("  ", {"BM25": BM25Retriever(DOCS)})
    assert "at least one retriever" in compare_view("soup", {})
    assert "could not search: RuntimeError" in compare_view("soup", {"broken": Broken()})
    assert "no document matched" in compare_view("zzz", {"empty": type("E", (), {"search": lambda self, q, k: []})()})


def test_the_widget_redraws_when_a_question_is_picked():
    box = explorer({"BM25": BM25Retriever(DOCS)}, [QUESTION])
    pick, typed, controls, view = box.children
    assert "Type a question" in view.value
    pick.value = QUESTION["question"]
    assert typed.value == QUESTION["question"] and "soup-1 ✓" in view.value


def test_hits_are_read_by_id_and_score():
    assert Hit("a", 0.5, {}).id == "a"
