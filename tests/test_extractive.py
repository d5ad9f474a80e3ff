"""The extractive reference reader picks the line of the prompt closest to the question."""
import numpy as np
import pytest

from course_lib.rag.extractive import passage_lines, pick_lines


class WordEmbedder:
    """A stand-in embedder: one dimension per known word, so cosine counts shared words."""
    WORDS = ["soup", "price", "served", "dessert", "monday"]

    def encode(self, texts, normalize_embeddings=True, batch_size=64):
        vectors = np.array([[t.lower().count(w) for w in self.WORDS] for t in texts], dtype=float) + 1e-9
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_each_question_gets_the_line_that_shares_most_with_it():
    passages = [["Monday menu\nSoup: leek\nPrice €2.50"], ["Dessert: panna cotta\nServed at noon"]]
    assert pick_lines(["Which soup is it?", "When is it served?"], passages, WordEmbedder()) == \
        ["Soup: leek", "Served at noon"]


def test_a_question_without_passages_gets_an_empty_line_and_mismatched_lists_are_refused():
    assert pick_lines(["Which soup?"], [[]], WordEmbedder()) == [""]
    with pytest.raises(ValueError, match="one list per question"):
        pick_lines(["a", "b"], [["x"]], WordEmbedder())


def test_lines_keep_their_order_and_skip_blank_ones():
    assert passage_lines(["a\n\nb", "c"]) == ["a", "b", "c"]
