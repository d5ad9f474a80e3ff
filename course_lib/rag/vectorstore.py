"""A vector store: vectors with string ids and metadata, searched by cosine, on faiss or Qdrant.

:class:`VectorStore` is the interface and holds what every backend shares (id and metadata
book-keeping, input checks, the ``where`` filter language). Two backends implement it, each in
its own module and both importable from here: ``FaissStore`` keeps the vectors in a faiss index
(exact ``flat``, graph ``hnsw`` or clustered ``ivf``), ``QdrantStore`` in Qdrant (embedded mode,
or a server given by URL). :func:`memory_bytes` is the arithmetic of an index's size, for sizes
we cannot build here; :func:`recall_against_exact` scores an approximate index against exact search.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

import numpy as np

KINDS = ("flat", "hnsw", "ivf")
METRICS = ("cosine", "dot")
RANGE_OPS = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt"}
# Qdrant addresses payload fields by a key path, so a field name must be a plain word.
_FIELD = re.compile(r"^\w+$")


class VectorStoreError(ValueError):
    """Bad input to a vector store; the message says what to do instead."""


@dataclass(frozen=True)
class Hit:
    """One search result: the stored id, its similarity to the query and its metadata."""
    id: str
    score: float
    metadata: dict


def _as_datetime(value: Any) -> datetime | None:
    """An ISO date or datetime string as an aware datetime (naive means UTC, as in Qdrant)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _bound(value: Any) -> float | datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    when = _as_datetime(value)
    if when is None:
        raise VectorStoreError(f"A range bound must be a number or an ISO date like '2026-01-05', got {value!r}.")
    return when


class VectorStore:
    """What every backend shares; subclasses implement ``_insert``, ``_remove`` and ``_search``."""

    def __init__(self, dim: int, metric: str = "cosine") -> None:
        if not isinstance(dim, int) or dim < 1:
            raise VectorStoreError(f"dim must be a positive int (the embedding size, e.g. 384), got {dim!r}.")
        if metric not in METRICS:
            raise VectorStoreError(f"metric must be one of {METRICS}, got {metric!r}.")
        self.dim, self.metric = dim, metric
        self._meta: dict[str, dict] = {}
        self._fields: Counter = Counter()  # field -> number of live items that carry it

    def __len__(self) -> int:
        return len(self._meta)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._meta

    def close(self) -> None:
        """Release files or connections the backend holds (nothing, for faiss)."""

    # ---- input checks, shared so both backends refuse exactly the same things -------------------
    def _vectors(self, vectors: Any, what: str) -> np.ndarray:
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim == 1 and what == "queries":
            x = x[None, :]  # one query given as a plain vector
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise VectorStoreError(f"{what} must have shape (n, {self.dim}), got {x.shape}.")
        if len(x) == 0:
            raise VectorStoreError(f"{what} is empty: pass at least one vector.")
        if not np.isfinite(x).all():
            raise VectorStoreError(f"{what} contain NaN or infinite values; check the embedding step.")
        if self.metric == "cosine":
            norms = np.linalg.norm(x, axis=1, keepdims=True)
            if (norms == 0).any():
                raise VectorStoreError(f"{what} contain an all-zero vector, which has no cosine; drop it.")
            x = x / norms  # cosine = inner product of unit vectors, so every backend can use one metric
        return np.ascontiguousarray(x, dtype=np.float32)

    def _batch(self, ids: Sequence[str], vectors: Any, metadata: Sequence[Mapping] | None):
        if isinstance(ids, str):
            raise VectorStoreError("ids must be a list of strings, not one string: wrap it as [id].")
        ids = list(ids)
        if not all(isinstance(i, str) and i for i in ids):
            raise VectorStoreError("Every id must be a non-empty string (convert numbers with str()).")
        twice = [i for i, c in Counter(ids).items() if c > 1]
        if twice:
            raise VectorStoreError(f"ids repeat within one batch: {twice[:5]}; each id may appear once.")
        x = self._vectors(vectors, "vectors")
        if metadata is not None and (isinstance(metadata, Mapping) or not all(isinstance(m, Mapping) for m in metadata)):
            raise VectorStoreError("metadata must be a list with one dict per id (or None).")
        metas = [{} for _ in ids] if metadata is None else [dict(m) for m in metadata]
        if not (len(ids) == len(x) == len(metas)):
            raise VectorStoreError(f"Got {len(ids)} ids, {len(x)} vectors and {len(metas)} metadata dicts; "
                                   "they must have the same length.")
        for meta in metas:
            for key, value in meta.items():
                if not (isinstance(key, str) and _FIELD.match(key)):
                    raise VectorStoreError(f"Metadata field {key!r} must be a word of letters, digits or _.")
                if not isinstance(value, (str, int, float, bool, type(None))) or value != value:  # NaN != NaN
                    raise VectorStoreError(f"Metadata {key}={value!r} must be a str, number, bool or None "
                                           "(store lists as separate fields or a joined string).")
        return ids, x, metas

    def _remember(self, ids: list[str], metas: list[dict]) -> None:
        for item_id, meta in zip(ids, metas, strict=True):
            self._meta[item_id] = meta
            self._fields.update(meta.keys())

    def _forget(self, ids: list[str]) -> None:
        for item_id in ids:
            self._fields.subtract(self._meta.pop(item_id).keys())
        self._fields += Counter()  # drops fields no live item carries any more

    def _conditions(self, where: Mapping[str, Any] | None) -> list[tuple[str, str, Any]]:
        """Parse ``where`` into (field, 'eq'|'in'|'range', value) triples, refusing what we cannot do."""
        if where is not None and not isinstance(where, Mapping):
            raise VectorStoreError(f"where must be a dict like {{'type': 'menu'}}, got {type(where).__name__}.")
        conds = []
        for field, rule in (where or {}).items():
            if field not in self._fields:
                raise VectorStoreError(f"No stored item has the field {field!r}; known fields: "
                                       f"{sorted(self._fields)}. Check the spelling.")
            if isinstance(rule, Mapping):
                values = rule.get("in")
                # Qdrant matches a list of all-str or all-int values, so the faiss backend accepts only those too.
                if set(rule) == {"in"} and isinstance(values, (list, tuple)) and values and (
                        all(isinstance(v, str) for v in values)
                        or all(isinstance(v, int) and not isinstance(v, bool) for v in values)):
                    conds.append((field, "in", tuple(values)))
                elif rule and set(rule) <= set(RANGE_OPS):
                    bounds = {RANGE_OPS[op]: _bound(v) for op, v in rule.items()}
                    if len({type(b) for b in bounds.values()}) > 1:
                        raise VectorStoreError(f"Range on {field!r} mixes numbers and dates; use one kind.")
                    conds.append((field, "range", bounds))
                else:
                    raise VectorStoreError(f"Filter on {field!r} must be a value, {{'in': [str or int values]}} or "
                                           f"ranges with {sorted(RANGE_OPS)}, got {rule!r}.")
            elif isinstance(rule, (str, int, bool)):
                conds.append((field, "eq", rule))
            else:
                raise VectorStoreError(f"Filter {field}={rule!r}: match a str, int or bool exactly, "
                                       "use {'in': [...]} for several values and a range for floats.")
        return conds

    @staticmethod
    def _matches(meta: Mapping[str, Any], conds: list[tuple[str, str, Any]]) -> bool:
        def same(a: Any, b: Any) -> bool:  # Qdrant does not match True with 1, so neither do we
            return isinstance(a, bool) == isinstance(b, bool) and a == b
        for field, kind, rule in conds:
            value = meta.get(field)
            if kind == "eq" and not same(value, rule) or kind == "in" and not any(same(value, r) for r in rule):
                return False
            if kind == "range":
                as_num = isinstance(value, (int, float)) and not isinstance(value, bool)
                value = float(value) if as_num else _as_datetime(value)
                if value is None or any(type(value) is not type(b) for b in rule.values()):
                    return False
                ok = {"gte": value.__ge__, "gt": value.__gt__, "lte": value.__le__, "lt": value.__lt__}
                if not all(ok[op](b) for op, b in rule.items()):
                    return False
        return True

    # ---- the public interface ---------------------------------------------------------------------
    def add(self, ids: Sequence[str], vectors: Any, metadata: Sequence[Mapping] | None = None) -> None:
        """Add new vectors under new string ids, each with an optional metadata dict.

        An id already in the store raises :class:`VectorStoreError` (use :meth:`upsert` to
        replace it) and nothing is added. Vectors are L2-normalised first for cosine.

        >>> from course_lib.rag import FaissStore
        >>> store = FaissStore(2)
        >>> store.add(["a", "b"], [[1, 0], [0, 2]], [{"type": "menu"}, {"type": "faq"}])
        >>> len(store), store.search([[3, 1]], k=1)[0][0].id
        (2, 'a')
        """
        ids, x, metas = self._batch(ids, vectors, metadata)
        present = [i for i in ids if i in self._meta]
        if present:
            raise VectorStoreError(f"ids already stored: {present[:5]}; use upsert() to replace them.")
        self._insert(ids, x, metas)
        self._remember(ids, metas)

    def upsert(self, ids: Sequence[str], vectors: Any, metadata: Sequence[Mapping] | None = None) -> None:
        """Add vectors, replacing the vector and metadata of any id already stored.

        >>> from course_lib.rag import FaissStore
        >>> store = FaissStore(2); store.add(["a"], [[1, 0]], [{"v": 1}])
        >>> store.upsert(["a"], [[0, 1]], [{"v": 2}]); store.search([[0, 1]], k=1)[0][0].metadata
        {'v': 2}
        """
        ids, x, metas = self._batch(ids, vectors, metadata)
        present = [i for i in ids if i in self._meta]
        if present:
            self._remove(present)
            self._forget(present)
        self._insert(ids, x, metas)
        self._remember(ids, metas)

    def delete(self, ids: Sequence[str]) -> None:
        """Delete items by id; an id that is not stored raises and nothing is deleted.

        >>> from course_lib.rag import FaissStore
        >>> store = FaissStore(2); store.add(["a", "b"], [[1, 0], [0, 1]]); store.delete(["a"]); len(store)
        1
        """
        ids = [ids] if isinstance(ids, str) else list(ids)
        unknown = [i for i in ids if i not in self._meta]
        if unknown or not ids:
            raise VectorStoreError(f"Cannot delete ids that are not stored: {unknown[:5]}." if unknown
                                   else "delete() got no ids.")
        ids = list(dict.fromkeys(ids))
        self._remove(ids)
        self._forget(ids)

    def search(self, queries: Any, k: int, where: Mapping[str, Any] | None = None) -> list[list[Hit]]:
        """The ``k`` most similar items for each query, best first, optionally filtered by metadata.

        ``where`` keeps items whose metadata match every field: a value (``{"type": "menu"}``),
        ``{"in": [...]}``, or a range over numbers or ISO dates (``{"date": {">=": "2026-01-05"}}``).
        ``k`` larger than the store raises; with a filter, fewer than ``k`` items may match and
        fewer hits come back. A field that no stored item has raises.

        >>> from course_lib.rag import FaissStore
        >>> store = FaissStore(2); store.add(["a", "b"], [[1, 0], [1, 1]], [{"n": 1}, {"n": 5}])
        >>> [h.id for h in store.search([[1, 0]], k=1, where={"n": {">": 2}})[0]]
        ['b']
        """
        if not self._meta:
            raise VectorStoreError("The store is empty: add vectors before searching.")
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise VectorStoreError(f"k must be a positive int, got {k!r}.")
        if k > len(self):
            raise VectorStoreError(f"k={k} is larger than the store ({len(self)} items); ask for k <= {len(self)}.")
        conds = self._conditions(where)
        return self._search(self._vectors(queries, "queries"), k, conds)

    def _insert(self, ids: list[str], x: np.ndarray, metas: list[dict]) -> None:
        raise NotImplementedError

    def _remove(self, ids: list[str]) -> None:
        raise NotImplementedError

    def _search(self, q: np.ndarray, k: int, conds: list) -> list[list[Hit]]:
        raise NotImplementedError




def memory_bytes(n: int, dim: int, kind: str = "flat", *, M: int = 32, nlist: int = 1024,
                 pq_m: int | None = None) -> int:
    """Bytes a faiss index of ``n`` float32 vectors of size ``dim`` holds, by arithmetic.

    Every kind stores an int64 id per vector (8 bytes). ``flat`` stores each vector whole
    (4*dim bytes). ``hnsw`` adds its graph: 2*M neighbour slots on the bottom layer and M on each
    upper layer, a node reaching M/(M-1) upper layers on average with faiss's level rule, 4 bytes
    a slot, plus 12 bytes of per-node offsets and levels. ``ivf`` stores each vector whole (or as
    ``pq_m`` one-byte codes with product quantisation) plus ``nlist`` centroids (and 256*dim
    codebook floats for PQ). The ids-to-strings map and metadata kept beside it are not counted.

    >>> memory_bytes(1_000_000, 384, "flat") / 1e9, round(memory_bytes(10**6, 384, "hnsw", M=32) / 1e9, 2)
    (1.544, 1.82)
    """
    if kind not in KINDS:
        raise VectorStoreError(f"kind must be one of {KINDS}, got {kind!r}.")
    for name, value in (("n", n), ("dim", dim), ("M", M), ("nlist", nlist)):
        if not isinstance(value, int) or value < (0 if name == "n" else 1):
            raise VectorStoreError(f"{name} must be a positive int, got {value!r}.")
    if pq_m is not None and (kind != "ivf" or not isinstance(pq_m, int) or pq_m < 1 or dim % pq_m):
        raise VectorStoreError(f"pq_m needs kind='ivf' and must divide dim={dim}, got {pq_m!r}.")
    vector = 4 * dim
    if kind == "flat":
        return n * (vector + 8)
    if kind == "hnsw":
        slots = 2 * M + M / (M - 1) if M > 1 else 2 * M
        return round(n * (vector + 8 + 4 * slots + 12))
    code = vector if pq_m is None else pq_m
    codebooks = 0 if pq_m is None else 256 * dim * 4
    return n * (code + 8) + nlist * vector + codebooks


def recall_against_exact(store: VectorStore, exact_store: VectorStore, queries: Any, k: int) -> tuple[int, int]:
    """How many of the exact top-``k`` ids the store finds, summed over queries, as ``(found, total)``.

    Recall@k of an approximate index: ``exact_store`` (a flat store with the same items) gives
    the true top-``k`` for each query; the pair feeds ``course_lib.stats.proportion(found, total)``.

    >>> from course_lib.rag import FaissStore
    >>> exact, approx = FaissStore(2), FaissStore(2)
    >>> exact.add(["a", "b", "c"], [[1, 0], [1, 1], [0, 1]]); approx.add(["a", "c"], [[1, 0], [0, 1]])
    >>> recall_against_exact(approx, exact, [[1, 0.2]], k=2)
    (1, 2)
    """
    truth = exact_store.search(queries, k)
    found = store.search(queries, k)
    hits = sum(len({h.id for h in f} & {h.id for h in t}) for f, t in zip(found, truth, strict=True))
    return hits, k * len(truth)
