"""How much of a held-out split's answers could a model simply remember from train?

``curation`` compares prompts; a test score can also be inflated by answers: if
the test answers reuse train's bullet lines, foods or openings, a fine-tuned
model scores well by recalling them. ``overlap_stats`` counts that, per split,
as (k, n) pairs ready for ``course_lib.stats.proportion``. It reads each
dialogue's ``foods`` field, which the data build writes from the answer.
"""
from __future__ import annotations

from collections import Counter
from typing import Mapping, Sequence


def _answer(row: Mapping) -> str:
    return row["messages"][-1]["content"]


def bullets(rows: Sequence[Mapping]) -> list[str]:
    """Every bullet line ("- ...") of the rows' final answers, in order.

    >>> bullets([{"messages": [{"role": "assistant", "content": "Try:\\n- tofu\\n- lentils"}]}])
    ['- tofu', '- lentils']
    """
    return [line for r in rows for line in _answer(r).splitlines() if line.startswith("- ")]


def foods(rows: Sequence[Mapping]) -> set[str]:
    """The distinct foods the rows' answers suggest (their ``foods`` fields)."""
    missing = [r.get("id", "?") for r in rows if "foods" not in r]
    if missing:
        raise ValueError(f"rows without a 'foods' field, e.g. {missing[0]!r}: rebuild the data with "
                         "scripts/build_datasets.py, or load it with course_lib.data.load_dialogues.")
    return {f for r in rows for f in r["foods"]}


def overlap_stats(splits: Mapping[str, Sequence[Mapping]], top: int = 8) -> dict[str, tuple[int, int]]:
    """Counts (k, n) that show how much held-out answers repeat train answers.

    - ``top_first_lines``: answers whose first line is one of the ``top`` most common first lines;
    - ``top_first_words``: the same for the first three words;
    - ``<split>_bullets_in_train``: bullet lines of a held-out split found verbatim among train's;
    - ``<split>_foods_in_train``: distinct foods a held-out split suggests that train answers suggest too;
    - ``families_in_several_splits``: families (a prompt and its paraphrases) found in more than one split.

    >>> row = lambda text, fam, food: {"messages": [{"role": "assistant", "content": text}],
    ...                                "family": fam, "foods": [food]}
    >>> stats = overlap_stats({"train": [row("Try:\\n- tofu", "a", "tofu")],
    ...                        "test": [row("Try:\\n- tofu", "b", "tofu"), row("Eat:\\n- kale", "b", "kale")]})
    >>> stats["test_bullets_in_train"], stats["test_foods_in_train"], stats["families_in_several_splits"]
    ((1, 2), (1, 2), (0, 2))
    """
    if "train" not in splits:
        raise ValueError(f"overlap_stats() needs a 'train' split to compare with; got {sorted(splits)}.")
    rows = [r for split in splits.values() for r in split]
    if not rows:
        raise ValueError("overlap_stats() got no dialogues.")
    firsts = Counter(_answer(r).splitlines()[0] for r in rows)
    words = Counter(" ".join(_answer(r).split()[:3]) for r in rows)
    stats = {"top_first_lines": (sum(n for _, n in firsts.most_common(top)), len(rows)),
             "top_first_words": (sum(n for _, n in words.most_common(top)), len(rows))}
    train_bullets, train_foods = set(bullets(splits["train"])), foods(splits["train"])
    for split in (s for s in splits if s != "train"):
        held = bullets(splits[split])
        stats[f"{split}_bullets_in_train"] = (sum(b in train_bullets for b in held), len(held))
        held_foods = foods(splits[split])
        stats[f"{split}_foods_in_train"] = (len(held_foods & train_foods), len(held_foods))
    where: dict[str, set[str]] = {}
    for split, split_rows in splits.items():
        for r in split_rows:
            where.setdefault(r.get("family", "?"), set()).add(split)
    stats["families_in_several_splits"] = (sum(len(s) > 1 for s in where.values()), len(where))
    return stats
