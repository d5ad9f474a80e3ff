"""Specification of course_lib.tokens: counting, chat templates, budgets, label masking, padding."""
import pytest
import torch

from course_lib.exercises.lesson02 import check_largest_k, check_template_overhead, check_trained_tokens
from course_lib.tokens import (
    IGNORE_INDEX,
    ContextTooLong,
    build_rag_prompt,
    build_training_example,
    chat_ids,
    check_messages,
    context_window,
    count_tokens,
    decode_labels,
    ensure_fits,
    fit_context,
    pad_batch,
    trained_tokens,
    show_tokens,
    token_counts,
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


@pytest.fixture(scope="module")
def tok(llm):
    return llm[1]


# --- tokens and counts -------------------------------------------------------

def test_show_tokens_pieces_join_back_to_the_text(tok):
    text = "Oat porridge with blueberries, 379 kcal."
    pairs = show_tokens(tok, text)
    assert "".join(piece for _, piece in pairs) == text
    assert [i for i, _ in pairs] == tok(text, add_special_tokens=False)["input_ids"]
    assert all(isinstance(i, int) and 0 <= i < len(tok) for i, _ in pairs)


def test_count_tokens_of_text_has_no_special_tokens(tok):
    assert count_tokens(tok, "Oat porridge") == len(show_tokens(tok, "Oat porridge"))
    assert tok.eos_token_id not in [i for i, _ in show_tokens(tok, "Oat porridge")]


def test_count_tokens_of_a_chat_includes_the_template(tok):
    question = "Suggest a breakfast."
    chat = [{"role": "user", "content": question}]
    with_prompt = count_tokens(tok, chat)
    assert with_prompt > count_tokens(tok, question) + 4  # role markers and a default system prompt
    assert count_tokens(tok, chat, add_generation_prompt=False) < with_prompt
    assert with_prompt == len(chat_ids(tok, chat, add_generation_prompt=True))


def test_chat_ids_match_the_encoding_used_for_generation(tok):
    text = tok.apply_chat_template(CHAT[:2], tokenize=False, add_generation_prompt=True)
    assert chat_ids(tok, CHAT[:2], add_generation_prompt=True) == tok(text, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("bad", ["", "   ", "\n"])
def test_empty_text_is_rejected(tok, bad):
    with pytest.raises(ValueError, match="empty"):
        count_tokens(tok, bad)
    with pytest.raises(ValueError, match="empty"):
        show_tokens(tok, bad)


def test_token_counts_of_records_and_dialogues(tok):
    assert token_counts(tok, DOCS, field="text") == [count_tokens(tok, d["text"]) for d in DOCS]
    dialogues = [{"id": "d1", "messages": CHAT}]
    assert token_counts(tok, dialogues, field="messages") == [count_tokens(tok, CHAT, add_generation_prompt=False)]
    assert token_counts(tok, ["a b", "c"]) == [count_tokens(tok, "a b"), count_tokens(tok, "c")]


def test_token_counts_names_the_unknown_field(tok):
    with pytest.raises(ValueError, match=r"no field 'body'.*'text'"):
        token_counts(tok, DOCS, field="body")
    with pytest.raises(ValueError, match="field="):
        token_counts(tok, DOCS)
    with pytest.raises(TypeError, match="list"):
        token_counts(tok, "just one text")


def test_context_window_comes_from_the_model_config(llm):
    model, _ = llm
    assert context_window(model) == 8192
    assert context_window(model.config) == 8192
    with pytest.raises(TypeError, match="max_position_embeddings"):
        context_window(object())


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


# --- RAG prompts and the context window ------------------------------------

def test_rag_prompt_tags_each_chunk_with_its_id_before_the_question():
    messages = build_rag_prompt("What is the soup on Thursday?", DOCS[:2])
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert user.index("[menu-w1-thu] Thursday menu") < user.index("[nut-oats] Oats") < user.index("Question:")
    assert user.endswith("Question: What is the soup on Thursday?")


def test_rag_prompt_without_chunks_is_the_bare_question():
    assert build_rag_prompt("Soup?", [], system=None) == [{"role": "user", "content": "Soup?"}]
    assert build_rag_prompt("Soup?", ["Leek soup."], system=None)[0]["content"] == "Context:\nLeek soup.\n\nQuestion: Soup?"


def test_rag_prompt_grows_with_every_chunk(tok):
    sizes = [count_tokens(tok, build_rag_prompt("Soup?", DOCS[:k])) for k in range(4)]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4


def test_rag_prompt_rejects_bad_input():
    with pytest.raises(ValueError, match="question is empty"):
        build_rag_prompt(" ", DOCS)
    with pytest.raises(ValueError, match=r"chunk 0 has no 'text' field.*'body'"):
        build_rag_prompt("Soup?", [{"id": "x", "body": "soup"}])
    with pytest.raises(TypeError, match="list"):
        build_rag_prompt("Soup?", DOCS[0])


def test_ensure_fits_returns_the_count_or_says_how_far_over(tok):
    messages = build_rag_prompt("Soup?", DOCS)
    n = count_tokens(tok, messages)
    assert ensure_fits(tok, messages, window=n + 10, max_new_tokens=10) == n
    with pytest.raises(ContextTooLong, match=rf"{n} tokens.*7 tokens over the {n + 3}-token.*fewer chunks"):
        ensure_fits(tok, messages, window=n + 3, max_new_tokens=10)
    assert issubclass(ContextTooLong, ValueError)


def test_fit_context_keeps_the_top_chunks_that_fit(tok):
    q = "What is the soup on Thursday?"
    two = count_tokens(tok, build_rag_prompt(q, DOCS[:2]))
    assert fit_context(tok, q, DOCS, window=two + 50, max_new_tokens=50) == DOCS[:2]
    assert fit_context(tok, q, DOCS, window=100_000) == DOCS


def test_fit_context_refuses_when_not_even_one_chunk_fits(tok):
    q = "What is the soup on Thursday?"
    bare = count_tokens(tok, build_rag_prompt(q, []))
    with pytest.raises(ContextTooLong, match="not even the top-ranked chunk fits.*tokens over"):
        fit_context(tok, q, DOCS[2:], window=bare + 20, max_new_tokens=10)
    with pytest.raises(ValueError, match="no chunks"):
        fit_context(tok, q, [], window=8192)


# --- training examples -------------------------------------------------------

def test_labels_decode_exactly_to_the_answer_and_end_token(tok):
    ex = build_training_example(tok, CHAT, max_length=512)
    assert decode_labels(tok, ex) == CHAT[2]["content"] + tok.eos_token
    assert len(ex["input_ids"]) == len(ex["attention_mask"]) == len(ex["labels"])
    assert ex["input_ids"] == chat_ids(tok, CHAT)
    trained = [i for i, label in enumerate(ex["labels"]) if label != IGNORE_INDEX]
    assert trained == list(range(trained[0], trained[-1] + 1)), "one contiguous answer span"
    assert all(ex["labels"][i] == ex["input_ids"][i] for i in trained)


def test_every_assistant_turn_is_trained_in_a_multi_turn_chat(tok):
    chat = CHAT + [{"role": "user", "content": "And lunch?"}, {"role": "assistant", "content": "Lentil soup."}]
    ex = build_training_example(tok, chat, max_length=512)
    assert decode_labels(tok, ex) == CHAT[2]["content"] + tok.eos_token + "Lentil soup." + tok.eos_token
    assert "And lunch?" not in decode_labels(tok, ex)


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
    right = count_tokens(tok, chat) - count_tokens(tok, q)
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
    trained = sum(label != IGNORE_INDEX for label in ex["labels"])
    assert check_trained_tokens(trained, ex)
    verdict = check_trained_tokens(len(ex["input_ids"]), ex)
    assert not verdict and "every token" in str(verdict)
    verdict = check_trained_tokens(trained - 1, ex)
    assert not verdict and "end-of-turn" in str(verdict)
    assert not check_trained_tokens("many", ex)


def test_trained_tokens_counts_what_is_read_and_what_is_learned(tok):
    example = build_training_example(tok, CHAT, max_length=256)
    read, trained = trained_tokens([example, example])
    assert read == 2 * len(example["input_ids"])
    assert trained == 2 * sum(label != IGNORE_INDEX for label in example["labels"])
    assert 0 < trained < read
