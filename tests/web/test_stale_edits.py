"""Two people editing the same connector or lab from views loaded at the same time (docs/decisions.md, "Concurrent
edits"): changes to different properties are merged, a change to a property someone else changed meanwhile is
refused with what it is now and a Reload link, and saving again from the refusal replaces it knowingly."""

import re

import pytest
from django.urls import reverse

from connectors.store import lab_to_org
from tests.helpers import HTMX, connector_url

DEFAULT = "Default EX01"


def _based_on(body: str) -> str:
    return re.search(r'name="based_on" value="([^"]*)"', body).group(1)


def _general_view(client, lab) -> tuple[dict, str]:
    """What the General tab shows: its values as the form would post them, and the view's fingerprint."""
    body = client.get(connector_url(lab, DEFAULT, "connectors:connector-tab", tab="general")).content.decode()
    connector = lab_to_org(lab).connector("EX01", DEFAULT)
    values = {
        "name": connector.name,
        "enabled": "on",
        "fqdn": connector.fqdn,
        "banner": connector.banner,
        "max_message_size": connector.max_message_size,
        "max_recipients_per_message": connector.max_recipients_per_message,
        "protocol_logging_level": connector.protocol_logging_level,
        "comment": connector.comment,
    }
    return values, _based_on(body)


def _save_general(client, lab, values: dict, based_on: str, **extra):
    url = connector_url(lab, DEFAULT, "connectors:connector-general")
    return client.post(url, {**values, "based_on": based_on}, **extra)


def _stored(lab):
    return lab_to_org(lab).connector("EX01", DEFAULT)


def test_edits_of_different_properties_from_the_same_view_are_merged(signed_in, lab):
    values, based_on = _general_view(signed_in, lab)
    first = _save_general(signed_in, lab, {**values, "banner": "220 first"}, based_on, **HTMX)
    second = _save_general(signed_in, lab, {**values, "comment": "second"}, based_on, **HTMX)
    assert "Saved EX01" in first.content.decode()
    assert "Saved EX01" in second.content.decode()
    assert (_stored(lab).banner, _stored(lab).comment) == ("220 first", "second")


@pytest.mark.parametrize("extra", [HTMX, {}], ids=["htmx", "full-page"])
def test_a_change_to_a_property_changed_meanwhile_is_refused_with_what_it_is_now(signed_in, lab, extra):
    values, based_on = _general_view(signed_in, lab)
    _save_general(signed_in, lab, {**values, "banner": "220 first"}, based_on, **HTMX)
    refused = _save_general(signed_in, lab, {**values, "banner": "220 second", "comment": "x"}, based_on, **extra)
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "Not saved: someone else changed this connector while you were" in body
    assert "Banner is now <q>220 first</q>" in body
    reload_url = connector_url(lab, DEFAULT, "connectors:connector-tab", tab="general")
    assert f'<a href="{reload_url}">Reload</a>' in body
    assert 'value="220 second"' in body  # what the user typed is kept in the form
    assert (_stored(lab).banner, _stored(lab).comment) == ("220 first", "")  # nothing of the refused save
    again = _save_general(signed_in, lab, {**values, "banner": "220 second"}, _based_on(body), **HTMX)
    assert "Saved EX01" in again.content.decode()
    assert _stored(lab).banner == "220 second"


def test_the_same_change_made_twice_is_not_a_conflict(signed_in, lab):
    values, based_on = _general_view(signed_in, lab)
    for _ in range(2):
        response = _save_general(signed_in, lab, {**values, "banner": "220 same"}, based_on, **HTMX)
        assert "Saved EX01" in response.content.decode()


def test_authentication_boxes_ticked_by_two_people_are_merged(signed_in, lab):
    url = connector_url(lab, DEFAULT, "connectors:connector-auth")
    tab = connector_url(lab, DEFAULT, "connectors:connector-tab", tab="auth")
    based_on = _based_on(signed_in.get(tab).content.decode())
    shown = [m for m in re.findall(r'name="mechanisms" value="(\d+)"[^>]*checked', signed_in.get(tab).content.decode())]
    assert shown, "the Default connector offers some mechanisms"
    signed_in.post(url, {"mechanisms": shown, "require_tls": "on", "based_on": based_on}, **HTMX)
    signed_in.post(url, {"mechanisms": shown[:-1], "based_on": based_on}, **HTMX)
    stored = _stored(lab)
    assert stored.require_tls is True  # the first person's box survived the second's save
    assert stored.auth_mechanism == sum(int(m) for m in shown[:-1])


def test_a_range_added_from_a_stale_page_is_added_to_what_is_stored_now(signed_in, lab):
    url = connector_url(lab, DEFAULT, "connectors:connector-network")
    signed_in.post(url, {"action": "add-range", "value": "192.0.2.1"}, **HTMX)
    signed_in.post(url, {"action": "add-range", "value": "192.0.2.2"}, **HTMX)  # the page still showed neither
    assert {"192.0.2.1", "192.0.2.2"} <= {r.text for r in _stored(lab).remote_ip_ranges}


def test_renaming_a_lab_someone_renamed_meanwhile_is_refused(signed_in, lab):
    url = reverse("connectors:lab-rename", args=[lab.slug])
    assert signed_in.post(url, {"name": "First", "based_on": "Seed lab"}).status_code == 302
    response = signed_in.post(url, {"name": "Second", "based_on": "Seed lab"}, follow=True)
    lab.refresh_from_db()
    assert lab.name == "First"
    assert "Someone renamed the lab to First while you were typing, so it wasn&#x27;t renamed to Second." in (
        response.content.decode()
    )
    assert signed_in.post(url, {"name": "Second", "based_on": "First"}).status_code == 302
    lab.refresh_from_db()
    assert lab.name == "Second"


def test_a_refused_permission_groups_save_names_the_parameter(signed_in, lab):
    """The refusal names what changed as the tab and EMS do (PermissionGroups), not by the form's field ("Groups")."""
    url = connector_url(lab, DEFAULT, "connectors:connector-groups")
    based_on = _based_on(
        signed_in.get(connector_url(lab, DEFAULT, "connectors:connector-tab", tab="groups")).content.decode()
    )
    signed_in.post(url, {"groups": ["1", "2"], "based_on": based_on}, **HTMX)
    body = signed_in.post(url, {"groups": ["4"], "based_on": based_on}, **HTMX).content.decode()
    assert "Not saved: someone else changed this connector" in body
    assert "PermissionGroups is now <q>AnonymousUsers, ExchangeUsers</q>" in body
