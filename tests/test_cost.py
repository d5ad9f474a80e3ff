"""Specifications of course_lib.choosing.cost, against costs worked out by hand.

The two example systems (numbers chosen for easy arithmetic, not measured):
RAG: 0.5 s/query, 400 prompt tokens, setup 2 s, update 0.2 s;
fine-tuned: 0.3 s/query, 60 prompt tokens, setup 80 s, update 80 s.
"""
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from course_lib.choosing.cost import (  # noqa: E402
    SystemCost,
    api_cost,
    break_even_queries,
    break_even_updates,
    cost_table,
    plot_costs,
    total_seconds,
)

RAG = SystemCost("RAG", seconds_per_query=0.5, prompt_tokens_per_query=400, setup_seconds=2, update_seconds=0.2)
FT = SystemCost("fine-tuned", seconds_per_query=0.3, prompt_tokens_per_query=60, setup_seconds=80,
                update_seconds=80)


def test_total_cost_is_setup_plus_queries_plus_updates():
    # 2 + 100 x 0.5 + 3 x 0.2 = 52.6 ; 80 + 100 x 0.3 + 3 x 80 = 350
    assert total_seconds(RAG, 100, updates=3) == pytest.approx(52.6)
    assert total_seconds(FT, 100, updates=3) == pytest.approx(350.0)


def test_total_cost_is_computed_for_each_entry_of_an_array_of_query_counts():
    totals = total_seconds(RAG, np.array([0, 10, 1000]))
    assert isinstance(totals, np.ndarray)
    assert totals.tolist() == pytest.approx([2.0, 7.0, 502.0])


def test_a_price_per_cpu_hour_turns_seconds_into_money():
    # 380 s at 3.60 per hour (0.001 per second) = 0.38
    assert total_seconds(FT, 1000, price_per_cpu_hour=3.6) == pytest.approx(0.38)


def test_fine_tuning_pays_back_its_training_after_390_queries():
    # (80 - 2) / (0.5 - 0.3) = 390
    assert break_even_queries(FT, RAG) == pytest.approx(390.0)


def test_at_the_break_even_point_both_systems_cost_the_same_by_hand():
    # at 390 queries: RAG 2 + 195 = 197 ; fine-tuned 80 + 117 = 197
    q = break_even_queries(FT, RAG)
    assert total_seconds(RAG, q) == pytest.approx(197.0)
    assert total_seconds(FT, q) == pytest.approx(197.0)


def test_each_knowledge_update_pushes_the_break_even_point_later():
    # one update: (80 + 80 - 2 - 0.2) / 0.2 = 789 ; two: (240 - 2.4) / 0.2 = 1188
    assert break_even_queries(FT, RAG, updates=1) == pytest.approx(789.0)
    assert break_even_queries(FT, RAG, updates=2) == pytest.approx(1188.0)


def test_break_even_is_none_when_a_costs_more_per_query_and_to_set_up():
    dearer = SystemCost("dearer", seconds_per_query=0.6, prompt_tokens_per_query=0, setup_seconds=5,
                        update_seconds=0)
    assert break_even_queries(dearer, RAG) is None
    assert break_even_queries(RAG, FT) is None  # RAG is cheaper at first, but loses after 390 queries


def test_break_even_is_zero_when_a_is_never_dearer():
    cheaper = SystemCost("cheaper", seconds_per_query=0.4, prompt_tokens_per_query=0, setup_seconds=1,
                         update_seconds=0)
    assert break_even_queries(cheaper, RAG) == 0.0


def test_with_equal_per_query_cost_only_the_setup_decides():
    same_speed_cheap = SystemCost("same, cheap setup", 0.5, 0, setup_seconds=1, update_seconds=0)
    same_speed_dear = SystemCost("same, dear setup", 0.5, 0, setup_seconds=3, update_seconds=0)
    assert break_even_queries(same_speed_cheap, RAG) == 0.0
    assert break_even_queries(same_speed_dear, RAG) is None
    assert break_even_queries(RAG, RAG) == 0.0  # a tie is "never dearer"


def test_retrieval_wins_after_about_one_and_a_half_updates_at_1000_queries():
    # at 1000 queries: fine-tuned 380 + 80u, RAG 502 + 0.2u -> equal at u = 122 / 79.8
    u = break_even_updates(FT, RAG, queries=1000)
    assert u == pytest.approx(122 / 79.8)
    assert total_seconds(RAG, 1000, updates=u) == pytest.approx(total_seconds(FT, 1000, updates=u))


def test_more_traffic_needs_more_updates_before_retrieval_wins():
    # at 10,000 queries: fine-tuned 3080 + 80u, RAG 5002 + 0.2u -> u = 1922 / 79.8 ~ 24.1
    assert break_even_updates(FT, RAG, queries=10_000) == pytest.approx(1922 / 79.8)


def test_retrieval_needs_no_updates_to_win_when_traffic_is_low():
    # at 100 queries RAG costs 52 and fine-tuned 110 already
    assert break_even_updates(FT, RAG, queries=100) == 0.0


def test_no_number_of_updates_helps_a_system_whose_updates_cost_more():
    assert break_even_updates(RAG, FT, queries=1000) is None


@pytest.mark.parametrize("field", ["seconds_per_query", "prompt_tokens_per_query", "setup_seconds",
                                   "update_seconds"])
@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_a_negative_or_nan_measurement_is_refused_naming_the_field(field, bad):
    values = dict(seconds_per_query=0.5, prompt_tokens_per_query=400, setup_seconds=2, update_seconds=0.2)
    values[field] = bad
    with pytest.raises(ValueError, match=f"{field} must be a finite number >= 0.*pass the"):
        SystemCost("RAG", **values)


def test_a_measurement_that_is_not_a_number_is_refused():
    with pytest.raises(TypeError, match="setup_seconds must be a number"):
        SystemCost("RAG", 0.5, 400, "2", 0.2)
    with pytest.raises(TypeError, match="seconds_per_query must be a number"):
        SystemCost("RAG", True, 400, 2, 0.2)


def test_a_system_needs_a_name():
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        SystemCost(" ", 0.5, 400, 2, 0.2)


def test_bad_query_counts_and_updates_are_refused_with_what_to_pass():
    with pytest.raises(ValueError, match="queries is empty"):
        total_seconds(RAG, [])
    with pytest.raises(ValueError, match="queries is empty"):
        cost_table([RAG, FT], [])
    with pytest.raises(ValueError, match="queries must be finite counts >= 0"):
        total_seconds(RAG, [10, -1])
    with pytest.raises(ValueError, match="queries must be finite counts >= 0"):
        total_seconds(RAG, math.nan)
    with pytest.raises(ValueError, match="updates must be a finite number >= 0"):
        break_even_queries(FT, RAG, updates=-2)
    with pytest.raises(ValueError, match="price_per_cpu_hour must be a finite number >= 0"):
        total_seconds(RAG, 10, price_per_cpu_hour=math.nan)
    with pytest.raises(ValueError, match="one number here"):
        break_even_updates(FT, RAG, queries=[100, 1000])


def test_cost_table_gives_one_row_per_system_with_totals_at_each_query_count():
    rows = cost_table([RAG, FT], [100, 1000], updates=1)
    assert [r["system"] for r in rows] == ["RAG", "fine-tuned"]
    # RAG: 2 + 50 + 0.2 = 52.2 and 2 + 500 + 0.2 = 502.2 ; fine-tuned: 80 + 30 + 80 = 190, 80 + 300 + 80 = 460
    assert rows[0]["total @ 100 queries (CPU-s)"] == pytest.approx(52.2)
    assert rows[0]["total @ 1,000 queries (CPU-s)"] == pytest.approx(502.2)
    assert rows[1]["total @ 100 queries (CPU-s)"] == pytest.approx(190.0)
    assert rows[1]["total @ 1,000 queries (CPU-s)"] == pytest.approx(460.0)
    assert rows[1]["prompt tokens/query"] == 60


def test_cost_table_labels_money_columns_when_priced():
    rows = cost_table([FT], [1000], price_per_cpu_hour=3.6)
    assert rows[0]["total @ 1,000 queries (cost)"] == pytest.approx(0.38)


def test_plot_draws_one_line_per_system_and_marks_the_break_even_point():
    fig, ax = plt.subplots()
    try:
        crossings = plot_costs(ax, [RAG, FT], max_queries=1000)
        labelled = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert [line.get_label() for line in labelled] == ["RAG", "fine-tuned"]
        assert len(crossings) == 1
        cheap, dear, q = crossings[0]
        assert (cheap, dear) == ("fine-tuned", "RAG") and q == pytest.approx(390.0)
        markers = [line for line in ax.get_lines() if line.get_label().startswith("_")]
        assert len(markers) == 1 and markers[0].get_xydata()[0] == pytest.approx([390.0, 197.0])
        assert "queries" in ax.get_xlabel() and "CPU-seconds" in ax.get_ylabel()
    finally:
        plt.close(fig)


def test_plot_marks_nothing_when_the_lines_cross_beyond_the_range():
    fig, ax = plt.subplots()
    try:
        assert plot_costs(ax, [RAG, FT], max_queries=300) == []
        assert len(ax.get_lines()) == 2
    finally:
        plt.close(fig)


def test_plot_refuses_an_empty_list_of_systems():
    fig, ax = plt.subplots()
    try:
        with pytest.raises(ValueError, match="no systems given"):
            plot_costs(ax, [], max_queries=100)
    finally:
        plt.close(fig)


def test_api_cost_bills_prompt_tokens_per_thousand():
    # 1000 queries x 400 tokens = 400k tokens at 0.5 per 1k = 200 ; fine-tuned 60k tokens -> 30
    assert api_cost(RAG, 1000, price_per_1k_input_tokens=0.5) == pytest.approx(200.0)
    assert api_cost(FT, [0, 1000], price_per_1k_input_tokens=0.5).tolist() == pytest.approx([0.0, 30.0])
