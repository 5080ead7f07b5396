"""manage.py ems with hostile scripts: a CommandError in words, never a traceback, and with --atomic the lab file
(dumplab) the same before and after; an unreadable script file is refused in words."""

import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings

from connectors import labfile, labs

from .hostile import scripts

pytestmark = pytest.mark.django_db

HOSTILE = [
    "Get-ReceiveConnector " + "(" * 83 + "'x'" + ")" * 83,
    "Get-ReceiveConnector " + "@(" * 150 + "'x'" + ")" * 150,
    "Get-ReceiveConnector " + "$(" * 100 + "'x'" + ")" * 100,
    "Get-ReceiveConnector | where {"
    + " -and ".join(["$_.Enabled -eq $true"] * 1000)
    + "} | Remove-ReceiveConnector"
    + "\nSet-ReceiveConnector 'Nope' -Enabled $false",
    *(
        f"Set-ReceiveConnector 'EX01\\Default Frontend EX01' -MaxMessageSize {value}"
        for value in ("'.'", "','", "'1.2.3MB'", "10l", "9" * 5000, "'" + "9" * 400 + " MB'", "1e999")
    ),
    "Add-ADPermission 'EX01\\Default Frontend EX01' -User @{a=1} -ExtendedRights ms-Exch-SMTP-Submit",
    "New-ReceiveConnector -Name @('a','b') -Custom -Bindings 0.0.0.0:2525 -RemoteIPRanges 10.0.0.1",
    "Get-ReceiveConnector '\ud800'",
]


@pytest.fixture
def lab():
    return labs.create_lab_from_template("exchangese", slug="target")


def _ems(script: str, *options: str) -> str:
    out = io.StringIO()
    stdin = io.StringIO(script)
    with mock.patch("sys.stdin", stdin):
        call_command("ems", "target", *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("script", HOSTILE)
def test_a_hostile_script_is_a_command_error_and_changes_nothing(lab, script):
    before = labfile.dump_lab(lab)
    with pytest.raises(CommandError) as refusal:
        _ems(script, "--atomic")
    assert str(refusal.value).strip()
    assert labfile.dump_lab(lab) == before


def test_a_script_file_that_isnt_utf8_is_refused_in_words(lab, tmp_path):
    path = tmp_path / "script.ps1"
    path.write_bytes(b"Get-ReceiveConnector '\xff\xfe'")
    with pytest.raises(CommandError, match=r"Can't read .*script.ps1: it isn't UTF-8 text \(byte 23\)\."):
        call_command("ems", "target", "--file", str(path), stdout=io.StringIO())


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(script=scripts())
def test_any_script_succeeds_or_is_a_command_error_with_the_lab_unchanged(lab, script):
    before = labfile.dump_lab(lab)
    try:
        _ems(script, "--atomic")
    except CommandError as error:
        assert str(error).strip()
        assert labfile.dump_lab(lab) == before
