"""Specification of course_lib.finetuning.memory: the memory arithmetic of a training step, and the measured peak."""
import pytest
import torch

from course_lib.finetuning.memory import PeakMemory, memory_budget, optimizer_state_values


def test_optimizer_state_is_two_values_per_weight_for_adamw_a_row_and_column_for_adafactor():
    assert optimizer_state_values((576, 1536), "adamw") == 2 * 576 * 1536
    assert optimizer_state_values((576, 1536), "adafactor") == 576 + 1536
    assert optimizer_state_values((576,), "adafactor") == 576
    assert optimizer_state_values((576, 1536), "sgd") == 0
    with pytest.raises(ValueError, match="one of"):
        optimizer_state_values((3,), "adam")


def test_memory_budget_gives_gradients_and_state_to_trainable_weights_only():
    layer = torch.nn.Linear(3, 2)                       # 6 weights + 2 biases = 8 values of 4 bytes
    assert memory_budget(layer, "adamw") == {"weights": 32, "gradients": 32, "optimizer_state": 64}
    layer.bias.requires_grad = False
    assert memory_budget(layer, "adamw") == {"weights": 32, "gradients": 24, "optimizer_state": 48}
    assert memory_budget(layer, "adafactor")["optimizer_state"] == (2 + 3) * 4
    with pytest.raises(ValueError, match="bytes_per_value"):
        memory_budget(layer, "adamw", 0)


def _touch(mb: int) -> bytearray:
    """A block of ``mb`` MB with every page written, so it is resident (not just reserved)."""
    block = bytearray(mb * 2**20)
    block[::4096] = b"x" * len(block[::4096])
    return block


def test_peak_memory_sees_an_allocation_freed_before_the_block_ends():
    import time

    with PeakMemory(interval=0.005) as memory:
        block = _touch(200)
        time.sleep(0.2)      # where the kernel keeps no peak, the sampling thread needs a few intervals
        del block
    assert memory.peak_mb - memory.start_mb > 150, (memory.start_mb, memory.peak_mb)


def test_a_nested_block_keeps_the_outer_blocks_peak():
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the kernel's peak record (VmHWM) is Linux's")
    with PeakMemory() as outer:
        del_me = _touch(300)
        del del_me
        with PeakMemory() as inner:
            small = _touch(10)
            del small
    assert outer.exact and inner.exact
    assert outer.peak_mb - outer.start_mb > 250, (outer.start_mb, outer.peak_mb)
    assert inner.peak_mb - inner.start_mb < 100, (inner.start_mb, inner.peak_mb)


def test_release_hands_freed_small_blocks_back_to_the_system():
    import sys

    from course_lib.finetuning.memory import release

    if not sys.platform.startswith("linux"):
        pytest.skip("malloc_trim is glibc's")
    # 100,000 blocks of 2 KB (200 MB) with every tenth kept: the freed ones sit between live ones,
    # where freeing alone does not return them (only the top of the heap is trimmed on free).
    blocks = [bytearray(2048) for _ in range(100_000)]
    kept = blocks[9::10]
    del blocks
    import psutil
    before = psutil.Process().memory_info().rss / 2**20
    after = release()
    assert before - after > 100, (before, after)
    del kept
