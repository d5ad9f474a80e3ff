"""Curation: duplicate, near-duplicate and leakage checks for fine-tuning data.

Lesson 04. A held-out split only measures generalisation if none of its prompts
(nor a paraphrase of one) was trained on, and the evaluation questions must not
hide in the training data either. Three checks, from strict to loose:

- **exact duplicates**: the same prompt after :func:`normalise_prompt`
  (lower-case, letters and digits only), so "Snacks?" and "snacks!!" collide;
- **word overlap**: :func:`word_overlap` of the shorter prompt's words, so a
  prompt with an extra "please?" still counts;
- **embedding similarity**: cosine similarity of all-MiniLM-L6-v2 sentence
  vectors, which also sees paraphrases that share few words.

``scripts/build_datasets.py`` uses the first two while it builds the data;
:func:`leakage_report` runs all three on finished splits. Items are prompt
strings or data rows (dialogues, questions, curation-log rows).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

WORD_OVERLAP_THRESHOLD = 0.8
# The course data keeps every held-out prompt below this similarity to any train prompt.
COSINE_THRESHOLD = 0.95

Pair = tuple[int, int, float]  # (index in a, index in b, score)


def normalise_prompt(text: str) -> str:
    """Lower-case ``text`` and keep only its letters and digits, one space apart.

    Two prompts with the same normal form differ only in case, punctuation or
    spacing, which a model barely notices: for a leakage check they are the same.

    >>> normalise_prompt("  Snacks before TRAINING?! ")
    'snacks before training'
    """
    if not isinstance(text, str):
        raise TypeError(f"a prompt must be a string, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("the prompt is empty: every example needs a question to learn from.")
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def prompt_text(item: str | Mapping[str, Any]) -> str:
    """The prompt of a string, a dialogue (its first user message), a question or a curation-log row.

    >>> prompt_text({"id": "q-1", "question": "Soup today?"})
    'Soup today?'
    """
    if isinstance(item, str):
        return item
    if not isinstance(item, Mapping):
        raise TypeError(f"expected a prompt string or a data row, got {type(item).__name__}.")
    if "messages" in item:
        user = [m for m in item["messages"] if isinstance(m, Mapping) and m.get("role") == "user"]
        if not user:
            raise ValueError(f"dialogue {item.get('id', '?')} has no user message to compare.")
        return user[0].get("content", "")
    for key in ("question", "prompt"):
        if key in item:
            return item[key]
    raise ValueError(f"cannot find a prompt in a row with fields {sorted(item)}: "
                     "expected 'messages' (dialogue), 'question' or 'prompt'.")


def word_overlap(a: str, b: str) -> float:
    """Share of the shorter prompt's distinct words that the other prompt also has (0 to 1).

    Relative to the *shorter* prompt, so adding an opener ("Quick question:") or
    a "please" to a prompt does not hide the copy.

    >>> word_overlap("Lunch ideas?", "Any lunch ideas, please?")
    1.0
    """
    sa, sb = set(normalise_prompt(a).split()), set(normalise_prompt(b).split())
    return len(sa & sb) / max(1, min(len(sa), len(sb)))


def _texts(items: Sequence[Any], what: str) -> list[str]:
    if isinstance(items, (str, Mapping)) or not isinstance(items, Sequence):
        raise TypeError(f"{what} must be a list of prompts or rows; wrap a single one as [item].")
    texts = []
    for n, item in enumerate(items):
        text = prompt_text(item)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{what}[{n}] has an empty prompt: fix or drop that row.")
        texts.append(text)
    return texts


def exact_duplicates(items_a: Sequence[Any], items_b: Sequence[Any] | None = None) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` whose prompts have the same :func:`normalise_prompt` form.

    Items are prompt strings or data rows (see :func:`prompt_text`). With one
    list, pairs inside it (``i < j``); with two, pairs across them.

    >>> exact_duplicates(["Snacks?", "Lunch?", "snacks!!"])
    [(0, 2)]
    """
    a = [normalise_prompt(t) for t in _texts(items_a, "items_a")]
    b = a if items_b is None else [normalise_prompt(t) for t in _texts(items_b, "items_b")]
    where: dict[str, list[int]] = {}
    for j, key in enumerate(b):
        where.setdefault(key, []).append(j)
    return [(i, j) for i, key in enumerate(a) for j in where.get(key, []) if items_b is not None or j > i]


def word_overlaps(items_a: Sequence[Any], items_b: Sequence[Any] | None = None,
                  threshold: float = WORD_OVERLAP_THRESHOLD) -> list[Pair]:
    """Pairs ``(i, j, overlap)`` with :func:`word_overlap` at or above ``threshold``, in index order.

    >>> word_overlaps(["Lunch ideas?", "Dinner?"], ["Any lunch ideas, please?"])
    [(0, 0, 1.0)]
    """
    _threshold(threshold)
    a = [set(normalise_prompt(t).split()) for t in _texts(items_a, "items_a")]
    b = a if items_b is None else [set(normalise_prompt(t).split()) for t in _texts(items_b, "items_b")]
    pairs = ((i, j) for i in range(len(a)) for j in (range(i + 1, len(a)) if items_b is None else range(len(b))))
    scores = ((i, j, len(a[i] & b[j]) / max(1, min(len(a[i]), len(b[j])))) for i, j in pairs)
    return [(i, j, score) for i, j, score in scores if score >= threshold]


def embed(embedder: Any, items: Sequence[Any], *, progress: bool = False) -> np.ndarray:
    """Unit-length sentence vectors of the prompts, one row each, so a dot product is a cosine.

    ``progress=True`` shows the embedder's progress bar (sentence-transformers).

    >>> embed(embedder, ["Snacks?"]).shape      # embedder = models.load_embedder()
    (1, 384)
    """
    texts = _texts(items, "items")
    if not texts:
        raise ValueError("nothing to embed: the list of prompts is empty.")
    extra = {"show_progress_bar": True} if progress else {}
    return np.asarray(embedder.encode(texts, batch_size=64, normalize_embeddings=True, **extra), dtype=np.float32)


def nearest(embedder: Any, items_a: Sequence[Any], items_b: Sequence[Any]) -> list[Pair]:
    """For every item of ``a``, its most similar item of ``b``: ``(i, j, cosine)``.

    >>> pairs = nearest(embedder, ["Snacks before the gym?", "Tofu for dinner?"],
    ...                 ["Soup for a cold day?", "Gym snack ideas?", "Tofu dinner ideas?"])
    >>> [(i, j, round(cosine, 2)) for i, j, cosine in pairs]
    [(0, 1, 0.83), (1, 2, 0.87)]
    """
    return _nearest(embed(embedder, items_a) @ embed(embedder, items_b).T)


def near_duplicates(embedder: Any, items_a: Sequence[Any], items_b: Sequence[Any] | None = None,
                    threshold: float = COSINE_THRESHOLD) -> list[Pair]:
    """Pairs ``(i, j, cosine)`` whose sentence vectors are at least ``threshold`` alike, in index order.

    With one list, pairs inside it (``i < j``); with two, pairs across them.

    >>> [(i, j, round(c, 2)) for i, j, c in near_duplicates(embedder, ["Snacks before the gym?"],
    ...                                                      ["Gym snack ideas?", "Soup for a cold day?"], 0.8)]
    [(0, 0, 0.83)]
    """
    _threshold(threshold)
    va = embed(embedder, items_a)
    sims = va @ (va if items_b is None else embed(embedder, items_b)).T
    return _above(sims, threshold, within=items_b is None)


def _threshold(value: float) -> None:
    if not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError(f"threshold must be a number in (0, 1], got {value!r}.")


def _nearest(sims: np.ndarray) -> list[Pair]:
    best = sims.argmax(axis=1)
    return [(i, int(j), float(sims[i, j])) for i, j in enumerate(best)]


def _above(sims: np.ndarray, threshold: float, within: bool) -> list[Pair]:
    if within:  # each pair once, and never an item with itself
        sims = np.where(np.triu(np.ones(sims.shape, dtype=bool), k=1), sims, -np.inf)
    return [(int(i), int(j), float(sims[i, j])) for i, j in zip(*np.nonzero(sims >= threshold), strict=True)]


@dataclass
class Leak:
    """One suspicious pair: an item of ``group`` too close to an item of an earlier group."""

    check: str  # "duplicate", "word_overlap" or "embedding"
    group: str
    id: str
    text: str
    other_group: str
    other_id: str
    other_text: str
    score: float


@dataclass
class LeakageReport:
    """All leaks between groups, plus each item's nearest neighbour in every earlier group."""

    leaks: list[Leak]
    sizes: dict[str, int]
    nearest: dict[tuple[str, str], list[Pair]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.leaks

    def max_similarity(self, group: str, other: str) -> list[float]:
        """Each ``group`` item's highest cosine to any ``other`` item (needs the embedder)."""
        if (group, other) not in self.nearest:
            raise KeyError(f"no similarities for {group}->{other}; pairs: {sorted(self.nearest)} "
                           "(later groups are compared with earlier ones; pass an embedder).")
        return [score for _, _, score in self.nearest[(group, other)]]

    def __str__(self) -> str:
        lines = [f"{'pair':24} {'items':>6} {'same text':>10} {'words':>6} {'cosine':>7} {'max cos':>8}"]
        for (g, o) in _group_pairs(list(self.sizes)):
            n = {c: sum(1 for x in self.leaks if (x.group, x.other_group, x.check) == (g, o, c))
                 for c in ("duplicate", "word_overlap", "embedding")}
            top = f"{max(self.max_similarity(g, o)):.3f}" if (g, o) in self.nearest else "-"
            lines.append(f"{g + ' -> ' + o:24} {self.sizes[g]:>6} {n['duplicate']:>10} {n['word_overlap']:>6} "
                         f"{n['embedding']:>7} {top:>8}")
        return "\n".join(lines)


def _group_pairs(names: list[str]) -> list[tuple[str, str]]:
    return [(g, o) for k, g in enumerate(names) for o in names[:k]]


def _item_id(item: Any, index: int) -> str:
    if isinstance(item, Mapping):
        return str(item.get("id") or item.get("candidate_id") or f"#{index}")
    return f"#{index}"


def leakage_report(groups: Mapping[str, Sequence[Any]], embedder: Any = None, *,
                   word_threshold: float = WORD_OVERLAP_THRESHOLD,
                   cosine_threshold: float = COSINE_THRESHOLD, progress: bool = False) -> LeakageReport:
    """Check every group against every earlier one for shared prompts: text, words, meaning.

    Put the training data first: each later group (validation, test, evaluation
    questions) is compared with all groups before it. Without an ``embedder``
    only the two lexical checks run. Every group is embedded once. A pair can be
    found by more than one check (an exact copy also shares all its words).

    >>> train = ["Snacks before the gym?", "Tofu dinner ideas?"]
    >>> test = ["Soup for a cold day?", "What goes in a tomato curry?"]
    >>> report = leakage_report({"train": train, "test": test}, embedder)
    >>> report.ok, round(max(report.max_similarity("test", "train")), 2)
    (True, 0.39)
    """
    if not isinstance(groups, Mapping) or len(groups) < 2:
        raise ValueError("leakage_report() needs a dict of at least two groups, e.g. {'train': ..., 'test': ...}.")
    texts = {name: _texts(items, f"group {name!r}") for name, items in groups.items()}
    empty = [name for name, t in texts.items() if not t]
    if empty:
        raise ValueError(f"group(s) {empty} are empty: load them first.")
    vectors = {name: embed(embedder, t, progress=progress) for name, t in texts.items()} if embedder is not None else {}
    report = LeakageReport([], {name: len(t) for name, t in texts.items()})
    for g, o in _group_pairs(list(groups)):
        found = [("duplicate", i, j, 1.0) for i, j in exact_duplicates(texts[g], texts[o])]
        found += [("word_overlap", i, j, s) for i, j, s in word_overlaps(texts[g], texts[o], word_threshold)]
        if vectors:
            sims = vectors[g] @ vectors[o].T
            report.nearest[(g, o)] = _nearest(sims)
            found += [("embedding", i, j, s) for i, j, s in _above(sims, cosine_threshold, within=False)]
        for check, i, j, score in found:
            report.leaks.append(Leak(check, g, _item_id(groups[g][i], i), texts[g][i],
                                     o, _item_id(groups[o][j], j), texts[o][j], round(score, 4)))
    return report
