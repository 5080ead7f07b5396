"""`manage.py demo` as a newcomer runs it: a real server, DEBUG off, exchsim's own 404 page, static files served."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_SETTINGS_VARIABLES = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "EXCHSIM_SINGLE_USER", "EXCHSIM_DEMO"}
START_TIMEOUT = 90  # seconds: migrate on a fresh SQLite file, collectstatic, the demo lab


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def demo_server(tmp_path):
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in _SETTINGS_VARIABLES}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "demo", "--addrport", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                _get(base + "/labs/")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"manage.py demo didn't start:\n{server.stdout.read() if server.poll() else ''}")
                time.sleep(0.3)
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_demo_serves_exchsims_own_404_page_and_its_static_files(demo_server):
    for path in ("/labs/no-such-lab/", "/labs/demo/servers/EX01/connectors/No%20such%20connector/", "/nowhere/"):
        status, body = _get(demo_server + path)
        assert status == 404, path
        assert "<title>Not found · exchsim</title>" in body, path
        assert "Back to the labs" in body, path
        assert "DEBUG = True" not in body, path
        assert "URLconf" not in body, path
    status, page = _get(demo_server + "/labs/demo/")
    assert status == 200
    assert "Demo: Contoso with an anonymous relay" in page  # signed in as the local trainer
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/[^"]+)"', page).group(1)
    assert re.fullmatch(r"/static/exchsim\.[0-9a-f]{12}\.css", stylesheet)  # the manifest's name: DEBUG is off
    status, css = _get(demo_server + stylesheet)
    assert status == 200
    assert "body" in css
