"""The lesson 08 exercise checks accept the right answers and refuse wrong ones with a hint."""
import pytest

from course_lib.exercises import lesson08


def test_the_cosine_check_accepts_the_hand_worked_value():
    # a = (3, 4, 0), b = (4, 3, 5): a.b = 24, |a| = 5, |b| = sqrt(50), cosine = 24 / (5 sqrt 50) = 0.6788
    assert lesson08.check_cosine(0.6788, [3, 4, 0], [4, 3, 5])
    assert not lesson08.check_cosine(0.70, [3, 4, 0], [4, 3, 5])
    assert not lesson08.check_cosine(..., [3, 4, 0], [4, 3, 5])


def test_the_cosine_check_names_the_dot_product_and_one_length_mistakes():
    dot = lesson08.check_cosine(24, [3, 4, 0], [4, 3, 5])
    assert not dot and "dot product" in dot.hint
    one_length = lesson08.check_cosine(24 / 5, [3, 4, 0], [4, 3, 5])
    assert not one_length and "one length" in one_length.hint


def test_a_flat_index_costs_four_bytes_a_number_plus_an_eight_byte_id_per_vector():
    # 1,000 vectors of 768 numbers: 1000 * (768 * 4 + 8) = 3,080,000 bytes
    assert lesson08.check_flat_memory(3_080_000, 1000, 768)
    no_ids = lesson08.check_flat_memory(3_072_000, 1000, 768)
    assert not no_ids and "id" in no_ids.hint
    one_byte = lesson08.check_flat_memory(768_000, 1000, 768)
    assert not one_byte and "4 bytes" in one_byte.hint
    assert not lesson08.check_flat_memory(..., 1000, 768)


def test_chunks_are_merged_to_their_parent_before_the_first_hit_is_counted():
    ranked = ["guide-07#3", "guide-07#1", "nut-0001#0", "guide-02#5", "guide-02#1"]
    # parents: guide-07, nut-0001, guide-02 -> the gold guide-02 is third
    assert lesson08.first_answered_k(ranked, ["guide-02", "guide-04"]) == 3
    assert lesson08.first_answered_k(ranked, ["menu-w02-mon"]) is None
    assert lesson08.check_first_answered_k(3, ranked, ["guide-02"])
    at_chunk_rank = lesson08.check_first_answered_k(4, ranked, ["guide-02"])
    assert not at_chunk_rank and "merge" in at_chunk_rank.hint
    assert not lesson08.check_first_answered_k(..., ranked, ["guide-02"])


def test_the_first_hit_check_refuses_an_exercise_without_a_gold_parent():
    with pytest.raises(ValueError, match="gold parent"):
        lesson08.check_first_answered_k(1, ["a#0"], ["b"])


def test_probing_every_ivf_cluster_is_exact_search():
    assert lesson08.check_full_probe_prediction(1.0)
    assert lesson08.check_full_probe_prediction(1)
    assert not lesson08.check_full_probe_prediction(0.9)
    assert not lesson08.check_full_probe_prediction(...)
