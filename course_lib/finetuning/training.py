"""Training runs for lesson 05: what to freeze, a Trainer run measured, and its effect scored.

Lesson 03's :func:`course_lib.finetuning.lora.train_steps` is the minimal loop; this module is the
real run. It freezes layers (:func:`freeze_all_but`), trains with the transformers ``Trainer``
(:func:`train_with_trainer`) keeping the checkpoint with the lowest validation loss. The answers are
scored for preference adherence and format by ``course_lib.evaluation.style.adherence_and_format``.
"""
from __future__ import annotations

import gc
import importlib.util
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

import torch

from course_lib.finetuning.memory import OPTIMIZERS, PeakMemory
from course_lib.tokens import pad_batch


def freeze_all_but(model: Any, last_layers: int, *, train_embeddings: bool = False) -> tuple[int, int]:
    """Freeze the model except its last ``last_layers`` decoder layers and final norm; return (trainable, total).

    ``last_layers`` equal to the layer count trains every layer. The token embeddings (and the output head) stay frozen unless ``train_embeddings``: in SmolLM2 they are
    *tied* to the output head, so training them changes both ends of the model, and
    they are a fifth of its parameters (their gradient and optimiser state are memory).

    >>> from transformers import LlamaConfig, LlamaForCausalLM
    >>> config = LlamaConfig(vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=3,
    ...                      num_attention_heads=4, num_key_value_heads=2)
    >>> with torch.device("meta"):                        # shapes only, no memory
    ...     tiny = LlamaForCausalLM(config)
    >>> freeze_all_but(tiny, 2)                           # 2 layers of 9280 + the final norm's 32
    (18592, 34272)
    """
    layers = model.model.layers
    if isinstance(last_layers, bool) or not isinstance(last_layers, int) or not 0 <= last_layers <= len(layers):
        raise ValueError(f"last_layers must be a whole number from 0 to {len(layers)} (the model's layer count), "
                         f"got {last_layers!r}.")
    for p in model.parameters():
        p.requires_grad = False
    trained = list(layers[len(layers) - last_layers:]) + ([model.model.norm] if last_layers else [])
    for module in trained:
        for p in module.parameters():
            p.requires_grad = True
    # With tied weights (SmolLM2) the head *is* the embedding matrix; untied (Llama-7B), it follows it.
    model.model.embed_tokens.weight.requires_grad = train_embeddings
    model.get_output_embeddings().weight.requires_grad = train_embeddings
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return trainable, total


@dataclass
class TrainingRun:
    """What a run did: its settings, the Trainer's log, the best checkpoint, time and memory."""

    settings: dict
    log: list[dict]
    trainable: int
    total: int
    seconds: float
    start_mb: float
    peak_mb: float
    best_step: int | None = None
    best_eval_loss: float | None = None
    extra: dict = field(default_factory=dict)

    def curve(self, key: str) -> tuple[list[int], list[float]]:
        """Steps and values of one logged quantity (``loss``, ``eval_loss``, ``learning_rate``)."""
        rows = [r for r in self.log if key in r]
        return [int(r["step"]) for r in rows], [float(r[key]) for r in rows]

    def to_dict(self) -> dict:
        return asdict(self)


def _collator(pad_token_id: int):
    keys = ("input_ids", "attention_mask", "labels")
    return lambda features: pad_batch([{k: f[k] for k in keys} for f in features], pad_token_id)


def check_datasets_name() -> None:
    """Fail with advice when the course's ``datasets/`` folder would pass for the Hugging Face ``datasets`` library.

    Python adds the folder it starts in to ``sys.path`` (``python -m ...`` or ``python -c`` in the course
    root). The course's ``datasets/`` folder there becomes an empty namespace package called ``datasets``,
    and ``transformers.Trainer`` takes it for the library and fails deep inside. The Makefile runs Python
    with ``PYTHONSAFEPATH=1`` (as ``python -P``), which leaves the starting folder out of ``sys.path``.

    >>> check_datasets_name()          # the tests run with the course root off sys.path
    """
    spec = importlib.util.find_spec("datasets")
    if spec is not None and spec.origin in (None, "namespace"):
        where = ", ".join(spec.submodule_search_locations or [])
        raise RuntimeError(
            f"`import datasets` finds the course's data folder ({where}), not the Hugging Face library, because "
            "Python was started in the course root. Run the command with `python -P` (or PYTHONSAFEPATH=1), "
            "or use its make target, which does so.")


class KeepBest:
    """A Trainer callback keeping the trainable weights of the evaluation with the lowest loss (after step 0).

    Same choice as ``load_best_model_at_end``, without writing whole-model checkpoints to
    disk: only the parameters that train are copied, in memory.
    """

    def __init__(self, model: Any):
        from transformers import TrainerCallback

        self.model, self.loss, self.step, self.weights = model, None, None, None
        outer = self  # the class is built here so this module imports without transformers

        class _Callback(TrainerCallback):
            def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any) -> None:
                outer.seen(state.global_step, (metrics or {}).get("eval_loss"))

        self.callback = _Callback()

    def seen(self, step: int, loss: float | None) -> None:
        if loss is None or step == 0 or (self.loss is not None and loss >= self.loss):
            return
        self.loss, self.step = float(loss), int(step)
        self.weights = {n: p.detach().clone() for n, p in self.model.named_parameters() if p.requires_grad}

    def restore(self) -> None:
        if self.weights is not None:
            self.model.load_state_dict(self.weights, strict=False)


def _quiet_logs(trainer: Any) -> None:
    """Keep the progress bar but not one printed dict per step: the log is returned and plotted instead."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    class QuietProgress(ProgressCallback):
        def on_log(self, *args: Any, **kwargs: Any) -> None:
            return None

    trainer.remove_callback(PrinterCallback)
    if trainer.args.disable_tqdm is False:
        trainer.remove_callback(ProgressCallback)
        trainer.add_callback(QuietProgress)


def _checkpointing_arguments(enabled: bool) -> dict[str, Any]:
    """TrainingArguments' switch for recomputing activations in the backward pass, under the name this
    transformers knows: recent releases call it ``activation_checkpointing``, older ones (Colab's 5.15
    among them) only ``gradient_checkpointing``.

    >>> sorted(_checkpointing_arguments(False))[0].endswith("_checkpointing")
    True
    """
    from dataclasses import fields

    from transformers import TrainingArguments

    name = "activation" if "activation_checkpointing" in {f.name for f in fields(TrainingArguments)} else "gradient"
    # Non-reentrant checkpointing also works when the embeddings are frozen (no input needs a gradient).
    return {f"{name}_checkpointing": enabled,
            f"{name}_checkpointing_kwargs": {"use_reentrant": False} if enabled else None}


def train_with_trainer(
    model: Any,
    tokenizer: Any,
    train_examples: Sequence[Mapping[str, Any]],
    eval_examples: Sequence[Mapping[str, Any]],
    output_dir: str,
    *,
    epochs: float = 1.0,
    lr: float = 2e-4,
    batch_size: int = 4,
    accumulate: int = 1,
    optimizer: str = "adamw",
    scheduler: str = "cosine",
    warmup: float = 0.1,
    eval_steps: int = 10,
    max_steps: int = -1,
    gradient_checkpointing: bool = False,
    keep_best: bool = True,
    seed: int = 0,
    progress: bool = True,
) -> TrainingRun:
    """Train the model's trainable parameters with ``transformers.Trainer``; keep the best checkpoint.

    Examples come from :func:`course_lib.data.training_set` (label-masked, so the loss
    is on answer tokens only), batched by :func:`course_lib.tokens.pad_batch`; a step
    sums the gradients of ``accumulate`` batches (same step as one batch that large, less memory). The
    learning rate warms up for ``warmup`` (a share of the steps) and then follows
    ``scheduler``; the validation loss is computed at step 0 and every ``eval_steps``,
    and at the end the model holds the weights of the evaluation with the lowest
    validation loss (:class:`KeepBest`, like ``load_best_model_at_end`` without checkpoint
    files; ``keep_best=False`` keeps the last weights and saves that copy's memory). Time and
    peak memory are measured.

    >>> run = train_with_trainer(model, tokenizer, train, validation, "/tmp/run", epochs=2)  # doctest: +SKIP
    >>> run.best_step, run.best_eval_loss                                                   # doctest: +SKIP
    """
    from transformers import Trainer, TrainingArguments

    if not train_examples or not eval_examples:
        raise ValueError("train_with_trainer() needs training and validation examples: "
                         "build them with data.training_set(tokenizer, split).")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}.")
    if lr <= 0 or min(batch_size, accumulate, eval_steps) < 1:
        raise ValueError("lr must be positive, batch_size, accumulate and eval_steps at least 1.")
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if trainable == 0:
        raise ValueError("the model has no trainable parameters: unfreeze some (freeze_all_but) first.")
    settings = {"epochs": epochs, "lr": lr, "batch_size": batch_size, "accumulate": accumulate,
                "optimizer": optimizer, "scheduler": scheduler, "warmup": warmup, "eval_steps": eval_steps, "max_steps": max_steps,
                "gradient_checkpointing": gradient_checkpointing, "seed": seed,
                "train_examples": len(train_examples), "eval_examples": len(eval_examples)}
    args = TrainingArguments(
        output_dir=output_dir, use_cpu=not torch.cuda.is_available(), seed=seed, data_seed=seed,
        num_train_epochs=epochs, max_steps=max_steps, learning_rate=lr, weight_decay=0.0,
        per_device_train_batch_size=batch_size, per_device_eval_batch_size=batch_size,
        gradient_accumulation_steps=accumulate,
        optim={"adamw": "adamw_torch", "adafactor": "adafactor", "sgd": "sgd"}[optimizer],
        lr_scheduler_type=scheduler, warmup_steps=warmup,
        eval_strategy="steps", eval_steps=eval_steps, logging_steps=1,
        # No checkpoint files: each would be the whole model (540 MB for SmolLM2) written to disk and read
        # back by load_best_model_at_end. KeepBest keeps the best trainable weights in memory instead.
        save_strategy="no",
        **_checkpointing_arguments(gradient_checkpointing),
        dataloader_num_workers=0,
        remove_unused_columns=False, report_to="none", disable_tqdm=not progress,
    )
    check_datasets_name()
    trainer = Trainer(model=model, args=args, train_dataset=list(train_examples),
                      eval_dataset=list(eval_examples), data_collator=_collator(tokenizer.pad_token_id))
    _quiet_logs(trainer)
    best = KeepBest(model)
    if keep_best:
        trainer.add_callback(best.callback)
    with PeakMemory() as memory:
        began = time.perf_counter()
        first = trainer.evaluate()  # the validation loss before any step: where the curve starts
        trainer.train()
        seconds = time.perf_counter() - began
    best.restore()
    model.eval()
    if gradient_checkpointing:
        model.gradient_checkpointing_disable()
    log = [{"step": 0, **{k: v for k, v in first.items() if k == "eval_loss"}}] + [dict(r) for r in trainer.state.log_history]
    # Drop the Trainer's references (optimiser state, gradients) now, not whenever the garbage collector runs.
    trainer.accelerator.free_memory()
    del trainer
    gc.collect()
    best_loss, best_step = best.loss, best.step
    return TrainingRun(settings, log, trainable, sum(p.numel() for p in model.parameters()), seconds,
                       memory.start_mb, memory.peak_mb, best_step, best_loss)


def learning_rates(steps: int, lr: float, scheduler: str = "cosine", warmup: float = 0.1) -> list[float]:
    """The learning rate at each of ``steps`` optimiser steps for a warm-up share and a schedule.

    Uses transformers' own scheduler (the one ``Trainer`` builds), on a dummy optimiser.

    >>> [round(x, 2) for x in learning_rates(5, 1.0, "linear", warmup=0.2)]
    [0.0, 1.0, 0.75, 0.5, 0.25]
    """
    from transformers import get_scheduler

    if steps < 1 or lr <= 0:
        raise ValueError("steps must be at least 1 and lr positive.")
    warm = int(warmup * steps + 0.999999) if 0 < warmup < 1 else int(warmup)  # Trainer rounds a share up
    optimiser = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    schedule = get_scheduler(scheduler, optimiser, num_warmup_steps=warm, num_training_steps=steps)
    rates = []
    for _ in range(steps):
        rates.append(schedule.get_last_lr()[0])
        optimiser.step()
        schedule.step()
    return rates
