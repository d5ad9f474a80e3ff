"""Fine-tuning dialogues: candidates written from dialogue_tables, some flawed on purpose, then
curated into train/validation/test with a log of every rejection and fix."""
from __future__ import annotations

import random
import re

# The same duplicate and overlap rules that lesson 04 and the tests apply to the finished splits.
from course_lib.finetuning.curation import exact_duplicates, normalise_prompt, word_overlaps
# One matcher for "does this answer offer a food Maya avoids": the grader's.
from course_lib.evaluation.grading import profile_avoid_terms, violations

from .dialogue_tables import (BULLET_STYLES, CANTEEN_BULLETS, CANTEEN_FAMILIES, CANTEEN_LEADS, COMBOS, DIALOGUE_FAMILIES,
                              FOOD_TIPS, ITEMS, LEADS, NUTRIENT_OF_POOL, OPENERS, REFUSE_FAMILIES, TALLY_FAMILIES)
from .profile import IMPERIAL, PROFILE

# The foods by NDB number, filled by build_datasets.build() before any dialogue is written;
# item_text reads protein, calcium and fibre per 100 g from it.
FOODS_BY: dict[str, dict] = {}
AVOID = profile_avoid_terms(PROFILE)
FOOD_PORTION = re.compile(r"\b\d+ (g|ml) (?!protein\b|of\b|fibre\b)[^\W\d]")
NUTRIENTS = ("protein_g", "calcium_mg", "fibre_g")


def item_text(key: str) -> tuple[str, dict[str, float]]:
    """("<grams> g <label>", nutrients of that portion) for a food of ITEMS."""
    ndb, grams, label, _split = ITEMS[key]
    unit = "ml" if label.endswith(("milk", "drink")) else "g"
    vals = FOODS_BY[ndb]["vals"]
    return f"{grams} {unit} {label}", {k: grams * (vals[k] or 0.0) / 100 for k in NUTRIENTS}


def combo_keys(combo: str) -> list[str]:
    return re.findall(r"\[([a-z_0-9]+)\]", combo)


def combo_text(combo: str) -> tuple[str, dict[str, float]]:
    total = dict.fromkeys(NUTRIENTS, 0.0)

    def rep(m):
        text, n = item_text(m.group(1))
        for k in NUTRIENTS:
            total[k] += n[k]
        return text

    text = re.sub(r"\[([a-z_0-9]+)\]", rep, combo)
    return text[0].upper() + text[1:], total


def protein_str(p: float) -> str:
    return f"{round(p)} g" if p >= 10 else f"{p:.1f} g"


def nutrient_str(n: dict[str, float], nutrient: str | None) -> str:
    """"<p> g protein", plus the calcium or fibre figure that a calcium or fibre question asks for."""
    text = f"{protein_str(n['protein_g'])} protein"
    if nutrient == "calcium":
        text += f", {round(n['calcium_mg'])} mg calcium"
    elif nutrient == "fibre":
        text += f", {protein_str(n['fibre_g'])} fibre"
    return text


def bullets(rng, split: str, pool: str, n: int) -> tuple[list[str], list[str]]:
    """n bullet lines from a pool in one of the split's styles, and the food keys they use."""
    style = rng.choice(BULLET_STYLES[split])
    out, keys = [], []
    for combo in rng.sample(COMBOS[pool], n):
        strays = [k for k in combo_keys(combo) if ITEMS[k][3] != split]
        if strays:  # a held-out answer must not reuse another split's foods
            raise ValueError(f"pool {pool!r} used in {split} holds foods of another split: {strays}")
        text, nut = combo_text(combo)
        out.append(style.format(text=text, nut=nutrient_str(nut, NUTRIENT_OF_POOL.get(pool))))
        keys += combo_keys(combo)
    return out, keys


def closing_tip(rng, keys: list[str]) -> str | None:
    """A tip about a food the answer suggests (never about one it does not mention)."""
    tips = list(dict.fromkeys(FOOD_TIPS[k] for k in keys if k in FOOD_TIPS))
    return rng.choice(tips) if tips else None


def typo(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.12:
        words = text.split(" ")
        idx = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
        if idx:
            i = rng.choice(idx)
            w = words[i]
            j = rng.randrange(1, len(w) - 2)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            text = " ".join(words)
    elif r < 0.22:
        text = text.lower().rstrip("?.!")
    return text


def _fit(lines: list[str]) -> str:
    # Under 80 words, as the profile asks: drop the closing lines first.
    while len(" ".join(lines).split()) > 78:
        lines.pop()
    return "\n".join(lines)


def gen_dialogue_candidates(rng) -> list[dict]:
    cands = []

    def add(split, fam, topic, prompt, answer):
        cands.append({"split": split, "family": fam, "topic": topic, "prompt": prompt, "answer": answer})

    def ask(split, template, c):
        return typo(rng.choice(OPENERS[split]) + template.format(c=c, C=c[0].upper() + c[1:]), rng)

    for fam, split, pool, count, templates, contexts, subjects in DIALOGUE_FAMILIES:
        combos = [(t, c) for t in templates for c in contexts]
        # Two spare prompts per family become the deliberately flawed candidates.
        for k, (t, c) in enumerate(rng.sample(combos, min(count + 2, len(combos)))):
            prompt = ask(split, t, c)
            lines, keys = bullets(rng, split, pool, rng.choice([2, 3, 3, 4]))
            if rng.random() < 0.85:  # sometimes the list alone, as the profile's style allows
                subject = rng.choice(subjects)
                lines.insert(0, rng.choice(LEADS[split]).format(s=subject, S=subject[0].upper() + subject[1:]))
            tip = closing_tip(rng, keys) if rng.random() < 0.4 else None
            if tip:
                lines.append(tip)
            add("spare" if k >= count else split, fam, fam.split("_")[0], prompt, _fit(lines))
    for fam, split, pool, count, templates, contexts, leads in REFUSE_FAMILIES:
        combos = [(t, c) for t in templates for c in contexts]
        for t, c in rng.sample(combos, min(count, len(combos))):
            lines, _ = bullets(rng, split, pool, rng.choice([2, 3]))
            add(split, fam, "restriction", ask(split, t, c), _fit([rng.choice(leads)] + lines))
    for fam, (split, prompts) in CANTEEN_FAMILIES.items():
        for p in prompts:
            lines = [rng.choice(CANTEEN_LEADS[split])] + rng.sample(CANTEEN_BULLETS[split], rng.choice([2, 3]))
            add(split, fam, "canteen", typo(rng.choice(OPENERS[split]) + p, rng), "\n".join(lines))
    for fam, (split, templates, sets, top_ups, shapes, leads) in TALLY_FAMILIES.items():
        for keys in sets:
            parts, total = [], 0.0
            for k in keys:
                text, n = item_text(k)
                parts.append(text)
                total += n["protein_g"]
            items = ", ".join(parts[:-1]) + " and " + parts[-1]
            ttext, tn = item_text(rng.choice(top_ups))
            values = {"eaten": round(total), "left": round(120 - total), "food": ttext, "p": protein_str(tn["protein_g"])}
            lines = [rng.choice(leads)] + [s.format(**values) for s in shapes]
            add(split, fam, "tracking", typo(rng.choice(templates).format(items=items), rng), "\n".join(lines))
    return cands


def check_candidate(c: dict) -> tuple[str, str] | None:
    """Return (check, reason) when a candidate breaks a rule; None when it passes."""
    hits = violations(c["answer"], AVOID, profile=PROFILE)
    if hits:
        return "profile", f"answer mentions forbidden or disliked food: {', '.join(hits)}"
    if IMPERIAL.search(c["answer"]):
        return "units", "answer uses non-metric units"
    n_words = len(c["answer"].split())
    if n_words >= 80:
        return "length", f"answer has {n_words} words (the profile asks for under 80)"
    # A food suggestion is a bullet with a portion ("150 g boiled lentils"); tally and canteen lines have none.
    food_bullets = [ln for ln in c["answer"].splitlines() if ln.startswith("- ") and FOOD_PORTION.search(ln)]
    if any(not re.search(r"\d+(\.\d)? g protein", ln) for ln in food_bullets):
        return "format", "a food suggestion has no protein figure"
    if len([ln for ln in c["answer"].splitlines() if ln.startswith("- ")]) > 4:
        return "format", "more than 4 bullets"
    return None


def flawed_candidates(rng, clean: list[dict]) -> list[dict]:
    """Realistic bad candidates, kept on purpose so the curation log has something to show."""
    train = [c for c in clean if c["split"] == "train"]
    test = [c for c in clean if c["split"] == "test"]
    train_families = {f[0] for f in DIALOGUE_FAMILIES if f[1] == "train"}
    spare = [dict(c, split="train") for c in clean if c["split"] == "spare" and c["family"] in train_families]
    rng.shuffle(spare)
    spare_iter = iter(spare)
    bad = []
    for c in rng.sample(train, 6):
        bad.append(dict(c, note="exact duplicate"))
    for k, c in enumerate(rng.sample(test, 6)):
        # Half differ only in punctuation (caught by normalised text), half add a word (caught by token overlap).
        prompt = c["prompt"].rstrip("?!.") + ("!!" if k % 2 == 0 else " please?")
        bad.append(dict(c, split="train", prompt=prompt, note="near-duplicate of a test prompt"))
    wrong = ["- 2 scrambled eggs on toast: 14 g protein", "- Peanut butter on rye: 8 g protein",
             "- Tuna salad with 150 g chickpeas: 35 g protein", "- Mushroom omelette: 15 g protein",
             "- Chicken and rice bowl: 40 g protein", "- Smoked salmon bagel: 20 g protein"]
    for c, w in zip([next(spare_iter) for _ in range(6)], wrong):
        lines = c["answer"].splitlines()
        bad.append(dict(c, answer="\n".join(lines[:2] + [w] + lines[2:3]), note="suggests a forbidden food"))
    for c in [next(spare_iter) for _ in range(3)]:
        bad.append(dict(c, answer=c["answer"] + "\n- 1 cup of cooked lentils (about 8 oz): 18 g protein", note="imperial units"))
    for c in [next(spare_iter) for _ in range(3)]:
        extra = (" Protein matters because muscle repair after strength training depends on a steady supply of amino acids, "
                 "and spreading intake across the day helps. Remember to drink water, sleep well, and vary your vegetables "
                 "so that fibre and micronutrients stay high throughout the week.")
        bad.append(dict(c, answer=c["answer"] + extra, note="too long"))
    for c in [next(spare_iter) for _ in range(4)]:
        lines = c["answer"].splitlines()
        lines = [lines[0]] + [re.sub(r"[:,(]\s*(about )?\d+(\.\d)? g protein\)?", "", ln) for ln in lines[1:]]
        bad.append(dict(c, answer="\n".join(lines), note="protein figures missing"))
    for c in [next(spare_iter) for _ in range(6)]:
        bad.append(dict(c, prompt="  " + c["prompt"].replace(" ", "  ", 1) + " ", answer=c["answer"] + "  \n",
                        note="stray whitespace (fixable)"))
    return bad


def build_dialogues(rng, questions) -> tuple[dict[str, list[dict]], list[dict]]:
    generated = gen_dialogue_candidates(rng)
    for c in generated:
        c["note"] = "generated"
    cands = [c for c in generated if c["split"] != "spare"] + flawed_candidates(rng, generated)
    order = {"test": 0, "validation": 1, "train": 2}
    # Test and validation are accepted first so that train, the largest split, is the one that yields.
    cands = sorted(enumerate(cands), key=lambda ic: (order[ic[1]["split"]], ic[0]))
    kept = {"train": [], "validation": [], "test": []}
    seen: dict[str, str] = {}
    log = []
    qtexts = [q["question"] for q in questions]
    for n, (idx, c) in enumerate(cands, 1):
        cid = f"cand-{idx + 1:04d}"
        entry = {"candidate_id": cid, "target_split": c["split"], "family": c["family"],
                 "prompt": c["prompt"], "origin": c["note"]}
        fixed = None
        if c["prompt"] != " ".join(c["prompt"].split()) or c["answer"] != "\n".join(ln.rstrip() for ln in c["answer"].strip().splitlines()):
            c = dict(c, prompt=" ".join(c["prompt"].split()),
                     answer="\n".join(ln.rstrip() for ln in c["answer"].strip().splitlines()))
            fixed = ("whitespace", "collapsed repeated spaces and trimmed trailing whitespace")
        key = normalise_prompt(c["prompt"])
        problem = None
        if key in seen:
            where = seen[key]
            problem = ("duplicate", "exact duplicate of a kept example" if where == c["split"]
                       else f"same normalised prompt as an example in {where}")
        else:
            for other_split, rows in kept.items():
                if other_split == c["split"]:
                    continue
                near = word_overlaps([c["prompt"]], rows, 0.8)
                if near:
                    problem = ("near_duplicate", f"near-duplicate of {rows[near[0][1]]['id']} in {other_split} (token overlap >= 0.8 of the shorter prompt)")
                    break
        if not problem:
            if exact_duplicates([c["prompt"]], qtexts) or word_overlaps([c["prompt"]], qtexts, 0.8):
                problem = ("eval_overlap", "overlaps an evaluation question")
        if not problem:
            problem = check_candidate(c)
        if problem:
            log.append(entry | {"action": "rejected", "check": problem[0], "reason": problem[1]})
            continue
        split = c["split"]
        row_id = f"dlg-{split}-{len(kept[split]) + 1:04d}"
        kept[split].append({"id": row_id, "messages": [{"role": "user", "content": c["prompt"]},
                                                        {"role": "assistant", "content": c["answer"]}],
                            "topic": c["topic"], "family": c["family"],
                            "foods": sorted(foods_in_answer(c["answer"]))})
        seen[key] = split
        if fixed:
            log.append(entry | {"action": "fixed", "check": fixed[0], "reason": fixed[1], "kept_as": row_id})
    return kept, log


# ---------------------------------------------------------------------------------------------
# Measuring how much a held-out split can be answered from memory. The dialogue card's figures
# come from running this module: `cd scripts && ../.venv/bin/python -m datagen.dialogues [DIR]`.

FOOD_IN_ANSWER = re.compile(r"\b\d+ (?:g|ml) (" + "|".join(
    re.escape(label) for label in sorted({v[2] for v in ITEMS.values()}, key=len, reverse=True)) + r")\b")


def foods_in_answer(answer: str) -> set[str]:
    """The foods (ITEMS labels after a portion, e.g. "150 g boiled lentils") that an answer suggests."""
    return {m.group(1) for m in FOOD_IN_ANSWER.finditer(answer)}


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json
    from pathlib import Path

    from course_lib.finetuning.answer_overlap import overlap_stats
    from course_lib.finetuning.curation import leakage_report
    from course_lib.stats import proportion

    from .common import DATASETS

    ap = argparse.ArgumentParser(description="Overlap between the dialogue splits (figures of the dialogue card).")
    ap.add_argument("dir", nargs="?", type=Path, default=DATASETS / "dialogues", help="folder with train/validation/test.jsonl")
    ap.add_argument("--no-embedder", action="store_true", help="skip the all-MiniLM-L6-v2 paraphrase check")
    args = ap.parse_args(argv)
    splits = {s: [json.loads(line) for line in open(args.dir / f"{s}.jsonl", encoding="utf-8")]
              for s in ("train", "validation", "test")}
    print(f"{args.dir}: " + ", ".join(f"{s} {len(r)}" for s, r in splits.items()))
    for name, (k, n) in overlap_stats(splits).items():
        print(f"{name:28} {proportion(k, n)}")
    embedder = None
    if not args.no_embedder:
        from course_lib.models import load_embedder
        embedder = load_embedder()
    print(leakage_report(splits, embedder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
