"""A class on one JupyterHub, for real: two learners' servers are spawned and each serves the course with its kernel.

JupyterHub runs from the course environment on 127.0.0.1 (DummyAuthenticator with a password,
SimpleLocalProcessSpawner, configurable-http-proxy from deploy/node_modules, installed by `make hub-proxy`).
Everything it starts is stopped at the end, and the test checks that no process is left behind.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from servers import descendants, free_port, stop, wait_for

from course_lib.tooling.classroom import KERNEL, SERVER_HEADROOM_MB

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PROXY = ROOT / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy"
LEARNERS = ("learner1", "learner2")
TOKEN = "course-hub-test-" + os.urandom(16).hex()
DEADLINE_SECONDS = 90


def proxy_command() -> str:
    if PROXY.exists():
        return str(PROXY)
    # CI (.ci/run) sets COURSE_REQUIRE_HUB=1: there the hub must run; elsewhere a missing Node.js skips with advice.
    stop = pytest.fail if os.environ.get("COURSE_REQUIRE_HUB") == "1" else pytest.skip
    if shutil.which("npm") is None:
        stop("npm is missing, so configurable-http-proxy cannot be installed: install Node.js 20+ and npm "
             "(Debian/Ubuntu: sudo apt-get install nodejs npm), then run `make hub-proxy`.")
    stop(f"{PROXY.relative_to(ROOT)} is missing: run `make hub-proxy` (npm ci --prefix deploy).")


def hub_config(tmp: Path, port: int, api_port: int, hub_port: int) -> str:
    bin_dir = Path(sys.executable).parent
    homes = tmp / "home"
    return f"""
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{tmp / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = "{tmp / 'jupyterhub_cookie_secret'}"
c.ConfigurableHTTPProxy.command = ["{proxy_command()}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.pid_file = "{tmp / 'proxy.pid'}"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "course-hub-test-password"
c.Authenticator.allowed_users = {set(LEARNERS)!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/{{username}}"
c.Spawner.notebook_dir = "{homes}/{{username}}"
c.Spawner.cmd = ["{bin_dir / 'jupyterhub-singleuser'}"]
c.Spawner.default_url = "/lab"
# Containers and CI machines often run as root, which Jupyter servers refuse without this flag (as `make lab`).
c.Spawner.args = {["--allow-root"] if os.getuid() == 0 else []!r}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
# Answer a spawn request at once (202) instead of after 10 s, so both learners' servers start together.
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.JupyterHub.services = [{{"name": "course-test", "api_token": "{TOKEN}"}}]
c.JupyterHub.load_roles = [{{"name": "course-test", "services": ["course-test"],
                            "scopes": ["admin:users", "admin:servers", "access:servers"]}}]
"""


def call(url: str, method: str = "GET", timeout: float = 10) -> tuple[int, dict]:
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, json.loads(body) if body else {}
    except urllib.error.HTTPError as error:
        return error.code, {}


def test_two_learners_get_their_own_server_with_the_course_and_its_kernel_and_everything_stops(tmp_path):
    began = time.monotonic()
    deadline = began + DEADLINE_SECONDS
    for learner in LEARNERS:           # what nbgitpuller would have cloned: the course's notebooks
        shutil.copytree(ROOT / "notebooks", tmp_path / "home" / learner / "notebooks")
    port, api_port, hub_port = free_port(), free_port(), free_port()
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(hub_config(tmp_path, port, api_port, hub_port))
    log = tmp_path / "hub.log"
    hub_api = f"http://127.0.0.1:{port}/hub/api"
    seen: dict[int, psutil.Process] = {}
    with log.open("w") as log_file:
        hub = subprocess.Popen([str(Path(sys.executable).parent / "jupyterhub"), "-f", str(config)], cwd=tmp_path,
                               stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for("the hub behind the proxy", lambda: call(f"{hub_api}/")[0] == 200, deadline, log)
        for learner in LEARNERS:
            status, _ = call(f"{hub_api}/users/{learner}/server", method="POST", timeout=30)
            assert status in (201, 202), f"starting {learner}'s server answered {status}"
        for learner in LEARNERS:
            wait_for(f"{learner}'s server", lambda learner=learner: call(f"{hub_api}/users/{learner}")[1]
                     .get("servers", {}).get("", {}).get("ready"), deadline, log)
        seen.update({p.pid: p for p in descendants(hub.pid)})

        for learner in LEARNERS:
            server = f"http://127.0.0.1:{port}/user/{learner}/api"
            status, specs = call(f"{server}/kernelspecs")
            assert status == 200 and KERNEL in specs["kernelspecs"], f"{learner}: kernels {list(specs.get('kernelspecs', {}))}"
            status, listing = call(f"{server}/contents/notebooks")
            served = sorted(item["name"] for item in listing.get("content", []))
            assert status == 200 and served == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))

        # The memory limit's headroom is meant for the single-user server: check it holds for the real one.
        servers = [p for p in seen.values() if "jupyterhub-singleuser" in " ".join(p.cmdline())]
        assert len(servers) == len(LEARNERS)
        for process in servers:
            rss_mb = sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20
            print(f"single-user server {process.pid}: {rss_mb:.0f} MB resident")
            assert rss_mb < SERVER_HEADROOM_MB, f"a single-user server uses {rss_mb:.0f} MB"

        for learner in LEARNERS:
            status, _ = call(f"{hub_api}/users/{learner}/server", method="DELETE", timeout=30)
            assert status in (202, 204)
    finally:
        left = stop(hub, seen)    # the hub stops the servers it spawned and the proxy it started
    assert left == [], f"processes left running after the hub stopped: {[p.cmdline() for p in left]}"
    assert time.monotonic() - began < DEADLINE_SECONDS
