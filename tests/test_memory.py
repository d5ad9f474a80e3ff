"""Specification of course_lib.finetuning.memory: the memory arithmetic of a training step, and the measured peak."""
import pytest
import torch

from course_lib.finetuning.memory import memory_budget, optimizer_state_values


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


# The measuring tests run in a fresh Python process each: late in a long test run this process already holds
# GBs of freed-but-resident pages, which a new allocation reuses without the resident size rising, so a peak
# measured here would depend on what earlier tests left behind.
_CHILD_PRELUDE = """
import json, time

from course_lib.finetuning.memory import PeakMemory, release


def touch(mb):
    # A block of mb MB with every page written, so it is resident (not just reserved).
    block = bytearray(mb * 2**20)
    block[::4096] = b"x" * len(block[::4096])
    return block

"""


def _in_fresh_process(code: str, tmp_path) -> dict:
    """Run ``code`` (after the prelude above) in a new interpreter and return the JSON object it prints last."""
    import json
    import subprocess
    import sys
    import textwrap

    done = subprocess.run([sys.executable, "-c", _CHILD_PRELUDE + textwrap.dedent(code)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_peak_memory_sees_an_allocation_freed_before_the_block_ends(tmp_path):
    memory = _in_fresh_process("""
        with PeakMemory(interval=0.005) as memory:
            block = touch(200)
            time.sleep(0.2)      # where the kernel keeps no peak, the sampling thread needs a few intervals
            del block
        print(json.dumps({"start": memory.start_mb, "peak": memory.peak_mb}))
    """, tmp_path)
    assert memory["peak"] - memory["start"] > 150, memory


def test_a_nested_block_keeps_the_outer_blocks_peak(tmp_path):
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the kernel's peak record (VmHWM) is Linux's")
    measured = _in_fresh_process("""
        with PeakMemory() as outer:
            del_me = touch(300)
            del del_me
            with PeakMemory() as inner:
                small = touch(10)
                del small
        print(json.dumps({"exact": [outer.exact, inner.exact], "outer": [outer.start_mb, outer.peak_mb],
                          "inner": [inner.start_mb, inner.peak_mb]}))
    """, tmp_path)
    assert measured["exact"] == [True, True]
    (outer_start, outer_peak), (inner_start, inner_peak) = measured["outer"], measured["inner"]
    assert outer_peak - outer_start > 250, measured
    assert inner_peak - inner_start < 100, measured


def test_release_hands_freed_small_blocks_back_to_the_system(tmp_path):
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("malloc_trim is glibc's")
    # 100,000 blocks of 2 KB (200 MB) with every tenth kept: the freed ones sit between live ones,
    # where freeing alone does not return them (only the top of the heap is trimmed on free).
    measured = _in_fresh_process("""
        import psutil

        blocks = [bytearray(2048) for _ in range(100_000)]
        kept = blocks[9::10]
        del blocks
        before = psutil.Process().memory_info().rss / 2**20
        after = release()
        print(json.dumps({"before": before, "after": after, "kept": len(kept)}))
    """, tmp_path)
    assert measured["before"] - measured["after"] > 100, measured
