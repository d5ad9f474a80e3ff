"""Exercise checks of lesson 04 (preparing data for fine-tuning).

Each check prints ✅ or ❌ with what is wrong and a hint, and returns a bool.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from course_lib.curation import WORD_OVERLAP_THRESHOLD, embed, word_overlap
from course_lib.exercises import Feedback, close_to, report, same_items


def check_broken_lines(answer: Any, path: str | Path, schema_name: str) -> Feedback:
    """Exercise: which line numbers of the data file at ``path`` break schema ``schema_name``?"""
    from course_lib.schemas import DatasetError, validate_file

    try:
        validate_file(path, schema_name)
        expected: set = set()
    except DatasetError as error:
        expected = {p["line"] for p in error.problems}
    return report(same_items(answer, expected, "the broken lines",
                             "catch the DatasetError and collect p['line'] for p in error.problems."))


def check_sneaky_paraphrase(answer: Any, embedder: Any, target: str, min_cosine: float) -> Feedback:
    """Exercise: a paraphrase of ``target`` that the word check misses but the embedding check sees."""
    if answer is ... or answer is None or not isinstance(answer, str) or not answer.strip():
        return report(Feedback(False, "write your paraphrase as a string.", "reword the prompt, keep its meaning."))
    overlap = word_overlap(answer, target)
    if overlap >= WORD_OVERLAP_THRESHOLD:
        return report(Feedback(False, f"it shares {overlap:.0%} of the shorter prompt's words: the word check "
                               "already catches it.", "use other words for the same request (synonyms, new order)."))
    cosine = float((embed(embedder, [answer]) @ embed(embedder, [target]).T)[0, 0])
    return report(close_to(round(cosine, 3), 1.0, 1.0 - min_cosine, f"word overlap {overlap:.0%}, so the word check "
                           "misses it; its cosine", "stay closer to the meaning: same food, same situation."))


def check_too_long(answer: Any, tokenizer: Any, split: str, max_length: int) -> Feedback:
    """Exercise: how many dialogues of ``split`` do not fit in ``max_length`` tokens?"""
    from course_lib.data import load_dialogues, to_chat
    from course_lib.tokens import count_tokens

    lengths = [count_tokens(tokenizer, to_chat(d), add_generation_prompt=False) for d in load_dialogues(split)]
    expected = sum(n > max_length for n in lengths)
    return report(close_to(answer, expected, 0, "the number of too-long examples",
                           "training_set() raises a ValueError that names them; or count tokens per chat."))
