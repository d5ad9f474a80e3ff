"""Tokens: how text becomes the ids a model reads, and what a prompt costs.

Lesson 02. A model never sees characters, only token ids from its tokenizer's
vocabulary, framed by the special tokens of its chat template. This module counts
tokens of texts and chats, checks that a prompt fits the context window (RAG
prompts are built and fitted in ``course_lib.rag.pipeline``), and turns a chat into a
training example whose labels hide everything but the assistant's answers
(lesson 05 trains on these).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch

ROLES = ("system", "user", "assistant")
# PyTorch's cross-entropy skips this label, so these positions add nothing to the loss.
IGNORE_INDEX = -100
Message = dict  # {"role": "system" | "user" | "assistant", "content": str}
_KEYS = ("input_ids", "attention_mask", "labels")


class ContextTooLong(ValueError):
    """A prompt (plus room for the answer) does not fit the model's context window."""


def show_tokens(tokenizer, text: str) -> list[tuple[int, str]]:
    """Split ``text`` into tokens and return ``(id, piece)`` pairs, pieces decoded one by one.

    Decoding each id alone shows the sub-words exactly as the model sees them,
    including the leading space that most word-start tokens carry.

    >>> show_tokens(tokenizer, "Oat porridge")
    [(63, 'O'), (261, 'at'), (12911, ' por'), (15334, 'ridge')]
    """
    ids = tokenizer(require_text(text, "text"), add_special_tokens=False)["input_ids"]
    return [(i, tokenizer.decode([i])) for i in ids]


def check_messages(messages: Sequence[Mapping[str, Any]]) -> list[Message]:
    """Validate a chat and return it as a list of plain ``{"role", "content"}`` dicts.

    Each message needs a role in ``ROLES`` and non-empty text content, and no other
    field: a chat template silently ignores unknown fields, so a typo such as
    ``"text"`` for ``"content"`` would otherwise vanish from the prompt.

    >>> check_messages([{"role": "user", "content": "Hi"}])
    [{'role': 'user', 'content': 'Hi'}]
    """
    if isinstance(messages, (str, Mapping)) or not isinstance(messages, Sequence):
        raise TypeError(f'a chat is a list of messages, got {type(messages).__name__}: [{{"role": "user", "content": ...}}].')
    if not messages:
        raise ValueError('the chat is empty: give at least one {"role": "user", "content": ...} message.')
    checked = []
    for n, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise TypeError(f"message {n} is a {type(message).__name__}, not a dict with 'role' and 'content'.")
        unknown = sorted(set(message) - {"role", "content"})
        if unknown:
            raise ValueError(f"message {n} has unknown field(s) {unknown}: a message has only 'role' and 'content'.")
        if message.get("role") not in ROLES:
            raise ValueError(f"message {n} has role {message.get('role')!r}; use one of {ROLES}.")
        checked.append({"role": message["role"], "content": require_text(message.get("content"), f"message {n} content")})
    return checked


def count_tokens(tokenizer, prompt: str | Sequence[Mapping[str, Any]], *, add_generation_prompt: bool = True) -> int:
    """Count the tokens of a text as-is, or of a chat after the chat template is applied.

    A string is counted without any special tokens; a list of messages is counted
    as the model reads it, with role markers, the template's default system
    prompt if it adds one, and (by default) the opening of the assistant's turn.

    >>> count_tokens(tokenizer, "Oat porridge"), count_tokens(tokenizer, [{"role": "user", "content": "Oat porridge"}])
    (4, 34)
    """
    if isinstance(prompt, str):
        return len(tokenizer(require_text(prompt, "text"), add_special_tokens=False)["input_ids"])
    return len(chat_ids(tokenizer, prompt, add_generation_prompt=add_generation_prompt))


def chat_ids(tokenizer, messages: Sequence[Mapping[str, Any]], *, add_generation_prompt: bool = False) -> list[int]:
    """Apply the tokenizer's chat template to validated messages and return the token ids.

    The template adds the special tokens itself, so the rendered text is encoded
    without adding more (the same way ``course_lib.models.chat`` encodes prompts).

    >>> ids = chat_ids(tokenizer, [{"role": "user", "content": "Hi"}])
    >>> ids[:3], tokenizer.decode(ids[:3])
    ([1, 9690, 198], '<|im_start|>system\\n')
    """
    text = tokenizer.apply_chat_template(
        check_messages(messages), tokenize=False, add_generation_prompt=add_generation_prompt
    )
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def token_counts(tokenizer, items: Sequence[Any], field: str | None = None) -> list[int]:
    """Count tokens of every item: strings, or one ``field`` of each record (text or a chat).

    Use it on a data set: ``field="text"`` for knowledge documents,
    ``field="messages"`` for dialogues (counted through the chat template, without
    a generation prompt because the answer is already there).

    >>> docs = [{"id": "a", "text": "Leek soup."}, {"id": "b", "text": "Grilled trout with rice and green beans."}]
    >>> token_counts(tokenizer, docs, field="text")
    [4, 9]
    """
    if isinstance(items, (str, Mapping)):
        raise TypeError("token_counts() takes a list of items; wrap a single one as [item].")
    counts = []
    for n, item in enumerate(items):
        if field is not None:
            if not isinstance(item, Mapping) or field not in item:
                fields = sorted(item) if isinstance(item, Mapping) else type(item).__name__
                raise ValueError(f"item {n} has no field {field!r}; its fields are {fields}.")
            item = item[field]
        elif isinstance(item, Mapping):
            raise ValueError(f"item {n} is a record: pass field=... (its fields are {sorted(item)}).")
        counts.append(count_tokens(tokenizer, item, add_generation_prompt=False))
    return counts


def context_window(model_or_config: Any) -> int:
    """Return the longest sequence, prompt plus answer, the model was trained to read.

    It comes from the model config (``max_position_embeddings``), not from the
    tokenizer, whose ``model_max_length`` is often a meaningless huge default.

    >>> context_window(model), tokenizer.model_max_length > 10**20
    (8192, True)
    """
    config = getattr(model_or_config, "config", model_or_config)
    window = getattr(config, "max_position_embeddings", None)
    if not isinstance(window, int):
        raise TypeError(f"{type(model_or_config).__name__} has no max_position_embeddings: pass a model or its config.")
    return window


def ensure_fits(tokenizer, messages: Sequence[Mapping[str, Any]], window: int, *, max_new_tokens: int = 256) -> int:
    """Return the prompt's token count, or raise ``ContextTooLong`` saying how far over it is.

    The window must hold the prompt *and* the answer still to be generated, so
    ``max_new_tokens`` is reserved for it.

    >>> chat = [{"role": "user", "content": "Is there soup on Thursday?"}]
    >>> ensure_fits(tokenizer, chat, 8192)
    36
    >>> ensure_fits(tokenizer, chat, 280)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    course_lib.tokens.ContextTooLong: the prompt is 36 tokens and the answer needs up to 256: 12 tokens over ...
    """
    if window <= max_new_tokens:
        raise ValueError(f"window={window} leaves no room for a prompt after max_new_tokens={max_new_tokens}.")
    n = count_tokens(tokenizer, messages)
    over = n + max_new_tokens - window
    if over > 0:
        raise ContextTooLong(
            f"the prompt is {n} tokens and the answer needs up to {max_new_tokens}: {over} tokens over "
            f"the {window}-token context window. Retrieve fewer chunks (smaller k), split documents "
            "into shorter chunks, or lower max_new_tokens."
        )
    return n


def build_training_example(
    tokenizer, messages: Sequence[Mapping[str, Any]], max_length: int, *, truncate: bool = False
) -> dict[str, list[int]]:
    """Tokenise a chat for training, with labels ``IGNORE_INDEX`` everywhere but the answers.

    Only each assistant answer and its end-of-turn token are learned; the
    template, system prompt and user turns are context, not targets. The answer
    spans come from tokenising the chat up to each answer, because this
    model's template has no ``{% generation %}`` markers for
    ``return_assistant_tokens_mask``. Too-long chats raise unless ``truncate``.

    >>> chat = [{"role": "user", "content": "Breakfast?"}, {"role": "assistant", "content": "Oat porridge."}]
    >>> example = build_training_example(tokenizer, chat, max_length=512)
    >>> decode_labels(tokenizer, example), len(example["input_ids"]), trained_tokens([example])
    ('Oat porridge.<|im_end|>', 40, (40, 6))
    """
    messages = check_messages(messages)
    if messages[0]["role"] == "assistant" or all(m["role"] != "assistant" for m in messages):
        raise ValueError("a training chat needs a user turn followed by at least one assistant answer to learn.")
    ids = chat_ids(tokenizer, messages)
    labels = [IGNORE_INDEX] * len(ids)
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        start = len(chat_ids(tokenizer, messages[:i], add_generation_prompt=True))
        upto = chat_ids(tokenizer, messages[: i + 1])
        if ids[: len(upto)] != upto:
            raise RuntimeError("this chat template does not tokenise a chat prefix consistently; cannot mask labels.")
        turn = upto[start:]
        # The turn ends at its end token; the newline after it is template glue, not answer.
        end = start + turn.index(tokenizer.eos_token_id) + 1 if tokenizer.eos_token_id in turn else len(upto)
        labels[start:end] = ids[start:end]
    if len(ids) > max_length:
        over = len(ids) - max_length
        if not truncate:
            raise ValueError(
                f"the chat is {len(ids)} tokens, {over} over max_length={max_length}: raise max_length, "
                "shorten the chat, or pass truncate=True (the answer's end may be cut)."
            )
        ids, labels = ids[:max_length], labels[:max_length]
        if all(label == IGNORE_INDEX for label in labels):
            raise ValueError(f"after truncating to max_length={max_length} no answer token is left: raise max_length.")
    return {"input_ids": ids, "attention_mask": [1] * len(ids), "labels": labels}


def pad_batch(examples: Sequence[Mapping[str, Sequence[int]]], pad_token_id: int, *, side: str = "right") -> dict[str, torch.Tensor]:
    """Pad training examples to one length and stack them as tensors (a data-loader collator).

    Padding gets ``attention_mask`` 0 (the model ignores it) and label
    ``IGNORE_INDEX`` (the loss ignores it). Labels are padded explicitly because
    this model's pad token *is* its end token, which the answers must learn.

    >>> ex1 = {"input_ids": [5, 6, 7], "attention_mask": [1, 1, 1], "labels": [-100, 6, 7]}
    >>> ex2 = {"input_ids": [8], "attention_mask": [1], "labels": [8]}
    >>> pad_batch([ex1, ex2], pad_token_id=2)["labels"].tolist()
    [[-100, 6, 7], [8, -100, -100]]
    """
    if side not in ("right", "left"):
        raise ValueError(f"side must be 'right' or 'left', got {side!r}.")
    if isinstance(examples, Mapping) or len(examples) == 0:
        raise ValueError("pad_batch() takes a non-empty list of examples from build_training_example().")
    for n, ex in enumerate(examples):
        missing = [k for k in _KEYS if k not in ex]
        if missing or len({len(ex[k]) for k in _KEYS}) != 1:
            raise ValueError(f"example {n} needs {_KEYS} of equal length; build it with build_training_example().")
    longest = max(len(ex["input_ids"]) for ex in examples)
    fill = {"input_ids": pad_token_id, "attention_mask": 0, "labels": IGNORE_INDEX}
    return {
        key: torch.tensor([_pad(list(ex[key]), longest, fill[key], side) for ex in examples], dtype=torch.long)
        for key in _KEYS
    }


def trained_tokens(examples: Sequence[Mapping[str, Sequence[int]]]) -> tuple[int, int]:
    """Return ``(read, trained)``: the tokens the model reads and those the loss learns from.

    Trained tokens are the labels that are not ``IGNORE_INDEX`` (the answers).

    >>> trained_tokens([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]}])
    (3, 2)
    """
    read = sum(len(e["input_ids"]) for e in examples)
    trained = sum(label != IGNORE_INDEX for e in examples for label in e["labels"])
    return read, trained


def decode_labels(tokenizer, example: Mapping[str, Sequence[int]]) -> str:
    """Decode only the trained tokens of an example: what the model learns to say.

    >>> example = {"input_ids": [1, 9690, 2], "labels": [-100, 9690, 2]}
    >>> decode_labels(tokenizer, example) == tokenizer.decode([9690]) + "<|im_end|>"
    True
    """
    return tokenizer.decode([int(t) for t in example["labels"] if t != IGNORE_INDEX])


def require_text(value: Any, what: str) -> str:
    """``value`` if it is a non-empty string, else a clear error naming ``what`` it should have been.

    >>> require_text("Soup?", "question")
    'Soup?'
    """
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}.")
    if not value.strip():
        raise ValueError(f"{what} is empty: give some text.")
    return value


def _pad(row: list[int], width: int, value: int, side: str) -> list[int]:
    pad = [value] * (width - len(row))
    return row + pad if side == "right" else pad + row
