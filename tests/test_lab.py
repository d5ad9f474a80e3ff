"""`make lab` starts a JupyterLab server that serves the course (README's first command)."""
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_the_lessons_with_the_course_kernel(tmp_path):
    port = free_port()
    log = tmp_path / "lab.log"
    env = dict(os.environ, NO_BROWSER="1", PORT=str(port), JUPYTER_RUNTIME_DIR=str(tmp_path))
    with log.open("w") as out:
        server = subprocess.Popen(["make", "lab"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        token = None
        for _ in range(120):
            match = re.search(r"token=([0-9a-f]+)", log.read_text())
            if match:
                token = match.group(1)
                break
            time.sleep(0.5)
        assert token, f"JupyterLab did not start:\n{log.read_text()[-2000:]}"
        base = f"http://127.0.0.1:{port}"

        def get(path):
            with urllib.request.urlopen(f"{base}{path}?token={token}", timeout=10) as response:
                return response.status, response.read()

        status, body = get("/api/contents/notebooks")
        served = {item["name"] for item in json.loads(body)["content"]}
        assert {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} <= served
        status, body = get("/api/kernelspecs")
        assert "rag-vs-ft" in json.loads(body)["kernelspecs"]
        status, _ = get("/lab/tree/notebooks/01_where_llms_fail.ipynb")
        assert status == 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
