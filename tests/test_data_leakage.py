"""No paraphrase leakage, measured with the course embedder (all-MiniLM-L6-v2).

Lexical checks live in test_data.py; here a held-out prompt counts as a near-duplicate of
an earlier group's prompt when their cosine similarity reaches 0.95
(``course_lib.finetuning.curation.COSINE_THRESHOLD``). Every group is embedded once for the module.
"""
import pytest

from course_lib import data
from course_lib.finetuning.curation import COSINE_THRESHOLD, leakage_report


@pytest.fixture(scope="module")
def report(embedder):
    groups = {s: data.load_dialogues(s) for s in data.SPLITS}
    groups["questions"] = data.load_questions()
    return leakage_report(groups, embedder)


@pytest.mark.parametrize("split", ["test", "validation"])
def test_no_embedding_near_duplicates_of_train_prompts(report, split):
    leaks = [x for x in report.leaks if x.group == split and x.other_group == "train"]
    assert not leaks, [(x.text, x.other_text, x.score) for x in leaks]
    assert max(report.max_similarity(split, "train")) < COSINE_THRESHOLD


def test_questions_are_not_paraphrases_of_dialogue_prompts(report):
    leaks = [x for x in report.leaks if x.group == "questions"]
    assert not leaks, [(x.text, x.other_text, x.score) for x in leaks]
    assert max(max(report.max_similarity("questions", s)) for s in data.SPLITS) < COSINE_THRESHOLD
