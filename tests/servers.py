"""Helpers for the tests that start real servers (JupyterHub, JupyterLab): ports, waiting, and a clean stop."""
from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
from pathlib import Path
from typing import Any, Callable

import psutil
import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], deadline: float, log: Path) -> Any:
    """Poll ``check`` until it returns something true; fail with the end of ``log`` at ``deadline`` (monotonic)."""
    while time.monotonic() < deadline:
        try:
            result = check()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            result = None
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}; server log:\n{log.read_text()[-3000:]}")


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stop(server: subprocess.Popen, seen: dict[int, psutil.Process]) -> list[psutil.Process]:
    """SIGTERM ``server`` (it stops what it started), kill what is left of ``seen``; return the processes left."""
    seen.update({p.pid: p for p in descendants(server.pid)})
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    time.sleep(0.5)
    left = [p for p in seen.values() if alive(p)]
    for process in left:
        process.kill()
    return left
