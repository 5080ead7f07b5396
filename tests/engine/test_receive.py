"""receive: New-/Set-ReceiveConnector semantics, validation texts and Setup's default connectors (§3, §4, §8, §9)."""

from dataclasses import replace

import pytest

from connectors.exchange.acl import read_permission_groups, remove_ad_permission
from connectors.exchange.addresses import MAX_REMOTE_IP_RANGES, IPRange, parse_bindings
from connectors.exchange.catalogue import (
    HUB_TRANSPORT_SERVERS,
    AuthMechanism,
    PermissionGroup,
    format_auth_mechanism,
    format_permission_groups,
)
from connectors.exchange.conflicts import MAPPING_CONFLICT
from connectors.exchange.errors import ExchangeError, ValidationFailed
from connectors.exchange.model import ExchangeVersion, Organization, Server, ServerRole, TransportRole
from connectors.exchange.receive import (
    default_connectors,
    default_transport_role,
    foreign_bindings,
    new_receive_connector,
    set_receive_connector,
    validate_receive_connector,
)

EX01 = Server("EX01", "ex01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}))
EX13_MBX = Server("EX13M", "ex13m.contoso.com", ExchangeVersion.E2013, frozenset({ServerRole.MAILBOX}))
EX13_CAS = Server("EX13C", "ex13c.contoso.com", ExchangeVersion.E2013, frozenset({ServerRole.CLIENT_ACCESS}))
EX10 = Server("EX10", "ex10.contoso.com", ExchangeVersion.E2010, frozenset({ServerRole.HUB_TRANSPORT}))
EX07 = Server("EX07", "ex07.contoso.com", ExchangeVersion.E2007, frozenset({ServerRole.HUB_TRANSPORT}))
EDGE = Server("EDGE01", "edge01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.EDGE}))
SERVERS = (EX01, EX13_MBX, EX13_CAS, EX10, EX07, EDGE)
RELAY_HOSTS = ["192.168.5.10", "192.168.5.11"]


def org_with_defaults(*servers) -> Organization:
    servers = servers or SERVERS
    connectors = tuple(c for server in servers for c in default_connectors(server, "CONTOSO"))
    return Organization(servers=tuple(servers), connectors=connectors)


ORG = org_with_defaults()


def messages(call, *args, **kwargs) -> list[str]:
    with pytest.raises(ExchangeError) as caught:
        call(*args, **kwargs)
    error = caught.value
    return [e.message for e in error.errors] if isinstance(error, ValidationFailed) else [error.message]


def relay(**settings):
    return new_receive_connector(
        ORG,
        "EX01",
        "Anonymous Relay",
        usage="Custom",
        bindings=["0.0.0.0:25"],
        remote_ip_ranges=RELAY_HOSTS,
        transport_role="FrontendTransport",
        **settings,
    )


def set_relay(**changes):
    connector = relay()
    org = ORG.with_changes(connectors=(*ORG.connectors, connector))
    return set_receive_connector(org, connector, **changes)


def named(org, server, name):
    return org.connector(server, name)


# --- New-ReceiveConnector ------------------------------------------------------------------------------------------


def test_a_custom_relay_connector_is_created_with_no_groups_and_tls():
    connector = relay()
    assert (connector.usage, connector.transport_role) == ("Custom", TransportRole.FRONTEND)
    assert connector.auth_mechanism == AuthMechanism.TLS
    assert connector.permission_groups_written == 0
    assert connector.acl == ()
    assert [r.text for r in connector.remote_ip_ranges] == RELAY_HOSTS
    assert connector.fqdn == "ex01.contoso.com"
    assert connector.created_by_setup is False
    assert type(connector.auth_mechanism) is int


@pytest.mark.parametrize(
    "usage, bindings, ranges, text",
    [
        ("Custom", ["0.0.0.0:25"], None, "Provide values for the Bindings and RemoteIPRanges parameters."),
        ("Custom", None, RELAY_HOSTS, "Provide values for the Bindings and RemoteIPRanges parameters."),
        (
            "Internet",
            None,
            None,
            "You must specify a value for the Bindings parameter for connectors that are configured for Internet "
            "usage.",
        ),
        (
            "Internal",
            ["10.0.0.5:25"],
            None,
            "If you use the Internal switch, or if you set the value of the Usage parameter to Internal, you must also "
            "specify a value for the RemoteIPRanges parameter.",
        ),
        (
            "Partner",
            ["0.0.0.0:25"],
            None,
            "Cannot process command because of one or more missing mandatory parameters: RemoteIPRanges.",
        ),
        (
            None,
            None,
            RELAY_HOSTS,
            "Cannot process command because of one or more missing mandatory parameters: Bindings.",
        ),
        (
            "Partner",
            None,
            None,
            "Cannot process command because of one or more missing mandatory parameters: Bindings RemoteIPRanges.",
        ),
    ],
)
def test_each_usage_requires_its_parameters(usage, bindings, ranges, text):
    assert messages(
        new_receive_connector, ORG, "EX01", "X", usage=usage, bindings=bindings, remote_ip_ranges=ranges
    ) == [text]


def test_a_client_connector_defaults_to_port_587_and_exchange_users():
    connector = new_receive_connector(ORG, "EX01", "Pop clients", usage="Client", bindings=["10.0.0.5:588"])
    assert [b.text for b in connector.bindings] == ["10.0.0.5:588"]
    bare = Organization(servers=(EX10,))
    assert [b.text for b in new_receive_connector(bare, "EX10", "Pop", usage="Client").bindings] == ["0.0.0.0:587"]
    assert [r.text for r in connector.remote_ip_ranges] == ["0.0.0.0-255.255.255.255"]
    assert format_permission_groups(connector.permission_groups_written) == "ExchangeUsers"
    assert format_auth_mechanism(connector.auth_mechanism) == "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"


def test_an_internet_connector_writes_the_anonymous_aces():
    connector = new_receive_connector(
        ORG, "EX01", "Inet", usage="internet", bindings="10.0.0.5:25", transport_role="Frontend"
    )
    assert format_permission_groups(read_permission_groups(connector.acl, EX01, "CONTOSO")) == "AnonymousUsers"
    assert {ace.group for ace in connector.acl} == {"AnonymousUsers"}


def test_a_partner_connector_turns_on_domain_secure():
    connector = new_receive_connector(
        ORG,
        "EX01",
        "Fabrikam TLS",
        usage="Partner",
        bindings=["0.0.0.0:25"],
        remote_ip_ranges=["17.17.17.0/24"],
        transport_role=TransportRole.FRONTEND,
    )
    assert connector.domain_secure_enabled
    assert connector.permission_groups_written == PermissionGroup.PARTNERS


def test_permission_groups_and_auth_can_be_given_at_creation():
    connector = relay(permission_groups="AnonymousUsers", auth_mechanism="Tls, BasicAuth")
    assert connector.permission_groups_written == PermissionGroup.ANONYMOUS_USERS
    assert format_auth_mechanism(connector.auth_mechanism) == "Tls, BasicAuth"
    assert len(connector.acl) == 4


def test_custom_is_refused_as_a_permission_group_at_creation():
    assert messages(relay, permission_groups="Custom") == ["You can't use Custom to specify PermissionGroups."]


def test_without_transport_role_a_2013_connector_lands_in_the_hub_service_where_one_runs():
    assert default_transport_role(EX01) is TransportRole.HUB
    assert default_transport_role(EX13_CAS) is TransportRole.FRONTEND
    assert default_transport_role(EDGE) is TransportRole.HUB
    connector = new_receive_connector(
        ORG, "EX01", "Apps", usage="Custom", bindings=["10.0.0.5:2600"], remote_ip_ranges=["10.9.0.0/16"]
    )
    assert connector.transport_role is TransportRole.HUB


def test_the_default_hub_role_on_port_25_clashes_with_the_front_end():
    found = messages(
        new_receive_connector,
        ORG,
        "EX01",
        "Relay",
        usage="Custom",
        bindings=["0.0.0.0:25"],
        remote_ip_ranges=RELAY_HOSTS,
    )
    assert any("Receive connectors assigned to different Transport roles" in text for text in found)


def test_client_usage_is_not_available_on_edge():
    assert messages(new_receive_connector, ORG, "EDGE01", "Clients", usage="Client") == [
        "The Client usage type isn't available on Edge Transport servers."
    ]


def test_transport_role_is_refused_on_edge_and_before_2013():
    edge = messages(
        new_receive_connector,
        ORG,
        "EDGE01",
        "In",
        usage="Internal",
        remote_ip_ranges=["10.0.0.0/8"],
        transport_role="HubTransport",
    )
    assert edge == ["The TransportRole parameter can't be used on Edge Transport servers."]
    old = messages(
        new_receive_connector,
        ORG,
        "EX10",
        "In",
        usage="Internal",
        remote_ip_ranges=["10.0.0.0/8"],
        transport_role="HubTransport",
    )
    assert old == ["A parameter cannot be found that matches parameter name 'TransportRole'."]


def test_an_internal_connector_on_edge_writes_only_exchange_servers():
    connector = new_receive_connector(
        ORG,
        "EDGE01",
        "From org",
        usage="Internal",
        remote_ip_ranges=["10.1.2.10", "10.1.2.15"],
        bindings=["10.0.9.9:25"],
    )
    assert connector.permission_groups_written == PermissionGroup.EXCHANGE_SERVERS
    assert connector.message_rate_limit == 600


def test_a_hub_connector_is_refused_on_a_server_without_the_transport_service():
    found = messages(
        new_receive_connector,
        ORG,
        "EX13C",
        "Relay",
        usage="Custom",
        bindings=["10.0.0.7:2700"],
        remote_ip_ranges=RELAY_HOSTS,
        transport_role="HubTransport",
    )
    assert found == [
        "Server EX13C doesn't run the HubTransport service, so a HubTransport connector on it would never "
        "receive a connection."
    ]


def test_an_unknown_transport_role_usage_or_parameter_is_reported_in_exchange_words():
    role = messages(
        new_receive_connector,
        ORG,
        "EX01",
        "X",
        usage="Custom",
        bindings=["10.0.0.5:2700"],
        remote_ip_ranges=RELAY_HOSTS,
        transport_role="Mailbox",
    )
    assert role == [
        'Cannot convert value "Mailbox" for the TransportRole parameter. Specify one of the following enumerator '
        "names and try again: FrontendTransport, HubTransport"
    ]
    assert messages(new_receive_connector, ORG, "EX01", "X", usage="Relay")[0].startswith(
        'Cannot convert value "Relay"'
    )
    assert messages(relay, smart_host="x") == ["A parameter cannot be found that matches parameter name 'SmartHost'."]
    assert messages(new_receive_connector, ORG, "EX99", "X") == [
        "The operation couldn't be performed because object 'EX99' couldn't be found."
    ]


@pytest.mark.parametrize(
    "name, text",
    [
        ("", "Cannot bind argument to parameter 'Name' because it is an empty string."),
        (
            "x" * 65,
            "The length of the property is too long. The maximum length is 64 and the length of the value provided "
            "is 65.",
        ),
        ("EX01\\Relay", 'The name "EX01\\Relay" isn\'t valid: a Receive connector name can\'t contain "\\".'),
        ("default frontend ex01", 'A Receive connector named "default frontend ex01" already exists on server EX01.'),
    ],
)
def test_name_rules(name, text):
    found = messages(
        new_receive_connector,
        ORG,
        "EX01",
        name,
        usage="Custom",
        bindings=["10.0.0.5:2700"],
        remote_ip_ranges=RELAY_HOSTS,
    )
    assert found == [text]


def test_a_64_character_name_is_fine():
    connector = new_receive_connector(
        ORG, "EX01", "x" * 64, usage="Custom", bindings=["10.0.0.5:2700"], remote_ip_ranges=RELAY_HOSTS
    )
    assert connector.name == "x" * 64


def test_the_same_name_on_another_server_is_fine():
    connector = new_receive_connector(
        ORG, "EX13M", "Default Frontend EX01", usage="Custom", bindings=["10.0.0.7:2700"], remote_ip_ranges=RELAY_HOSTS
    )
    assert connector.server == "EX13M"


def test_a_binding_and_range_clash_is_reported_through_the_conflict_check():
    first = relay()
    org = ORG.with_changes(connectors=(*ORG.connectors, first))
    found = messages(
        new_receive_connector,
        org,
        "EX01",
        "Relay 2",
        usage="Custom",
        bindings=["0.0.0.0:25"],
        remote_ip_ranges=["192.168.5.10"],
        transport_role="FrontendTransport",
    )
    assert found == [MAPPING_CONFLICT.format("EX01\\Anonymous Relay")]


# --- Set-ReceiveConnector and validation ------------------------------------------------------------------------------


def test_set_permission_groups_rewrites_the_acl_and_records_the_written_groups():
    connector = set_relay(permission_groups=PermissionGroup.ANONYMOUS_USERS)
    assert connector.permission_groups_written == 1
    assert format_permission_groups(read_permission_groups(connector.acl, EX01, "CONTOSO")) == "AnonymousUsers"


def test_scenario_12_basic_auth_require_tls_alone():
    assert messages(set_relay, auth_mechanism="BasicAuthRequireTLS") == [
        "If BasicAuthRequireTLS is set, TLS must also be set as an authentication mechanism.",
        "If BasicAuthRequireTLS is set, BasicAuth must also be set as an authentication mechanism.",
    ]


def test_scenario_13_external_authoritative_with_anonymous_users():
    assert messages(set_relay, auth_mechanism="ExternalAuthoritative", permission_groups="AnonymousUsers") == [
        "You must set the value for the PermissionGroups parameter to ExchangeServers when you set the AuthMechanism "
        "parameter to a value of ExternalAuthoritative."
    ]


def test_scenario_14_external_authoritative_with_basic_auth():
    found = messages(set_relay, auth_mechanism="ExternalAuthoritative, BasicAuth", permission_groups="ExchangeServers")
    assert found == [
        "ExternalAuthoritative cannot be set with BasicAuth, BasicAuthRequireTLS, ExchangeServer, or Integrated "
        "authentication mechanisms."
    ]


def test_method_b_is_valid_with_other_groups_alongside_exchange_servers():
    connector = set_relay(auth_mechanism="ExternalAuthoritative", permission_groups="ExchangeServers, AnonymousUsers")
    assert connector.auth_mechanism == AuthMechanism.EXTERNAL_AUTHORITATIVE


def test_the_external_authoritative_check_reads_the_groups_back_from_the_acl():
    connector = set_relay(permission_groups="ExchangeServers")
    stripped = connector.with_changes(
        acl=remove_ad_permission(connector.acl, HUB_TRANSPORT_SERVERS, ["ms-Exch-SMTP-Submit"]),
        auth_mechanism=int(AuthMechanism.EXTERNAL_AUTHORITATIVE),
    )
    org = ORG.with_changes(connectors=(*ORG.connectors, stripped))
    assert [e.field for e in validate_receive_connector(org, stripped)] == ["PermissionGroups"]


def test_tls_rules_for_require_tls_and_domain_secure():
    assert messages(set_relay, auth_mechanism="None", require_tls=True, domain_secure_enabled=True) == [
        "If RequireTLS is set, TLS must also be set as an authentication mechanism.",
        "The DomainSecureEnabled parameter can't be set to $True unless Transport Layer Security (TLS) is set on the "
        "AuthMechanism parameter.",
    ]
    assert messages(
        set_relay,
        auth_mechanism="Tls, ExternalAuthoritative",
        permission_groups="ExchangeServers",
        domain_secure_enabled=True,
    ) == [
        "The DomainSecureEnabled parameter can't be set to $True if the AuthMechanism parameter is set to "
        "ExternalAuthoritative."
    ]


def test_exchange_server_auth_pins_the_fqdn():
    default_frontend = named(ORG, "EX01", "Default Frontend EX01")
    found = messages(set_receive_connector, ORG, default_frontend, fqdn="mail.contoso.com")
    assert found == [
        "If the AuthMechanism attribute on a Receive connector contains the value ExchangeServer, you must set the "
        "FQDN parameter on the Receive connector to one of the following values: the FQDN of the transport server "
        '"ex01.contoso.com", the NetBIOS name of the transport server "EX01", or $null.'
    ]
    assert set_receive_connector(ORG, default_frontend, fqdn="EX01").fqdn == "EX01"
    assert set_relay(fqdn="mail.contoso.com").fqdn == "mail.contoso.com"


def test_the_legacy_group_is_refused_on_edge():
    edge_default = named(ORG, "EDGE01", "Default internal receive connector EDGE01")
    assert messages(
        set_receive_connector, ORG, edge_default, permission_groups="ExchangeServers, ExchangeLegacyServers"
    ) == [
        "The Exchange Legacy Servers and Exchange Users permission groups aren't supported for the Edge Transport "
        "server role."
    ]


@pytest.mark.parametrize("banner", ["Welcome", "220 Grüezi"])
def test_the_banner_must_start_with_220_in_seven_bit_ascii(banner):
    assert messages(set_relay, banner=banner) == [
        "The banner must start with a status code of 220 and contain only seven bit ASCII characters."
    ]
    assert set_relay(banner="220 SMTP OK").banner == "220 SMTP OK"


@pytest.mark.parametrize(
    "field, value, text",
    [
        (
            "max_recipients_per_message",
            0,
            'The value "0" for MaxRecipientsPerMessage is out of range. Specify a value from 1 to 512000.',
        ),
        (
            "max_recipients_per_message",
            512_001,
            'The value "512001" for MaxRecipientsPerMessage is out of range. Specify a value from 1 to 512000.',
        ),
        (
            "max_message_size",
            1024,
            'The value "1024" for MaxMessageSize is out of range. Specify a value from 65536 to 2147483647.',
        ),
    ],
)
def test_numeric_ranges(field, value, text):
    assert messages(set_relay, **{field: value}) == [text]


def test_the_range_bounds_themselves_are_fine():
    assert set_relay(max_recipients_per_message=512_000, max_message_size=65_536).max_recipients_per_message == 512_000
    assert set_relay(max_recipients_per_message=1, message_rate_limit=None).max_recipients_per_message == 1


def test_choice_fields_are_canonicalised_or_refused():
    assert set_relay(protocol_logging_level="verbose").protocol_logging_level == "Verbose"
    assert "Verbose" in messages(set_relay, protocol_logging_level="Chatty")[0]


def test_too_many_remote_ranges_exceed_the_administrative_limit():
    ranges = tuple(IPRange(4, n, n, "single") for n in range(MAX_REMOTE_IP_RANGES + 1))
    assert messages(set_relay, remote_ip_ranges=ranges) == ["The administrative limit for this request was exceeded."]


def test_usage_cannot_be_changed_after_creation():
    assert messages(set_relay, usage="Internet") == ["A parameter cannot be found that matches parameter name 'Usage'."]


def test_renaming_onto_an_existing_name_is_refused():
    assert messages(set_relay, name="Client Frontend EX01") == [
        'A Receive connector named "Client Frontend EX01" already exists on server EX01.'
    ]


def test_set_bindings_rechecks_conflicts():
    found = messages(set_relay, bindings="0.0.0.0:587", remote_ip_ranges="0.0.0.0-255.255.255.255")
    assert found == [MAPPING_CONFLICT.format("EX01\\Client Frontend EX01")]


# --- Setup's default connectors ------------------------------------------------------------------------------------

FULL = "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"
CLIENT = "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"


def summary(connector):
    return (
        connector.name,
        connector.transport_role.value,
        tuple(b.text for b in connector.bindings),
        format_auth_mechanism(connector.auth_mechanism),
        format_permission_groups(connector.permission_groups_written),
    )


def test_a_2019_mailbox_server_gets_the_five_setup_connectors():
    assert [summary(c) for c in default_connectors(EX01, "CONTOSO")] == [
        (
            "Default Frontend EX01",
            "FrontendTransport",
            ("0.0.0.0:25", "[::]:25"),
            FULL,
            "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
        ),
        ("Outbound Proxy Frontend EX01", "FrontendTransport", ("0.0.0.0:717", "[::]:717"), FULL, "ExchangeServers"),
        ("Client Frontend EX01", "FrontendTransport", ("0.0.0.0:587", "[::]:587"), CLIENT, "ExchangeUsers"),
        (
            "Default EX01",
            "HubTransport",
            ("0.0.0.0:2525", "[::]:2525"),
            FULL,
            "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
        ),
        ("Client Proxy EX01", "HubTransport", ("0.0.0.0:465", "[::]:465"), FULL, "ExchangeUsers, ExchangeServers"),
    ]


def test_setup_connectors_match_the_observed_2019_integers_and_settings():
    connectors = {c.name: c for c in default_connectors(EX01, "CONTOSO")}
    assert connectors["Default Frontend EX01"].permission_groups_written == 13
    assert connectors["Default EX01"].permission_groups_written == 14
    assert connectors["Client Frontend EX01"].auth_mechanism == 15
    assert connectors["Default EX01"].auth_mechanism == 31
    assert connectors["Default Frontend EX01"].domain_secure_enabled
    assert connectors["Default Frontend EX01"].protocol_logging_level == "Verbose"
    assert connectors["Default EX01"].max_recipients_per_message == 5000
    assert connectors["Default EX01"].size_enabled == "EnabledWithoutValue"
    assert connectors["Client Frontend EX01"].message_rate_limit == 5
    assert connectors["Client Proxy EX01"].enable_auth_gssapi
    assert [r.text for r in connectors["Default EX01"].remote_ip_ranges] == [
        "0.0.0.0-255.255.255.255",
        "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]
    assert all(c.created_by_setup and c.fqdn == "ex01.contoso.com" for c in connectors.values())


@pytest.mark.parametrize("server", SERVERS, ids=lambda s: s.name)
def test_setup_connectors_read_back_their_groups_and_validate_clean(server):
    for connector in default_connectors(server, "CONTOSO"):
        assert read_permission_groups(connector.acl, server, "CONTOSO") == connector.permission_groups_written
        assert validate_receive_connector(ORG, named(ORG, server.name, connector.name)) == []


def test_a_2013_mailbox_server_without_front_end_takes_default_on_port_25():
    assert [(c.name, c.bindings[0].port) for c in default_connectors(EX13_MBX, "CONTOSO")] == [
        ("Default EX13M", 25),
        ("Client Proxy EX13M", 465),
    ]


def test_a_2013_client_access_server_gets_the_three_front_end_connectors():
    assert [c.name for c in default_connectors(EX13_CAS, "CONTOSO")] == [
        "Default Frontend EX13C",
        "Outbound Proxy Frontend EX13C",
        "Client Frontend EX13C",
    ]


@pytest.mark.parametrize("server", [EX07, EX10], ids=lambda s: s.name)
def test_a_2007_or_2010_hub_gets_default_and_client(server):
    default, client = default_connectors(server, "CONTOSO")
    assert summary(default) == (
        f"Default {server.name}",
        "HubTransport",
        ("0.0.0.0:25",),
        FULL,
        "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
    )
    assert summary(client) == (f"Client {server.name}", "HubTransport", ("0.0.0.0:587",), CLIENT, "ExchangeUsers")
    assert client.usage == "Client"


def test_edge_gets_one_ipv4_internal_connector():
    (connector,) = default_connectors(EDGE, "CONTOSO")
    assert summary(connector) == (
        "Default internal receive connector EDGE01",
        "HubTransport",
        ("0.0.0.0:25",),
        "Tls, ExchangeServer",
        "AnonymousUsers, ExchangeServers, Partners",
    )
    assert [r.text for r in connector.remote_ip_ranges] == ["0.0.0.0-255.255.255.255"]
    assert connector.domain_secure_enabled


def test_numbers_given_as_text_are_converted():
    connector = set_relay(max_recipients_per_message="1,000", message_rate_limit="Unlimited")
    assert (connector.max_recipients_per_message, connector.message_rate_limit) == (1000, None)
    # MaxMessageSize is a ByteQuantifiedSize: EMS takes 36MB, and refuses a unit it doesn't know.
    assert set_relay(max_message_size="36MB").max_message_size == 37_748_736
    assert messages(set_relay, max_message_size="36 parsecs") == [
        "Cannot process argument transformation on parameter 'MaxMessageSize'. Cannot convert value \"36 parsecs\" "
        'to type "Microsoft.Exchange.Data.ByteQuantifiedSize". Error: "Input string was not in a correct format."'
    ]


# --- Issue 9: no silent bad values ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fqdn", ["not a fqdn!!", "mail..contoso.com", "-mail.contoso.com", "mail.contoso.com/25"])
def test_it_rejects_an_fqdn_that_is_not_a_domain_name(fqdn):
    assert messages(set_relay, fqdn=fqdn) == [
        f'Cannot convert value "{fqdn}" to type "Microsoft.Exchange.Data.Fqdn". Error: "The FQDN "{fqdn}" isn\'t '
        'valid. Use letters, digits and hyphens in labels separated by dots, for example mail.contoso.com."'
    ]


@pytest.mark.parametrize("fqdn", ["", "mail.contoso.com", "EX01", "smtp_relay.contoso.com", "mail.contoso.com."])
def test_a_host_name_or_nothing_is_a_valid_fqdn(fqdn):
    assert set_relay(fqdn=fqdn).fqdn == fqdn


def test_it_rejects_a_remote_range_already_on_the_connector():
    connector = relay()
    org = ORG.with_changes(connectors=(*ORG.connectors, connector))
    again = (*connector.remote_ip_ranges, connector.remote_ip_ranges[0])
    assert messages(set_receive_connector, org, connector, remote_ip_ranges=again) == [
        'The value "192.168.5.10" is already present in the collection.'
    ]


def test_it_rejects_a_range_given_twice_in_one_list_and_a_binding_given_twice():
    assert messages(set_relay, remote_ip_ranges="10.0.0.5, 10.0.0.5/32") == [
        'The value "10.0.0.5/32" is already present in the collection.'
    ]
    assert messages(set_relay, bindings=["0.0.0.0:25", "0.0.0.0:25"]) == [
        'The value "0.0.0.0:25" is already present in the collection.'
    ]


def test_a_binding_on_an_address_the_server_does_not_have_is_foreign():
    server = replace(EX01, ip_addresses=("10.0.0.10", "fe80::10"))
    bindings = parse_bindings("0.0.0.0:25, [::]:25, 10.0.0.10:25, 10.9.9.9:25, [fe80::10]:25")
    connector = relay().with_changes(bindings=bindings)
    assert [b.text for b in foreign_bindings(server, connector)] == ["10.9.9.9:25"]
