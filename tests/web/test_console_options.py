"""The web console's switches: a dry run prints what each command would do and the plan, and changes nothing; "run as
one change" leaves the lab as it was when the script fails midway (without it, the commands before the error stay)."""

from django.urls import reverse

from connectors import labfile
from connectors.store import lab_to_org
from tests.helpers import HTMX

SCRIPT = (
    "Set-ReceiveConnector 'EX01\\Client EX01' -Comment 'first'\n"
    "New-ReceiveConnector -Name Relay -Server EX01 -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 10.0.0.50\n"
)
FAILING = SCRIPT + "Set-ReceiveConnector 'EX01\\Nope' -Enabled $false\n"


def _run(client, lab, command, **switches):
    data = {"command": command, **{name: "on" for name, on in switches.items() if on}}
    response = client.post(reverse("connectors:console", args=[lab.slug]), data, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_a_dry_run_prints_each_change_and_the_plan_and_changes_nothing(signed_in, lab):
    before = labfile.dump_lab(lab)
    body = _run(signed_in, lab, SCRIPT, dry_run=True)
    assert "What if: Configuring Receive connector &quot;EX01\\Client EX01&quot;." in body
    assert "What if: Creating Receive connector &quot;Relay&quot; on server &quot;EX01&quot;." in body
    assert "Plan of the whole script (dry run: nothing was changed):" in body
    assert "# dry run" in body
    assert labfile.dump_lab(lab) == before
    assert "history entry" not in body


def test_the_switches_stay_set_for_the_next_command(signed_in, lab):
    body = _run(signed_in, lab, "Get-AcceptedDomain", dry_run=True, atomic=True)
    assert 'id="id_dry_run" checked' in body
    assert 'id="id_atomic" checked' in body


def test_as_one_change_a_script_that_fails_midway_changes_nothing(signed_in, lab):
    before = labfile.dump_lab(lab)
    body = _run(signed_in, lab, FAILING, atomic=True)
    assert '<span class="err">' in body
    assert labfile.dump_lab(lab) == before
    assert "# as one change" in body
    assert "# stopped at the first error; nothing was applied (run as one change)" in body


def test_as_one_change_a_script_that_runs_through_says_nothing_of_an_error(signed_in, lab):
    body = _run(signed_in, lab, SCRIPT, atomic=True)
    assert "nothing was applied" not in body


def test_without_it_the_commands_before_the_error_stay_applied(signed_in, lab):
    body = _run(signed_in, lab, FAILING)
    assert "# created EX01\\Relay" in body
    org = lab_to_org(lab)
    assert org.connector("EX01", "Relay") is not None
    assert org.connector("EX01", "Client EX01").comment == "first"


def test_a_whole_script_as_one_change_is_one_history_entry(signed_in, lab):
    body = _run(signed_in, lab, SCRIPT, atomic=True)
    assert body.count("history entry #") == 1
    assert lab_to_org(lab).connector("EX01", "Relay") is not None
