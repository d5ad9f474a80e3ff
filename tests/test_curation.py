"""Specification of course_lib.finetuning.curation: duplicate, near-duplicate and leakage checks."""
import json

import numpy as np
import pytest

from course_lib.exercises import lesson04
from course_lib.finetuning import curation
from course_lib.finetuning.curation import (
    COSINE_THRESHOLD,
    embed,
    exact_duplicates,
    leakage_report,
    near_duplicates,
    nearest,
    normalise_prompt,
    prompt_text,
    word_overlap,
    word_overlaps,
)


class BagOfWords:
    """A stand-in embedder: one dimension per known word, so similarities are easy to predict."""

    def __init__(self):
        self.vocab = {}

    def encode(self, texts, batch_size=32, normalize_embeddings=False):
        rows = []
        for text in texts:
            for w in normalise_prompt(text).split():
                self.vocab.setdefault(w, len(self.vocab))
        for text in texts:
            v = np.zeros(64)
            for w in normalise_prompt(text).split():
                v[self.vocab[w] % 64] += 1
            rows.append(v / np.linalg.norm(v) if normalize_embeddings else v)
        return np.array(rows)


def dialogue(i, prompt, split="train"):
    return {"id": f"dlg-{split}-{i:04d}", "messages": [{"role": "user", "content": prompt},
                                                      {"role": "assistant", "content": "- 150 g yogurt: 15 g protein"}],
            "topic": "snack"}


# --- normalising and comparing prompts -------------------------------------------------

def test_normalise_prompt_keeps_lowercase_letters_and_digits():
    assert normalise_prompt("  Snacks before TRAINING?! ") == "snacks before training"
    assert normalise_prompt("150 g skyr, ok?") == "150 g skyr ok"
    assert normalise_prompt("?!") == ""


@pytest.mark.parametrize("bad,error", [("", ValueError), ("   ", ValueError), (None, TypeError), (3, TypeError)])
def test_normalise_prompt_rejects_empty_or_non_text(bad, error):
    with pytest.raises(error):
        normalise_prompt(bad)


def test_prompt_text_reads_strings_dialogues_questions_and_log_rows():
    assert prompt_text("Soup?") == "Soup?"
    assert prompt_text(dialogue(1, "Snack?")) == "Snack?"
    assert prompt_text({"id": "q-1", "question": "Soup today?"}) == "Soup today?"
    assert prompt_text({"candidate_id": "cand-0001", "prompt": "Lunch?"}) == "Lunch?"


def test_prompt_text_names_the_fields_of_an_unknown_row():
    with pytest.raises(ValueError, match=r"fields \['id', 'text'\].*'messages'"):
        prompt_text({"id": "x", "text": "Soup?"})
    with pytest.raises(ValueError, match="no user message"):
        prompt_text({"id": "d", "messages": [{"role": "assistant", "content": "Hi"}]})
    with pytest.raises(TypeError):
        prompt_text(42)


def test_word_overlap_is_relative_to_the_shorter_prompt():
    assert word_overlap("Lunch ideas?", "Any lunch ideas, please?") == 1.0
    assert word_overlap("lunch ideas", "dinner ideas") == 0.5
    assert word_overlap("Soup?", "Salad?") == 0.0


def test_exact_duplicates_within_and_across_lists():
    assert exact_duplicates(["Snacks?", "Lunch?", "snacks!!"]) == [(0, 2)]
    assert exact_duplicates(["Snacks?"], ["What now", "snacks!!", "SNACKS"]) == [(0, 1), (0, 2)]
    assert exact_duplicates([dialogue(1, "Soup?")], [{"question": "soup"}]) == [(0, 0)]
    assert exact_duplicates(["a b"], []) == []


def test_word_overlaps_catch_an_added_word_in_index_order():
    found = word_overlaps(["Lunch ideas?", "Dinner?"], ["Breakfast?", "Any lunch ideas, please?"])
    assert found == [(0, 1, 1.0)]
    assert word_overlaps(["lunch ideas", "dinner ideas"], threshold=0.5) == [(0, 1, 0.5)]
    assert word_overlaps(["lunch ideas", "dinner ideas"], threshold=0.8) == []


@pytest.mark.parametrize("bad", [["Snack?", ""], ["Snack?", {"id": "d", "messages": [{"role": "user", "content": " "}]}]])
def test_lists_with_an_empty_prompt_are_rejected_with_its_position(bad):
    with pytest.raises(ValueError, match=r"items_a\[1\] has an empty prompt"):
        exact_duplicates(bad, ["x"])


def test_a_single_string_is_not_taken_for_a_list():
    with pytest.raises(TypeError, match="wrap a single one"):
        exact_duplicates("Snacks?", ["snacks"])


@pytest.mark.parametrize("threshold", [0, 1.5, -0.1, "high"])
def test_thresholds_outside_0_1_are_rejected(threshold):
    with pytest.raises(ValueError, match="threshold"):
        word_overlaps(["a"], ["a"], threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        near_duplicates(BagOfWords(), ["a"], ["a"], threshold=threshold)


# --- embedding checks ---------------------------------------------------------------

def test_embed_returns_unit_rows_and_refuses_nothing():
    vectors = embed(BagOfWords(), ["lunch ideas", "dinner"])
    assert vectors.shape == (2, 64) and np.allclose(np.linalg.norm(vectors, axis=1), 1)
    with pytest.raises(ValueError, match="empty"):
        embed(BagOfWords(), [])


def test_nearest_gives_each_item_its_best_match():
    pairs = nearest(BagOfWords(), ["lunch ideas", "tofu dinner"], ["tofu dinner tonight", "lunch ideas"])
    assert [(i, j) for i, j, _ in pairs] == [(0, 1), (1, 0)]
    assert pairs[0][2] == pytest.approx(1.0) and 0.5 < pairs[1][2] < 1


def test_near_duplicates_across_and_within_lists():
    emb = BagOfWords()
    assert near_duplicates(emb, ["lunch ideas"], ["ideas lunch", "soup"], 0.99)[0][:2] == (0, 0)
    within = near_duplicates(emb, ["lunch ideas", "soup", "Lunch ideas!"], threshold=0.99)
    assert [(i, j) for i, j, _ in within] == [(0, 2)]  # each pair once, never an item with itself


def test_the_real_embedder_sees_a_paraphrase_the_word_check_misses(embedder):
    target, paraphrase = "A tomato curry tonight - what do I put in it?", "Making curry with tomatoes tonight, what goes in?"
    assert word_overlap(target, paraphrase) < curation.WORD_OVERLAP_THRESHOLD
    (_, _, cosine), = nearest(embedder, [paraphrase], [target, "Snacks for a long flight?"])
    assert 0.75 < cosine < COSINE_THRESHOLD


# --- the leakage report ---------------------------------------------------------------

def test_leakage_report_compares_later_groups_with_earlier_ones():
    train = [dialogue(1, "What can I snack on at my desk?"), dialogue(2, "Tofu dinner ideas?")]
    test = [dialogue(1, "what can i snack on at my desk", "test"), dialogue(2, "Tofu dinner ideas please?", "test"),
            dialogue(3, "Soup for a cold day?", "test")]
    report = leakage_report({"train": train, "test": test}, BagOfWords())
    checks = {(x.check, x.id, x.other_id) for x in report.leaks}
    assert ("duplicate", "dlg-test-0001", "dlg-train-0001") in checks
    assert ("word_overlap", "dlg-test-0002", "dlg-train-0002") in checks
    assert ("embedding", "dlg-test-0001", "dlg-train-0001") in checks
    assert not report.ok and report.sizes == {"train": 2, "test": 3}
    assert len(report.max_similarity("test", "train")) == 3
    text = str(report)
    assert "test -> train" in text and "max cos" in text


def test_leakage_report_without_an_embedder_runs_the_lexical_checks_only():
    report = leakage_report({"train": ["Soup?"], "test": ["Salad?"]})
    assert report.ok and report.nearest == {}
    with pytest.raises(KeyError, match="pass an embedder"):
        report.max_similarity("test", "train")


@pytest.mark.parametrize("groups", [{"train": ["Soup?"]}, ["Soup?", "Salad?"], {"train": ["Soup?"], "test": []}])
def test_leakage_report_needs_two_non_empty_groups(groups):
    with pytest.raises(ValueError):
        leakage_report(groups)


# --- exercise checks -------------------------------------------------------------------

def test_check_broken_lines(tmp_path):
    good = {"candidate_id": "cand-0001", "target_split": "train", "family": "f", "prompt": "p", "origin": "o",
            "action": "rejected", "check": "units", "reason": "r"}
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join([json.dumps(good), json.dumps({**good, "check": "vibes"}), "{"]) + "\n")
    assert lesson04.check_broken_lines([2, 3], path, "curation_log")
    verdict = lesson04.check_broken_lines([2], path, "curation_log")
    assert not verdict and "missing [3]" in str(verdict)
    assert not lesson04.check_broken_lines(..., path, "curation_log")


def test_check_sneaky_paraphrase():
    emb = BagOfWords()
    target = "lunch ideas for a tofu fan"
    verdict = lesson04.check_sneaky_paraphrase("Lunch ideas for a tofu fan, please?", emb, target, 0.5)
    assert not verdict and "word check already catches it" in str(verdict)
    assert lesson04.check_sneaky_paraphrase("tofu fan lunch suggestions", emb, target, 0.5)
    assert not lesson04.check_sneaky_paraphrase("soup", emb, target, 0.5)
    assert not lesson04.check_sneaky_paraphrase(..., emb, target, 0.5)


def test_check_too_long(tokenizer):
    from course_lib import data

    # Counted straight from the chat template, not with the library's own token counter.
    lengths = [len(tokenizer.apply_chat_template(data.to_chat(d), tokenize=True)["input_ids"])
               for d in data.load_dialogues("validation")]
    expected = sum(n > 150 for n in lengths)
    assert 0 < expected < len(lengths), "pick a limit that some but not all dialogues exceed"
    assert lesson04.check_too_long(expected, tokenizer, "validation", 150)
    verdict = lesson04.check_too_long(expected + 1, tokenizer, "validation", 150)
    assert not verdict and "too high" in str(verdict)
