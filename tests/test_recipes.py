"""Specification of course_lib.finetuning.recipes: a recipe names every setting of a trained model, nested subsets grow
without reshuffling, a changed recipe is stored apart, and answers are generated once and then read back.

Models here are tiny and randomly initialised (with the course tokenizer), never the course model.
"""
import random

import pytest
import torch
from tiny_llama import tiny_llama

from course_lib.finetuning import recipes


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path))
    return tmp_path


def tiny(tokenizer):
    return tiny_llama(len(tokenizer))


def test_the_lesson05_subset_is_the_seeded_sample_lesson05_always_drew():
    rows = list(range(333))
    assert recipes.nested_sample(rows, 64, seed=0) == random.Random(0).sample(rows, 64)


def test_smaller_subsets_are_the_start_of_larger_ones_and_never_repeat_a_row():
    rows = list(range(333))
    full = recipes.nested_sample(rows, 333, seed=1)
    assert sorted(full) == rows
    for n in (25, 64, 100):
        assert recipes.nested_sample(rows, n, seed=1) == full[:n]


def test_a_subset_larger_than_the_rows_is_refused():
    with pytest.raises(ValueError, match="from 1 to 5"):
        recipes.nested_sample(list(range(5)), 6)


def test_an_unknown_recipe_or_field_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="lesson06-lora16"):
        recipes.recipe("lesson99")
    with pytest.raises(ValueError, match="fields are"):
        recipes.recipe("lesson06-lora16", rnak=4)


def test_a_changed_recipe_gets_its_own_artifact_name():
    changed = recipes.recipe("lesson06-lora16", train_examples=25)
    assert recipes.artifact_name("lesson06-lora16", recipes.recipe("lesson06-lora16")) == "lesson06-lora16"
    assert recipes.artifact_name("lesson06-lora16", changed) != "lesson06-lora16"
    assert recipes.artifact_name("lesson06-lora16", changed) == recipes.artifact_name("lesson06-lora16", changed)


def test_the_held_out_prompts_are_user_turns_of_test_dialogues():
    prompts = recipes.held_out_prompts(6)
    assert len(prompts) == 6 and all(len(p) == 1 and p[0]["role"] == "user" for p in prompts)


def test_answers_are_generated_once_then_read_back(tokenizer):
    model = tiny(tokenizer)
    prompts = recipes.held_out_prompts(2)
    first, now = recipes.answers("tiny", model, tokenizer, prompts, max_new_tokens=3)
    again, now_again = recipes.answers("tiny", None, tokenizer, prompts, max_new_tokens=3)
    assert (now, now_again) == (True, False) and first == again and len(first) == 2


def test_missing_answers_are_not_invented_when_generation_is_not_allowed(tokenizer):
    with pytest.raises(LookupError):
        recipes.answers("tiny", None, tokenizer, recipes.held_out_prompts(2), compute=False)


def test_build_trains_then_loads_the_same_weights(tokenizer):
    rec = recipes.recipe("lesson06-lora16", rank=2, alpha=4, train_examples=4, eval_examples=2, epochs=1, eval_steps=1,
                            warmup=0)  # one step: no warm-up, or its learning rate would be 0
    first = recipes.build("lesson06-lora16", tiny(tokenizer), tokenizer, rec, progress=False)
    second = recipes.build("lesson06-lora16", tiny(tokenizer), tokenizer, rec, progress=False)
    assert first.trained_now and not second.trained_now and first.artifact == second.artifact
    a = dict(first.model.named_parameters())
    for name, p in second.model.named_parameters():
        if "lora_B" in name:
            assert torch.equal(p, a[name]) and p.abs().sum() > 0
    assert recipes.stored_run("lesson06-lora16", tokenizer) is None   # the registered recipe was never trained here
