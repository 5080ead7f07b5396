"""A NUL (`0) in a console value is refused in words before it reaches the database (PostgreSQL refuses NUL in text
with a DataError), from the web console and manage.py ems alike; the lab stays as it was."""

import io
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from connectors import labfile
from tests.helpers import HTMX

WITH_NUL = [
    "Set-ReceiveConnector 'EX01\\Client EX01' -Comment \"a`0b\"",
    "Set-ReceiveConnector 'EX01\\Client EX01' -Banner \"220 a`0b\"",
    'New-ReceiveConnector -Name "R`0x" -Server EX01 -Custom -Bindings 0.0.0.0:2525 -RemoteIPRanges 10.0.0.1',
    "Add-ADPermission 'EX01\\Client EX01' -User \"CONTOSO\\a`0b\" -ExtendedRights ms-Exch-SMTP-Submit",
    'New-AcceptedDomain -Name "x`0y" -DomainName fabrikam.com',
    'Set-TransportConfig -TLSReceiveDomainSecureList "fab`0rikam.com"',
    'Set-TransportConfig -SupervisionTags "Al`0low"',
]


@pytest.mark.parametrize("script", WITH_NUL)
def test_the_web_console_refuses_a_nul_in_words(signed_in, lab, script):
    before = labfile.dump_lab(lab)
    response = signed_in.post(reverse("connectors:console", args=[lab.slug]), {"command": script}, **HTMX)
    assert response.status_code == 200
    assert '<span class="err">' in response.content.decode()
    assert labfile.dump_lab(lab) == before


@pytest.mark.parametrize("script", WITH_NUL)
def test_manage_py_ems_refuses_a_nul_in_words(lab, script):
    before = labfile.dump_lab(lab)
    with mock.patch("sys.stdin", io.StringIO(script)), pytest.raises(CommandError):
        call_command("ems", lab.slug, stdout=io.StringIO(), stderr=io.StringIO())
    assert labfile.dump_lab(lab) == before
