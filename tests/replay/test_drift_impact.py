"""The observed traffic through the model: drift against the lab the logs came from, impact of a what-if change."""

from connectors import labtemplates
from connectors.exchange.acl import add_ad_permission, remove_ad_permission
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON, SUBMIT
from connectors.exchange.log_files import text_source
from connectors.exchange.replay import build_profile, profile_of_paths
from connectors.exchange.replay_model import ModelReplay, drift, impact, report
from tests.replay.logs import FRONTEND_2019, HEADER, HUB_2010, HUB_2019, relay_session


def _with_acl(org, name, change):
    connector = org.connector("EX01", name)
    changed = connector.with_changes(acl=change(connector.acl))
    return org.with_changes(connectors=tuple(changed if c is connector else c for c in org.connectors))


def _without_relay_ace(org):
    return _with_acl(
        org, "Anonymous Relay", lambda acl: remove_ad_permission(acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT)
    )


def _frontend_profile():
    return profile_of_paths([FRONTEND_2019, HUB_2019])


def test_drift_is_empty_for_the_2019_lab_the_logs_came_from():
    assert drift(_frontend_profile(), ModelReplay(labtemplates.demo_org())) == []


def test_drift_is_empty_for_the_2010_lab_the_logs_came_from():
    assert drift(profile_of_paths([HUB_2010]), ModelReplay(labtemplates.template_org("exchange2010"))) == []


def test_drift_names_the_missing_relay_ace_with_an_example_session():
    rows = drift(_frontend_profile(), ModelReplay(_without_relay_ace(labtemplates.demo_org())))
    assert [(r["kind"], r["remote_ip"], r["connector"]) for r in rows] == [
        ("rights", "10.0.0.50", "EX01\\Anonymous Relay"),
        ("reply", "10.0.0.50", "EX01\\Anonymous Relay"),
    ]
    rights, reply = rows
    assert "ms-Exch-SMTP-Accept-Any-Recipient" in rights["logged"]
    assert "ms-Exch-SMTP-Accept-Any-Recipient" not in rights["model"]
    assert "Allow ms-Exch-SMTP-Accept-Any-Recipient for NT AUTHORITY\\ANONYMOUS LOGON" in rights["reason"]
    assert rights["example_session"].startswith("08DC000000000001 (")
    assert rights["sessions"] == 1
    assert reply["logged"] == 'RCPT TO:<"smith, john"@fabrikam.com> 250 2.1.5 Recipient OK'
    assert reply["model"] == 'RCPT TO:<"smith, john"@fabrikam.com> 550 5.7.1 Unable to relay'
    assert "has no ms-Exch-SMTP-Accept-Any-Recipient" in reply["reason"]


def test_drift_shows_a_connector_the_model_would_not_pick():
    org = labtemplates.demo_org()
    org = org.with_changes(connectors=tuple(c for c in org.connectors if c.name != "Anonymous Relay"))
    (row, *_rest) = drift(_frontend_profile(), ModelReplay(org))
    assert (row["kind"], row["logged"], row["model"]) == (
        "connector",
        "EX01\\Anonymous Relay",
        "EX01\\Default Frontend EX01",
    )
    assert row["reason"]


def test_impact_lists_exactly_the_senders_a_change_breaks_and_opens():
    baseline = labtemplates.demo_org()
    changed = _with_acl(
        _without_relay_ace(baseline),
        "Default Frontend EX01",
        lambda acl: add_ad_permission(acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT),
    )
    rows = impact(_frontend_profile(), ModelReplay(baseline), ModelReplay(changed))
    assert [(r["direction"], r["remote_ip"], r["connector"], r["before"], r["after"]) for r in rows] == [
        ("breaks", "10.0.0.50", "EX01\\Anonymous Relay", "250 2.1.5 Recipient OK", "550 5.7.1 Unable to relay"),
        ("opens", "203.0.113.5", "EX01\\Default Frontend EX01", "550 5.7.1 Unable to relay", "250 2.1.5 Recipient OK"),
    ]
    breaks, opens = rows
    assert breaks["outside_domains"] == ["fabrikam.com"]
    assert breaks["messages"] == 1
    assert breaks["cause"] == [
        "Remove-ADPermission -Identity 'EX01\\Anonymous Relay' -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
        "-ExtendedRights 'ms-Exch-SMTP-Accept-Any-Recipient' -Confirm:$false"
    ]
    assert breaks["summary"] == (
        "10.0.0.50 sent 1 message to 1 outside domain through Anonymous Relay; after this change it gets "
        "550 5.7.1 Unable to relay"
    )
    assert opens["outside_domains"] == ["tailspin.com"]
    assert any("Default Frontend EX01" in line and "Add-ADPermission" in line for line in opens["cause"])


def test_impact_is_empty_when_nothing_changes():
    org = labtemplates.demo_org()
    assert impact(_frontend_profile(), ModelReplay(org), ModelReplay(org)) == []


def test_equivalent_sessions_are_simulated_once():
    profile = _frontend_profile()
    model = ModelReplay(labtemplates.demo_org())
    drift(profile, model)
    first = model.simulated
    drift(profile, model)
    assert first == 4
    assert model.simulated == first  # the proxy leg is not simulated; a second pass is all cache


def test_the_report_has_the_shape_the_command_prints():
    result = report(_frontend_profile(), labtemplates.demo_org(), _without_relay_ace(labtemplates.demo_org()))
    assert {"sessions", "malformed_lines", "connectors", "drift", "impact"} <= result.keys()
    assert result["sessions"] == 5
    assert result["malformed_lines"] == 1
    relay = next(c for c in result["connectors"] if c["connector"] == "EX01\\Anonymous Relay")
    assert {"connector", "remote_addresses", "sessions", "messages"} <= relay.keys()
    (row,) = result["impact"]
    assert {"remote_ip", "connector", "messages", "before", "after", "cause"} <= row.keys()


def _without_relay_right(acl):
    return tuple(a for a in acl if a.right != ACCEPT_ANY_RECIPIENT)


def _in_2010(change, name):
    org = labtemplates.template_org("exchange2010")
    connector = org.connector("EX01", name)
    changed = connector.with_changes(acl=change(connector.acl))
    return org, org.with_changes(connectors=tuple(changed if c is connector else c for c in org.connectors))


def test_it_names_the_ace_a_2010_lab_lacks_for_the_signed_in_session_and_its_refused_recipient():
    _, lacking = _in_2010(_without_relay_right, "Client EX01")
    rows = drift(profile_of_paths([HUB_2010]), ModelReplay(lacking))
    assert [(r["kind"], r["remote_ip"], r["connector"]) for r in rows] == [
        ("rights", "192.0.2.7", "EX01\\Client EX01"),
        ("reply", "192.0.2.7", "EX01\\Client EX01"),
    ]
    rights, reply = rows
    assert rights["reason"].endswith("an ACE is missing — Allow ms-Exch-SMTP-Accept-Any-Recipient for CONTOSO\\alice.")
    assert reply["logged"] == "RCPT TO:<x@fabrikam.com> 250 2.1.5 Recipient OK"
    assert reply["model"] == "RCPT TO:<x@fabrikam.com> 550 5.7.1 Unable to relay"


def test_it_lists_the_2010_senders_a_change_breaks_and_the_530_sender_it_opens():
    baseline, changed = _in_2010(_without_relay_right, "Client EX01")
    default = changed.connector("EX01", "Default EX01")
    opened = default.with_changes(acl=add_ad_permission(default.acl, ANONYMOUS_LOGON, SUBMIT))
    changed = changed.with_changes(connectors=tuple(opened if c is default else c for c in changed.connectors))
    rows = impact(profile_of_paths([HUB_2010]), ModelReplay(baseline), ModelReplay(changed))
    assert [(r["direction"], r["remote_ip"], r["connector"], r["before"], r["after"]) for r in rows] == [
        ("breaks", "192.0.2.7", "EX01\\Client EX01", "250 2.1.5 Recipient OK", "550 5.7.1 Unable to relay"),
        ("opens", "203.0.113.5", "EX01\\Default EX01", "530 5.7.1 Client was not authenticated", "250 2.1.0 Sender OK"),
    ]
    breaks, opens = rows
    assert breaks["cause"] == [
        "Remove-ADPermission -Identity 'EX01\\Client EX01' -User 'NT AUTHORITY\\Authenticated Users' "
        "-ExtendedRights 'ms-Exch-SMTP-Accept-Any-Recipient' -Confirm:$false"
    ]
    assert opens["cause"] == [
        "Add-ADPermission -Identity 'EX01\\Default EX01' -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
        "-ExtendedRights 'ms-Exch-SMTP-Submit'"
    ]


def test_it_counts_a_message_once_when_a_change_refuses_two_of_its_recipients():
    log = HEADER + relay_session("S1", "10.0.0.50:5000", ["a@fabrikam.com", "b@tailspin.com"])
    profile = build_profile([text_source("RECV20240201-1.LOG", log)])
    baseline = labtemplates.demo_org()
    (row,) = impact(profile, ModelReplay(baseline), ModelReplay(_without_relay_ace(baseline)))
    assert row["messages"] == 1
    assert row["sessions"] == 1
    assert row["outside_domains"] == ["fabrikam.com", "tailspin.com"]
    assert row["summary"].startswith("10.0.0.50 sent 1 message to 2 outside domains through Anonymous Relay;")


def test_it_skips_a_session_whose_endpoint_is_no_address_as_a_malformed_line():
    log = HEADER + relay_session("S1", "not-an-address", ["a@fabrikam.com"])
    log += relay_session("S2", "10.0.0.50:5000", ["a@fabrikam.com"])
    profile = build_profile([text_source("RECV20240201-1.LOG", log)])
    baseline = labtemplates.demo_org()
    result = report(profile, baseline, _without_relay_ace(baseline))
    assert result["sessions"] == 1
    assert result["malformed_lines"] == 1
    assert result["malformed"] == [
        {
            "file": "RECV20240201-1.LOG",
            "line": 6,
            "problem": "the remote-endpoint 'not-an-address' is no IP address and port (session S1)",
        }
    ]
    assert [row["remote_ip"] for row in result["impact"]] == ["10.0.0.50"]
