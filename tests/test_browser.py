"""The course in a real browser: JupyterLab on 127.0.0.1, lessons 01 and 03 run in headless Chromium.

nbval (make test) runs every notebook in a kernel, but never shows one to a browser: a widget that
fails to render, or a questionnaire whose dropdowns do nothing, would pass it. Here Debian's
``chromium`` (driven by playwright, which downloads no browser of its own) opens each lesson in
JupyterLab, clears the stored outputs, runs every cell, and checks that no cell failed and no widget
failed to display. In lesson 03 it then changes the questionnaire's first answer and checks that the
verdict changes to what ``course_lib.choosing.decide`` recommends for the new answers.

The lessons run on a copy of the notebooks, with JupyterLab's autosave off, so the committed notebooks
are never touched. Screenshots go to ``test-output/browser/``. Chromium is found on PATH (``chromium``,
``chromium-browser``, ``google-chrome``) or at ``$CHROMIUM``; without one the test is skipped, unless
``COURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run``, which installs Debian's chromium first) makes it fail.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from course_lib.choosing import decide
from notebook_outputs import widget_views
from servers import free_port, stop, wait_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "browser"
TOKEN = "course-browser-test-" + os.urandom(16).hex()
LESSON_01 = "notebooks/01_where_llms_fail.ipynb"
LESSON_03 = "notebooks/03_rag_vs_finetuning.ipynb"
RUN_SECONDS = 600           # a lesson's run in the browser; its budget is at most 5 minutes
# No sandbox: CI machines run as root, where Chromium's sandbox refuses to start. The rest keeps a
# headless run offline and quiet (no GPU, no background updates or component downloads).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-default-apps", "--no-first-run", "--mute-audio"]


def chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    message = ("No Chromium found for the browser test: install it (Debian/Ubuntu: sudo apt-get install chromium) "
               "or set CHROMIUM=/path/to/chrome.")
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def lab_settings(folder: Path) -> Path:
    """User settings that keep the run from writing into the notebooks and from asking questions."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        # Render every cell, not only those in view, so the checks and screenshots see the whole lesson.
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                          "checkForUpdates": False},
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return folder


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving a copy of the lessons, with ``window.jupyterapp`` exposed to the page."""
    tmp = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", tmp / "notebooks")
    port = free_port()
    log = tmp / "lab.log"
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", f"--ServerApp.root_dir={tmp}", f"--IdentityProvider.token={TOKEN}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={lab_settings(tmp / 'settings')}",
               f"--LabApp.workspaces_dir={tmp / 'workspaces'}"]
    if os.getuid() == 0:
        command.append("--allow-root")
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=tmp, stdout=log_file, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for("JupyterLab", lambda: urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=5)
                 .status == 200, time.monotonic() + 60, log)
        yield url, log
    finally:
        left = stop(server, {})
        assert left == [], f"processes left running after JupyterLab stopped: {[p.cmdline() for p in left]}"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# The notebook panel in focus, as JupyterLab's own tests (galata) reach it through window.jupyterapp.
PANEL = "window.jupyterapp && window.jupyterapp.shell.currentWidget"

KERNEL_READY = f"""() => {{
  const panel = {PANEL};
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}}"""

# How far the run is: code cells run so far, code cells in all, error outputs, kernel status.
PROGRESS = f"""() => {{
  const panel = {PANEL};
  const nb = panel.content.model.toJSON();
  const code = nb.cells.filter(c => c.cell_type === 'code');
  const errors = code.flatMap(c => (c.outputs || []).filter(o => o.output_type === 'error')
                                  .map(o => o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n')));
  return {{ran: code.filter(c => c.execution_count !== null).length, total: code.length, errors,
          status: panel.sessionContext.session.kernel.status}};
}}"""


def run_lesson(page, url: str, notebook: str, log: Path) -> dict:
    """Open ``notebook``, clear its stored outputs, run every cell, and return the last progress report."""
    page.goto(f"{url}/lab/tree/{notebook}?token={TOKEN}")
    page.wait_for_function(KERNEL_READY, timeout=120_000, polling=500)
    page.evaluate("async () => { await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
    assert page.evaluate(PROGRESS)["ran"] == 0, "clearing the outputs left execution counts behind"
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    deadline = time.monotonic() + RUN_SECONDS
    while True:
        progress = page.evaluate(PROGRESS)
        if progress["errors"]:
            pytest.fail(f"{notebook}: a cell failed in the browser:\n" + "\n\n".join(progress["errors"]))
        if progress["ran"] == progress["total"] and progress["status"] == "idle":
            return progress
        if time.monotonic() > deadline:
            pytest.fail(f"{notebook}: {progress['ran']} of {progress['total']} cells ran in {RUN_SECONDS} s; "
                        f"server log:\n{log.read_text()[-3000:]}")
        time.sleep(1)


def close_lesson(page) -> None:
    """Stop the lesson's kernel and close its tab unsaved (the run's outputs must not reach the copy on disk)."""
    page.evaluate(f"""async () => {{
      const panel = {PANEL};
      await panel.sessionContext.shutdown();
      panel.context.model.dirty = false;
      panel.dispose();
    }}""")


def assert_widgets_displayed(page, notebook: str) -> None:
    """Every widget the lesson displays is on the page, and none shows ipywidgets' 'Error displaying widget'."""
    assert page.locator("text=Error displaying widget").count() == 0, f"{notebook}: a widget failed to display"
    views = page.locator(".jp-OutputArea-output > .jupyter-widgets").count()
    expected = widget_views(nbformat.read(ROOT / notebook, as_version=4))
    assert expected > 0 and views == expected, f"{notebook}: {views} widget views on the page, {expected} stored"


def verdict_headline(text: str) -> str:
    """'Recommendation: hybrid (RAG 7, fine-tuning 5)', the verdict's first line (its reasons follow)."""
    return text.strip().split(")")[0] + ")"


def headline(project: decide.Project) -> str:
    """What the questionnaire's verdict should start with for ``project``, as the page shows it."""
    return str(decide.recommend(project)).splitlines()[0].replace("  ", " ")


def answer_facts_only(page) -> tuple[str, str]:
    """Change the questionnaire's first answer (the task) from the diet bot's 'both' to 'facts'.

    Returns the verdict's headline before and after; screenshots of both go to ``SHOTS``.
    """
    questionnaire = page.locator(".jp-OutputArea-output .widget-vbox").filter(has=page.locator("select")).last
    questionnaire.scroll_into_view_if_needed()
    dropdowns = questionnaire.locator("select")
    assert dropdowns.count() == len(decide.QUESTIONS), "the questionnaire should show one dropdown per question"
    verdict = questionnaire.locator(".widget-html-content").last
    before = verdict.text_content()
    questionnaire.screenshot(path=str(SHOTS / "lesson03_questionnaire_before.png"))
    dropdowns.first.select_option(label=decide.QUESTIONS["task"][1]["facts"])
    page.wait_for_function("([el, old]) => el.textContent !== old", arg=[verdict.element_handle(), before],
                           timeout=10_000)
    questionnaire.screenshot(path=str(SHOTS / "lesson03_questionnaire_after.png"))
    return verdict_headline(before), verdict_headline(verdict.text_content())


def test_lessons_01_and_03_run_in_chromium_and_the_questionnaire_answers(lab, browser):
    url, log = lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    page_errors: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    progress = run_lesson(page, url, LESSON_01, log)
    print(f"lesson 01: {progress['ran']}/{progress['total']} code cells ran in the browser")
    assert_widgets_displayed(page, LESSON_01)     # tqdm's progress bars while the model answers
    first_bar = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-OutputArea-output > .jupyter-widgets")).first
    first_bar.screenshot(path=str(SHOTS / "lesson01_progress_bar.png"))
    close_lesson(page)

    progress = run_lesson(page, url, LESSON_03, log)
    print(f"lesson 03: {progress['ran']}/{progress['total']} code cells ran in the browser")
    assert_widgets_displayed(page, LESSON_03)     # progress bars and the questionnaire
    before, after = answer_facts_only(page)
    print(f"questionnaire: {before!r} -> {after!r}")
    assert before == headline(decide.DIET_BOT)
    assert after == headline(decide.DIET_BOT.replace(task="facts")) != before
    page.screenshot(path=str(SHOTS / "lesson03.png"))
    assert page_errors == [], f"JavaScript errors in the page: {page_errors}"
    close_lesson(page)
    page.close()
