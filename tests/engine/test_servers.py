import pytest

from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import ExchangeVersion, FieldError, Server, ServerRole
from connectors.exchange.servers import parse_server_roles, validate_server


def _server(version, *roles, ips=("10.0.0.10",)):
    return Server("EX01", "ex01.contoso.com", version, frozenset(roles), ips)


def test_it_parses_role_names_case_insensitively():
    assert parse_server_roles(["mailbox", " HubTransport "]) == {ServerRole.MAILBOX, ServerRole.HUB_TRANSPORT}


def test_it_rejects_an_unknown_role_at_roles():
    with pytest.raises(ExchangeError) as caught:
        parse_server_roles(["UnifiedMessaging"])
    assert caught.value.field == "Roles"
    assert "'UnifiedMessaging' isn't a server role" in caught.value.message


def test_a_2016_server_has_no_hub_transport_role():
    assert validate_server(_server(ExchangeVersion.E2016, ServerRole.MAILBOX, ServerRole.HUB_TRANSPORT)) == [
        FieldError("Roles", "The HubTransport role isn't available in Exchange Server 2016.")
    ]


def test_edge_is_installed_alone():
    errors = validate_server(_server(ExchangeVersion.E2019, ServerRole.MAILBOX, ServerRole.EDGE))
    assert errors == [FieldError("Roles", "The Edge Transport server role can't coexist with any other server role.")]


def test_it_reports_a_malformed_address_at_ip_addresses():
    errors = validate_server(_server(ExchangeVersion.E2007, ServerRole.HUB_TRANSPORT, ips=("10.0.0.300",)))
    assert [error.field for error in errors] == ["IPAddresses"]


def test_every_version_accepts_its_current_setup_roles():
    assert validate_server(_server(ExchangeVersion.E2013, ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS)) == []
    assert validate_server(_server(ExchangeVersion.SE, ServerRole.MAILBOX)) == []


def test_mapi_encryption_is_a_mailbox_server_setting():
    edge = _server(ExchangeVersion.SE, ServerRole.EDGE)
    errors = validate_server(Server(edge.name, edge.fqdn, edge.version, edge.roles, (), mapi_encryption_required=True))
    assert [error.field for error in errors] == ["MAPIEncryptionRequired"]
