"""Process settings that must be in place before torch and faiss load; applied by each notebook's first cell.

On macOS the pip wheels of torch and faiss-cpu each bring their own OpenMP runtime. With both in one
process Python can abort with ``OMP: Error #15: Initializing libomp.dylib, but found libomp.dylib
already initialized``, or crash with a segmentation fault when faiss is imported *before* torch or
sentence-transformers (reported with all-MiniLM-L6-v2, the course's embedder). Reports used:

- huggingface/sentence-transformers#2473 and #2291: ``import faiss`` then loading all-MiniLM-L6-v2
  segfaults on macOS; importing sentence-transformers (torch) first works.
- faiss-wheels/faiss-wheels#40 and #100, facebookresearch/faiss#2482: OMP Error #15 with torch and
  faiss-cpu on macOS; ``KMP_DUPLICATE_LIB_OK=TRUE`` lets the process continue, and one OpenMP thread
  (``OMP_NUM_THREADS=1``) avoids the crashes seen with two runtimes competing for threads.

Importing ``course_lib`` changes nothing in the process: every notebook's first cell calls :func:`apply`
(before anything imports faiss), and so may a script. On macOS, and only there, :func:`apply` sets those two variables when the learner has not set them
and imports torch first, so that torch's OpenMP runtime is the one faiss finds. Linux and Windows
are left untouched. The README's Troubleshooting section says what to do if a crash still happens.
"""
from __future__ import annotations

import importlib
import os
import sys
from typing import Callable, MutableMapping

# Why each value: see the module docstring. Set only when unset, so a learner's own choice wins
# (for example OMP_NUM_THREADS=4 for faster training at the risk of the crash above).
MACOS_DEFAULTS = {"KMP_DUPLICATE_LIB_OK": "TRUE", "OMP_NUM_THREADS": "1"}


def apply(
    platform: str | None = None,
    environ: MutableMapping[str, str] | None = None,
    import_module: Callable[[str], object] = importlib.import_module,
) -> dict[str, str]:
    """Make torch and faiss safe to use in one process; return the variables it set.

    Acts only when ``platform`` (default ``sys.platform``) is ``"darwin"``: sets
    :data:`MACOS_DEFAULTS` in ``environ`` (default ``os.environ``) where they are unset, then
    imports torch so it loads its OpenMP runtime before faiss does. Elsewhere it does nothing.

    >>> apply(platform="linux", environ={})
    {}
    >>> env = {"OMP_NUM_THREADS": "4"}
    >>> apply(platform="darwin", environ=env, import_module=lambda name: None)
    {'KMP_DUPLICATE_LIB_OK': 'TRUE'}
    >>> env["OMP_NUM_THREADS"]
    '4'
    """
    platform = sys.platform if platform is None else platform
    if platform != "darwin":
        return {}
    environ = os.environ if environ is None else environ
    changed = {name: value for name, value in MACOS_DEFAULTS.items() if name not in environ}
    environ.update(changed)
    if "faiss" in sys.modules and "torch" not in sys.modules:
        # Too late to choose the order in this process; say how to get it right.
        print("course_lib: faiss was imported before torch; if Python crashes, restart the kernel "
              "and import course_lib (or torch) before faiss.", file=sys.stderr)
    try:
        import_module("torch")
    except ImportError:
        pass  # the doctor reports a missing torch; importing course_lib must still work
    return changed
