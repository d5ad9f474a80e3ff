"""An extractive reference reader: the line of the prompt that answers, picked without generating a word.

A generative reader can fail in two places: the retrieved passages may not hold the answer, or the model
may not read it out. An *extractive* reader separates the two. It splits the passages into lines, embeds
the question and every line with the course's embedder, and returns the line closest to the question
(cosine similarity). If that line holds an accepted answer, the passages held the answer in a form a
plain similarity search can point at; how often the language model then says it is what reading adds or loses.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np


def passage_lines(passages: Sequence[str]) -> list[str]:
    """The non-empty lines of the passages, in order: the candidate answers.

    >>> passage_lines(["Menu, Monday\\nLeek soup (D-1)\\n", "Price €2.50"])
    ['Menu, Monday', 'Leek soup (D-1)', 'Price €2.50']
    """
    return [line.strip() for text in passages for line in text.splitlines() if line.strip()]


def pick_lines(questions: Sequence[str], passages: Sequence[Sequence[str]], embedder: Any) -> list[str]:
    """For each question, the line of its passages most similar to it (cosine of normalised embeddings),
    or ``""`` when its passages hold no text. ``embedder`` is a sentence-transformers model.

    >>> pick_lines(["Which soup?"], [["Leek soup\\nServed at noon"]], embedder)   # doctest: +SKIP
    ['Leek soup']
    """
    if len(questions) != len(passages):
        raise ValueError(f"got {len(questions)} questions but {len(passages)} lists of passages; pass one list per question.")
    lines = [passage_lines(p) for p in passages]
    flat = [line for group in lines for line in group]
    if not flat:
        return ["" for _ in questions]
    vectors = embedder.encode(list(questions) + flat, normalize_embeddings=True, batch_size=64)
    asked, candidates = vectors[:len(questions)], vectors[len(questions):]
    picked, start = [], 0
    for n, group in enumerate(lines):
        if not group:
            picked.append("")
            continue
        scores = candidates[start:start + len(group)] @ asked[n]     # cosine: the vectors are unit length
        picked.append(group[int(np.argmax(scores))])
        start += len(group)
    return picked
