"""Specification of course_lib.grading: how free-text answers are judged."""
import pytest

from course_lib.grading import admits_unknown, contains_answer, judge_fact, rates, violations


@pytest.mark.parametrize(
    "text, accepted, expected",
    [
        ("Thursday's special is Lentil Curry.", ["lentil curry"], True),
        ("It costs 4.50 EUR.", ["4.50"], True),
        ("It costs 14.50 EUR.", ["4.50"], False),
        ("Protein: 9 g per 100 g.", ["9 g"], True),
        ("Protein: 19 g per 100 g.", ["9 g"], False),
        ("They serve curry.", ["lentil curry", "dal"], False),
        ("Yes, it contains gluten.", ["yes"], True),
        ("Yesterday it did.", ["yes"], False),
    ],
)
def test_contains_answer_matches_whole_gold_strings(text, accepted, expected):
    assert contains_answer(text, accepted) is expected


def test_contains_answer_needs_a_gold_answer():
    with pytest.raises(ValueError, match="accepted"):
        contains_answer("anything", ["", "  "])


def test_non_text_answers_are_rejected_clearly():
    with pytest.raises(TypeError, match="str"):
        contains_answer(None, ["x"])


@pytest.mark.parametrize(
    "text",
    [
        "I don't know.",
        "I’m not sure what the canteen serves that week.",
        "Sorry, I do not have access to the menu.",
        "That information is not in the documents.",
    ],
)
def test_refusals_are_recognised(text):
    assert admits_unknown(text)


@pytest.mark.parametrize("text", ["The canteen serves lentil curry on Thursday.", "Eat oats."])
def test_confident_answers_are_not_refusals(text):
    assert not admits_unknown(text)


@pytest.mark.parametrize(
    "text, avoid, expected",
    [
        ("How about scrambled eggs on toast?", ["egg"], ["egg"]),
        ("Try an omelette with two eggs.", ["egg", "omelette"], ["egg", "omelette"]),
        ("Since you avoid eggs, try porridge.", ["egg"], []),
        ("An egg-free pancake works well.", ["egg"], []),
        ("No shrimp for you; grilled tofu instead.", ["shrimp"], []),
        ("Grilled tofu with rice.", ["shrimp", "egg"], []),
        ("Eggplant curry is lovely.", ["egg"], []),
    ],
)
def test_violations_count_recommended_not_negated_mentions(text, avoid, expected):
    assert violations(text, avoid) == expected


def test_violations_need_foods_to_avoid():
    with pytest.raises(ValueError, match="avoid"):
        violations("anything", [])


def test_judge_fact_prefers_correct_then_refusal_then_invented():
    assert judge_fact("It is lentil curry, I think, but I'm not sure.", ["lentil curry"]) == "correct"
    assert judge_fact("I'm not sure.", ["lentil curry"]) == "admits_unknown"
    assert judge_fact("Pizza.", ["lentil curry"]) == "invented"


def test_rates_are_fractions_that_sum_to_one():
    shares = rates(["invented", "invented", "correct"])
    assert shares == {"invented": 2 / 3, "correct": 1 / 3}
    with pytest.raises(ValueError):
        rates([])


@pytest.mark.parametrize(
    "text, avoid, expected",
    [
        ("One egg on rye.", ["eggs"], ["eggs"]),
        ("Fried mushrooms.", ["mushroom"], ["mushroom"]),
        ("Anchovy toast.", ["anchovies"], ["anchovies"]),
        ("Check the dish codes.", ["cod"], []),
    ],
)
def test_singular_and_plural_forms_both_count(text, avoid, expected):
    assert violations(text, avoid) == expected


def test_profile_avoid_terms_join_restrictions_and_dislikes():
    from course_lib.data import load_profile
    from course_lib.grading import profile_avoid_terms

    terms = profile_avoid_terms(load_profile())
    assert {"peanut", "chicken", "eggs", "mushrooms"} <= set(terms)
    assert terms == sorted(set(terms))
