"""Regression specification of the grader: tricky sentences and how a careful reader labels them.

Each row is (sentence, rule, expected, why). ``rule`` is ``violations`` (expected: the foods of
the course profile the sentence recommends, as the profile names them), ``admits_unknown``
(expected: True/False) or ``answer=<gold>|<gold>`` (expected: whether contains_answer accepts
the sentence for those gold answers). The rows include every example of issue 7, section 1.
The grader was written from the general rules in course_lib.evaluation.negation and course_lib.evaluation.grading,
not from this list; a held-back set kept outside the project scores it as well.
"""
import pytest

from course_lib.data import load_profile
from course_lib.evaluation.grading import admits_unknown, contains_answer, profile_avoid_terms, violations

AVOID = profile_avoid_terms(load_profile())

SPEC = [
    # --- violations: clauses end at sentence ends, and not every "no"/"don't" is a negation
    ("No problem! Have scrambled eggs.", "violations", ["eggs"], "'no problem' ends its sentence; the eggs are recommended"),
    ("Don't forget the eggs!", "violations", ["eggs"], "'don't forget' urges, it does not negate"),
    ("Don't skip the eggs at breakfast.", "violations", ["eggs"], "a negated 'skip' recommends"),
    ("You can't go wrong with grilled chicken.", "violations", ["chicken"], "idiom of praise"),
    ("Why not try a tuna salad?", "violations", ["tuna"], "'why not' suggests"),
    ("Eggs are not only cheap but full of protein.", "violations", ["eggs"], "'not only' praises"),
    ("No more than two eggs a day is a good habit.", "violations", ["eggs"], "a limit still recommends eggs"),
    ("Try a no-bake peanut bar.", "violations", ["peanut"], "'no-bake' negates the baking, not the peanuts"),
    # --- violations: the cue negates only within its clause
    ("Instead of tofu, use chicken.", "violations", ["chicken"], "the cue negates tofu; chicken is in the next clause"),
    ("I don't recommend the chicken, but the fish is excellent.", "violations", ["fish"], "'but' opens a new clause"),
    ("Skip the eggs, the bacon roll is great.", "violations", ["bacon"], "a comma before a new subject and verb ends the clause"),
    ("Avoid eggs, mushrooms and coriander.", "violations", [], "a comma inside a list keeps the cue's scope"),
    ("No eggs, mushrooms or coriander in this bowl.", "violations", [], "'no' covers the whole list"),
    ("Skip the chicken and have the lentil soup.", "violations", [], "'and have' turns to the alternative, which is fine"),
    ("Skip the lentil soup and have the chicken.", "violations", ["chicken"], "the food after the turn is recommended"),
    # --- violations: "free"
    ("Free-range eggs are best.", "violations", ["eggs"], "'free' alone is not a cue"),
    ("Try the peanut free granola.", "violations", [], "'peanut free' says there are none"),
    ("Egg-free pancakes are a good start.", "violations", [], "'-free' negates"),
    ("This granola is free of eggs.", "violations", [], "'free of' negates"),
    ("Egg-free mayonnaise works in the wrap.", "violations", [], "an egg-free dish that normally holds egg"),
    # --- violations: negation after the mention
    ("I wouldn't recommend mushrooms.", "violations", [], "negated recommendation"),
    ("The tuna sandwich is not suitable for you.", "violations", [], "negation after the mention, same clause"),
    ("The tuna sandwich isn't for you.", "violations", [], "'isn't for you' is a verdict on the tuna"),
    ("Chicken should be avoided.", "violations", [], "passive verdict"),
    ("Mushrooms aren't your thing, so try the spinach wrap.", "violations", [], "verdict after the mention"),
    ("Eggs, which you dislike, are left out.", "violations", [], "a relative clause negates back"),
    ("The satay contains peanuts, so avoid it.", "violations", [], "'avoid it' refers back to the satay"),
    ("Bacon? Not for you.", "violations", [], "a verdict in the next sentence answers the question"),
    ("Have chicken, it's not spicy.", "violations", ["chicken"], "'not spicy' is not a verdict on the food"),
    ("Chicken doesn't have carbs, so it's a great pick.", "violations", ["chicken"], "a negated fact is still praise"),
    # --- violations: substitution verbs by direction
    ("Replace the eggs with tofu.", "violations", [], "'replace X with Y' drops X"),
    ("Replace the tofu with chicken.", "violations", ["chicken"], "'replace X with Y' recommends Y"),
    ("Swap the chicken for tofu.", "violations", [], "'swap X for Y' drops X"),
    ("Swap the tofu for chicken.", "violations", ["chicken"], "'swap X for Y' recommends Y"),
    ("Use tofu instead of chicken.", "violations", [], "'instead of' negates what follows"),
    ("Have chicken instead of tofu.", "violations", ["chicken"], "'X instead of Y' recommends X"),
    ("Substitute chickpeas for the tuna.", "violations", [], "'substitute Y for X' drops X"),
    ("Substitute chicken for the tofu.", "violations", ["chicken"], "'substitute Y for X' recommends Y"),
    ("Choose tofu over chicken.", "violations", [], "'over' after a choice verb negates"),
    ("Swap in lentils for the beef.", "violations", [], "'swap in Y for X' drops X"),
    ("Tofu instead of tuna, and chicken instead of ham.", "violations", ["chicken"],
     "'instead of' negates one object; the comma ends its scope"),
    ("I'd advise against the ham.", "violations", [], "'advise against' negates"),
    ("Not recommended: the prawn curry.", "violations", [], "a verdict heading before a colon"),
    ("Gluten-free chicken nuggets are tasty.", "violations", ["chicken"], "free of gluten, not of chicken"),
    ("Foods to avoid:\n- eggs\n- peanut butter", "violations", [], "bullets under an 'avoid' heading"),
    ("Options without meat:\n- Lentil dal\n- Tuna pasta bake", "violations", ["tuna"],
     "a 'without' heading describes the list, it does not negate it"),
    ("If you're craving eggs, try a tofu scramble instead.", "violations", [], "a later 'instead' replaces the eggs"),
    # --- violations: aliases and dishes from the profile, reported as the profile's foods
    ("Try the eggplant curry.", "violations", ["aubergine"], "eggplant is aubergine"),
    ("Add some fresh cilantro.", "violations", ["coriander"], "cilantro is coriander"),
    ("A cheese omelette gives 20 g protein.", "violations", ["eggs"], "an omelette is made of eggs"),
    ("Shakshuka is a great brunch.", "violations", ["eggs"], "shakshuka is eggs poached in sauce"),
    ("A Caesar salad is a good lunch.", "violations", ["anchovies"], "Caesar dressing holds anchovies"),
    ("Tofu satay with rice.", "violations", ["peanut"], "satay sauce is peanut sauce"),
    ("Groundnut stew is filling.", "violations", ["peanut"], "groundnut is peanut"),
    ("Try vegan mayo on the wrap.", "violations", [], "a vegan version lacks the food"),
    ("Eggplant-free ratatouille? No, it always has aubergine.", "violations", ["aubergine"],
     "the second clause names aubergine as present"),
    ("Chickpea curry with spinach.", "violations", [], "chickpea is not chicken"),
    ("Oyster mushroom stir-fry.", "violations", ["mushrooms"], "the longest name wins: a mushroom, not seafood"),
    # --- violations: a food the text compares with, imitates or describes is not offered
    ("Unlike peanut butter, this almond toast is safe for you.", "violations", [], "'unlike X' sets X apart"),
    ("Unlike the chicken wrap, the halloumi wrap is vegetarian.", "violations", [], "'unlike X' sets X apart"),
    ("Chorizo-style smoked tofu (15 g protein) is a great pick.", "violations", [], "an 'X-style' food imitates X"),
    ("Try a bacon-like tempeh rasher.", "violations", [], "'X-like' imitates X"),
    ("The tofu scramble tastes like scrambled eggs but contains none.", "violations", [],
     "'tastes like X' compares; 'contains none' says X is absent"),
    ("Seitan has a texture similar to chicken.", "violations", [], "'similar to X' compares"),
    ("Peanuts are not nuts but a legume.", "violations", [], "a statement of what peanuts are, no offer"),
    ("Peanut is a legume, a relative of beans and lentils.", "violations", [], "describes peanut, offers nothing"),
    ("Peanuts are legumes, so have them with rice.", "violations", ["peanut"], "the next clause offers them"),
    ("Eggs are a great pick for breakfast.", "violations", ["eggs"], "praise is not a description of what eggs are"),
    ("No, chicken breast is not the best protein.", "violations", [], "a verdict that the food is not the best pick"),
    ("While turkey slices are a lean protein, they lack fibre, so try lentils.", "violations", [],
     "a concession grants a point and turns away from the food"),
    ("While you wait, lentils are quick; chicken is the best protein for you.", "violations", ["chicken"],
     "the concession ends at the semicolon; the next sentence part recommends chicken"),
    ("Turkey is a kind of poultry.", "violations", [], "'a kind of' classifies the food"),
    # --- violations: compound words hold the food, lookalikes do not
    ("Try a peanutty noodle bowl.", "violations", ["peanut"], "'peanutty' is made with peanut"),
    ("Fishcakes with salad make a good lunch.", "violations", ["fish"], "a closed compound of fish"),
    ("Eggy bread with berries is a treat.", "violations", ["eggs"], "eggy bread is dipped in egg"),
    ("A beef tomato salad with feta (10 g protein).", "violations", [], "a beef tomato is a tomato"),
    ("The broth has a slightly fishy smell from the seaweed.", "violations", [], "'fishy' describes a smell"),
    ("Chickenless nuggets made from soy.", "violations", [], "'-less' says there is none"),
    # --- contains_answer: numbers are whole numbers; yes/no is a verdict
    ("It has 12.5 g of protein.", "answer=12 g", False, "12 is not inside 12.5"),
    ("It has 12 g of protein.", "answer=12", True, "the whole number"),
    ("It has 12g of protein.", "answer=12 g", True, "unit spacing does not matter"),
    ("It costs €2.50.", "answer=€2", False, "€2 is not inside €2.50"),
    ("That is 1,230 kcal.", "answer=230 kcal", False, "230 kcal is not inside 1,230 kcal"),
    ("That is 1,230 kcal.", "answer=1230 kcal", True, "a thousands separator does not change the number"),
    ("About 0.5 g per portion.", "answer=5 g", False, "5 is not inside 0.5"),
    ("Yes or no: does it contain gluten?", "answer=yes", False, "offering the choice is not an answer"),
    ("Yes and no, it depends on the bread.", "answer=yes", False, "both verdicts is neither"),
    ("Yes, it contains gluten.", "answer=yes", True, "an explicit yes"),
    ("Yes, but only on Fridays.", "answer=yes", True, "'Yes, but' keeps the yes; the rest qualifies it"),
    ("No, it has no eggs.", "answer=yes", False, "the verdict is no"),
    ("Yesterday it did.", "answer=yes", False, "'yes' inside another word"),
    ("It has no eggs.", "answer=no", False, "a determiner 'no' is not a verdict"),
    # --- contains_answer: the same amount of money or a number written another way
    ("It costs €9.", "answer=€9.00", True, "€9 is €9.00"),
    ("It costs €9.00.", "answer=€9", True, "€9.00 is €9"),
    ("It costs 9 euros.", "answer=€9.00", True, "euros written out"),
    ("It costs 9,50 €.", "answer=€9.50", True, "a decimal comma and the sign after the number"),
    ("It costs €9.50.", "answer=€9", False, "€9.50 is not €9"),
    ("It costs €19.00.", "answer=€9.00", False, "€19 is not €9"),
    ("It has twelve grams of protein.", "answer=12 g", True, "a number word before a unit"),
    ("Correct, it is vegan.", "answer=yes", True, "'Correct' opens a yes"),
    ("It does not contain gluten.", "answer=no", True, "an answer that opens by negating the question"),
    ("It doesn't, sadly.", "answer=yes", False, "a negated opening is not a yes"),
    # --- admits_unknown: impersonal refusals say the sources lack the answer
    ("The menu board does not show fibre.", "admits_unknown", True, "the source lacks the information"),
    ("There is no information about a sushi bar in the documents.", "admits_unknown", True,
     "nothing about it in the sources"),
    ("No information is given about the price.", "admits_unknown", True, "the information is missing"),
    ("The fibre content is not stated on the menu.", "admits_unknown", True, "the source does not state it"),
    ("The menu does not list eggs as an ingredient.", "admits_unknown", False, "a confident answer about the dish"),
    ("There is no meat in the stew.", "admits_unknown", False, "a fact about the dish"),
    # --- admits_unknown: first-person admissions only
    ("Lentils are not listed as allergens.", "admits_unknown", False, "a confident answer with 'not listed'"),
    ("The vegan option is not available on Mondays.", "admits_unknown", False, "a fact, not a refusal"),
    ("Real-time updates are posted at the counter.", "admits_unknown", False, "'real-time' alone is no refusal"),
    ("No idea, sorry.", "admits_unknown", True, "'No idea' admits not knowing"),
    ("I don't know.", "admits_unknown", True, "the plainest admission"),
    ("I'm not sure what they serve that week.", "admits_unknown", True, "first-person uncertainty"),
    ("I can't tell you the price.", "admits_unknown", True, "first-person inability"),
    ("I'm sorry, I don't have access to this week's menu.", "admits_unknown", True, "no access, first person"),
    ("The provided documents don't mention the price.", "admits_unknown", True, "a RAG answer that finds nothing"),
    ("I can tell you it has 12 g.", "admits_unknown", False, "'I can tell' is an answer"),
]


def _ids(row):
    sentence, rule, expected, _ = row
    return f"{rule.split('=')[0]}:{sentence[:48]}"


def test_the_specification_has_at_least_forty_rows_and_no_duplicates():
    assert len(SPEC) >= 40
    assert len({(s, r) for s, r, _, _ in SPEC}) == len(SPEC)


@pytest.mark.parametrize("sentence, rule, expected, why", SPEC, ids=[_ids(r) for r in SPEC])
def test_a_careful_reader_and_the_grader_agree(sentence, rule, expected, why):
    if rule == "violations":
        got = sorted(violations(sentence, AVOID))
        expected = sorted(expected)
    elif rule == "admits_unknown":
        got = admits_unknown(sentence)
    elif rule.startswith("answer="):
        got = contains_answer(sentence, rule.removeprefix("answer=").split("|"))
    else:
        raise AssertionError(f"unknown rule {rule!r}")
    assert got == expected, why
