"""Fine-tuning, first and minimal: add a LoRA adapter and train it for a few steps.

Lesson 03 uses this for a one-minute demonstration; lesson 06 adds what LoRA changes
in practice: the adapter's size on disk (:func:`adapter_bytes`) and the speed of answers
with the adapter unmerged or merged (:func:`generation_speed`). Training examples are chats
turned into ``input_ids`` / ``labels`` by :func:`course_lib.tokens.build_training_example`,
so the loss is computed on the assistant's answers only.
"""
from __future__ import annotations

import random
import warnings
from typing import Any, Mapping, Sequence

import torch

from course_lib.models import chat, llm_path
from course_lib.tokens import build_training_example, pad_batch

DEFAULT_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")


def add_lora(
    model: Any,
    r: int = 16,
    alpha: int = 32,
    dropout: float = 0.0,
    target_modules: Sequence[str] = DEFAULT_TARGETS,
):
    """Wrap ``model`` with a fresh LoRA adapter (peft) and return the ``PeftModel``.

    Only the adapter's low-rank matrices train; the original weights are frozen.
    The adapter starts as an exact no-op (peft initialises its second matrix to
    zero), so the wrapped model answers exactly like the base until it is trained.
    Note that peft modifies ``model`` in place: load a fresh copy to keep a base.

    >>> import copy                                  # model = models.load_llm()[0]
    >>> lora = add_lora(copy.deepcopy(model), r=16)  # a copy, because peft changes the model in place
    >>> trainable_parameters(lora)
    (1843200, 136358208)
    """
    from peft import LoraConfig, get_peft_model

    if not isinstance(r, int) or r < 1:
        raise ValueError(f"r (the adapter rank) must be a positive integer, got {r!r}; 8-64 is usual.")
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha!r}; 2*r is a common choice.")
    if isinstance(target_modules, str) or not target_modules:
        raise ValueError(f"target_modules must be a non-empty list of layer names, got {target_modules!r}, "
                         f"e.g. {DEFAULT_TARGETS}.")
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    absent = [t for t in target_modules if t not in names]
    if absent:
        raise ValueError(f"the model has no layer called {absent}; its linear layers include "
                         f"{sorted(n for n in names if n.endswith('proj'))}.")
    config = LoraConfig(r=r, lora_alpha=alpha, lora_dropout=dropout,
                        target_modules=list(target_modules), task_type="CAUSAL_LM")
    with warnings.catch_warnings():
        # peft calls a transformers method that transformers 5 marks deprecated; not ours to fix.
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(model, config)


def add_prompt_tuning(model: Any, virtual_tokens: int, init_text: str) -> Any:
    """Wrap ``model`` for prompt tuning (peft): ``virtual_tokens`` trainable embeddings put before every input.

    The model's own weights stay frozen; only the virtual tokens' embeddings train. They
    start as the embeddings of ``init_text``'s tokens (repeated or cut to fit), so the
    untrained model behaves like one prompted with that text. Each virtual token takes a
    position of the context window and is processed with every prompt.

    >>> tuned = add_prompt_tuning(copy.deepcopy(model), 32, "Answer in bullets.")   # doctest: +SKIP
    >>> trainable_parameters(tuned)[0]                                               # doctest: +SKIP
    18432
    """
    from peft import PromptTuningConfig, PromptTuningInit, get_peft_model

    if not isinstance(virtual_tokens, int) or virtual_tokens < 1:
        raise ValueError(f"virtual_tokens must be a positive whole number, got {virtual_tokens!r}; 8-100 is usual.")
    if not init_text or not init_text.strip():
        raise ValueError("init_text must be a non-empty text: its token embeddings start the virtual tokens.")
    config = PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=virtual_tokens,
                                prompt_tuning_init=PromptTuningInit.TEXT, prompt_tuning_init_text=init_text,
                                tokenizer_name_or_path=llm_path())
    # peft drops the position ids generate() passes and lets the model number the positions itself, which is
    # right here; it warns on every forward pass, so the warning is silenced for this one message.
    warnings.filterwarnings("ignore", message="Position ids are not supported for parameter efficient tuning")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(model, config)


def trainable_parameters(model: Any) -> tuple[int, int]:
    """Return ``(trainable, total)`` parameter counts of ``model``.

    >>> trainable_parameters(torch.nn.Linear(3, 2))
    (8, 8)
    """
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total


def train_steps(
    model: Any,
    tokenizer: Any,
    examples: Sequence[Sequence[Mapping[str, str]]],
    steps: int,
    lr: float = 1e-3,
    *,
    batch_size: int = 4,
    max_length: int = 256,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Train ``model`` for ``steps`` optimiser steps on chat ``examples``; return each step's loss.

    Each example is a list of messages ending in the assistant answer to learn.
    Batches are drawn in a seeded shuffled order (re-shuffled each pass), with
    AdamW over the parameters that require gradients (the adapter, after
    :func:`add_lora`). The model is left in eval mode, ready for ``chat()``.

    >>> losses = train_steps(lora, tokenizer, chats, steps=30, lr=1e-3)    # doctest: +SKIP
    >>> losses[-1] < losses[0]                                               # doctest: +SKIP
    True
    """
    from tqdm.auto import tqdm

    if isinstance(examples, (str, Mapping)) or len(examples) == 0:
        raise ValueError("train_steps() needs a non-empty list of chats (each a list of messages).")
    if isinstance(examples[0], Mapping):
        raise ValueError("examples looks like a single chat (a list of messages): wrap it as [chat].")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size!r}.")
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr!r}; 1e-4 to 2e-3 is usual for LoRA.")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters: call add_lora(model) first.")
    encoded = [build_training_example(tokenizer, chat, max_length) for chat in examples]
    torch.manual_seed(seed)
    order_rng = random.Random(seed)
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    device = next(model.parameters()).device
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    order: list[int] = []
    losses: list[float] = []
    model.train()
    try:
        for _ in tqdm(range(steps), desc="training", disable=not progress):
            while len(order) < batch_size:
                fresh = list(range(len(encoded)))
                order_rng.shuffle(fresh)
                order += fresh
            picked, order = order[:batch_size], order[batch_size:]
            batch = {k: v.to(device) for k, v in pad_batch([encoded[i] for i in picked], pad_id).items()}
            loss = model(**batch).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad(set_to_none=True)
            losses.append(float(loss.detach()))
    finally:
        model.eval()
    return losses


def adapter_bytes(model: Any) -> int:
    """Bytes on disk of the adapter of a peft ``model``, as ``save_pretrained`` writes it.

    Only the adapter's weights and its small config are written, not the base model: the
    point of LoRA when one base model serves several people or tasks.

    >>> adapter_bytes(add_lora(copy.deepcopy(model), r=16)) / 1e6     # doctest: +SKIP
    7.4
    """
    import os
    import tempfile

    if not hasattr(model, "peft_config"):
        raise ValueError("adapter_bytes() needs a peft model (from add_lora or PeftModel.from_pretrained).")
    with tempfile.TemporaryDirectory() as folder:
        model.save_pretrained(folder)
        return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(folder) for f in files)


def generation_speed(model: Any, tokenizer: Any, prompts: Sequence[Any], *, batch_size: int = 1,
                     max_new_tokens: int = 48, repeats: int = 3) -> dict[str, float]:
    """Time greedy answers to ``prompts``: seconds per answer and new tokens per second.

    The best of ``repeats`` runs is kept, because other work on a shared CPU can only
    slow a run down, never speed it up. Answers may differ in length, so compare models
    by tokens per second.

    >>> generation_speed(model, tokenizer, ["Suggest a snack."], max_new_tokens=8)["answers"]  # doctest: +SKIP
    1
    """
    import time

    if not prompts:
        raise ValueError("generation_speed() needs at least one prompt.")
    if repeats < 1 or batch_size < 1:
        raise ValueError("repeats and batch_size must be at least 1.")
    best: dict[str, float] | None = None
    for _ in range(repeats):
        began = time.perf_counter()
        out = chat(model, tokenizer, list(prompts), max_new_tokens=max_new_tokens, batch_size=batch_size,
                   progress=False)
        seconds = time.perf_counter() - began
        tokens = sum(g.new_tokens for g in out)
        run = {"answers": len(out), "tokens": tokens, "seconds": seconds,
               "seconds_per_answer": seconds / len(out), "tokens_per_second": tokens / seconds}
        if best is None or run["tokens_per_second"] > best["tokens_per_second"]:
            best = run
    return best
