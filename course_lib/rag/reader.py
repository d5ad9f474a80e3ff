"""The reader's side of RAG: a shorter instruction and one worked example, for a small model that must read.

Lesson 09 measures the levers a RAG builder can pull without training: what the context is made of
(records, :mod:`course_lib.rag.records`), how long the instruction is, and whether the prompt shows one
worked example of the answer wanted: a question, a record and a short answer with its source id. A
135M-parameter model copies the shape of what it sees, so the example is chosen to look like the record
it will read (a nutrition line, a dish of a menu, a sentence of a guide). The examples are invented: their
numbers and ids are in no document of the course, so they cannot leak an answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

__all__ = ["READER_SYSTEM", "WorkedExample", "EXAMPLES", "example_for"]

READER_SYSTEM = ("Answer the question from the context in a few words, then give the source id in brackets. "
                 "If the context does not contain the answer, say you don't know.")


@dataclass(frozen=True)
class WorkedExample:
    """One question, the record it is answered from, and the answer wanted (a few words and the id)."""

    question: str
    record: Mapping[str, Any]
    answer: str


# One per kind of record in the knowledge base (its ``type``); invented ids and numbers.
EXAMPLES: dict[str, WorkedExample] = {
    "nutrition": WorkedExample("How much fibre is in 100 g of boiled lentils?",
                               {"id": "nut-9999#6", "title": "Lentils, boiled: nutrition per 100 g",
                                "text": "Per 100 g\n\n- Dietary fibre: 7.9 g"}, "7.9 g [nut-9999#6]"),
    "menu": WorkedExample("What does the soup cost on Wednesday 7 January 2026?",
                          {"id": "menu-w99-wed#3", "title": "Canteen menu, Wednesday 7 January 2026",
                           "text": "Soup of the day: Pea and mint soup (D-999) [vegan]\n"
                                   "Price €3.90 | protein 9 g | 210 kcal\nAllergens: celery"}, "€3.90 [menu-w99-wed#3]"),
    "guide": WorkedExample("Until when can I pre-order lunch?",
                           {"id": "guide-99#5", "title": "Canteen handbook",
                            "text": "Pre-orders\n\nPre-orders close at 10:30 on the day itself."}, "10:30 [guide-99#5]"),
}


def example_for(records: Sequence[Mapping[str, Any]]) -> WorkedExample | None:
    """The worked example that looks like the best-ranked record (by its ``type``), or None for none.

    A record of a type with no example of its own gets the first one: any example shows the shape.

    >>> example_for([{"id": "menu-w02-mon#3", "type": "menu", "text": "..."}]).answer
    '€3.90 [menu-w99-wed#3]'
    >>> example_for([]) is None
    True
    """
    if not records:
        return None
    return EXAMPLES.get(str(records[0].get("type")), next(iter(EXAMPLES.values())))
