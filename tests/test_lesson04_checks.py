"""Specifications of lesson 04's predict-then-run check (the other lesson-04 checks: test_curation.py).

The flags are worked out by hand: word overlap is counted on the shorter prompt's words, and a
look-up embedder returns fixed vectors, so every cosine is known before the check runs.
"""
import numpy as np

from course_lib.exercises import Feedback, lesson04

REFERENCE = ["Is tuna good for protein?"]
CANDIDATES = {
    "swap": "Is tofu good for protein?",                  # 4 of 5 words shared: word check flags it
    "reworded": "Should I eat tuna for my protein?",      # tuna, for, protein: 3 of 5, cosine 0.6: not flagged
    "shouted": "IS TUNA GOOD FOR PROTEIN??",              # same normalised text, cosine 1: flagged
}


class LookUp:
    """A stand-in embedder with one fixed unit vector per text."""

    VECTORS = {
        REFERENCE[0]: [1.0, 0.0, 0.0],
        CANDIDATES["swap"]: [0.0, 1.0, 0.0],
        CANDIDATES["reworded"]: [0.6, 0.8, 0.0],
        CANDIDATES["shouted"]: [1.0, 0.0, 0.0],
    }

    def encode(self, texts, batch_size=32, normalize_embeddings=False, **_):
        return np.array([self.VECTORS[t] for t in texts])


def test_a_prediction_that_matches_the_run_passes_and_names_what_flagged_each_row():
    verdict = lesson04.check_flag_prediction({"swap", "shouted"}, LookUp(), REFERENCE, CANDIDATES)
    assert isinstance(verdict, Feedback) and verdict
    text = str(verdict)
    assert "swap: word_overlap" in text and "reworded: not flagged" in text
    assert "shouted: duplicate, embedding, word_overlap" in text


def test_a_wrong_prediction_fails_and_names_the_rows_it_got_wrong():
    verdict = lesson04.check_flag_prediction({"shouted", "reworded"}, LookUp(), REFERENCE, CANDIDATES)
    assert not verdict
    assert "['reworded', 'swap']" in str(verdict) and "Hint" in str(verdict)


def test_an_empty_prediction_is_an_answer_not_a_placeholder():
    verdict = lesson04.check_flag_prediction(set(), LookUp(), REFERENCE, {"reworded": CANDIDATES["reworded"]})
    assert verdict


def test_a_single_name_may_be_given_as_a_string():
    assert lesson04.check_flag_prediction("shouted", LookUp(), REFERENCE, {"shouted": CANDIDATES["shouted"],
                                                                           "reworded": CANDIDATES["reworded"]})


def test_the_placeholder_and_unknown_names_get_a_hint_instead_of_a_verdict():
    assert "not answered" in str(lesson04.check_flag_prediction(..., LookUp(), REFERENCE, CANDIDATES))
    verdict = lesson04.check_flag_prediction({"tofu"}, LookUp(), REFERENCE, CANDIDATES)
    assert not verdict and "['tofu'] are not candidate names" in str(verdict)
