#!/usr/bin/env python3
"""Build datasets/graded_answers/: real answers of the course model, labelled by hand.

Lesson 07 measures the grader (``course_lib.evaluation.grading``) against a human. This script
produces the answers the human labels: a seeded sample of evaluation questions, each
answered by the course model in three variants, with greedy decoding so a re-run gives
the same text:

- ``base_closed_book``: the bare question, no system prompt;
- ``base_profile``: the profile system prompt of ``course_lib.prompts``;
- ``base_oracle_context``: a RAG prompt (``course_lib.rag.pipeline.build_rag_prompt``) holding
  the question's gold documents. Questions without gold documents (``preference``,
  ``unanswerable``) get the RAG system prompt and no context.

Hand labels live in ``labels.jsonl`` (one row per answer id, with the SHA-256 of the
answer text they judge) and are merged into ``answers.jsonl``. If a re-run changes an
answer under an existing label, the script stops: the label judged another text.

Answers of the other system families the course grades (RAG, the person LoRA, hybrid A, RAFT, the facts
LoRAs) are taken from the answers the long runs store under ``results/`` (``collect``): a stratified sample per
family, so the grader is validated on answers of the kind it grades.

Usage:
  python scripts/make_graded_answers.py generate   run the model, merge labels, write answers.jsonl
  python scripts/make_graded_answers.py collect    sample every family's stored answers into pending.jsonl
                                                   (label them in labels.jsonl, then merge)
  python scripts/make_graded_answers.py merge      re-merge labels into the existing answers (no model)
  python scripts/make_graded_answers.py agreement [--record]
                                                   print grader agreement; --record writes agreement.json
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from course_lib import data, models, prompts, tokens
from course_lib.evaluation import grading, metrics
from course_lib.rag import pipeline as rag  # noqa: E402

SEED = 20260707
PER_TYPE = 8  # questions per type: 7 types x 8 x 3 variants = 168 answers
TYPES = ("preference", "preference_and_fact", "static_fact", "weekly_fact", "update_fact", "unanswerable", "keyword")
VARIANTS = ("base_closed_book", "base_profile", "base_oracle_context")
MAX_NEW_TOKENS = 96
BATCH_SIZE = 16
OUT = data.datasets_dir() / "graded_answers"
ANSWERS = OUT / "answers.jsonl"
LABELS = OUT / "labels.jsonl"
PENDING = OUT / "pending.jsonl"     # collected answers waiting for their hand labels (merge moves them on)
AGREEMENT = OUT / "agreement.json"
# Label fields copied from labels.jsonl into each answer row.
LABEL_FIELDS = ("recommends_avoided", "avoided_foods", "recommends_avoided_reason", "correct", "correct_reason",
                "admits_unknown", "admits_unknown_reason")


class LabelMismatch(RuntimeError):
    """A hand label refers to an answer that no longer exists or whose text changed."""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sample_questions(seed: int = SEED) -> list[dict]:
    """PER_TYPE questions of each type in TYPES, drawn with a fixed seed, in file order."""
    rng = random.Random(seed)
    chosen: list[dict] = []
    for qtype in TYPES:
        pool = data.load_questions([qtype])
        if len(pool) < PER_TYPE:
            raise ValueError(f"only {len(pool)} '{qtype}' questions; lower PER_TYPE.")
        chosen += rng.sample(pool, PER_TYPE)
    return sorted(chosen, key=lambda q: q["id"])


def prompt_for(question: dict, variant: str, profile_prompt: str, docs: dict[str, dict]) -> list[dict]:
    if variant == "base_closed_book":
        return [{"role": "user", "content": question["question"]}]
    if variant == "base_profile":
        return [{"role": "system", "content": profile_prompt}, {"role": "user", "content": question["question"]}]
    gold = [docs[d] for d in question["gold_doc_ids"]]
    return rag.build_rag_prompt(question["question"], gold)


def generate() -> list[dict]:
    """Answer every sampled question in every variant; return unlabelled rows."""
    questions = sample_questions()
    profile_prompt = prompts.profile_system_prompt(data.load_profile())
    docs = {d["id"]: d for d in data.load_knowledge(include_update=True)}
    jobs = [(q, v, prompt_for(q, v, profile_prompt, docs)) for q in questions for v in VARIANTS]
    model, tokenizer = models.load_llm()
    window = tokens.context_window(model)
    for _, _, messages in jobs:
        tokens.ensure_fits(tokenizer, messages, window, max_new_tokens=MAX_NEW_TOKENS)
    # Batches of similar length waste less compute on padding. The sort is stable and
    # deterministic, so a re-run builds the same batches (padding can nudge float sums).
    order = sorted(range(len(jobs)), key=lambda i: tokens.count_tokens(tokenizer, jobs[i][2]))
    outputs = models.chat(model, tokenizer, [jobs[i][2] for i in order], max_new_tokens=MAX_NEW_TOKENS,
                          batch_size=BATCH_SIZE, seed=SEED)
    answers = {i: out.text for i, out in zip(order, outputs, strict=True)}
    model_info = {"name": models.LLM_NAME, "package": models.LLM_PACKAGE[1].split("==")[0],
                  "package_version": version(models.LLM_PACKAGE[1].split("==")[0]),
                  "weights": "GGUF Q4_1 de-quantised to float32", "decoding": "greedy",
                  "max_new_tokens": MAX_NEW_TOKENS, "batch_size": BATCH_SIZE}
    rows = []
    for i, (q, variant, _) in enumerate(jobs):
        rows.append({
            "id": f"{q['id']}-{variant}", "variant": variant, "question_id": q["id"], "question": q["question"],
            "question_type": q["type"], "gold_answer": q["answer"], "accepted": q["accepted"],
            "gold_doc_ids": q["gold_doc_ids"], "avoid_terms": q["avoid_terms"], "answer": answers[i],
            "model": model_info,
        })
    return rows


# benchmark system (results/lesson11_benchmark.json) -> variant name of its answers here
FAMILIES = {"RAG": "l11_rag", "person LoRA": "l11_person_lora", "hybrid A: person LoRA + RAG": "l11_hybrid_a",
            "RAFT + RAG": "l11_raft_rag", "facts LoRA, 1 wording": "l11_facts_lora", "facts LoRA, 5 wordings": "l11_facts_lora"}
PER_FAMILY = {"preference": 10, "preference_and_fact": 5, "weekly_fact": 9, "keyword": 4, "unanswerable": 12}


def collect(seed: int = SEED) -> list[dict]:
    """A stratified sample of each family's stored lesson-11 answers (``PER_FAMILY`` per question type, 40 in
    all), each from a seed drawn at random among the stored runs; unlabelled rows."""
    from course_lib.evaluation.benchmark import benchmark_questions
    from course_lib.runs import lesson11_benchmark

    questions = benchmark_questions()
    stored = lesson11_benchmark.load_results()["rows"]
    rng = random.Random(seed)
    rows = []
    for variant in dict.fromkeys(FAMILIES.values()):
        runs = [r for r in stored if r["part"] == "benchmark" and FAMILIES.get(r["system"]) == variant
                and len(r.get("answers", [])) == len(questions)]
        for qtype, n in PER_FAMILY.items():
            picked = rng.sample([i for i, q in enumerate(questions) if q["type"] == qtype], n)
            for i in sorted(picked):
                run = rng.choice(runs)
                q = questions[i]
                rows.append({
                    "id": f"{q['id']}-{variant}" + (f"-s{run['seed']}" if run["seed"] is not None else ""), "variant": variant, "question_id": q["id"],
                    "question": q["question"], "question_type": q["type"], "gold_answer": q["answer"],
                    "accepted": q["accepted"], "gold_doc_ids": q["gold_doc_ids"], "avoid_terms": q["avoid_terms"],
                    "answer": run["answers"][i],
                    "model": {"name": f"{models.LLM_NAME}: {run['system']} (seed {run['seed']})",
                              "package": models.LLM_PACKAGE[1].split("==")[0],
                              "package_version": version(models.LLM_PACKAGE[1].split("==")[0]),
                              "decoding": "greedy", "max_new_tokens": 48,
                              "source": "results/lesson11_benchmark.json"},
                })
    return rows


# Families whose answers are not in lesson 11's file: the fine-tunes of lessons 05-07 and prompt tuning answer
# the test prompts (a person asking for food), RAG of lesson 09 answers the fact questions with its own retrieval
# and with the gold documents in the prompt.
MORE = {"l07_last6": ("lesson07_evaluation.json", "lesson05-last6"), "l06_prompt32": ("lesson06_sweeps.json", "prompt"),
        "l09_rag": ("lesson09_rag.json", "RAG"), "l09_gold_context": ("lesson09_rag.json", "gold context")}
PER_MORE = 40


def _test_prompt_row(variant: str, dialogue: dict, answer: str, source: str, system: str, seed: int | None) -> dict:
    return {"id": f"{dialogue['id']}-{variant}" + (f"-s{seed}" if seed is not None else ""), "variant": variant,
            "question_id": dialogue["id"], "question": dialogue["messages"][0]["content"], "question_type": "preference",
            "gold_answer": None, "accepted": [], "gold_doc_ids": [], "avoid_terms": ["(profile)"], "answer": answer,
            "model": {**_package(), "name": f"{models.LLM_NAME}: {system} (seed {seed})", "decoding": "greedy",
                      "max_new_tokens": 96, "source": f"results/{source}"}}


def _package() -> dict:
    name = models.LLM_PACKAGE[1].split("==")[0]
    return {"package": name, "package_version": version(name)}


def collect_more(seed: int = SEED) -> list[dict]:
    """:data:`PER_MORE` answers of each family in :data:`MORE`, unlabelled. Test-prompt answers: half drawn at
    random, half among those that name an avoided food at all (:func:`grading.mentions`, negated or not), so the
    violation rule meets enough positives; fact answers: drawn at random among the fact questions."""
    from course_lib import paths
    from course_lib.finetuning import recipes
    from course_lib.runs import lesson09_rag

    rng = random.Random(seed)
    terms = grading.profile_avoid_terms(data.load_profile())
    dialogues = {d["id"]: d for d in data.load_dialogues("test")}
    questions = {q["id"]: q for q in data.load_questions()}
    rows = []
    for variant, (source, system) in MORE.items():
        stored = json.loads((paths.results_dir() / source).read_text(encoding="utf-8"))["rows"]
        runs = [r for r in stored if (r.get("system") == system or r.get("sweep") == system) and r.get("answers")
                and r.get("part", "accuracy") == "accuracy"]
        if not runs:
            raise SystemExit(f"results/{source} holds no answers of {system!r}; run its long run first.")
        if isinstance(runs[0]["answers"], dict):        # lesson 09: answers keyed by question id
            pool = [(r, q) for r in runs for q in r["answers"] if questions.get(q, {}).get("accepted")]
            for run, qid in rng.sample(pool, PER_MORE):
                q = questions[qid]
                rows.append({"id": f"{qid}-{variant}", "variant": variant, "question_id": qid,
                             "question": q["question"], "question_type": q["type"], "gold_answer": q["answer"],
                             "accepted": q["accepted"], "gold_doc_ids": q["gold_doc_ids"],
                             "avoid_terms": q["avoid_terms"], "answer": run["answers"][qid],
                             "model": {**_package(), "name": f"{models.LLM_NAME}: lesson 09 {system}",
                                       "decoding": "greedy", "max_new_tokens": lesson09_rag.MAX_NEW,
                                       "source": f"results/{source}"}})
            continue
        pool = [(r, i) for r in runs for i in range(len(r["answers"]))]
        naming = [p for p in pool if grading.mentions(p[0]["answers"][p[1]], terms)]
        picked = rng.sample(naming, min(len(naming), PER_MORE // 2))
        picked += rng.sample([p for p in pool if p not in picked], PER_MORE - len(picked))
        for run, i in picked:
            ids = recipes.held_out_ids(len(run["answers"]))
            rows.append(_test_prompt_row(variant, dialogues[ids[i]], run["answers"][i], source, system, run["seed"]))
    return rows


def merge_labels(rows: list[dict], labels_path: Path = LABELS) -> list[dict]:
    """Copy hand labels onto the rows; fail loudly if a label's answer text changed or vanished."""
    labels = [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines()] if labels_path.exists() else []
    by_id = {r["id"]: r for r in rows}
    problems = []
    for label in labels:
        row = by_id.get(label["id"])
        if row is None:
            problems.append(f"{label['id']}: labelled, but no such answer any more")
        elif sha(row["answer"]) != label["answer_sha256"]:
            problems.append(f"{label['id']}: the answer text changed since it was labelled")
    if problems:
        raise LabelMismatch("Hand labels no longer match the answers; relabel these rows in "
                            f"{labels_path} (or restore the old answers):\n  " + "\n  ".join(problems))
    label_by_id = {lab["id"]: lab for lab in labels}
    merged = []
    for row in rows:
        row = {k: v for k, v in row.items() if k not in LABEL_FIELDS}
        label = label_by_id.get(row["id"])
        if label:
            row.update({k: label[k] for k in LABEL_FIELDS if k in label})
        merged.append(row)
    unlabelled = sum(1 for r in merged if r["id"] not in label_by_id)
    if unlabelled:
        print(f"warning: {unlabelled} of {len(merged)} answers have no hand label yet ({labels_path.name}).")
    return merged


def profile_avoid_lists(rows: list[dict]) -> list[dict]:
    """Give every row that is graded for violations the whole profile's avoid list (aliases included).

    The hand labels judge an answer against the profile, so the grader must too: the lists copied
    from an older questions file missed aliases and carried "whey", which a lacto-vegetarian eats.
    """
    terms = grading.profile_avoid_terms(data.load_profile())
    return [dict(r, avoid_terms=terms) if r["avoid_terms"] else r for r in rows]


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def write_rows(rows: list[dict], path: Path = ANSWERS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} answers to {path.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["generate", "collect", "merge", "agreement"])
    parser.add_argument("--record", action="store_true", help="with agreement: write agreement.json")
    args = parser.parse_args(argv)
    if args.command == "generate":
        write_rows(merge_labels(profile_avoid_lists(generate())))
    elif args.command == "collect":
        done = {r["id"] for r in _read(ANSWERS)}
        write_rows(profile_avoid_lists([r for r in collect() + collect_more() if r["id"] not in done]), PENDING)
    elif args.command == "merge":
        merged = merge_labels(profile_avoid_lists(_read(ANSWERS) + _read(PENDING)))
        labelled = [r for r in merged if "admits_unknown" in r]
        write_rows(labelled)
        write_rows([r for r in merged if "admits_unknown" not in r], PENDING)
    else:
        table = metrics.grader_agreement(data.load_graded_answers())
        print(metrics.format_agreement(table))
        if args.record:
            record = {"date": dt.date.today().isoformat(),
                      "command": "python scripts/make_graded_answers.py agreement --record",
                      "rules": {rule: {k: table[rule][k] for k in ("n", "tp", "fp", "fn", "tn", "precision", "recall",
                                                                   "f1", "accuracy")} for rule in table}}
            AGREEMENT.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
            print(f"recorded in {AGREEMENT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
