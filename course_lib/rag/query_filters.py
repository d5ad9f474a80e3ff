"""Metadata filters parsed from the question: dates and dish codes restrict which documents may rank.

An embedding barely sees a date ("the soup on Friday 27 February"): all menu days look alike in
meaning. :func:`parse_filters` reads dates (``29 January 2026``, ``Tue 10 February``, ``Friday, 30
Jan 2026``, ``January 5``, ``2026-01-05``) and dish codes (``D-813``) out of a question;
:class:`FilteredRetriever` keeps only documents whose metadata match them, and falls back to the
unfiltered ranking when nothing is parsed or nothing matches, saying which in each hit's metadata.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any, Callable, Iterable, Mapping

from course_lib.rag.retrievers import BaseRetriever, Retriever, RetrieverError, check_search
from course_lib.rag.vectorstore import Hit

__all__ = ["parse_filters", "FilteredRetriever", "DEFAULT_RULES", "FILTER_KEYS"]

_MONTHS = {m: n for n, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], 1) for m in names}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?:,?\s+(\d{4})\b)?"
_DATES = [  # (pattern, which groups hold day, month, year)
    (re.compile(rf"\b{_DAY}\s+{_MONTH}{_YEAR}", re.I), (1, 2, 3)),  # 5 January 2026, 6 Jan
    (re.compile(rf"\b{_MONTH}\s+{_DAY}{_YEAR}", re.I), (2, 1, 3)),  # January 5, 2026
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), (3, 2, 1)),          # 2026-01-05
]
# The course's dish codes: a capital letter, a dash, three digits ("D-813").
_CODE = re.compile(r"\b[A-Z]-\d{3}\b")
FILTER_KEYS = ("date", "dish_code")
# Parsed key -> record field path; "dishes.code" reads the "code" of each entry of the list "dishes".
DEFAULT_RULES: dict[str, str] = {"date": "date", "dish_code": "dishes.code"}


def parse_filters(question: str, default_year: int | None = None) -> dict[str, list[str]]:
    """The dates (ISO strings) and dish codes a question names, as ``{"date": [...], "dish_code": [...]}``.

    Only keys with something found are present. A date without a year takes ``default_year``
    (and is skipped when that is None); impossible dates ("31 February") are skipped.

    >>> parse_filters("What's the price of the grill dish on Tue 10 February?", default_year=2026)
    {'date': ['2026-02-10']}
    >>> parse_filters("How much did D-294 cost on Friday, 30 Jan 2026?")
    {'date': ['2026-01-30'], 'dish_code': ['D-294']}
    """
    if not isinstance(question, str) or not question.strip():
        raise RetrieverError(f"The question must be non-empty text, got {question!r}.")
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, (d, m, y) in _DATES:
        for match in pattern.finditer(question):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue  # already read as part of another date
            month = match.group(m)
            month = int(month) if month.isdigit() else _MONTHS[month.lower().rstrip(".")]
            year = int(match.group(y)) if match.group(y) else default_year
            if year is None:
                continue
            try:
                found.append((match.start(), date(year, month, int(match.group(d))).isoformat()))
            except ValueError:
                continue
            taken.append(match.span())
    filters: dict[str, list[str]] = {}
    dates = list(dict.fromkeys(iso for _, iso in sorted(found)))
    codes = list(dict.fromkeys(_CODE.findall(question)))
    if dates:
        filters["date"] = dates
    if codes:
        filters["dish_code"] = codes
    return filters


def _values(record: Mapping[str, Any], path: str) -> set[str]:
    """The string values at a field path of one record ("a" or "a.b" through a list of mappings)."""
    head, _, rest = path.partition(".")
    value = record.get(head)
    items = value if isinstance(value, (list, tuple)) else [value]
    if rest:
        items = [item.get(rest) for item in items if isinstance(item, Mapping)]
    return {str(v) for v in items if v is not None}


class FilteredRetriever(BaseRetriever):
    """An inner retriever restricted to documents whose metadata match the filters parsed from the query.

    ``rules`` maps a parsed key (``date``, ``dish_code``) to the record field path holding it.
    A document passes when, for every parsed key with a rule, one of its values is among the
    parsed ones. Hit metadata ``filter`` says ``"applied"``, ``"none"`` (nothing parsed) or
    ``"fallback"`` (nothing matched: unfiltered ranking), and ``filter_values`` what was parsed.
    Years missing from a question default to the most common year of the corpus's dates.

    >>> from course_lib.rag.retrievers import BM25Retriever
    >>> docs = [{"id": "mon", "text": "Menu: lentil soup", "date": "2026-01-05"},
    ...         {"id": "tue", "text": "Menu: lentil soup", "date": "2026-01-06"}]
    >>> hits = FilteredRetriever(BM25Retriever(docs), {"date": "date"}).search("soup on Tuesday 6 January", k=1)
    >>> hits[0].id, hits[0].metadata["filter"]
    ('tue', 'applied')
    """

    def __init__(self, inner: Retriever, rules: Mapping[str, str] | None = None,
                 default_year: int | None = None,
                 parser: Callable[[str, int | None], Mapping[str, Iterable[str]]] = parse_filters) -> None:
        rules = dict(DEFAULT_RULES if rules is None else rules)
        if not rules:
            raise RetrieverError("rules is empty: map a parsed key (e.g. 'date') to a record field.")
        self.inner, self.rules, self.parser, self.records = inner, rules, parser, inner.records
        fields = {f for rec in self.records.values() for f in rec}
        for key, path in rules.items():
            if parser is parse_filters and key not in FILTER_KEYS:
                raise RetrieverError(f"No filter {key!r} is parsed from questions; use one of {FILTER_KEYS}.")
            if path.partition(".")[0] not in fields:
                raise RetrieverError(f"Filter {key!r} names the field {path!r}, which no record has; "
                                     f"known fields: {sorted(fields)}.")
        # Each record's values per key, computed once rather than per query.
        self._index = {key: {i: _values(rec, path) for i, rec in self.records.items()} for key, path in rules.items()}
        if default_year is None and "date" in rules:
            years = Counter(v[:4] for vals in self._index["date"].values() for v in vals if re.match(r"\d{4}-", v))
            default_year = int(years.most_common(1)[0][0]) if years else None
        self.default_year = default_year

    def allowed(self, query: str) -> tuple[dict[str, list[str]], set[str] | None]:
        """The parsed filters that have a rule, and the ids passing them (None when nothing was parsed)."""
        parsed = {k: list(v) for k, v in self.parser(query, self.default_year).items() if k in self.rules}
        if not parsed:
            return parsed, None
        ids = {i for i in self.records if all(self._values_of(k, i) & set(v) for k, v in parsed.items())}
        return parsed, ids

    def _values_of(self, key: str, doc_id: str) -> set[str]:
        # A record added to the inner retriever after this wrapper was made (a live index update)
        # is read the first time it is seen.
        cache = self._index[key]
        if doc_id not in cache:
            cache[doc_id] = _values(self.records[doc_id], self.rules[key])
        return cache[doc_id]

    def search(self, query: str, k: int) -> list[Hit]:
        check_search(query, k, len(self))
        parsed, ids = self.allowed(query)
        described = "; ".join(f"{key}={','.join(vals)}" for key, vals in parsed.items())
        if not ids:
            status, hits = ("none" if ids is None else "fallback"), self.inner.search(query, k)
        else:
            # Rank everything, then keep the allowed: works for any inner retriever, and the corpus is small
            # enough that ranking it whole costs little next to encoding the query.
            status = "applied"
            hits = [h for h in self.inner.search(query, len(self)) if h.id in ids][:k]
        return [Hit(h.id, h.score, {**h.metadata, "filter": status, "filter_values": described}) for h in hits]
