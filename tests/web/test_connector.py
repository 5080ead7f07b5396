"""The connector page: tabs, htmx edits through the engine, the effective-permissions matrix and the script."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from connectors import store
from connectors.connector_views import TABS
from connectors.exchange.acl import ace_options, add_ad_permission
from connectors.store import lab_to_org
from tests.helpers import HTMX, RELAY, build_seed_relay, connector_url

DEFAULT = "Default EX01"


def _tab(lab, tab, name=DEFAULT):
    return connector_url(lab, name, "connectors:connector-tab", tab=tab)


def _edit(lab, what, name=DEFAULT):
    return connector_url(lab, name, f"connectors:connector-{what}")


def _connector(lab, name=DEFAULT):
    return lab_to_org(lab).connector("EX01", name)


@pytest.mark.parametrize("tab", [key for key, _label in TABS])
def test_every_tab_renders_with_the_script_and_only_its_own_tab_has_the_matrix(signed_in, lab, tab):
    body = signed_in.get(_tab(lab, tab)).content.decode()
    assert 'aria-current="page"' in body
    assert 'id="powershell"' in body
    assert ('id="effective"' in body) == (tab == "effective")


def test_htmx_tab_switch_returns_only_the_panel(signed_in, lab):
    body = signed_in.get(_tab(lab, "network"), **HTMX).content.decode()
    assert body.lstrip().startswith('<div id="panel"')
    assert "0.0.0.0:25" in body


def test_unknown_connector_tab_and_server_are_404(signed_in, lab):
    assert signed_in.get(connector_url(lab, "Nope")).status_code == 404
    assert signed_in.get(connector_url(lab, DEFAULT) + "nope/").status_code == 404
    assert signed_in.get(connector_url(lab, DEFAULT, server="EX99")).status_code == 404


def test_adding_a_range_saves_and_updates_the_script_out_of_band(signed_in, lab):
    response = signed_in.post(_edit(lab, "network"), {"action": "add-range", "value": "10.9.0.0/16"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "10.9.0.0/16" in body
    assert '<section id="powershell" hx-swap-oob="true">' in body
    assert 'id="effective"' not in body
    assert "10.9.0.0/16" in [r.text for r in _connector(lab).remote_ip_ranges]
    assert 'id="add-range" name="value" placeholder="10.0.0.50 or 10.0.0.0/24" value=""' in body  # box emptied


def test_an_invalid_range_shows_exchange_message_and_changes_nothing(signed_in, lab):
    before = _connector(lab)
    body = signed_in.post(
        _edit(lab, "network"), {"action": "add-range", "value": "10.0.0.300"}, **HTMX
    ).content.decode()
    assert "&quot;10.0.0.300&quot; isn&#x27;t a valid remote IP address range." in body
    assert 'value="10.0.0.300"' in body
    assert _connector(lab) == before


def test_a_conflicting_binding_is_refused_with_the_uniqueness_error(signed_in, lab):
    build_seed_relay(signed_in, lab, anonymous_on_default=False)
    signed_in.post(_edit(lab, "network", RELAY), {"action": "add-range", "value": "10.0.0.48/29"})
    partial = {"action": "add-range", "value": "10.0.0.52-10.0.0.60"}  # overlaps 10.0.0.48/29 without nesting
    body = signed_in.post(_edit(lab, "network"), partial, **HTMX).content.decode()
    assert "conflict with the settings on Receive connector &quot;EX01\\Web app relay&quot;" in body
    assert "10.0.0.52-10.0.0.60" not in [r.text for r in _connector(lab).remote_ip_ranges]


def test_removing_a_range_without_javascript_redirects_back_to_the_tab(signed_in, lab):
    signed_in.post(_edit(lab, "network"), {"action": "add-range", "value": "192.168.5.5"})
    response = signed_in.post(_edit(lab, "network"), {"action": "remove-range", "value": "192.168.5.5"})
    assert response.status_code == 302
    assert response["Location"] == _tab(lab, "network")
    assert "192.168.5.5" not in [r.text for r in _connector(lab).remote_ip_ranges]


def test_auth_combinations_are_checked_as_you_tick(signed_in, lab):
    data = {"mechanisms": ["1", "8"], "check": "1"}  # Tls + BasicAuthRequireTLS without BasicAuth
    body = signed_in.post(_edit(lab, "auth"), data, **HTMX).content.decode()
    assert body.lstrip().startswith('<div id="auth-check"')
    assert "If BasicAuthRequireTLS is set, BasicAuth must also be set as an authentication mechanism." in body
    ok = signed_in.post(_edit(lab, "auth"), {"mechanisms": ["1", "4", "8"], "check": "1"}, **HTMX).content.decode()
    assert "These settings are valid." in ok
    assert _connector(lab).auth_mechanism == lab_to_org(lab).connector("EX01", DEFAULT).auth_mechanism


def test_require_tls_without_tls_is_refused(signed_in, lab):
    body = signed_in.post(_edit(lab, "auth"), {"mechanisms": ["2"], "require_tls": "on"}, **HTMX).content.decode()
    assert "If RequireTLS is set, TLS must also be set as an authentication mechanism." in body


def test_saving_auth_writes_the_flags(signed_in, lab):
    signed_in.post(_edit(lab, "auth"), {"mechanisms": ["1"]}, **HTMX)
    assert _connector(lab).auth_mechanism == 1


def test_permission_groups_rewrite_the_acl_and_the_matrix(signed_in, lab):
    signed_in.post(_edit(lab, "groups"), {"groups": ["1", "2", "4", "8"]}, **HTMX)
    body = signed_in.get(_tab(lab, "effective")).content.decode()
    assert "NT AUTHORITY\\ANONYMOUS LOGON" in body
    assert "AnonymousUsers" in body
    assert "granted by permission group AnonymousUsers" in body


def test_saving_the_permission_groups_unchanged_records_no_change(signed_in, lab):
    """Save on the Permission Groups tab with the groups as they are changes nothing: no history entry (one would
    block undoing the permissions entries before it) and the ACL keeps its order."""
    build_seed_relay(signed_in, lab, anonymous_on_default=False)  # AnonymousUsers, then an Add-ADPermission grant
    before = _connector(lab, RELAY)
    entries = lab.history.count()
    response = signed_in.post(_edit(lab, "groups", RELAY), {"groups": ["1"]}, **HTMX)  # AnonymousUsers, as it is
    assert response.status_code == 200
    assert lab.history.count() == entries
    assert _connector(lab, RELAY).acl == before.acl


def test_add_and_remove_ad_permission(signed_in, lab):
    build_seed_relay(signed_in, lab, anonymous_on_default=False)
    aces = [(a.principal, a.right, a.deny, a.group) for a in _connector(lab, RELAY).acl]
    assert ("NT AUTHORITY\\ANONYMOUS LOGON", "ms-Exch-SMTP-Accept-Any-Recipient", False, None) in aces
    page = signed_in.get(_tab(lab, "permissions", RELAY)).content.decode()
    assert "Add-ADPermission" in page
    assert "Accept-Any-Recipient" in page
    grid = signed_in.get(_tab(lab, "effective", RELAY)).content.decode()
    assert "granted by Add-ADPermission to NT AUTHORITY\\ANONYMOUS LOGON" in grid
    remove = {
        "action": "remove",
        "principal": "NT AUTHORITY\\ANONYMOUS LOGON",
        "rights": "ms-Exch-SMTP-Accept-Any-Recipient",
    }
    signed_in.post(_edit(lab, "permissions", RELAY), remove, **HTMX)
    assert all(a.right != "ms-Exch-SMTP-Accept-Any-Recipient" for a in _connector(lab, RELAY).acl)


def test_a_deny_ace_shows_as_denied_in_the_matrix(signed_in, lab):
    deny = {"action": "add", "principal": "CONTOSO\\alice", "rights": ["ms-Exch-SMTP-Submit"], "deny": "on"}
    signed_in.post(_edit(lab, "permissions"), deny, **HTMX)
    body = signed_in.get(_tab(lab, "effective")).content.decode()
    assert "denied by an explicit Deny ACE for CONTOSO\\alice" in body


def test_a_principal_is_canonicalised_like_the_cmdlet_does(signed_in, lab):
    data = {"action": "add", "principal": "nt authority\\anonymous logon", "rights": ["ms-exch-smtp-submit"]}
    signed_in.post(_edit(lab, "permissions"), data)
    assert any(a.principal == "NT AUTHORITY\\ANONYMOUS LOGON" for a in _connector(lab).acl)


def test_an_unknown_right_is_a_field_error(signed_in, lab):
    data = {"action": "add", "principal": "CONTOSO\\alice", "rights": ["ms-Exch-Nothing"]}
    body = signed_in.post(_edit(lab, "permissions"), data, **HTMX).content.decode()
    assert "errorlist" in body
    assert "ms-Exch-Nothing" in body


def test_renaming_sends_htmx_to_the_new_address(signed_in, lab):
    data = {"name": "Default renamed", "enabled": "on", "fqdn": "ex01.contoso.com", "max_message_size": 37748736,
            "max_recipients_per_message": 200, "protocol_logging_level": "None"}  # fmt: skip
    response = signed_in.post(_edit(lab, "general"), data, **HTMX)
    assert response["HX-Redirect"] == connector_url(lab, "Default renamed", "connectors:connector-tab", tab="general")


def test_a_bad_banner_is_refused_in_exchange_words(signed_in, lab):
    data = {"name": DEFAULT, "enabled": "on", "fqdn": "ex01.contoso.com", "banner": "hello"}
    data |= {"max_message_size": 37748736, "max_recipients_per_message": 200, "protocol_logging_level": "None"}
    body = signed_in.post(_edit(lab, "general"), data, **HTMX).content.decode()
    assert "The banner must start with a status code of 220" in body
    assert _connector(lab).banner == ""


def test_edits_need_a_csrf_token_htmx_included(lab, owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    refused = client.post(_edit(lab, "network"), {"action": "add-range", "value": "10.1.1.1"}, **HTMX)
    assert refused.status_code == 403
    client.get(_tab(lab, "network"))
    token = client.cookies["csrftoken"].value
    allowed = client.post(
        _edit(lab, "network"), {"action": "add-range", "value": "10.1.1.1"}, HTTP_X_CSRFTOKEN=token, **HTMX
    )
    assert allowed.status_code == 200


def test_the_connector_script_holds_the_add_ad_permission_line(signed_in, lab):
    build_seed_relay(signed_in, lab, anonymous_on_default=False)
    body = signed_in.get(connector_url(lab, RELAY)).content.decode()
    assert "Add-ADPermission" in body
    assert "ANONYMOUS LOGON" in body


def test_remove_receive_connector(signed_in, lab):
    build_seed_relay(signed_in, lab, anonymous_on_default=False)
    response = signed_in.post(_edit(lab, "remove", RELAY))
    assert response.status_code == 302
    assert _connector(lab, RELAY) is None
    assert signed_in.get(_edit(lab, "remove", RELAY)).status_code == 405


def test_a_connector_name_with_a_slash_has_working_pages(signed_in, lab):
    create = reverse("connectors:connector-create", args=[lab.slug])
    data = {
        "server": "EX01",
        "name": "Apps/Printers",
        "usage": "Custom",
        "bindings": "0.0.0.0:25",
        "remote_ip_ranges": "10.7.0.1",
    }
    assert signed_in.post(create, data).status_code == 302
    assert signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).status_code == 200
    assert "10.7.0.1" in signed_in.get(_tab(lab, "network", "Apps/Printers")).content.decode()
    signed_in.post(_edit(lab, "network", "Apps/Printers"), {"action": "add-range", "value": "10.7.0.2"})
    assert [r.text for r in _connector(lab, "Apps/Printers").remote_ip_ranges] == ["10.7.0.1", "10.7.0.2"]


def test_a_save_says_so_by_htmx_and_after_a_full_page_post(signed_in, lab):
    body = signed_in.post(_edit(lab, "network"), {"action": "add-range", "value": "10.9.0.0/16"}, **HTMX)
    assert '<span class="badge ok">Saved EX01\\Default EX01.</span>' in body.content.decode()
    signed_in.post(_edit(lab, "network"), {"action": "add-range", "value": "10.8.0.0/16"})
    page = signed_in.get(_tab(lab, "network")).content.decode()
    assert '<li class="success">Saved EX01\\Default EX01.</li>' in page
    failed = signed_in.post(_edit(lab, "network"), {"action": "add-range", "value": "10.7.0.9-10.7.0.1"}, **HTMX)
    assert "Saved" not in failed.content.decode()


def test_permissions_are_grouped_by_origin_and_long_group_presets_start_folded(signed_in, lab):
    build_seed_relay(signed_in, lab)
    body = signed_in.get(_tab(lab, "permissions", name=RELAY)).content.decode()
    assert '<details class="acl-group" open>\n    <summary><strong>Add-ADPermission</strong>' in body
    default = signed_in.get(_tab(lab, "permissions")).content.decode()
    assert '<details class="acl-group" >\n    <summary><strong>permission group ExchangeServers</strong>' in default


def test_remove_on_an_ace_with_options_removes_that_ace_not_its_all_twin(signed_in, lab):
    # Beside alice's Submit (InheritanceType All) an inherit-only one for the same right, added in the console: the
    # table tells them apart, and each row's Remove sends the ACE's options, so it removes the entry it stands beside
    # (Remove-ADPermission without -InheritanceType would take the All one).
    org = lab_to_org(lab)
    default = org.connector("EX01", DEFAULT)
    acl = add_ad_permission(default.acl, "CONTOSO\\alice", ["ms-Exch-SMTP-Submit"])
    acl = add_ad_permission(acl, "CONTOSO\\alice", ["ms-Exch-SMTP-Submit"], options=ace_options("Descendents"))
    store.save_org(
        lab, org.with_changes(connectors=tuple(c.with_changes(acl=acl) if c is default else c for c in org.connectors))
    )
    page = signed_in.get(_tab(lab, "permissions")).content.decode()
    assert "InheritanceType Descendents" in page
    assert 'name="options" value="{&quot;inheritance_type&quot;: &quot;Descendents&quot;}"' in page
    remove = {
        "action": "remove",
        "principal": "CONTOSO\\alice",
        "rights": "ms-Exch-SMTP-Submit",
        "options": json.dumps({"inheritance_type": "Descendents"}),
    }
    signed_in.post(_edit(lab, "permissions"), remove, **HTMX)
    alice = [a.inheritance_type for a in _connector(lab).acl if a.principal == "CONTOSO\\alice"]
    assert alice == ["All"]
    bad = signed_in.post(_edit(lab, "permissions"), {**remove, "options": "[1"}, **HTMX)
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    assert [a.inheritance_type for a in _connector(lab).acl if a.principal == "CONTOSO\\alice"] == ["All"]


@pytest.mark.parametrize("tab", ["auth", "settings"])
def test_the_help_a_field_points_to_is_on_the_tab(signed_in, lab, tab):
    import re

    body = signed_in.get(_tab(lab, tab)).content.decode()
    described = set(re.findall(r'aria-describedby="([^"]+)"', body))
    assert described
    assert {name for name in described if f'id="{name}"' not in body} == set()
