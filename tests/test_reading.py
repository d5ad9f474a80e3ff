"""Why a reader failed with the answer in its prompt: each rule of course_lib.evaluation.reading, in order."""
import pytest

from course_lib.evaluation.reading import FAILURES, classify_failure

CONTEXT = ("Canteen menu, Monday 12 January 2026\nMain: Lentil dal with rice (D-101)\nPrice €4.20 | protein 18 g\n"
           "Soup: Leek and potato (D-102)\nPrice €2.50 | protein 4 g\nServed 11:30 to 14:15.")


@pytest.mark.parametrize("answer, expected, why", [
    ("I don't know what it costs.", "refused", "an admission comes first, whatever else it says"),
    ("It costs €2.50.", "wrong line", "the soup's price, a number of the context that is not the answer"),
    ("The main is served from 11:30.", "wrong line", "the opening hours: a number of another line"),
    ("Leek and potato soup with bread", "wrong line", "three words in a row from a line without the answer"),
    ("It costs €5.90.", "wrong number", "a price found nowhere in the context"),
    ("Monday's main is lentil dal with rice (D-101) and the price is", "ran out of tokens",
     "cut off after quoting the answer's line"),
    ("Pasta is a great source of carbohydrates for athletes.", "ignored context", "nothing from the context"),
])
def test_each_failure_has_its_rule(answer, expected, why):
    assert classify_failure(answer, ["€4.20", "4.20"], CONTEXT, "How much is the main, D-101, on Monday?") == expected, why


def test_what_the_question_says_is_not_copied_from_the_context():
    # D-101 and the date come from the question: repeating them copies nothing
    assert classify_failure("D-101 on 12 January costs €5.90.", ["€4.20"], CONTEXT,
                            "How much is D-101 on 12 January?") == "wrong number"


def test_every_verdict_is_one_of_the_named_failures():
    assert classify_failure("Lentil dal, rice, lentils", ["€4.20"], CONTEXT) in FAILURES
