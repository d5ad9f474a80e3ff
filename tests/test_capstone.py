"""Specification of course_lib.runs.lesson11_benchmark, lesson 11's full benchmark: which questions it asks, and the command
itself on a tiny subset (slow: it loads the models and trains)."""
import json
from collections import Counter

import pytest

from course_lib.runs import lesson11_benchmark as capstone
from course_lib.finetuning.recipes import SLICE


def test_the_questions_are_the_slice_plus_every_unanswerable_and_preference_question():
    questions = capstone.benchmark_questions()
    facts = [q for q in questions if q["gold_doc_ids"]]
    assert facts and all(i.startswith(SLICE) for q in facts for i in q["gold_doc_ids"])
    counts = Counter(q["type"] for q in questions)
    assert counts["unanswerable"] == 24 and counts["preference"] == 24
    assert len(capstone.benchmark_questions(limit=5)) == 5


@pytest.mark.slow
def test_the_benchmark_command_writes_rows_for_every_system_on_a_tiny_subset(tmp_path):
    out = tmp_path / "lesson11.json"
    assert capstone.main(["--limit", "3", "--seeds", "0", "--parts", "untrained", "trained", "forget",
                          "--systems", "lesson06-lora16", "--forget-facts", "8", "--out", str(out)]) == 0
    stored = json.loads(out.read_text())
    assert stored["runs"][0]["command"].startswith("python -m course_lib.runs.lesson11_benchmark --limit 3")
    rows = {(r["part"], r["system"]): r for r in stored["rows"]}
    for system in ("base", "base + profile prompt", "RAG", "RAG, oracle context", "RAG, distractors context",
                   "person LoRA", "hybrid A: person LoRA + RAG"):
        right, asked = rows[("benchmark", system)]["right"]
        assert 0 <= right <= asked <= 3 and len(rows[("benchmark", system)]["answers"]) == 3
    assert rows[("benchmark", "RAG")]["prompt tokens"] > rows[("benchmark", "base")]["prompt tokens"]
    assert rows[("forget", "RAG, record deleted")]["leaks"][0] == 0
    assert rows[("forget", "facts LoRA trained with the record")]["seconds"] > 0
