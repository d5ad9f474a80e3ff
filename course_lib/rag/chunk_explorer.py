"""Lesson 08's chunking explorer: cut a guide with any splitter and size, and see where a question's answer lands.

Built on :mod:`course_lib.rag.chunking`, the splitters the lesson teaches: the chunks are drawn as boxes in
order with their token counts (a fixed-size window repeats the overlap of the one before), and the chunks
that hold the chosen question's answer are marked. A learner can see a cut fall through the middle of the
fact the question asks about, which is the failure lesson 08 measures.

>>> box = explorer(data.load_knowledge(["guide"]), data.load_questions(), embedder.tokenizer)   # doctest: +SKIP
"""
from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

from course_lib.rag.chunking import STRATEGIES

SIZES = (16, 512)          # the slider's range of token budgets


def cut(text: str, strategy: str, size: int, overlap: int, tokenizer: Any) -> list[tuple[int, int]]:
    """The ``(start, end)`` character spans of ``text`` cut by ``strategy`` with a budget of ``size`` tokens
    (and ``overlap`` for fixed-size windows; the other splitters do not overlap).

    >>> cut("One. Two. Three.", "sentence", 16, 0, None)
    [(0, 16)]
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}.")
    if strategy == "fixed_size":
        spans = STRATEGIES[strategy](text, size, overlap, tokenizer=tokenizer)
    else:
        spans = STRATEGIES[strategy](text, size, tokenizer=tokenizer)
    return [(s[0], s[1]) for s in spans]


def holds_answer(chunk: str, accepted: Sequence[str]) -> bool:
    """Whether an accepted answer appears in the chunk's text (case-insensitive), as lesson 09 counts it.

    >>> holds_answer("Soak beans for 8 hours.", ["8 hours"]), holds_answer("Soak beans.", ["8 hours"])
    (True, False)
    """
    low = chunk.lower()
    return any(a.lower() in low for a in accepted if a.strip())


def chunk_view(doc: Mapping[str, Any], strategy: str, size: int, overlap: int, tokenizer: Any,
               question: Mapping[str, Any] | None = None) -> str:
    """The chunks of ``doc`` as HTML boxes with their token counts, those holding ``question``'s answer marked.

    Settings a splitter cannot use (an overlap as large as the size, a size below its minimum) give a short
    message instead of an error.
    """
    try:
        spans = cut(doc["text"], strategy, size, overlap, tokenizer)
    except ValueError as why:
        return f"<i>These settings cannot cut the text: {html.escape(str(why))}</i>"
    accepted = list(question.get("accepted", [])) if question else []
    boxes, holding = [], []
    for n, (start, end) in enumerate(spans):
        text = doc["text"][start:end]
        count = len(tokenizer(text, add_special_tokens=False)["input_ids"]) if tokenizer else len(text.split())
        hit = bool(accepted) and holds_answer(text, accepted)
        holding += [n] if hit else []
        border = "3px solid #2a9d8f" if hit else "1px solid #bbb"
        boxes.append(f'<div style="border:{border};margin:4px 0;padding:4px;white-space:pre-wrap;font-size:85%">'
                     f"<b>chunk {n}</b> · {count} tokens{' · <b>holds the answer</b>' if hit else ''}\n"
                     f"{html.escape(text)}</div>")
    if question is None:
        where = ""
    elif not accepted:
        where = "<p>This question has no single answer string to look for.</p>"
    elif holding:
        where = f"<p>The answer ({html.escape(accepted[0])}) is in chunk {', '.join(map(str, holding))}.</p>"
    else:
        where = (f"<p><b>No chunk holds the answer</b> ({html.escape(accepted[0])}) whole: a cut runs through it, "
                 "or the answer is not written the way the question's accepted strings spell it.</p>")
    return f"<p>{len(spans)} chunks ({strategy}, {size} tokens{f', overlap {overlap}' if strategy == 'fixed_size' else ''}).</p>" \
           + where + "".join(boxes)


def explorer(docs: Sequence[Mapping[str, Any]], questions: Sequence[Mapping[str, Any]], tokenizer: Any,
             start: str | None = None):
    """An ipywidgets box: a guide, a question about it, a splitter, size and overlap sliders, and the chunks.

    ``docs`` are the documents to choose from (lesson 08 passes the guides), ``questions`` the evaluation
    questions (those whose gold documents include the chosen guide are offered), ``tokenizer`` the embedder's.
    """
    import ipywidgets as widgets

    by_id = {d["id"]: d for d in docs}
    if not by_id:
        raise ValueError("explorer() needs at least one document, e.g. data.load_knowledge(['guide']).")
    guide = widgets.Dropdown(options=list(by_id), value=start or next(iter(by_id)), description="Guide:")
    asked = widgets.Dropdown(description="Question:", layout=widgets.Layout(width="95%"))
    strategy = widgets.Dropdown(options=list(STRATEGIES), value="fixed_size", description="Splitter:")
    size = widgets.IntSlider(value=128, min=SIZES[0], max=SIZES[1], step=16, description="Size:")
    overlap = widgets.IntSlider(value=32, min=0, max=SIZES[1] - 16, step=16, description="Overlap:")
    view = widgets.HTML()

    def questions_for(doc_id: str) -> list[tuple[str, Any]]:
        about = [q for q in questions if doc_id in q.get("gold_doc_ids", [])]
        return [("(no question)", None)] + [(q["question"][:90], q["id"]) for q in about]

    def update(_change: Any = None) -> None:
        chosen = next((q for q in questions if q["id"] == asked.value), None)
        overlap.disabled = strategy.value != "fixed_size"
        view.value = chunk_view(by_id[guide.value], strategy.value, size.value, overlap.value, tokenizer, chosen)

    def new_guide(_change: Any = None) -> None:
        options = questions_for(guide.value)
        asked.options = options
        asked.value = options[1][1] if len(options) > 1 else None
        update()

    guide.observe(new_guide, names="value")
    for control in (asked, strategy, size, overlap):
        control.observe(update, names="value")
    new_guide()
    return widgets.VBox([guide, asked, widgets.HBox([strategy, size, overlap]), view])
