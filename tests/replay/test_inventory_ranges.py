"""Who uses what, by range: which of the lab connector's RemoteIPRanges the observed addresses fell in."""

import json
from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from connectors import labs, labtemplates
from connectors.exchange.addresses import parse_remote_ranges
from connectors.exchange.log_files import text_source
from connectors.exchange.replay import build_profile, inventory
from connectors.exchange.replay_model import range_use, report
from connectors.store import lab_to_org, save_org
from tests.replay.logs import HEADER, relay_session


def _relay_ranges(org, *ranges):
    relay = org.connector("EX01", "Anonymous Relay").with_changes(remote_ip_ranges=parse_remote_ranges(ranges))
    return org.with_changes(connectors=tuple(relay if c.name == relay.name else c for c in org.connectors))


def _log():
    sessions = [
        relay_session("S1", "10.0.0.51:5000", ["a@fabrikam.com"]),
        relay_session("S2", "10.0.0.50:5001", ["a@fabrikam.com", "b@fabrikam.com"]),
        relay_session("S3", "10.0.1.9:5002", ["a@fabrikam.com"]),
        relay_session("S4", "192.0.2.1:5003", ["a@fabrikam.com"]),
        relay_session("S5", "10.0.0.50:5004", ["x@fabrikam.com"], connector="EX01\\Gone"),
    ]
    return HEADER + "".join(sessions)


def _profile():
    return build_profile([text_source("RECV20240201-1.LOG", _log())])


def test_it_says_which_range_each_address_fell_in_and_which_fell_in_none():
    org = _relay_ranges(labtemplates.demo_org(), "10.0.1.0/24", "10.0.0.0/16", "10.0.0.50-10.0.0.59")
    ranges = range_use(inventory(_profile()), org)
    relay = ranges["ex01\\anonymous relay"]
    assert relay["in_lab"] is True
    assert relay["remote_ranges"] == [  # the connector's order; each address in the smallest range holding it
        {"range": "10.0.1.0/24", "addresses": ["10.0.1.9"], "sessions": 1, "messages": 1},
        {"range": "10.0.0.50-10.0.0.59", "addresses": ["10.0.0.50", "10.0.0.51"], "sessions": 2, "messages": 2},
    ]
    assert relay["outside_ranges"] == ["192.0.2.1"]


def test_it_says_when_the_lab_has_no_such_connector():
    gone = range_use(inventory(_profile()), labtemplates.demo_org())["ex01\\gone"]
    assert gone == {"in_lab": False, "remote_ranges": [], "outside_ranges": ["10.0.0.50"]}


def test_the_report_keeps_the_issues_keys_and_adds_the_ranges():
    connectors = report(_profile(), labtemplates.demo_org())["connectors"]
    (relay,) = [c for c in connectors if c["connector"] == "EX01\\Anonymous Relay"]
    assert relay["remote_addresses"] == ["10.0.0.50", "10.0.0.51", "10.0.1.9", "192.0.2.1"]
    assert relay["remote_ranges"] == [{"range": "10.0.0.50", "addresses": ["10.0.0.50"], "sessions": 1, "messages": 1}]
    assert relay["outside_ranges"] == ["10.0.0.51", "10.0.1.9", "192.0.2.1"]


def test_the_command_prints_the_ranges_in_json_and_in_words(db, tmp_path):
    lab = labs.create_demo_lab("demo")
    save_org(lab, _relay_ranges(lab_to_org(lab), "10.0.0.0/24"))
    log = tmp_path / "RECV20240201-1.LOG"
    log.write_text(_log(), encoding="utf-8", newline="")
    out = StringIO()
    call_command("replay", "demo", str(log), "--json", stdout=out)
    (relay,) = [c for c in json.loads(out.getvalue())["connectors"] if c["connector"] == "EX01\\Anonymous Relay"]
    (used,) = relay["remote_ranges"]
    assert (used["range"], used["addresses"]) == ("10.0.0.0/24", ["10.0.0.50", "10.0.0.51"])
    out = StringIO()
    call_command("replay", "demo", str(log), stdout=out)
    text = out.getvalue()
    assert "    range 10.0.0.0/24: 2 address(es), 2 sessions, 2 messages" in text
    assert "    outside the lab connector's ranges: 10.0.1.9, 192.0.2.1" in text
    assert "    (the lab has no such connector: its ranges are unknown)" in text


def test_the_traffic_page_shows_the_ranges_used(signed_in, owner):
    lab = labs.create_demo_lab("demo", owner=owner)
    upload = SimpleUploadedFile("RECV20240201-1.LOG", _log().encode())
    page = signed_in.post(reverse("connectors:traffic-upload", args=[lab.slug]), {"logs": [upload]}, follow=True)
    text = page.content.decode()
    assert "Its remote ranges used (this lab)" in text
    assert '10.0.0.50 <span class="muted">(1 address, 1 message)</span>' in text
    assert '<span class="bad">outside its ranges: 10.0.0.51, 10.0.1.9, 192.0.2.1</span>' in text
    assert "no such connector in this lab" in text
