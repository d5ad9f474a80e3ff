"""Retrieval-augmented generation: retrieve, put the sources in the prompt, generate, cite.

Lesson 09. :class:`RAG` asks a retriever (any object with ``search(query, k) -> list[Hit]``)
for the ``k`` best passages, builds a chat that tags each passage with its id
(:func:`build_rag_prompt`), drops the lowest-ranked ones until it fits the context window
(:func:`fit_context`), generates greedily in batches (``course_lib.models.chat``) and returns
the answer with the ids it cites (:func:`cited_ids`). ``k=0`` is the closed-book baseline.
:func:`add_documents` adds new records to a live index; the answers are graded in
``course_lib.evaluation.benchmark.score_answers``. Defences against retrieved text that gives the model orders are
in ``course_lib.rag.safety``.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, MutableMapping, Sequence

from course_lib.models import Generation, chat
from course_lib.rag.reader import WorkedExample
from course_lib.rag.retrievers import hit_metadata, searched_text
from course_lib.rag.vectorstore import VectorStore
from course_lib.tokens import ContextTooLong, Message, context_window, ensure_fits, require_text

# Lesson 10's RAG settings, used again by lesson 11's systems and RAFT's training prompts: 2 passages,
# each cut to its first 1,500 characters (the guides run to 4,000 tokens), and 48 new tokens.
RAG_K, RAG_TOKENS, RAG_CHARS = 2, 48, 1500

# What the pipeline says, without generating, when the question names something no document has.
NO_MATCH = "I don't know: no document matches {}."

RAG_SYSTEM = (
    "You are a diet assistant. Answer from the context below and cite the source id "
    "in brackets. If the context does not contain the answer, say you don't know."
)



@dataclass(frozen=True)
class RagAnswer:
    """One answer: its text, the ids it cites, what was retrieved and shown, its cost and timings.

    ``retrieved_ids`` is what the retriever returned; ``context_ids`` what reached the prompt
    after the filter and the context window; ``cited_ids`` the ids of ``context_ids`` that the
    answer names in brackets. Seconds are per answer (a batch's time shared equally).
    """
    question: str
    text: str
    cited_ids: list[str]
    retrieved_ids: list[str]
    prompt_tokens: int
    retrieval_seconds: float
    generation_seconds: float
    context_ids: list[str]


def build_rag_prompt(question: str, chunks: Sequence[Any], *, system: str | None = RAG_SYSTEM,
                     example: WorkedExample | None = None) -> list[Message]:
    """Build a chat that puts retrieved chunks, each tagged with its id, before the question.

    A chunk is a string or a record with ``text`` (and optionally ``id`` and
    ``title``), such as a knowledge-base document. With no chunks the prompt is
    the bare question, which is what a closed-book model gets. An ``example``
    (:class:`course_lib.rag.reader.WorkedExample`) goes before the question as an earlier
    turn of the chat: its record and question, then the answer wanted.

    >>> build_rag_prompt("Soup today?", [{"id": "menu-1", "text": "Leek soup."}], system=None)
    [{'role': 'user', 'content': 'Context:\\n[menu-1] Leek soup.\\n\\nQuestion: Soup today?'}]
    """
    question = require_text(question, "question")
    if isinstance(chunks, (str, Mapping)):
        raise TypeError("chunks must be a list; wrap a single chunk as [chunk].")
    blocks = []
    for n, chunk in enumerate(chunks):
        if isinstance(chunk, Mapping):
            if "text" not in chunk:
                raise ValueError(f"chunk {n} has no 'text' field; its fields are {sorted(chunk)}.")
            tag = f"[{chunk['id']}] " if chunk.get("id") else ""
            title = f"{chunk['title']}\n" if chunk.get("title") else ""
            blocks.append(tag + title + require_text(chunk["text"], f"chunk {n} text"))
        else:
            blocks.append(require_text(chunk, f"chunk {n}"))
    user = f"Context:\n{chr(10).join(blocks)}\n\nQuestion: {question}" if blocks else question
    head = [{"role": "system", "content": require_text(system, "system")}] if system is not None else []
    if example is not None:
        head += build_rag_prompt(example.question, [example.record], system=None)
        head.append({"role": "assistant", "content": example.answer})
    return head + [{"role": "user", "content": user}]


def fit_context(
    tokenizer, question: str, chunks: Sequence[Any], window: int, *,
    max_new_tokens: int = 256, system: str | None = RAG_SYSTEM, example: WorkedExample | None = None,
) -> list[Any]:
    """Keep the best-ranked chunks, in order, while the RAG prompt still fits the window.

    Dropping the lowest-ranked chunks is the usual fix for a long context. If not
    even the top chunk fits, it raises ``ContextTooLong`` instead of silently
    answering without any context.

    >>> docs = [{"id": "mon", "text": "Leek soup."}, {"id": "thu", "text": "Lentil soup, grilled trout."}]
    >>> [d["id"] for d in fit_context(tokenizer, "Soup on Thursday?", docs, window=105, max_new_tokens=32)]
    ['mon']
    """
    if len(chunks) == 0:
        raise ValueError("fit_context() got no chunks: retrieve some first, or call build_rag_prompt(question, []).")
    kept: list[Any] = []
    for chunk in chunks:
        try:
            ensure_fits(tokenizer, build_rag_prompt(question, kept + [chunk], system=system, example=example), window,
                        max_new_tokens=max_new_tokens)
        except ContextTooLong as error:
            if not kept:
                raise ContextTooLong(f"not even the top-ranked chunk fits: {error}") from None
            break
        kept.append(chunk)
    return kept


def cited_ids(text: str, allowed: Sequence[str]) -> list[str]:
    """The ids in ``allowed`` that the answer cites in square brackets, in order, each once.

    Several ids may share one bracket (``[a, b]``); a bracketed id that is not in
    ``allowed`` (one the model made up) is not a citation.

    >>> cited_ids("Leek soup [menu-1]; see also [menu-2, nut-9] and [made-up].", ["menu-1", "menu-2", "nut-9"])
    ['menu-1', 'menu-2', 'nut-9']
    """
    if isinstance(allowed, str):
        raise TypeError("allowed must be a list of ids, e.g. ['menu-1'], not one string.")
    if not isinstance(text, str):
        raise TypeError(f"the answer text must be a string, got {type(text).__name__}.")
    allowed = set(allowed)
    found = [part.strip() for inside in re.findall(r"\[([^\[\]]+)\]", text) for part in inside.split(",")]
    return list(dict.fromkeys(i for i in found if i in allowed))


class RAG:
    """A RAG pipeline: ``retriever`` finds ids, ``documents`` maps them to records, the model answers.

    The retriever is anything with ``search(query, k) -> list[Hit]`` (``course_lib.rag.retrievers``).
    ``k`` passages are retrieved per question (``k=0``: closed book, the bare question with no
    system prompt, since the RAG prompt speaks of a context that is not there); ``passage_filter``
    (e.g. ``safety.injection_filter``) may drop passages before they reach the prompt; ``window``
    defaults to the model's context window. ``documents`` is kept by reference, so records added
    to it later (:func:`add_documents`) are found. ``example`` puts one worked example in every
    prompt: a :class:`~course_lib.rag.reader.WorkedExample`, or a function of the records shown
    that picks one (``reader.example_for``). ``abstain=True`` answers "I don't know" without
    generating when the question names a date or dish code that no document has (the filtered
    retriever's hits say ``filter="fallback"``): retrieval already knows the answer is not there.

    >>> rag = RAG(retriever, docs_by_id, model, tokenizer, k=3)          # doctest: +SKIP
    >>> rag.answer("Which soup is on Monday 2 March 2026?").cited_ids    # doctest: +SKIP
    ['menu-w10-mon']
    """

    def __init__(self, retriever: Any, documents: Mapping[str, Mapping[str, Any]], model: Any,
                 tokenizer: Any, k: int = 3, system: str | None = RAG_SYSTEM, max_new_tokens: int = 96,
                 window: int | None = None, passage_filter: Callable[[list], list] | None = None,
                 example: WorkedExample | Callable[[list], WorkedExample | None] | None = None,
                 abstain: bool = False) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError(f"k must be a whole number of passages >= 0 (0 = closed book), got {k!r}.")
        if k > 0 and not callable(getattr(retriever, "search", None)):
            raise TypeError(f"the retriever needs a search(query, k) method; got {type(retriever).__name__}. "
                            "Use k=0 for a closed-book model without retrieval.")
        if not isinstance(documents, Mapping):
            raise TypeError("documents must map each id to its record, e.g. {d['id']: d for d in docs}.")
        self.retriever, self.documents, self.model, self.tokenizer = retriever, documents, model, tokenizer
        self.k, self.system, self.max_new_tokens, self.passage_filter = k, system, max_new_tokens, passage_filter
        self.window = context_window(model) if window is None else window
        self.example, self.abstain = example, abstain

    def closed_book(self) -> "RAG":
        """The same model and settings with ``k=0``: the bare question, for a baseline."""
        return RAG(self.retriever, self.documents, self.model, self.tokenizer, k=0, system=self.system,
                   max_new_tokens=self.max_new_tokens, window=self.window)

    def _records(self, hits: Sequence[Any]) -> list[Mapping[str, Any]]:
        missing = [h.id for h in hits if h.id not in self.documents]
        if missing:
            raise KeyError(f"the retriever returned ids {missing[:5]} that are not in documents: pass the records "
                           "you indexed (and add new ones to documents when you add them to the index).")
        return [self.documents[h.id] for h in hits]

    def _prompt(self, question: str) -> tuple[list[Message] | str, list[str], list[str], float]:
        """The chat to generate from (or, when the pipeline abstains, the answer itself), the ids
        retrieved, the ids shown, and the retrieval seconds."""
        if self.k == 0:
            return build_rag_prompt(question, [], system=None), [], [], 0.0
        began = time.perf_counter()
        hits = self.retriever.search(question, self.k)
        seconds = time.perf_counter() - began
        unmatched = [h.metadata.get("filter_values") for h in hits if h.metadata.get("filter") == "fallback"]
        if self.abstain and unmatched:
            return NO_MATCH.format(unmatched[0]), [h.id for h in hits], [], seconds
        records = self._records(hits)
        if self.passage_filter is not None:
            records = self.passage_filter(records)
        example = self.example(records) if callable(self.example) else self.example
        if records:
            records = fit_context(self.tokenizer, question, records, self.window,
                                  max_new_tokens=self.max_new_tokens, system=self.system, example=example)
        context = [str(r.get("id", "")) for r in records]
        chat_ = build_rag_prompt(question, records, system=self.system, example=example if records else None)
        return chat_, [h.id for h in hits], context, seconds

    def answer_many(self, questions: Sequence[str], batch_size: int = 16, progress: bool = True) -> list[RagAnswer]:
        """Answer many questions: retrieve each (timed alone), then generate greedily in batches.

        ``generation_seconds`` is each answer's share of its batch, so larger batches lower it.
        """
        if isinstance(questions, str):
            raise TypeError("answer_many() takes a list of questions; use answer() for one.")
        if len(questions) == 0:
            raise ValueError("answer_many() got no questions.")
        built = [self._prompt(require_text(q, "question")) for q in questions]
        asked = [b[0] for b in built if not isinstance(b[0], str)]       # an abstention is already an answer
        made = iter(chat(self.model, self.tokenizer, asked, max_new_tokens=self.max_new_tokens,
                         batch_size=batch_size, progress=progress) if asked else [])
        answers = []
        for q, (prompt, retrieved, context, seconds) in zip(questions, built, strict=True):
            out = Generation(prompt, 0, 0, 0.0) if isinstance(prompt, str) else next(made)
            answers.append(RagAnswer(q, out.text, cited_ids(out.text, context), retrieved, out.prompt_tokens,
                                     seconds, out.seconds, context))
        return answers

    def answer(self, question: str) -> RagAnswer:
        """Answer one question (batch of one): the per-answer latency the user waits for."""
        return self.answer_many([question], batch_size=1, progress=False)[0]


def add_documents(index: Any, records: Sequence[Mapping[str, Any]], embedder: Any = None, *,
                  documents: MutableMapping[str, Mapping[str, Any]] | None = None) -> float:
    """Add ``records`` to a live index (no rebuild) and return the seconds it took.

    ``index`` is a retriever that updates itself (``course_lib.rag.retrievers.DenseRetriever``, which
    embeds with its own embedder), or a bare ``course_lib.rag.vectorstore`` store, for which
    ``embedder`` embeds each record's searched text (title and body, as the retrievers do)
    and its plain fields become metadata. Pass the pipeline's ``documents`` to register the
    records there too, so :class:`RAG` can put them in prompts.

    >>> seconds = add_documents(dense, load_update(), documents=rag.documents)   # doctest: +SKIP
    """
    if isinstance(records, Mapping) or len(records) == 0:
        raise ValueError("add_documents() takes a non-empty list of records with 'id' and 'text'.")
    for n, r in enumerate(records):
        if not isinstance(r, Mapping) or "id" not in r or "text" not in r:
            raise ValueError(f"record {n} needs 'id' and 'text' fields, like the knowledge-base documents.")
    began = time.perf_counter()
    if isinstance(index, VectorStore):
        if not callable(getattr(embedder, "encode", None)):
            raise TypeError("a bare vector store needs an embedder (course_lib.models.load_embedder()) to embed records.")
        vectors = embedder.encode([searched_text(r) for r in records], convert_to_numpy=True)
        index.add([str(r["id"]) for r in records], vectors, [hit_metadata(r) for r in records])
    elif callable(getattr(index, "add", None)) and hasattr(index, "store"):
        index.add(records)
    else:
        raise TypeError(f"add_documents() needs a vector store or a retriever with add() over a live store, "
                        f"got {type(index).__name__}.")
    seconds = time.perf_counter() - began
    if documents is not None:
        documents.update({str(r["id"]): r for r in records})
    return seconds


def first_chars(records: Sequence[Mapping]) -> list[dict]:
    """A pipeline filter: every passage cut to its first ``RAG_CHARS`` characters (the guides run to 4,000 tokens)."""
    return [{**r, "text": r["text"][:RAG_CHARS]} for r in records]
