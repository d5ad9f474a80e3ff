"""Run notebooks with the course kernel and record their time and peak memory.

Usage: python scripts/budget.py [notebooks/NN_x.ipynb ...]   (default: every notebook)

Each notebook runs top to bottom in a fresh `rag-vs-ft` kernel and is saved in place
with its outputs, so the committed outputs are those of the measured run. Wall
seconds and peak resident memory (MB; the kernel process plus its children, sampled
every 0.1 s) go to docs/budget.csv; the README's budget table and each notebook's
`<!-- budget -->` header line are rewritten from that file.
"""
from __future__ import annotations

import csv
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
CSV_PATH = ROOT / "docs" / "budget.csv"
README = ROOT / "README.md"
INSTRUCTORS = ROOT / "docs" / "instructors.md"
KERNEL = "rag-vs-ft"
LIMIT_SECONDS, LIMIT_MB, COURSE_LIMIT_SECONDS = 300, 2048, 1800


class PeakSampler(threading.Thread):
    """Polls the resident memory of a process tree and keeps the maximum."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self._halt = pid, every, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root] + root.children(recursive=True)
                rss = 0
                for p in procs:
                    try:
                        rss += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, rss)
            except psutil.Error:
                pass
            time.sleep(self.every)

    def stop(self) -> int:
        self._halt.set()
        self.join()
        return self.peak


def run_notebook(path: Path) -> tuple[float, float]:
    """Execute one notebook in place; return (wall seconds, peak MB)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=900, resources={"metadata": {"path": str(path.parent)}})
    began = time.perf_counter()
    with client.setup_kernel():
        sampler = PeakSampler(client.km.provisioner.process.pid)
        sampler.start()
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            # execute() would do this itself; cell-by-cell runs must ask for it, or
            # progress bars and widgets show as "Loading widget..." in static views.
            client.set_widgets_metadata()
        finally:
            peak = sampler.stop()
    seconds = time.perf_counter() - began
    nbformat.write(nb, path)
    return seconds, peak / 2**20


def read_rows() -> dict[str, dict[str, str]]:
    if not CSV_PATH.exists():
        return {}
    with CSV_PATH.open() as f:
        return {row["notebook"]: row for row in csv.DictReader(f)}


def write_rows(rows: dict[str, dict[str, str]]) -> None:
    CSV_PATH.parent.mkdir(exist_ok=True)
    with CSV_PATH.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["notebook", "seconds", "peak_mb"])
        writer.writeheader()
        for name in sorted(rows):
            writer.writerow(rows[name])


def table(rows: dict[str, dict[str, str]]) -> str:
    lines = ["| notebook | run time | peak memory | within budget |", "|---|---:|---:|:---:|"]
    total = 0.0
    for name in sorted(rows):
        s, mb = float(rows[name]["seconds"]), float(rows[name]["peak_mb"])
        total += s
        ok = "yes" if s <= LIMIT_SECONDS and mb <= LIMIT_MB else "**no**"
        lines.append(f"| [{name}](notebooks/{name}) | {s:.0f} s | {mb:.0f} MB | {ok} |")
    ok = "yes" if total <= COURSE_LIMIT_SECONDS else "**no**"
    lines.append(f"| **whole course** | **{total / 60:.1f} min** | | {ok} |")
    return "\n".join(lines)


def update_readme(rows: dict[str, dict[str, str]]) -> None:
    _replace_between(README, "budget-table", table(rows))


def title_and_study_minutes(path: Path) -> tuple[str, int]:
    """A lesson's title and the study time its header announces ("Study time ... about 60 minutes")."""
    header = nbformat.read(path, as_version=4).cells[0].source
    title = re.match(r"# Lesson \d+: (.+)", header)
    match = re.search(r"Study time\W*about (\d+) minutes", header, re.I)
    if not (title and match):
        raise ValueError(f"{path.name}: the header should start '# Lesson NN: title' and say 'Study time: about N minutes'.")
    return title.group(1).strip(), int(match.group(1))


def workshop_table(rows: dict[str, dict[str, str]]) -> str:
    """The instructor guide's table: per lesson, the announced study time and what running it costs."""
    lines = ["| lesson | study time | running every cell (2 cores) | peak memory |", "|---|---:|---:|---:|"]
    minutes = seconds = 0.0
    for name in sorted(rows):
        title, study = title_and_study_minutes(ROOT / "notebooks" / name)
        minutes += study
        seconds += float(rows[name]["seconds"])
        lines.append(f"| {name[:2]} [{title}](../notebooks/{name}) | {study} min | "
                     f"{float(rows[name]['seconds']) / 60:.1f} min | {float(rows[name]['peak_mb']):.0f} MB |")
    lines.append(f"| **all {len(rows)} lessons** | **{minutes / 60:.1f} h** | **{seconds / 60:.1f} min** | "
                 f"**{max(float(r['peak_mb']) for r in rows.values()):.0f} MB** (largest) |")
    return "\n".join(lines)


def _replace_between(path: Path, marker: str, body: str) -> None:
    text = path.read_text()
    path.write_text(re.sub(rf"(<!-- {marker} -->).*?(<!-- /{marker} -->)",
                           lambda m: m.group(1) + "\n" + body + "\n" + m.group(2), text, flags=re.S))


def update_header(path: Path, seconds: float, peak_mb: float) -> None:
    """Write the measured numbers into the notebook's `<!-- budget -->` header line."""
    nb = nbformat.read(path, as_version=4)
    line = (
        f"<!-- budget -->**Measured on the reference machine** (2 CPU cores, no GPU): "
        f"runs in {seconds:.0f} s, peak memory {peak_mb:.0f} MB.<!-- /budget -->"
    )
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "<!-- budget -->" in cell.source:
            cell.source = re.sub(r"<!-- budget -->.*?<!-- /budget -->", line, cell.source, flags=re.S)
            nbformat.write(nb, path)
            return


LOAD_SNIPPET = ("import time; began = time.perf_counter(); from course_lib.models import load_llm; "
                "load_llm(verbose=False); print(f'{time.perf_counter() - began:.1f}')")


def measure_model_load() -> float:
    """Seconds to import course_lib and load the generator from the converted cache, in a fresh process.

    Measured here rather than asserted in a unit test, where a busy machine would make it flaky.
    """
    subprocess.run([sys.executable, "-m", "course_lib.models", "warm"], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", LOAD_SNIPPET], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def update_load_time(seconds: float) -> None:
    text = README.read_text()
    README.write_text(re.sub(r"(<!-- load-time -->).*?(<!-- /load-time -->)",
                             lambda m: f"{m.group(1)}{seconds:.0f} s{m.group(2)}", text, flags=re.S))


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    load = measure_model_load()
    print(f"generator load from the cache: {load:.1f} s", flush=True)
    update_load_time(load)
    rows = read_rows()
    over = []
    for path in paths:
        print(f"running {path.name} ...", flush=True)
        seconds, peak_mb = run_notebook(path)
        print(f"  {seconds:.1f} s, peak {peak_mb:.0f} MB", flush=True)
        rows[path.name] = {"notebook": path.name, "seconds": f"{seconds:.1f}", "peak_mb": f"{peak_mb:.0f}"}
        update_header(path, seconds, peak_mb)
        if seconds > LIMIT_SECONDS or peak_mb > LIMIT_MB:
            over.append(path.name)
    existing = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    rows = {k: v for k, v in rows.items() if k in existing}
    write_rows(rows)
    update_readme(rows)
    _replace_between(INSTRUCTORS, "workshop-table", workshop_table(rows))
    from course_lib.tooling.classroom import write_configs  # the JupyterHub limits follow the budgets

    write_configs()
    print(table(rows))
    if over:
        print(f"OVER BUDGET: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
