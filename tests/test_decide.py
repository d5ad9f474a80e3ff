"""Specification of course_lib.choosing.decide: the decision guide, its data, widget and checks."""
import re
from dataclasses import asdict
from pathlib import Path

import pytest

from course_lib.choosing import decide
from course_lib.choosing.decide import (
    CLAIMS,
    DIET_BOT,
    QUESTIONS,
    RULES,
    Project,
    comparison_markdown,
    questionnaire,
    recommend,
)
from course_lib.exercises.lesson03 import NEEDS, check_flip, check_needs

FIELDS = list(QUESTIONS)

# name, answers in QUESTIONS order, expected choice, a field whose reason must appear
CASES = [
    ("diet-bot: person + weekly menu", "both yes many often yes relaxed limited yes", "hybrid", "need_sources"),
    ("canteen menu Q&A", "facts yes none often yes relaxed none no", "RAG", "knowledge_changes"),
    ("brand voice rewriter", "behaviour no many rarely no strict ample yes", "fine-tuning", "tone_control"),
    ("support bot: weekly docs + house style", "both yes many often no relaxed limited yes", "hybrid",
     "tone_control"),
    ("stable facts with documents stay with RAG under tight latency", "facts yes many rarely no strict ample no",
     "RAG", "latency"),
    ("stable handbook, no examples", "facts yes none rarely no relaxed limited no", "RAG",
     "labelled_examples"),
    ("tie goes to RAG", "facts yes many rarely no strict limited no", "RAG", "documents"),
    ("legal search with citations", "facts yes few sometimes yes relaxed none no", "RAG", "need_sources"),
]


def project(answers: str) -> Project:
    return Project(*answers.split())


@pytest.mark.parametrize("name, answers, expected, driver", CASES, ids=[c[0] for c in CASES])
def test_recommendation_table(name, answers, expected, driver):
    rec = recommend(project(answers))
    assert rec.choice == expected, str(rec)
    assert any(r.startswith(f"{driver}=") for r in rec.reasons), rec.reasons


def test_every_reason_names_the_answer_that_drove_it():
    rec = recommend(DIET_BOT)  # both yes many often yes relaxed limited yes
    scored = [r.split(":")[0] for r in rec.reasons if "=" in r.split(":")[0]]
    # Worked by hand from the rules table: relaxed latency and limited resources move no score.
    assert scored == ["task='both'", "documents='yes'", "labelled_examples='many'", "knowledge_changes='often'",
                      "need_sources='yes'", "tone_control='yes'"]


def test_scores_add_up_the_rule_points_worked_by_hand():
    # task both +2/+2, documents yes +1/0, few examples 0/+1, sometimes +1/0,
    # sources no 0/0, strict latency -1/0, no training resources 0/-2, tone yes 0/+2
    assert recommend(project("both yes few sometimes no strict none yes")).scores == {"RAG": 3, "fine-tuning": 3}
    # the diet-bot: 2+1+0+2+2 = 7 for RAG, 2+0+2-1+0+2 = 5 for fine-tuning
    assert recommend(DIET_BOT).scores == {"RAG": 7, "fine-tuning": 5}


def test_hybrid_needs_both_scores_at_four():
    assert recommend(DIET_BOT).choice == "hybrid" and "Both scores" in recommend(DIET_BOT).reasons[-1]
    # 3 and 3 (worked above): both short of four, so no hybrid; the tie goes to RAG
    assert recommend(project("both yes few sometimes no strict none yes")).choice == "RAG"


def test_weak_case_says_neither_fits():
    rec = recommend(project("behaviour no none sometimes no relaxed none no"))
    assert any("Neither approach fits" in r for r in rec.reasons)


def test_recommend_accepts_a_dict_of_answers():
    assert recommend(asdict(DIET_BOT)).choice == recommend(DIET_BOT).choice


def test_str_and_html_show_choice_and_reasons():
    rec = recommend(DIET_BOT)
    assert str(rec).startswith("Recommendation: hybrid")
    assert rec.to_html().count("<li>") == len(rec.reasons)


# --- bad input -------------------------------------------------------------------------------

def test_unknown_value_names_the_allowed_values():
    with pytest.raises(ValueError, match=r"latency='fast'.*'relaxed', 'strict'"):
        DIET_BOT.replace(latency="fast")


def test_missing_field_names_it_and_its_allowed_values():
    answers = asdict(DIET_BOT)
    del answers["need_sources"]
    with pytest.raises(ValueError, match=r"missing answers for: need_sources \(one of 'yes', 'no'\)"):
        recommend(answers)


def test_unknown_field_lists_the_real_fields():
    with pytest.raises(ValueError, match=r"unknown field\(s\) budget.*the fields are: task"):
        Project.from_answers({**asdict(DIET_BOT), "budget": "low"})


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="Project or a dict"):
        recommend(["both"])
    with pytest.raises(TypeError, match="dict of field"):
        Project.from_answers("both yes")


# --- data ------------------------------------------------------------------------------------

def test_comparison_markdown_renders_each_row_as_a_table_row():
    rows = [decide.Row("Latency", "adds a search", "none added"), decide.Row("Cost", "low", "high")]
    lines = comparison_markdown(rows).splitlines()
    assert lines == ["| aspect | RAG | fine-tuning |", "|---|---|---|",
                     "| **Latency** | adds a search | none added |", "| **Cost** | low | high |"]


def test_claims_point_at_later_lessons_of_the_readme_table():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    later = set(re.findall(r"^\| (0[5-9]|1[01]) \|", readme, re.M))
    assert len(later) == 7, "the README lists lessons 05-11"
    for claim in CLAIMS:
        assert set(claim.lesson.split(", ")) <= later, f"{claim.claim!r} points at {claim.lesson}"


def test_every_rule_refers_to_an_allowed_answer():
    for field, value in RULES:
        assert value in QUESTIONS[field][1]


# --- widget ----------------------------------------------------------------------------------

def test_questionnaire_updates_the_verdict_when_an_answer_changes():
    box = questionnaire()
    dropdowns, verdict = box.children[:-1], box.children[-1]
    assert [d.value for d in dropdowns] == [getattr(DIET_BOT, f) for f in FIELDS]
    assert "Recommendation: hybrid" in verdict.value
    dropdowns[FIELDS.index("tone_control")].value = "no"
    dropdowns[FIELDS.index("labelled_examples")].value = "none"
    assert "Recommendation: RAG" in verdict.value


# --- exercise checks -------------------------------------------------------------------------

def test_checks_say_what_is_wrong_and_give_a_hint():
    right = check_flip(DIET_BOT.replace(tone_control="no"))
    assert right and str(right).startswith("✅")
    wrong = check_flip(DIET_BOT.replace(latency="strict"))
    assert not wrong and "changing latency gives 'hybrid', not 'RAG'" in str(wrong) and "Hint" in str(wrong)
    partial = dict(NEEDS)
    partial.pop(next(iter(NEEDS)))
    assert "no approach given for" in str(check_needs(partial))


def test_check_needs():
    assert check_needs(dict(NEEDS))
    assert not check_needs(...)
    assert not check_needs({k: "RAG" for k in NEEDS})
    partial = dict(NEEDS)
    partial.pop(next(iter(NEEDS)))
    assert not check_needs(partial)


def test_check_flip():
    assert check_flip(DIET_BOT.replace(tone_control="no"))
    assert not check_flip(DIET_BOT)  # nothing changed
    assert not check_flip(DIET_BOT.replace(tone_control="no", latency="strict"))
    assert not check_flip(DIET_BOT.replace(latency="strict"))
    assert not check_flip("tone_control")

