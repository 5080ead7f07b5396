"""The web console and manage.py ems change only what a command touches: a command naming one server loads, checks
and saves that server, in as many queries on a 20-server lab as on a 2-server one; a command that reaches further
still sees the whole lab."""

import io
from unittest import mock

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connectors import labs
from connectors.store import lab_to_org
from tests.helpers import HTMX


def _post(client, lab, command):
    response = client.post(reverse("connectors:console", args=[lab.slug]), {"command": command}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def _queries(client, lab, command) -> int:
    with CaptureQueriesContext(connection) as queries:
        body = _post(client, lab, command)
    assert "# changed EX002\\Relay 002" in body
    return len(queries)


def test_it_runs_a_one_server_command_in_the_same_queries_whatever_the_labs_size(signed_in, owner):
    small = labs.generate_lab("two", 2, 3, 2, seed=1, owner=owner)
    big = labs.generate_lab("twenty", 20, 3, 2, seed=1, owner=owner)
    command = "Set-ReceiveConnector 'EX002\\Relay 002' -Comment 'scoped {}'"
    _post(signed_in, small, command.format("warm-up"))  # the session row exists from here on
    counts = [_queries(signed_in, lab, command.format(lab.slug)) for lab in (small, big)]
    assert counts[0] == counts[1], counts
    assert lab_to_org(big, ["EX002"]).connector("EX002", "Relay 002").comment == "scoped twenty"


def test_it_shows_the_servers_the_command_worked_on(signed_in, owner):
    lab = labs.generate_lab("shown", 20, 3, 2, seed=1, owner=owner)
    body = _post(signed_in, lab, "Set-ReceiveConnector 'EX017\\Relay 001' -Comment shown")
    assert "EX017\\Relay 003" in body, "the table lists the named server's connectors"
    assert "EX001\\Relay 001" not in body


def test_a_command_over_every_server_still_sees_and_changes_them_all(signed_in, owner):
    lab = labs.generate_lab("everywhere", 5, 2, 2, seed=1, owner=owner)
    body = _post(
        signed_in,
        lab,
        "Get-ReceiveConnector | Where-Object { $_.Name -eq 'Relay 002' } | Set-ReceiveConnector -Comment everywhere",
    )
    assert body.count("# changed") == 5
    assert {c.comment for c in lab_to_org(lab).connectors if c.name == "Relay 002"} == {"everywhere"}


def test_a_scoped_new_connector_still_meets_its_servers_binding_conflicts(signed_in, owner):
    lab = labs.generate_lab("conflicts", 5, 2, 2, seed=1, owner=owner)
    taken = lab_to_org(lab, ["EX003"]).connector("EX003", "Relay 001")
    command = (
        f"New-ReceiveConnector -Name Clash -Server EX003 -Custom -Bindings {taken.bindings[0].text} "
        f"-RemoteIPRanges {taken.remote_ip_ranges[0].text}"
    )
    body = _post(signed_in, lab, command)
    assert '<span class="err">' in body
    assert lab_to_org(lab, ["EX003"]).connector("EX003", "Clash") is None


def test_manage_py_ems_runs_scoped_and_saves_the_server_it_named(owner):
    lab = labs.generate_lab("cli", 6, 2, 2, seed=1, owner=owner)
    before = lab_to_org(lab)
    stdin = io.StringIO("Set-ReceiveConnector 'EX004\\Relay 001' -Comment cli\nGet-ReceiveConnector 'EX004\\Relay 001'")
    out = io.StringIO()

    with mock.patch("sys.stdin", stdin):
        call_command("ems", "cli", stdout=out)
    after = lab_to_org(lab)
    assert after.connector("EX004", "Relay 001").comment == "cli"
    changed = [c.identity for c in after.connectors if c not in set(before.connectors)]
    assert changed == ["EX004\\Relay 001"]
