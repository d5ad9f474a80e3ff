"""Stored answers are graded again with today's grader: counts and per-question outcomes follow the answers.

Every long run stores its answers beside its grades, so a fix to the grader reaches the committed results
without re-running a model (``python -m course_lib.runs.<run> --regrade``).
"""
import json

from course_lib import data, results
from course_lib.finetuning import recipes
from course_lib.runs import lesson06_sweeps, lesson07_evaluation, lesson09_rag, lesson11_benchmark

GOOD = "- 150 g Greek yogurt: 15 g protein\n- 100 g tofu: 12 g protein"
BAD = "Have the chicken wrap."


def test_a_sweep_row_is_graded_from_its_answers_and_a_row_without_answers_keeps_its_grades():
    ids = recipes.held_out_ids(2)
    row = {"sweep": "prompt", "value": 32, "seed": 0, "no violation": [0, 2], "answers": [GOOD, BAD]}
    graded = lesson06_sweeps.grade_row(row)
    assert graded["no violation"] == [1, 2] and graded["wanted format"] == [1, 2]
    assert graded["per question"]["no violation"] == {ids[0]: 1, ids[1]: 0}
    assert lesson06_sweeps.grade_row({"sweep": "rank", "value": 1, "seed": 0, "no violation": [5, 8]}) is None


def test_a_lesson07_row_is_graded_again_and_keeps_bleu_and_perplexity():
    general = [q["accepted"][0] for q in data.load_general_questions()]
    row = {"system": "x", "seed": 0, "no violation": [0, 2], "wanted format": [0, 2], "general questions": [0, 40],
           "BLEU": 3.1, "perplexity": 9.9, "answers": [GOOD, BAD], "general answers": general}
    graded = lesson07_evaluation.grade_row(row)
    assert (graded["no violation"], graded["wanted format"], graded["general questions"]) == ([1, 2], [1, 2], [40, 40])
    assert (graded["BLEU"], graded["perplexity"]) == (3.1, 9.9)


def test_a_lesson09_row_counts_reading_failures_from_its_stored_gold_in_prompt():
    qs = [q for q in data.load_questions(["static_fact"])][:2]
    row = {"part": "accuracy", "system": "RAG", "seed": None, "right": [0, 2],
           "answers": {qs[0]["id"]: f"It is {qs[0]['accepted'][0]}.", qs[1]["id"]: "No idea what that is."},
           "per question": {"gold in prompt": {qs[0]["id"]: 1, qs[1]["id"]: 1}}, "contexts": {}}
    graded = lesson09_rag.grade_row(row)
    assert graded["right"] == [1, 2] and graded["reading failures"] == 1 and graded["retrieval failures"] == 0
    assert graded["per question"]["right"] == {qs[0]["id"]: 1, qs[1]["id"]: 0}
    assert lesson09_rag.grade_row({"part": "latency", "system": "RAG", "seed": None}) is None


def test_a_benchmark_row_is_graded_from_its_answers_on_the_benchmark_questions():
    questions = lesson11_benchmark.benchmark_questions()
    answers = ["I don't know."] * len(questions)
    row = {"part": "benchmark", "system": "x", "seed": 0, "right": [9, 9], "answers": answers}
    graded = lesson11_benchmark.grade_row(row, questions)
    unanswerable = sum(q["type"] == "unanswerable" for q in questions)
    assert graded["right"][0] == 0 and graded["hallucinated"] == [0, unanswerable]
    assert lesson11_benchmark.grade_row({"part": "recall", "system": "x", "seed": 0}, questions) is None


def test_regrading_a_file_writes_the_new_grades_and_counts_the_outcomes_that_moved(tmp_path):
    path = tmp_path / "sweeps.json"
    row = {"sweep": "prompt", "value": 32, "seed": 0, "answers": [GOOD, BAD],
           "per question": {"no violation": dict(zip(recipes.held_out_ids(2), (0, 0), strict=True))}}
    results.save([row], "make sweeps", path, key=("sweep", "value", "seed"))
    summary = results.regrade(str(path), lesson06_sweeps.grade_row, ("sweep", "value", "seed"), "--regrade")
    assert summary == {"regraded": 1, "kept": 0, "changed outcomes": 1, "moved": []}
    stored = json.loads(path.read_text())
    assert stored["rows"][0]["no violation"] == [1, 2] and stored["runs"][-1]["command"] == "--regrade"
