"""Specification of course_lib.paired: comparisons that keep the pairing of two systems on the same questions.

Expected values are worked by hand in the comments (binomial sums, exact sign-flip counts, Holm's steps).
"""
import numpy as np
import pytest

from course_lib import paired
from course_lib.paired import clustered, detectable_difference, holm, mcnemar, paired_permutation


def answers(right: set[int], n: int = 20) -> dict[str, bool]:
    return {f"q{i:02d}": i in right for i in range(n)}


def test_mcnemar_counts_only_the_questions_the_systems_disagree_on():
    # a right on 0-9, b right on 0-7 and 10-17: 2 right only for a (8, 9), 8 only for b (10-17).
    c = mcnemar(answers(set(range(10))), answers(set(range(8)) | set(range(10, 18))))
    assert (c.n, c.a_right, c.b_right, c.only_a, c.only_b) == (20, 10, 16, 2, 8)
    # Exact: 2 * P(X <= 2) for X ~ Binomial(10, 1/2) = 2 * (1 + 10 + 45) / 1024 = 0.109375.
    assert c.p_value == pytest.approx(112 / 1024)
    assert not c.distinguishable and "2 right only for a, 8 only for b" in c.sentence


def test_mcnemar_with_no_disagreement_has_p_one():
    same = answers({1, 2, 3})
    assert mcnemar(same, dict(same)).p_value == 1.0


def test_mcnemar_refuses_answers_to_different_questions():
    with pytest.raises(ValueError, match=r"same questions: only in a \['q20'\]"):
        mcnemar(answers(set(), 21), answers(set(), 20))
    with pytest.raises(TypeError, match="dict keyed by question id"):
        mcnemar([True, False], [True, True])


def test_seeds_are_not_counted_as_extra_questions():
    one = clustered({f"q{i}": [i % 2] for i in range(12)}, {f"q{i}": [1] for i in range(12)})
    three = clustered({f"q{i}": [i % 2] * 3 for i in range(12)}, {f"q{i}": [1] * 3 for i in range(12)})
    # The same outcome on every seed adds no evidence: the interval and p-value do not move.
    assert (three.questions, three.seeds) == (12, 3)
    assert (three.low, three.high, three.p_value) == (one.low, one.high, one.p_value)
    assert three.difference == pytest.approx(0.5)


def test_a_sign_flip_test_of_five_equal_gains_matches_the_exact_count():
    # 5 questions all +1: of the 2^5 = 32 sign patterns only all-plus and all-minus reach |mean| = 1: p = 2/32.
    diff, p = paired_permutation({f"q{i}": 0.0 for i in range(5)}, {f"q{i}": 1.0 for i in range(5)},
                                 rounds=200_000, seed=3)
    assert diff == 1.0 and p == pytest.approx(2 / 32, abs=0.003)


def test_the_clustered_interval_covers_the_difference_and_excludes_zero_for_a_clear_gain():
    rng = np.random.default_rng(0)
    a = {f"q{i}": list(rng.integers(0, 2, 3) * 0) for i in range(30)}      # always wrong
    b = {f"q{i}": [1, 1, int(i % 3 == 0)] for i in range(30)}
    c = clustered(a, b)
    assert c.low <= c.difference <= c.high and c.low > 0 and c.distinguishable


def test_holm_multiplies_the_smallest_p_by_the_family_size_and_keeps_the_order():
    # Sorted: 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 = 0.04, raised to 0.06 to keep the order.
    assert holm({"x": 0.01, "y": 0.04, "z": 0.03}) == {"x": 0.03, "y": 0.06, "z": 0.06}
    assert holm({"only": 0.2}) == {"only": 0.2}
    with pytest.raises(ValueError, match="between 0 and 1"):
        holm({"x": 1.5})


def test_the_detectable_difference_follows_the_normal_approximation():
    # (1.95996 + 0.84162) * sqrt(2 * 0.5 * 0.5 / 100) = 2.80158 * 0.070711 = 0.19810
    assert detectable_difference(0.5, 100) == pytest.approx(0.19810, abs=1e-4)
    # Four times the questions halve it.
    assert detectable_difference(0.3, 400) == pytest.approx(detectable_difference(0.3, 100) / 2)
    with pytest.raises(ValueError, match="at least 1 question"):
        detectable_difference(0.5, 0)


def test_a_ranking_metric_is_printed_as_a_score_not_a_percentage():
    a = {f"q{i}": [0.5] for i in range(8)}
    b = {f"q{i}": [0.75] for i in range(8)}
    text = paired.compare_outcomes(a, b).sentence
    assert text.startswith("0.500 vs 0.750 over the same 8 questions: difference +0.250")


def test_a_verdict_says_when_too_few_questions_differ_for_any_test_to_decide():
    # 4 discordant pairs all one way: p = 2 / 2**4 = 0.125, the smallest these questions allow
    a = {f"q{i}": i < 4 for i in range(30)}
    b = {f"q{i}": False for i in range(30)}
    test = mcnemar(a, b)
    assert test.smallest_p == pytest.approx(0.125) and test.p_value == pytest.approx(0.125)
    assert "only 4 questions differ" in test.sentence
    # with 6 of them the test can decide, and the sentence does not excuse it
    a = {f"q{i}": i < 6 for i in range(30)}
    assert "questions differ" not in mcnemar(a, b).sentence


def test_no_difference_is_stated_with_the_sample_size_and_the_difference_it_could_have_missed():
    a = {f"q{i}": i < 10 for i in range(40)}
    b = {f"q{i}": i < 12 for i in range(40)}
    test = mcnemar(a, b)
    assert test.detectable == pytest.approx(detectable_difference(11 / 40, 40))
    assert "not distinguishable at n = 40" in test.sentence
    assert f"a difference under about {test.detectable:.0%} would likely go unseen" in test.sentence
    assert "as good as" not in test.sentence


def test_with_few_differing_questions_the_exact_test_decides_and_the_sentence_says_why():
    # 5 of 18 questions right for b only: the bootstrap interval leaves out 0, the exact sign-flip p is 2/32 = 0.06
    a = {f"q{i}": [0, 0, 0] for i in range(18)}
    b = {f"q{i}": [1, 1, 1] if i < 5 else [0, 0, 0] for i in range(18)}
    test = clustered(a, b)
    assert test.low > 0 and not test.distinguishable
    assert "trust the test" in test.sentence


def test_the_bound_from_counts_is_the_largest_p_any_pairing_allows():
    # 27 vs 7 right of 175: disjoint answers (34 differ, 27 vs 7) give 2 * P(X <= 7), X ~ Bin(34, 1/2) = 0.00082;
    # nested answers (20 differ, all one way) give 2 / 2**20. The bound is the larger.
    assert paired.mcnemar_bound(7, 27, 175) == pytest.approx(0.000821, abs=1e-6)
    assert paired.mcnemar_bound(0, 5, 18) == pytest.approx(2 / 32)          # the only pairing: 5 differ
    with pytest.raises(ValueError, match="between 0 and n"):
        paired.mcnemar_bound(3, 30, 20)
