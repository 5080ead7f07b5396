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
