"""catalogue: rights, permission groups, auth flags, principals, group presets and usage presets (§1-§4)."""

import pytest

from connectors.exchange import catalogue as c
from connectors.exchange.catalogue import AuthMechanism, PermissionGroup
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import ExchangeVersion, Server, ServerRole

E2007_HUB = Server("EX07", "ex07.contoso.com", ExchangeVersion.E2007, frozenset({ServerRole.HUB_TRANSPORT}))
E2010_HUB = Server("EX10", "ex10.contoso.com", ExchangeVersion.E2010, frozenset({ServerRole.HUB_TRANSPORT}))
E2019_MBX = Server("EX19", "ex19.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}))
E2019_EDGE = Server("EDGE19", "edge19.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.EDGE}))


def error_of(call, *args) -> ExchangeError:
    with pytest.raises(ExchangeError) as caught:
        call(*args)
    return caught.value


def rights_of(aces, principal, deny=False):
    return {ace.right for ace in aces if ace.principal == principal and ace.deny == deny}


# --- rights ---------------------------------------------------------------------------------------------------------


def test_receive_rights_are_listed_in_bit_order():
    bits = [c.RIGHT_BITS[right] for right in c.RIGHTS]
    assert bits == sorted(bits)
    assert c.RIGHTS[:2] == ("ms-Exch-SMTP-Submit", "ms-Exch-SMTP-Accept-Any-Recipient")
    assert len(c.RIGHTS) == 19
    assert not set(c.RIGHTS) & set(c.SEND_RIGHTS)


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("Ms-Exch-SMTP-Accept-Any-Recipient", "ms-Exch-SMTP-Accept-Any-Recipient"),
        ("MS-EXCH-SMTP-SUBMIT", "ms-Exch-SMTP-Submit"),
        (" ms-exch-bypass-anti-spam ", "ms-Exch-Bypass-Anti-Spam"),
        ('"ms-Exch-Accept-Headers-Routing"', "ms-Exch-Accept-Headers-Routing"),
        ("ms-Exch-SMTP-Send-XMessageContext-FastIndex", "ms-Exch-SMTP-Accept-XMessageContext-FastIndex"),
        ("send-as", "Send-As"),
    ],
)
def test_it_resolves_rights_case_insensitively(text, canonical):
    assert c.canonical_right(text) == canonical


def test_it_rejects_an_unknown_right_naming_the_value():
    error = error_of(c.canonical_right, "ms-Exch-SMTP-Relay")
    assert '"ms-Exch-SMTP-Relay"' in error.message
    assert error.field == "ExtendedRights"


def test_it_suggests_the_right_for_the_often_mistyped_authoritative_domain_name():
    error = error_of(c.canonical_right, "ms-Exch-SMTP-Accept-Authoritative-Domain")
    assert "Did you mean ms-Exch-SMTP-Accept-Authoritative-Domain-Sender?" in error.message


# --- permission groups and auth mechanisms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups, text",
    [
        (0, "None"),
        (4 | 8, "ExchangeServers, ExchangeLegacyServers"),
        (14, "ExchangeUsers, ExchangeServers, ExchangeLegacyServers"),
        (13, "AnonymousUsers, ExchangeServers, ExchangeLegacyServers"),
        (1 | 32, "AnonymousUsers, Custom"),
        (16 | 1, "AnonymousUsers, Partners"),
    ],
)
def test_it_formats_permission_groups_in_exchange_order(groups, text):
    assert c.format_permission_groups(groups) == text


@pytest.mark.parametrize(
    "value, expected",
    [
        ("AnonymousUsers", PermissionGroup.ANONYMOUS_USERS),
        ("exchangeservers, EXCHANGELEGACYSERVERS", 12),
        (["Partners", "AnonymousUsers"], 17),
        ("None", 0),
        ([], 0),
        (13, 13),
    ],
)
def test_it_parses_permission_groups_from_text_lists_and_ints(value, expected):
    assert c.parse_permission_groups(value) == expected


@pytest.mark.parametrize("value", ["Custom", "AnonymousUsers, custom", PermissionGroup.CUSTOM | 1, 32])
def test_it_rejects_custom_as_a_permission_group_to_write(value):
    error = error_of(c.parse_permission_groups, value)
    assert error.message == "You can't use Custom to specify PermissionGroups."
    assert error.field == "PermissionGroups"


def test_none_can_only_be_used_alone():
    assert "None" in error_of(c.parse_permission_groups, "None, AnonymousUsers").message
    assert "None" in error_of(c.parse_auth_mechanism, ["Tls", "None"]).message


def test_it_rejects_an_unknown_permission_group_listing_the_valid_names():
    error = error_of(c.parse_permission_groups, "Anonymous")
    assert '"Anonymous"' in error.message
    assert "AnonymousUsers, ExchangeUsers, ExchangeServers, ExchangeLegacyServers, Partners" in error.message


def test_it_rejects_integers_outside_the_flags():
    assert error_of(c.parse_auth_mechanism, 64).field == "AuthMechanism"


@pytest.mark.parametrize(
    "auth, text",
    [
        (31 & ~AuthMechanism.EXTERNAL_AUTHORITATIVE, "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"),
        (15, "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"),
        (AuthMechanism.TLS | AuthMechanism.EXTERNAL_AUTHORITATIVE, "Tls, ExternalAuthoritative"),
        (0, "None"),
    ],
)
def test_it_formats_auth_mechanisms_in_exchange_order(auth, text):
    assert c.format_auth_mechanism(auth) == text


def test_it_parses_auth_mechanisms_case_insensitively():
    assert c.parse_auth_mechanism("basicauthrequiretls, TLS,BasicAuth") == 13
    assert c.parse_auth_mechanism(["ExternalAuthoritative"]) == AuthMechanism.EXTERNAL_AUTHORITATIVE
    assert c.format_auth_mechanism(c.parse_auth_mechanism("exchangeserver")) == "ExchangeServer"


def test_it_rejects_the_docs_misspelling_exchangeservers_as_an_auth_mechanism():
    assert "ExchangeServers" in error_of(c.parse_auth_mechanism, "Tls, ExchangeServers").message


# --- principals ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("nt authority\\anonymous logon", c.ANONYMOUS_LOGON),
        ("NT-AUTORITÄT\\ANONYMOUS-ANMELDUNG", c.ANONYMOUS_LOGON),
        ("nt-autorität\\anonymous-anmeldung", c.ANONYMOUS_LOGON),
        ("AUTORITE NT\\ANONYMOUS LOGON", c.ANONYMOUS_LOGON),
        ("S-1-5-7", c.ANONYMOUS_LOGON),
        ("NT-AUTORITÄT\\Authentifizierte Benutzer", c.AUTHENTICATED_USERS),
        ("AUTORITE NT\\Utilisateurs authentifiés", c.AUTHENTICATED_USERS),
        ("s-1-5-11", c.AUTHENTICATED_USERS),
        ("Jeder", c.EVERYONE),
        ("ms exchange\\externally secured servers", c.EXTERNALLY_SECURED_SERVERS),
        ("S-1-9-1419165041-1139599005-3936102811-1022490595-10", c.PARTNER_SERVERS),
        ("contoso\\exchange servers", "CONTOSO\\Exchange Servers"),
        ("Contoso\\exchangelegacyinterop", "CONTOSO\\ExchangeLegacyInterop"),
        ("contoso\\Printers", "CONTOSO\\Printers"),
        ("alice", "CONTOSO\\alice"),
        ("FABRIKAM\\bob", "FABRIKAM\\bob"),
    ],
)
def test_it_canonicalises_principals(name, canonical):
    assert c.canonical_principal(name, "CONTOSO") == canonical


def test_well_known_principals_carry_their_sids():
    assert c.WELL_KNOWN_SIDS[c.ANONYMOUS_LOGON] == "S-1-5-7"
    assert c.WELL_KNOWN_SIDS[c.HUB_TRANSPORT_SERVERS].endswith("-21")
    assert c.WELL_KNOWN_SIDS[c.EDGE_TRANSPORT_SERVERS].endswith("-22")
    assert c.WELL_KNOWN_SIDS[c.EXTERNALLY_SECURED_SERVERS].endswith("-23")
    assert c.exchange_servers_group("CONTOSO") == "CONTOSO\\Exchange Servers"
    assert c.legacy_interop_group("CONTOSO") == "CONTOSO\\ExchangeLegacyInterop"


# --- group presets ---------------------------------------------------------------------------------------------------

ANONYMOUS_SET = {
    "ms-Exch-SMTP-Submit",
    "ms-Exch-SMTP-Accept-Any-Sender",
    "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender",
    "ms-Exch-Accept-Headers-Routing",
}
TRUSTED_SET = {
    "ms-Exch-SMTP-Submit",
    "ms-Exch-SMTP-Accept-Any-Recipient",
    "ms-Exch-SMTP-Accept-Authentication-Flag",
    "ms-Exch-SMTP-Accept-Any-Sender",
    "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender",
    "ms-Exch-Bypass-Anti-Spam",
    "ms-Exch-Bypass-Message-Size-Limit",
    "ms-Exch-SMTP-Accept-Exch50",
    "ms-Exch-Accept-Headers-Routing",
}
E12_SET = TRUSTED_SET | {"ms-Exch-Accept-Headers-Forest", "ms-Exch-Accept-Headers-Organization"}
E14_SET = E12_SET | {"ms-Exch-SMTP-Accept-XShadow"}
E15_SET = E14_SET | {
    "ms-Exch-SMTP-Accept-XProxyFrom",
    "ms-Exch-SMTP-Accept-XSessionParams",
    "ms-Exch-SMTP-Accept-XMessageContext-ADRecipientCache",
    "ms-Exch-SMTP-Accept-XMessageContext-ExtendedProperties",
    "ms-Exch-SMTP-Accept-XMessageContext-FastIndex",
    "ms-Exch-SMTP-Accept-XAttr",
    "ms-Exch-SMTP-Accept-XSysProbe",
}


@pytest.mark.parametrize("server", [E2007_HUB, E2010_HUB, E2019_MBX, E2019_EDGE])
def test_anonymous_users_get_four_rights_on_every_version(server):
    aces = c.group_presets(PermissionGroup.ANONYMOUS_USERS, server, "CONTOSO")
    assert rights_of(aces, c.ANONYMOUS_LOGON) == ANONYMOUS_SET
    assert {ace.group for ace in aces} == {"AnonymousUsers"}


def test_exchange_users_lack_headers_routing_only_on_2007():
    users_2007 = rights_of(c.group_presets(PermissionGroup.EXCHANGE_USERS, E2007_HUB, "CONTOSO"), c.AUTHENTICATED_USERS)
    users_2010 = rights_of(c.group_presets(PermissionGroup.EXCHANGE_USERS, E2010_HUB, "CONTOSO"), c.AUTHENTICATED_USERS)
    assert users_2007 == {"ms-Exch-SMTP-Submit", "ms-Exch-SMTP-Accept-Any-Recipient", "ms-Exch-Bypass-Anti-Spam"}
    assert users_2010 == users_2007 | {"ms-Exch-Accept-Headers-Routing"}


@pytest.mark.parametrize("server, expected", [(E2007_HUB, E12_SET), (E2010_HUB, E14_SET), (E2019_MBX, E15_SET)])
def test_exchange_servers_rights_follow_the_connector_servers_version(server, expected):
    aces = c.group_presets(PermissionGroup.EXCHANGE_SERVERS, server, "CONTOSO")
    for principal in ("CONTOSO\\Exchange Servers", c.HUB_TRANSPORT_SERVERS, c.EDGE_TRANSPORT_SERVERS):
        assert rights_of(aces, principal) == expected
    assert rights_of(aces, c.EXTERNALLY_SECURED_SERVERS) == TRUSTED_SET
    assert not any(ace.deny for ace in aces)


def test_exchange_legacy_servers_is_the_interop_group_with_two_deny_aces():
    aces = c.group_presets(PermissionGroup.EXCHANGE_LEGACY_SERVERS, E2019_MBX, "CONTOSO")
    assert {ace.principal for ace in aces} == {"CONTOSO\\ExchangeLegacyInterop"}
    assert rights_of(aces, "CONTOSO\\ExchangeLegacyInterop") == TRUSTED_SET
    assert rights_of(aces, "CONTOSO\\ExchangeLegacyInterop", deny=True) == {
        "ms-Exch-Accept-Headers-Forest",
        "ms-Exch-Accept-Headers-Organization",
    }


def test_edge_has_no_legacy_principal_and_no_domain_exchange_servers_group():
    aces = c.group_presets(PermissionGroup.EXCHANGE_SERVERS | PermissionGroup.EXCHANGE_LEGACY_SERVERS, E2019_EDGE, "X")
    assert {ace.principal for ace in aces} == {
        c.HUB_TRANSPORT_SERVERS,
        c.EDGE_TRANSPORT_SERVERS,
        c.EXTERNALLY_SECURED_SERVERS,
    }


def test_partners_get_submit_and_routing_headers():
    aces = c.group_presets(PermissionGroup.PARTNERS, E2019_MBX, "CONTOSO")
    assert rights_of(aces, c.PARTNER_SERVERS) == {"ms-Exch-SMTP-Submit", "ms-Exch-Accept-Headers-Routing"}


def test_no_group_writes_no_aces():
    assert c.group_presets(PermissionGroup.NONE, E2019_MBX, "CONTOSO") == ()


# --- usage presets ---------------------------------------------------------------------------------------------------

FULL_AUTH = "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"


@pytest.mark.parametrize(
    "usage, groups, auth, required",
    [
        ("Client", "ExchangeUsers", "Tls, Integrated, BasicAuth, BasicAuthRequireTLS", ()),
        ("custom", "None", "Tls", ("Bindings", "RemoteIPRanges")),
        ("Internal", "ExchangeServers, ExchangeLegacyServers", "Tls, ExchangeServer", ("RemoteIPRanges",)),
        ("INTERNET", "AnonymousUsers", "Tls", ("Bindings",)),
        ("Partner", "Partners", "Tls", ("Bindings", "RemoteIPRanges")),
        (None, "ExchangeUsers, ExchangeServers, ExchangeLegacyServers", FULL_AUTH, ("Bindings", "RemoteIPRanges")),
    ],
)
def test_usage_presets_on_a_mailbox_server(usage, groups, auth, required):
    preset = c.usage_preset(usage, E2019_MBX)
    assert c.format_permission_groups(preset.permission_groups) == groups
    assert c.format_auth_mechanism(preset.auth_mechanism) == auth
    assert preset.required == required


def test_missing_parameter_texts_are_exchanges():
    assert c.usage_preset("Custom", E2019_MBX).missing_message == (
        "Provide values for the Bindings and RemoteIPRanges parameters."
    )
    assert c.usage_preset("Internet", E2019_MBX).missing_message == (
        "You must specify a value for the Bindings parameter for connectors that are configured for Internet usage."
    )
    assert c.usage_preset("Internal", E2019_MBX).missing_message == (
        "If you use the Internal switch, or if you set the value of the Usage parameter to Internal, you must also "
        "specify a value for the RemoteIPRanges parameter."
    )


def test_client_usage_defaults_to_port_587_and_partner_to_domain_secure():
    assert c.usage_preset("Client", E2019_MBX).default_bindings == ("0.0.0.0:587",)
    assert c.usage_preset("Partner", E2019_MBX).settings["domain_secure_enabled"] is True
    assert c.usage_preset("Internal", E2019_MBX).settings["size_enabled"] == "EnabledWithoutValue"


def test_client_usage_is_refused_on_edge():
    error = error_of(c.usage_preset, "Client", E2019_EDGE)
    assert error.message == "The Client usage type isn't available on Edge Transport servers."


def test_edge_presets_drop_the_legacy_group_and_use_the_edge_no_usage_set():
    assert c.usage_preset("Internal", E2019_EDGE).permission_groups == PermissionGroup.EXCHANGE_SERVERS
    edge_default = c.usage_preset(None, E2019_EDGE)
    assert c.format_permission_groups(edge_default.permission_groups) == "AnonymousUsers, ExchangeServers, Partners"
    assert c.format_auth_mechanism(edge_default.auth_mechanism) == "Tls, ExchangeServer"


def test_an_unknown_usage_names_the_valid_ones():
    error = error_of(c.usage_preset, "Relay", E2019_MBX)
    assert '"Relay"' in error.message
    assert "Client, Custom, Internal, Internet, Partner" in error.message
    assert error.field == "Usage"
