"""Exercise checks of lesson 02 (tokens): each names the typical mistake it sees."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from course_lib.exercises import Feedback, exact_count, not_answered, report
from course_lib.rag.pipeline import RAG_SYSTEM, fit_context
from course_lib.tokens import IGNORE_INDEX, count_tokens, trained_tokens


def check_template_overhead(answer: Any, tokenizer, question: str) -> Feedback:
    """Exercise: how many tokens does the chat template add around a bare ``question``?"""
    missing = not_answered(answer, "count the chat, then subtract the question.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
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
    missing = not_answered(answer, "try fit_context(), or count prompts for k = 1, 2, 3, ...")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    expected = len(fit_context(tokenizer, question, chunks, window, max_new_tokens=max_new_tokens, system=system))
    greedy = len(fit_context(tokenizer, question, chunks, window, max_new_tokens=0, system=system))
    return report(exact_count(answer, expected, "k", "try fit_context(), or count prompts for k = 1, 2, 3, ...", {
        greedy: f"that fills the window with prompt only: keep {max_new_tokens} tokens free for the answer.",
        len(chunks): "not every chunk fits: count the prompt with all of them.",
    }))


def check_trained_tokens(answer: Any, example: Mapping[str, Sequence[int]]) -> Feedback:
    """Exercise: how many tokens of a training ``example`` does the loss learn from?"""
    missing = not_answered(answer, f"count the labels that are not {IGNORE_INDEX}.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    trained = trained_tokens([example])[1]
    return report(exact_count(answer, trained, "trained tokens", f"count the labels that are not {IGNORE_INDEX}.", {
        len(example["input_ids"]): f"that counts every token: only labels other than {IGNORE_INDEX} are trained.",
        trained - 1: "the end-of-turn token is trained too: it teaches the model to stop.",
    }))


def check_cost_prediction(answer: Any, tokenizer, **texts: str) -> Feedback:
    """Predict-then-run exercise: which of two texts costs more tokens (or ``"same"``)?

    The texts are passed by the names the learner answers with, e.g.
    ``check_cost_prediction("words", tok, iso="2026-01-23", words="23 January 2026")``.
    """
    hint = "look at how section 1 splits numbers and words, then count the pieces the run cell printed."
    missing = not_answered(answer, hint)
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    if len(texts) != 2:
        raise TypeError("check_cost_prediction() compares exactly two texts, passed as name=text.")
    (first, first_text), (second, second_text) = texts.items()
    n_first, n_second = count_tokens(tokenizer, first_text), count_tokens(tokenizer, second_text)
    right = first if n_first > n_second else second if n_second > n_first else "same"
    choices = (first, second, "same")
    if answer not in choices:
        return report(Feedback(False, f"answer one of {choices}, got {answer!r}.", hint))
    facts = f"{first_text!r} is {n_first} tokens and {second_text!r} is {n_second}."
    if answer == right:
        return report(Feedback(True, f"{facts} Each digit is a token of its own here, while a common word is often one."))
    return report(Feedback(False, f"you predicted {answer!r}, but {facts}", hint))
