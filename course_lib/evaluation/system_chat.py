"""Lesson 11's chat with every system: one question, every system's answer side by side, graded on the spot.

Built on :class:`course_lib.evaluation.benchmark.System` (a name and a function that answers questions) and on
the grader the course validated (:mod:`course_lib.evaluation.grading`): under each answer, the passages a
RAG system put in its prompt, whether the answer names a food the person avoids, whether it admits not
knowing, and, for a question from the benchmark (whose accepted answers are known), whether it is right.

The person LoRA is wrapped into the base model in place (peft), so a system that should answer as the base
model runs through :func:`adapter_off`.

>>> box = explorer(systems, questions, documents, profile)     # doctest: +SKIP
"""
from __future__ import annotations

import html
from contextlib import nullcontext
from typing import Any, Mapping, Sequence

from course_lib.evaluation.grading import admits_unknown, judge_fact, profile_avoid_terms, violations

__all__ = ["adapter_off", "ask_all", "chat_view", "explorer"]


def adapter_off(model: Any, answer: Any) -> Any:
    """An answerer that runs ``answer`` with ``model``'s adapters switched off (a peft model), else unchanged.

    >>> adapter_off(object(), lambda questions, batch_size: ["hi"])(["Q?"], 1)
    ['hi']
    """
    def run(questions: list[str], batch_size: int) -> list[Any]:
        off = getattr(model, "disable_adapter", None)
        with off() if callable(off) else nullcontext():
            return answer(questions, batch_size)
    return run


def ask_all(systems: Sequence[Any], question: str) -> dict[str, Any]:
    """Every system's answer to ``question`` (an answer object or text), or the error it raised, as text."""
    answers: dict[str, Any] = {}
    for system in systems:
        try:
            answers[system.name] = system.answer([question], 1)[0]
        except Exception as error:   # one failing system must not hide the others' answers
            answers[system.name] = f"(this system failed: {type(error).__name__}: {error})"
    return answers


def _verdicts(text: str, asked: Mapping[str, Any] | None, avoid: Sequence[str], profile: Mapping | None) -> list[str]:
    found = violations(text, avoid, profile=profile) if avoid else []
    out = [f"names avoided food: {', '.join(found)}" if found else "no avoided food"]
    if asked and asked.get("type") == "unanswerable":
        out.append("admits not knowing" if admits_unknown(text) else "hallucinated (no answer exists)")
    elif asked and asked.get("accepted"):
        out.append({"correct": "right", "admits_unknown": "admits not knowing", "invented": "wrong"}[
            judge_fact(text, asked["accepted"])])
    elif admits_unknown(text):
        out.append("admits not knowing")
    return out


def chat_view(question: str, answers: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]] | None = None,
              asked: Mapping[str, Any] | None = None, profile: Mapping[str, Any] | None = None) -> str:
    """The answers as an HTML table: one column per system with its answer, its passages and its verdicts.

    ``asked`` is the benchmark question when the question came from it (its accepted answers and avoided
    foods grade the answers), else None: then only the profile's avoided foods and admissions are checked.
    """
    if not isinstance(question, str) or not question.strip():
        return "<i>Type a question, or pick one from the list, then press Ask.</i>"
    if not answers:
        return "<i>Choose at least one system.</i>"
    avoid = list(asked.get("avoid_terms") or []) if asked else []
    if not avoid and profile:
        avoid = profile_avoid_terms(profile)
    cells = []
    for name, answer in answers.items():
        text = answer if isinstance(answer, str) else answer.text
        shown = list(getattr(answer, "context_ids", []) or [])
        titles = [f"{i}: {(documents or {}).get(i, {}).get('title', '')}" for i in shown]
        passages = "<br>".join(html.escape(t) for t in titles) or "none (closed book)"
        verdicts = "" if text.startswith("(this system failed") else "<br>".join(
            html.escape(v) for v in _verdicts(text, asked, avoid, profile))
        cells.append(f"<td style='vertical-align:top'><b>{html.escape(name)}</b><br>{html.escape(text)}"
                     f"<br><small>passages: {passages}</small><br><small>{verdicts}</small></td>")
    return f"<table><tr>{''.join(cells)}</tr></table>"


def explorer(systems: Sequence[Any], questions: Sequence[Mapping[str, Any]],
             documents: Mapping[str, Mapping[str, Any]] | None = None, profile: Mapping[str, Any] | None = None,
             start: str | None = None):
    """An ipywidgets box: pick a benchmark question or type one, tick systems, press Ask (each system
    generates, a few seconds each on a CPU), and read the answers side by side with their verdicts.

    ``box.systems`` is the name-to-system dict the box asks; clearing it frees the models the systems hold
    (the last answers stay on screen, and Ask then says to choose a system).
    """
    import ipywidgets as widgets

    by_text = {q["question"]: q for q in questions}
    by_name = {s.name: s for s in systems}
    pick = widgets.Dropdown(options=[""] + list(by_text), value=start if start in by_text else "",
                            description="Pick:", layout=widgets.Layout(width="95%"))
    typed = widgets.Text(value=start or "", description="Question:", layout=widgets.Layout(width="95%"))
    chosen = widgets.SelectMultiple(options=list(by_name), value=tuple(by_name), description="Systems:")
    ask = widgets.Button(description="Ask")
    view = widgets.HTML(chat_view("", {}))

    def answer(_click: Any = None) -> None:
        question = typed.value
        if not question.strip():
            view.value = chat_view(question, {})
            return
        view.value = "<i>The systems are answering...</i>"
        answers = ask_all([by_name[n] for n in chosen.value if n in by_name], question)
        view.value = chat_view(question, answers, documents, by_text.get(question), profile)

    def picked(_change: Any = None) -> None:
        if pick.value:
            typed.value = pick.value

    pick.observe(picked, names="value")
    ask.on_click(answer)
    if start:
        answer()
    box = widgets.VBox([pick, typed, widgets.HBox([chosen, ask]), view])
    # The systems hold their models: ``box.systems.clear()`` frees them and keeps the last view on screen.
    box.systems = by_name
    return box
