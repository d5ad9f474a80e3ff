"""Trained weights that later lessons reuse: where they live, and load-or-train.

Training takes minutes on a CPU, so a lesson saves what it trained in the git-ignored
folder ``artifacts/`` at the repository root (``COURSE_ARTIFACTS_DIR`` moves it). A
later run, or a later lesson, loads it instead of training again. When it is missing,
or was trained with other settings, :func:`load_or_train` trains it again through the
same function with the same settings and seed, so nothing depends on a file that only
one machine has.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable, Mapping

from filelock import FileLock

from course_lib.paths import artifacts_dir

FORMAT = 1  # bump when the saved layout changes, so old folders are retrained instead of misread
WEIGHTS, RECORD = "trained.safetensors", "record.json"


def _folder(name: str) -> Path:
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"an artifact name is one plain folder name such as 'lesson05-freeze', got {name!r}.")
    return artifacts_dir() / name


def _one_at_a_time(name: str) -> FileLock:
    # Two kernels (or the two notebook chains of `make test`) may need the same artifact at once: the
    # second waits for the first to finish, then loads what it saved instead of training it again.
    folder = artifacts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(str(folder / f".{name}.lock"))


def trainable_state(model: Any) -> dict:
    """The parameters that train (``requires_grad``), by name: all an artifact needs to store."""
    return {n: p.detach().contiguous().clone() for n, p in model.named_parameters() if p.requires_grad}


def load_or_train(name: str, model: Any, train: Callable[[Any], Mapping[str, Any]],
                  settings: Mapping[str, Any]) -> tuple[dict, bool]:
    """Load the trained parameters of artifact ``name`` into ``model``, or train and save them.

    ``model`` must arrive as training would start: the same base weights, the same
    parameters frozen. ``train(model)`` trains it in place and returns a JSON-able record
    (losses, time, memory). The artifact stores the trainable parameters, the record and
    ``settings`` (which should include the seed); it is reused only when the stored
    settings equal ``settings``, otherwise it is trained again. Returns
    ``(record, trained_now)``.

    >>> record, trained_now = load_or_train("lesson05-freeze", model, run, {"seed": 0, "lr": 2e-4})  # doctest: +SKIP
    """
    from safetensors.torch import load_file, save_file

    with _one_at_a_time(name):
        folder = _folder(name)
        settings = json.loads(json.dumps(dict(settings)))  # what JSON gives back, so a reload compares equal
        expected = sorted(n for n, p in model.named_parameters() if p.requires_grad)
        if not expected:
            raise ValueError("the model has no trainable parameters: freeze it the way training will, then call this.")
        meta = folder / RECORD
        if meta.is_file() and (folder / WEIGHTS).is_file():
            stored = json.loads(meta.read_text(encoding="utf-8"))
            if stored.get("format") == FORMAT and stored.get("settings") == settings:
                weights = load_file(str(folder / WEIGHTS))
                if sorted(weights) == expected:
                    model.load_state_dict(weights, strict=False)
                    model.eval()
                    return stored["record"], False
        record = dict(train(model))
        tmp = folder.with_name(folder.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        # Written to a side folder and renamed, so an interrupted save never looks like a finished artifact.
        save_file(trainable_state(model), str(tmp / WEIGHTS))
        (tmp / RECORD).write_text(json.dumps({"format": FORMAT, "settings": settings, "record": record}, indent=1),
                                  encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)
        return record, True


def restore_weights(model: Any, path: str | Path) -> int:
    """Copy the tensors of the safetensors file ``path`` into ``model``'s parameters of the same name; return how many.

    One tensor at a time, into the memory the parameters already have: the way to put a
    model back to its base weights without loading a second model beside it. Every
    parameter must be in the file (a tied head counts once).

    >>> restore_weights(model, Path(llm_path()) / "model.safetensors")         # doctest: +SKIP
    272
    """
    import torch
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as weights:
        names = set(weights.keys())
        missing = [n for n, _ in model.named_parameters() if n not in names]
        if missing:
            raise ValueError(f"{path} has no tensor for {len(missing)} parameters (first: {missing[0]}): "
                             "it holds another model's weights; pass that model's safetensors file.")
        with torch.no_grad():
            for count, (name, param) in enumerate(model.named_parameters(), 1):  # noqa: B007 (count is returned)
                param.copy_(weights.get_tensor(name))
    return count


def load_or_compute(name: str, settings: Mapping[str, Any], compute: Callable[[], Any]) -> tuple[Any, bool]:
    """Read the JSON result stored as artifact ``name``, or compute, store and return it.

    For slow results that are not weights (a model's answers to the test prompts): the
    result is reused only when the stored ``settings`` equal ``settings``. Returns
    ``(result, computed_now)``.

    >>> texts, computed_now = load_or_compute("answers-base", {"prompts": prompts}, generate)  # doctest: +SKIP
    """
    with _one_at_a_time(name):
        folder = _folder(name)
        settings = json.loads(json.dumps(dict(settings)))
        path = folder / "result.json"
        if path.is_file():
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("format") == FORMAT and stored.get("settings") == settings:
                return stored["result"], False
        result = compute()
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        tmp.write_text(json.dumps({"format": FORMAT, "settings": settings, "result": result}), encoding="utf-8")
        tmp.replace(path)  # atomic: an interrupted write never looks like a stored result
        return json.loads(json.dumps(result)), True
