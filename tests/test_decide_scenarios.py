"""The decision guide on invented projects, each with the answer an expert would give and why.

Every project answers all ten questions; the expected choice is what a practitioner who has read the
course's measurements would advise. Gates come first (no documents: no RAG; no examples: no
fine-tuning), every recommendation starts with "prompt well and evaluate", and the measured lines
carry a verdict tag.
"""
import pytest

from course_lib.choosing import evidence
from course_lib.choosing.decide import GATES, STEP0, Project, recommend

# name, answers (task documents examples changes sources latency training tone privacy volume), expected, why
SCENARIOS = [
    ("support bot over a manual that changes weekly", "facts yes few often yes relaxed limited no normal high",
     "RAG", "the facts change weekly and answers must point to the manual: retrieval, not training"),
    ("legal-tone rewriter with 30 examples", "behaviour no few rarely no relaxed limited yes normal low",
     "fine-tuning", "a stable tone from a few dozen examples is what a small adapter learns; there is nothing to search"),
    ("medical FAQ under strict privacy", "facts yes none sometimes yes relaxed limited no strict low",
     "RAG", "a patient's record must be deletable at once, and there are no examples to train on"),
    ("internal-API code assistant", "facts yes many sometimes no strict limited no normal high",
     "RAG", "the API docs change monthly and the search is fast; a tight budget does not make stale weights better"),
    ("persona chatbot with only a character bible", "behaviour yes none rarely no relaxed limited yes normal low",
     "start with a prompt", "no examples to train on (gate), and a bible describes behaviour, not facts to look up: "
                            "put the persona in the prompt first"),
    ("a project with no documents and no examples", "both no none sometimes no relaxed ample yes normal low",
     "start with a prompt", "both gates close: nothing to search and nothing to train on"),
    ("house-style answers over a changing catalogue", "both yes many often no relaxed limited yes normal high",
     "hybrid", "facts that change weekly from retrieval, a firm style from hundreds of examples"),
    ("yearly tax rules with no budget for training", "facts yes many rarely yes relaxed none no normal low",
     "RAG", "stable facts still inject better by retrieval, sources are required, and there is nothing to train with"),
    ("high-volume classifier of support tickets", "behaviour no many rarely no strict ample yes normal high",
     "fine-tuning", "a stable behaviour, many examples, a tight budget per answer and high volume"),
]


def project(answers: str) -> Project:
    return Project(*answers.split())


@pytest.mark.parametrize("name, answers, expected, why", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_an_expert_and_the_guide_agree(name, answers, expected, why):
    rec = recommend(project(answers))
    assert rec.choice == expected, f"{name}: {why}\n{rec}"


def test_there_are_at_least_eight_scenarios():
    assert len(SCENARIOS) >= 8


@pytest.mark.parametrize("answers, approach", [("facts no many often no relaxed ample no normal low", "RAG"),
                                               ("behaviour yes none rarely no relaxed ample yes normal low", "fine-tuning")])
def test_a_closed_gate_keeps_its_approach_from_scoring_and_says_why(answers, approach):
    rec = recommend(project(answers))
    assert rec.scores[approach] <= 0 and rec.choice not in (approach, "hybrid")
    assert any(r.startswith("Gate:") for r in rec.reasons)


def test_every_recommendation_starts_with_prompting_and_evaluating():
    rec = recommend(project("facts yes few often yes relaxed limited no normal high"))
    assert rec.step0 == STEP0 and str(rec).splitlines()[1].strip().startswith("Step 0")
    assert "Step 0" in rec.to_html()
    assert set(GATES) == {"documents", "labelled_examples"}


def test_measured_lines_carry_a_verdict_tag_and_contradicted_rules_are_named():
    rec = recommend(project("both yes many often yes relaxed limited yes normal low"))
    assert rec.measured and all(line.startswith(("[supports]", "[contradicts]", "[inconclusive]", "[not measured yet]"))
                                for line in rec.measured.values())
    contradicted = [r for r, line in rec.measured.items() if line.startswith("[contradicts]")]
    assert len(rec.warnings) == len(contradicted)


def test_the_stable_facts_rule_is_tested_with_rag_as_the_system_that_should_win():
    line = evidence.rule_evidence("knowledge_changes", "rarely", "facts")
    assert line.split("] ", 1)[1].startswith("lesson 11, right on facts: RAG")
