"""Sphinx configuration of the course website (`make site`).

The site is built from the committed notebooks and their stored outputs: nothing is executed
(``nb_execution_mode = "off"``), so it builds offline in a minute and shows exactly what the lessons
measured. The source folder is the repository root (``sphinx-build -c site . _build/site``);
``include_patterns`` picks the pages, so nothing else in the tree is read.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from course_lib import GITHUB_BRANCH, GITHUB_REPO  # noqa: E402

project = "RAG vs Fine-Tuning, hands-on"
author = "the course's authors"
copyright = "the course's authors, Apache-2.0"
root_doc = "site/index"
extensions = ["myst_nb"]
include_patterns = ["site/index.md", "notebooks/[0-9][0-9]_*.ipynb", "docs/instructors.md", "deploy/README.md"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "site/extra"]

nb_execution_mode = "off"          # the committed outputs are the measured ones: show them, never re-run
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "misc.highlighting_failure"]

html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {
    "repository_url": f"https://github.com/{GITHUB_REPO}",
    "repository_branch": GITHUB_BRANCH,
    "use_repository_button": True,
    "launch_buttons": {"binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com"},
    "path_to_docs": "",
}
html_extra_path = ["extra"]        # a root index.html that opens the course's home page (site/index.html)
