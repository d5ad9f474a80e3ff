"""Specification of course_lib.stats: rates with counts, Wilson intervals and exact comparisons.

References are independent of scipy: the Wilson formula written out by hand, the published
values of Newcombe (1998, Statistics in Medicine 17:857-872, table I, method 3) and Fisher's
tea-tasting table, whose p-value is a ratio of binomial coefficients.
"""
import math

import matplotlib
import pytest

matplotlib.use("Agg")

from course_lib.stats import Comparison, compare, plot_rates, proportion, proportion_of, tally  # noqa: E402

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal


def wilson_by_hand(k, n, z=Z95):
    """Wilson (1927) score interval: centre (k + z²/2)/(n + z²), half-width z/(n + z²)·sqrt(k(n-k)/n + z²/4)."""
    centre = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(1, 8), (0, 8), (8, 8), (2, 3), (30, 250), (57, 100)])
def test_the_interval_is_the_wilson_score_interval(k, n):
    low, high = wilson_by_hand(k, n)
    p = proportion(k, n)
    assert p.low == pytest.approx(max(low, 0.0), abs=1e-9)
    assert p.high == pytest.approx(min(high, 1.0), abs=1e-9)


@pytest.mark.parametrize(
    "k, n, low, high",
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_the_interval_matches_newcombes_published_examples(k, n, low, high):
    p = proportion(k, n)
    assert (round(p.low, 4), round(p.high, 4)) == (low, high)


def test_a_proportion_keeps_its_count_and_sample_size():
    p = proportion(1, 8)
    assert (p.k, p.n, p.rate) == (1, 8, 0.125)
    assert p.low < p.rate < p.high


def test_a_proportion_prints_as_k_of_n_with_its_interval():
    # 1/8: Wilson 0.0224-0.4709, so 2% to 47%
    assert str(proportion(1, 8)) == "1/8 = 12% (95% CI 2–47%)"
    # 0/8: upper end z²/(n+z²) = 3.8415/11.8415 = 0.3244
    assert str(proportion(0, 8)) == "0/8 = 0% (95% CI 0–32%)"


def test_zero_and_all_successes_reach_the_ends_of_the_scale_exactly():
    assert proportion(0, 5).low == 0.0
    assert proportion(5, 5).high == 1.0


def test_a_wider_confidence_level_gives_a_wider_interval():
    narrow, wide = proportion(3, 10, confidence=0.80), proportion(3, 10, confidence=0.99)
    assert wide.low < narrow.low and wide.high > narrow.high
    assert "99% CI" in str(wide)


def test_proportions_are_immutable():
    with pytest.raises(AttributeError, match="cannot assign to field 'k'"):  # dataclasses.FrozenInstanceError
        proportion(1, 2).k = 2


@pytest.mark.parametrize(
    "k, n, error, message",
    [
        (0, 0, ValueError, "n must be at least 1"),
        (3, 2, ValueError, "between 0 and n"),
        (-1, 5, ValueError, "between 0 and n"),
        (1, -5, ValueError, "n must be at least 1"),
        (0.5, 8, TypeError, "whole number"),
        (1, 8.0, TypeError, "whole number"),
        (True, 8, TypeError, "whole number"),
    ],
)
def test_bad_counts_raise_a_clear_error(k, n, error, message):
    with pytest.raises(error, match=message):
        proportion(k, n)


def test_a_confidence_outside_zero_and_one_is_refused():
    with pytest.raises(ValueError, match="confidence"):
        proportion(1, 8, confidence=95)


def test_numpy_integers_count_as_counts():
    np = pytest.importorskip("numpy")
    assert proportion(np.int64(2), np.int64(4)).rate == 0.5


def test_proportion_of_counts_the_true_flags():
    p = proportion_of([True, False, True, False, False])
    assert (p.k, p.n) == (2, 5)
    with pytest.raises(ValueError, match="no values"):
        proportion_of([])


def test_tally_counts_every_verdict_against_the_same_total():
    shares = tally(["invented", "invented", "correct"])
    assert {v: (p.k, p.n) for v, p in shares.items()} == {"invented": (2, 3), "correct": (1, 3)}
    assert list(shares) == ["invented", "correct"]  # order of first occurrence


def test_tally_reports_categories_that_never_occurred_as_zero():
    shares = tally(["invented"] * 4, categories=["correct", "admits_unknown", "invented"])
    assert list(shares) == ["correct", "admits_unknown", "invented"]
    assert (shares["correct"].k, shares["correct"].n) == (0, 4)


def test_tally_refuses_verdicts_outside_the_categories_and_empty_input():
    with pytest.raises(ValueError, match="not among the categories"):
        tally(["corect"], categories=["correct", "invented"])
    with pytest.raises(ValueError, match="no verdicts"):
        tally([])


def test_one_in_eight_against_none_in_eight_is_noise():
    # Hypergeometric with one success in 16: both possible tables have probability 1/2, so p = 1.
    result = compare(proportion(1, 8), proportion(0, 8))
    assert isinstance(result, Comparison)
    assert result.p_value == pytest.approx(1.0)
    assert not result.distinguishable
    assert result.difference == pytest.approx(0.125)
    assert str(result) == "1/8 vs 0/8: not distinguishable from noise (p = 1.00)"


def test_fishers_tea_tasting_table_gives_the_textbook_p_value():
    # 3 of 4 vs 1 of 4: tables with 0,1,3,4 successes in row one have probability 1,16,16,1 out of C(8,4)=70.
    result = compare(proportion(3, 4), proportion(1, 4))
    assert result.p_value == pytest.approx(34 / math.comb(8, 4))
    assert not result.distinguishable


def test_a_large_difference_on_enough_answers_is_distinguishable():
    result = compare(proportion(30, 40), proportion(10, 40))
    assert result.distinguishable and result.p_value < 0.001
    assert result.sentence.startswith("30/40 is 50 percentage points higher than 10/40")
    assert compare(proportion(10, 40), proportion(30, 40)).sentence.startswith("10/40 is 50 percentage points lower than 30/40")


def test_compare_needs_proportions():
    with pytest.raises(TypeError, match="proportion\\(k, n\\)"):
        compare(0.125, proportion(0, 8))


def test_plot_rates_draws_bars_with_intervals_and_counts():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    rates = {"plain": proportion(1, 8), "told": proportion(0, 8)}
    plot_rates(ax, rates, title="violations")
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [0.125, 0.0]
    assert [t.get_text() for t in ax.texts] == ["1/8", "0/8"]
    assert ax.get_ylim() == (0.0, 1.0)
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    # one error-bar line collection whose segments run from the Wilson low to high end
    segments = ax.collections[0].get_segments()
    assert [tuple(round(y, 4) for y in (s[0][1], s[1][1])) for s in segments] == [
        tuple(round(v, 4) for v in wilson_by_hand(1, 8)), (0.0, round(wilson_by_hand(0, 8)[1], 4))]
    plt.close(fig)


def test_plot_rates_refuses_plain_floats_and_empty_input():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    with pytest.raises(TypeError, match="Proportion"):
        plot_rates(ax, {"plain": 0.125})
    with pytest.raises(ValueError, match="at least one"):
        plot_rates(ax, {})
    plt.close(fig)
