"""Specification of course_lib.evaluation.grading: how free-text answers are judged.

The tricky sentences live in tests/test_grading_spec.py; this file covers the remaining
behaviour: errors, profile terms and aliases, singular/plural forms, judge_fact, polarity.
"""
import pytest

from course_lib.data import load_profile
from course_lib.evaluation.grading import (
    admits_unknown,
    canonical_food,
    contains_answer,
    food_terms,
    judge_fact,
    mentions,
    normalise,
    polarity,
    profile_avoid_terms,
    violations,
)

TINY = {"hard_restrictions": [{"name": "peanut allergy", "kind": "allergy", "avoid": ["peanut"]}],
        "dislikes": ["eggs"], "aliases": {"peanut": ["groundnut"]}, "implied_by": {"eggs": ["omelette"]}}


@pytest.mark.parametrize(
    "text, accepted, expected",
    [
        ("Thursday's special is Lentil Curry.", ["lentil curry"], True),
        ("It costs 4.50 EUR.", ["4.50"], True),
        ("It costs 14.50 EUR.", ["4.50"], False),
        ("Protein: 9 g per 100 g.", ["9 g"], True),
        ("Protein: 19 g per 100 g.", ["9 g"], False),
        ("Protein: 9 grams.", ["9 g"], True),
        ("They serve curry.", ["lentil curry", "dal"], False),
        ("It costs €2.", ["€2"], True),
        ("It costs €2.00.", ["€2.00", "€2"], True),
    ],
)
def test_contains_answer_matches_whole_gold_strings(text, accepted, expected):
    assert contains_answer(text, accepted) is expected


def test_contains_answer_needs_a_gold_answer():
    with pytest.raises(ValueError, match="accepted"):
        contains_answer("anything", ["", "  "])


def test_contains_answer_refuses_a_single_string_as_the_gold_list():
    # a bare string would be read letter by letter: "12 g" would accept any text with a "1"
    with pytest.raises(TypeError, match="list"):
        contains_answer("It has 1 g.", "12 g")


def test_non_text_answers_are_rejected_clearly():
    with pytest.raises(TypeError, match="str"):
        contains_answer(None, ["x"])
    with pytest.raises(TypeError, match="str"):
        violations(None, ["eggs"])


@pytest.mark.parametrize(
    "text, expected",
    [("Yes.", "yes"), ("Nope, never on Mondays.", "no"), ("Well, yes.", "yes"), ("The answer is no.", "no"),
     ("Yes. No, wait, it is not.", None), ("It might.", None), ("Yes/no questions are hard.", None)],
)
def test_polarity_reads_an_explicit_verdict_only(text, expected):
    assert polarity(text) == expected


@pytest.mark.parametrize(
    "text",
    ["I don't know.", "I’m not sure what the canteen serves that week.", "Sorry, I do not have access to the menu.",
     "That information is not in the documents.", "Honestly, I have no idea.", "I cannot confirm the price."],
)
def test_refusals_are_recognised(text):
    assert admits_unknown(text)


@pytest.mark.parametrize(
    "text", ["The canteen serves lentil curry on Thursday.", "Eat oats.", "There is no information on the label.",
             "Nobody knows where the recipe came from, but it has 12 g."])
def test_confident_answers_are_not_refusals(text):
    assert not admits_unknown(text)


def test_judge_fact_prefers_correct_then_refusal_then_invented():
    assert judge_fact("It is lentil curry, I think, but I'm not sure.", ["lentil curry"]) == "correct"
    assert judge_fact("I'm not sure.", ["lentil curry"]) == "admits_unknown"
    assert judge_fact("Pizza.", ["lentil curry"]) == "invented"
    assert judge_fact("Lentils are not listed as allergens.", ["yes"]) == "invented"


def test_normalise_unifies_case_apostrophes_and_spaces():
    assert normalise("  I DON’T\n know ") == "i don't know"


@pytest.mark.parametrize(
    "text, avoid, expected",
    [
        ("How about scrambled eggs on toast?", ["eggs"], ["eggs"]),
        ("Since you avoid eggs, try porridge.", ["eggs"], []),
        ("No shrimp for you; grilled tofu instead.", ["prawns"], []),
        ("Grilled tofu with rice.", ["prawns", "eggs"], []),
        ("Eggplant curry is lovely.", ["eggs"], []),
    ],
)
def test_violations_count_recommended_not_negated_mentions(text, avoid, expected):
    assert violations(text, avoid) == expected


@pytest.mark.parametrize(
    "text, avoid, expected",
    [
        ("One egg on rye.", ["eggs"], ["eggs"]),
        ("Fried mushrooms.", ["mushroom"], ["mushrooms"]),
        ("Anchovy toast.", ["anchovies"], ["anchovies"]),
        ("Check the dish codes.", ["cod"], []),
        ("Two peanuts.", ["peanut"], ["peanut"]),
    ],
)
def test_singular_and_plural_forms_both_count(text, avoid, expected):
    assert violations(text, avoid) == expected


def test_violations_report_each_food_once_in_order_of_mention():
    assert violations("Tuna, then an omelette, then two boiled eggs.", ["eggs", "tuna"]) == ["tuna", "eggs"]


def test_a_food_stands_for_all_its_words():
    # avoiding "eggs" also rules out the dishes the profile lists for eggs, and the reverse
    assert violations("Try a frittata.", ["eggs"]) == ["eggs"]
    assert violations("Two fried eggs.", ["omelette"]) == ["eggs"]


def test_words_the_profile_does_not_know_are_their_own_food():
    assert violations("Have some kale.", ["kale"]) == ["kale"]
    assert canonical_food("Kale") == "kale"


def test_violations_need_foods_to_avoid():
    with pytest.raises(ValueError, match="avoid"):
        violations("anything", [])
    with pytest.raises(TypeError, match="list"):
        violations("anything", "eggs")


def test_mentions_count_negated_names_too():
    assert mentions("No eggs; groundnut oil only.", ["eggs", "peanut"], profile=TINY) == ["eggs", "peanut"]
    assert violations("No eggs; groundnut oil only.", ["eggs", "peanut"], profile=TINY) == ["peanut"]


def test_food_terms_map_aliases_and_dishes_to_the_profile_food():
    assert food_terms(TINY) == {"peanut": "peanut", "eggs": "eggs", "groundnut": "peanut", "omelette": "eggs"}
    assert canonical_food("omelettes", TINY) == "eggs"


def test_aliases_for_a_food_outside_the_profile_are_refused():
    bad = dict(TINY, aliases={"walnut": ["juglans"]})
    with pytest.raises(ValueError, match="walnut"):
        food_terms(bad)


def test_a_word_may_stand_for_only_one_food():
    bad = dict(TINY, implied_by={"eggs": ["groundnut"]})
    with pytest.raises(ValueError, match="groundnut"):
        food_terms(bad)


def test_a_profile_without_restrictions_is_refused_clearly():
    with pytest.raises(ValueError, match="hard_restrictions"):
        profile_avoid_terms({"dislikes": []})


def test_profile_avoid_terms_join_restrictions_dislikes_aliases_and_dishes():
    terms = profile_avoid_terms(load_profile())
    assert {"peanut", "chicken", "eggs", "mushrooms"} <= set(terms)
    assert {"eggplant", "cilantro", "groundnut", "satay", "omelette", "shakshuka", "caesar salad"} <= set(terms)
    assert terms == sorted(set(terms))


@pytest.mark.parametrize(
    "word, food",
    [("eggplant", "aubergine"), ("cilantro", "coriander"), ("omelette", "eggs"), ("groundnut", "peanut"),
     ("satay", "peanut"), ("caesar salad", "anchovies"), ("shrimp", "prawns"), ("Aubergines", "aubergine")],
)
def test_the_course_profile_connects_aliases_to_their_food(word, food):
    assert canonical_food(word) == food


def test_the_lacto_vegetarian_profile_allows_dairy():
    # whey, cheese and yogurt are dairy: not avoided by a lacto-vegetarian
    assert violations("Whey shake, cottage cheese and yogurt.", profile_avoid_terms(load_profile())) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("instead of tofu, use chicken.", ["instead of tofu", "use chicken"]),
        ("avoid eggs, mushrooms and coriander.", ["avoid eggs, mushrooms and coriander"]),
        ("skip the eggs, the bacon roll is great.", ["skip the eggs", "the bacon roll is great"]),
        ("it costs 2.50 eur; no eggs but lots of tofu", ["it costs 2.50 eur", "no eggs", "but lots of tofu"]),
        ("tofu (not eggs)\n- lentils", ["tofu", "not eggs", "- lentils"]),
    ],
)
def test_clauses_end_at_sentence_ends_conjunctions_and_clause_commas(text, expected):
    from course_lib.evaluation.negation import clauses

    assert [text[s:e].strip(" ,.") for s, e, _ in clauses(text)] == expected


def test_violations_can_use_a_profile_given_explicitly():
    # the data build passes the profile it is building instead of reading the previous build from disk
    assert violations("Try an omelette.", ["eggs"], profile=TINY) == ["eggs"]
    assert violations("Try an omelette.", ["peanut"], profile=TINY) == []
