"""Every engine rule surfaces as model validation: Exchange's text next to the field, invalid objects never saved."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from connectors import labs
from connectors.models import AcceptedDomain, AccessControlEntry, ReceiveConnector, Recipient, Server

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    return labs.create_lab_from_template("exchange2019", slug="lab")


@pytest.fixture
def ex01(lab):
    return lab.servers.get(name="EX01")


def new_connector(server, **fields):
    values = {"name": "Relay", "bindings": "10.0.0.10:25", "remote_ip_ranges": "10.0.0.50"}
    values["transport_role"] = "FrontendTransport"
    return ReceiveConnector(server=server, **{**values, **fields})


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


class ConnectorForm(forms.ModelForm):
    class Meta:
        model = ReceiveConnector
        fields = ["server", "name", "transport_role", "bindings", "remote_ip_ranges", "auth_mechanism", "require_tls"]


def test_a_valid_connector_passes(ex01):
    connector = new_connector(ex01)
    connector.full_clean()
    connector.save()
    assert connector.identity == "EX01\\Relay"


def test_it_rejects_a_reversed_range_with_exchanges_text(ex01):
    errors = errors_of(new_connector(ex01, remote_ip_ranges="10.0.0.20-10.0.0.10"))
    assert errors["remote_ip_ranges"] == [
        'The IP range "10.0.0.20-10.0.0.10" is reversed: the start address 10.0.0.20 is greater than the end '
        "address 10.0.0.10."
    ]


def test_it_rejects_require_tls_without_tls(ex01):
    errors = errors_of(new_connector(ex01, auth_mechanism="None", require_tls=True))
    assert errors["require_tls"] == ["If RequireTLS is set, TLS must also be set as an authentication mechanism."]


def test_it_rejects_basic_auth_require_tls_without_basic_auth(ex01):
    errors = errors_of(new_connector(ex01, auth_mechanism="Tls, BasicAuthRequireTLS"))
    assert "If BasicAuthRequireTLS is set, BasicAuth must also be set" in errors["auth_mechanism"][0]


def test_it_rejects_an_unknown_auth_mechanism_like_powershell(ex01):
    errors = errors_of(new_connector(ex01, auth_mechanism="Tls, Kerberos"))
    assert errors["auth_mechanism"][0].startswith('Cannot convert value "Kerberos" for the AuthMechanism parameter.')


def test_it_rejects_a_duplicate_binding_and_ranges_on_the_same_server(ex01):
    new_connector(ex01).save()
    errors = errors_of(new_connector(ex01, name="Relay 2"))
    assert "bindings" in errors


def test_it_rejects_a_duplicate_name_case_insensitively(ex01):
    new_connector(ex01).save()
    errors = errors_of(new_connector(ex01, name="RELAY", bindings="10.0.0.10:2526"))
    assert errors["name"] == ['A Receive connector named "RELAY" already exists on server EX01.']


def test_editing_a_connector_does_not_conflict_with_itself(ex01):
    connector = ex01.receive_connectors.get(name="Default Frontend EX01")
    connector.comment = "edited"
    connector.full_clean()


def test_it_rejects_a_banner_without_220(ex01):
    errors = errors_of(new_connector(ex01, banner="Hello"))
    assert errors["banner"] == [
        "The banner must start with a status code of 220 and contain only seven bit ASCII characters."
    ]


def test_a_model_form_shows_exchanges_error_next_to_the_field(ex01):
    form = ConnectorForm(
        {
            "server": ex01.pk,
            "name": "Relay",
            "transport_role": "FrontendTransport",
            "bindings": "10.0.0.10:99999",
            "remote_ip_ranges": "10.0.0.50",
            "auth_mechanism": "Tls",
        }
    )
    assert not form.is_valid()
    assert form.errors["bindings"] == [
        'The port 99999 in binding "10.0.0.10:99999" is out of range. Specify a TCP port from 1 to 65535.'
    ]
    assert not ReceiveConnector.objects.filter(name="Relay").exists()


def test_the_admin_shows_exchanges_error_and_saves_nothing(admin_client, ex01):
    connector = ex01.receive_connectors.get(name="Client Frontend EX01")
    url = reverse("admin:connectors_receiveconnector_change", args=[connector.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {
        field: value
        for field, value in page.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, bool)
    }
    data |= {
        "server": ex01.pk,
        "enabled": "on",
        "remote_ip_ranges": "10.0.0.0/33",
        "aces-TOTAL_FORMS": "0",
        "aces-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "The prefix length in &quot;10.0.0.0/33&quot; is out of range" in response.content.decode()
    connector.refresh_from_db()
    assert "10.0.0.0/33" not in connector.remote_ip_ranges


def test_the_admin_lists_every_model(admin_client):
    for name in ("lab", "server", "receiveconnector", "accesscontrolentry", "accepteddomain", "recipient", "principal"):
        assert admin_client.get(reverse(f"admin:connectors_{name}_changelist")).status_code == 200


def test_permission_groups_are_read_back_from_the_acl(ex01):
    default = ex01.receive_connectors.get(name="Default EX01")
    assert default.permission_groups == "ExchangeUsers, ExchangeServers, ExchangeLegacyServers"


def test_custom_appears_when_an_explicit_principal_holds_a_non_preset_set(ex01):
    relay = new_connector(ex01)
    relay.save()
    AccessControlEntry.objects.create(
        connector=relay, principal="CONTOSO\\Printers", right="ms-Exch-SMTP-Accept-Any-Recipient"
    )
    assert relay.permission_groups == "Custom"


def test_an_ace_with_an_unknown_right_is_rejected(ex01):
    relay = new_connector(ex01)
    relay.save()
    errors = errors_of(AccessControlEntry(connector=relay, principal="CONTOSO\\Printers", right="ms-Exch-SMTP-Relay"))
    assert "right" in errors


def test_a_server_role_must_fit_the_version(lab):
    errors = errors_of(Server(lab=lab, name="EX02", fqdn="ex02.contoso.com", version="2019", roles="HubTransport"))
    assert errors["roles"] == ["The HubTransport role isn't available in Exchange Server 2019."]


def test_a_server_with_a_bad_ip_is_rejected(lab):
    server = Server(lab=lab, name="EX02", fqdn="ex02.contoso.com", version="2019", roles="Mailbox")
    server.ip_addresses = "10.0.0"
    assert errors_of(server)["ip_addresses"] == ['"10.0.0" isn\'t a valid IP address.']


def test_an_authoritative_star_domain_is_rejected(lab):
    errors = errors_of(AcceptedDomain(lab=lab, name="All", domain_name="*", domain_type="Authoritative"))
    assert "domain_type" in errors


def test_a_wildcard_domain_is_accepted(lab):
    AcceptedDomain(lab=lab, name="Sub", domain_name="*.contoso.com", domain_type="InternalRelay").full_clean()


def test_making_a_domain_default_clears_the_others(lab):
    fabrikam = AcceptedDomain(lab=lab, name="fabrikam.com", domain_name="fabrikam.com", default=True)
    fabrikam.full_clean()
    fabrikam.save()
    assert list(lab.accepted_domains.filter(default=True)) == [fabrikam]


def test_a_recipient_needs_valid_addresses(lab):
    assert errors_of(Recipient(lab=lab, name="Broken", addresses="not-an-address"))["addresses"] == [
        "\"not-an-address\" isn't a valid SMTP address. The domain name can't contain spaces and it has to have a "
        "prefix and a suffix, such as example.com."
    ]


def test_an_unknown_transport_role_is_an_error_not_a_crash(ex01):
    assert "transport_role" in errors_of(new_connector(ex01, transport_role="EdgeTransport"))


def test_an_ace_explains_its_origin(ex01):
    default = ex01.receive_connectors.get(name="Default EX01")
    assert default.aces.filter(group="ExchangeServers").first().origin == "permission group ExchangeServers"
    relay = new_connector(ex01)
    relay.save()
    ace = AccessControlEntry.objects.create(connector=relay, principal="CONTOSO\\app", right="ms-Exch-SMTP-Submit")
    assert ace.origin == "Add-ADPermission"


def test_a_duplicate_server_name_is_reported_in_words(lab):
    errors = errors_of(Server(lab=lab, name="ex01", fqdn="ex01b.contoso.com", version="2019", roles="Mailbox"))
    assert errors["__all__"] == ["A server with this name already exists in the lab."]


def test_a_duplicate_connector_name_is_reported_once(ex01):
    errors = errors_of(new_connector(ex01, name="default ex01", bindings="10.0.0.10:2599"))
    assert errors == {"name": ['A Receive connector named "default ex01" already exists on server EX01.']}
