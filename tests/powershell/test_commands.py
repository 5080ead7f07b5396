"""manage.py exportps and manage.py ems against labs in the database."""

import io

import pytest
from django.core.management import CommandError, call_command

from connectors import labs
from connectors.models import Lab
from connectors.store import lab_to_org

pytestmark = pytest.mark.django_db

RELAY = (
    "New-ReceiveConnector 'Anonymous Relay' -TransportRole FrontendTransport -Custom -Bindings 0.0.0.0:25 "
    "-RemoteIPRanges 192.168.5.10\n"
    "Set-ReceiveConnector 'Anonymous Relay' -PermissionGroups AnonymousUsers\n"
)


def ems(slug, script, *options, tmp_path):
    path = tmp_path / "script.ps1"
    path.write_text(script, encoding="utf-8")
    out = io.StringIO()
    call_command("ems", slug, "--file", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def exportps(*args):
    out = io.StringIO()
    call_command("exportps", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def copied():
    base = labs.create_lab_from_template("exchangese", slug="base")
    return base, labs.copy_lab(base, slug="work")


def test_ems_saves_the_lab_and_exportps_writes_plan_and_rollback(copied, tmp_path):
    ems("work", RELAY + "Get-ReceiveConnector 'Anonymous Relay'", tmp_path=tmp_path)
    assert lab_to_org(copied[1]).connector("EX01", "Anonymous Relay") is not None
    plan = exportps("work", "--plan")
    assert "New-ReceiveConnector -Name 'Anonymous Relay' -Server 'EX01'" in plan
    rollback = exportps("work", "--rollback", "--whatif")
    assert "Remove-ReceiveConnector -Identity 'EX01\\Anonymous Relay' -Confirm:$false -WhatIf" in rollback
    assert exportps("base", "--plan", "--baseline", "work").count("Remove-ReceiveConnector") == 1


def test_whole_lab_script_runs_on_a_fresh_lab_of_the_template(copied, tmp_path):
    settings = (
        "Set-TransportConfig -TLSReceiveDomainSecureList fabrikam.com\n"
        "Set-RecipientFilterConfig -RecipientValidationEnabled $true\n"
    )
    ems("work", RELAY + settings, tmp_path=tmp_path)
    script = exportps("work")
    assert "Set-TransportConfig -TLSReceiveDomainSecureList 'fabrikam.com'" in script
    labs.create_lab_from_template("exchangese", slug="fresh")
    ems("fresh", script, tmp_path=tmp_path)
    assert exportps("fresh").splitlines()[3:] == script.splitlines()[3:]
    fresh = lab_to_org(Lab.objects.get(slug="fresh"))
    assert (fresh.tls_receive_domain_secure_list, fresh.recipient_validation_enabled) == (("fabrikam.com",), True)


def test_ems_stops_at_the_first_error_and_atomic_keeps_the_lab(copied, tmp_path):
    failing = RELAY + "Remove-ReceiveConnector Nope\n"
    with pytest.raises(CommandError, match="nothing was applied"):
        ems("work", failing, "--atomic", tmp_path=tmp_path)
    assert lab_to_org(copied[1]).connector("EX01", "Anonymous Relay") is None
    with pytest.raises(CommandError, match="earlier commands stay applied"):
        ems("work", failing, tmp_path=tmp_path)
    assert lab_to_org(copied[1]).connector("EX01", "Anonymous Relay") is not None


def test_ems_refuses_what_the_console_does_not_run(copied, tmp_path):
    with pytest.raises(CommandError, match="Invoke-Expression is not run by the exchsim console"):
        ems("work", "$c = Get-ReceiveConnector\nInvoke-Expression 'Remove-ReceiveConnector x'", tmp_path=tmp_path)


def test_unknown_lab_is_a_clear_error():
    with pytest.raises(CommandError, match="There's no lab called 'nope'"):
        exportps("nope")
