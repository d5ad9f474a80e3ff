"""Specification of the decision guide's verdicts (course_lib.choosing.decide) and lesson 03's new checks.

The guide never recommends an approach whose answers count against it, falls back to
"start with a prompt" when neither approach scores above zero, and does not send
stable *facts* to fine-tuning (retrieval injects knowledge better: Ovadia et al. 2024).
"""
import itertools

import pytest

from course_lib.choosing.decide import (
    DIET_BOT,
    PROMPT_FIRST,
    QUESTIONS,
    RULES,
    TASK_RULES,
    Project,
    questionnaire,
    recommend,
)
from course_lib.exercises.lesson03 import HANDBOOK, check_prediction

FIELDS = list(QUESTIONS)
EVERY_PROJECT = [Project(*values) for values in itertools.product(*(list(QUESTIONS[f][1]) for f in FIELDS))]


def project(answers: str) -> Project:
    return Project(*answers.split())


def test_the_property_runs_over_every_possible_project():
    # 3 tasks x 2 x 3 x 3 x 2 x 2 x 3 x 2 x 2 (privacy) x 2 (volume) answers
    assert len(EVERY_PROJECT) == 5184


def test_no_recommended_approach_ever_has_a_negative_or_zero_score():
    for p in EVERY_PROJECT:
        rec = recommend(p, cite=False)        # the verdict, not its evidence, is under test here
        if rec.choice == "hybrid":
            assert min(rec.scores.values()) > 0, (p, rec.scores)
        elif rec.choice != PROMPT_FIRST:
            assert rec.scores[rec.choice] > 0, (p, rec.scores)


def test_start_with_a_prompt_exactly_when_neither_score_is_positive():
    for p in EVERY_PROJECT:
        rec = recommend(p, cite=False)        # the verdict, not its evidence, is under test here
        assert (rec.choice == PROMPT_FIRST) == (max(rec.scores.values()) <= 0), (p, rec.scores)


def test_a_wish_with_no_data_starts_with_a_prompt():
    # behaviour +0/+2, no documents -2/0, no examples 0/-3, monthly +1/0, no budget 0/-2: RAG -1, fine-tuning -3
    rec = recommend(project("behaviour no none sometimes no relaxed none no"))
    assert rec.scores == {"RAG": -1, "fine-tuning": -3}
    assert rec.choice == "start with a prompt"
    assert "start with a prompt" in rec.reasons[-1]


def test_a_zero_score_is_not_enough_to_recommend_rag():
    # behaviour 0/+2, no documents -2/0, no examples 0/-3, weekly +2/-1: RAG 0, fine-tuning -2
    rec = recommend(project("behaviour no none often no relaxed limited no"))
    assert rec.scores == {"RAG": 0, "fine-tuning": -2}
    assert rec.choice == "start with a prompt"


def test_stable_facts_favour_retrieval_not_fine_tuning():
    rec = recommend(project("facts yes none rarely no relaxed limited no"))
    reason = next(r for r in rec.reasons if r.startswith("knowledge_changes="))
    assert "(+1 RAG)" in reason and "fine-tuning" not in reason.split("(")[-1]
    assert "Ovadia" in reason


def test_stable_behaviour_favours_fine_tuning():
    rec = recommend(project("behaviour no many rarely no relaxed limited yes"))
    reason = next(r for r in rec.reasons if r.startswith("knowledge_changes="))
    assert reason.endswith("(+1 fine-tuning).")


def test_no_answer_about_stable_knowledge_adds_fine_tuning_points_for_a_facts_task():
    for p in EVERY_PROJECT:
        if p.task == "facts" and p.knowledge_changes == "rarely":
            other = p.replace(knowledge_changes="sometimes")  # +1 RAG, nothing for fine-tuning
            assert recommend(p, cite=False).scores["fine-tuning"] == recommend(other, cite=False).scores["fine-tuning"]


def test_a_handbook_of_stable_facts_with_many_examples_is_a_rag_project():
    # facts +2/0, documents +1/0, many examples 0/+2, rarely (facts) +1/0, ample 0/+1: RAG 4, fine-tuning 3
    rec = recommend(HANDBOOK)
    assert rec.scores == {"RAG": 4, "fine-tuning": 3} and rec.choice == "RAG"


def test_the_diet_bot_stays_a_hybrid():
    assert recommend(DIET_BOT).choice == "hybrid" and recommend(DIET_BOT).scores == {"RAG": 7, "fine-tuning": 5}


def test_task_rules_cover_every_task_and_allowed_answers_only():
    for field, value, task in TASK_RULES:
        assert value in QUESTIONS[field][1] and task in QUESTIONS["task"][1]
        assert (field, value) not in RULES, "one answer, one home: either RULES or TASK_RULES"
    assert {t for _, _, t in TASK_RULES} == set(QUESTIONS["task"][1])


def test_questionnaire_shows_start_with_a_prompt():
    box = questionnaire(project("behaviour no none sometimes no relaxed none no"))
    assert "Recommendation: start with a prompt" in box.children[-1].value


# --- exercise 3: predict, then run ----------------------------------------------------------

def test_a_right_prediction_passes_and_a_wrong_one_names_the_real_verdict():
    assert check_prediction("RAG")
    wrong = check_prediction("fine-tuning")
    assert not wrong and "the guide says 'RAG' (RAG 4, fine-tuning 3)" in str(wrong)
    assert "Hint" in str(wrong)


@pytest.mark.parametrize("bad", [..., None, "rag", 3])
def test_a_missing_or_unknown_prediction_is_not_accepted(bad):
    feedback = check_prediction(bad)
    assert not feedback and "Hint" in str(feedback)


def test_a_prediction_for_another_project_is_checked_against_that_project():
    assert check_prediction("start with a prompt", project("behaviour no none sometimes no relaxed none no"))
