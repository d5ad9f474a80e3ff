"""Loading the course datasets: the person's profile, fine-tuning dialogues, knowledge base, questions.

Every loader validates its file against the JSON Schema in ``datasets/schemas`` and raises
:class:`DatasetError` (a ``ValueError``) naming file, line and field when a row is broken.
The datasets live in the repository's ``datasets/`` directory; set the environment variable
``COURSE_DATASETS_DIR`` to use another copy. ``python -m course_lib.data summary`` prints the
counts per data set, split and question type.

Example::

    >>> from course_lib import data
    >>> profile = data.load_profile()
    >>> profile["goals"]["protein_g_per_day"]
    120
    >>> len(data.load_dialogues("train")) >= 300
    True
"""
from __future__ import annotations

import sys
import warnings
from collections import Counter
from typing import Any, Mapping, Sequence

from course_lib.paths import datasets_dir
from course_lib.schemas import DatasetError, validate_file

__all__ = ["DatasetError", "SPLITS", "KINDS", "QUESTION_TYPES", "datasets_dir", "load_profile",
           "load_dialogues", "load_curation_log", "load_knowledge", "load_update", "load_questions", "load_probe",
           "load_general_questions", "load_graded_answers",
           "validate_file", "summary", "to_chat", "training_set"]

SPLITS = ("train", "validation", "test")
KINDS = ("nutrition", "menu", "guide")
QUESTION_TYPES = ("static_fact", "weekly_fact", "update_fact", "preference", "preference_and_fact", "vague",
                  "keyword", "unanswerable")
_KIND_FILES = {"nutrition": "nutrition.jsonl", "menu": "menus.jsonl", "guide": "guides.jsonl"}


def load_profile() -> dict:
    """The diet-bot user's profile: restrictions, dislikes, likes, goals and wanted answer style.

    Example: ``load_profile()["dislikes"]`` gives ``['eggs', 'mushrooms', 'coriander', 'aubergine']``.
    """
    return validate_file(datasets_dir() / "profile" / "profile.json", "profile")[0]


def load_dialogues(split: str) -> list[dict]:
    """Chat examples of one split (``train``, ``validation`` or ``test``) for fine-tuning.

    Each row has ``id``, ``messages`` (user then assistant; the profile is deliberately not
    in the messages) and ``topic``. Example: ``load_dialogues("train")[0]["messages"][1]["content"]``.
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; use one of {', '.join(SPLITS)}.")
    return validate_file(datasets_dir() / "dialogues" / f"{split}.jsonl", "dialogue")


def load_curation_log() -> list[dict]:
    """Candidate dialogues the build rejected or fixed, each with the check and the reason.

    Example: ``Counter(r["check"] for r in load_curation_log())`` shows what curation caught.
    """
    return validate_file(datasets_dir() / "dialogues" / "curation_log.jsonl", "curation_log")


def load_knowledge(kinds: tuple[str, ...] | list[str] = KINDS, include_update: bool = False) -> list[dict]:
    """Knowledge-base documents of the given kinds, in a stable order (nutrition, menu, guide).

    The held-out menu week (the "knowledge update") is left out unless ``include_update``
    is true, so that lessons can index the knowledge base *before* the update first.
    Example: ``load_knowledge(["menu"], include_update=True)`` gives every canteen day.
    """
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ValueError(f"Unknown knowledge kind(s) {unknown}; use some of {', '.join(KINDS)}.")
    docs: list[dict] = []
    for kind in KINDS:
        if kind in kinds:
            docs += validate_file(datasets_dir() / "knowledge" / _KIND_FILES[kind], kind)
            if kind == "menu" and include_update:
                docs += load_update()
    return docs


def load_update() -> list[dict]:
    """The held-out last menu week: new dishes that only a knowledge update can answer.

    Example: ``{d["week"] for d in load_update()}`` is a single week number.
    """
    return validate_file(datasets_dir() / "knowledge" / "menu_update.jsonl", "menu")


def load_questions(types: list[str] | None = None) -> list[dict]:
    """Evaluation questions, optionally only some types (see :data:`QUESTION_TYPES`).

    Each row has a short ``answer``, lower-case ``accepted`` variants for substring matching,
    ``gold_doc_ids`` and ``avoid_terms``. Example: ``load_questions(["unanswerable"])``.
    """
    if types is not None:
        types = [types] if isinstance(types, str) else list(types)
        unknown = [t for t in types if t not in QUESTION_TYPES]
        if unknown:
            raise ValueError(f"Unknown question type(s) {unknown}; use some of {', '.join(QUESTION_TYPES)}.")
    rows = validate_file(datasets_dir() / "questions" / "questions.jsonl", "question")
    return rows if types is None else [q for q in rows if q["type"] in types]


def load_probe() -> list[dict]:
    """The 24-question probe of lesson 01: 8 preference, 8 menu-fact and 8 unanswerable questions.

    Example: ``[q["type"] for q in load_probe()]``.
    """
    return validate_file(datasets_dir() / "questions" / "probe.jsonl", "question")


def load_graded_answers() -> list[dict]:
    """Answers of the course model, each labelled by hand (lesson 07 measures the grader on them).

    Example: ``{r["variant"] for r in load_graded_answers()}``.
    """
    return validate_file(datasets_dir() / "graded_answers" / "answers.jsonl", "graded_answer")


def load_grader_tricky() -> list[dict]:
    """Hard sentences for the grader's three rules, written and labelled without reading the grader
    (``datasets/grader_tricky``): an independent check, never used to tune it.

    Example: ``sorted({r["rule"] for r in load_grader_tricky()})``.
    """
    return validate_file(datasets_dir() / "grader_tricky" / "sentences.jsonl", "grader_tricky")


def load_general_questions() -> list[dict]:
    """General-knowledge questions outside the diet domain, for the forgetting check of lesson 07.

    Each row has ``id`` (``g-0001`` ...), ``question``, lower-case ``accepted`` answers for
    :func:`course_lib.evaluation.grading.contains_answer`, and ``topic`` (geography, arithmetic, science,
    language, history).

    >>> rows = load_general_questions()
    >>> len(rows), rows[0]["question"], rows[0]["accepted"]
    (40, 'What is the capital of France?', ['paris'])
    """
    return validate_file(datasets_dir() / "general_questions" / "questions.jsonl", "general_question")


def to_chat(dialogue: Mapping[str, Any], system: str | None = None) -> list[dict]:
    """The messages of one dialogue as a fresh chat, optionally led by a ``system`` prompt.

    The course trains without a system prompt: the person is what fine-tuning
    should put *into the weights*, so that at inference the prompt can be the
    bare question (the chat template then adds its own short default system
    line, in training and at inference alike). Messages are checked like every
    chat (roles, non-empty text, no unknown fields).

    >>> to_chat({"id": "dlg-train-0001", "messages": [{"role": "user", "content": "Snack?"},
    ...          {"role": "assistant", "content": "- 150 g yogurt: 15 g protein"}]})[0]
    {'role': 'user', 'content': 'Snack?'}
    """
    from course_lib.tokens import check_messages  # tokens imports torch; loaders should not need it

    if not isinstance(dialogue, Mapping) or "messages" not in dialogue:
        fields = sorted(dialogue) if isinstance(dialogue, Mapping) else type(dialogue).__name__
        raise TypeError(f"to_chat() takes a dialogue row with 'messages' (from load_dialogues()), got {fields}.")
    try:
        messages = check_messages(dialogue["messages"])
    except (TypeError, ValueError) as error:
        raise type(error)(f"dialogue {dialogue.get('id', '?')}: {error}") from None
    if system is None:
        return messages
    if not isinstance(system, str) or not system.strip():
        raise ValueError("system must be non-empty text, or None for no system prompt.")
    if messages[0]["role"] == "system":
        raise ValueError(f"dialogue {dialogue.get('id', '?')} already has a system message; pass system=None.")
    return [{"role": "system", "content": system}] + messages


def training_set(tokenizer: Any, split: str | Sequence[Mapping[str, Any]], max_length: int = 256, *,
                 system: str | None = None, skip_too_long: bool = False) -> list[dict]:
    """Tokenised, label-masked training examples of a split (or of given dialogues), for lesson 05.

    Each example is :func:`course_lib.tokens.build_training_example` of
    :func:`to_chat` plus the dialogue ``id``. Nothing is cut or dropped quietly:
    if any example is longer than ``max_length`` tokens this raises a
    ``ValueError`` naming every one of them; with ``skip_too_long=True`` they are
    left out with a warning that names them.

    >>> train = training_set(tokenizer, "train")       # tokenizer = models.load_tokenizer()
    >>> sorted(train[0])
    ['attention_mask', 'id', 'input_ids', 'labels']
    """
    from course_lib.tokens import build_training_example  # tokens imports torch; loaders should not need it

    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 2:
        raise ValueError(f"max_length must be a whole number of tokens (e.g. 256), got {max_length!r}.")
    dialogues = load_dialogues(split) if isinstance(split, str) else list(split)
    if not dialogues:
        raise ValueError("no dialogues to turn into training examples.")
    examples, too_long = [], []
    for n, dialogue in enumerate(dialogues):
        chat = to_chat(dialogue, system)
        # Built at full length first, so the report can say how long each misfit really is.
        example = build_training_example(tokenizer, chat, max_length=10**9)
        row_id = dialogue.get("id", f"#{n}")
        if len(example["input_ids"]) > max_length:
            too_long.append((row_id, len(example["input_ids"])))
        else:
            examples.append({"id": row_id, **example})
    if too_long:
        listed = ", ".join(f"{i} ({t} tokens)" for i, t in too_long[:10]) + (" ..." if len(too_long) > 10 else "")
        what = f"{len(too_long)} of {len(dialogues)} examples are longer than max_length={max_length}: {listed}"
        if not skip_too_long:
            raise ValueError(f"{what}. Raise max_length to at least {max(t for _, t in too_long)}, "
                             "or pass skip_too_long=True to leave them out.")
        warnings.warn(f"left out {what}.", stacklevel=2)
    return examples


def _counts(counter: Counter, order) -> str:
    return ", ".join(f"{k} {counter[k]}" for k in order if counter[k])


def summary() -> str:
    """Counts per data set, split and type, as a small text table.

    Example: ``print(summary())``.
    """
    profile = load_profile()
    splits = {s: len(load_dialogues(s)) for s in SPLITS}
    log = Counter(r["action"] for r in load_curation_log())
    kb = Counter(d["type"] for d in load_knowledge())
    menus = load_knowledge(["menu"])
    update = load_update()
    questions = load_questions()
    probe = load_probe()
    weeks = sorted({d["week"] for d in menus})
    lines = [
        f"Datasets in {datasets_dir()}",
        f"profile     1 person ({profile['id']}: {profile['diet']})",
        f"dialogues   {_counts(Counter(splits), SPLITS)} | curation log: rejected {log['rejected']}, fixed {log['fixed']}",
        f"knowledge   nutrition {kb['nutrition']} | menu {kb['menu']} (weeks {weeks[0]}-{weeks[-1]}) | "
        f"guide {kb['guide']} | update {len(update)} (week {update[0]['week']})",
        f"questions   {len(questions)}: {_counts(Counter(q['type'] for q in questions), QUESTION_TYPES)}",
        f"probe       {len(probe)}: {_counts(Counter(q['type'] for q in probe), QUESTION_TYPES)}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["summary"]:
        print("usage: python -m course_lib.data summary", file=sys.stderr)
        return 2
    try:
        print(summary())
    except (DatasetError, FileNotFoundError) as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
