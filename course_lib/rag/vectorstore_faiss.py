"""The faiss backend of :mod:`course_lib.rag.vectorstore`: exact, HNSW and IVF indexes with string ids.

faiss is a library of in-memory indexes that knows vectors and int64 ids only; this module adds
the string ids, metadata, deletion and saving that :class:`~course_lib.rag.vectorstore.VectorStore`
promises. Import it as ``from course_lib.rag import FaissStore``.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from course_lib.rag.vectorstore import KINDS, Hit, VectorStore, VectorStoreError


class FaissStore(VectorStore):
    """A vector store on a faiss index: ``flat`` (exact), ``hnsw`` (graph) or ``ivf`` (clusters).

    faiss keeps int64 ids only, so the store maps each string id to a running int and keeps the
    metadata beside the index. ``M``/``ef_construction``/``ef_search`` tune HNSW; ``nlist``/
    ``nprobe`` tune IVF, which learns its ``nlist`` clusters from the first vectors added (or from
    :meth:`train`); ``pq_m`` compresses IVF vectors to ``pq_m`` bytes each (product quantisation).
``ef_search`` and ``nprobe`` are read at every search, so ``store.params`` can change them
between searches without a rebuild.

    >>> FaissStore(384, "hnsw", M=32).kind, len(FaissStore(8))
    ('hnsw', 0)
    """

    def __init__(self, dim: int, kind: str = "flat", metric: str = "cosine", *, M: int = 32,
                 ef_construction: int = 40, ef_search: int = 64, nlist: int = 1024, nprobe: int = 8,
                 pq_m: int | None = None) -> None:
        super().__init__(dim, metric)
        if kind not in KINDS:
            raise VectorStoreError(f"kind must be one of {KINDS}, got {kind!r}.")
        for name, value in (("M", M), ("ef_construction", ef_construction), ("ef_search", ef_search),
                            ("nlist", nlist), ("nprobe", nprobe)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise VectorStoreError(f"{name} must be a positive int, got {value!r}.")
        if pq_m is not None and (kind != "ivf" or not isinstance(pq_m, int) or pq_m < 1 or dim % pq_m):
            raise VectorStoreError(f"pq_m needs kind='ivf' and must divide dim={dim}, got {pq_m!r}.")
        self.kind = kind
        self.params = dict(M=M, ef_construction=ef_construction, ef_search=ef_search, nlist=nlist,
                           nprobe=nprobe, pq_m=pq_m)
        ip = faiss.METRIC_INNER_PRODUCT  # cosine on unit vectors, dot product otherwise
        if kind == "flat":
            self._index = faiss.IndexIDMap(faiss.IndexFlatIP(dim))
        elif kind == "hnsw":
            graph = faiss.IndexHNSWFlat(dim, M, ip)
            graph.hnsw.efConstruction = ef_construction
            self._index = faiss.IndexIDMap(graph)  # HNSW cannot take ids itself
        else:
            quantizer = faiss.IndexFlatIP(dim)
            self._index = (faiss.IndexIVFFlat(quantizer, dim, nlist, ip) if pq_m is None
                           else faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, 8, ip))
        self._int_of: dict[str, int] = {}
        self._str_of: dict[int, str] = {}
        self._next = 0
        # HNSW cannot remove a node from its graph: deleted items stay in the index, marked dead
        # and excluded from every search; the graph is rebuilt without them on save() or once
        # they are a fifth of the index, since dead nodes still cost memory and search time.
        self._dead: set[int] = set()

    @property
    def index(self) -> Any:
        """The faiss index itself, to inspect (e.g. ``faiss.serialize_index(store.index).nbytes``)."""
        return self._index

    def train(self, vectors: Any) -> None:
        """Learn the IVF clusters (and PQ codebooks) from sample vectors, before the first add.

        Without it the first :meth:`add` trains on its own vectors, which must then number at
        least ``nlist``; training first lets a store start small.

        >>> store = FaissStore(4, "ivf", nlist=2); store.train(np.eye(4)); store.add(["a"], [[1, 0, 0, 0]])
        >>> len(store)
        1
        """
        if self.kind != "ivf":
            raise VectorStoreError(f"Only kind='ivf' needs training, this store is {self.kind!r}.")
        if self._index.is_trained:
            raise VectorStoreError("This IVF store is already trained; create a new store to retrain.")
        x = self._vectors(vectors, "training vectors")
        need = max(self.params["nlist"], 256 if self.params["pq_m"] else 0)
        if len(x) < need:
            raise VectorStoreError(f"IVF with nlist={self.params['nlist']} needs at least {need} training "
                                   f"vectors, got {len(x)}: train on more or use nlist ~ sqrt(n).")
        self._index.train(x)

    def _insert(self, ids: list[str], x: np.ndarray, metas: list[dict]) -> None:
        if not self._index.is_trained:
            self.train(x)
        ints = np.arange(self._next, self._next + len(ids), dtype=np.int64)
        self._index.add_with_ids(x, ints)
        self._next += len(ids)
        for item_id, n in zip(ids, ints.tolist(), strict=True):
            self._int_of[item_id], self._str_of[n] = n, item_id

    def _remove(self, ids: list[str]) -> None:
        ints = [self._int_of.pop(i) for i in ids]
        for n in ints:
            del self._str_of[n]
        if self.kind != "hnsw":
            self._index.remove_ids(faiss.IDSelectorBatch(np.array(ints, dtype=np.int64)))
            return
        self._dead.update(ints)
        if len(self._dead) * 5 > self._index.ntotal:
            self._rebuild()

    def _rebuild(self) -> None:
        """Rebuild the HNSW graph from its live vectors (HNSW stores them, so nothing is lost)."""
        ints = faiss.vector_to_array(self._index.id_map)
        vectors = self._index.index.reconstruct_n(0, self._index.ntotal)
        keep = ~np.isin(ints, np.fromiter(self._dead, dtype=np.int64, count=len(self._dead)))
        fresh = FaissStore(self.dim, "hnsw", self.metric, **self.params)._index
        if keep.any():
            fresh.add_with_ids(vectors[keep], ints[keep])
        self._index, self._dead = fresh, set()

    def _search(self, q: np.ndarray, k: int, conds: list) -> list[list[Hit]]:
        selector = None
        if conds:
            allowed = [self._int_of[i] for i, m in self._meta.items() if self._matches(m, conds)]
            if not allowed:
                return [[] for _ in q]
            selector = faiss.IDSelectorBatch(np.array(allowed, dtype=np.int64))
        elif self._dead:
            dead = faiss.IDSelectorBatch(np.fromiter(self._dead, dtype=np.int64, count=len(self._dead)))
            selector = faiss.IDSelectorNot(dead)
            selector.referenced = dead  # keep the inner selector alive as long as the outer one
        if self.kind == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=self.params["ef_search"])
        elif self.kind == "ivf":
            params = faiss.SearchParametersIVF(nprobe=self.params["nprobe"])
        else:
            params = faiss.SearchParameters()
        if selector is not None:
            params.sel = selector
        scores, labels = self._index.search(q, k, params=params)
        # faiss pads with -1 when fewer than k items pass the filter (or are reachable).
        return [[Hit(self._str_of[n], float(s), dict(self._meta[self._str_of[n]]))
                 for s, n in zip(row_s, row_n, strict=True) if n >= 0] for row_s, row_n in zip(scores, labels, strict=True)]

    def save(self, folder: str | Path) -> Path:
        """Write the index (``index.faiss``) and ids, metadata and settings (``store.json``) to a folder.

        >>> import tempfile; folder = tempfile.mkdtemp()
        >>> store = FaissStore(2); store.add(["a"], [[1, 0]], [{"type": "menu"}]); _ = store.save(folder)
        >>> FaissStore.load(folder).search([[1, 0]], k=1)[0][0]
        Hit(id='a', score=1.0, metadata={'type': 'menu'})
        """
        if self._dead:
            self._rebuild()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / "index.faiss"))
        state = dict(dim=self.dim, kind=self.kind, metric=self.metric, params=self.params, next=self._next,
                     ids=[[n, i] for i, n in self._int_of.items()], metadata=self._meta)
        (folder / "store.json").write_text(json.dumps(state))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "FaissStore":
        """Read a store written by :meth:`save`."""
        folder = Path(folder)
        if not (folder / "store.json").exists() or not (folder / "index.faiss").exists():
            raise VectorStoreError(f"{folder} holds no saved store (index.faiss + store.json); save() one first.")
        state = json.loads((folder / "store.json").read_text())
        store = cls(state["dim"], state["kind"], state["metric"], **state["params"])
        store._index = faiss.read_index(str(folder / "index.faiss"))
        if store._index.ntotal != len(state["ids"]):
            raise VectorStoreError(f"{folder}: index.faiss and store.json disagree; save the store again.")
        store._next = state["next"]
        for n, item_id in state["ids"]:
            store._int_of[item_id], store._str_of[n] = n, item_id
        store._remember(list(state["metadata"]), list(state["metadata"].values()))
        return store
