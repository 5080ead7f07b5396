"""The findings boxes follow htmx edits, and the findings page of a many-server lab audits one page of servers."""

import json

from django.urls import reverse

from connectors import labs
from tests.helpers import HTMX, connector_url


def test_an_htmx_edit_tells_the_findings_boxes_to_reload(signed_in, lab):
    url = connector_url(lab, "Default EX01", "connectors:connector-general")
    general = {"name": "Default EX01", "enabled": "on", "max_message_size": 10485760,
               "max_recipients_per_message": 5000, "protocol_logging_level": "None", "comment": "edited"}  # fmt: skip
    response = signed_in.post(url, general, **HTMX)
    assert response.status_code == 200
    assert b"errorlist" not in response.content
    assert "findings-changed" in json.loads(response["HX-Trigger"])


def test_a_refused_edit_does_not_reload_the_findings(signed_in, lab):
    url = connector_url(lab, "Default EX01", "connectors:connector-network")
    response = signed_in.post(url, {"action": "add-range", "value": "10.0.0.300"}, **HTMX)
    assert b"errorlist" in response.content
    assert "HX-Trigger" not in response


def test_the_findings_fragment_reloads_itself_from_its_own_url_on_that_event(signed_in, lab):
    findings = reverse("connectors:lab-findings", args=[lab.slug])
    fragment = signed_in.get(findings, {"connector": "EX01\\Default EX01"}, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="findings"')
    assert f'hx-get="{findings}?connector=EX01%5CDefault+EX01"' in fragment
    assert 'hx-trigger="findings-changed from:body" hx-swap="outerHTML"' in fragment
    assert "findings-changed" not in signed_in.get(findings).content.decode()  # the page itself reloads by hand


def test_the_findings_page_of_a_many_server_lab_audits_one_page_of_servers(signed_in, owner):
    big = labs.generate_lab("big", servers=12, connectors_per_server=1, ranges_per_connector=2, owner=owner)
    findings = reverse("connectors:lab-findings", args=[big.slug])
    first = signed_in.get(findings).content.decode()
    assert "EX001 accepts unencrypted MAPI" in first
    assert "EX011" not in first
    assert "Findings on servers 1–10 of 12" in first
    assert "?page=2" in first
    second = signed_in.get(findings, {"page": 2}).content.decode()
    assert "EX011 accepts unencrypted MAPI" in second
    assert "EX001 accepts" not in second
