"""The course's widgets in a real browser: JupyterLab on 127.0.0.1 runs a small notebook in headless Chromium.

nbval (make test) runs every lesson in a kernel, but never shows one to a browser: a widget that fails
to render, or a questionnaire whose dropdowns do nothing, would pass it. Re-running the lessons here would
only repeat nbval's work (lessons 01 and 03 took about 210 s), so the browser gets a notebook of its own,
``tests/browser/widgets.ipynb``: the course's first cell, a tqdm progress bar and lesson 03's
questionnaire, without the language models (a few seconds of cells). Debian's ``chromium`` (driven by
playwright, which downloads no browser of its own) opens it in JupyterLab and runs every cell through
JupyterLab's own commands. The test specifies that

- every cell runs, and none has an error output;
- every widget view the run displays renders (the progress bar and the questionnaire), none shows
  "Error displaying widget", and the page raises no JavaScript error;
- the questionnaire starts on the diet bot's verdict, and when its first answer (the task) changes from
  "both" to "facts", the verdict becomes exactly what ``course_lib.choosing.decide.recommend`` gives for
  the new answers.

JupyterLab serves a copy of the notebook in a temporary folder, with autosave off, so the committed file
is never touched. Screenshots go to ``test-output/browser/`` (copies of them are committed in
``docs/screenshots/``). Chromium is found on PATH (``chromium``, ``chromium-browser``, ``google-chrome``)
or at ``$CHROMIUM``; without one the test is skipped, unless ``COURSE_REQUIRE_BROWSER=1`` (set by
``.ci/run``, which installs Debian's chromium first) makes it fail.
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from notebook_outputs import widget_views
from servers import free_port, stop, wait_for

from course_lib.choosing import decide

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-output" / "browser"
TOKEN = "course-browser-test-" + os.urandom(16).hex()
NOTEBOOK = ROOT / "tests" / "browser" / "widgets.ipynb"
RUN_SECONDS = 60            # the notebook's cells, once its kernel is up; they take a few seconds
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
    """JupyterLab serving a copy of the test notebook, with ``window.jupyterapp`` exposed to the page."""
    tmp = tmp_path_factory.mktemp("lab")
    served = tmp / "served"             # the copy alone, so the file browser shows nothing else
    served.mkdir()
    shutil.copy(NOTEBOOK, served / NOTEBOOK.name)
    port = free_port()
    log = tmp / "lab.log"
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", f"--ServerApp.root_dir={served}", f"--IdentityProvider.token={TOKEN}",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={lab_settings(tmp / 'settings')}",
               f"--LabApp.workspaces_dir={tmp / 'workspaces'}"]
    if os.getuid() == 0:
        command.append("--allow-root")
    with log.open("w") as log_file:
        server = subprocess.Popen(command, cwd=served, stdout=log_file, stderr=subprocess.STDOUT,
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

# How far the run is: code cells run so far, code cells in all, error outputs, kernel status, the notebook.
PROGRESS = f"""() => {{
  const panel = {PANEL};
  const nb = panel.content.model.toJSON();
  const code = nb.cells.filter(c => c.cell_type === 'code');
  const errors = code.flatMap(c => (c.outputs || []).filter(o => o.output_type === 'error')
                                  .map(o => o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n')));
  return {{ran: code.filter(c => c.execution_count !== null).length, total: code.length, errors,
          status: panel.sessionContext.session.kernel.status, notebook: nb}};
}}"""

# A widget view in an output: tqdm's bar (an HBox holding a horizontal progress view, .widget-hprogress)
# or the questionnaire (a VBox of dropdowns).
WIDGET_VIEW = ".jp-OutputArea-output > .jupyter-widgets"


def run_notebook(page, url: str, log: Path) -> tuple[dict, float]:
    """Open the notebook, run every cell; return the last progress report and the cells' run time in seconds."""
    page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?token={TOKEN}")
    page.wait_for_function(KERNEL_READY, timeout=120_000, polling=500)
    assert page.evaluate(PROGRESS)["ran"] == 0, "the committed notebook should hold no outputs"
    started = time.monotonic()
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    while True:
        progress = page.evaluate(PROGRESS)
        if progress["errors"]:
            pytest.fail(f"{NOTEBOOK.name}: a cell failed in the browser:\n" + "\n\n".join(progress["errors"]))
        if progress["ran"] == progress["total"] and progress["status"] == "idle":
            return progress, time.monotonic() - started
        if time.monotonic() > started + RUN_SECONDS:
            pytest.fail(f"{NOTEBOOK.name}: {progress['ran']} of {progress['total']} cells ran in {RUN_SECONDS} s; "
                        f"server log:\n{log.read_text()[-3000:]}")
        time.sleep(0.25)


def close_notebook(page) -> None:
    """Stop the notebook's kernel and close its tab unsaved (the run's outputs must not reach the copy on disk)."""
    page.evaluate(f"""async () => {{
      const panel = {PANEL};
      await panel.sessionContext.shutdown();
      panel.context.model.dirty = false;
      panel.dispose();
    }}""")


def assert_widgets_displayed(page, run: dict) -> None:
    """Every widget view in the run's outputs (a progress bar, the questionnaire) is on the page, none in error."""
    assert page.locator("text=Error displaying widget").count() == 0, "a widget failed to display"
    shown = widget_views(nbformat.from_dict(run))
    assert shown == 2, f"the notebook should display 2 widget views (progress bar, questionnaire), not {shown}"
    views = page.locator(WIDGET_VIEW).count()
    assert views == shown, f"{views} widget views on the page for {shown} in the cells' outputs"


def assert_progress_bar_finished(page) -> None:
    """tqdm's bar is a widget view that ran to its end (3 of 3 steps); its cell's screenshot goes to ``SHOTS``."""
    bar = page.locator(WIDGET_VIEW).filter(has=page.locator(".widget-hprogress")).first
    assert bar.count() == 1, "tqdm's progress bar is not on the page as a widget view"
    assert "3/3" in bar.text_content(), f"the progress bar should show 3/3 steps, shows {bar.text_content()!r}"
    page.locator(".jp-CodeCell").filter(has=bar).screenshot(path=str(SHOTS / "browser_progress_bar.png"))


def verdict_text(project: decide.Project) -> str:
    """The questionnaire's verdict for ``project`` as the page shows it: the text of ``Recommendation.to_html``."""
    return html.unescape(re.sub(r"<[^>]+>", "", decide.recommend(project).to_html()))


def answer_facts_only(page) -> tuple[str, str]:
    """Change the questionnaire's first answer (the task) from the diet bot's 'both' to 'facts'.

    Returns the verdict's text before and after; screenshots of both go to ``SHOTS``.
    """
    questionnaire = page.locator(".jp-OutputArea-output .widget-vbox").filter(has=page.locator("select")).last
    questionnaire.scroll_into_view_if_needed()
    dropdowns = questionnaire.locator("select")
    assert dropdowns.count() == len(decide.QUESTIONS), "the questionnaire should show one dropdown per question"
    verdict = questionnaire.locator(".widget-html-content").last
    before = verdict.text_content()
    questionnaire.screenshot(path=str(SHOTS / "browser_questionnaire_before.png"))
    dropdowns.first.select_option(label=decide.QUESTIONS["task"][1]["facts"])
    page.wait_for_function("([el, old]) => el.textContent !== old", arg=[verdict.element_handle(), before],
                           timeout=10_000)
    questionnaire.screenshot(path=str(SHOTS / "browser_questionnaire_after.png"))
    return before, verdict.text_content()


def test_widgets_render_in_chromium_and_the_questionnaire_answers(browser, lab):
    # `browser` comes first: without Chromium the test skips (or fails) before JupyterLab starts.
    url, log = lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    page_errors: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    progress, seconds = run_notebook(page, url, log)
    print(f"{NOTEBOOK.name}: {progress['ran']}/{progress['total']} code cells ran in the browser in {seconds:.1f} s")
    assert_widgets_displayed(page, progress["notebook"])
    assert_progress_bar_finished(page)
    before, after = answer_facts_only(page)
    print(f"questionnaire: {before[:60]!r}... -> {after[:60]!r}...")
    assert before == verdict_text(decide.DIET_BOT)
    assert after == verdict_text(decide.DIET_BOT.replace(task="facts")) != before
    page.screenshot(path=str(SHOTS / "browser_notebook.png"))
    assert page_errors == [], f"JavaScript errors in the page: {page_errors}"
    close_notebook(page)
    page.close()


def test_the_notebook_starts_like_a_lesson_and_stays_light():
    """The course's first cell, the course kernel, no stored outputs, and no language model to load."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    # ruff (make test lints tests/, notebooks included) wants a blank line after the import.
    assert code[0].source.split() == "from course_lib.tooling import runtime settings_changed = runtime.apply()".split()
    assert nb.metadata.kernelspec.name == "rag-vs-ft"
    assert not any(cell.outputs for cell in code), "commit the notebook without outputs"
    assert not any("load_llm" in cell.source for cell in code), "the browser test must not load the models"
