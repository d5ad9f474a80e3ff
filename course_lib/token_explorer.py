"""Lesson 02's tokenizer explorer: type any text and see how the course's two tokenizers cut it.

Built on :func:`course_lib.tokens.show_tokens` and :func:`course_lib.tokens.count_tokens`, the functions the
lesson teaches: each token is drawn as a coloured piece with its id on hover, with the count, and for the chat
model the share of the prompt that the chat template adds around a one-message chat. The embedder's
tokenizer (WordPiece, lower case) is shown beside the chat model's (byte-level BPE), with a note when a text
runs past the embedder's window, which it would silently cut.

>>> box = explorer(tokenizer, embedder)     # doctest: +SKIP
"""
from __future__ import annotations

import html
from typing import Any

from course_lib.tokens import count_tokens, show_tokens

MAX_CHARS = 2_000        # a longer text is cut for display: thousands of coloured pieces help nobody
PALETTE = ("#fde2e4", "#e2ece9", "#dfe7fd", "#fff1e6", "#eae4e9", "#e8f5d8")
EXAMPLE = "Is the satay tofu peanut-free? I'm allergic and need 30 g protein after the gym."


def pieces_html(pieces: list[tuple[int, str]]) -> str:
    """Tokens as coloured spans, in order; the id shows on hover and a leading space as a dot.

    >>> pieces_html([(63, "O"), (261, " at")]).count("<span"), "·at" in pieces_html([(261, " at")])
    (2, True)
    """
    style = "padding:1px 2px;margin:1px;border-radius:3px;font-family:monospace"
    spans = []
    for n, (token_id, piece) in enumerate(pieces):
        shown = html.escape(piece.replace(" ", "·").replace("\n", "⏎"))
        spans.append(f'<span title="{token_id}" style="background:{PALETTE[n % len(PALETTE)]};{style}">{shown}</span>')
    return "".join(spans)


def describe(text: str, chat_tokenizer: Any, embed_tokenizer: Any, embed_window: int = 256) -> str:
    """The explorer's view of ``text`` as HTML: both tokenizations, counts and the chat template's share.

    An empty text asks for one; a text over :data:`MAX_CHARS` characters is shown cut, and says so; a text
    longer than the embedder's window (``embed_window`` tokens, two of them special) says the embedder would cut it.

    >>> describe("", None, None)
    '<i>Type a text above to see its tokens.</i>'
    """
    if not isinstance(text, str) or not text.strip():
        return "<i>Type a text above to see its tokens.</i>"
    note = ""
    if len(text) > MAX_CHARS:
        text, note = text[:MAX_CHARS], f"<p><i>Showing the first {MAX_CHARS:,} characters.</i></p>"
    chat = show_tokens(chat_tokenizer, text)
    in_chat = count_tokens(chat_tokenizer, [{"role": "user", "content": text}])
    overhead = in_chat - len(chat)
    embed = show_tokens(embed_tokenizer, text)
    cut = (f" The embedder reads at most {embed_window} tokens (two of them special): the rest would be cut."
           if len(embed) + 2 > embed_window else "")
    return (f"{note}<p><b>Chat model</b>: {len(chat)} tokens. As one user message the chat template makes it "
            f"{in_chat} tokens: {overhead} of them ({overhead / in_chat:.0%}) are the template's.</p>"
            f"<div>{pieces_html(chat)}</div>"
            f"<p><b>Embedder</b>: {len(embed)} tokens.{cut}</p><div>{pieces_html(embed)}</div>")


def explorer(chat_tokenizer: Any, embedder: Any, start: str = EXAMPLE):
    """An ipywidgets box: a text area and, below it, :func:`describe` of what is typed (updated on every change).
    ``embedder`` is the course's sentence embedder (:func:`course_lib.models.load_embedder`): its tokenizer and window.

    Uses only widgets that exist in ipywidgets 7 and 8 (Colab ships 7).
    """
    import ipywidgets as widgets

    box = widgets.Textarea(value=start, description="Text:", layout=widgets.Layout(width="95%", height="80px"))
    view = widgets.HTML()

    def update(_change: Any = None) -> None:
        try:
            view.value = describe(box.value, chat_tokenizer, embedder.tokenizer, embedder.max_seq_length)
        except Exception as error:   # an explorer must never show a traceback to a learner
            view.value = f"<i>Could not tokenize this text ({html.escape(type(error).__name__)}): try another.</i>"

    box.observe(update, names="value")
    update()
    return widgets.VBox([box, view])
