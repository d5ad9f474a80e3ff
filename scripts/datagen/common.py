"""Paths and the small helpers every builder shares: JSON writing and number formatting."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "datasets"
RAW = DATASETS / "knowledge" / "raw"


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(dumps(row) + "\n")


def write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def fmt_num(x: float, nd: int = 1) -> str:
    s = f"{x:.{nd}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def num_variants(raw: str, unit: str) -> list[str]:
    """Accepted spellings of a number with its unit, e.g. 9.02 g -> 9.02 g, 9.02g, 9.0 g."""
    forms = [raw]
    if "." in raw:
        v = float(raw)
        for nd in (1, 0):
            s = f"{v:.{nd}f}"
            if nd == 0 and abs(v - round(v)) > 0.05:
                continue
            forms.append(s)
    out = []
    for f in dict.fromkeys(forms):
        out += [f"{f} {unit}", f"{f}{unit}"]
        if "." in f:
            out.append(f"{f.replace('.', ',')} {unit}")
    return list(dict.fromkeys(o.lower() for o in out))
