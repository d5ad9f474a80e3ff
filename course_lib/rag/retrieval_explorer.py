"""Lesson 10's retrieval explorer: one question, several retrievers side by side, gold documents marked.

Built on the retrievers the lesson teaches (any object with ``search(query, k)``) and on
:mod:`course_lib.rag.ranking`: for a question from the test set, whose gold documents are known, each
column also shows nDCG@10 and success@5 (a gold document among the first five). A typed question has no gold
documents, so only the rankings show. The weighted hybrid gets a slider for its dense share.

>>> box = explorer({"BM25": bm25, "dense": dense}, questions, weighted=(bm25, dense))   # doctest: +SKIP
"""
from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

from course_lib.rag.fusion import HybridRetriever
from course_lib.rag.ranking import ndcg_at_k

SHOWN, DEPTH = 5, 10      # rows shown per retriever; depth searched for nDCG@10


def compare_view(question: str, retrievers: Mapping[str, Any], gold: Sequence[str] = ()) -> str:
    """The top :data:`SHOWN` hits of every retriever for ``question`` as an HTML table, ids of ``gold`` documents
    marked ✓, and nDCG@10 and success@5 under each column when ``gold`` is given.

    An empty question, or a retriever that fails, gives a short message in its place, never a traceback.
    """
    if not isinstance(question, str) or not question.strip():
        return "<i>Type a question, or pick one from the list.</i>"
    if not retrievers:
        return "<i>Choose at least one retriever.</i>"
    gold = set(gold)
    columns = {}
    for name, retriever in retrievers.items():
        try:
            size = len(getattr(retriever, "records", ())) or DEPTH      # a small index holds fewer than DEPTH
            columns[name] = retriever.search(question, min(DEPTH, size))
        except Exception as error:   # an explorer must never show a traceback to a learner
            columns[name] = f"could not search: {type(error).__name__}: {error}"
    head = "".join(f"<th>{html.escape(n)}</th>" for n in columns)
    rows = []
    for rank in range(SHOWN):
        cells = []
        for hits in columns.values():
            if isinstance(hits, str) or rank >= len(hits):
                cells.append("<td></td>")
                continue
            hit = hits[rank]
            doc = str(hit.id).rsplit("#", 1)[0]
            mark = " ✓" if doc in gold else ""
            cells.append(f"<td>{html.escape(str(hit.id))}{mark}<br><small>{hit.score:.3f}</small></td>")
        rows.append(f"<tr><th>{rank + 1}</th>{''.join(cells)}</tr>")
    foot = []
    for hits in columns.values():
        if isinstance(hits, str):
            foot.append(f"<td><i>{html.escape(hits)}</i></td>")
        elif not hits:
            foot.append("<td><i>no document matched</i></td>")
        elif gold:
            ranked = list(dict.fromkeys(str(h.id).rsplit("#", 1)[0] for h in hits))
            found = any(d in gold for d in ranked[:SHOWN])
            foot.append(f"<td>nDCG@10 {ndcg_at_k(ranked, gold, DEPTH):.2f}<br>success@5 {'yes' if found else 'no'}</td>")
        else:
            foot.append("<td><small>(no gold documents for a typed question)</small></td>")
    return (f"<table><tr><th>rank</th>{head}</tr>{''.join(rows)}<tr><th></th>{''.join(foot)}</tr></table>")


def explorer(retrievers: Mapping[str, Any], questions: Sequence[Mapping[str, Any]],
             weighted: tuple[Any, Any] | None = None, start: str | None = None):
    """An ipywidgets box: pick a test question or type one, tick retrievers, and compare their rankings.

    ``retrievers`` maps names to retrievers; ``weighted`` (a lexical and a dense retriever) adds a weighted
    hybrid with a slider for the dense share, 0 (lexical only) to 1 (dense only).
    """
    import ipywidgets as widgets

    by_text = {q["question"]: q for q in questions}
    pick = widgets.Dropdown(options=[""] + list(by_text), value=start if start in by_text else "",
                            description="Pick:", layout=widgets.Layout(width="95%"))
    typed = widgets.Text(value=start or "", description="Question:", layout=widgets.Layout(width="95%"))
    names = list(retrievers) + (["weighted hybrid"] if weighted else [])
    chosen = widgets.SelectMultiple(options=names, value=tuple(names[:3]), description="Retrievers:")
    weight = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.1, description="Dense share:")
    view = widgets.HTML()

    def update(_change: Any = None) -> None:
        active = {n: retrievers[n] for n in chosen.value if n in retrievers}
        if weighted and "weighted hybrid" in chosen.value:
            active["weighted hybrid"] = HybridRetriever(*weighted, "weighted", weight=weight.value)
        gold = by_text.get(typed.value, {}).get("gold_doc_ids", ())
        view.value = compare_view(typed.value, active, gold)

    def picked(_change: Any = None) -> None:
        if pick.value:
            typed.value = pick.value      # observing typed redraws

    pick.observe(picked, names="value")
    for control in (typed, chosen, weight):
        control.observe(update, names="value")
    update()
    return widgets.VBox([pick, typed, widgets.HBox([chosen, weight]), view])
