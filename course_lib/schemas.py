"""Validation of the course datasets against their JSON Schemas, with errors people can act on.

Every data file under ``datasets/`` has a JSON Schema (draft 2020-12) in ``datasets/schemas``.
:func:`validate_file` reads a ``.jsonl`` (one row per line) or ``.json`` file, checks every
row and collects *all* problems before raising, so a broken file is fixed in one pass rather
than one error at a time. Nothing is skipped silently: a blank line or a line that is not
JSON is a problem like any other.

Example::

    >>> from course_lib.schemas import validate_file, DatasetError
    >>> from course_lib.data import datasets_dir
    >>> rows = validate_file(datasets_dir() / "questions" / "questions.jsonl", "question")
    >>> len(rows) >= 200
    True
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema

from course_lib.paths import datasets_dir

SCHEMA_NAMES = ("profile", "dialogue", "curation_log", "nutrition", "menu", "guide", "question", "graded_answer",
                "general_question", "grader_tricky")


class DatasetError(ValueError):
    """A data file breaks its schema. ``problems`` lists dicts with ``line``, ``field`` and ``message``."""

    def __init__(self, path: Path, problems: list[dict]):
        self.path = Path(path)
        self.problems = problems
        lines = [f"{self.path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}"]
        for p in problems[:20]:
            where = f"line {p['line']}" + (f", field '{p['field']}'" if p["field"] else "")
            lines.append(f"  {where}: {p['message']}")
        if len(problems) > 20:
            lines.append(f"  ... and {len(problems) - 20} more")
        lines.append("Fix these rows (generated files: rerun `python scripts/build_datasets.py`) and load the file again.")
        super().__init__("\n".join(lines))


def schemas_dir() -> Path:
    return datasets_dir() / "schemas"


@lru_cache(maxsize=None)
def _validator(path: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def load_schema(name: str) -> dict:
    """The JSON Schema called ``name`` (one of :data:`SCHEMA_NAMES`)."""
    return _get_validator(name).schema


def _get_validator(name: str) -> jsonschema.Draft202012Validator:
    if name not in SCHEMA_NAMES:
        raise ValueError(f"Unknown schema {name!r}; choose one of {', '.join(SCHEMA_NAMES)}.")
    return _validator(str(schemas_dir() / f"{name}.schema.json"))


def _field(error: jsonschema.ValidationError) -> str:
    # "messages[1].content" reads better than deque(['messages', 1, 'content']).
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path = f"{path}.{missing}" if path else missing
    return path


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        return "missing required field"
    text = error.message
    return text if len(text) <= 160 else text[:157] + "..."


def validate_file(path: str | Path, schema_name: str) -> list[dict]:
    """Read ``path`` and check every row against schema ``schema_name``; return the rows.

    Raises :class:`DatasetError` listing every problem (file, line, field, message) when
    anything is wrong, and :class:`FileNotFoundError` with the path when the file is missing.
    Example: ``validate_file("datasets/dialogues/train.jsonl", "dialogue")``.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `python scripts/build_datasets.py` to create the datasets.")
    validator = _get_validator(schema_name)
    text = path.read_text(encoding="utf-8")
    problems: list[dict] = []
    rows: list[dict] = []
    if path.suffix == ".json":
        try:
            entries = [(1, json.loads(text))]
        except json.JSONDecodeError as e:
            raise DatasetError(path, [{"line": e.lineno, "field": "", "message": f"not valid JSON ({e.msg})"}]) from None
    else:
        entries = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                problems.append({"line": lineno, "field": "", "message": "empty line (remove it)"})
                continue
            try:
                entries.append((lineno, json.loads(line)))
            except json.JSONDecodeError as e:
                problems.append({"line": lineno, "field": "", "message": f"not valid JSON ({e.msg} at column {e.colno})"})
    for lineno, row in entries:
        errors = sorted(validator.iter_errors(row), key=lambda e: (list(map(str, e.absolute_path)), e.message))
        for err in errors:
            problems.append({"line": lineno, "field": _field(err), "message": _message(err)})
        rows.append(row)
    if problems:
        raise DatasetError(path, problems)
    return rows
