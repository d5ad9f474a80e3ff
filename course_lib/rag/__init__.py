"""Retrieval-augmented generation (lessons 08-10): chunk, embed and store, retrieve, rank, answer.

Modules, in the order the lessons meet them: ``chunking``; ``vectorstore`` with its two backends
(``vectorstore_faiss``, ``vectorstore_qdrant``); ``retrievers`` (BM25, dense, parent); ``ranking``
(retrieval metrics); ``pipeline`` (the RAG loop and its prompt); ``safety``; ``query_filters``,
``fusion``, ``rerank`` and ``controlled`` (lesson 10 and 11's better retrieval). The names the
notebooks use are importable from the package: ``from course_lib.rag import RAG, DenseRetriever``.
"""
from course_lib.rag.chunking import Chunk, by_paragraph, by_sentence, by_structure, fixed_size
from course_lib.rag.controlled import ControlledContext
from course_lib.rag.fusion import HybridRetriever, MMRRetriever, rrf, tune_weight
from course_lib.rag.pipeline import (RAG, RAG_CHARS, RAG_K, RAG_SYSTEM, RAG_TOKENS, RagAnswer, add_documents,
                                     build_rag_prompt, first_chars, fit_context)
from course_lib.rag.query_filters import FilteredRetriever, parse_filters
from course_lib.rag.ranking import (compare_runs, evaluate_by_group, evaluate_run, ndcg_at_k, per_query_outcomes,
                                     recall_at_k, success_at_k)
from course_lib.rag.rerank import CrossEncoderReranker, HydeRetriever, LLMReranker, RerankerMissing, RerankingRetriever
from course_lib.rag.retrievers import (BM25Retriever, DenseRetriever, ParentRetriever, latency, parent_hits,
                                       retrieve_run, searched_text, tokenize)
from course_lib.rag.safety import (GUARDED_SYSTEM, MARKERS, PLANTED, attack_questions, injection_filter,
                                   is_injection, mentions)
from course_lib.rag.vectorstore import Hit, VectorStore, VectorStoreError, memory_bytes, recall_against_exact
from course_lib.rag.vectorstore_faiss import FaissStore
from course_lib.rag.vectorstore_qdrant import QdrantStore
