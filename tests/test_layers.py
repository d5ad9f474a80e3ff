"""The library's layers, read from every module's imports: no cycles, nothing imports a higher part.

From the bottom up (CONTRIBUTING.md explains why): the core modules of ``course_lib/``; ``rag``;
``finetuning`` (RAFT trains on RAG prompts, so it may use ``rag``); ``evaluation``; ``choosing``;
and on top ``runs``, ``tooling`` and ``exercises``, which nothing in the library imports.
"""
import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "course_lib"
LAYERS = {"": 0, "rag": 1, "finetuning": 2, "evaluation": 3, "choosing": 4, "runs": 5, "tooling": 5, "exercises": 5}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def part(module: str) -> str:
    """The part of the course a module belongs to: its subpackage, or "" for the core."""
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and (PACKAGE / pieces[1]).is_dir() else ""


def imports(module: str) -> list[tuple[str, list[str], ast.stmt, bool]]:
    """(imported course_lib module, names taken, the statement, at the top of the module?) for each import."""
    tree = ast.parse(MODULES[module].read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("course_lib"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                found.append((target if target in MODULES else node.module, [alias.name], node, id(node) in top))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node, id(node) in top) for a in node.names if a.name.startswith("course_lib")]
    return found


def edges() -> dict[str, set[str]]:
    """Module -> the course_lib modules it imports (the names taken from course_lib itself are constants)."""
    return {m: {target for target, *_ in imports(m) if target not in ("course_lib", m)} for m in MODULES}


def test_the_layers_cover_every_subpackage():
    assert {part(m) for m in MODULES} == set(LAYERS)


def test_no_module_imports_a_higher_part_of_the_course():
    upward = [f"{m} ({part(m) or 'core'}) imports {t} ({part(t) or 'core'})"
              for m, targets in edges().items() for t in targets
              if t in MODULES and LAYERS[part(t)] > LAYERS[part(m)]]
    assert upward == []


def test_the_parts_on_top_do_not_import_each_other():
    top = {"runs", "tooling", "exercises"}
    across = [f"{m} imports {t}" for m, targets in edges().items() for t in targets
              if part(m) in top and part(t) in top and part(m) != part(t)]
    assert across == []


def test_there_is_no_import_cycle():
    try:
        graphlib.TopologicalSorter(edges()).static_order()
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_no_private_name_is_imported_from_another_module():
    private = [f"{m} takes {name} from {t}" for m in MODULES for t, names, _, _ in imports(m)
               for name in names if name.startswith("_") and t != m]
    assert private == []


def test_imports_inside_functions_say_why_they_are_deferred():
    silent = []
    for m in MODULES:
        lines = MODULES[m].read_text().splitlines()
        for _target, _names, node, at_top in imports(m):
            text = lines[node.lineno - 1] + (lines[node.lineno - 2] if node.lineno > 1 else "")
            if not at_top and "#" not in text:
                silent.append(f"{m}:{node.lineno}")
    assert silent == []


def is_face(path: Path) -> bool:
    """An __init__.py that only hands names on: a docstring and imports, nothing defined."""
    body = ast.parse(path.read_text()).body
    return all(isinstance(n, (ast.Import, ast.ImportFrom)) or
               (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)) for n in body)


def test_library_modules_import_modules_not_package_faces():
    """A package's __init__ re-exports for the notebooks; inside the library a face could be half-built."""
    faces = {m for m, p in MODULES.items() if p.name == "__init__.py" and is_face(p)}
    through_face = [f"{m} takes {names} from {t}" for m in MODULES for t, names, _, _ in imports(m)
                    if t in faces and names and f"{t}.{names[0]}" not in MODULES]
    assert through_face == []
