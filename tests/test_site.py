"""`make site` builds the course website from the committed outputs, offline: every lesson page with its figures."""
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from notebook_outputs import widget_views

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _figures(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.outputs)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", "-c", "site", "-d", str(out / ".doctrees"),
                           ".", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin", "HOME": str(out)})
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.mark.slow
def test_the_site_has_a_home_page_linking_every_lesson(site):
    assert 'url=site/index.html' in (site / "index.html").read_text()      # the root opens the home page
    home = (site / "site" / "index.html").read_text()
    for path in NOTEBOOKS:
        assert f"notebooks/{path.stem}.html" in home, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_lesson_page_shows_its_stored_figures(site, path):
    page = (site / "notebooks" / f"{path.stem}.html").read_text()
    title = nbformat.read(path, as_version=4).cells[0].source.splitlines()[0].lstrip("# ")
    assert title.split(":")[0] in page
    images = re.findall(r'<img[^>]+src="(\.\./_images/[^"]+)"', page)
    assert len(images) >= _figures(nbformat.read(path, as_version=4)), "a figure of the notebook is missing"
    assert all((site / "notebooks" / src).resolve().exists() for src in images)


@pytest.mark.slow
def test_the_site_shows_the_stored_outputs_and_the_teaching_pages(site):
    # nb_execution_mode = "off": a lesson page shows the committed outputs, e.g. lesson 01's measured budget line.
    page = (site / "notebooks" / "01_where_llms_fail.html").read_text()
    budget = re.search(r"runs in (\d+) s, peak memory (\d+) MB", nbformat.read(NOTEBOOKS[0], as_version=4).cells[0].source)
    assert budget and f"runs in {budget.group(1)} s" in page
    assert (site / "docs" / "instructors.html").exists() and (site / "deploy" / "README.html").exists()


@pytest.mark.slow
def test_the_lesson_pages_carry_the_stored_widget_state_so_the_widgets_render(site):
    # MyST-NB embeds the notebook's widget state and one view per widget output; ipywidgets' html-manager
    # (loaded from a CDN by the reader's browser) renders them, e.g. lesson 03's questionnaire.
    for path in NOTEBOOKS:
        views = widget_views(nbformat.read(path, as_version=4))
        page = (site / "notebooks" / f"{path.stem}.html").read_text()
        if views:
            assert 'type="application/vnd.jupyter.widget-state+json"' in page, path.name
            assert page.count('type="application/vnd.jupyter.widget-view+json"') == views, path.name
            assert "html-manager" in page, path.name
