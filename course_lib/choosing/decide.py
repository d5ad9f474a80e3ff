"""Choose between a prompt, RAG, fine-tuning and a hybrid, with reasons you can read.

A project answers eight questions (:data:`QUESTIONS`). Each answer moves two
scores, one for RAG and one for fine-tuning, by the amounts in :data:`RULES`
(or, for an answer whose effect depends on the task, in :data:`TASK_RULES`);
:func:`recommend` adds them up and returns the choice together with one reason
per answer that moved a score, so every recommendation can be traced back to
the answers that drove it. An approach whose score is not positive is never
recommended: when neither scores above zero, the verdict is "start with a prompt". The module also holds the lesson's comparison table
(:data:`COMPARISON`), the claims later lessons measure (:data:`CLAIMS`), the
questionnaire widget and the lesson's exercise checks.
"""
from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Mapping, NamedTuple

from course_lib.choosing.evidence import rule_evidence
from course_lib.choosing.rules import CLAIMS, DEFAULTS, QUESTIONS, RULES, TASK_RULES, Claim  # noqa: F401  (lesson 03 reads the tables here)

Choice = Literal["start with a prompt", "RAG", "fine-tuning", "hybrid"]
PROMPT_FIRST: Choice = "start with a prompt"

HYBRID_MIN = 4  # both scores at least this high -> each approach earns its place
WEAK_MAX = 1  # best score positive but at most this -> a weak case: say so


@dataclass(frozen=True)
class Project:
    """A project's answers to :data:`QUESTIONS`; bad values raise ``ValueError``.

    >>> Project("facts", "yes", "none", "often", "yes", "relaxed", "none", "no").task
    'facts'
    """

    task: str
    documents: str
    labelled_examples: str
    knowledge_changes: str
    need_sources: str
    latency: str
    training_resources: str
    tone_control: str
    privacy: str = DEFAULTS["privacy"]
    volume: str = DEFAULTS["volume"]

    def __post_init__(self) -> None:
        for name in QUESTIONS:
            value, allowed = getattr(self, name), tuple(QUESTIONS[name][1])
            if value not in allowed:
                raise ValueError(f"{name}={value!r} is not an allowed answer; "
                                 f"choose one of {', '.join(map(repr, allowed))}.")

    @classmethod
    def from_answers(cls, answers: Mapping[str, str]) -> "Project":
        """Build a project from a dict, naming missing or unknown fields in the error.

        >>> Project.from_answers({"task": "facts"})
        Traceback (most recent call last):
        ...
        ValueError: missing answers for: documents (one of 'yes', 'no'), ...
        """
        if not isinstance(answers, Mapping):
            raise TypeError(f"answers must be a dict of field -> value, got {type(answers).__name__}.")
        unknown = sorted(set(answers) - set(QUESTIONS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; "
                             f"the fields are: {', '.join(QUESTIONS)}.")
        answers = {**DEFAULTS, **answers}
        missing = [name for name in QUESTIONS if name not in answers]
        if missing:
            wanted = ", ".join(f"{m} (one of {', '.join(map(repr, QUESTIONS[m][1]))})" for m in missing)
            raise ValueError(f"missing answers for: {wanted}.")
        return cls(**{name: answers[name] for name in QUESTIONS})

    def replace(self, **changes: str) -> "Project":
        """A copy with some answers changed (validated like the original)."""
        return Project.from_answers({**asdict(self), **changes})


@dataclass
class Recommendation:
    """The verdict: ``choice``, one reason per answer that mattered, and both scores."""

    choice: Choice
    reasons: list[str]
    scores: dict[str, int]
    # reason -> what the course measured about its rule (lessons 07-11, read from results/), tagged
    # [supports], [contradicts] or [inconclusive]
    measured: dict[str, str] = field(default_factory=dict)
    # rules whose own measurements contradict them, said out loud
    warnings: list[str] = field(default_factory=list)
    step0: str = ""

    def __str__(self) -> str:
        head = f"Recommendation: {self.choice}  (RAG {self.scores['RAG']}, " \
               f"fine-tuning {self.scores['fine-tuning']})"
        lines = [head] + ([f"  {self.step0}"] if self.step0 else [])
        for r in self.reasons:
            lines += [f"  - {r}"] + ([f"      measured: {self.measured[r]}"] if r in self.measured else [])
        lines += [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The verdict as a small HTML block (used by the questionnaire)."""
        def cite(r: str) -> str:
            return (f"<br><small><i>measured: {html.escape(self.measured[r])}</i></small>"
                    if r in self.measured else "")
        items = "".join(f"<li>{html.escape(r)}{cite(r)}</li>" for r in self.reasons)
        warned = "".join(f"<p><b>Note:</b> {html.escape(w)}</p>" for w in self.warnings)
        first = f"<p>{html.escape(self.step0)}</p>" if self.step0 else ""
        return (f"<b>Recommendation: {self.choice}</b> (RAG {self.scores['RAG']}, "
                f"fine-tuning {self.scores['fine-tuning']}){first}<ul>{items}</ul>{warned}")


def _points(rag: int, ft: int) -> str:
    parts = [f"{p:+d} {name}" for p, name in ((rag, "RAG"), (ft, "fine-tuning")) if p]
    return ", ".join(parts)


# Every recommendation starts here: the cheapest approach, and the measurements every later step is judged by.
STEP0 = ("Step 0, whatever follows: prompt well and evaluate. Put the rules and the wanted format in the system "
         "prompt, collect a held-out test set of real questions, and measure what matters (right facts, kept "
         "rules, format, \"I don't know\" where there is no answer) as k/n with intervals; move on only where the "
         "prompt falls short.")
GATES = {"documents": ("no", "RAG", "Gate: there is no document collection, so RAG has nothing to search; collect the "
                                    "documents first if the answers need facts."),
         "labelled_examples": ("none", "fine-tuning", "Gate: there are no labelled examples, so there is nothing to "
                                                      "fine-tune on; write or collect some first (a few dozen can "
                                                      "teach a style).")}


def recommend(project: Project | Mapping[str, str], cite: bool = True) -> Recommendation:
    """Recommend RAG, fine-tuning or a hybrid for a project, with reasons.

    Each answer adds the points in :data:`TASK_RULES` (if listed there for the
    project's task) or :data:`RULES` to the RAG and fine-tuning scores and, if it
    moved either, contributes a reason naming the answer. Both scores at least
    ``HYBRID_MIN`` gives "hybrid"; otherwise the higher score wins if it is
    positive, and a tie goes to RAG, which needs no training and is undone by
    removing documents. When neither score is positive, no approach has earned
    its cost yet: the verdict is "start with a prompt" (prompt engineering first).
    Two answers are gates, checked before the scores decide: no documents rules RAG out, no
    labelled examples rules fine-tuning out (:data:`GATES`). Every recommendation starts with
    :data:`STEP0`. With ``cite`` a reason whose rule the course measured carries that measurement
    (``course_lib.choosing.evidence.rule_evidence``, read from the committed results, tagged
    [supports], [contradicts] or [inconclusive]), and a rule its measurements contradict is named
    in ``warnings``.

    >>> recommend(DIET_BOT).choice
    'hybrid'
    >>> recommend(DIET_BOT.replace(task="behaviour", documents="no", labelled_examples="none",
    ...                            need_sources="no", tone_control="no")).choice
    'start with a prompt'
    """
    if isinstance(project, Mapping):
        project = Project.from_answers(project)
    if not isinstance(project, Project):
        raise TypeError(f"recommend() takes a Project or a dict of answers, got {type(project).__name__}.")
    rag = ft = 0
    reasons: list[str] = []
    measured: dict[str, str] = {}
    for name in QUESTIONS:
        value = getattr(project, name)
        d_rag, d_ft, why = TASK_RULES.get((name, value, project.task)) or RULES.get((name, value), (0, 0, ""))
        if d_rag or d_ft:
            rag, ft = rag + d_rag, ft + d_ft
            reasons.append(f"{name}={value!r}: {why} ({_points(d_rag, d_ft)}).")
            if cite:
                line = rule_evidence(name, value, project.task)
                if line:
                    measured[reasons[-1]] = line
    warnings = [f"the course's own measurements contradict the rule behind {r.split(':')[0]}; weigh it "
                "with that in mind (see 'measured')." for r, line in measured.items() if line.startswith("[contradicts]")]
    scores = {"RAG": rag, "fine-tuning": ft}
    for name, (value, approach, why) in GATES.items():
        if getattr(project, name) == value and scores[approach] > 0:
            scores[approach] = 0
            reasons.append(why)
    rag, ft = scores["RAG"], scores["fine-tuning"]
    if max(rag, ft) <= 0:
        # Recommending an approach whose answers count against it would be advice against the evidence.
        choice: Choice = PROMPT_FIRST
        reasons.append("Neither approach fits yet (no score above zero): start with a prompt (state the "
                       "rules and the wanted format in the system prompt), and collect documents or examples.")
    elif rag >= HYBRID_MIN and ft >= HYBRID_MIN:
        choice = "hybrid"
        reasons.append(f"Both scores reach {HYBRID_MIN}: use fine-tuning for behaviour and RAG for facts.")
    elif rag >= ft:
        choice = "RAG"
        if rag == ft:
            reasons.append("Tie: RAG first, since it needs no training and is undone by removing documents.")
    else:
        choice = "fine-tuning"
    if 0 < max(rag, ft) <= WEAK_MAX:
        reasons.append(f"A weak case ({choice} scores only {max(rag, ft)}): try a good prompt first, "
                       "and collect documents or examples.")
    return Recommendation(choice, reasons, {"RAG": rag, "fine-tuning": ft}, measured, warnings, STEP0)


# The running example's own answers.
DIET_BOT = Project(task="both", documents="yes", labelled_examples="many", knowledge_changes="often",
                   need_sources="yes", latency="relaxed", training_resources="limited", tone_control="yes")


def questionnaire(start: Project = DIET_BOT):
    """An ipywidgets questionnaire: one dropdown per question, the verdict below.

    Uses only widgets and ``observe`` calls that exist in ipywidgets 7 and 8
    (Colab ships 7). The verdict is an ``HTML`` widget, the last child of the box.

    >>> box = questionnaire()
    >>> box.children[0].value = "facts"
    >>> box.children[-1].value.split("<p>")[0]
    '<b>Recommendation: RAG</b> (RAG 7, fine-tuning 3)'
    """
    import ipywidgets as widgets

    controls = {
        name: widgets.Dropdown(
            options=[(label, value) for value, label in options.items()],
            value=getattr(start, name), description=question,
            style={"description_width": "initial"}, layout=widgets.Layout(width="90%"))
        for name, (question, options) in QUESTIONS.items()
    }
    verdict = widgets.HTML()

    def update(_change: Any = None) -> None:
        project = Project(**{name: c.value for name, c in controls.items()})
        verdict.value = recommend(project).to_html()

    for control in controls.values():
        control.observe(update, names="value")
    update()
    return widgets.VBox([*controls.values(), verdict])


class Row(NamedTuple):
    aspect: str
    rag: str
    fine_tuning: str


COMPARISON: list[Row] = [Row(*row) for row in (
    ("Data source", "documents searched at answer time", "labelled examples used once, in training"),
    ("Changes to the model", "none: the weights stay as they are", "weights (or a small adapter) are updated"),
    ("Flexibility", "swap or edit documents any time", "a new behaviour or fact needs a new training run"),
    ("Use cases", "changing facts, large document sets, answers with sources",
     "tone, format, a narrow skill, short prompts"),
    ("Performance", "as good as retrieval: a missed document means a missed fact; "
     "injects new facts more reliably than training (Ovadia et al. 2024)",
     "strong on the behaviour it was trained on; weaker at learning facts; can over-fit and forget"),
    ("Resource needs", "an embedder and an index; no training", "training compute and curated data"),
    ("Scalability", "grows with the index (millions of documents)", "each new fact means more training"),
    ("Maintenance", "keep the documents and the index current", "retrain and re-evaluate when things change"),
    ("Latency", "a fast search, then a longer prompt to read", "no extra step; a merged adapter costs nothing"),
    ("Transparency", "the pipeline can show which documents it retrieved (the model itself rarely cites them)",
     "knowledge hidden in weights, no sources"),
    ("Privacy", "delete a record from the index and it is gone at once",
     "a record trained in stays until the model is retrained without it"),
    ("Long-term cost", "no training, but every answer carries the passages in its prompt",
     "training up front, then shorter prompts: cheaper past a break-even volume"),
)]


def comparison_markdown(rows: list[Row] = COMPARISON) -> str:
    """The comparison table as Markdown (display it with ``IPython.display.Markdown``).

    >>> comparison_markdown().splitlines()[0]
    '| aspect | RAG | fine-tuning |'
    """
    lines = ["| aspect | RAG | fine-tuning |", "|---|---|---|"]
    lines += [f"| **{r.aspect}** | {r.rag} | {r.fine_tuning} |" for r in rows]
    return "\n".join(lines) + "\n"
