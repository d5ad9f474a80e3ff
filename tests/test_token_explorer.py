"""Lesson 02's tokenizer explorer: both tokenizers side by side, and a short message for unexpected input."""
from course_lib.models import load_embedder, load_tokenizer
from course_lib.token_explorer import MAX_CHARS, describe, explorer
from course_lib.tokens import count_tokens, show_tokens

CHAT = load_tokenizer()
EMBEDDER = load_embedder()
EMBED = EMBEDDER.tokenizer


def test_the_view_counts_the_tokens_of_both_tokenizers_and_the_templates_share():
    text = "Oat porridge with peanut butter"
    view = describe(text, CHAT, EMBED)
    n_chat, n_embed = len(show_tokens(CHAT, text)), len(show_tokens(EMBED, text))
    in_chat = count_tokens(CHAT, [{"role": "user", "content": text}])
    assert f"<b>Chat model</b>: {n_chat} tokens" in view and f"<b>Embedder</b>: {n_embed} tokens" in view
    assert f"{in_chat - n_chat} of them" in view and view.count("<span") == n_chat + n_embed


def test_empty_long_and_odd_texts_give_a_message_not_a_traceback():
    assert "Type a text" in describe("   ", CHAT, EMBED)
    long_view = describe("peanut-free, 12 g! " * 200, CHAT, EMBED)
    assert f"first {MAX_CHARS:,} characters" in long_view and "would be cut" in long_view
    assert "<span" in describe("<b>ü 🍕\n</b>", CHAT, EMBED)      # markup is escaped, not rendered


def test_the_widget_updates_when_the_text_changes():
    box = explorer(CHAT, EMBEDDER)
    box.children[0].value = "tofu"
    assert f"<b>Chat model</b>: {len(show_tokens(CHAT, 'tofu'))} tokens" in box.children[1].value
    box.children[0].value = ""
    assert "Type a text" in box.children[1].value
