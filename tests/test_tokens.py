"""Specification of course_lib.tokens: counting, chat templates, budgets, label masking, padding.

The references are independent of the code under test: SmolLM2's chat format written out by hand
(ChatML), the answers' character spans in that text mapped to tokens through the tokenizer's
offsets, hand-counted digits, and batched against one-by-one results.
"""
from types import SimpleNamespace

import pytest
import torch

from course_lib import data
from course_lib.exercises.lesson02 import (
    check_cost_prediction,
    check_largest_k,
    check_template_overhead,
    check_trained_tokens,
)
from course_lib.rag.pipeline import build_rag_prompt
from course_lib.tokens import (
    IGNORE_INDEX,
    ContextTooLong,
    build_training_example,
    chat_ids,
    check_messages,
    context_window,
    count_tokens,
    decode_labels,
    ensure_fits,
    pad_batch,
    show_tokens,
    token_counts,
    trained_tokens,
)

CHAT = [
    {"role": "system", "content": "You are a diet assistant for Sam, who dislikes eggs."},
    {"role": "user", "content": "Suggest a breakfast."},
    {"role": "assistant", "content": "Oat porridge with blueberries and a spoon of yoghurt."},
]
DOCS = [
    {"id": "menu-w1-thu", "type": "menu", "title": "Thursday menu", "text": "Lentil soup; grilled trout with rice."},
    {"id": "nut-oats", "type": "nutrition", "title": "Oats", "text": "Oats, rolled: 379 kcal per 100 g."},
    {"id": "guide-fibre", "type": "guide", "title": "Fibre", "text": "Whole grains, beans and fruit add fibre. " * 40},
]


# SmolLM2's template, as its model card describes it: ChatML, plus a default system message.
DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


@pytest.fixture(scope="module")
def tok(tokenizer):
    return tokenizer


def by_hand(messages, generation_prompt=False):
    """The chat as text, written out without apply_chat_template."""
    if messages[0]["role"] != "system":
        messages = [{"role": "system", "content": DEFAULT_SYSTEM}] + list(messages)
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return text + ("<|im_start|>assistant\n" if generation_prompt else "")


def ids_by_hand(tok, messages, generation_prompt=False):
    return tok(by_hand(messages, generation_prompt), add_special_tokens=False)["input_ids"]


def labels_by_hand(tok, messages):
    """Labels from the answers' character spans (content plus <|im_end|>) in the hand-written chat."""
    text, spans, at = by_hand(messages), [], 0
    if messages[0]["role"] != "system":
        at = text.index("<|im_end|>") + len("<|im_end|>")  # skip the default system message
    for m in messages:
        at = text.index(f"<|im_start|>{m['role']}\n", at) + len(f"<|im_start|>{m['role']}\n")
        end = text.index("<|im_end|>", at) + len("<|im_end|>")
        if m["role"] == "assistant":
            spans.append((at, end))
        at = end
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
    return [i if any(a <= s and e <= b for a, b in spans) else IGNORE_INDEX
            for i, (s, e) in zip(enc["input_ids"], enc["offset_mapping"], strict=True)]


# --- tokens and counts -------------------------------------------------------

def test_show_tokens_pieces_join_back_to_the_text(tok):
    text = "Oat porridge with blueberries, 379 kcal."
    pairs = show_tokens(tok, text)
    assert "".join(piece for _, piece in pairs) == text
    assert [i for i, _ in pairs] == tok(text, add_special_tokens=False)["input_ids"]
    assert all(isinstance(i, int) and 0 <= i < len(tok) for i, _ in pairs)


def test_a_text_is_counted_without_special_tokens_and_one_token_per_digit(tok):
    # Hand-counted: this tokenizer splits numbers into single digits (8 digits + 2 hyphens).
    assert count_tokens(tok, "2026-01-23") == 10
    assert count_tokens(tok, "1234567890") == 10
    assert not set(i for i, _ in show_tokens(tok, "Oat porridge")) & set(tok.all_special_ids)


def test_count_tokens_of_a_chat_includes_the_template(tok):
    question = "Suggest a breakfast."
    chat = [{"role": "user", "content": question}]
    with_prompt = count_tokens(tok, chat)
    assert with_prompt == len(ids_by_hand(tok, chat, generation_prompt=True))
    assert count_tokens(tok, chat, add_generation_prompt=False) == len(ids_by_hand(tok, chat))
    assert with_prompt > count_tokens(tok, question) + count_tokens(tok, DEFAULT_SYSTEM)


@pytest.mark.parametrize("messages", [CHAT, CHAT[:2], CHAT[1:], CHAT + [{"role": "user", "content": "And lunch?"}]])
@pytest.mark.parametrize("generation_prompt", [False, True])
def test_chat_ids_equal_the_chat_written_out_by_hand(tok, messages, generation_prompt):
    assert chat_ids(tok, messages, add_generation_prompt=generation_prompt) == ids_by_hand(tok, messages, generation_prompt)


@pytest.mark.parametrize("bad", ["", "   ", "\n"])
def test_empty_text_is_rejected(tok, bad):
    with pytest.raises(ValueError, match="empty"):
        count_tokens(tok, bad)
    with pytest.raises(ValueError, match="empty"):
        show_tokens(tok, bad)


def test_token_counts_equal_the_lengths_of_one_batched_tokenizer_call(tok):
    texts = [d["text"] for d in DOCS]
    batched = tok(texts, add_special_tokens=False)["input_ids"]
    assert token_counts(tok, DOCS, field="text") == token_counts(tok, texts) == [len(ids) for ids in batched]


def test_token_counts_of_dialogues_count_the_whole_chat_without_a_generation_prompt(tok):
    chats = [CHAT, CHAT[1:]]
    counts = token_counts(tok, [{"id": str(n), "messages": c} for n, c in enumerate(chats)], field="messages")
    assert counts == [len(ids_by_hand(tok, c)) for c in chats]


def test_token_counts_names_the_unknown_field(tok):
    with pytest.raises(ValueError, match=r"no field 'body'.*'text'"):
        token_counts(tok, DOCS, field="body")
    with pytest.raises(ValueError, match="field="):
        token_counts(tok, DOCS)
    with pytest.raises(TypeError, match="list"):
        token_counts(tok, "just one text")


def test_context_window_reads_max_position_embeddings_of_a_model_or_its_config():
    config = SimpleNamespace(max_position_embeddings=1234, vocab_size=99)
    assert context_window(config) == 1234
    assert context_window(SimpleNamespace(config=config)) == 1234
    with pytest.raises(TypeError, match="max_position_embeddings"):
        context_window(object())


@pytest.mark.slow
def test_context_window_of_the_course_model_is_the_one_in_its_gguf_file(llm):
    from gguf import GGUFReader

    from course_lib.model_files import _gguf_path

    field = GGUFReader(str(_gguf_path())).fields["llama.context_length"]
    assert context_window(llm[0]) == int(field.parts[field.data[0]][0])


# --- messages ----------------------------------------------------------------

def test_check_messages_returns_plain_copies():
    checked = check_messages(tuple(CHAT))
    assert checked == CHAT and checked is not CHAT


@pytest.mark.parametrize(
    "messages, error, pattern",
    [
        ([], ValueError, "empty"),
        ("hello", TypeError, "list of messages"),
        ({"role": "user", "content": "hi"}, TypeError, "list of messages"),
        (["hi"], TypeError, "message 0"),
        ([{"role": "bot", "content": "hi"}], ValueError, "role 'bot'"),
        ([{"content": "hi"}], ValueError, "role None"),
        ([{"role": "user", "text": "hi"}], ValueError, r"unknown field\(s\) \['text'\]"),
        ([{"role": "user", "content": ""}], ValueError, "message 0 content is empty"),
        ([{"role": "user", "content": 3}], TypeError, "must be a string"),
    ],
)
def test_bad_messages_raise_clear_errors(tok, messages, error, pattern):
    with pytest.raises(error, match=pattern):
        check_messages(messages)
    if not isinstance(messages, str):  # a string is counted as plain text, not as a chat
        with pytest.raises(error, match=pattern):
            count_tokens(tok, messages)


# --- the context window ------------------------------------------------------

def test_ensure_fits_returns_the_count_or_says_how_far_over(tok):
    messages = [{"role": "user", "content": "Soup? " + DOCS[2]["text"]}]
    n = count_tokens(tok, messages)
    assert ensure_fits(tok, messages, window=n + 10, max_new_tokens=10) == n
    with pytest.raises(ContextTooLong, match=rf"{n} tokens.*7 tokens over the {n + 3}-token.*fewer chunks"):
        ensure_fits(tok, messages, window=n + 3, max_new_tokens=10)
    assert issubclass(ContextTooLong, ValueError)


# --- training examples -------------------------------------------------------

def test_labels_decode_exactly_to_the_answer_and_end_token(tok):
    ex = build_training_example(tok, CHAT, max_length=512)
    assert decode_labels(tok, ex) == CHAT[2]["content"] + tok.eos_token
    assert len(ex["input_ids"]) == len(ex["attention_mask"]) == len(ex["labels"])
    assert ex["input_ids"] == ids_by_hand(tok, CHAT)
    assert ex["labels"] == labels_by_hand(tok, CHAT)
    trained = [i for i, label in enumerate(ex["labels"]) if label != IGNORE_INDEX]
    assert trained == list(range(trained[0], trained[-1] + 1)), "one contiguous answer span"
    assert all(ex["labels"][i] == ex["input_ids"][i] for i in trained)


def test_every_assistant_turn_is_trained_in_a_multi_turn_chat(tok):
    chat = CHAT + [{"role": "user", "content": "And lunch?"}, {"role": "assistant", "content": "Lentil soup."}]
    ex = build_training_example(tok, chat, max_length=512)
    assert decode_labels(tok, ex) == CHAT[2]["content"] + tok.eos_token + "Lentil soup." + tok.eos_token
    assert "And lunch?" not in decode_labels(tok, ex)
    assert ex["labels"] == labels_by_hand(tok, chat)


@pytest.mark.parametrize("split", ["train", "validation", "test"])
def test_labels_equal_the_answer_spans_found_in_the_text_for_every_course_dialogue(tok, split):
    for dialogue in data.load_dialogues(split):
        ex = build_training_example(tok, dialogue["messages"], max_length=2048)
        assert ex["labels"] == labels_by_hand(tok, dialogue["messages"]), dialogue["id"]


def test_default_system_prompt_is_not_trained(tok):
    ex = build_training_example(tok, CHAT[1:], max_length=512)
    assert decode_labels(tok, ex) == CHAT[2]["content"] + tok.eos_token
    assert "SmolLM" in tok.decode(ex["input_ids"])


def test_too_long_chat_raises_or_truncates(tok):
    n = len(chat_ids(tok, CHAT))
    with pytest.raises(ValueError, match=rf"{n} tokens, 5 over max_length={n - 5}"):
        build_training_example(tok, CHAT, max_length=n - 5)
    cut = build_training_example(tok, CHAT, max_length=n - 5, truncate=True)
    assert len(cut["input_ids"]) == n - 5
    assert not decode_labels(tok, cut).endswith(tok.eos_token)
    with pytest.raises(ValueError, match="no answer token is left"):
        build_training_example(tok, CHAT, max_length=10, truncate=True)


@pytest.mark.parametrize(
    "chat, pattern",
    [(CHAT[:2], "assistant answer"), (CHAT[2:], "user turn"), ([{"role": "user", "text": "x"}], "unknown field")],
)
def test_chat_without_an_answer_to_learn_is_rejected(tok, chat, pattern):
    with pytest.raises(ValueError, match=pattern):
        build_training_example(tok, chat, max_length=512)


# --- batches -------------------------------------------------------------------

def test_pad_batch_pads_ids_masks_and_labels_differently(tok):
    long = build_training_example(tok, CHAT, max_length=512)
    short = build_training_example(tok, [CHAT[1], {"role": "assistant", "content": "Toast."}], max_length=512)
    batch = pad_batch([long, short], tok.pad_token_id)
    width, gap = len(long["input_ids"]), len(long["input_ids"]) - len(short["input_ids"])
    assert gap > 0
    assert set(batch) == {"input_ids", "attention_mask", "labels"}
    assert all(t.shape == (2, width) and t.dtype == torch.long for t in batch.values())
    assert batch["input_ids"][1, -gap:].eq(tok.pad_token_id).all()
    assert batch["attention_mask"][1, -gap:].eq(0).all() and batch["attention_mask"][0].eq(1).all()
    assert batch["labels"][1, -gap:].eq(IGNORE_INDEX).all()
    # The pad token is the end token here: the answer's own end token stays trained.
    assert (batch["labels"][1] == tok.eos_token_id).sum() == 1


def test_pad_batch_on_the_left_keeps_content_at_the_end(tok):
    a = build_training_example(tok, CHAT, max_length=512)
    b = build_training_example(tok, [CHAT[1], {"role": "assistant", "content": "Toast."}], max_length=512)
    assert len(b["input_ids"]) < len(a["input_ids"])
    batch = pad_batch([a, b], tok.pad_token_id, side="left")
    assert batch["input_ids"][1, -len(b["input_ids"]):].tolist() == b["input_ids"]
    assert batch["attention_mask"][1, 0] == 0


@pytest.mark.slow
def test_padded_batch_gives_the_same_loss_as_one_by_one(llm):
    model, tok = llm
    examples = [build_training_example(tok, CHAT, max_length=512),
                build_training_example(tok, [CHAT[1], {"role": "assistant", "content": "Toast."}], max_length=512)]
    with torch.no_grad():
        alone = [model(**pad_batch([ex], tok.pad_token_id)).loss for ex in examples]
        logits = model(**{k: v for k, v in pad_batch(examples, tok.pad_token_id).items() if k != "labels"}).logits
    batch = pad_batch(examples, tok.pad_token_id)
    for row, loss in enumerate(alone):
        per_row = torch.nn.functional.cross_entropy(
            logits[row, :-1], batch["labels"][row, 1:], ignore_index=IGNORE_INDEX)
        assert torch.isclose(per_row, loss, atol=1e-4)


@pytest.mark.parametrize(
    "examples, pattern",
    [([], "non-empty"), ([{"input_ids": [1, 2]}], "equal length"),
     ([{"input_ids": [1], "attention_mask": [1, 1], "labels": [1]}], "equal length")],
)
def test_pad_batch_rejects_bad_examples(examples, pattern):
    with pytest.raises(ValueError, match=pattern):
        pad_batch(examples, 2)
    with pytest.raises(ValueError, match="side"):
        pad_batch([{"input_ids": [1], "attention_mask": [1], "labels": [1]}], 2, side="middle")


# --- exercise checks -----------------------------------------------------------

def test_check_template_overhead_names_the_typical_mistakes(tok):
    q = "What can I eat at the canteen on Thursday?"
    chat = [{"role": "user", "content": q}]
    right = len(ids_by_hand(tok, chat, generation_prompt=True)) - len(tok(q, add_special_tokens=False)["input_ids"])
    assert "✅" in repr(check_template_overhead(right, tok, q))
    verdict = check_template_overhead(count_tokens(tok, chat), tok, q)
    assert not verdict and "subtract the tokens of the question" in str(verdict)
    verdict = check_template_overhead(count_tokens(tok, chat, add_generation_prompt=False) - count_tokens(tok, q), tok, q)
    assert not verdict and "add_generation_prompt=True" in str(verdict)
    verdict = check_template_overhead(..., tok, q)
    assert not verdict and "not answered" in str(verdict)


def test_check_largest_k_reminds_to_reserve_room_for_the_answer(tok):
    q = "What is the soup on Thursday?"
    window = count_tokens(tok, build_rag_prompt(q, DOCS[:2])) + 20
    assert check_largest_k(1, tok, q, DOCS, window, 30)
    verdict = check_largest_k(2, tok, q, DOCS, window, 30)
    assert not verdict and "keep 30 tokens free" in str(verdict)
    verdict = check_largest_k(3, tok, q, DOCS, window, 30)
    assert not verdict and "not every chunk fits" in str(verdict)


def test_check_trained_tokens_counts_labels_not_ids(tok):
    ex = build_training_example(tok, CHAT, max_length=512)
    trained = count_tokens(tok, CHAT[2]["content"]) + 1  # the answer's tokens and its end token
    assert check_trained_tokens(trained, ex)
    verdict = check_trained_tokens(len(ex["input_ids"]), ex)
    assert not verdict and "every token" in str(verdict)
    verdict = check_trained_tokens(trained - 1, ex)
    assert not verdict and "end-of-turn" in str(verdict)
    assert not check_trained_tokens("many", ex)


def test_trained_tokens_counts_what_is_read_and_what_is_learned(tok):
    example = build_training_example(tok, CHAT, max_length=256)
    assert trained_tokens([example, example]) == (
        2 * len(ids_by_hand(tok, CHAT)),
        2 * (count_tokens(tok, CHAT[2]["content"]) + 1),  # the answer's tokens and its end token
    )


def test_check_cost_prediction_compares_the_real_token_counts(tok):
    # Hand-counted: "2026-01-23" is 10 single characters; "23 January 2026" is 2 + 1 + 1 + 4.
    dates = {"iso": "2026-01-23", "words": "23 January 2026"}
    assert check_cost_prediction("iso", tok, **dates)
    verdict = check_cost_prediction("words", tok, **dates)
    assert not verdict and "10 tokens" in str(verdict) and "is 8" in str(verdict)
    assert not check_cost_prediction("same", tok, **dates)
    assert check_cost_prediction("same", tok, a="Oat porridge", b="Oat porridge")
    verdict = check_cost_prediction("longer", tok, **dates)
    assert not verdict and "answer one of" in str(verdict)
    assert "not answered" in str(check_cost_prediction(..., tok, **dates))
    with pytest.raises(TypeError, match="exactly two"):
        check_cost_prediction("iso", tok, iso="1")
