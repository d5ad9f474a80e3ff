"""Training data for a reader (lesson 11): RAFT examples in the records format of lesson 09's reader.

RAFT (Zhang et al. 2024) trains a model to answer from retrieved context that mixes the answer's document
(the *oracle*) with distractors. For a share P of the questions the oracle is in the context; for the rest
only distractors are, and the target is *still the answer*, so the model also learns the domain. Every
target quotes the source before it answers, the paper's chain of thought. Here a question is written from
one fact of the knowledge base (``knowledge_pairs.facts``), the context is ``k`` records
(:mod:`course_lib.rag.records`) in the prompt lesson 09's reader uses (``reader.READER_SYSTEM``), and the
target is ``"<the line that holds the fact>" [<record id>] Answer: <value>``.

A second recipe, "RAFT-style with abstention", answers "I don't know" when the oracle is missing instead.
Both train only on documents no evaluation question asks about, plus the menus of the first weeks
(:data:`TRAIN_WEEKS`), so most evaluation questions test reading of documents never seen in training.
"""
from __future__ import annotations

import random
import re
from typing import Any, Mapping, Sequence

from course_lib.finetuning.knowledge_pairs import Fact, check_int, question_wordings, facts

__all__ = ["TRAIN_WEEKS", "ORACLE_SHARE", "ABSTAIN", "training_documents", "reader_target", "final_answer",
           "reader_examples"]

TRAIN_WEEKS = ("menu-w02", "menu-w03", "menu-w04", "menu-w05")
ORACLE_SHARE = 0.8           # the paper's P that worked best on most of its sets
ABSTAIN = "I don't know: the context does not say."
_ANSWER = re.compile(r"\bAnswer:\s*(.*)", re.DOTALL)


def training_documents(docs: Sequence[Mapping[str, Any]], questions: Sequence[Mapping[str, Any]]) -> list:
    """The documents a reader may train on: menus of :data:`TRAIN_WEEKS`, and nutrition sheets that no
    question in ``questions`` has as a gold document.

    >>> docs = [{"id": "menu-w02-mon", "type": "menu"}, {"id": "menu-w07-mon", "type": "menu"},
    ...         {"id": "nut-1", "type": "nutrition"}, {"id": "nut-2", "type": "nutrition"}]
    >>> [d["id"] for d in training_documents(docs, [{"gold_doc_ids": ["nut-2"]}])]
    ['menu-w02-mon', 'nut-1']
    """
    asked = {g for q in questions for g in q.get("gold_doc_ids", [])}
    return [d for d in docs if (d["type"] == "menu" and d["id"].startswith(TRAIN_WEEKS))
            or (d["type"] == "nutrition" and d["id"] not in asked)]


def _has(text: str, value: str) -> bool:
    # A number counts whole, as the grader reads it: "8 mg" is not in "138 mg", "2.5 g" not in "12.5 g".
    return re.search(r"(?<![\w.,])" + re.escape(value) + r"(?![\d])(?![.,]\d)", text) is not None


def _holds(record: Mapping[str, Any], fact: Fact) -> bool:
    return _has(record["text"], fact.value) or (fact.attribute in ("name", "date", "code") and fact.anchor in record["text"])


def _quote(record: Mapping[str, Any], fact: Fact) -> str:
    """The line of the record that holds the fact (the dish's line for its name, code or day)."""
    lines = [line.strip(" -") for line in record["text"].splitlines() if line.strip(" -")]
    holding = [line for line in lines if _has(line, fact.value)] or [line for line in lines if fact.anchor in line]
    return holding[0]


def reader_target(fact: Fact, record: Mapping[str, Any]) -> str:
    """The answer a reader is trained to give: the quoted line, the record's id, then the value.

    >>> fact = Fact("menu-1", "D-294", "price", "€2.50", ("€2.50",), ("dish D-294",), "D-294")
    >>> reader_target(fact, {"id": "menu-1#4", "text": "Sweet: Panna cotta (D-294)\\nPrice €2.50 | protein 4 g"})
    '"Price €2.50 | protein 4 g" [menu-1#4] Answer: €2.50'
    """
    return f'"{_quote(record, fact)}" [{record["id"]}] Answer: {fact.value}'


def final_answer(text: str) -> str:
    """What a reader trained on :func:`reader_target` answers: the text after its last "Answer:", or all of it.

    A quote holds other numbers of the same line, so grading the whole text would count a right quote
    followed by a wrong answer as right.

    >>> final_answer('"Price €2.50 | protein 4 g" [m#4] Answer: 4 g'), final_answer("It costs €2.50.")
    ('4 g', 'It costs €2.50.')
    """
    found = _ANSWER.findall(text)
    return found[-1].strip() if found else text


def reader_examples(docs: Sequence[Mapping[str, Any]], records: Sequence[Mapping[str, Any]], n: int, seed: int = 0,
                    k: int = 3, oracle_share: float = ORACLE_SHARE, abstain: bool = False) -> list[dict]:
    """``n`` RAFT dialogues over ``records`` (:func:`course_lib.rag.records.record_chunks` of ``docs``).

    Each asks about one fact of ``docs`` in a wording whose subject the oracle record shows (its title or
    text); the context is ``k`` records, shuffled: the oracle and ``k - 1`` distractors in
    ``round(n * oracle_share)`` examples, ``k`` distractors in the rest. Distractors are hard: another
    record of the same document first, then records of documents of the same type. The target is
    :func:`reader_target`, also without the oracle, or :data:`ABSTAIN` there when ``abstain``. Rows carry
    ``id``, ``messages``, ``oracle``, ``doc_id``, ``question`` and ``context_ids``.

    >>> from course_lib import data
    >>> from course_lib.rag.records import record_chunks
    >>> menus = data.load_knowledge(["menu"])[:5]
    >>> rows = reader_examples(menus, record_chunks(menus), n=10)
    >>> sum(r["oracle"] for r in rows), [m["role"] for m in rows[0]["messages"]]
    (8, ['system', 'user', 'assistant'])
    """
    from course_lib.rag.pipeline import build_rag_prompt  # rag imports torch via tokens; building facts should not
    from course_lib.rag.reader import READER_SYSTEM

    check_int(n, "n", 1, "examples to build")
    check_int(k, "k", 1, "records per context")
    if isinstance(oracle_share, bool) or not isinstance(oracle_share, (int, float)) or not 0 <= oracle_share <= 1:
        raise ValueError(f"oracle_share must be a share between 0 and 1 (e.g. 0.8), got {oracle_share!r}.")
    by_doc: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        by_doc.setdefault(str(r.get("doc_id", str(r["id"]).rsplit("#", 1)[0])), []).append(r)
    types = {d["id"]: d["type"] for d in docs}
    usable = [(f, r) for f in facts(docs) for r in by_doc.get(f.doc_id, []) if _holds(r, f)]
    oracles = list({f: r for f, r in reversed(usable)}.items())          # each fact's first record that holds it
    if not oracles:
        raise ValueError("no record holds a fact of docs: pass record_chunks(docs) as records.")
    rng = random.Random(seed)
    chosen = [pair for _ in range(n // len(oracles) + 1) for pair in rng.sample(oracles, len(oracles))][:n]
    with_oracle = set(rng.sample(range(n), round(n * oracle_share)))
    rows = []
    for i, (fact, oracle) in enumerate(chosen):
        same_doc = [r for r in by_doc[fact.doc_id] if r is not oracle and not _holds(r, fact)]
        same_type = [r for d, rs in by_doc.items() if d != fact.doc_id and types.get(d) == types[fact.doc_id] for r in rs]
        wanted = k - 1 if i in with_oracle else k
        pool = rng.sample(same_doc, min(1, len(same_doc), wanted))
        pool += rng.sample(same_type, min(wanted - len(pool), len(same_type)))
        context = pool + [oracle] if i in with_oracle else pool
        rng.shuffle(context)
        shown = f"{oracle.get('title', '')}\n{oracle['text']}"
        visible = [(q, name) for q, name in question_wordings(fact) if all(t in shown for t in re.findall(r"[\w-]*\d[\w-]*", name))]
        question, _ = rng.choice(visible or question_wordings(fact))
        answer = reader_target(fact, oracle) if i in with_oracle or not abstain else ABSTAIN
        rows.append({"id": f"reader-{seed}-{i:05d}", "doc_id": fact.doc_id, "question": question,
                     "oracle": i in with_oracle, "context_ids": [r["id"] for r in context],
                     "messages": build_rag_prompt(question, context, system=READER_SYSTEM)
                     + [{"role": "assistant", "content": answer}]})
    return rows
