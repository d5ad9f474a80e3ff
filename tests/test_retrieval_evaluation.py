"""Specification of course_lib.runs.lesson10_retrieval, lesson 10's full run: one row per method with
trec_eval scores and per-type counts, and the command itself on a tiny subset (on the shared tiny Llama and the real embedder)."""
import json

import pytest
from tiny_llama import use_tiny_llm

from course_lib.rag.pipeline import RAG_CHARS, first_chars
from course_lib.runs import lesson10_retrieval as retrieval_evaluation


def test_a_run_row_counts_gold_in_the_top_5_overall_and_per_type():
    run = {"q1": ["a", "b", "c", "d", "e", "f"], "q2": ["x", "y", "z", "w", "v", "g"], "q3": ["g"]}
    qrels = {"q1": {"c"}, "q2": {"g"}, "q3": {"g"}}
    qtype = {"q1": "menu", "q2": "menu", "q3": "keyword"}
    row = retrieval_evaluation.run_row("m", run, qrels, qtype, ms_per_query=1.0)
    # By hand: q1 finds c at rank 3, q2 finds g only at rank 6, q3 at rank 1.
    assert row["gold in top 5"] == [2, 3] and row["queries"] == 3
    assert row["by type"]["menu"]["gold in top 5"] == [1, 2] and row["by type"]["keyword"]["gold in top 5"] == [1, 1]
    assert row["mrr"] == pytest.approx(round((1 / 3 + 1 / 6 + 1) / 3, 4))
    assert row["by type"]["keyword"]["ndcg@10"] == 1.0 and row["ms_per_query"] == 1.0
    # the same per question, so two retrievers are compared query by query
    assert row["per question"]["gold in top 5"] == {"q1": 1, "q2": 0, "q3": 1}
    assert row["per question"]["rr"] == {"q1": 0.3333, "q2": 0.1667, "q3": 1.0}


def test_first_chars_cuts_each_passage_and_keeps_its_other_fields():
    cut = first_chars([{"id": "g", "text": "x" * 2000, "title": "T"}])
    assert cut == [{"id": "g", "text": "x" * RAG_CHARS, "title": "T"}]


@pytest.mark.slow
def test_the_full_run_command_writes_every_part_on_a_tiny_subset(tmp_path, tokenizer, monkeypatch):
    use_tiny_llm(monkeypatch, tokenizer, retrieval_evaluation)
    out = tmp_path / "lesson10.json"
    assert retrieval_evaluation.main(["--limit", "4", "--seeds", "0", "1", "--out", str(out)]) == 0
    stored = json.loads(out.read_text())
    by_name = {r["system"]: r for r in stored["rows"] if r["part"] == "retrievers"}
    assert {"BM25", "dense", "filtered BM25", "dense + LLM rerank", "HyDE", "HyDE averaged"} <= set(by_name)
    assert all(r["queries"] == 4 and r["gold in top 5"][1] == 4 for r in by_name.values())
    weighted = [r for r in stored["rows"] if r["part"] == "weighted hybrid"]
    assert [r["seed"] for r in weighted] == [0, 1] and all(0 <= r["weight"] <= 1 for r in weighted)
    rag = {r["system"]: r for r in stored["rows"] if r["part"] == "rag"}
    assert set(rag) == {"dense", "filtered BM25"} and all(r["right"][1] == 4 for r in rag.values())
    assert all(sum(r["per question"]["right"].values()) == r["right"][0] and len(r["answers"]) == 4 for r in rag.values())
    assert all(len(r["per question"]["weighted ndcg@10"]) == r["weighted gold in top 5"][1] for r in weighted)
