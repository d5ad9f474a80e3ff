"""Specification of course_lib.evaluation.metrics: the grader's agreement with a human labeller, and BLEU.

(Perplexity has its own file, tests/test_perplexity.py.)

Expected numbers are worked out by hand in the comments, not computed by the library.
"""
import math

import pytest

from course_lib.evaluation.metrics import (
    agreement,
    bleu,
    disagreements,
    format_agreement,
    grader_agreement,
    grader_verdicts,
    sentence_bleu,
)

T, F = True, False


def test_agreement_counts_and_scores_match_a_hand_worked_confusion_matrix():
    # human:  T T T F F F F
    # grader: T T F T F F F  -> TP=2, FN=1, FP=1, TN=3
    # precision 2/3, recall 2/3, F1 = 2*(2/3)*(2/3)/(4/3) = 2/3, accuracy 5/7
    result = agreement([T, T, T, F, F, F, F], [T, T, F, T, F, F, F])
    assert (result["tp"], result["fp"], result["fn"], result["tn"], result["n"]) == (2, 1, 1, 3, 7)
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 / 3)
    assert result["accuracy"] == pytest.approx(5 / 7)


def test_precision_and_recall_differ_when_the_grader_over_fires():
    # human: T F F F, grader: T T T F -> TP=1, FP=2, FN=0, TN=1
    # precision 1/3, recall 1/1, F1 = 2*(1/3)*1/(4/3) = 0.5, accuracy 2/4
    result = agreement([T, F, F, F], [T, T, T, F])
    assert result["precision"] == pytest.approx(1 / 3)
    assert result["recall"] == pytest.approx(1.0)
    assert result["f1"] == pytest.approx(0.5)
    assert result["accuracy"] == pytest.approx(0.5)


def test_a_grader_that_never_fires_scores_zero_precision_recall_and_f1_not_an_error():
    # human: T T F, grader: F F F -> TP=0, FN=2, TN=1: precision 0/0 is reported as 0
    result = agreement([T, T, F], [F, F, F])
    assert (result["tp"], result["fn"], result["tn"]) == (0, 2, 1)
    assert result["precision"] == 0.0 and result["recall"] == 0.0 and result["f1"] == 0.0
    assert result["accuracy"] == pytest.approx(1 / 3)


def test_agreement_refuses_lists_of_different_length_or_no_labels():
    with pytest.raises(ValueError, match="one of each"):
        agreement([T, F], [T])
    with pytest.raises(ValueError, match="at least one"):
        agreement([], [])


def _row(rid, answer, *, avoid=(), accepted=("x",), recommends=None, correct=None, unknown=False):
    return {"id": rid, "answer": answer, "avoid_terms": list(avoid), "accepted": list(accepted),
            "recommends_avoided": recommends, "recommends_avoided_reason": "r" if recommends is not None else None,
            "correct": correct, "correct_reason": "r" if correct is not None else None,
            "admits_unknown": unknown, "admits_unknown_reason": "human reason"}


# Sentences so plain that any version of the grader must read them one way.
ROWS = [
    _row("a", "Have the grilled chicken with rice.", avoid=["chicken"], recommends=T),
    _row("b", "Try oat porridge with berries.", avoid=["chicken"], recommends=F),
    # The human flags this one although the grader cannot: a false negative by construction.
    _row("c", "Try oat porridge with berries.", avoid=["chicken"], recommends=T),
    _row("d", "Boiled lentils have 9.02 g of protein per 100 g.", accepted=["9.02 g"], correct=T),
    _row("e", "Boiled lentils have 25 g of protein per 100 g.", accepted=["9.02 g"], correct=F),
    _row("f", "I don't know.", unknown=T),
]


def test_a_rule_is_scored_only_on_rows_that_carry_its_human_label():
    verdicts = grader_verdicts(ROWS[0])
    assert set(verdicts) == {"violations", "admits_unknown"}
    assert set(grader_verdicts(ROWS[3])) == {"contains_answer", "admits_unknown"}


def test_grader_agreement_scores_each_rule_on_its_own_rows():
    table = grader_agreement(ROWS)
    # violations on a, b, c: human T F T, grader T F F -> TP=1, FN=1, TN=1
    assert (table["violations"]["n"], table["violations"]["tp"], table["violations"]["fn"],
            table["violations"]["tn"], table["violations"]["fp"]) == (3, 1, 1, 1, 0)
    assert table["violations"]["f1"] == pytest.approx(2 / 3)
    # contains_answer on d, e: both agree
    assert (table["contains_answer"]["tp"], table["contains_answer"]["tn"]) == (1, 1)
    # admits_unknown on all six rows: only f admits, and the grader sees it
    assert (table["admits_unknown"]["n"], table["admits_unknown"]["tp"], table["admits_unknown"]["tn"]) == (6, 1, 5)


def test_disagreements_name_the_answer_the_rule_and_both_verdicts():
    found = disagreements(ROWS)
    assert [(d["id"], d["rule"], d["human"], d["grader"]) for d in found] == [("c", "violations", True, False)]


def test_the_printed_table_shows_each_score_as_k_of_n_with_an_interval():
    text = format_agreement(grader_agreement(ROWS))
    line = next(l for l in text.splitlines() if l.startswith("violations"))
    # precision 1/1, recall 1/2, accuracy 2/3
    assert "1/1" in line and "1/2" in line and "2/3" in line and "[" in line


# --- BLEU (sacrebleu): documented behaviour and hand-worked values -----------------------------

def test_identical_text_scores_100_and_disjoint_text_scores_0():
    assert bleu(["The capital of France is Paris."], ["The capital of France is Paris."]) == pytest.approx(100)
    assert sentence_bleu("The capital of France is Paris.", "The capital of France is Paris.") == pytest.approx(100)
    assert bleu(["one two three four"], ["five six seven eight"]) == 0.0
    assert sentence_bleu("one two three four", "five six seven eight") == 0.0


def test_corpus_bleu_matches_the_geometric_mean_of_clipped_precisions_worked_by_hand():
    # hyp "the cat sat on the mat" vs ref "the cat sat on a mat" (6 words each, brevity penalty 1):
    # 1-grams: the(clipped to 1), cat, sat, on, mat = 5/6; 2-grams: the cat, cat sat, sat on = 3/5;
    # 3-grams: the cat sat, cat sat on = 2/4; 4-grams: the cat sat on = 1/3.
    # BLEU = 100 * (5/6 * 3/5 * 2/4 * 1/3) ** (1/4) = 100 * (1/12) ** 0.25 = 53.73
    assert bleu(["the cat sat on the mat"], ["the cat sat on a mat"]) == pytest.approx(100 * (1 / 12) ** 0.25)


def test_a_short_correct_answer_scores_100_as_a_sentence_but_0_as_a_corpus_without_4_grams():
    # sentence BLEU uses the orders the answer has ("effective order"); corpus BLEU needs 4-grams
    assert sentence_bleu("Paris.", "Paris.") == pytest.approx(100)
    assert bleu(["Paris."], ["Paris."]) == 0.0


def test_a_short_answer_is_penalised_by_the_brevity_penalty():
    # every n-gram of "the cat sat on" is in the reference, but 4 words vs 6: BP = exp(1 - 6/4)
    assert bleu(["the cat sat on"], ["the cat sat on the mat"]) == pytest.approx(100 * math.exp(1 - 6 / 4))


def test_corpus_bleu_pools_counts_so_it_is_not_the_mean_of_sentence_scores():
    # pair 1 identical (5 words): n-gram matches 5/5, 4/4, 3/3, 2/2.
    # pair 2 "p q r s" vs "w q r t": 2/4, 1/3, 0/2, 0/1; alone, sacrebleu's "exp" smoothing replaces the
    # k-th zero precision by 1 / (2**k * total): 1/(2*2) and 1/(4*1), so 100 * (1/2 * 1/3 * 1/4 * 1/4) ** 0.25.
    # pooled: 7/9, 5/7, 3/5, 2/3, product 2/9, lengths 9 = 9 so BP 1: BLEU = 100 * (2/9) ** 0.25 = 68.66
    hyps, refs = ["a b c d e", "p q r s"], ["a b c d e", "w q r t"]
    assert bleu(hyps, refs) == pytest.approx(100 * (2 / 9) ** 0.25)
    assert bleu(hyps[1:], refs[1:]) == pytest.approx(100 * (1 / 2 * 1 / 3 * 1 / 4 * 1 / 4) ** 0.25)
    mean_of_sentences = (sentence_bleu(hyps[0], refs[0]) + sentence_bleu(hyps[1], refs[1])) / 2
    assert abs(bleu(hyps, refs) - mean_of_sentences) > 1


def test_bleu_refuses_lists_of_different_length_or_no_answers():
    # sacrebleu itself silently scores a hypothesis list against a longer reference list
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        bleu(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="no answers"):
        bleu([], [])
    with pytest.raises(TypeError, match="list of strings"):
        bleu("the cat", "the cat")
    with pytest.raises(TypeError, match=r"references\[1\]"):
        bleu(["a", "b"], ["a", None])
    with pytest.raises(ValueError, match="reference is empty"):
        sentence_bleu("the cat", "  ")
    with pytest.raises(TypeError, match="use bleu"):
        sentence_bleu(["the cat"], "the cat")


def test_a_rate_read_through_a_perfect_grader_keeps_a_narrow_range_and_a_poor_one_widens_it():
    from course_lib.evaluation.correction import corrected_count, corrected_rate, survives

    assert corrected_count(0, 50, {"tp": 30, "fp": 0, "fn": 0}) == (0, 0)
    narrow, wide = corrected_count(20, 100, {"tp": 60, "fp": 0, "fn": 0}), corrected_count(20, 100, {"tp": 6, "fp": 6, "fn": 6})
    assert narrow[0] <= 20 <= narrow[1] and wide[0] < narrow[0] and wide[1] > narrow[1]
    assert corrected_count(5, 10, {"tp": 0, "fp": 0, "fn": 0}) == (0, 10)      # an unvalidated rule bounds nothing
    assert corrected_rate(45, 50, {"tp": 30, "fp": 0, "fn": 0}, counts_flags=False).startswith("45/50; with")
    assert survives((45, 50, {"tp": 30, "fp": 0, "fn": 0}), (20, 50, {"tp": 30, "fp": 0, "fn": 0}), counts_flags=False)
    with pytest.raises(ValueError, match="between 0 and n"):
        corrected_count(11, 10, {"tp": 1, "fp": 0, "fn": 0})
