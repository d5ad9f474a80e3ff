"""The Qdrant backend of :mod:`course_lib.rag.vectorstore`: the same store on Qdrant, with no server.

qdrant-client's embedded mode (``QdrantClient(":memory:")`` or ``QdrantClient(path=...)``) runs
Qdrant's search inside this Python process; passing ``url=`` points the very same code at a
Qdrant server or cluster, which is how one grows past one machine. qdrant-client is imported
only when a store is created, so the course runs without it until then. Import the class as
``from course_lib.rag import QdrantStore``.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.rag.vectorstore import Hit, VectorStore, VectorStoreError

# Qdrant point ids must be ints or UUIDs: a UUID derived from the string id is stable across
# runs, so the same id always lands on the same point; the string itself rides in the payload.
_NAMESPACE = uuid.UUID("6f0d6d3e-8c1a-4d7e-9a55-0c0ffee0c0de")
_BATCH = 512  # points per upsert call, to keep requests small when a server is used


def _point_id(item_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, item_id))


def _client_module() -> Any:
    try:
        import qdrant_client
    except ImportError as err:
        raise ImportError("QdrantStore needs qdrant-client: pip install qdrant-client") from err
    return qdrant_client


class QdrantStore(VectorStore):
    """A vector store in Qdrant: in memory (``path=None``), in a folder (``path``) or on a server (``url``).

    Payloads hold ``{"id": <string id>, "meta": <metadata>}``; ``where`` filters become Qdrant
    filters on ``meta.<field>``. Ids and metadata are also kept in Python, as in
    :class:`~course_lib.rag.vectorstore_faiss.FaissStore`, so both backends check input the same way.
    A folder is opened by one store at a time: :meth:`close` it before opening it again.

    >>> store = QdrantStore(2)                       # doctest: +SKIP
    >>> store.add(["a"], [[1, 0]]); len(store)       # doctest: +SKIP
    1
    """

    def __init__(self, dim: int, path: str | Path | None = None, metric: str = "cosine", *,
                 collection: str = "course", url: str | None = None) -> None:
        super().__init__(dim, metric)
        qdrant_client = _client_module()
        self._models = qdrant_client.models
        if url is not None and path is not None:
            raise VectorStoreError("Give either path= (embedded) or url= (server), not both.")
        self.path = None if path is None else Path(path)
        self.collection = collection
        if url is not None:
            self._client = qdrant_client.QdrantClient(url=url)
        elif path is None:
            self._client = qdrant_client.QdrantClient(":memory:")
        else:  # a positional string would be read as a server location, so name it path=
            self._client = qdrant_client.QdrantClient(path=str(path))
        distance = self._models.Distance.COSINE if metric == "cosine" else self._models.Distance.DOT
        if self._client.collection_exists(collection):
            params = self._client.get_collection(collection).config.params.vectors
            if params.size != dim or params.distance != distance:
                self._client.close()
                raise VectorStoreError(f"Collection {collection!r} holds {params.size}-d {params.distance} "
                                       f"vectors, not {dim}-d {metric}; open it with those settings.")
            for point in self._points(with_vectors=False):  # reopening: read back ids and metadata
                self._remember([point.payload["id"]], [point.payload["meta"]])
        else:
            self._client.create_collection(collection, vectors_config=self._models.VectorParams(
                size=dim, distance=distance))

    def close(self) -> None:
        """Close the client, which releases the folder's lock (embedded mode) or the connection."""
        self._client.close()

    def _points(self, with_vectors: bool):
        offset = None
        while True:
            points, offset = self._client.scroll(self.collection, limit=1024, offset=offset,
                                                 with_payload=True, with_vectors=with_vectors)
            yield from points
            if offset is None:
                return

    def _insert(self, ids: list[str], x: np.ndarray, metas: list[dict]) -> None:
        points = [self._models.PointStruct(id=_point_id(i), vector=v.tolist(), payload={"id": i, "meta": m})
                  for i, v, m in zip(ids, x, metas, strict=True)]
        for start in range(0, len(points), _BATCH):
            self._client.upsert(self.collection, points=points[start:start + _BATCH], wait=True)

    def _remove(self, ids: list[str]) -> None:
        selector = self._models.PointIdsList(points=[_point_id(i) for i in ids])
        self._client.delete(self.collection, points_selector=selector, wait=True)

    def _filter(self, conds: list) -> Any:
        """The parsed ``where`` conditions as one Qdrant filter (all must hold)."""
        m = self._models
        must = []
        for field, kind, rule in conds:
            key = f"meta.{field}"
            if kind == "eq":
                must.append(m.FieldCondition(key=key, match=m.MatchValue(value=rule)))
            elif kind == "in":
                must.append(m.FieldCondition(key=key, match=m.MatchAny(any=list(rule))))
            elif all(isinstance(b, float) for b in rule.values()):
                must.append(m.FieldCondition(key=key, range=m.Range(**rule)))
            else:  # ISO dates: Qdrant compares them as datetimes, as the faiss backend does
                must.append(m.FieldCondition(key=key, range=m.DatetimeRange(**rule)))
        return m.Filter(must=must) if must else None

    def _search(self, q: np.ndarray, k: int, conds: list) -> list[list[Hit]]:
        query_filter = self._filter(conds)
        requests = [self._models.QueryRequest(query=v.tolist(), limit=k, filter=query_filter, with_payload=True)
                    for v in q]
        responses = self._client.query_batch_points(self.collection, requests=requests)
        return [[Hit(p.payload["id"], float(p.score), dict(p.payload["meta"])) for p in r.points]
                for r in responses]

    def save(self, folder: str | Path) -> Path:
        """Copy the collection into an embedded Qdrant folder (a no-op for the store's own folder)."""
        folder = Path(folder)
        if self.path is not None and folder.resolve() == self.path.resolve():
            return folder  # embedded mode with a path writes through on every change
        target = _client_module().QdrantClient(path=str(folder))
        try:
            if target.collection_exists(self.collection):
                target.delete_collection(self.collection)
            params = self._client.get_collection(self.collection).config.params.vectors
            target.create_collection(self.collection, vectors_config=params)
            batch = []
            for point in self._points(with_vectors=True):
                batch.append(self._models.PointStruct(id=point.id, vector=point.vector, payload=point.payload))
                if len(batch) == _BATCH:
                    target.upsert(self.collection, points=batch, wait=True)
                    batch = []
            if batch:
                target.upsert(self.collection, points=batch, wait=True)
        finally:
            target.close()
        return folder

    @classmethod
    def load(cls, folder: str | Path, collection: str = "course") -> "QdrantStore":
        """Open a folder written by :meth:`save` (or used as ``path``); later changes go to that folder."""
        folder = Path(folder)
        if not folder.is_dir():
            raise VectorStoreError(f"{folder} holds no saved Qdrant store; save() one first.")
        probe = _client_module().QdrantClient(path=str(folder))
        try:
            if not probe.collection_exists(collection):
                raise VectorStoreError(f"{folder} has no collection {collection!r}; save() a store there first.")
            params = probe.get_collection(collection).config.params.vectors
        finally:
            probe.close()
        metric = "cosine" if params.distance == _client_module().models.Distance.COSINE else "dot"
        return cls(params.size, folder, metric, collection=collection)
