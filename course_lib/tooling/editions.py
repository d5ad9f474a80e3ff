"""Learner and instructor editions of the lessons, and the checks that keep their exercises honest.

An exercise starts at a markdown heading ``### Exercise N: ...``. A checked exercise has a placeholder
cell (``answer_x = ...`` or ``prediction_x = ...``), a check cell whose last line calls
``lessonNN.check_...(...)`` and a solution cell tagged ``solution``. An open exercise (``(open)`` in
its heading) has no placeholder and no check: its solution is the guide "What a good answer notices".
Run ``python -m course_lib.tooling.editions [notebooks...] --out editions`` to write both editions.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import copy
import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

from course_lib.paths import course_root

SOLUTION = "solution"
_HEADING = re.compile(r"^#{1,6}\s+(.*)$", re.M)
_EXERCISE = re.compile(r"^Exercise\b", re.I)
_PLACEHOLDER = re.compile(r"^(answer|prediction)_\w+$")
INSTRUCTOR_NOTE = ("**Instructor edition.** Solutions are shown and outputs kept. Hand learners the "
                   "learner edition (`make editions`), which has neither.")


@dataclass(frozen=True)
class Exercise:
    """One exercise: its title, whether it is open, and the cell indices of its parts (None: missing)."""

    title: str
    open: bool
    placeholder: int | None
    check: int | None
    solution: int | None


def _is_solution(cell: Any) -> bool:
    return SOLUTION in cell.metadata.get("tags", [])


def _tree(cell: Any) -> ast.Module:
    # IPython turns `!pip ...` and `%cd` into calls, so every code cell parses as Python.
    from IPython.core.inputtransformer2 import TransformerManager
    return ast.parse(TransformerManager().transform_cell(cell.source))


def _placeholders(cell: Any) -> list[str]:
    """Names a cell sets to the ``...`` placeholder."""
    return [t.id for node in _tree(cell).body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and node.value.value is ... for t in node.targets
            if isinstance(t, ast.Name) and _PLACEHOLDER.match(t.id)]


def _check_call(cell: Any) -> ast.Call | None:
    """The ``....check_...(...)`` call a cell ends with, if any."""
    body = _tree(cell).body
    last = body[-1].value if body and isinstance(body[-1], ast.Expr) else None
    if isinstance(last, ast.Call):
        name = last.func.attr if isinstance(last.func, ast.Attribute) else getattr(last.func, "id", "")
        return last if name.startswith("check_") else None
    return None


def exercises(nb: Any) -> list[Exercise]:
    """The exercises of a notebook, in order, each with the indices of its placeholder, check and solution cells.

    An exercise runs from its heading to the next markdown heading of any kind.

    >>> from nbformat.v4 import new_notebook, new_markdown_cell as md, new_code_cell as code
    >>> nb = new_notebook(cells=[md("### Exercise 1: a sum"), code("answer_sum = ..."),
    ...     code("lesson01.check_sum(answer_sum)"), code("answer_sum = 3", metadata={"tags": ["solution"]})])
    >>> exercises(nb)
    [Exercise(title='Exercise 1: a sum', open=False, placeholder=1, check=2, solution=3)]
    """
    found: list[dict[str, Any]] = []
    for i, cell in enumerate(nb.cells):
        headings = _HEADING.findall(cell.source) if cell.cell_type == "markdown" else []
        if headings:
            title = headings[-1].strip()
            found.append({"title": title, "cells": []} if _EXERCISE.match(title) else {"title": None})
        elif found and found[-1]["title"]:
            found[-1]["cells"].append((i, cell))
    result = []
    for ex in (e for e in found if e["title"]):
        parts: dict[str, int | None] = {"placeholder": None, "check": None, "solution": None}
        for i, cell in ex["cells"]:
            role = ("solution" if _is_solution(cell) else None if cell.cell_type != "code"
                    else "check" if _check_call(cell) else "placeholder" if _placeholders(cell) else None)
            if role and parts[role] is None:
                parts[role] = i
        result.append(Exercise(ex["title"], "(open" in ex["title"].lower(), **parts))
    return result


def learner_edition(nb: Any) -> Any:
    """A copy without solution cells (nbconvert's tag removal), outputs, execution counts or widget state.

    >>> from nbformat.v4 import new_notebook, new_code_cell as code
    >>> nb = new_notebook(cells=[code("x = ..."), code("x = 1", metadata={"tags": ["solution"]})])
    >>> [c.source for c in learner_edition(nb).cells]
    ['x = ...']
    """
    edition = copy.deepcopy(nb)
    edition, _ = TagRemovePreprocessor(remove_cell_tags={SOLUTION}).preprocess(edition, {})
    clear = ClearOutputPreprocessor(remove_metadata_fields={"collapsed", "scrolled", "execution"})
    edition, _ = clear.preprocess(edition, {})
    edition.metadata.pop("widgets", None)  # saved widget state belongs to the outputs just cleared
    nbformat.validate(edition)
    return edition


def instructor_edition(nb: Any) -> Any:
    """A copy with everything kept, solution sources shown, and a first cell saying which edition it is.

    >>> from nbformat.v4 import new_notebook, new_code_cell as code
    >>> nb = new_notebook(cells=[code("x = 1", metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}})])
    >>> edition = instructor_edition(nb)
    >>> edition.cells[0].source.startswith("**Instructor edition.**"), edition.cells[1].metadata
    (True, {'tags': ['solution']})
    """
    edition = copy.deepcopy(nb)
    for cell in filter(_is_solution, edition.cells):
        cell.metadata.get("jupyter", {}).pop("source_hidden", None)
        if cell.metadata.get("jupyter") == {}:
            del cell.metadata["jupyter"]
    edition.cells.insert(0, nbformat.v4.new_markdown_cell(INSTRUCTOR_NOTE))
    nbformat.validate(edition)
    return edition


class PlaceholderError(RuntimeError):
    """A check used one of its other arguments before testing whether the answer is still the placeholder."""


class _Untouchable:
    """Stands for a value from another cell: any use raises, so a check must test the placeholder first."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_name')}>"

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise PlaceholderError(f"the check used {self!r} before testing for the placeholder: "
                               "call exercises.not_answered(answer, hint) first.")

    __getattr__ = __setattr__ = __getitem__ = __iter__ = __len__ = __bool__ = __call__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = __contains__ = _refuse
    __float__ = __int__ = __index__ = __add__ = __radd__ = __sub__ = __rsub__ = _refuse
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __neg__ = __abs__ = __str__ = __format__ = _refuse


def placeholder_verdicts(nb: Any, namespace: Mapping[str, Any] | None = None) -> dict[int, Any]:
    """Run the check cells the learner edition keeps with the placeholders; return {cell index in nb: Feedback}.

    Placeholder names hold ``...``; ``lessonNN`` comes from ``course_lib.exercises``; every other argument of
    the check (``fact_verdicts``, ``len(tokenizer)``, ...) and free name becomes an object that raises
    :class:`PlaceholderError` on any use. ``namespace`` adds bindings (tests use it).

    >>> from nbformat.v4 import new_notebook, new_code_cell as code
    >>> nb = new_notebook(cells=[code("answer_idf = ..."), code("lesson10.check_idf(answer_idf, N, df_term)")])
    >>> placeholder_verdicts(nb)[1].message
    'you have not answered yet (the placeholder is still there).'
    """
    kept = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and not _is_solution(c)]
    placeholders = {n for _, c in kept for n in _placeholders(c)}
    verdicts = {}
    for i, cell in kept:
        if (call := _check_call(cell)) is None:
            continue
        tree, env = _tree(cell), {n: ... for n in placeholders} | dict(namespace or {})
        tree.body.pop()                           # the check call itself, evaluated below from `call`
        for j, arg in enumerate(call.args):       # what the learner's earlier cells computed, out of reach
            if _free(arg) - env.keys():
                env[f"_arg{j}"], call.args[j] = _Untouchable(ast.unparse(arg)), ast.Name(f"_arg{j}", ast.Load())
        for j, kw in enumerate(call.keywords):
            if _free(kw.value) - env.keys():
                env[f"_kw{j}"], kw.value = _Untouchable(ast.unparse(kw.value)), ast.Name(f"_kw{j}", ast.Load())
        for name in (_free(tree) | _free(call)) - env.keys():
            module = name == "exercises" or re.fullmatch(r"lesson\d\d", name)
            env[name] = importlib.import_module(f"course_lib.{name}" if name == "exercises" else
                                                f"course_lib.exercises.{name}") if module else _Untouchable(name)
        try:
            exec(compile(ast.fix_missing_locations(tree), f"cell {i}", "exec"), env)
            verdicts[i] = eval(compile(ast.fix_missing_locations(ast.Expression(call)), f"cell {i}", "eval"), env)
        except Exception as err:
            raise PlaceholderError(f"cell {i} ({ast.unparse(call)[:60]}...): {err}") from err
    return verdicts


def _free(node: ast.AST) -> set[str]:
    """Names a piece of code reads and binds nowhere in itself (comprehension variables and parameters count)."""
    walked = list(ast.walk(node))
    loads = {n.id for n in walked if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    params = {n.arg for n in walked if isinstance(n, ast.arg)}
    return loads - params - _bound(node, scopes=True) - set(dir(builtins))


def _bound(node: ast.AST, scopes: bool = False) -> set[str]:
    """Names a cell binds for later cells; with ``scopes``, also those local to its functions and comprehensions."""
    names: set[str] = set()
    for n in ast.iter_child_nodes(node):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load) or isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.id if isinstance(n, ast.Name) else n.name)
        if scopes or not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                                        ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            names |= _bound(n, scopes)
    return names


def names_only_solutions_define(nb: Any) -> dict[str, int]:
    """Names only solution cells bind that a later non-solution cell reads: {name: index of the reading cell}.

    A learner who skips an exercise must still be able to run the rest of the lesson.

    >>> from nbformat.v4 import new_notebook, new_code_cell as code
    >>> nb = new_notebook(cells=[code("n = 3", metadata={"tags": ["solution"]}), code("print(n)")])
    >>> names_only_solutions_define(nb)
    {'n': 1}
    """
    code = [(i, c, _tree(c)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    elsewhere = {n for _, c, t in code if not _is_solution(c) for n in _bound(t)}
    found: dict[str, int] = {}
    for i, cell, tree in code:
        if _is_solution(cell):
            only = _bound(tree) - elsewhere
            for j, later, later_tree in code:
                if j > i and not _is_solution(later):
                    for name in sorted(only & _free(later_tree)):
                        found.setdefault(name, j)
    return found


def write_editions(paths: Sequence[Path], out: Path) -> list[Path]:
    """Write ``out/learner/<name>`` and ``out/instructor/<name>`` for each notebook; return the files written."""
    written = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for kind, make in (("learner", learner_edition), ("instructor", instructor_edition)):
            target = out / kind / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(make(nb), target)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the learner and instructor editions of the lessons.")
    parser.add_argument("notebooks", nargs="*", type=Path, help="lesson notebooks (default: every lesson)")
    parser.add_argument("--out", type=Path, default=None, help="folder for learner/ and instructor/")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((course_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            sys.exit(f"error: {path} is not a notebook file; pass lesson paths such as notebooks/01_where_llms_fail.ipynb")
    for target in write_editions(paths, args.out or course_root() / "editions"):
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
