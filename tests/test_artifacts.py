"""Specification of course_lib.artifacts: a missing artifact is trained and saved, a present one loaded,
a stale one (other settings) retrained, and retraining with the same seed gives the same weights.

Uses a tiny randomly initialised model, never the course model.
"""
import json

import pytest
import torch
from tiny_llama import tiny_llama

from course_lib import artifacts, data
from course_lib.finetuning.lora import train_steps
from course_lib.finetuning.training import freeze_all_but

SETTINGS = {"seed": 0, "lr": 1e-2, "steps": 2}


def fresh(tokenizer):
    model = tiny_llama(len(tokenizer))
    freeze_all_but(model, 1)
    return model


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path))
    return tmp_path


def trainer(tokenizer, calls):
    chats = [data.to_chat(d) for d in data.load_dialogues("train")[:4]]

    def train(model):
        calls.append(1)
        losses = train_steps(model, tokenizer, chats, steps=SETTINGS["steps"], lr=SETTINGS["lr"],
                             seed=SETTINGS["seed"], progress=False)
        return {"losses": losses}
    return train


def test_the_folder_follows_the_environment_variable(folder):
    assert artifacts.artifacts_dir() == folder


def test_a_missing_artifact_is_trained_and_saved(tokenizer, folder):
    calls = []
    model = fresh(tokenizer)
    before = model.model.layers[1].mlp.up_proj.weight.detach().clone()
    record, trained_now = artifacts.load_or_train("tiny", model, trainer(tokenizer, calls), SETTINGS)
    assert trained_now and calls == [1] and len(record["losses"]) == 2
    assert not torch.equal(before, model.model.layers[1].mlp.up_proj.weight)
    saved = json.loads((folder / "tiny" / artifacts.RECORD).read_text())
    assert saved["settings"] == SETTINGS and saved["record"] == record


def test_a_present_artifact_is_loaded_without_training(tokenizer):
    trained = fresh(tokenizer)
    artifacts.load_or_train("tiny", trained, trainer(tokenizer, []), SETTINGS)
    calls = []
    loaded = fresh(tokenizer)
    record, trained_now = artifacts.load_or_train("tiny", loaded, trainer(tokenizer, calls), SETTINGS)
    assert not trained_now and calls == [] and len(record["losses"]) == 2
    for (name, a), b in zip(trained.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_other_settings_make_it_train_again(tokenizer):
    artifacts.load_or_train("tiny", fresh(tokenizer), trainer(tokenizer, []), SETTINGS)
    calls = []
    _, trained_now = artifacts.load_or_train("tiny", fresh(tokenizer), trainer(tokenizer, calls), {**SETTINGS, "lr": 1e-3})
    assert trained_now and calls == [1]


def test_retraining_a_deleted_artifact_with_the_same_seed_gives_the_same_weights(tokenizer, folder):
    import shutil

    first = fresh(tokenizer)
    artifacts.load_or_train("tiny", first, trainer(tokenizer, []), SETTINGS)
    shutil.rmtree(folder / "tiny")
    again = fresh(tokenizer)
    _, trained_now = artifacts.load_or_train("tiny", again, trainer(tokenizer, []), SETTINGS)
    assert trained_now
    for (name, a), b in zip(first.state_dict().items(), again.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, msg=name)


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden"])
def test_an_artifact_name_is_one_plain_folder_name(tokenizer, name):
    with pytest.raises(ValueError, match="plain folder name"):
        artifacts.load_or_train(name, fresh(tokenizer), trainer(tokenizer, []), SETTINGS)


def test_restore_weights_puts_the_file_s_values_back_into_the_same_tensors(tokenizer, tmp_path):
    from safetensors.torch import save_file

    model = fresh(tokenizer)
    base = {n: p.detach().clone() for n, p in model.named_parameters()}
    save_file(base, str(tmp_path / "base.safetensors"))
    storage = model.model.layers[0].mlp.up_proj.weight.data_ptr()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)                                  # as if training had moved every weight
    assert artifacts.restore_weights(model, tmp_path / "base.safetensors") == len(base)
    for name, p in model.named_parameters():
        torch.testing.assert_close(p.detach(), base[name], rtol=0, atol=0)
    assert model.model.layers[0].mlp.up_proj.weight.data_ptr() == storage   # copied in, no new tensor


def test_restore_weights_refuses_a_file_of_another_model(tokenizer, tmp_path):
    from safetensors.torch import save_file

    save_file({"other.weight": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(ValueError, match="another model"):
        artifacts.restore_weights(fresh(tokenizer), tmp_path / "other.safetensors")


def test_a_computed_result_is_stored_and_then_read_back_without_computing(folder):
    calls = []

    def compute():
        calls.append(1)
        return ["an answer", "another"]

    first, computed_now = artifacts.load_or_compute("answers-x", {"prompts": ["a", "b"]}, compute)
    again, computed_again = artifacts.load_or_compute("answers-x", {"prompts": ["a", "b"]}, compute)
    assert first == again == ["an answer", "another"]
    assert (computed_now, computed_again) == (True, False) and calls == [1]


def test_a_result_stored_with_other_settings_is_computed_again(folder):
    calls = []
    artifacts.load_or_compute("answers-x", {"prompts": ["a"]}, lambda: calls.append(1) or ["old"])
    result, computed_now = artifacts.load_or_compute("answers-x", {"prompts": ["b"]}, lambda: calls.append(1) or ["new"])
    assert result == ["new"] and computed_now and calls == [1, 1]
