"""Memory of a training step: the arithmetic from parameter shapes, and the peak measured.

A training step holds the weights, a gradient per trainable weight, the optimiser's state
and the activations of the forward pass. :func:`memory_budget` computes the first three
from the shapes (so it works on a model built on the ``meta`` device, even a 7B one);
:class:`PeakMemory` measures what a block of code really used, activations included.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Sequence

# Bytes of one stored value in float32, the dtype this course trains in on a CPU.
FLOAT32 = 4
OPTIMIZERS = ("adamw", "adafactor", "sgd")


def optimizer_state_values(shape: Sequence[int], optimizer: str) -> int:
    """Number of values the optimiser keeps for one parameter tensor of ``shape``.

    AdamW keeps two (a running mean and a running square) per weight. Adafactor (no
    momentum) keeps only a row and a column average for a matrix, a full square for a
    vector. Plain SGD keeps nothing.

    >>> optimizer_state_values((576, 1536), "adamw"), optimizer_state_values((576, 1536), "adafactor")
    (1769472, 2112)
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}.")
    n = 1
    for size in shape:
        n *= int(size)
    if optimizer == "adamw":
        return 2 * n
    if optimizer == "sgd":
        return 0
    return int(shape[0]) + int(shape[1]) if len(shape) == 2 else n


def memory_budget(model: Any, optimizer: str = "adamw", bytes_per_value: int = FLOAT32) -> dict[str, int]:
    """Bytes for the weights, gradients and optimiser state of a training step, from the parameter shapes.

    Counts each tensor once (tied weights are shared) and only trainable tensors get a
    gradient and optimiser state. Activations are not in it: they grow with batch size
    times sequence length, so lesson 05 measures them. Works on a model built on the
    ``meta`` device, so a 7B model's arithmetic needs no memory.

    >>> import torch
    >>> budget = memory_budget(torch.nn.Linear(3, 2), "adamw")
    >>> budget
    {'weights': 32, 'gradients': 32, 'optimizer_state': 64}
    """
    if bytes_per_value < 1:
        raise ValueError(f"bytes_per_value must be positive (4 for float32, 2 for bfloat16), got {bytes_per_value!r}.")
    weights = gradients = state = 0
    for p in model.parameters():  # parameters() yields a tied tensor once
        weights += p.numel()
        if p.requires_grad:
            gradients += p.numel()
            state += optimizer_state_values(tuple(p.shape), optimizer)
    return {"weights": weights * bytes_per_value, "gradients": gradients * bytes_per_value,
            "optimizer_state": state * bytes_per_value}


def _kernel_peak_mb() -> float | None:
    """The kernel's record of this process's peak resident memory (Linux ``VmHWM``), or None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _reset_kernel_peak() -> bool:
    """Set the kernel's peak record to the current resident size; False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # "5" resets VmHWM only (Linux 4.0+)
    except OSError:
        return False
    return _kernel_peak_mb() is not None


class PeakMemory:
    """Context manager measuring this process's resident memory (RSS): at the start and its peak inside.

    On Linux the kernel keeps the peak itself: it is reset on entry and read on exit, so even
    a spike of a millisecond counts. Elsewhere a background thread samples RSS every
    ``interval`` seconds and can miss short spikes. Blocks may be nested: an inner block's
    reset first hands the peak so far to the blocks around it.

    >>> with PeakMemory() as memory:
    ...     block = bytearray(50 * 2**20)
    >>> memory.peak_mb >= memory.start_mb
    True
    """

    _open: list["PeakMemory"] = []   # blocks entered and not yet left, outermost first

    def __init__(self, interval: float = 0.02):
        import psutil

        self._process = psutil.Process()
        self.interval = interval
        self.start_mb = self.peak_mb = 0.0
        self.exact = False

    def _rss(self) -> float:
        return self._process.memory_info().rss / 2**20

    def _watch(self) -> None:
        while not self._done.wait(self.interval):
            self.peak_mb = max(self.peak_mb, self._rss())

    def _hand_out(self, peak: float | None) -> None:
        for outer in PeakMemory._open:
            if outer is not self and peak is not None:
                outer.peak_mb = max(outer.peak_mb, peak)

    def __enter__(self) -> "PeakMemory":
        self._hand_out(_kernel_peak_mb())   # the reset below would erase the outer blocks' peak
        self.exact = _reset_kernel_peak()
        self.start_mb = self.peak_mb = self._rss()
        PeakMemory._open.append(self)
        self._done = threading.Event()
        self._thread = None
        if not self.exact:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_mb = max(self.peak_mb, self._rss(), (_kernel_peak_mb() or 0.0) if self.exact else 0.0)
        if self in PeakMemory._open:
            PeakMemory._open.remove(self)
        self._hand_out(self.peak_mb)


def release() -> float:
    """Collect garbage and hand freed memory back to the operating system; return the resident MB after.

    Deleting a tensor returns its memory to the C allocator, which on Linux (glibc) keeps
    many small freed blocks for reuse, so the process still *looks* as large. Asking it to
    trim (``malloc_trim``) gives them back; elsewhere only the garbage collection runs.

    >>> release() > 0
    True
    """
    import ctypes
    import gc
    import sys

    import psutil

    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to trim
            pass
    return psutil.Process().memory_info().rss / 2**20
