"""One evaluation for every customised model: the scores lesson 07 explains, in one call.

A model (base, fine-tuned, LoRA, later RAG and hybrids) answers the same test prompts and
general questions, and is scored on: preference adherence and the wanted format
(:func:`course_lib.training.adherence_and_format`), BLEU against the reference answers,
perplexity of the held-out reference dialogues, and general knowledge (the forgetting
check). Answers are stored through :func:`course_lib.recipes.answers`, so a model is
asked each question once.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

GENERAL_MAX_TOKENS = 32  # short factual answers; the grader looks for the accepted word


def general_prompts() -> list[list[dict]]:
    """The general-knowledge questions (``datasets/general_questions``) as one-turn chats."""
    from course_lib.data import load_general_questions

    return [[{"role": "user", "content": q["question"]}] for q in load_general_questions()]


def general_knowledge(texts: Sequence[str]) -> Any:
    """k/n of answers to the general questions (in file order) that contain an accepted answer.

    >>> from course_lib.data import load_general_questions
    >>> print(general_knowledge([q["accepted"][0] for q in load_general_questions()]).k)
    40
    """
    from course_lib.data import load_general_questions
    from course_lib.grading import contains_answer
    from course_lib.stats import proportion_of

    questions = load_general_questions()
    if len(texts) != len(questions):
        raise ValueError(f"got {len(texts)} answers for {len(questions)} general questions; answer all, in file order.")
    return proportion_of(contains_answer(t, q["accepted"]) for t, q in zip(texts, questions))


def evaluate(who: str, model: Any, tokenizer: Any, prompts: Sequence[Any], references: Sequence[str],
             dialogues: Sequence[Mapping[str, Any]], profile: Mapping[str, Any], *,
             stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every lesson-07 score of ``model``: adherence, format, BLEU, perplexity, general knowledge.

    ``prompts`` and ``references`` are the test prompts and their reference answers,
    ``dialogues`` label-masked held-out examples (``data.training_set``) for perplexity;
    ``who`` and ``stored`` name the model for the stored answers (see
    :func:`course_lib.recipes.answers`). Rates are k/n with intervals.

    >>> scores = evaluate("base", model, tokenizer, prompts, references, dialogues, profile)   # doctest: +SKIP
    >>> print(scores["no violation"], scores["perplexity"])                                   # doctest: +SKIP
    """
    from course_lib.metrics import bleu, perplexity
    from course_lib.recipes import answers
    from course_lib.training import adherence_and_format

    if len(prompts) != len(references):
        raise ValueError(f"got {len(prompts)} prompts but {len(references)} reference answers; pass one per prompt.")
    texts, _ = answers(who, model, tokenizer, prompts, stored=stored)
    general, _ = answers(who, model, tokenizer, general_prompts(), stored=stored, max_new_tokens=GENERAL_MAX_TOKENS)
    return {**adherence_and_format(texts, profile), "BLEU": bleu(texts, list(references)),
            "perplexity": perplexity(model, tokenizer, dialogues)["perplexity"],
            "general questions": general_knowledge(general), "answers": texts, "general answers": general}
