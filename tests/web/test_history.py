"""The History page, Undo and Restore from the dashboard, and Undo offered right after a removal."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connectors import history, labfile, labs, store, training
from connectors.models import TrainingSession
from connectors.store import lab_to_org
from tests.helpers import HTMX, connector_url

RELAY = "Relay"


@pytest.fixture
def relay_lab(signed_in, lab):
    """The Seed lab with a Custom connector Relay (10.0.0.50 and 10.0.0.51), made on the overview page."""
    data = {"server": "EX01", "name": RELAY, "usage": "Custom", "bindings": "0.0.0.0:2525"}
    create = reverse("connectors:connector-create", args=[lab.slug])
    assert signed_in.post(create, {**data, "remote_ip_ranges": "10.0.0.50, 10.0.0.51"}).status_code == 302
    return lab


def _network(client, lab, action, value, **headers):
    return client.post(connector_url(lab, RELAY, "connectors:connector-network"), {"action": action, "value": value},
                       **headers)  # fmt: skip


def _ranges(lab):
    return [r.text for r in lab_to_org(lab, ["EX01"]).connector("EX01", RELAY).remote_ip_ranges]


def _undo_action(body: str) -> str:
    found = re.search(r'<form class="inline undo-notice" method="post" action="([^"]+)"', body)
    assert found, body
    return found.group(1)


def test_a_dashboard_edit_is_recorded_with_who_and_from_where(relay_lab, owner):
    entry = relay_lab.history.first()
    assert (entry.number, entry.user, entry.source, entry.action) == (2, owner, "page", "edit")
    assert entry.summary == "Created receive connector EX01\\Relay"


def test_removing_a_range_offers_undo_in_place_and_undo_puts_it_back(signed_in, relay_lab):
    body = _network(signed_in, relay_lab, "remove-range", "10.0.0.51", **HTMX).content.decode()
    assert _ranges(relay_lab) == ["10.0.0.50"]
    assert "RemoteIPRanges (removed 10.0.0.51)" in body
    back = signed_in.post(_undo_action(body), {"next": connector_url(relay_lab, RELAY, "connectors:connector-tab",
                                                                      tab="network")})  # fmt: skip
    assert back.status_code == 302
    assert back.url.endswith("/network/")
    assert _ranges(relay_lab) == ["10.0.0.50", "10.0.0.51"]


def test_without_javascript_a_removal_says_so_with_an_undo_button_after_the_redirect(signed_in, relay_lab):
    response = _network(signed_in, relay_lab, "remove-range", "10.0.0.50", follow=True)
    body = response.content.decode()
    assert "RemoteIPRanges (removed 10.0.0.50)" in body
    assert _undo_action(body).endswith("/history/3/undo/")


def test_removing_a_permission_or_a_connector_offers_undo(signed_in, relay_lab):
    grant = {"action": "add", "principal": "NT AUTHORITY\\ANONYMOUS LOGON", "rights": ["ms-Exch-SMTP-Submit"]}
    url = connector_url(relay_lab, RELAY, "connectors:connector-permissions")
    signed_in.post(url, grant)
    body = signed_in.post(url, {**grant, "action": "remove"}, **HTMX).content.decode()
    assert "removed NT AUTHORITY\\ANONYMOUS LOGON ms-Exch-SMTP-Submit" in body
    assert _undo_action(body)
    removed = signed_in.post(connector_url(relay_lab, RELAY, "connectors:connector-remove"), follow=True)
    signed_in.post(_undo_action(removed.content.decode()))
    assert lab_to_org(relay_lab).connector("EX01", RELAY) is not None


def test_a_console_command_is_recorded_from_the_console_and_offers_undo(signed_in, relay_lab, owner):
    command = "Remove-AcceptedDomain contoso.com -Confirm:$false"
    command = "New-AcceptedDomain -Name fabrikam.com -DomainName fabrikam.com"
    body = signed_in.post(reverse("connectors:console", args=[relay_lab.slug]), {"command": command}, **HTMX)
    entry = relay_lab.history.first()
    assert (entry.source, entry.note, entry.user) == ("console", command, owner)
    assert "Created accepted domain fabrikam.com" in body.content.decode()
    signed_in.post(_undo_action(body.content.decode()))
    assert [d.name for d in lab_to_org(relay_lab).accepted_domains] == ["contoso.com"]


def test_uploading_a_lab_file_is_recorded_with_the_file_name(signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    text = labfile.dump_lab(labs.create_demo_lab())
    upload = SimpleUploadedFile("contoso.json", text.encode(), content_type="application/json")
    signed_in.post(reverse("connectors:lab-upload"), {"file": upload})
    entry = labs.models.Lab.objects.exclude(slug="demo").get().history.get()
    assert (entry.action, entry.source, entry.note) == ("load", "page", "the lab file contoso.json")


def test_the_history_page_lists_entries_newest_first_with_their_commands(signed_in, relay_lab):
    _network(signed_in, relay_lab, "remove-range", "10.0.0.51")
    body = signed_in.get(reverse("connectors:lab-history", args=[relay_lab.slug])).content.decode()
    assert body.index("#3") < body.index("#2") < body.index("#1")
    made, undone = re.sub(r"<[^>]+>", "", body).split("Makes the change")[1].split("Undoes it")[:2]
    assert "Set-ReceiveConnector -Identity 'EX01\\Relay' -RemoteIPRanges @{Remove='10.0.0.51'}" in made
    assert "-RemoteIPRanges @{Add='10.0.0.51'}" in undone.split("Makes the change")[0]
    assert 'action="/labs/seed-lab/history/3/undo/"' in body
    assert 'action="/labs/seed-lab/history/1/restore/"' in body
    assert 'action="/labs/seed-lab/history/1/undo/"' not in body  # the creation has nothing to undo


def test_the_diff_is_a_partial_for_htmx_and_a_full_page_without(signed_in, relay_lab):
    _network(signed_in, relay_lab, "remove-range", "10.0.0.51")
    url = reverse("connectors:lab-history", args=[relay_lab.slug]) + "?first=1&second=3"
    fragment = signed_in.get(url, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="diff"')
    assert "Create receive connector EX01\\Relay" in fragment
    assert "10.0.0.51" not in fragment.split("New-ReceiveConnector")[1].split("\n")[0]
    page = signed_in.get(url).content.decode()
    assert "<html" in page
    assert "Create receive connector EX01\\Relay" in page
    missing = signed_in.get(url.replace("second=3", "second=9"), **HTMX).content.decode()
    assert "no history entry #9" in missing


def test_undo_refused_on_the_page_names_the_later_entry(signed_in, relay_lab):
    _network(signed_in, relay_lab, "remove-range", "10.0.0.51")
    _network(signed_in, relay_lab, "add-range", "10.0.0.52")
    response = signed_in.post(reverse("connectors:history-undo", args=[relay_lab.slug, 3]), follow=True)
    assert "the later entry #4" in response.content.decode()
    assert _ranges(relay_lab) == ["10.0.0.50", "10.0.0.52"]


def test_restore_from_the_page(signed_in, relay_lab):
    _network(signed_in, relay_lab, "remove-range", "10.0.0.51")
    response = signed_in.post(reverse("connectors:history-restore", args=[relay_lab.slug, 1]), follow=True)
    assert "Restored the lab to #1 (now #4)" in response.content.decode()
    assert lab_to_org(relay_lab).connector("EX01", RELAY) is None


def test_undo_goes_back_only_to_a_page_of_this_site(signed_in, relay_lab):
    _network(signed_in, relay_lab, "remove-range", "10.0.0.51")
    response = signed_in.post(reverse("connectors:history-undo", args=[relay_lab.slug, 3]),
                              {"next": "https://evil.example/"})  # fmt: skip
    assert response.url == reverse("connectors:lab-history", args=[relay_lab.slug])


def test_bob_cant_see_alices_lab_history(client, alice, bob):
    lab = labs.create_lab_from_template("exchangese", slug="alices", owner=alice)
    client.force_login(bob)
    assert client.get(reverse("connectors:lab-history", args=[lab.slug])).status_code == 404
    assert client.post(reverse("connectors:history-restore", args=[lab.slug, 1])).status_code == 404


def test_alice_the_trainer_sees_her_trainees_history_but_cant_undo_it(client, alice, bob):
    session = TrainingSession.objects.create(scenario="close-open-relay", title="Relay class", trainer=alice)
    lab = training.start(training.get_scenario(session.scenario), slug="bobs", owner=bob, session=session)
    client.force_login(bob)
    client.post(reverse("connectors:console", args=[lab.slug]), {"command": "Set-ReceiveConnector 'EX01\\Default "
                "Frontend EX01' -Banner '220 bob'"})  # fmt: skip
    client.force_login(alice)
    body = client.get(reverse("connectors:lab-history", args=[lab.slug])).content.decode()
    assert "bob" in body
    assert "Banner" in body
    assert "/undo/" not in body
    assert client.post(reverse("connectors:history-undo", args=[lab.slug, 2])).status_code == 404
    assert lab.history.count() == 2


def _history_queries(client, lab) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("connectors:lab-history", args=[lab.slug])).status_code == 200
    return len(captured)


def test_the_history_page_costs_the_same_queries_for_few_and_many_entries(signed_in, relay_lab, owner):
    few = _history_queries(signed_in, relay_lab)
    for number in range(30):
        org = lab_to_org(relay_lab, ["EX01"])
        changed = org.connector("EX01", RELAY).with_changes(banner=f"220 banner {number}")
        org = org.with_changes(connectors=tuple(changed if c.name == RELAY else c for c in org.connectors))
        store.save_org(relay_lab, org, ["EX01"], change=history.Change(user=owner, source=history.PAGE))
    assert _history_queries(signed_in, relay_lab) == few
