"""manage.py replay: the JSON it prints and when it fails."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connectors import labs
from connectors.exchange.acl import remove_ad_permission
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from connectors.store import lab_to_org, save_org
from tests.replay.logs import FRONTEND_2019, HUB_2019


def _run(*args) -> str:
    out = StringIO()
    call_command("replay", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return labs.create_demo_lab("demo")


@pytest.fixture
def what_if(demo):
    copy = labs.copy_lab(demo, "demo-what-if")
    org = lab_to_org(copy)
    relay = org.connector("EX01", "Anonymous Relay")
    relay = relay.with_changes(acl=remove_ad_permission(relay.acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT))
    save_org(copy, org.with_changes(connectors=tuple(relay if c.name == relay.name else c for c in org.connectors)))
    return copy


def test_json_against_a_what_if_copy_names_the_application_server(what_if):
    result = json.loads(_run("demo", str(FRONTEND_2019), str(HUB_2019), "--against", "demo-what-if", "--json"))
    assert result["sessions"] == 5
    assert result["malformed_lines"] == 1
    assert result["drift"] == []
    (row,) = result["impact"]
    assert (row["remote_ip"], row["connector"], row["messages"]) == ("10.0.0.50", "EX01\\Anonymous Relay", 1)
    assert (row["before"], row["after"]) == ("250 2.1.5 Recipient OK", "550 5.7.1 Unable to relay")
    assert "Remove-ADPermission" in row["cause"][0]


def test_the_text_report_lists_the_inventory_and_no_drift(demo):
    text = _run("demo", str(FRONTEND_2019))
    assert "EX01\\Anonymous Relay: 1 address(es), 1 sessions, 1 messages" in text
    assert "Drift: none, the model agrees." in text


def test_it_fails_only_when_a_log_cant_be_read(demo, tmp_path):
    with pytest.raises(CommandError, match="nowhere.LOG: No such file or directory"):
        _run("demo", str(tmp_path / "nowhere.LOG"))
    junk = tmp_path / "junk.LOG"
    junk.write_text("not, a, protocol log\n")
    assert json.loads(_run("demo", str(junk), "--json"))["malformed_lines"] == 1


def test_a_bad_since_is_refused_in_words(demo):
    with pytest.raises(CommandError, match="--since/--until"):
        _run("demo", str(FRONTEND_2019), "--since", "last tuesday")


def test_json_has_the_keys_and_types_the_issue_names(demo, what_if):
    """Drift from a lab that lacks the relay ACE, and the impact of going back to the lab that has it."""
    result = json.loads(_run("demo-what-if", str(FRONTEND_2019), str(HUB_2019), "--against", "demo", "--json"))
    assert isinstance(result["sessions"], int)
    assert isinstance(result["malformed_lines"], int)
    assert result["sessions"] == 5
    assert result["malformed_lines"] == 1
    for entry in result["connectors"]:
        assert isinstance(entry["connector"], str)
        assert "\\" in entry["connector"]
        assert all(isinstance(a, str) for a in entry["remote_addresses"])
        assert isinstance(entry["sessions"], int)
        assert isinstance(entry["messages"], int)
    relay = next(e for e in result["connectors"] if e["connector"] == "EX01\\Anonymous Relay")
    assert (relay["remote_addresses"], relay["sessions"], relay["messages"]) == (["10.0.0.50"], 1, 1)
    assert [(d["kind"], d["remote_ip"]) for d in result["drift"]] == [("rights", "10.0.0.50"), ("reply", "10.0.0.50")]
    for row in result["drift"]:
        assert {"kind", "remote_ip", "logged", "model", "example_session", "reason"} <= row.keys()
        assert row["kind"] in ("connector", "rights", "reply")
        assert row["example_session"].startswith("08DC000000000001")
        assert all(isinstance(row[key], str) and row[key] for key in ("logged", "model", "reason"))
    (row,) = result["impact"]
    assert {"remote_ip", "connector", "messages", "before", "after", "cause"} <= row.keys()
    assert (row["remote_ip"], row["connector"], row["messages"]) == ("10.0.0.50", "EX01\\Anonymous Relay", 1)
    assert (row["before"], row["after"]) == ("550 5.7.1 Unable to relay", "250 2.1.5 Recipient OK")
    assert isinstance(row["cause"], list)
    assert "Add-ADPermission" in row["cause"][0]


def test_json_without_against_has_no_impact(demo):
    result = json.loads(_run("demo", str(FRONTEND_2019), "--json"))
    assert "impact" not in result
    assert result["drift"] == []
    assert result["sessions"] == 4
