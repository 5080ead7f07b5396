"""The web console's limits (EXCHSIM_CONSOLE_MAX_BYTES, EXCHSIM_CONSOLE_MAX_SECONDS) and hostile scripts: a clear
message, nothing saved, never a 500."""

import pytest
from django.urls import reverse

from connectors import labfile
from tests.helpers import HTMX

CHANGE = "Set-ReceiveConnector -Identity 'EX01\\Client EX01' -Enabled $false\n"


def _run(client, lab, command):
    response = client.post(reverse("connectors:console", args=[lab.slug]), {"command": command}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_a_script_over_the_size_limit_is_refused_unrun(signed_in, lab, settings):
    settings.EXCHSIM_CONSOLE_MAX_BYTES = 200
    before = labfile.dump_lab(lab)
    body = _run(signed_in, lab, CHANGE * 4)
    size = len((CHANGE * 4).strip().encode())
    assert (
        f"The script is {size} bytes; the console runs scripts of up to 200 bytes (EXCHSIM_CONSOLE_MAX_BYTES)" in body
    )
    assert labfile.dump_lab(lab) == before
    assert "# changed" not in body


def test_a_script_over_the_time_limit_applies_nothing(signed_in, lab, settings):
    settings.EXCHSIM_CONSOLE_MAX_SECONDS = 1e-9  # any script outlasts it before its first command
    before = labfile.dump_lab(lab)
    body = _run(signed_in, lab, CHANGE * 3)
    assert "The script ran longer than 1e-09 seconds, the limit for one script; nothing was applied." in body
    assert labfile.dump_lab(lab) == before


def test_a_long_script_is_kept_in_the_history_cut_short(signed_in, lab):
    script = "Get-ExchangeServer # " + "x" * 30_000
    body = _run(signed_in, lab, script)
    assert "more characters not kept)" in body
    history = signed_in.session[f"console:{lab.pk}"]
    assert len(history[-1]["command"]) < 10_100


@pytest.mark.parametrize(
    "script",
    [
        "Get-ReceiveConnector " + "(" * 83 + "'x'" + ")" * 83,
        "Get-ReceiveConnector " + "@(" * 120 + "'x'" + ")" * 120,
        "Get-ReceiveConnector " + "$(" * 100 + "'x'" + ")" * 100,
        "Set-ReceiveConnector 'EX01\\Client EX01' -MaxMessageSize '1.2.3MB'",
        "Set-ReceiveConnector 'EX01\\Client EX01' -MaxMessageSize " + "9" * 5000,
        "Set-ReceiveConnector 'EX01\\Client EX01' -MaxMessageSize '" + "9" * 400 + " MB'",
        "Add-ADPermission 'EX01\\Client EX01' -User @{a=1} -ExtendedRights ms-Exch-SMTP-Submit",
        "Set-ReceiveConnector 'EX01\\Client EX01' -Name @('a','b')",
    ],
)
def test_a_hostile_script_prints_an_error_and_changes_nothing(signed_in, lab, script):
    before = labfile.dump_lab(lab)
    body = _run(signed_in, lab, script)
    assert '<span class="err">' in body
    assert "Traceback" not in body
    assert labfile.dump_lab(lab) == before
