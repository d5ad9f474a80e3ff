"""Specification of course_lib.runs.lesson09_rag, lesson 09's full run: the gold-context stand-in retriever,
failure counts, and the command itself on a tiny subset (on the shared tiny Llama and the real embedder)."""
import json

import pytest
from tiny_llama import use_tiny_llm

from course_lib import data
from course_lib.rag.pipeline import RagAnswer
from course_lib.rag.vectorstore import Hit
from course_lib.runs import lesson09_rag as rag_evaluation


class RankAll:
    """A retriever that ranks the chunks in a fixed order, whatever the question."""

    def __init__(self, ids):
        self.ids = ids

    def __len__(self):
        return len(self.ids)

    def search(self, query, k):
        return [Hit(i, 1.0, {}) for i in self.ids[:k]]


DOCUMENTS = {
    "menu-a#0": {"title": "Menu A", "text": "Soup: leek."},
    "guide-1#0": {"title": "Guide", "text": "Opening hours."},
    "guide-1#1": {"title": "Guide", "text": "The chef is Tomasz Wróbel."},
}


def test_gold_passages_put_the_gold_chunk_holding_the_answer_first():
    q = {"question": "Who is the chef?", "accepted": ["wróbel"], "gold_doc_ids": ["guide-1"]}
    gold = rag_evaluation.GoldPassages(RankAll(list(DOCUMENTS)), DOCUMENTS, [q])
    # By hand: of guide-1's chunks only #1 holds "wróbel", so it comes first, then the other gold chunk.
    assert [h.id for h in gold.search(q["question"], 2)] == ["guide-1#1"]
    q2 = {"question": "Opening?", "accepted": ["8:00"], "gold_doc_ids": ["guide-1"]}
    gold = rag_evaluation.GoldPassages(RankAll(list(DOCUMENTS)), DOCUMENTS, [q2])
    assert [h.id for h in gold.search("Opening?", 2)] == ["guide-1#0", "guide-1#1"]   # none holds it: all gold chunks


def test_rates_split_wrong_answers_into_reading_and_retrieval_failures():
    def answer(text, context):
        return RagAnswer("q", text, [], context, 10, 0.0, 0.1, context)

    questions = [{"id": f"q{i}", "type": "static_fact", "accepted": ["12 g"], "gold_doc_ids": ["nut-1"]} for i in range(3)]
    questions += [{"id": "q3", "type": "unanswerable", "accepted": [], "gold_doc_ids": []}]
    answers = [answer("It has 12 g.", ["nut-1#0"]), answer("It has 3 g.", ["nut-1#0"]),
               answer("It has 3 g.", ["nut-9#0"]), answer("I don't know.", ["nut-9#0"])]
    row = rag_evaluation.rates_row(answers, questions)
    # By hand: 1 right; 1 wrong with the gold chunk shown (reading), 1 wrong without (retrieval); 0/1 hallucinated.
    assert row["right"] == [1, 3] and row["reading failures"] == 1 and row["retrieval failures"] == 1
    assert row["gold in prompt"] == [2, 3] and row["hallucinated"] == [0, 1]
    # and the same outcomes per question id, for paired comparisons, with the answers themselves
    assert row["per question"] == {"right": {"q0": 1, "q1": 0, "q2": 0}, "gold in prompt": {"q0": 1, "q1": 1, "q2": 0},
                                   "hallucinated": {"q3": 0}}
    assert row["answers"]["q3"] == "I don't know." and row["contexts"]["q2"] == ["nut-9#0"]


@pytest.mark.slow
def test_the_full_run_command_writes_every_part_on_a_tiny_subset(tmp_path, tokenizer, monkeypatch):
    use_tiny_llm(monkeypatch, tokenizer, rag_evaluation)
    out = tmp_path / "lesson09.json"
    assert rag_evaluation.main(["--limit", "2", "--parts", "accuracy", "safety", "latency", "--out", str(out)]) == 0
    stored = json.loads(out.read_text())
    assert stored["runs"][0]["command"].startswith("python -m course_lib.runs.lesson09_rag --limit 2")
    rows = {(r["part"], r["system"]): r for r in stored["rows"]}
    assert rows[("accuracy", "RAG")]["right"][1] == 2 and rows[("accuracy", "RAG")]["hallucinated"][1] == 2
    assert rows[("accuracy", "gold context")]["gold in prompt"] == [2, 2]
    assert "gold in prompt" not in rows[("accuracy", "closed book")]
    assert set(rows[("accuracy", "RAG")]["per question"]["right"]) <= {q["id"] for q in data.load_questions()}
    safety = [r for r in stored["rows"] if r["part"] == "safety"]
    assert len(safety) == 8 and all(r["retrieved by"][1] == 2 and r["mentions"][1] == r["retrieved by"][0] for r in safety)
    assert rows[("latency", "RAG")]["retrieval s"] > 0 == rows[("latency", "closed book")]["retrieval s"]
