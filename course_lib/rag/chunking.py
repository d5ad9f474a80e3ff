"""Cutting documents into chunks for retrieval: fixed-size windows, sentences, paragraphs, sections.

An embedder sees at most a few hundred tokens and squeezes them into one vector, so long documents
are indexed as chunks. Each strategy takes one document's text and returns :class:`Span` objects
(character offsets into that text); :func:`chunk_documents` applies a strategy to a whole corpus of
``{"id", "text"[, "title", ...]}`` records and returns :class:`Chunk` objects whose ``start``/``end``
point back into their document. Budgets count tokens of the embedder's tokenizer when one is given
(``tokenizer=``; a sentence-transformers model works too), else whitespace-separated words.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

__all__ = ["Span", "Chunk", "split_sentences", "fixed_size", "by_sentence", "by_paragraph", "by_structure",
           "heading_prefix", "chunk_documents", "STRATEGIES"]


class Span(NamedTuple):
    """Characters ``text[start:end]`` of one document, and the markdown headings above them."""

    start: int
    end: int
    headings: tuple[str, ...] = ()


@dataclass
class Chunk:
    """One retrievable piece of a document.

    ``text`` is ``prefix + document_text[start:end]``; ``prefix`` is empty except for structure
    chunks, which start with their heading path (see :func:`by_structure`).
    """

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    metadata: dict[str, Any] = field(default_factory=dict)
    prefix: str = ""


class Tokens:
    """Token character spans of one text, so any span's token count is two binary searches."""

    def __init__(self, text: str, tokenizer: Any = None):
        self.spans = _token_spans(text, tokenizer)
        self.starts = [s for s, _ in self.spans]
        self.ends = [e for _, e in self.spans]

    def count(self, start: int, end: int) -> int:
        return max(0, bisect_right(self.ends, end) - bisect_left(self.starts, start))

    def inside(self, start: int, end: int) -> list[tuple[int, int]]:
        return self.spans[bisect_left(self.starts, start):bisect_right(self.ends, end)]


def _token_spans(text: str, tokenizer: Any) -> list[tuple[int, int]]:
    if tokenizer is None:
        return [m.span() for m in re.finditer(r"\S+", text)]
    tokenizer = getattr(tokenizer, "tokenizer", tokenizer)  # a SentenceTransformer carries its tokenizer
    try:
        # verbose=False: a whole guide is longer than the embedder's 512 positions, which is fine here.
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    except (NotImplementedError, TypeError) as error:
        raise TypeError("The tokenizer must be a Hugging Face *fast* tokenizer (it must return offsets), "
                        "e.g. load_embedder().tokenizer; or pass tokenizer=None to count words.") from error
    # Byte-level tokenizers can emit empty spans for pieces of one character; they carry no text.
    return [(s, e) for s, e in encoded["offset_mapping"] if e > s]


def check_budget(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return value


def token_windows(tokens: Sequence[tuple[int, int]], size: int, overlap: int) -> list[Span]:
    step = size - overlap
    spans = []
    for first in range(0, len(tokens), step):
        window = tokens[first:first + size]
        spans.append(Span(window[0][0], window[-1][1]))
        if first + size >= len(tokens):  # the rest is already inside this window
            break
    return spans


def fixed_size(text: str, size: int, overlap: int = 0, *, tokenizer: Any = None) -> list[Span]:
    """Windows of ``size`` tokens, each repeating the last ``overlap`` tokens of the one before.

    Overlap keeps a fact that straddles a cut whole in at least one window. Windows may cut words
    (with a tokenizer) and sentences. Example:

    >>> text = "a b c d e f g"
    >>> [text[s:e] for s, e, _ in fixed_size(text, size=3, overlap=1)]
    ['a b c', 'c d e', 'e f g']
    """
    check_budget("size", size, 1)
    check_budget("overlap", overlap, 0)
    if overlap >= size:
        raise ValueError(f"overlap ({overlap}) must be smaller than size ({size}), or the windows never advance.")
    return token_windows(_token_spans(text, tokenizer), size, overlap)


# A sentence ends at . ! or ? (plus closing quotes/brackets) followed by white space and a capital,
# digit or opening quote, or at a line break. "€8.90" and "D-813" have no white space after the dot;
# "e.g." and "i.e." are followed by a lower-case word in running text, and the list below catches the rest.
_END = re.compile(r"[.!?][\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9€£$])|\n")
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "cf.", "approx.", "Dr.", "Mr.", "Mrs.", "Ms.", "St.", "No.", "Fig.")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    end = len(text) if end is None else end
    spans, begin = [], start
    for match in _END.finditer(text, start, end):
        if match.group() != "\n" and text[:match.start() + 1].endswith(_ABBREVIATIONS):
            continue
        spans.append((begin, match.end()))
        begin = match.end()
    spans.append((begin, end))
    return _trim(text, spans)


def _trim(text: str, spans: Iterable[tuple[int, int]]) -> list[Span]:
    """Drop the white space around each span (and blank spans), so chunks start and end on text."""
    trimmed = []
    for s, e in spans:
        piece = text[s:e]
        if piece.strip():
            s += len(piece) - len(piece.lstrip())
            trimmed.append(Span(s, s + len(piece.strip())))
    return trimmed


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``: a rule-based splitter (no model download) for the course's documents.

    A line break also ends a sentence, because menus and lists put one item per line.

    >>> split_sentences("Price €8.90, e.g. for D-813. Served daily!\\nAllergens: fish")
    ['Price €8.90, e.g. for D-813.', 'Served daily!', 'Allergens: fish']
    """
    return [text[s:e] for s, e, _ in sentence_spans(text)]


def _pack(units: Iterable[Span], tokens: Tokens, budget: int, headings: tuple[str, ...] = ()) -> list[Span]:
    """Greedily join consecutive units while the joined span stays within ``budget`` tokens."""
    packed: list[Span] = []
    current: Span | None = None
    for unit in units:
        if tokens.count(unit.start, unit.end) > budget:  # one unit alone is too long: cut it into windows
            if current:
                packed.append(current)
                current = None
            packed += [Span(s, e, headings) for s, e, _ in token_windows(tokens.inside(unit.start, unit.end), budget, 0)]
        elif current and tokens.count(current.start, unit.end) <= budget:
            current = Span(current.start, unit.end, headings)
        else:
            if current:
                packed.append(current)
            current = Span(unit.start, unit.end, headings)
    if current:
        packed.append(current)
    return packed


def by_sentence(text: str, max_tokens: int, *, tokenizer: Any = None) -> list[Span]:
    """Whole sentences packed into chunks of at most ``max_tokens`` tokens.

    A single sentence longer than the budget is cut into windows, so the budget always holds.

    >>> text = "One two three. Four five. Six seven eight nine."
    >>> [text[s:e] for s, e, _ in by_sentence(text, max_tokens=5)]
    ['One two three. Four five.', 'Six seven eight nine.']
    """
    check_budget("max_tokens", max_tokens, 1)
    return _pack(sentence_spans(text), Tokens(text, tokenizer), max_tokens)


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    end = len(text) if end is None else end
    spans, begin = [], start
    for match in re.finditer(r"\n[ \t]*\n\s*", text[start:end]):
        spans.append((begin, start + match.start()))
        begin = start + match.end()
    spans.append((begin, end))
    return _trim(text, spans)


def by_paragraph(text: str, max_tokens: int, *, tokenizer: Any = None) -> list[Span]:
    """One chunk per blank-line paragraph; a paragraph over ``max_tokens`` is split by sentence.

    Paragraphs are not merged: each chunk is one unit of thought, however short.

    >>> text = "Intro line.\\n\\nOne two three. Four five six."
    >>> [text[s:e] for s, e, _ in by_paragraph(text, max_tokens=4)]
    ['Intro line.', 'One two three.', 'Four five six.']
    """
    check_budget("max_tokens", max_tokens, 1)
    tokens, spans = Tokens(text, tokenizer), []
    for para in paragraph_spans(text):
        if tokens.count(para.start, para.end) <= max_tokens:
            spans.append(para)
        else:
            spans += _pack(sentence_spans(text, para.start, para.end), tokens, max_tokens)
    return spans


HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def heading_prefix(headings: Sequence[str]) -> str:
    """The text put before a structure chunk: its heading path, e.g. ``'Soaking > Times\\n\\n'``."""
    return " > ".join(headings) + "\n\n" if headings else ""


def by_structure(text: str, max_tokens: int, *, tokenizer: Any = None) -> list[Span]:
    """Markdown sections (``#``, ``##``, ... headings) as chunks, each tagged with its heading path.

    A section over the budget is split into packed paragraphs (long ones by sentence). The budget
    includes the heading prefix that :func:`chunk_documents` puts before the text, because the
    embedder reads both. The heading line itself is not in the span: the prefix carries it.

    >>> text = "## Soaking\\nSoak beans overnight.\\n\\n## Cooking\\nBoil them hard."
    >>> [(text[s:e], h) for s, e, h in by_structure(text, max_tokens=20)]
    [('Soak beans overnight.', ('Soaking',)), ('Boil them hard.', ('Cooking',))]
    """
    check_budget("max_tokens", max_tokens, 1)
    tokens, spans = Tokens(text, tokenizer), []
    headings = list(HEADING.finditer(text))
    # Sections: (start of body, end of body, heading path); the text before the first heading has no path.
    sections, path = [(0, headings[0].start() if headings else len(text), ())], []
    for i, match in enumerate(headings):
        level = len(match.group(1))
        path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, match.group(2).strip())]
        end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
        sections.append((match.end(), end, tuple(title for _, title in path)))
    for start, end, path_titles in sections:
        paragraphs = paragraph_spans(text, start, end)
        if not paragraphs:  # a heading followed at once by a sub-heading: its title lives on in the path
            continue
        budget = max_tokens - len(_token_spans(heading_prefix(path_titles), tokenizer))
        if budget < 1:
            raise ValueError(f"The heading path {' > '.join(path_titles)!r} alone fills max_tokens={max_tokens}; "
                             "raise max_tokens.")
        units = []
        for para in paragraphs:
            fits = tokens.count(para.start, para.end) <= budget
            units += [para] if fits else _pack(sentence_spans(text, para.start, para.end), tokens, budget)
        spans += _pack(units, tokens, budget, path_titles)
    return spans


STRATEGIES: dict[str, Callable[..., list[Span]]] = {
    "fixed_size": fixed_size, "sentence": by_sentence, "paragraph": by_paragraph, "structure": by_structure,
}


def _check_corpus(docs: Sequence[Mapping[str, Any]]) -> None:
    if isinstance(docs, (str, bytes, Mapping)) or not isinstance(docs, Iterable):
        raise TypeError("docs must be a list of records like {'id': ..., 'text': ...}.")
    if not docs:
        raise ValueError("The corpus is empty: pass at least one {'id', 'text'} record.")
    seen: set[str] = set()
    for i, doc in enumerate(docs):
        if not isinstance(doc, Mapping) or "id" not in doc or "text" not in doc:
            raise ValueError(f"Document {i} must be a mapping with 'id' and 'text' keys.")
        if not isinstance(doc["text"], str) or not doc["text"].strip():
            raise ValueError(f"Document {doc['id']!r} has empty text; drop it or fill it in.")
        if str(doc["id"]) in seen:
            raise ValueError(f"Duplicate document id {doc['id']!r}: ids must be unique, or chunk ids collide.")
        seen.add(str(doc["id"]))


def chunk_documents(docs: Sequence[Mapping[str, Any]], strategy: str | Callable[..., list[Span]],
                    **params: Any) -> list[Chunk]:
    """Chunk every document of a corpus with one strategy; chunk ids are ``"<doc id>#<n>"`` from 0.

    ``strategy`` is a name from :data:`STRATEGIES` or a function ``f(text, **params) -> list[Span]``.
    Every field of a record except ``id`` and ``text`` is copied into each chunk's ``metadata``,
    with ``strategy`` and the heading path (``headings``) added. For every chunk
    ``doc["text"][c.start:c.end] == c.text[len(c.prefix):]``.

    >>> docs = [{"id": "d1", "title": "T", "text": "## A\\nOne two.\\n\\n## B\\nThree."}]
    >>> [(c.id, c.text) for c in chunk_documents(docs, "structure", max_tokens=10)]
    [('d1#0', 'A\\n\\nOne two.'), ('d1#1', 'B\\n\\nThree.')]
    """
    if isinstance(strategy, str):
        if strategy not in STRATEGIES:
            raise ValueError(f"Unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)} or a function.")
        name, split = strategy, STRATEGIES[strategy]
    else:
        name, split = getattr(strategy, "__name__", "custom"), strategy
    _check_corpus(docs)
    chunks = []
    for doc in docs:
        text, doc_id = doc["text"], str(doc["id"])
        base = {key: value for key, value in doc.items() if key not in ("id", "text")}
        for n, span in enumerate(split(text, **params)):
            start, end, headings = Span(*span)  # a custom strategy may return plain (start, end) pairs
            # Structure chunks get their heading path in front: a section's own words often lack its
            # topic ("Soak them overnight" never says "beans"), and the embedder only sees the chunk.
            prefix = heading_prefix(headings)
            metadata = {**base, "strategy": name, "headings": list(headings)}
            chunks.append(Chunk(f"{doc_id}#{n}", doc_id, prefix + text[start:end], start, end, metadata, prefix))
    return chunks
