"""Exercise checks of lesson 02 (tokens): each names the typical mistake it sees."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from course_lib.exercises import Feedback, exact_count, report
from course_lib.tokens import IGNORE_INDEX, RAG_SYSTEM, count_tokens, fit_context, trained_tokens


def check_template_overhead(answer: Any, tokenizer, question: str) -> Feedback:
    """Exercise: how many tokens does the chat template add around a bare ``question``?"""
    chat = [{"role": "user", "content": question}]
    bare = count_tokens(tokenizer, question)
    full, closed = count_tokens(tokenizer, chat), count_tokens(tokenizer, chat, add_generation_prompt=False)
    return report(exact_count(answer, full - bare, "the template's extra tokens", "count the chat, then subtract the question.", {
        full: "that is the whole chat: subtract the tokens of the question itself.",
        closed - bare: "count the chat as the model sees it before answering (add_generation_prompt=True).",
    }))


def check_largest_k(
    answer: Any, tokenizer, question: str, chunks: Sequence[Any], window: int, max_new_tokens: int,
    *, system: str | None = RAG_SYSTEM,
) -> Feedback:
    """Exercise: how many of the ranked ``chunks`` fit ``window`` with room for the answer?"""
    expected = len(fit_context(tokenizer, question, chunks, window, max_new_tokens=max_new_tokens, system=system))
    greedy = len(fit_context(tokenizer, question, chunks, window, max_new_tokens=0, system=system))
    return report(exact_count(answer, expected, "k", "try fit_context(), or count prompts for k = 1, 2, 3, ...", {
        greedy: f"that fills the window with prompt only: keep {max_new_tokens} tokens free for the answer.",
        len(chunks): "not every chunk fits: count the prompt with all of them.",
    }))


def check_trained_tokens(answer: Any, example: Mapping[str, Sequence[int]]) -> Feedback:
    """Exercise: how many tokens of a training ``example`` does the loss learn from?"""
    trained = trained_tokens([example])[1]
    return report(exact_count(answer, trained, "trained tokens", f"count the labels that are not {IGNORE_INDEX}.", {
        len(example["input_ids"]): f"that counts every token: only labels other than {IGNORE_INDEX} are trained.",
        trained - 1: "the end-of-turn token is trained too: it teaches the model to stop.",
    }))
