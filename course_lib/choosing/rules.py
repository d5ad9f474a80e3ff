"""The questionnaire's questions, the points each answer gives, and the claims lesson 03 states.

Plain data, kept apart from the code that uses it: :mod:`course_lib.choosing.decide` adds the
points up into a recommendation, and :mod:`course_lib.choosing.evidence` looks up what the later
lessons measured for each rule and claim. Both import these tables; neither imports the other's tables.
"""
from __future__ import annotations

from typing import NamedTuple

# field -> (question, {allowed value: label shown in the questionnaire})
QUESTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "task": ("What must the assistant mainly get right?",
             {"facts": "facts from documents", "behaviour": "behaviour: tone, format, a skill",
              "both": "both facts and behaviour"}),
    "documents": ("Is there a document collection that holds the knowledge?",
                  {"yes": "yes", "no": "no"}),
    "labelled_examples": ("How many labelled examples (question → ideal answer) exist?",
                          {"none": "none", "few": "a few dozen", "many": "hundreds or more"}),
    "knowledge_changes": ("How often do its facts or its wanted behaviour change?",
                          {"rarely": "rarely (yearly or less)", "sometimes": "monthly",
                           "often": "weekly or faster"}),
    "need_sources": ("Must answers show their sources?", {"yes": "yes", "no": "no"}),
    "latency": ("How tight is the time budget per answer?",
                {"relaxed": "a second or two is fine", "strict": "every millisecond counts"}),
    "training_resources": ("What can you spend on training?",
                           {"none": "nothing", "limited": "a laptop or one small GPU",
                            "ample": "GPUs and people to run them"}),
    "tone_control": ("Do you need firm control of tone or answer format?",
                     {"yes": "yes", "no": "no"}),
    "privacy": ("Must a person's data be removable on request (a right to be forgotten)?",
                {"normal": "no special rule", "strict": "yes, within days"}),
    "volume": ("How many answers a day, for how long?",
               {"low": "hundreds, or a short project", "high": "many thousands, for years"}),
}
# Answers a project may leave out (older code, lesson exercises): the answer assumed for each.
DEFAULTS: dict[str, str] = {"privacy": "normal", "volume": "low"}


# (field, value) -> (RAG points, fine-tuning points, why). Answers not listed move nothing.
RULES: dict[tuple[str, str], tuple[int, int, str]] = {
    ("task", "facts"): (2, 0, "answering from facts is what retrieval supplies at answer time"),
    ("task", "behaviour"): (0, 2, "behaviour (tone, format, a skill) lives in the model's weights"),
    ("task", "both"): (2, 2, "the job needs facts (retrieval) and behaviour (training)"),
    ("documents", "no"): (-2, 0, "without documents retrieval has nothing to search"),
    ("labelled_examples", "none"): (0, -3, "there are no labelled examples to train on"),
    ("labelled_examples", "few"): (0, 1, "a few dozen examples can teach a small adapter a style"),
    ("labelled_examples", "many"): (0, 2, "hundreds of labelled examples can teach the model a task"),
    ("knowledge_changes", "sometimes"): (1, 0, "editing documents monthly is cheaper than retraining"),
    ("knowledge_changes", "often"): (2, -1, "a trained-in fact goes stale within days; "
                                           "RAG only needs the new document"),
    ("need_sources", "yes"): (2, 0, "only retrieval can show which document an answer came from"),
    ("latency", "strict"): (-1, 0, "the retrieved passages lengthen every prompt, which adds generation time; "
                                   "the search itself is fast (lesson 09 measures both)"),
    ("training_resources", "none"): (0, -2, "there is no budget for training"),
    ("training_resources", "ample"): (0, 1, "ample compute makes training and retraining affordable"),
    ("tone_control", "yes"): (0, 2, "a firm tone or format is learned most reliably from examples"),
    ("privacy", "strict"): (1, -1, "deleting a record from the index takes effect at once; a fine-tuned model "
                                   "must be retrained without it (lesson 11)"),
    ("volume", "high"): (0, 1, "at high volume a fine-tuned model's shorter prompt costs less per answer and "
                               "repays its training after a break-even point (lesson 11's cost model)"),
}


# (field, value, task) -> points: answers whose effect depends on what the assistant must get
# right. Stable *behaviour* can be trained in once; stable *facts* still belong in documents,
# because retrieval injects knowledge more reliably than fine-tuning does (Ovadia et al. 2024,
# "Fine-Tuning or Retrieval? Comparing Knowledge Injection in LLMs").
TASK_RULES: dict[tuple[str, str, str], tuple[int, int, str]] = {
    ("knowledge_changes", "rarely", "facts"): (1, 0, "even stable facts are injected more reliably by "
                                                     "retrieval than by training (Ovadia et al. 2024)"),
    ("knowledge_changes", "rarely", "behaviour"): (0, 1, "a stable behaviour can be trained in once"),
    # Documents hold facts; a behaviour task finds nothing in them to retrieve (a persona's bible goes in the prompt).
    ("documents", "yes", "facts"): (1, 0, "there is a document collection for retrieval to search"),
    ("documents", "yes", "both"): (1, 0, "there is a document collection for retrieval to search"),
    ("documents", "yes", "behaviour"): (0, 0, ""),
    ("knowledge_changes", "rarely", "both"): (0, 1, "the stable behaviour can be trained in once; "
                                                    "the facts still come from retrieval"),
}


class Claim(NamedTuple):
    claim: str
    lesson: str
    measure: str


CLAIMS: list[Claim] = [Claim(*row) for row in (
    ("Fine-tuning shapes behaviour, tone and format", "05", "preference adherence before vs after fine-tuning"),
    ("Fine-tuning can over-fit", "05", "training vs validation loss over epochs"),
    ("LoRA trains a tiny share of the parameters and stores a small adapter", "06",
     "trainable share, adapter size vs model size"),
    ("An unmerged adapter adds inference delay; merging removes it", "06", "latency per answer, unmerged vs merged"),
    ("Fine-tuning can make the model forget general skills", "07", "scores on general prompts, base vs fine-tuned"),
    ("Fine-tuning shortens prompts", "11", "prompt tokens, fine-tuned vs RAG prompt"),
    ("RAG reduces hallucination", "09", "hallucination rate, closed-book vs RAG"),
    ("RAG adds transparency through sources", "09", "answers citing the right document id"),
    ("RAG absorbs new knowledge without retraining", "09, 11", "accuracy on the menu update: RAG vs fine-tuned"),
    ("RAG adds retrieval latency and prompt length", "09", "latency split into retrieval and generation"),
    ("Better retrieval gives better RAG", "10", "recall@k, MRR, nDCG@10 per retriever"),
    ("Hybrids combine the strengths at a cost in complexity", "11", "one benchmark: base / fine-tuned / RAG / hybrid"),
)]
