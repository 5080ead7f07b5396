"""The 18 scenario oracles of reference §11.2, end to end through the engine's public functions."""

import pytest

from connectors.exchange.acl import add_ad_permission, read_permission_groups, remove_ad_permission
from connectors.exchange.audit import audit
from connectors.exchange.catalogue import (
    ANONYMOUS_LOGON,
    AuthMechanism,
    PermissionGroup,
    format_permission_groups,
)
from connectors.exchange.conflicts import MAPPING_CONFLICT, ROLE_CONFLICT
from connectors.exchange.errors import ExchangeError, ValidationFailed
from connectors.exchange.model import AcceptedDomain, DomainType, TransportRole
from connectors.exchange.receive import new_receive_connector, set_receive_connector
from tests.engine.smtp_orgs import (
    CLIENT_FRONTEND,
    CONTOSO,
    DEFAULT_FRONTEND,
    EDGE_DEFAULT,
    EX01,
    connector,
    contoso,
    edge_org,
    replies,
    run,
    step,
    with_connector,
)

RELAY_HOSTS = ["192.168.5.10", "192.168.5.11"]
CANNOT_SEND_AS = "550 5.7.1 Client does not have permissions to send as this sender"
BANNER = "220 ex01.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 1 Jan 2024 09:00:00 +0000"
QUEUED = (
    "250 2.6.0 <00000000-0000-0000-0000-000000000001@ex01.contoso.com> [InternalId=1, Hostname=ex01.contoso.com] "
    "Queued mail for delivery"
)
START_MAIL_INPUT = "354 Start mail input; end with <CRLF>.<CRLF>"
CLOSING = "221 2.0.0 Service closing transmission channel"


def ehlo(remote_ip, *middle):
    """An EHLO reply of EX01: the greeting, the common head, `middle`, the common tail (§7.3 order)."""
    lines = [
        f"ex01.contoso.com Hello [{remote_ip}]",
        "SIZE 37748736",
        "PIPELINING",
        "DSN",
        "ENHANCEDSTATUSCODES",
        *middle,
        "8BITMIME",
        "BINARYMIME",
        "CHUNKING",
        "XRDST",
    ]
    return [f"250-{line}" for line in lines[:-1]] + [f"250 {lines[-1]}"]


# §7.3's worked example: Default Frontend, anonymous, before TLS.
DEFAULT_FRONTEND_EHLO = ehlo("203.0.113.7", "STARTTLS", "X-ANONYMOUSTLS", "AUTH NTLM", "X-EXPS GSSAPI NTLM")


def add_relay_connector(org, **settings):
    """D-RELAY: a dedicated Front End connector scoped to the application hosts."""
    relay = new_receive_connector(
        org,
        "EX01",
        "Anonymous Relay",
        usage="Custom",
        bindings=["0.0.0.0:25"],
        remote_ip_ranges=RELAY_HOSTS,
        transport_role=TransportRole.FRONTEND,
    )
    org = with_connector(org, relay)
    return with_connector(org, set_receive_connector(org, relay, **settings))


def method_a(org):
    org = add_relay_connector(org, permission_groups=PermissionGroup.ANONYMOUS_USERS)
    relay = connector(org, "Anonymous Relay")
    acl = add_ad_permission(relay.acl, ANONYMOUS_LOGON, ["ms-Exch-SMTP-Accept-Any-Recipient"])
    return with_connector(org, relay.with_changes(acl=acl))


def method_b(org):
    return add_relay_connector(
        org, auth_mechanism=AuthMechanism.EXTERNAL_AUTHORITATIVE, permission_groups=PermissionGroup.EXCHANGE_SERVERS
    )


def without_authoritative_sender(org, name=DEFAULT_FRONTEND, server="EX01"):
    """The anti-spoofing recipe: Remove-ADPermission of Accept-Authoritative-Domain-Sender from ANONYMOUS LOGON."""
    target = connector(org, name, server)
    acl = remove_ad_permission(target.acl, ANONYMOUS_LOGON, ["ms-Exch-SMTP-Accept-Authoritative-Domain-Sender"])
    return with_connector(org, target.with_changes(acl=acl))


def refusal_messages(call) -> list[str]:
    with pytest.raises(ExchangeError) as refused:
        call()
    error = refused.value
    return [e.message for e in error.errors] if isinstance(error, ValidationFailed) else [error.message]


# --- 1-4: Default Frontend and anonymous senders --------------------------------------------------------------------


def test_scenario_01_anonymous_mail_to_an_accepted_domain_is_accepted():
    result = run(contoso(), mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",))
    assert result.connector.name == DEFAULT_FRONTEND
    assert replies(result) == [
        BANNER,
        *DEFAULT_FRONTEND_EHLO,
        "250 2.1.0 Sender OK",
        "250 2.1.5 Recipient OK",
        START_MAIL_INPUT,
        QUEUED,
        CLOSING,
    ]


def test_scenario_02_anonymous_relay_to_an_external_domain_is_refused():
    result = run(contoso(), mail_from="a@fabrikam.com", rcpts=("x@external.com",))
    assert replies(result) == [
        BANNER,
        *DEFAULT_FRONTEND_EHLO,
        "250 2.1.0 Sender OK",
        "550 5.7.1 Unable to relay",
        CLOSING,
    ]
    assert result.recipients[0].fate == "rejected"


def test_scenario_03_anonymous_sender_in_the_authoritative_domain_is_accepted():
    result = run(contoso(), mail_from="ceo@contoso.com", rcpts=("bob@contoso.com",))
    assert replies(result)[-5:] == ["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", START_MAIL_INPUT, QUEUED, CLOSING]
    assert result.recipients[0].fate == "mailbox"


def test_scenario_04_after_the_anti_spoof_removal_the_front_end_refuses_at_end_of_headers():
    result = run(without_authoritative_sender(contoso()), mail_from="ceo@contoso.com", rcpts=("bob@contoso.com",))
    assert result.mail_from == "250 2.1.0 Sender OK"
    assert step(result, "DATA").server == ("354 Start mail input; end with <CRLF>.<CRLF>",)
    assert result.data == CANNOT_SEND_AS
    assert replies(result)[-2:] == [CANNOT_SEND_AS, CLOSING]
    assert result.recipients[0].fate == "not-sent"


def test_scenario_04_on_edge_the_refusal_names_the_anonymous_client():
    org = without_authoritative_sender(edge_org(), EDGE_DEFAULT, "EDGE01")
    result = run(org, server="EDGE01", mail_from="ceo@contoso.com", rcpts=("bob@contoso.com",))
    assert result.data == "550 5.7.1 Anonymous client does not have permissions to send as this sender"


# --- 5-8: custom and relay connectors ------------------------------------------------------------------------------


def test_scenario_05_a_custom_connector_without_permission_groups_refuses_anonymous_mail():
    org = contoso()
    scanner = new_receive_connector(
        org,
        "EX01",
        "Scanners",
        usage="Custom",
        bindings=["10.0.0.5:25"],
        remote_ip_ranges=["192.168.10.0/24"],
        transport_role=TransportRole.FRONTEND,
    )
    result = run(with_connector(org, scanner), remote_ip="192.168.10.20", mail_from="scan@contoso.com")
    assert result.connector.name == "Scanners"
    assert replies(result) == [BANNER, *ehlo("192.168.10.20", "STARTTLS"), "530 5.7.1 Client was not authenticated"]
    assert result.disconnected


def test_scenario_06_method_a_lets_the_hosts_relay_and_reads_back_as_custom():
    org = method_a(contoso())
    result = run(org, remote_ip="192.168.5.10", mail_from="app@contoso.com", rcpts=("x@external.com",))
    assert result.connector.name == "Anonymous Relay"
    assert result.recipients[0].reply == "250 2.1.5 Recipient OK"
    assert result.recipients[0].fate == "relay-outside"
    groups = read_permission_groups(connector(org, "Anonymous Relay").acl, EX01, "CONTOSO")
    assert format_permission_groups(groups) == "AnonymousUsers, Custom"


def test_scenario_07_method_b_relays_an_oversized_message():
    org = method_b(contoso())
    result = run(
        org, remote_ip="192.168.5.11", mail_from="app@contoso.com", rcpts=("x@external.com",), message_size=60_000_000
    )
    assert result.identity.kind == "externally_secured"
    assert replies(result)[-5:] == ["250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", START_MAIL_INPUT, QUEUED, CLOSING]
    assert result.recipients[0].fate == "relay-outside"


def test_scenario_08_a_host_outside_the_relay_ranges_lands_on_default_frontend():
    result = run(method_a(contoso()), remote_ip="192.168.5.99", mail_from="app@contoso.com", rcpts=("x@external.com",))
    assert result.connector.name == DEFAULT_FRONTEND
    assert result.recipients[0].reply == "550 5.7.1 Unable to relay"


# --- 9-11: bindings, ranges, roles ---------------------------------------------------------------------------------


def new_on_10_0_0_5(org, name, ranges, role=TransportRole.FRONTEND, binding="10.0.0.5:2526"):
    return new_receive_connector(
        org, "EX01", name, usage="Custom", bindings=[binding], remote_ip_ranges=ranges, transport_role=role
    )


def test_scenario_09_partially_overlapping_ranges_on_one_binding_conflict():
    org = contoso()
    org = with_connector(org, new_on_10_0_0_5(org, "Apps", ["10.0.0.0/24"]))
    messages = refusal_messages(lambda: new_on_10_0_0_5(org, "More apps", ["10.0.0.128-10.0.1.10"]))
    assert MAPPING_CONFLICT.format("EX01\\Apps") in messages


def test_scenario_10_nested_ranges_are_allowed_and_the_narrower_wins():
    org = contoso()
    org = with_connector(org, new_on_10_0_0_5(org, "Site", ["10.0.0.0/16"]))
    org = with_connector(org, new_on_10_0_0_5(org, "Branch", ["10.0.5.0/24"]))
    assert run(org, remote_ip="10.0.5.7", port=2526).connector.name == "Branch"
    assert run(org, remote_ip="10.0.9.7", port=2526).connector.name == "Site"


def test_scenario_11_a_hub_connector_on_the_front_end_port_is_a_role_conflict():
    messages = refusal_messages(
        lambda: new_on_10_0_0_5(contoso(), "Hub 25", ["192.168.1.0/24"], TransportRole.HUB, "10.1.1.1:25")
    )
    assert ROLE_CONFLICT.format("EX01\\" + DEFAULT_FRONTEND) in messages


# --- 12-14: AuthMechanism rules ------------------------------------------------------------------------------------


def set_on_default_frontend(**changes):
    org = contoso()
    return refusal_messages(lambda: set_receive_connector(org, connector(org, DEFAULT_FRONTEND), **changes))


def test_scenario_12_basic_auth_require_tls_alone_needs_tls_and_basic_auth():
    messages = set_on_default_frontend(auth_mechanism=AuthMechanism.BASIC_AUTH_REQUIRE_TLS)
    assert "If BasicAuthRequireTLS is set, TLS must also be set as an authentication mechanism." in messages
    assert "If BasicAuthRequireTLS is set, BasicAuth must also be set as an authentication mechanism." in messages


def test_scenario_13_external_authoritative_needs_the_exchange_servers_group():
    messages = set_on_default_frontend(
        auth_mechanism=AuthMechanism.EXTERNAL_AUTHORITATIVE, permission_groups=PermissionGroup.ANONYMOUS_USERS
    )
    assert (
        "You must set the value for the PermissionGroups parameter to ExchangeServers when you set the "
        "AuthMechanism parameter to a value of ExternalAuthoritative."
    ) in messages


def test_scenario_14_external_authoritative_cannot_be_combined_with_basic_auth():
    messages = set_on_default_frontend(auth_mechanism=AuthMechanism.EXTERNAL_AUTHORITATIVE | AuthMechanism.BASIC_AUTH)
    assert (
        "ExternalAuthoritative cannot be set with BasicAuth, BasicAuthRequireTLS, ExchangeServer, or Integrated "
        "authentication mechanisms."
    ) in messages


# --- 15-18: TLS and accepted domains -------------------------------------------------------------------------------


def test_scenario_15_client_frontend_offers_login_only_after_starttls():
    result = run(contoso(), port=587, starttls=True)
    assert result.connector.name == CLIENT_FRONTEND
    before, after = (list(s.server) for s in result.transcript if s.client and s.client.startswith("EHLO"))
    assert before == ehlo("203.0.113.7", "STARTTLS", "AUTH GSSAPI NTLM")
    assert step(result, "STARTTLS").server == ("220 2.0.0 SMTP server ready",)
    assert after == ehlo("203.0.113.7", "AUTH GSSAPI NTLM LOGIN")


def test_scenario_16_require_tls_without_starttls_refuses_mail_from():
    org = contoso()
    org = with_connector(org, set_receive_connector(org, connector(org, DEFAULT_FRONTEND), require_tls=True))
    result = run(org, mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",))
    assert replies(result) == [BANNER, *DEFAULT_FRONTEND_EHLO, "451 5.7.3 STARTTLS is required to send mail"]
    assert result.disconnected


def test_scenario_17_a_star_internal_relay_domain_is_an_open_relay():
    star = AcceptedDomain("Everything", "*", DomainType.INTERNAL_RELAY)
    org = contoso(domains=(CONTOSO, star))
    result = run(org, mail_from="a@fabrikam.com", rcpts=("x@anywhere.net",))
    assert not result.rights.has("ms-Exch-SMTP-Accept-Any-Recipient")
    assert result.recipients[0].reply == "250 2.1.5 Recipient OK"
    assert result.recipients[0].fate == "internal-relay"
    red = [f for f in audit(org) if f.code == "open-relay" and f.concerns("accepted-domain", "Everything")]
    assert [f.severity for f in red] == ["error"]
    assert "is set to a Wild Card (*) Domain Name with a domain type of InternalRelay" in red[0].evidence[0]


def test_scenario_18_a_wildcard_domain_accepts_the_domain_and_its_subdomains():
    wildcard = AcceptedDomain("Contoso tree", "*.contoso.com", DomainType.AUTHORITATIVE, default=True)
    result = run(contoso(domains=(wildcard,)), mail_from="a@fabrikam.com", rcpts=("a@contoso.com", "a@x.y.contoso.com"))
    assert [r.reply for r in result.recipients] == ["250 2.1.5 Recipient OK"] * 2
