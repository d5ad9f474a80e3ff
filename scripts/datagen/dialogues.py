"""Fine-tuning dialogues: candidates written from dialogue_tables, some flawed on purpose, then
curated into train/validation/test with a log of every rejection and fix."""
from __future__ import annotations

import random
import re

# The same duplicate and overlap rules that lesson 04 and the tests apply to the finished splits.
from course_lib.curation import exact_duplicates, normalise_prompt, word_overlaps

from .dialogue_tables import (CANTEEN_BULLETS, CANTEEN_LEADS, CANTEEN_PROMPTS, CLOSERS, COMBOS, DIALOGUE_FAMILIES,
                              ITEMS, OPENERS, REFUSE_FAMILIES, SUGGEST_LEADS, TALLY_SETS, TALLY_TEMPLATES)
from .profile import IMPERIAL, forbidden_hits

# The foods by NDB number, filled by build_datasets.build() before any dialogue is written;
# item_text reads protein per 100 g from it.
FOODS_BY: dict[str, dict] = {}


def item_text(key: str) -> tuple[str, float]:
    ndb, grams, label = ITEMS[key]
    unit = "ml" if label.endswith(("milk", "drink")) else "g"
    return f"{grams} {unit} {label}", grams * FOODS_BY[ndb]["vals"]["protein_g"] / 100


def combo_text(combo: str) -> tuple[str, float]:
    total = 0.0

    def rep(m):
        nonlocal total
        text, p = item_text(m.group(1))
        total += p
        return text

    text = re.sub(r"\[([a-z_0-9]+)\]", rep, combo)
    return text[0].upper() + text[1:], total


def protein_str(p: float) -> str:
    return f"{round(p)} g" if p >= 10 else f"{p:.1f} g"


def bullets(rng, pool, n) -> list[str]:
    style = rng.randrange(3)
    out = []
    for combo in rng.sample(COMBOS[pool], n):
        text, p = combo_text(combo)
        out.append([f"- {text}: {protein_str(p)} protein", f"- {text} ({protein_str(p)} protein)",
                    f"- {text}, about {protein_str(p)} protein"][style])
    return out


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


def gen_dialogue_candidates(rng) -> list[dict]:
    cands = []

    def add(split, fam, topic, prompt, answer):
        cands.append({"split": split, "family": fam, "topic": topic, "prompt": prompt, "answer": answer})

    for fam, split, kind, pool, count, templates, contexts in DIALOGUE_FAMILIES:
        combos = [(t, c) for t in templates for c in contexts]
        # Two spare prompts per family become the deliberately flawed candidates.
        for k, (t, c) in enumerate(rng.sample(combos, min(count + 2, len(combos)))):
            prompt = typo(rng.choice(OPENERS) + t.format(c=c, C=c[0].upper() + c[1:]), rng)
            lines = [rng.choice(SUGGEST_LEADS)] + bullets(rng, pool, rng.choice([2, 3, 3, 4]))
            if rng.random() < 0.4:
                lines.append(rng.choice(CLOSERS))
            while len(" ".join(lines).split()) > 78:
                lines.pop()
            add("spare" if k >= count else split, fam, fam.split("_")[0], prompt, "\n".join(lines))
    for fam, split, pool, count, templates, contexts, leads in REFUSE_FAMILIES:
        combos = [(t, c) for t in templates for c in contexts]
        for t, c in rng.sample(combos, min(count, len(combos))):
            prompt = typo(rng.choice(OPENERS) + t.format(c=c, C=c[0].upper() + c[1:]), rng)
            lines = [rng.choice(leads)] + bullets(rng, pool, rng.choice([2, 3]))
            while len(" ".join(lines).split()) > 78:
                lines.pop()
            add(split, fam, "restriction", prompt, "\n".join(lines))
    for split, prompts in CANTEEN_PROMPTS.items():
        for p in prompts:
            lines = [rng.choice(CANTEEN_LEADS)] + rng.sample(CANTEEN_BULLETS, rng.choice([2, 3]))
            add(split, "canteen_unknown", "canteen", typo(rng.choice(OPENERS) + p, rng), "\n".join(lines))
    for i, keys in enumerate(TALLY_SETS):
        split = "test" if i % 4 == 3 else "train"
        parts, total = [], 0.0
        for k in keys:
            text, p = item_text(k)
            parts.append(text)
            total += p
        items = ", ".join(parts[:-1]) + " and " + parts[-1]
        left = 120 - total
        top = rng.choice(["tempeh", "cottage", "soybeans", "lentils", "tofu_x"])
        ttext, tp = item_text(top)
        lines = [rng.choice(["Nice start.", "Good going.", "Here's the count:", "Quick tally:"]),
                 f"- So far: about {round(total)} g protein", f"- Left to reach 120 g: about {round(left)} g",
                 f"- Easy top-up: {ttext} ({protein_str(tp)} protein)"]
        add(split, "protein_tally", "tracking", typo(rng.choice(TALLY_TEMPLATES).format(items=items), rng), "\n".join(lines))
    return cands


def check_candidate(c: dict) -> tuple[str, str] | None:
    """Return (check, reason) when a candidate breaks a rule; None when it passes."""
    hits = forbidden_hits(c["answer"])
    if hits:
        return "profile", f"answer mentions forbidden or disliked food: {', '.join(hits)}"
    if IMPERIAL.search(c["answer"]):
        return "units", "answer uses non-metric units"
    n_words = len(c["answer"].split())
    if n_words > 80:
        return "length", f"answer has {n_words} words (limit 80)"
    food_bullets = [ln for ln in c["answer"].splitlines() if ln.startswith("- ") and c["family"] != "canteen_unknown"
                    and not ln.startswith(("- So far", "- Left"))]
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
                            "topic": c["topic"], "family": c["family"]})
        seen[key] = split
        if fixed:
            log.append(entry | {"action": "fixed", "check": fixed[0], "reason": fixed[1], "kept_as": row_id})
    return kept, log
