"""One evaluation for every customised model: the scores lesson 07 explains, in one call.

A model (base, fine-tuned, LoRA, later RAG and hybrids) answers the same test prompts and
general questions, and is scored on: preference adherence and the wanted format
(:func:`course_lib.evaluation.style.adherence_and_format`), BLEU against the reference answers,
perplexity of the held-out reference dialogues, and general knowledge (the forgetting
check). Answers are stored through :func:`course_lib.finetuning.recipes.answers`, so a model is
asked each question once.

Lesson 07 scores one training run of each model on 64 test prompts. The full evaluation (all
92 test prompts, three training seeds, mean ± standard deviation) takes longer than a notebook
may, so a command runs it and writes ``results/lesson07_evaluation.json`` for lessons 05 and 07::

    python -m course_lib.runs.lesson07_evaluation --seeds 0 1 2      # make evaluation; about 40 minutes on 2 busy cores
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
from typing import Any, Callable, Mapping, Sequence

from course_lib import data, results
from course_lib.data import load_general_questions
from course_lib.evaluation.grading import contains_answer
from course_lib.evaluation.metrics import bleu, perplexity
from course_lib.evaluation.style import adherence_and_format, answer_outcomes
from course_lib.finetuning import recipes
from course_lib.finetuning.recipes import answers
from course_lib.models import load_llm, load_tokenizer
from course_lib.stats import proportion_of, stratified_sample

GENERAL_MAX_TOKENS = 32  # short factual answers; the grader looks for the accepted word
SYSTEMS = ("base", "lesson05-last6", "lesson06-lora16")
RATES = ("no violation", "wanted format", "general questions")
NUMBERS = ("BLEU", "perplexity")
RESULTS = "lesson07_evaluation.json"   # in paths.results_dir()


def general_prompts() -> list[list[dict]]:
    """The general-knowledge questions (``datasets/general_questions``) as one-turn chats."""
    return [[{"role": "user", "content": q["question"]}] for q in load_general_questions()]


def general_knowledge(texts: Sequence[str]) -> Any:
    """k/n of answers to the general questions (in file order) that contain an accepted answer.

    >>> from course_lib.data import load_general_questions
    >>> print(general_knowledge([q["accepted"][0] for q in load_general_questions()]).k)
    40
    """
    return proportion_of(general_outcomes(texts).values())


def general_outcomes(texts: Sequence[str]) -> dict[str, bool]:
    """Per general question id: does the answer (in file order) contain an accepted answer."""
    questions = load_general_questions()
    if len(texts) != len(questions):
        raise ValueError(f"got {len(texts)} answers for {len(questions)} general questions; answer all, in file order.")
    return {q["id"]: contains_answer(t, q["accepted"]) for t, q in zip(texts, questions, strict=True)}


def evaluate(who: str, model: Any, tokenizer: Any, prompts: Sequence[Any], references: Sequence[str],
             dialogues: Sequence[Mapping[str, Any]], profile: Mapping[str, Any], *,
             stored: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every lesson-07 score of ``model``: adherence, format, BLEU, perplexity, general knowledge.

    ``prompts`` and ``references`` are the test prompts and their reference answers,
    ``dialogues`` label-masked held-out examples (``data.training_set``) for perplexity;
    ``who`` and ``stored`` name the model for the stored answers (see
    :func:`course_lib.finetuning.recipes.answers`). Rates are k/n with intervals.

    >>> scores = evaluate("base", model, tokenizer, prompts, references, dialogues, profile)   # doctest: +SKIP
    >>> print(scores["no violation"], scores["perplexity"])                                   # doctest: +SKIP
    """
    if len(prompts) != len(references):
        raise ValueError(f"got {len(prompts)} prompts but {len(references)} reference answers; pass one per prompt.")
    texts, _ = answers(who, model, tokenizer, prompts, stored=stored)
    general, _ = answers(who, model, tokenizer, general_prompts(), stored=stored, max_new_tokens=GENERAL_MAX_TOKENS)
    return {**adherence_and_format(texts, profile), "BLEU": bleu(texts, list(references)),
            "perplexity": perplexity(model, tokenizer, dialogues)["perplexity"],
            "general questions": general_knowledge(general), "answers": texts, "general answers": general,
            "outcomes": {**answer_outcomes(texts, profile), "general questions": general_outcomes(general)}}


def held_out_set(tokenizer: Any, n: int | None = None) -> tuple[list, list[str], list[dict]]:
    """The test prompts (``n`` of them, stratified by topic; all 92 by default), their reference answers,
    and every held-out test dialogue label-masked for perplexity.

    >>> prompts, references, dialogues = held_out_set(tokenizer, 8)
    >>> len(prompts), len(references), len(dialogues)
    (8, 8, 92)
    """
    dialogues = data.load_dialogues("test")
    n = len(dialogues) if n is None else n
    rows = stratified_sample(dialogues, n)
    references = [d["messages"][-1]["content"] for d in rows]   # the person's own answers to the same prompts
    return recipes.held_out_prompts(n), references, data.training_set(tokenizer, "test")


def evaluate_system(name: str, seed: int | None, make_model: Callable[[], tuple[Any, Any]],
                    prompts: Sequence[Any], references: Sequence[str], dialogues: Sequence[Mapping[str, Any]],
                    profile: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """Build ``"base"`` or a registered recipe trained with ``seed`` (and any recipe ``changes``), score it
    with :func:`evaluate`, and return one JSON-able row: rates as ``[k, n]``, BLEU, perplexity, and under
    ``"per question"`` each rate's outcome (1 right, 0 wrong) per question id, for paired comparisons, and
    the answers themselves, so the grader can be checked and re-run on them without the models."""
    model, tokenizer = make_model()
    if name == "base":
        who, stored, seed = "base", None, None          # no training: greedy answers are the same every run
    else:
        rec = recipes.recipe(name, seed=seed, **changes)
        built = recipes.build(name, model, tokenizer, rec, progress=False)
        who, stored, model = built.artifact, recipes.stored_settings(rec, tokenizer), built.model
    scores = evaluate(who, model, tokenizer, prompts, references, dialogues, profile, stored=stored)
    row = {"system": name, "seed": seed, **{r: [scores[r].k, scores[r].n] for r in RATES},
           "BLEU": round(scores["BLEU"], 2), "perplexity": round(scores["perplexity"], 3),
           "per question": keyed_outcomes(scores["outcomes"], recipes.held_out_ids(len(prompts))),
           "answers": scores["answers"], "general answers": scores["general answers"]}
    del model
    gc.collect()
    return row


def grade_row(row: Mapping[str, Any], profile: Mapping[str, Any] | None = None) -> dict | None:
    """The row with its rates and per-question outcomes graded again from its stored answers (``None`` for a
    row stored without them); BLEU and perplexity do not depend on the grader and stay."""
    if not row.get("answers") or not row.get("general answers"):
        return None
    outcomes = {**answer_outcomes(row["answers"], profile or data.load_profile()),
                "general questions": general_outcomes(row["general answers"])}
    counts = {r: [sum(outcomes[r].values() if isinstance(outcomes[r], Mapping) else outcomes[r]), len(outcomes[r])]
              for r in RATES}
    return {**row, **counts, "per question": keyed_outcomes(outcomes, recipes.held_out_ids(len(row["answers"])))}


def keyed_outcomes(outcomes: Mapping[str, Any], ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Each rate's outcomes of :func:`evaluate` keyed by question id (test prompts by their dialogue ids ``ids``,
    general questions by their own), ready for a paired test (:func:`course_lib.paired.mcnemar`).

    >>> keyed_outcomes({"wanted format": [True, False], "general questions": {"g-0001": True}}, ["d1", "d2"])
    {'wanted format': {'d1': 1, 'd2': 0}, 'general questions': {'g-0001': 1}}
    """
    keyed = {}
    for rate, values in outcomes.items():
        pairs = values.items() if isinstance(values, Mapping) else zip(ids, values, strict=True)
        keyed[rate] = {q: int(v) for q, v in pairs}
    return keyed


def summarise(rows: Sequence[Mapping[str, Any]], metric: str) -> dict[str, dict]:
    """Per system (in :data:`SYSTEMS` order): seeds, mean ± sd over seeds and, for rates, the pooled k/n.

    >>> rows = [{"system": "lesson06-lora16", "seed": s, "wanted format": [k, 92]} for s, k in ((0, 30), (1, 40))]
    >>> p = summarise(rows, "wanted format")["lesson06-lora16"]
    >>> p["seeds"], str(p["pooled"])
    (2, '70/184 = 38% (95% CI 31–45%)')
    """
    names = [s for s in SYSTEMS if any(r["system"] == s for r in rows)]
    names += sorted({r["system"] for r in rows} - set(names))
    return {name: results.pool([r for r in rows if r["system"] == name], metric) for name in names}


def table(rows: Sequence[Mapping[str, Any]], baseline: str = "base", metrics: Sequence[str] = RATES + NUMBERS) -> str:
    """The full evaluation as text: per score and system, the pooled k/n over seeds, mean ± sd of the seeds,
    each seed's own value, and for rates the paired test against ``baseline`` on the same questions
    (:func:`course_lib.results.compare_systems`: seeds resampled inside each question, never counted as
    extra questions). ``metrics`` picks the scores shown.

    The pooled interval counts every answer as independent; the spread over seeds and the paired test
    are the ones to read when comparing systems.
    """
    lines = []
    for metric in metrics:
        lines.append(metric)
        summary = summarise(rows, metric)
        for name, s in summary.items():
            seeds = [r[metric] for r in rows if r["system"] == name]
            each = ", ".join(f"{v[0]}/{v[1]}" if isinstance(v, list) else f"{v:.2f}" for v in seeds)
            spread = f"mean {s['mean']:.1%} ± {s['sd']:.1%}" if s["pooled"] else f"mean {s['mean']:.2f} ± {s['sd']:.2f}"
            head = f"  {name:16} " + (f"{str(s['pooled']):32} " if s["pooled"] else "")
            lines.append(f"{head}{spread} over {s['seeds']} run{'s' * (s['seeds'] > 1)} ({each})")
            if s["pooled"] and name != baseline and baseline in summary:
                test = results.compare_systems(rows, baseline, name, metric)
                lines.append(f"  {'':16} vs {baseline}: {test.sentence}")
    return "\n".join(lines)


def load_results(path: Any | None = None) -> dict:
    """The stored full evaluation (``runs``: date and command; ``rows``: one per system and seed)."""
    return results.load(path or results.path_of(RESULTS), "make evaluation", "about 40 minutes on 2 cores")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.runs.lesson07_evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    parser.add_argument("--test-prompts", type=int, default=None, help="default: all 92")
    parser.add_argument("--out", default=None, help="where to write (default: results/" + RESULTS + ")")
    parser.add_argument("--regrade", action="store_true", help="grade the stored answers again; no model")
    args = parser.parse_args(argv)
    if args.regrade:
        print(results.regrade(RESULTS, grade_row, ("system", "seed"), "python -m course_lib.runs.lesson07_evaluation --regrade"))
        return 0
    args.out = args.out or results.path_of(RESULTS)
    prompts, references, dialogues = held_out_set(load_tokenizer(), args.test_prompts)
    profile = data.load_profile()
    rows = []
    for system in args.systems:
        for seed in args.seeds[:1] if system == "base" else args.seeds:
            rows.append(evaluate_system(system, seed, lambda: load_llm(verbose=False), prompts, references,
                                        dialogues, profile))
            print(json.dumps(rows[-1]), flush=True)
    command = "python -m course_lib.runs.lesson07_evaluation " + " ".join(argv if argv is not None else sys.argv[1:])
    results.save(rows, command.strip(), args.out, key=("system", "seed"), test_prompts=len(prompts))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
