"""Second-stage retrieval: rerank the first stage's candidates, or search with a hypothetical answer (HyDE).

A :class:`Reranker` scores ``(query, passage)`` pairs; :class:`LLMReranker` uses the course model's
probability of answering "yes" to "does this passage answer the question?", and
:class:`CrossEncoderReranker` plugs in a sentence-transformers cross-encoder instead (none ships
offline with the course: it loads lazily and says what to install when missing).
:class:`RerankingRetriever` reorders an inner retriever's top candidates by a reranker.
:class:`HydeRetriever` has the course model write a hypothetical answer (greedy) and embeds that
instead of, or averaged with, the question (Gao et al. 2022, "Precise Zero-Shot Dense Retrieval").
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from course_lib.models import chat
from course_lib.rag.retrievers import BaseRetriever, Retriever, RetrieverError, check_search
from course_lib.rag.vectorstore import Hit

__all__ = ["Reranker", "RerankerMissing", "LLMReranker", "CrossEncoderReranker", "RerankingRetriever",
           "HydeRetriever", "RERANK_QUESTION", "RERANK_SYSTEM", "HYDE_PROMPT"]

RERANK_QUESTION = "Does this passage answer the question? Answer yes or no."
# Without a system line the 135M model gave the answering passage the top P(yes) in 2 of 4 obvious
# test sets, with this one in 3 of 4 (checked while writing this module; see tests/test_rerank.py).
RERANK_SYSTEM = "You judge whether a passage answers a question. Reply with one word: yes or no."
HYDE_PROMPT = "Write a short passage that answers this question, with concrete facts.\n\nQuestion: {question}"


class RerankerMissing(RetrieverError):
    """The reranking model cannot be loaded; the message says how to get it."""


@runtime_checkable
class Reranker(Protocol):
    """Scores each passage for a query; higher means more likely to answer it."""

    def score(self, query: str, texts: Sequence[str]) -> list[float]: ...


def _check_pairs(query: Any, texts: Any) -> list[str]:
    if not isinstance(query, str) or not query.strip():
        raise RetrieverError(f"The query must be non-empty text, got {query!r}.")
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise RetrieverError("texts must be a list of passages (strings); wrap one passage as [text].")
    return list(texts)


class LLMReranker:
    """The course model as a reranker: score = P(first answer token is "yes" or "Yes") to :data:`RERANK_QUESTION`.

    One forward pass per passage (no generation), in batches, without gradients, after the system
    line :data:`RERANK_SYSTEM`; passages are cut to ``max_passage_tokens`` so a long guide fits and
    costs no more than a menu. The 135M model is a weak judge: its P(yes) moves by hundredths.

    >>> reranker = LLMReranker(model, tokenizer)          # model, tokenizer = load_llm()
    >>> a, b = reranker.score("When does the canteen open?", ["The canteen is open from 8:00 to 16:00 on weekdays.",
    ...                                                       "Tofu, firm: protein 17 g per 100 g."])
    >>> a > b
    True
    """

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 8, max_passage_tokens: int = 192,
                 system: str | None = RERANK_SYSTEM) -> None:
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        self.max_passage_tokens, self.system = max_passage_tokens, system
        self.yes_ids = []
        for word in ("yes", "Yes"):
            ids = tokenizer.encode(word, add_special_tokens=False)
            if len(ids) != 1:
                raise RetrieverError(f"{word!r} is {len(ids)} tokens for this tokenizer; LLMReranker needs one.")
            self.yes_ids.append(ids[0])

    def _prompt(self, query: str, text: str) -> str:
        ids = self.tokenizer.encode(text, add_special_tokens=False)[: self.max_passage_tokens]
        passage = self.tokenizer.decode(ids)
        content = f"Question: {query}\n\nPassage: {passage}\n\n{RERANK_QUESTION}"
        messages = ([{"role": "system", "content": self.system}] if self.system else []) + [
            {"role": "user", "content": content}]
        return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        import torch

        texts = _check_pairs(query, texts)
        scores: list[float] = []
        for start in range(0, len(texts), self.batch_size):
            prompts = [self._prompt(query, t) for t in texts[start:start + self.batch_size]]
            enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
            enc = enc.to(self.model.device)
            with torch.no_grad():
                if self.tokenizer.padding_side == "left":
                    # Every row ends at the last position, so only its logits are computed: the vocabulary
                    # projection of every other token would cost memory and time for nothing.
                    last_logits = self.model(**enc, logits_to_keep=1).logits[:, -1]
                else:
                    logits = self.model(**enc).logits
                    mask = enc["attention_mask"]
                    last = mask.shape[1] - 1 - torch.argmax(mask.flip(1), dim=1)
                    last_logits = logits[torch.arange(len(prompts)), last]
            probs = torch.softmax(last_logits.float(), dim=-1)
            scores += probs[:, self.yes_ids].sum(dim=1).tolist()
        return scores


class CrossEncoderReranker:
    """A sentence-transformers ``CrossEncoder`` as a reranker, loaded on first use.

    Construction only records ``name_or_path``; the first :meth:`score` loads the model and raises
    :class:`RerankerMissing` with what to do when it is not available (offline, no weights here).

    >>> CrossEncoderReranker("/no/such/cross-encoder").score("q", ["p"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    course_lib.rag.rerank.RerankerMissing: Cannot load the cross-encoder '/no/such/cross-encoder' ...
    """

    def __init__(self, name_or_path: str, batch_size: int = 32) -> None:
        if not isinstance(name_or_path, str) or not name_or_path.strip():
            raise RetrieverError("name_or_path must name a cross-encoder, e.g. 'cross-encoder/ms-marco-MiniLM-L6-v2'.")
        self.name_or_path, self.batch_size, self._model = name_or_path, batch_size, None

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import CrossEncoder

            try:
                self._model = CrossEncoder(self.name_or_path)
            except Exception as error:  # offline hub misses and bad folders raise several types
                raise RerankerMissing(
                    f"Cannot load the cross-encoder {self.name_or_path!r} ({type(error).__name__}). Download it "
                    "where there is network (HF_HUB_OFFLINE=0) or pass a local folder holding one; "
                    "LLMReranker works offline with the course model.") from error
        return self._model

    def score(self, query: str, texts: Sequence[str]) -> list[float]:
        texts = _check_pairs(query, texts)
        if not texts:
            return []
        return [float(s) for s in self.model.predict([(query, t) for t in texts], batch_size=self.batch_size,
                                                     show_progress_bar=False)]


class RerankingRetriever(BaseRetriever):
    """The inner retriever's top ``candidates`` reordered by a reranker's scores (ties keep first-stage order).

    Hits carry the reranker's score and ``first_rank``, their rank in the first stage.

    >>> from course_lib.rag.retrievers import BM25Retriever
    >>> class Shortest:                       # any object with score(query, texts) is a reranker
    ...     def score(self, query, texts): return [-len(t) for t in texts]
    >>> bm25 = BM25Retriever([("a", "soup soup soup, lentil soup"), ("b", "soup")])
    >>> [h.id for h in RerankingRetriever(bm25, Shortest()).search("soup", k=2)]
    ['b', 'a']
    """

    def __init__(self, inner: Retriever, reranker: Reranker, candidates: int = 20) -> None:
        if not callable(getattr(reranker, "score", None)):
            raise RetrieverError("reranker must have a score(query, texts) method (see the Reranker protocol).")
        self.inner, self.reranker, self.candidates, self.records = inner, reranker, candidates, inner.records

    def search(self, query: str, k: int) -> list[Hit]:
        check_search(query, k, len(self))
        hits = self.inner.search(query, min(max(self.candidates, k), len(self)))
        scores = self.reranker.score(query, [self.inner.text_of(h.id) for h in hits]) if hits else []
        order = sorted(range(len(hits)), key=lambda i: -scores[i])  # stable: ties keep first-stage order
        return [Hit(hits[i].id, float(scores[i]), {**hits[i].metadata, "first_rank": i + 1}) for i in order[:k]]


class HydeRetriever(BaseRetriever):
    """Dense search with the embedding of a hypothetical answer the course model writes (greedy).

    ``mode="replace"`` searches with the answer's embedding alone, ``"average"`` with the normalised
    mean of question and answer embeddings. Answers are cached per question (``hypotheses``),
    so both modes can be compared for the price of one generation; hits carry the answer.

    >>> from course_lib.rag.retrievers import DenseRetriever
    >>> dense = DenseRetriever([("a", "Lentils: 9 g protein per 100 g"), ("b", "Opening hours")], embedder)
    >>> hit = HydeRetriever(dense, model, tokenizer, max_new_tokens=32).search("Protein in lentils?", k=1)[0]
    >>> hit.id, hit.metadata["hypothesis"] != ""
    ('a', True)
    """

    def __init__(self, dense: Any, model: Any, tokenizer: Any, max_new_tokens: int = 64, mode: str = "replace",
                 prompt: str = HYDE_PROMPT, batch_size: int = 8) -> None:
        if not hasattr(dense, "search_vectors") or not hasattr(dense, "encode"):
            raise RetrieverError("HydeRetriever needs a DenseRetriever (it searches by vector).")
        if mode not in ("replace", "average"):
            raise RetrieverError(f"mode must be 'replace' or 'average', got {mode!r}.")
        if "{question}" not in prompt:
            raise RetrieverError("prompt must contain '{question}' where the question goes.")
        self.dense, self.model, self.tokenizer, self.records = dense, model, tokenizer, dense.records
        self.max_new_tokens, self.mode, self.prompt, self.batch_size = max_new_tokens, mode, prompt, batch_size
        self.hypotheses: dict[str, str] = {}

    def hypothesise(self, queries: Sequence[str]) -> list[str]:
        """The model's hypothetical answers (cached); an empty answer falls back to the question itself."""
        todo = [q for q in dict.fromkeys(queries) if q not in self.hypotheses]
        if todo:
            made = chat(self.model, self.tokenizer, [self.prompt.format(question=q) for q in todo],
                        max_new_tokens=self.max_new_tokens, batch_size=self.batch_size, progress=len(todo) > 8)
            self.hypotheses.update({q: g.text.strip() or q for q, g in zip(todo, made, strict=True)})
        return [self.hypotheses[q] for q in queries]

    def search_many(self, queries: Sequence[str], k: int) -> list[list[Hit]]:
        if isinstance(queries, str) or not queries:
            raise RetrieverError("search_many takes a non-empty list of queries; wrap one query as [query].")
        for q in queries:
            check_search(q, k, len(self))
        texts = self.hypothesise(queries)
        vectors = self.dense.encode(texts)
        if self.mode == "average":
            vectors = vectors + self.dense.encode(list(queries))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return [[Hit(h.id, h.score, {**h.metadata, "hypothesis": text}) for h in row]
                for row, text in zip(self.dense.search_vectors(vectors, k), texts, strict=True)]

    def search(self, query: str, k: int) -> list[Hit]:
        return self.search_many([query], k)[0]
