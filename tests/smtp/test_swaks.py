"""The seed's recipe with swaks (Debian's package; .ci/run installs it) against the demo lab's live endpoint."""

import os
import shutil
import subprocess

import pytest

from connectors import labtemplates
from tests.smtp.live import live_endpoint

SWAKS = "/usr/bin/swaks"


@pytest.fixture(scope="module")
def swaks():
    found = shutil.which("swaks") or (SWAKS if os.path.exists(SWAKS) else None)
    if found:
        return found
    message = "The swaks tests need swaks (apt-get install swaks)."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " CI=true, so this is an error, not a skip.")
    print(message + " Skipping.")
    pytest.skip(message)


@pytest.fixture(scope="module")
def demo():
    with live_endpoint(labtemplates.demo_org(), ip="10.0.0.10", xclient=True) as live:
        yield live


def run_swaks(swaks, port, *args) -> str:
    command = [swaks, "--server", f"127.0.0.1:{port}", "--timeout", "10", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


def test_swaks_from_the_application_server_relays_outside(swaks, demo):
    out = run_swaks(
        swaks, demo.ports[25], "--xclient-addr", "10.0.0.50", "--from", "app@contoso.com", "--to", "a@fabrikam.com"
    )
    assert "<-  250 2.1.5 Recipient OK" in out
    assert "Queued mail for delivery" in out


def test_swaks_from_another_host_is_refused_relay(swaks, demo):
    out = run_swaks(
        swaks, demo.ports[25], "--xclient-addr", "10.0.0.51", "--from", "app@contoso.com", "--to", "a@fabrikam.com"
    )
    assert "<** 550 5.7.1 Unable to relay" in out
    assert "Queued mail" not in out


def test_swaks_sees_auth_login_on_the_client_port_only_after_starttls(swaks, demo):
    plain = run_swaks(swaks, demo.ports[587], "--quit-after", "EHLO")
    secured = run_swaks(swaks, demo.ports[587], "--tls", "--quit-after", "EHLO")
    assert "STARTTLS" in plain
    assert "LOGIN" not in plain
    assert "<~  250-AUTH GSSAPI NTLM LOGIN" in secured  # swaks marks lines read over TLS with ~
