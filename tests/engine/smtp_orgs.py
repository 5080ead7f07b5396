"""Organisations for the SMTP tests, built the way Setup and the cmdlets would build them."""

from connectors.exchange.model import (
    AcceptedDomain,
    DomainType,
    ExchangeVersion,
    Organization,
    Principal,
    ReceiveConnector,
    Recipient,
    RecipientKind,
    Server,
    ServerRole,
)
from connectors.exchange.receive import default_connectors
from connectors.exchange.smtp import Probe, simulate

EX01 = Server("EX01", "ex01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}), ("10.0.0.5",))
EX02 = Server("EX02", "ex02.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}), ("10.0.0.6",))
EDGE01 = Server("EDGE01", "edge01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.EDGE}), ("10.0.9.9",))
CONTOSO = AcceptedDomain("Contoso", "contoso.com", DomainType.AUTHORITATIVE, default=True)
PASSWORD = "Pa$$w0rd"

DEFAULT_FRONTEND = "Default Frontend EX01"
CLIENT_FRONTEND = "Client Frontend EX01"
EDGE_DEFAULT = "Default internal receive connector EDGE01"


def contoso(*, domains=(CONTOSO,), servers=(EX01, EX02), **settings) -> Organization:
    """Contoso with Setup's default connectors on every server, two mailboxes and their accounts."""
    connectors = tuple(c for server in servers for c in default_connectors(server, "CONTOSO"))
    return Organization(
        name="Contoso",
        domain_netbios="CONTOSO",
        servers=tuple(servers),
        connectors=connectors,
        accepted_domains=tuple(domains),
        recipients=(
            Recipient("Alice", RecipientKind.MAILBOX, ("alice@contoso.com", "a.smith@contoso.com")),
            Recipient("Bob", RecipientKind.MAILBOX, ("bob@contoso.com",)),
            Recipient("CEO", RecipientKind.MAILBOX, ("ceo@contoso.com",)),
        ),
        principals=(
            Principal("CONTOSO\\alice", email="alice@contoso.com", smtp_password=PASSWORD),
            Principal("CONTOSO\\bob", email="bob@contoso.com"),
        ),
        **settings,
    )


def edge_org(**settings) -> Organization:
    return contoso(servers=(EDGE01,), **settings)


def connector(org: Organization, name: str, server: str = "EX01") -> ReceiveConnector:
    found = org.connector(server, name)
    assert found is not None, f"{server}\\{name} missing from {[c.identity for c in org.connectors]}"
    return found


def with_connector(org: Organization, changed: ReceiveConnector) -> Organization:
    """The organisation with `changed` replacing the connector of the same identity, or added."""
    others = tuple(c for c in org.connectors if c.identity.casefold() != changed.identity.casefold())
    return org.with_changes(connectors=(*others, changed))


def run(org: Organization, server: str = "EX01", remote_ip: str = "203.0.113.7", **probe):
    return simulate(org, Probe(server=server, remote_ip=remote_ip, **probe))


def replies(result) -> list[str]:
    """Every reply line of the transcript, in order."""
    return [line for step in result.transcript for line in step.server]


def step(result, client_prefix: str):
    """The first step whose client command starts with `client_prefix`."""
    return next(s for s in result.transcript if (s.client or "").startswith(client_prefix))
