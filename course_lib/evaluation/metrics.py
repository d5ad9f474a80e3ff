"""Evaluation metrics of lesson 07: how far to trust the grader, perplexity and BLEU.

Every rate in the course comes from ``course_lib.evaluation.grading``, a set of string rules. To
know what a rate is worth, compare the rules with a careful human on the hand-labelled
answers in ``datasets/graded_answers/``. Each rule is a binary classifier, so it gets a
confusion matrix: *precision* (when the rule fires, how often the human agrees), *recall*
(of the answers the human flags, how many the rule catches), their harmonic mean *F1*, and
*accuracy*. Two model-level scores follow: :func:`perplexity` (how surprised a model is by
held-out reference answers) and :func:`bleu` / :func:`sentence_bleu` (word overlap with a
reference, via sacrebleu), which lesson 07 shows to mislead on this task.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from course_lib.data import load_graded_answers, load_grader_tricky, load_profile
from course_lib.evaluation import grading
from course_lib.tokens import IGNORE_INDEX, pad_batch

# rule name -> (the human label it is compared with, what the grader says about a row).
# The grader is looked up when called, so a rewritten course_lib.evaluation.grading is measured as it is.
RULES: dict[str, tuple[str, Callable[[Mapping[str, Any]], bool]]] = {
    "violations": ("recommends_avoided", lambda row: bool(grading.violations(row["answer"], row["avoid_terms"]))),
    "contains_answer": ("correct", lambda row: grading.judge_fact(row["answer"], row["accepted"]) == "correct"),
    "admits_unknown": ("admits_unknown", lambda row: bool(grading.admits_unknown(row["answer"]))),
}


def agreement(human: Sequence[bool], grader: Sequence[bool]) -> dict[str, float | int]:
    """Confusion counts and precision, recall, F1 and accuracy of ``grader`` against ``human``.

    "Positive" is the label being true (recommends an avoided food, is correct,
    admits not knowing). A score whose denominator is 0 is reported as 0.0.

    >>> agreement([True, True, False, False], [True, False, True, False])["f1"]
    0.5
    """
    human, grader = [bool(h) for h in human], [bool(g) for g in grader]
    if len(human) != len(grader):
        raise ValueError(f"got {len(human)} human labels but {len(grader)} grader verdicts; pass one of each per answer.")
    if not human:
        raise ValueError("agreement() got no labels; pass at least one answer.")
    tn, fp, fn, tp = confusion_matrix(human, grader, labels=[False, True]).ravel()
    precision, recall, f1, _ = precision_recall_fscore_support(
        human, grader, labels=[True], average="binary", pos_label=True, zero_division=0)
    return {"n": len(human), "tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn),
            "precision": float(precision), "recall": float(recall), "f1": float(f1),
            "accuracy": float(accuracy_score(human, grader))}


def grader_verdicts(row: Mapping[str, Any]) -> dict[str, tuple[bool, bool]]:
    """For one labelled answer, ``{rule: (human label, grader verdict)}`` for the rules that apply.

    A rule applies when the row carries its human label (not ``None``).

    >>> grader_verdicts({"answer": "Try tofu.", "avoid_terms": ["egg"], "accepted": [],
    ...                  "recommends_avoided": False, "correct": None, "admits_unknown": False})
    {'violations': (False, False), 'admits_unknown': (False, False)}
    """
    out = {}
    for rule, (label, verdict) in RULES.items():
        if row.get(label) is not None:
            out[rule] = (bool(row[label]), verdict(row))
    return out


def grader_agreement(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float | int]]:
    """Per rule, the grader's agreement with the hand labels of ``rows`` (see :func:`agreement`).

    >>> table = grader_agreement(load_graded_answers())
    >>> sorted(table), table["admits_unknown"]["n"]
    (['admits_unknown', 'contains_answer', 'violations'], 528)
    """
    pairs: dict[str, list[tuple[bool, bool]]] = {rule: [] for rule in RULES}
    for row in rows:
        for rule, pair in grader_verdicts(row).items():
            pairs[rule].append(pair)
    return {rule: agreement([h for h, _ in p], [g for _, g in p]) for rule, p in pairs.items() if p}


def disagreements(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every (answer, rule) where the grader and the human differ, with the human's reason."""
    out = []
    for row in rows:
        for rule, (human, grader) in grader_verdicts(row).items():
            if human != grader:
                label = RULES[rule][0]
                out.append({"id": row["id"], "rule": rule, "human": human, "grader": grader,
                            "reason": row.get(f"{label}_reason", ""), "answer": row["answer"]})
    return out


def tricky_rows(profile: Mapping[str, Any] | None = None) -> list[dict]:
    """The tricky sentences of ``datasets/grader_tricky`` as labelled answers (the rows :func:`grader_agreement`
    reads): each labelled for its own rule only, violations judged against the whole profile.

    >>> table = grader_agreement(tricky_rows())
    >>> sorted(table)
    ['admits_unknown', 'contains_answer', 'violations']
    """
    avoid = grading.profile_avoid_terms(profile or load_profile())
    label = {"violations": "recommends_avoided", "correct": "correct", "admits_unknown": "admits_unknown"}
    rows = []
    for r in load_grader_tricky():
        row = {"id": r["id"], "answer": r["text"], "accepted": r["accepted"], "avoid_terms": avoid,
               "recommends_avoided": None, "correct": None, "admits_unknown": None,
               f"{label[r['rule']]}_reason": r["why"]}
        row[label[r["rule"]]] = r["label"]
        rows.append(row)
    return rows


# variant of a labelled answer (datasets/graded_answers) -> the family of systems it stands for
FAMILIES = {"base_closed_book": "base", "base_profile": "base", "base_oracle_context": "base",
            "l11_rag": "RAG", "l11_person_lora": "person LoRA", "l11_hybrid_a": "hybrid A", "l11_raft_rag": "RAFT + RAG",
            "l11_facts_lora": "facts LoRA", "l07_last6": "last 6 layers", "l06_prompt32": "prompt tuning",
            "l09_rag": "RAG", "l09_gold_context": "RAG"}


def agreement_by_family(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, float | int]]]:
    """:func:`grader_agreement` per family of systems (:data:`FAMILIES`): a grader's verdicts count only as far
    as it was validated on answers of that kind of system.

    >>> by_family = agreement_by_family(load_graded_answers())
    >>> by_family["base"]["admits_unknown"]["n"] >= 168
    True
    """
    unknown = sorted({r["variant"] for r in rows} - set(FAMILIES))
    if unknown:
        raise ValueError(f"variants {unknown} belong to no family; add them to metrics.FAMILIES.")
    return {family: grader_agreement([r for r in rows if FAMILIES[r["variant"]] == family])
            for family in dict.fromkeys(FAMILIES[r["variant"]] for r in rows)}


def format_by_family(by_family: Mapping[str, Mapping[str, Mapping[str, float | int]]]) -> str:
    """Precision and recall of each rule per family, as k/n with 95% Wilson intervals (n = answers labelled)."""
    lines = [f"{'rule':<16}{'family':<14}{'n':>4}  {'precision':<28}{'recall':<28}"]
    rules = dict.fromkeys(rule for table in by_family.values() for rule in table)
    for rule in rules:
        for family, table in by_family.items():
            if rule in table:
                t = table[rule]
                lines.append(f"{rule:<16}{family:<14}{t['n']:>4}  {_rate(t['tp'], t['tp'] + t['fp']):<28}"
                             f"{_rate(t['tp'], t['tp'] + t['fn']):<28}")
    return "\n".join(lines)


def _rate(k: int, n: int) -> str:
    # Wilson 95% interval, so a score on few answers shows how little it pins down.
    if n == 0:
        return "   0/0   (undefined)"
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return f"{k:3d}/{n:<3d} = {k / n:.2f} [{ci.low:.2f}, {ci.high:.2f}]"


def format_agreement(table: Mapping[str, Mapping[str, float | int]]) -> str:
    """The agreement table as text: counts, then each score as k/n with a 95% Wilson interval."""
    lines = [f"{'rule':<16}{'n':>4}{'TP':>5}{'FP':>5}{'FN':>5}{'TN':>5}  {'precision':<28}{'recall':<28}"
             f"{'accuracy':<28}F1"]
    for rule, t in table.items():
        tp, fp, fn, tn = t["tp"], t["fp"], t["fn"], t["tn"]
        lines.append(f"{rule:<16}{t['n']:>4}{tp:>5}{fp:>5}{fn:>5}{tn:>5}  {_rate(tp, tp + fp):<28}"
                     f"{_rate(tp, tp + fn):<28}{_rate(tp + tn, t['n']):<28}{t['f1']:.2f}")
    return "\n".join(lines)


def perplexity(model: Any, tokenizer: Any, examples: Sequence[Mapping[str, Sequence[int]]], *,
               batch_size: int = 4) -> dict[str, float | int]:
    """Perplexity of ``model`` on the answer tokens of label-masked examples, and its parts.

    ``examples`` come from :func:`course_lib.data.training_set` (``input_ids``,
    ``attention_mask``, ``labels`` with -100 outside the answers); they are padded with
    :func:`course_lib.tokens.pad_batch`. Returns ``mean_nll``, the negative log-likelihood
    per answer token, summed over *all* scored tokens and divided by their count;
    ``perplexity`` = exp(``mean_nll``); ``tokens``, the count; and ``examples``. The mean
    is token-weighted on purpose: ``model(...).loss`` is already a per-token mean *within*
    a batch, so averaging batch losses would give a batch of two short answers the same
    weight as a batch of two long ones, and the result would change with ``batch_size``
    and the order of the examples. Runs in eval mode (no dropout) without gradients, and
    puts the model back in the mode it found it in.

    >>> from course_lib import data                  # model, tokenizer = models.load_llm()
    >>> result = perplexity(model, tokenizer, data.training_set(tokenizer, "test")[:8])
    >>> result["tokens"], round(result["mean_nll"], 2), round(result["perplexity"], 1)
    (676, 2.51, 12.3)
    """
    import torch

    if isinstance(examples, Mapping) or isinstance(examples, str):
        raise TypeError("perplexity() takes a list of examples from data.training_set(tokenizer, split).")
    examples = list(examples)
    if not examples:
        raise ValueError("perplexity() got no examples; pass data.training_set(tokenizer, split).")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of examples, at least 1 (got {batch_size!r}).")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total_nll, count = 0.0, 0
    try:
        with torch.inference_mode():
            for start in range(0, len(examples), batch_size):
                batch = {k: v.to(device) for k, v in pad_batch(examples[start:start + batch_size], pad_id).items()}
                logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
                # Position t predicts token t+1, so logits drop the last step and labels the first.
                labels = batch["labels"][:, 1:]
                nll = torch.nn.functional.cross_entropy(
                    logits[:, :-1].float().reshape(-1, logits.shape[-1]), labels.reshape(-1),
                    ignore_index=IGNORE_INDEX, reduction="sum")
                total_nll += float(nll)
                count += int((labels != IGNORE_INDEX).sum())
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError("no example has an answer token to score (every label is -100); "
                         "build the examples with data.training_set(), which labels the answers.")
    mean_nll = total_nll / count
    return {"perplexity": math.exp(mean_nll), "mean_nll": mean_nll, "tokens": count, "examples": len(examples)}


def _texts(values: Any, what: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise TypeError(f"{what} must be a list of strings (one per answer), got {type(values).__name__}.")
    bad = [n for n, v in enumerate(values) if not isinstance(v, str)]
    if bad:
        raise TypeError(f"{what}[{bad[0]}] is {type(values[bad[0]]).__name__}, not a string; pass answer texts.")
    return list(values)


def bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU (0-100) of answers against one reference each, with sacrebleu's defaults.

    Defaults: 13a tokenisation, 1- to 4-grams, "exp" smoothing (the k-th n-gram order
    without a match counts as 1/2**k of a match, so one missing 4-gram does not zero the
    score; no unigram match at all still gives 0, and so do answers of under 4 words in
    all, having no 4-grams). Corpus BLEU pools the n-gram counts of
    all pairs before taking precisions, so it is *not* the mean of :func:`sentence_bleu`.

    >>> round(bleu(["the cat sat on the mat"], ["the cat sat on the mat"]), 2)
    100.0
    >>> round(bleu(["the cat sat on"], ["the cat sat on the mat"]), 2)   # brevity penalty exp(1 - 6/4)
    60.65
    """
    import sacrebleu

    hyps, refs = _texts(hypotheses, "hypotheses"), _texts(references, "references")
    if len(hyps) != len(refs):
        raise ValueError(f"got {len(hyps)} hypotheses but {len(refs)} references; pass one reference per answer.")
    if not hyps:
        raise ValueError("bleu() got no answers; pass at least one hypothesis and its reference.")
    return float(sacrebleu.corpus_bleu(hyps, [refs]).score)


def sentence_bleu(hypothesis: str, reference: str) -> float:
    """BLEU (0-100) of one answer against one reference (sacrebleu's ``sentence_bleu``).

    Like :func:`bleu` on one pair, except that n-gram orders longer than the answer are
    left out ("effective order"), so a correct three-word answer can still score 100.

    >>> round(sentence_bleu("Paris.", "Paris.")), round(bleu(["Paris."], ["Paris."]))
    (100, 0)
    """
    import sacrebleu

    for name, value in (("hypothesis", hypothesis), ("reference", reference)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {type(value).__name__}; use bleu() for lists.")
    if not reference.strip():
        raise ValueError("reference is empty: BLEU needs a reference text to compare with.")
    return float(sacrebleu.sentence_bleu(hypothesis, [reference]).score)


def _main(argv: Sequence[str]) -> int:
    """``python -m course_lib.evaluation.metrics graded`` (or ``tricky``): print the grader's agreement with the
    hand labels of the graded answers (or of the tricky sentences)."""
    if list(argv) not in (["graded"], ["tricky"]):
        print("usage: python -m course_lib.evaluation.metrics graded|tricky")
        return 2
    rows = load_graded_answers() if argv[0] == "graded" else tricky_rows()
    print(f"grader agreement with {len(rows)} hand-labelled {'answers' if argv[0] == 'graded' else 'tricky sentences'}:")
    print(format_agreement(grader_agreement(rows)))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
