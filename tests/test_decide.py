"""Specification of course_lib.decide: the decision guide, its data, widget and checks."""
from dataclasses import asdict

import pytest

from course_lib import decide
from course_lib.decide import (CLAIMS, COMPARISON, DIET_BOT, QUESTIONS, RULES, Project,
                               comparison_markdown, questionnaire, recommend)
from course_lib.exercises.lesson03 import NEEDS, check_flip, check_needs

FIELDS = list(QUESTIONS)

# name, answers in QUESTIONS order, expected choice, a field whose reason must appear
CASES = [
    ("diet-bot: person + weekly menu", "both yes many often yes relaxed limited yes", "hybrid", "need_sources"),
    ("canteen menu Q&A", "facts yes none often yes relaxed none no", "RAG", "knowledge_changes"),
    ("brand voice rewriter", "behaviour no many rarely no strict ample yes", "fine-tuning", "tone_control"),
    ("support bot: weekly docs + house style", "both yes many often no relaxed limited yes", "hybrid",
     "tone_control"),
    ("stable facts, many examples, tight latency", "facts yes many rarely no strict ample no",
     "fine-tuning", "latency"),
    ("stable handbook, no examples", "facts yes none rarely no relaxed limited no", "RAG",
     "labelled_examples"),
    ("tie goes to RAG", "facts yes many rarely no relaxed limited no", "RAG", "documents"),
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
    rec = recommend(DIET_BOT)
    scored = [r for r in rec.reasons if "=" in r.split(":")[0]]
    for reason in scored:
        field, value = reason.split(":")[0].split("=")
        assert getattr(DIET_BOT, field) == value.strip("'")
    # one reason per answer that moved a score, and nothing else tagged with a field
    moving = [f for f in FIELDS if RULES.get((f, getattr(DIET_BOT, f)), (0, 0, ""))[:2] != (0, 0)]
    assert [r.split("=")[0] for r in scored] == moving


def test_scores_are_the_sum_of_the_rules():
    p = project("both yes few sometimes no strict none yes")
    rag = sum(RULES.get((f, getattr(p, f)), (0, 0, ""))[0] for f in FIELDS)
    ft = sum(RULES.get((f, getattr(p, f)), (0, 0, ""))[1] for f in FIELDS)
    assert recommend(p).scores == {"RAG": rag, "fine-tuning": ft}


def test_hybrid_needs_both_scores_at_threshold():
    rec = recommend(DIET_BOT)
    assert min(rec.scores.values()) >= decide.HYBRID_MIN
    assert "Both scores" in rec.reasons[-1]


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

def test_comparison_covers_the_ten_aspects():
    aspects = [r.aspect for r in COMPARISON]
    assert aspects == ["Data source", "Changes to the model", "Flexibility", "Use cases", "Performance",
                       "Resource needs", "Scalability", "Maintenance", "Latency", "Transparency"]
    table = comparison_markdown()
    assert table.count("\n") == len(COMPARISON) + 2 and "| **Latency** |" in table


def test_claims_point_at_lessons_05_to_11():
    lessons = {int(n) for c in CLAIMS for n in c.lesson.split(", ")}
    assert lessons >= {5, 6, 7, 9, 10, 11}
    assert all(c.claim and c.measure for c in CLAIMS)


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

def test_checks_print_what_is_wrong_and_a_hint(capsys):
    assert check_flip(DIET_BOT.replace(tone_control="no")) is True
    assert capsys.readouterr().out.startswith("✅")
    assert check_flip(DIET_BOT.replace(latency="strict")) is False
    out = capsys.readouterr().out
    assert "changing latency gives 'hybrid', not 'RAG'" in out and "Hint" in out
    partial = dict(NEEDS)
    partial.pop(next(iter(NEEDS)))
    check_needs(partial)
    assert "no approach given for" in capsys.readouterr().out


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

