"""Retrievers: one ``search(query, k) -> list[Hit]`` interface over BM25, dense, hybrid and parent search.

Any object with ``search(query, k)`` and ``search_many(queries, k)`` returning
:class:`course_lib.rag.vectorstore.Hit` lists is a :class:`Retriever`, so retrievers stack: a hybrid
fuses two of them (``course_lib.rag.fusion.HybridRetriever``), and the wrappers in
``course_lib.rag.query_filters`` (metadata filters), ``course_lib.rag.rerank`` (reranking, HyDE) and
``course_lib.rag.fusion`` (MMR) take one in and give one back. A corpus is any sequence of records:
mappings with ``id`` and ``text`` (optional ``title`` and further metadata fields),
``(id, text[, title])`` tuples, or objects with ``id``/``text`` attributes such as
:class:`course_lib.rag.chunking.Chunk`. The searched text is ``title + "\\n\\n" +
text``. Hits carry the record's plain (str, number, bool) fields as metadata, as the vector store
does. Like the store, ``k`` larger than the corpus raises.
"""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from course_lib.rag.vectorstore import Hit
from course_lib.rag.vectorstore_faiss import FaissStore

__all__ = ["RetrieverError", "Retriever", "BaseRetriever", "as_records", "check_search", "tokenize",
           "BM25Retriever", "DenseRetriever", "ParentRetriever", "retrieve_run", "latency", "hit_metadata",
           "TOKEN_PATTERN"]


class RetrieverError(ValueError):
    """Bad input to a retriever; the message says what to do instead."""


@runtime_checkable
class Retriever(Protocol):
    """Anything that ranks documents for a query: ``search`` one query, ``search_many`` a list."""

    def search(self, query: str, k: int) -> list[Hit]: ...

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]: ...


def as_records(records: Iterable[Any]) -> list[dict]:
    """A corpus as a list of dicts with string ``id`` and non-empty ``text``, checked for duplicates.

    >>> as_records([("d1", "Oat porridge", "Breakfast")])
    [{'id': 'd1', 'text': 'Oat porridge', 'title': 'Breakfast'}]
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise RetrieverError("records must be a list of {'id', 'text'[, 'title']} records (or (id, text) tuples).")
    out, seen = [], set()
    for n, rec in enumerate(records):
        if isinstance(rec, Mapping):
            row = dict(rec)
        elif isinstance(rec, tuple) and len(rec) in (2, 3):
            row = dict(zip(("id", "text", "title"), rec, strict=False))  # a record may have no title
        elif hasattr(rec, "id") and hasattr(rec, "text"):  # e.g. a chunking.Chunk: keep its parent id
            row = {**dict(getattr(rec, "metadata", {}) or {}), "id": rec.id, "text": rec.text}
            if hasattr(rec, "doc_id"):
                row["doc_id"] = rec.doc_id
        else:
            raise RetrieverError(f"Record {n} is a {type(rec).__name__}; give a mapping with 'id' and 'text'.")
        if "id" not in row or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise RetrieverError(f"Record {n} needs an 'id' and a non-empty 'text'; drop or fill it.")
        row["id"] = str(row["id"])
        if row["id"] in seen:
            raise RetrieverError(f"Duplicate id {row['id']!r}: every record needs its own id.")
        seen.add(row["id"])
        out.append(row)
    if not out:
        raise RetrieverError("The corpus is empty: pass at least one {'id', 'text'} record.")
    return out


def searched_text(rec: Mapping[str, Any]) -> str:
    """The text a retriever indexes for a record: its title (when it has one), a blank line, its text.

    The title often names what the body never repeats (a menu's date, a food's name).

    >>> searched_text({"id": "m1", "title": "Menu, Monday 5 January", "text": "Leek soup."})
    'Menu, Monday 5 January\\n\\nLeek soup.'
    """
    return f"{rec['title']}\n\n{rec['text']}" if rec.get("title") else rec["text"]


def hit_metadata(rec: Mapping[str, Any]) -> dict:
    """A record's plain (str, number, bool) fields except id and text: what its hits carry.

    The vector store keeps only plain values, so every retriever's hits carry the same.

    >>> hit_metadata({"id": "d1", "text": "...", "type": "menu", "dishes": [{"code": "D-813"}]})
    {'type': 'menu'}
    """
    return {k: v for k, v in rec.items() if k not in ("id", "text") and isinstance(v, (str, int, float, bool))}


def check_search(query: Any, k: Any, size: int) -> None:
    """Refuse an empty query, a non-positive ``k`` or ``k`` above the corpus size, as the vector store does."""
    if not isinstance(query, str) or not query.strip():
        raise RetrieverError(f"The query must be non-empty text, got {query!r}.")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise RetrieverError(f"k must be a positive int, got {k!r}.")
    if k > size:
        raise RetrieverError(f"k={k} is larger than the corpus ({size} documents); ask for k <= {size}.")


class BaseRetriever:
    """Shared parts: ``records`` by id, ``len()``, and ``search_many`` as a loop over ``search``."""

    records: dict[str, dict]

    def __len__(self) -> int:
        return len(self.records)

    def search(self, query: str, k: int) -> list[Hit]:
        raise NotImplementedError

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        """Search each query in turn (subclasses batch where it pays)."""
        if isinstance(queries, str):
            raise RetrieverError("search_many takes a list of queries; wrap one query as [query].")
        return [self.search(q, k) for q in queries]

    def text_of(self, doc_id: str) -> str:
        """The text a document is searched (and reranked) by: its title and body."""
        return searched_text(self.records[doc_id])


# Course tokenisation for BM25: lower case; a letter-dash-digits code ("D-813") is one token, else
# words of 2+ letters or digits as in scikit-learn; bm25s's English stop words dropped; no stemming.
TOKEN_PATTERN = r"(?u)\b\w-\d+\b|\b\w\w+\b"


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """The course's BM25 tokens of each text (see :data:`TOKEN_PATTERN`).

    >>> tokenize(["How much did D-294 cost at the canteen?"])
    [['how', 'much', 'did', 'd-294', 'cost', 'canteen']]
    """
    import bm25s

    return bm25s.tokenize(list(texts), token_pattern=TOKEN_PATTERN, stopwords="en", return_ids=False,
                          show_progress=False)


class BM25Retriever(BaseRetriever):
    """Lexical search with BM25 (bm25s, Lucene variant, ``k1=1.5``, ``b=0.75``) over :func:`tokenize`.

    Only documents sharing at least one token with the query are returned (score > 0), so a
    query of unknown words gives fewer than ``k`` hits. Ties keep corpus order.

    >>> bm25 = BM25Retriever([("a", "lentil soup"), ("b", "oat porridge with milk")])
    >>> [h.id for h in bm25.search("porridge", k=2)]
    ['b']
    """

    def __init__(self, records: Iterable[Any], k1: float = 1.5, b: float = 0.75, method: str = "lucene") -> None:
        import bm25s

        rows = as_records(records)
        self.records = {r["id"]: r for r in rows}
        self._ids = list(self.records)
        self.index = bm25s.BM25(k1=k1, b=b, method=method)
        self.index.index(tokenize([searched_text(r) for r in rows]), show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query, in corpus order."""
        tokens = [t for t in tokenize([query])[0] if t in self.index.vocab_dict]
        if not tokens:
            return np.zeros(len(self._ids), dtype=np.float32)
        return self.index.get_scores(tokens)

    def search(self, query: str, k: int) -> list[Hit]:
        check_search(query, k, len(self))
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self._ids[i], float(scores[i]), hit_metadata(self.records[self._ids[i]]))
                for i in order if scores[i] > 0]


class DenseRetriever(BaseRetriever):
    """Cosine search over sentence embeddings in a vector store (a flat :class:`FaissStore` by default).

    Documents are encoded in batches with a tqdm bar; ``add`` and ``delete`` update the live index
    (no rebuild). The unit vectors are also kept by id, for MMR and HyDE.

    >>> dense = DenseRetriever([("a", "lentil soup"), ("b", "oat porridge")], embedder, progress=False)
    >>> dense.search("a bowl of porridge", k=1)[0].id
    'b'
    """

    def __init__(self, records: Iterable[Any], embedder: Any, store: Any = None, batch_size: int = 64,
                 progress: bool = True) -> None:
        self.embedder, self.batch_size, self.progress = embedder, batch_size, progress
        dim_of = getattr(embedder, "get_embedding_dimension", None) or embedder.get_sentence_embedding_dimension
        if store is None:
            store = FaissStore(int(dim_of()), "flat")
        if len(store):
            raise RetrieverError("Pass an empty store: DenseRetriever fills it from the records.")
        self.store, self.records, self.vectors = store, {}, {}
        self.add(records)

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Unit-length embeddings of ``texts`` in batches of ``batch_size``, with a tqdm bar when asked.

        One call to sentence-transformers, which sorts the texts by length first, so each batch
        pads little (about twice as fast as fixed-order batches on mixed lengths).
        """
        x = self.embedder.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                 show_progress_bar=progress and len(texts) > self.batch_size)
        return np.asarray(x, dtype=np.float32)

    def add(self, records: Iterable[Any]) -> None:
        """Encode and add new records to the live index; a duplicate id raises and nothing is added."""
        rows = as_records(records)
        twice = [r["id"] for r in rows if r["id"] in self.records]
        if twice:
            raise RetrieverError(f"ids already indexed: {twice[:5]}; delete() them first to replace them.")
        x = self.encode([searched_text(r) for r in rows], progress=self.progress)
        self.store.add([r["id"] for r in rows], x, [hit_metadata(r) for r in rows])
        for r, v in zip(rows, x, strict=True):
            self.records[r["id"]], self.vectors[r["id"]] = r, v

    def delete(self, ids: Sequence[str]) -> None:
        """Remove documents by id from the live index (an unknown id raises, as in the store)."""
        ids = [ids] if isinstance(ids, str) else list(ids)
        self.store.delete(ids)
        for i in ids:
            del self.records[i], self.vectors[i]

    def search_vectors(self, vectors: np.ndarray, k: int) -> list[list[Hit]]:
        """Search by query vectors (rows), e.g. HyDE's embedded hypothetical answers."""
        check_search("vector", k, len(self))
        return self.store.search(np.asarray(vectors, dtype=np.float32), k)

    def search(self, query: str, k: int) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        if isinstance(queries, str) or not queries:
            raise RetrieverError("search_many takes a non-empty list of queries; wrap one query as [query].")
        for q in queries:
            check_search(q, k, len(self))
        return self.search_vectors(self.encode(list(queries)), k)


def retrieve_run(retriever: Retriever, queries: Mapping[str, str], k: int) -> dict[str, list[str]]:
    """A run ``{query id: [doc ids, best first]}`` for ``course_lib.rag.ranking.evaluate_run``.

    >>> retrieve_run(BM25Retriever([("a", "lentil soup"), ("b", "oat porridge")]), {"q1": "soup"}, k=2)
    {'q1': ['a']}
    """
    if not isinstance(queries, Mapping) or not queries:
        raise RetrieverError("queries must be a non-empty mapping {query id: query text}.")
    hits = retriever.search_many(list(queries.values()), k)
    return {qid: [h.id for h in row] for qid, row in zip(queries, hits, strict=True)}


class ParentRetriever(BaseRetriever):
    """Search small chunks, return their parent documents: deduplicated, ranked by their best chunk.

    ``parent_field`` names the chunk field holding the parent id (``doc_id`` for
    ``course_lib.rag.chunking`` chunks). Each hit is the parent with the best chunk's score and id.

    >>> chunks = BM25Retriever([{"id": "a#0", "text": "soup", "doc_id": "a"},
    ...                         {"id": "a#1", "text": "lentil soup", "doc_id": "a"},
    ...                         {"id": "b#0", "text": "porridge", "doc_id": "b"}])
    >>> [(h.id, h.metadata["chunk_id"]) for h in ParentRetriever(chunks, [("a", "soup; lentil soup"),
    ...                                                               ("b", "porridge")]).search("lentil soup", k=1)]
    [('a', 'a#1')]
    """

    def __init__(self, chunk_retriever: Retriever, parents: Iterable[Any], parent_field: str = "doc_id") -> None:
        self.chunks, self.parent_field = chunk_retriever, parent_field
        self.records = {r["id"]: r for r in as_records(parents)}
        orphans = [c["id"] for c in chunk_retriever.records.values() if c.get(parent_field) not in self.records]
        if orphans:
            raise RetrieverError(f"Chunks {orphans[:5]} have no parent among the parents (field {parent_field!r}); "
                                 "pass every parent document.")

    def search(self, query: str, k: int) -> list[Hit]:
        check_search(query, k, len(self))
        n = min(len(self.chunks.records), 4 * k)
        while True:  # widen the chunk search until k distinct parents appear (or every chunk is ranked)
            best = parent_hits(self.chunks.search(query, n), lambda h: self.chunks.records[h.id][self.parent_field])
            if len(best) >= k or n == len(self.chunks.records):
                break
            n = min(len(self.chunks.records), 2 * n)
        return [Hit(h.id, h.score, {**hit_metadata(self.records[h.id]), **h.metadata}) for h in best[:k]]


def parent_hits(hits: Sequence[Hit], parent_of: Callable[[Hit], str]) -> list[Hit]:
    """Chunk hits (best first) merged into their parents: each parent once, at its best chunk's rank and score.

    Ranking metrics count documents, so chunk hits are merged before scoring; otherwise three
    chunks of one wrong document would fill a top 3. ``metadata["chunk_id"]`` names the best chunk.

    >>> hits = [Hit("g1#2", 0.9, {}), Hit("g1#0", 0.8, {}), Hit("g2#1", 0.7, {})]
    >>> [(h.id, h.metadata["chunk_id"]) for h in parent_hits(hits, lambda h: h.id.split("#")[0])]
    [('g1', 'g1#2'), ('g2', 'g2#1')]
    """
    best: dict[str, Hit] = {}
    for hit in hits:
        best.setdefault(parent_of(hit), hit)
    return [Hit(parent, h.score, {"chunk_id": h.id}) for parent, h in best.items()]


def latency(retriever: Retriever, queries: Sequence[str], k: int) -> float:
    """Median seconds per query of ``retriever.search`` over ``queries`` (after one warm-up query).

    >>> latency(BM25Retriever([("a", "lentil soup")]), ["soup", "lentils"], k=1) < 1
    True
    """
    if isinstance(queries, str) or not queries:
        raise RetrieverError("latency needs a non-empty list of queries.")
    retriever.search(queries[0], k)  # first call pays for lazy set-up (caches, thread pools)
    times = []
    for q in queries:
        began = time.perf_counter()
        retriever.search(q, k)
        times.append(time.perf_counter() - began)
    return statistics.median(times)
