"""Issue 9, "no silent bad values" and "the simulator and pages": each bad value is refused beside its field in
Exchange's words, and nothing changes."""

from django.urls import reverse

from connectors import labs
from connectors.store import lab_to_org
from tests.helpers import HTMX, RELAY, build_seed_relay, connector_url, probe_url

DEFAULT = "Default EX01"


def _edit(lab, what, name=DEFAULT):
    return connector_url(lab, name, f"connectors:connector-{what}")


def _connector(lab, name=DEFAULT):
    return lab_to_org(lab).connector("EX01", name)


def _general(connector, **changes) -> dict:
    data = {
        "name": connector.name,
        "enabled": "on",
        "fqdn": connector.fqdn,
        "banner": connector.banner,
        "max_message_size": connector.max_message_size,
        "max_recipients_per_message": connector.max_recipients_per_message,
        "protocol_logging_level": connector.protocol_logging_level,
        "comment": connector.comment,
    }
    return data | changes


def test_it_rejects_an_fqdn_that_is_not_a_domain_name_beside_the_field(signed_in, lab):
    build_seed_relay(signed_in, lab, anonymous_on_default=False)
    before = _connector(lab, RELAY)
    body = signed_in.post(_edit(lab, "general", RELAY), _general(before, fqdn="not a fqdn!!"), **HTMX).content.decode()
    assert 'id="id_fqdn_error"' in body
    assert "Cannot convert value &quot;not a fqdn!!&quot; to type &quot;Microsoft.Exchange.Data.Fqdn&quot;." in body
    assert body.count("Microsoft.Exchange.Data.Fqdn") == 1  # one place for the error
    assert _connector(lab, RELAY) == before


def test_it_rejects_a_remote_range_already_on_the_connector(signed_in, lab):
    build_seed_relay(signed_in, lab, anonymous_on_default=False)
    before = _connector(lab, RELAY)
    response = signed_in.post(_edit(lab, "network", RELAY), {"action": "add-range", "value": "10.0.0.50"}, **HTMX)
    body = response.content.decode()
    assert "The value &quot;10.0.0.50&quot; is already present in the collection." in body
    assert "Saved" not in body
    assert _connector(lab, RELAY) == before
    assert [r.text for r in before.remote_ip_ranges] == ["10.0.0.50"]


def test_it_rejects_a_binding_already_on_the_connector(signed_in, lab):
    before = _connector(lab)
    data = {"action": "add-binding", "address": "0.0.0.0", "port": "25"}
    body = signed_in.post(_edit(lab, "network"), data, **HTMX).content.decode()
    assert "The value &quot;0.0.0.0:25&quot; is already present in the collection." in body
    assert _connector(lab) == before


def test_the_binding_form_offers_only_the_servers_addresses_and_all_available(signed_in, lab):
    page = signed_in.get(connector_url(lab, DEFAULT, "connectors:connector-tab", tab="network")).content.decode()
    options = page.split('<select id="add-binding" name="address">', 1)[1].split("</select>", 1)[0]
    assert options.count("<option") == 3
    assert 'value="0.0.0.0"' in options
    assert 'value="::"' in options
    assert 'value="10.0.0.10"' in options


def test_it_rejects_a_binding_on_an_address_the_server_does_not_have(signed_in, lab):
    before = _connector(lab)
    data = {"action": "add-binding", "address": "10.9.9.9", "port": "2525"}
    body = signed_in.post(_edit(lab, "network"), data, **HTMX).content.decode()
    assert "10.9.9.9 isn&#x27;t an address of server EX01." in body
    assert _connector(lab) == before
    create = reverse("connectors:connector-create", args=[lab.slug])
    new = {
        "server": "EX01",
        "name": "Typed",
        "usage": "Custom",
        "bindings": "10.9.9.9:25",
        "remote_ip_ranges": "10.0.0.1",
    }
    body = signed_in.post(create, new, **HTMX).content.decode()
    assert 'id="id_new_bindings_error"' in body
    assert "10.9.9.9 isn&#x27;t an address of server EX01." in body
    assert _connector(lab, "Typed") is None


def test_a_binding_on_one_of_the_servers_addresses_is_added(signed_in, lab):
    signed_in.post(_edit(lab, "network"), {"action": "add-binding", "address": "10.0.0.10", "port": "2525"}, **HTMX)
    assert "10.0.0.10:2525" in [b.text for b in _connector(lab).bindings]


def test_add_adpermission_for_an_unknown_principal_is_refused_and_offers_to_add_it(signed_in, lab):
    before = _connector(lab)
    grant = {"action": "add", "principal": "contoso\\nosuchuser", "rights": ["ms-Exch-SMTP-Submit"]}
    body = signed_in.post(_edit(lab, "permissions"), grant, **HTMX).content.decode()
    assert (
        "The operation couldn&#x27;t be performed because object &#x27;contoso\\nosuchuser&#x27; couldn&#x27;t" in body
    )
    assert 'name="add_principal" value="User"' in body
    assert "CONTOSO\\nosuchuser" in body
    assert _connector(lab) == before
    assert lab.principals.filter(name__iexact="contoso\\nosuchuser").count() == 0
    # The offer: add the principal to the lab, and the same grant then works.
    signed_in.post(_edit(lab, "permissions"), grant | {"add_principal": "User"}, **HTMX)
    assert lab.principals.get(name="CONTOSO\\nosuchuser").kind == "User"
    assert ("CONTOSO\\nosuchuser", "ms-Exch-SMTP-Submit") in [(a.principal, a.right) for a in _connector(lab).acl]


def test_well_known_principals_always_resolve_in_the_dashboard(signed_in, lab):
    for user in ("NT AUTHORITY\\ANONYMOUS LOGON", "MS Exchange\\Externally Secured Servers"):
        grant = {"action": "add", "principal": user, "rights": ["ms-Exch-SMTP-Submit"]}
        assert signed_in.post(_edit(lab, "permissions"), grant).status_code == 302
    assert lab.principals.filter(name__startswith="MS Exchange").count() == 0


def test_quick_check_opened_directly_shows_the_form_without_errors(signed_in, lab):
    body = signed_in.get(reverse("connectors:lab-check", args=[lab.slug])).content.decode()
    assert 'name="remote_ip"' in body
    assert "This field is required." not in body


def test_the_simulator_shows_a_validation_error_once_beside_its_field(signed_in, lab):
    body = signed_in.get(probe_url(lab, "10.0.0.999")).content.decode()
    assert body.count("isn&#x27;t a valid IP address") == 1
    assert 'id="id_remote_ip_error"' in body


def test_the_simulator_has_an_auth_password_field_like_the_cli(signed_in, lab, owner):
    demo = labs.create_demo_lab("pw-demo", owner=owner)
    org = lab_to_org(demo)
    alice = org.principal("CONTOSO\\alice")
    assert alice is not None
    demo.principals.filter(name=alice.name).update(smtp_password="right-one")
    query = {"port": "587", "starttls": "on", "auth_mechanism": "LOGIN", "auth_user": "alice"}
    wrong = signed_in.get(probe_url(demo, "10.0.0.77", auth_password="wrong", **query)).content.decode()
    right = signed_in.get(probe_url(demo, "10.0.0.77", auth_password="right-one", **query)).content.decode()
    assert 'name="auth_password"' in right
    assert 'type="password"' in right
    assert "535 5.7.3 Authentication unsuccessful" in wrong
    assert "235 2.7.0 Authentication successful" in right


def test_a_refused_session_is_never_green_and_only_losers_are_counted(signed_in, lab):
    build_seed_relay(signed_in, lab)
    refused = signed_in.get(probe_url(lab, "10.0.0.51")).content.decode()
    assert '<div class="verdict bad" role="status"><strong>Refused at RCPT TO — 550 5.7.1 Unable to relay' in refused
    assert "verdict ok" not in refused
    connectors = len(lab_to_org(lab).connectors_of("EX01"))
    assert f"Why the other connectors lost ({connectors - 1})" in refused
    accepted = signed_in.get(probe_url(lab, "10.0.0.50")).content.decode()
    assert '<div class="verdict ok" role="status"><strong>Accepted</strong>' in accepted


def test_a_2007_connector_shows_no_transport_role(signed_in, lab, owner):
    page = signed_in.get(connector_url(lab, DEFAULT)).content.decode()
    overview = signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    assert '<span class="badge info">HubTransport</span>' not in page
    assert "no usage · HubTransport" not in overview
    current = labs.create_lab_from_template("exchangese", owner=owner, name="SE")
    assert (
        '<span class="badge info">HubTransport</span>'
        in signed_in.get(connector_url(current, DEFAULT)).content.decode()
    )
