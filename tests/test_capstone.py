"""Specification of course_lib.runs.lesson11_benchmark, lesson 11's full benchmark: which questions it asks, and the command
itself on a tiny subset (on the shared tiny Llama: it trains and answers in seconds)."""
import json
from collections import Counter
from types import SimpleNamespace

import pytest
from tiny_llama import use_tiny_llm

from course_lib.evaluation import forgetting
from course_lib.finetuning import recipes
from course_lib.finetuning.recipes import SLICE
from course_lib.runs import lesson11_benchmark as capstone


def test_the_questions_are_the_slice_plus_every_unanswerable_and_preference_question():
    questions = capstone.benchmark_questions()
    facts = [q for q in questions if q["gold_doc_ids"]]
    assert facts and all(i.startswith(SLICE) for q in facts for i in q["gold_doc_ids"])
    counts = Counter(q["type"] for q in questions)
    assert counts["unanswerable"] == 24 and counts["preference"] == 24
    assert len(capstone.benchmark_questions(limit=5)) == 5


# Seven hand-written questions: 5 answerable (2 weekly_fact, 1 keyword, 1 preference, 1 preference_and_fact),
# 2 unanswerable. Two carry foods to avoid (q4, q5), so "kept preferences" is out of 2.
QUESTIONS = [
    {"id": "q1", "type": "weekly_fact", "question": "What is the soup on Monday 5 January 2026?",
     "accepted": ["leek soup"], "avoid_terms": [], "gold_doc_ids": ["menu-w02-mon"]},
    {"id": "q2", "type": "weekly_fact", "question": "What does the pudding cost on Tuesday 6 January 2026?",
     "accepted": ["€3.50", "3.50"], "avoid_terms": [], "gold_doc_ids": ["menu-w02-tue"]},
    {"id": "q3", "type": "keyword", "question": "How much did D-294 cost?",
     "accepted": ["€2.50", "2.50"], "avoid_terms": [], "gold_doc_ids": ["menu-w03-mon"]},
    {"id": "q4", "type": "preference", "question": "What should I eat after my strength session?",
     "accepted": ["tofu", "lentils"], "avoid_terms": ["chicken", "fish"], "gold_doc_ids": []},
    {"id": "q5", "type": "preference_and_fact", "question": "Pick my lunch for Wednesday 7 January 2026.",
     "accepted": ["lemon and dill tempeh"], "avoid_terms": ["chicken", "fish"], "gold_doc_ids": ["menu-w02-wed"]},
    {"id": "q6", "type": "unanswerable", "question": "What was the soup on Friday 2 January 2026?",
     "accepted": ["i don't know"], "avoid_terms": [], "gold_doc_ids": []},
    {"id": "q7", "type": "unanswerable", "question": "What will the soup cost on 15 April 2026?",
     "accepted": ["i don't know"], "avoid_terms": [], "gold_doc_ids": []},
]
# What each scripted system says; every question not listed gets "I don't know."
SCRIPTS = {
    "base": {"q1": "Tomato soup.", "q4": "Have the grilled chicken.", "q6": "It was pea soup.", "q7": "It costs €3."},
    "base + profile prompt": {"q4": "Tofu with rice.", "q6": "It was pea soup."},
    "RAG": {"q1": "The leek soup.", "q2": "It is €3.50.", "q4": "Lentils.", "q5": "The lemon and dill tempeh."},
    "RAG, oracle context": {"q1": "Leek soup.", "q2": "€3.50.", "q3": "It cost €2.50.", "q4": "Tofu.",
                            "q5": "Lemon and dill tempeh."},
    "RAG, distractors context": {"q1": "Pea soup.", "q2": "It is €2.00.", "q6": "It was pea soup."},
    "person LoRA": {"q4": "Lentils.", "q5": "Fish and chips.", "q7": "It costs €3."},
    "hybrid A: person LoRA + RAG": {"q1": "Leek soup.", "q3": "€2.50.", "q4": "Tofu.", "q5": "Lemon and dill tempeh."},
}
# Worked by hand from the scripts: right is out of the 5 answerable, kept preferences out of q4 and q5 (an answer
# keeps the preference unless it recommends chicken or fish), hallucinated out of q6 and q7 (any answer that does
# not admit not knowing).
EXPECTED = {   # system: (right, kept preferences, hallucinated)
    "base": ([0, 5], [1, 2], [2, 2]),                         # q4 recommends chicken; q6, q7 answered
    "base + profile prompt": ([1, 5], [2, 2], [1, 2]),        # q4 right; q6 answered
    "RAG": ([4, 5], [2, 2], [0, 2]),                          # q1 q2 q4 q5 right, q3 not known
    "RAG, oracle context": ([5, 5], [2, 2], [0, 2]),
    "RAG, distractors context": ([0, 5], [2, 2], [1, 2]),     # wrong soup and price; q6 answered
    "person LoRA": ([1, 5], [1, 2], [1, 2]),                  # q4 right; q5 recommends fish; q7 answered
    "hybrid A: person LoRA + RAG": ([4, 5], [2, 2], [0, 2]),  # q1 q3 q4 q5 right
}


def _scripted(system: str):
    by_text = {q["question"]: q["id"] for q in QUESTIONS}
    return lambda questions, batch_size: [SCRIPTS[system].get(by_text[t], "I don't know.") for t in questions]


@pytest.fixture
def scripted_models(monkeypatch):
    """The lesson 11 run functions with scripted answerers in place of the models: which script answers is
    decided by the arguments each system is built with (model, system prompt, retriever and its context mode)."""
    seen_gold = []

    def closed_book(model, tokenizer, system=None):
        name = {("base model", False): "base", ("base model", True): "base + profile prompt",
                ("lesson06-lora16 weights", False): "person LoRA"}[(model, system is not None)]
        return _scripted(name)

    def with_rag(retriever, documents, model, tokenizer):
        mode = getattr(retriever, "mode", "retrieved")
        if mode != "retrieved":
            assert retriever.inner == "BM25"
            seen_gold.append(retriever.gold)
        name = {("base model", "retrieved"): "RAG", ("base model", "oracle"): "RAG, oracle context",
                ("base model", "distractors"): "RAG, distractors context",
                ("lesson06-lora16 weights", "retrieved"): "hybrid A: person LoRA + RAG"}[(model, mode)]
        return _scripted(name)

    def built(name, tokenizer, seed):
        return SimpleNamespace(model=f"{name} weights", run=SimpleNamespace(settings={"train_examples": 120}, seconds=42.0))

    monkeypatch.setattr(capstone, "closed_book", closed_book)
    monkeypatch.setattr(capstone, "with_rag", with_rag)
    monkeypatch.setattr(capstone, "_built", built)
    return seen_gold


def test_the_untrained_and_trained_rows_count_exactly_what_scripted_systems_answered(scripted_models):
    documents = {d: {"id": d} for d in ("menu-w02-mon", "menu-w02-tue", "menu-w03-mon")}
    rows = (capstone.untrained_rows("base model", None, "BM25", documents, QUESTIONS, index_seconds=1.5)
            + capstone.trained_rows("lesson06-lora16", 7, None, "BM25", documents, QUESTIONS))
    assert [r["system"] for r in rows] == list(EXPECTED)
    for row in rows:
        system = row["system"]
        assert (row["right"], row["kept preferences"], row["hallucinated"]) == EXPECTED[system], system
        assert row["answers"] == [SCRIPTS[system].get(q["id"], "I don't know.") for q in QUESTIONS]
        assert row["part"] == "benchmark"
        # the same outcomes per question id, for paired tests between systems
        per = row["per question"]
        assert (sum(per["right"].values()), len(per["right"])) == tuple(row["right"]), system
        assert (sum(per["hallucinated"].values()), len(per["hallucinated"])) == tuple(row["hallucinated"]), system
    by_system = {r["system"]: r for r in rows}
    assert by_system["RAG"]["right by type"] == {"weekly_fact": [2, 2], "keyword": [0, 1], "preference": [1, 1],
                                                 "preference_and_fact": [1, 1]}
    # Untrained systems are greedy and run once (seed None); trained ones carry their seed and training cost.
    assert {r["seed"] for r in rows[:5]} == {None} and {r["seed"] for r in rows[5:]} == {7}
    assert [(r["build seconds"], r["built by"]) for r in rows] == (
        [(0.0, "")] * 2 + [(1.5, "BM25 index of 3 records")] * 3 + [(42.0, "training 120 examples")] * 2)
    # The oracle and distractor contexts were given every question's gold documents.
    gold = {q["question"]: q["gold_doc_ids"] for q in QUESTIONS}
    assert scripted_models == [gold, gold]


@pytest.mark.slow
def test_the_benchmark_command_writes_rows_for_every_system_on_a_tiny_subset(tmp_path, tokenizer, monkeypatch):
    use_tiny_llm(monkeypatch, tokenizer, capstone, forgetting, recipes)
    out = tmp_path / "lesson11.json"
    assert capstone.main(["--limit", "3", "--seeds", "0", "--parts", "untrained", "trained", "forget",
                          "--systems", "lesson06-lora16", "--forget-facts", "8", "--out", str(out)]) == 0
    stored = json.loads(out.read_text())
    assert stored["runs"][0]["command"].startswith("python -m course_lib.runs.lesson11_benchmark --limit 3")
    rows = {(r["part"], r["system"]): r for r in stored["rows"]}
    types = [q["type"] for q in capstone.benchmark_questions(limit=3)]
    unanswerable = types.count("unanswerable")
    answerable = len(types) - unanswerable
    for system in ("base", "base + profile prompt", "RAG", "RAG, oracle context", "RAG, distractors context",
                   "person LoRA", "hybrid A: person LoRA + RAG"):
        # A tiny random model: the counts of right answers are noise (the scripted test above checks them);
        # what each row is out of is known: the answerable and the unanswerable ones among the 3 questions.
        row = rows[("benchmark", system)]
        assert (row["right"][1], row["hallucinated"][1]) == (answerable, unanswerable), system
        assert len(row["answers"]) == 3
    assert rows[("benchmark", "RAG")]["prompt tokens"] > rows[("benchmark", "base")]["prompt tokens"]
    assert rows[("forget", "RAG, record deleted")]["leaks"][0] == 0
    assert rows[("forget", "facts LoRA trained with the record")]["seconds"] > 0


def test_recall_rows_key_each_held_out_fact_so_the_two_facts_loras_of_a_seed_are_paired(monkeypatch, scripted_models):
    monkeypatch.setattr(capstone, "closed_book", lambda model, tokenizer: lambda qs, batch_size: [
        SimpleNamespace(text="I don't know.") for _ in qs])
    rows = capstone.recall_rows(None, seed=0)
    assert [r["system"] for r in rows] == ["lesson11-facts1", "lesson11-facts5"]
    assert rows[0]["per question"]["right"].keys() == rows[1]["per question"]["right"].keys()
    assert len(rows[0]["per question"]["right"]) == rows[0]["right"][1] == 40
