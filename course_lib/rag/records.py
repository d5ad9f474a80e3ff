"""Records: cutting documents into the smallest pieces that still make sense alone, for a small reader.

Lesson 09 found the course model answering only a quarter of the fact questions whose gold section was
in its prompt. A 200-token section of a guide or a whole day's menu asks a 135M-parameter model to find
one line among many. A *record* is one dish with its price and allergens, one nutrient line of a
nutrition sheet, or one sentence of a guide: the unit a question asks about. :func:`by_record` is a
chunking strategy like those of :mod:`course_lib.rag.chunking` (it returns spans, so
``chunk_documents(docs, by_record)`` keeps every chunk's metadata and offsets). It reads the layout of
the text, not the type of the document:

- a list or a table (three or more lines that are bullets, ``- Protein: 2.8 g``, or a short label and
  a colon, ``Protein per 100 g: 2.58 g``) gives one record per line, and the line that introduces it
  (``Per 100 g:``) goes into the record's heading path;
- a block of several short lines without bullets (a dish, its price, its allergens) stays whole;
- a one-line paragraph of prose gives one record per sentence.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

# The span helpers of the chunking lesson, reused rather than written twice.
from course_lib.rag.chunking import (HEADING, Span, check_budget, paragraph_spans, sentence_spans, Tokens, token_windows,
                                     chunk_documents)
from course_lib.rag.retrievers import as_records

__all__ = ["by_record", "record_chunks"]

# An item of a list or a table: a bullet, or a short label and a colon ("Potassium per 100 g: 369 mg").
_ITEM = re.compile(r"^\s*(?:(?:[-*•]|\d+[.)])\s+|[^:\n]{1,40}:\s+\S)")


def _lines(text: str, start: int, end: int) -> list[Span]:
    spans, pos = [], start
    for line in text[start:end].split("\n"):
        if line.strip():
            left = pos + len(line) - len(line.lstrip())
            spans.append(Span(left, left + len(line.strip())))
        pos += len(line) + 1
    return spans


def _block_records(text: str, block: Span, path: tuple[str, ...]) -> list[Span]:
    """The records of one blank-line block: list or table items one per line, a card whole, prose by sentence."""
    lines = _lines(text, block.start, block.end)
    items = [line for line in lines if _ITEM.match(text[line.start:line.end])]
    others = [text[s:e].strip() for s, e, _ in lines if Span(s, e) not in items]
    # A list is 3 or more items, with at most one other line: the one that introduces it ("Per 100 g:").
    if len(items) >= 3 and (not others or (len(others) == 1 and others[0].endswith(":"))):
        return [Span(s, e, path + tuple(o.rstrip(":").strip() for o in others)) for s, e, _ in items]
    if len(lines) > 1:
        return [Span(block.start, block.end, path)]
    return [Span(s, e, path) for s, e, _ in sentence_spans(text, block.start, block.end)]


def by_record(text: str, max_tokens: int = 200, *, tokenizer: Any = None) -> list[Span]:
    """One span per record (see the module's docstring), each with its markdown heading path.

    A record longer than ``max_tokens`` is cut into windows, as in the other strategies, so the budget
    always holds; the course's records are far shorter.

    >>> text = "## Per 100 g\\nPer portion:\\n- Protein: 2.8 g\\n- Fat: 0.4 g\\nIron: 1 mg\\n\\nGrill: Cod (D-1)\\nPrice €8.90\\n\\nOne. Two."
    >>> [(text[s:e], h) for s, e, h in by_record(text)]   # doctest: +NORMALIZE_WHITESPACE
    [('- Protein: 2.8 g', ('Per 100 g', 'Per portion')), ('- Fat: 0.4 g', ('Per 100 g', 'Per portion')),
     ('Iron: 1 mg', ('Per 100 g', 'Per portion')),
     ('Grill: Cod (D-1)\\nPrice €8.90', ('Per 100 g',)), ('One.', ('Per 100 g',)), ('Two.', ('Per 100 g',))]
    """
    check_budget("max_tokens", max_tokens, 1)
    tokens, spans, path, level_path = Tokens(text, tokenizer), [], (), []
    cuts = [(m.start(), m.end(), len(m.group(1)), m.group(2).strip()) for m in HEADING.finditer(text)]
    bounds = [0] + [c[0] for c in cuts] + [len(text)]
    for n in range(len(bounds) - 1):
        start, end = bounds[n], bounds[n + 1]
        if n:
            _, body, level, title = cuts[n - 1]
            level_path = [(lvl, t) for lvl, t in level_path if lvl < level] + [(level, title)]
            path, start = tuple(t for _, t in level_path), body
        for block in paragraph_spans(text, start, end):
            for rec in _block_records(text, block, path):
                if tokens.count(rec.start, rec.end) <= max_tokens:
                    spans.append(rec)
                else:
                    spans += [Span(s, e, rec.headings) for s, e, _ in
                              token_windows(tokens.inside(rec.start, rec.end), max_tokens, 0)]
    return spans


def record_chunks(docs: Sequence[Mapping[str, Any]], tokenizer: Any = None, max_tokens: int = 200) -> list[dict]:
    """Every document cut into records (:func:`by_record`), as retrievable records with ``doc_id`` and metadata.

    >>> [r["id"] for r in record_chunks([{"id": "d", "title": "T", "text": "One. Two."}])]
    ['d#0', 'd#1']
    """
    return as_records(chunk_documents(docs, by_record, max_tokens=max_tokens, tokenizer=tokenizer))
