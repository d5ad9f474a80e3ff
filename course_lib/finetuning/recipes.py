"""The fine-tuned models the lessons share: each one a named recipe, trained once and reused.

Lesson 05 trains the last layers of the model, lesson 06 LoRA adapters; lessons 07, 09 and
11 compare them. A :class:`Recipe` states everything a run depends on (method, data subset,
hyperparameters, seed), so any lesson can rebuild the same model: :func:`build` loads it from
``artifacts/`` or, when it is missing, trains it through the same function with the same
seed. :func:`answers` does the same for a model's answers to the test prompts, because
generating them is the other slow step on a CPU.
"""
from __future__ import annotations

import hashlib
import json
import random
import tempfile
from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping, Sequence

from course_lib import artifacts, data
from course_lib.finetuning import training
from course_lib.finetuning.knowledge_rows import training_rows
from course_lib.finetuning.lora import add_lora, add_prompt_tuning
from course_lib.finetuning.training import freeze_all_but
from course_lib.models import chat, llm_label, load_llm
from course_lib.stats import nested_sample, stratified_sample

METHODS = ("last_layers", "lora", "prompt")
# Prompt tuning starts its virtual tokens from the embeddings of this text (repeated to fill them).
PROMPT_INIT = ("You help Maya, a lacto-vegetarian with a peanut allergy: no meat, fish or peanuts. "
               "Answer in at most 4 bullets, each food with its protein in grams.")
CORE = 64  # the lesson-05 subset size: every other subset size nests with it (see stats.nested_sample)


@dataclass(frozen=True)
class Recipe:
    """How one fine-tuned model is made: method, data, hyperparameters and seed."""

    method: str
    train_examples: int = CORE
    eval_examples: int = 16
    epochs: float = 2
    lr: float = 3e-4
    batch_size: int = 1
    accumulate: int = 4
    warmup: float = 0.1
    scheduler: str = "cosine"
    eval_steps: int = 8
    last_layers: int = 0
    rank: int = 0
    alpha: int = 0
    targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    virtual_tokens: int = 0
    seed: int = 0
    # What the model learns from (lesson 11): "dialogues" (the person), "facts" (the knowledge base as
    # question-answer pairs, ``paraphrases`` wordings per fact) or "raft" (questions over retrieved context);
    # ``kinds`` are the knowledge-base document kinds the facts come from.
    data: str = "dialogues"
    paraphrases: int = 1
    kinds: tuple[str, ...] = ("menu",)
    documents: tuple[str, ...] = ()   # only knowledge-base records whose id starts with one of these (all if empty)


# Lesson 11 teaches the facts of a slice of the knowledge base: training on all 3453 facts in 5 wordings would
# take hours on a laptop CPU. The slice holds the menus of weeks 2 and 3 (10 menus, 280 facts, 18 questions).
SLICE = ("menu-w02", "menu-w03")
_KNOWLEDGE = dict(rank=16, alpha=32, lr=1e-3, batch_size=8, accumulate=1, epochs=2, eval_steps=35, documents=SLICE)

RECIPES: dict[str, Recipe] = {
    "lesson05-last6": Recipe("last_layers", last_layers=6, lr=3e-4),
    "lesson06-lora16": Recipe("lora", rank=16, alpha=32, lr=1e-3),
    "lesson06-prompt32": Recipe("prompt", virtual_tokens=32, lr=3e-2),
    "lesson11-facts1": Recipe("lora", data="facts", paraphrases=1, train_examples=280, eval_examples=40, **_KNOWLEDGE),
    "lesson11-facts5": Recipe("lora", data="facts", paraphrases=5, train_examples=280, eval_examples=40, **_KNOWLEDGE),
    "lesson11-raft": Recipe("lora", data="raft", train_examples=120, eval_examples=20,
                            **{**_KNOWLEDGE, "batch_size": 4, "eval_steps": 30}),
}
# The reader (lesson 11): RAFT over records, trained on documents no question asks about (reader_data).
_READER = dict(rank=16, alpha=32, lr=1e-3, batch_size=8, accumulate=1, epochs=2, eval_steps=30,
               kinds=("nutrition", "menu"), train_examples=240, eval_examples=24)
RECIPES["lesson11-reader"] = Recipe("lora", data="reader", **_READER)
RECIPES["lesson11-reader-abstain"] = Recipe("lora", data="reader-abstain", **_READER)
DATA = ("dialogues", "facts", "raft", "reader", "reader-abstain")
# Fields added after lessons 05-07 trained their models: stored only when set, so that the settings (and so the
# stored weights and answers) of the earlier recipes stay what they were.
_LATER_FIELDS = {"data": "dialogues", "paraphrases": 1, "kinds": ("menu",), "documents": ()}


def _fields(rec: "Recipe") -> dict:
    return {k: v for k, v in asdict(rec).items() if not (k in _LATER_FIELDS and v == _LATER_FIELDS[k])}


def recipe(name: str, **changes: Any) -> Recipe:
    """The registered recipe ``name``, with ``changes`` to its fields (a new, separately stored model).

    >>> recipe("lesson06-lora16", rank=4).rank
    4
    """
    if name not in RECIPES:
        raise ValueError(f"no recipe called {name!r}; the recipes are {sorted(RECIPES)}.")
    try:
        return replace(RECIPES[name], **changes)
    except TypeError as error:
        raise ValueError(f"{error}; a recipe's fields are {list(asdict(RECIPES[name]))}.") from None


def subsets(tokenizer: Any, rec: Recipe) -> tuple[list[dict], list[dict]]:
    """The recipe's training and validation examples (label-masked, from ``data.training_set``)."""
    if rec.data != "dialogues":
        rows, held_out = training_rows(rec)
        return data.training_set(tokenizer, rows, max_length=1024), data.training_set(tokenizer, held_out, max_length=1024)
    train = nested_sample(data.training_set(tokenizer, "train"), rec.train_examples, rec.seed)
    validation = random.Random(rec.seed).sample(data.training_set(tokenizer, "validation"), rec.eval_examples)
    return train, validation


def settings(rec: Recipe, train: Sequence[Mapping], validation: Sequence[Mapping]) -> dict:
    """Everything the trained weights depend on, as stored beside them: recipe, base model, example ids."""
    return {**_fields(rec), "base": llm_label(), "train_ids": sorted(e["id"] for e in train),
            "eval_ids": sorted(e["id"] for e in validation)}


def stored_settings(rec: Recipe, tokenizer: Any) -> dict:
    """:func:`settings` of ``rec`` with its own subsets: the key its weights and answers are stored under.

    >>> stored_settings(recipe("lesson06-lora16"), tokenizer)["rank"]
    16
    """
    return settings(rec, *subsets(tokenizer, rec))


def artifact_name(name: str, rec: Recipe) -> str:
    """``name`` for the registered recipe; ``name`` plus a short hash of the fields for a changed one.

    >>> artifact_name("lesson06-lora16", recipe("lesson06-lora16"))
    'lesson06-lora16'
    >>> artifact_name("lesson06-lora16", recipe("lesson06-lora16", rank=4))[:16]
    'lesson06-lora16-'
    """
    if RECIPES.get(name) == rec:
        return name
    return f"{name}-{_digest(_fields(rec))}"


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:8]


def prepare(model: Any, rec: Recipe) -> Any:
    """Make ``model`` ready to train the way ``rec`` says: layers frozen, or wrapped by peft (LoRA, prompt tuning)."""
    if rec.method == "last_layers":
        freeze_all_but(model, rec.last_layers)
        return model
    if rec.method == "lora":
        return add_lora(model, r=rec.rank, alpha=rec.alpha, target_modules=rec.targets)
    if rec.method == "prompt":
        return add_prompt_tuning(model, rec.virtual_tokens, PROMPT_INIT)
    raise ValueError(f"method must be one of {METHODS}, got {rec.method!r}.")


@dataclass
class Built:
    """A model built from a recipe: the model, its training run, and whether it was trained just now."""

    model: Any
    run: Any
    trained_now: bool
    artifact: str


def build(name: str, model: Any, tokenizer: Any, rec: Recipe | None = None, *, progress: bool = True) -> Built:
    """Load recipe ``name``'s trained weights into ``model`` (the base model), or train them now.

    ``model`` is changed in place (layers frozen, or wrapped by peft: use the returned
    ``Built.model``). Training uses :func:`course_lib.finetuning.training.train_with_trainer` with the
    recipe's settings and seed; the weights and the run's record go to ``artifacts/``
    (:func:`course_lib.artifacts.load_or_train`).

    >>> built = build("lesson06-lora16", model, tokenizer)         # doctest: +SKIP
    >>> built.run.seconds, built.trained_now                       # doctest: +SKIP
    """
    rec = rec or recipe(name)
    train, validation = subsets(tokenizer, rec)
    model = prepare(model, rec)

    def run(m: Any) -> dict:
        return training.train_with_trainer(
            m, tokenizer, train, validation, tempfile.mkdtemp(), epochs=rec.epochs, lr=rec.lr,
            batch_size=rec.batch_size, accumulate=rec.accumulate, scheduler=rec.scheduler, warmup=rec.warmup,
            eval_steps=rec.eval_steps, seed=rec.seed, progress=progress).to_dict()

    folder = artifact_name(name, rec)
    record, trained_now = artifacts.load_or_train(folder, model, run, settings(rec, train, validation))
    return Built(model, training.TrainingRun(**record), trained_now, folder)


def stored_run(name: str, tokenizer: Any) -> Any:
    """The training record of registered recipe ``name`` if ``artifacts/`` holds it (same settings), else None.

    For comparing with another lesson's run without loading (or training) its weights.

    >>> stored_run("lesson05-last6", tokenizer).seconds       # doctest: +SKIP
    """
    rec = recipe(name)
    path = artifacts.artifacts_dir() / name / artifacts.RECORD
    if not path.is_file():
        return None
    stored = json.loads(path.read_text(encoding="utf-8"))
    expected = json.loads(json.dumps(stored_settings(rec, tokenizer)))
    if stored.get("format") != artifacts.FORMAT or stored.get("settings") != expected:
        return None
    return training.TrainingRun(**stored["record"])


def held_out_prompts(n: int = 64, seed: int = 0) -> list[list[dict]]:
    """``n`` test prompts (the user turn only, no system prompt), stratified by topic: the lessons' test set.

    >>> len(held_out_prompts(8))
    8
    """
    rows = stratified_sample(data.load_dialogues("test"), n, seed=seed)
    return [data.to_chat(d)[:1] for d in rows]


def held_out_ids(n: int = 64, seed: int = 0) -> list[str]:
    """The dialogue ids of :func:`held_out_prompts` (same ``n`` and ``seed``), in the same order: the keys
    under which long runs store each prompt's outcome for paired comparisons.

    >>> held_out_ids(3)[0].startswith("dlg-test-")
    True
    """
    return [d["id"] for d in stratified_sample(data.load_dialogues("test"), n, seed=seed)]


def answers(who: str, model: Any, tokenizer: Any, prompts: Sequence[Sequence[Mapping[str, str]]],
            *, max_new_tokens: int = 96, batch_size: int = 16, stored: Mapping[str, Any] | None = None,
            compute: bool = True) -> tuple[list[str], bool]:
    """Greedy answers of ``model`` to ``prompts``, generated once and then read from ``artifacts/``.

    ``who`` names the model (``"base"`` or an artifact name such as ``"lesson06-lora16"``);
    ``stored`` are the settings that model was built with (``settings(...)``), so answers
    of a retrained model with other settings are generated again. Returns ``(texts,
    generated_now)``; with ``compute=False`` a missing answer set raises ``LookupError`` instead.

    >>> texts, generated_now = answers("base", model, tokenizer, held_out_prompts())   # doctest: +SKIP
    """
    prompts = [list(p) for p in prompts]
    key = {"who": who, "model": dict(stored) if stored else llm_label(), "prompts": prompts,
           "max_new_tokens": max_new_tokens}

    def generate() -> list[str]:
        if not compute:
            raise LookupError(f"no stored answers of {who}")
        return [g.text for g in chat(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size)]

    return artifacts.load_or_compute(f"answers-{who}-{_digest(key)}", key, generate)


def answers_of(name: str, tokenizer: Any, prompts: Sequence[Sequence[Mapping[str, str]]], *,
               model: Any = None, max_new_tokens: int = 96) -> tuple[list[str], str]:
    """Answers of ``"base"`` or of registered recipe ``name`` to ``prompts``: stored, or made now.

    With ``model`` (the built model already in memory) answers missing from ``artifacts/``
    are generated with it; without, a base model is loaded, the recipe built (loaded or
    trained) and then freed. Returns the texts and a line saying where they came from.

    >>> texts, source = answers_of("lesson05-last6", tokenizer, held_out_prompts())   # doctest: +SKIP
    """
    import gc

    stored = None if name == "base" else stored_settings(recipe(name), tokenizer)
    try:
        texts, now = answers(name, model, tokenizer, prompts, max_new_tokens=max_new_tokens, stored=stored,
                             compute=model is not None)
        return texts, ("generated now" if now else "read from artifacts/")
    except LookupError:
        pass
    fresh, _ = load_llm(verbose=False)
    built = fresh if name == "base" else build(name, fresh, tokenizer, progress=False).model
    texts, _ = answers(name, built, tokenizer, prompts, max_new_tokens=max_new_tokens, stored=stored)
    del fresh, built
    gc.collect()
    return texts, "generated now (model loaded for it)"
