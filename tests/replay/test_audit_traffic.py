"""The audit with traffic: a relay finding says whether the protocol logs show the relay being used."""

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from connectors import labs, labtemplates
from connectors.exchange.acl import add_ad_permission
from connectors.exchange.addresses import parse_remote_ranges
from connectors.exchange.audit import audit
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from connectors.exchange.log_files import text_source
from connectors.exchange.relay_use import TrafficSummary, traffic_summary
from connectors.exchange.replay import build_profile, profile_of_paths
from connectors.store import lab_to_org, save_org
from tests.replay.logs import FRONTEND_2019, FRONTEND_2019_FILES, HUB_2010, text

DEFAULT_FRONTEND = "EX01\\Default Frontend EX01"
REFUSED = "203.0.113.5:40002,>,550 5.7.1 Unable to relay,"


def _changed(org, name, **changes):
    connector = org.connector("EX01", name)
    changed = connector.with_changes(**changes)
    return org.with_changes(connectors=tuple(changed if c is connector else c for c in org.connectors))


def _internet_relay_org(org=None):
    """The demo lab with anonymous relay granted on its Internet-facing Default Frontend connector."""
    org = org or labtemplates.demo_org()
    acl = add_ad_permission(org.connector("EX01", "Default Frontend EX01").acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT)
    return _changed(org, "Default Frontend EX01", acl=acl)


def _open_relays(org, profile):
    summary = None if profile is None else traffic_summary(profile, org.accepted_domains)
    return [f for f in audit(org, traffic=summary) if f.code == "open-relay"]


def _relayed_logs(old: str, new: str):
    """The 2019 Front End logs with one logged reply changed (what production answered)."""
    first, second = FRONTEND_2019_FILES
    assert old in text(first)
    changed = text_source("RECV20240101-1.LOG", text(first).replace(old, new))
    return build_profile([changed, text_source("RECV20240101-2.LOG", text(second))])


def test_it_says_an_internet_facing_relay_is_being_abused_when_the_logs_show_internet_relaying():
    profile = _relayed_logs(REFUSED, "203.0.113.5:40002,>,250 2.1.5 Recipient OK,")
    (finding,) = _open_relays(_internet_relay_org(), profile)
    assert finding.traffic == (
        "In use: the protocol logs (2024-01-01 – 2024-01-01, 4 sessions) show 1 address relaying 1 message to "
        "1 outside domain through it without signing in; 1 Internet address among them (203.0.113.5): it is being "
        "abused."
    )
    assert finding.evidence[-1] == (
        f"logs: 203.0.113.5 (Internet) relayed 1 message to tailspin.com through {DEFAULT_FRONTEND}, "
        "2024-01-01 10:01 – 2024-01-01 10:01"
    )
    assert finding.to_json()["traffic"] == finding.traffic


def test_it_says_a_relay_the_logs_show_refused_is_not_used():
    (finding,) = _open_relays(_internet_relay_org(), profile_of_paths([FRONTEND_2019]))
    assert finding.traffic.startswith(
        "Not used for relaying in the protocol logs (2024-01-01 – 2024-01-01, 4 sessions)"
    )
    assert "closing it breaks no sender they show" in finding.traffic
    assert not any(line.startswith("logs:") for line in finding.evidence)


def test_it_names_the_application_server_when_the_relay_is_used_from_inside_only():
    org = labtemplates.demo_org()
    org = _changed(org, "Anonymous Relay", remote_ip_ranges=parse_remote_ranges(["0.0.0.0-255.255.255.255"]))
    (finding,) = _open_relays(org, profile_of_paths([FRONTEND_2019]))
    assert finding.objects[0].identity == "EX01\\Anonymous Relay"
    assert "1 address relaying 1 message to 1 outside domain" in finding.traffic
    assert finding.traffic.endswith("none of them is an Internet address.")
    assert "logs: 10.0.0.50 relayed 1 message to fabrikam.com through EX01\\Anonymous Relay" in finding.evidence[-1]


def test_it_says_when_the_logs_show_no_session_on_the_connector_at_all():
    (finding,) = _open_relays(_internet_relay_org(), profile_of_paths([HUB_2010]))
    assert finding.traffic.startswith("Not seen in the protocol logs (")
    assert "no session on it at all" in finding.traffic


def test_without_traffic_the_findings_say_nothing_about_logs():
    (finding,) = _open_relays(_internet_relay_org(), None)
    assert finding.traffic == ""
    assert not any(line.startswith("logs:") for line in finding.evidence)


def test_a_signed_in_client_sending_outside_is_not_relaying_and_the_summary_keeps_as_json():
    org = labtemplates.demo_org()
    summary = traffic_summary(profile_of_paths([FRONTEND_2019]), org.accepted_domains)
    assert set(summary.relayed) == {"ex01\\anonymous relay"}  # alice's signed-in session is not in it
    (relayer,) = summary.relayers("EX01\\Anonymous Relay")
    assert (relayer.address, relayer.messages, relayer.domains, relayer.public) == (
        "10.0.0.50",
        1,
        ("fabrikam.com",),
        False,
    )
    assert summary.saw(DEFAULT_FRONTEND)
    assert not summary.saw("EX01\\Nowhere")
    assert TrafficSummary.from_json(summary.to_json()) == summary


# --- the findings page and manage.py audit pass the lab's traffic ---------------------------------------------


@pytest.fixture
def relay_lab(bob):
    lab = labs.create_demo_lab("demo", owner=bob)
    save_org(lab, _internet_relay_org(lab_to_org(lab)))
    return lab


def test_the_findings_page_says_what_the_labs_uploaded_logs_show(client, bob, relay_lab):
    client.force_login(bob)
    findings = reverse("connectors:lab-findings", args=[relay_lab.slug])
    assert "Traffic:" not in client.get(findings).content.decode()  # no logs yet
    files = [SimpleUploadedFile(path.name, path.read_bytes()) for path in FRONTEND_2019_FILES]
    client.post(reverse("connectors:traffic-upload", args=[relay_lab.slug]), {"logs": files})
    page = client.get(findings).content.decode()
    assert "<strong>Traffic:</strong> Not used for relaying in the protocol logs (2024-01-01" in page
    copy = labs.copy_lab(relay_lab, "demo-copy", owner=bob)  # a what-if copy reads the logs of its source
    page = client.get(reverse("connectors:lab-findings", args=[copy.slug])).content.decode()
    assert "<strong>Traffic:</strong> Not used" in page


def test_manage_py_audit_reads_logs_for_the_relay_findings(relay_lab):
    out = StringIO()
    with pytest.raises(CommandError):  # the open relay fails the audit, logs or not
        call_command("audit", "demo", "--logs", str(FRONTEND_2019), stdout=out)
    assert "  Traffic: Not used for relaying in the protocol logs (2024-01-01" in out.getvalue()
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "demo", "--json", "--logs", str(FRONTEND_2019), stdout=out)
    (finding,) = [f for f in json.loads(out.getvalue()) if f["code"] == "open-relay"]
    assert finding["traffic"].startswith("Not used for relaying")
    with pytest.raises(CommandError, match="nowhere.LOG"):
        call_command("audit", "demo", "--logs", "nowhere.LOG", stdout=StringIO())
