"""Exercise checks of lesson 04 (preparing data for fine-tuning).

Each check returns a :class:`~course_lib.exercises.Feedback` (✅, or ❌ with what is wrong
and a hint), which displays itself as the last value of a notebook cell.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from course_lib.data import load_dialogues, to_chat
from course_lib.exercises import Feedback, close_to, not_answered, report, same_items
from course_lib.finetuning.curation import WORD_OVERLAP_THRESHOLD, embed, leakage_report, word_overlap
from course_lib.schemas import DatasetError, validate_file
from course_lib.tokens import count_tokens


def check_broken_lines(answer: Any, path: str | Path, schema_name: str) -> Feedback:
    """Exercise: which line numbers of the data file at ``path`` break schema ``schema_name``?"""
    missing = not_answered(answer, "validate the file yourself: the error it raises lists every problem with its "
                                   "line number.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    try:
        validate_file(path, schema_name)
        expected: set = set()
    except DatasetError as error:
        expected = {p["line"] for p in error.problems}
    return report(same_items(answer, expected, "the broken lines",
                             "validate the file yourself: the error it raises lists every problem with its line number."))


def check_sneaky_paraphrase(answer: Any, embedder: Any, target: str, min_cosine: float) -> Feedback:
    """Exercise: a paraphrase of ``target`` that the word check misses but the embedding check sees."""
    missing = not_answered(answer, "reword the prompt, keep its meaning.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    if answer is ... or answer is None or not isinstance(answer, str) or not answer.strip():
        return report(Feedback(False, "write your paraphrase as a string.", "reword the prompt, keep its meaning."))
    overlap = word_overlap(answer, target)
    if overlap >= WORD_OVERLAP_THRESHOLD:
        return report(Feedback(False, f"it shares {overlap:.0%} of the shorter prompt's words: the word check "
                               "already catches it.", "use other words for the same request (synonyms, new order)."))
    cosine = float((embed(embedder, [answer]) @ embed(embedder, [target]).T)[0, 0])
    return report(close_to(round(cosine, 3), 1.0, 1.0 - min_cosine, f"word overlap {overlap:.0%}, so the word check "
                           "misses it; its cosine", "stay closer to the meaning: same food, same situation."))


def check_too_long(answer: Any, tokenizer: Any, split: str, max_length: int) -> Feedback:
    """Exercise: how many dialogues of ``split`` do not fit in ``max_length`` tokens?"""
    missing = not_answered(answer, "ask training_set() for that limit and read the error it raises; or measure each "
                                   "chat in tokens.")
    if missing is not None:  # the placeholder first: the other arguments may not exist yet
        return report(missing)
    lengths = [count_tokens(tokenizer, to_chat(d), add_generation_prompt=False) for d in load_dialogues(split)]
    expected = sum(n > max_length for n in lengths)
    return report(close_to(answer, expected, 0, "the number of too-long examples",
                           "ask training_set() for that limit and read the error it raises; or measure each chat in tokens."))


def check_flag_prediction(prediction: Any, embedder: Any, reference: Sequence[Any],
                          candidates: Mapping[str, str]) -> Feedback:
    """Predict-then-run exercise: which ``candidates`` does ``leakage_report`` flag against ``reference``?

    ``prediction`` is the set of candidate names (keys of ``candidates``) the learner
    expects to be flagged by any check at the course thresholds; an empty set is a valid
    prediction. The verdict says, for every candidate, which checks flagged it.
    """
    hint = "for each row, ask: are 80% of the shorter prompt's words shared? is it a copy in meaning (cosine 0.95)?"
    missing = not_answered(prediction, hint)
    if missing is not None:
        return report(missing)
    if isinstance(prediction, str):
        prediction = {prediction}
    if not hasattr(prediction, "__iter__"):
        return report(Feedback(False, f"give a set of names from {sorted(candidates)}, got {prediction!r}.", hint))
    predicted = set(prediction)
    unknown = predicted - set(candidates)
    if unknown:
        return report(Feedback(False, f"{sorted(unknown)} are not candidate names; use names from {sorted(candidates)}.", hint))
    names = list(candidates)
    found = leakage_report({"reference": list(reference), "new": [candidates[n] for n in names]}, embedder)
    by_name = {n: sorted({x.check for x in found.leaks if x.group == "new" and x.id == f"#{k}"})
               for k, n in enumerate(names)}
    flagged = {n for n, checks in by_name.items() if checks}
    facts = "; ".join(f"{n}: {', '.join(c) if c else 'not flagged'}" for n, c in by_name.items())
    if predicted == flagged:
        return report(Feedback(True, f"your prediction matches the run ({facts})."))
    wrong = sorted(predicted ^ flagged)
    return report(Feedback(False, f"the run differs for {wrong} ({facts}). Read the printed word overlaps "
                           "and cosines: which threshold did each one cross?", hint))
