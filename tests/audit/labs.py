"""Small labs for the audit tests, built with the engine's own cmdlet semantics (never by hand-written ACLs)."""

from connectors.exchange.acl import add_ad_permission
from connectors.exchange.model import (
    AcceptedDomain,
    DomainType,
    ExchangeVersion,
    Organization,
    Recipient,
    RecipientKind,
    Server,
    ServerRole,
)
from connectors.exchange.receive import default_connectors, new_receive_connector, set_receive_connector

ANY_RECIPIENT = "ms-Exch-SMTP-Accept-Any-Recipient"
ANONYMOUS = "NT AUTHORITY\\ANONYMOUS LOGON"
EX01 = Server("EX01", "ex01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}), ("10.0.0.5",), True)
EX07 = Server(
    "EX07",
    "ex07.contoso.com",
    ExchangeVersion.E2007,
    frozenset({ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX}),
    ("10.0.0.7",),
    True,
)
CONTOSO = AcceptedDomain("Contoso", "contoso.com", DomainType.AUTHORITATIVE, default=True)


def lab(server: Server = EX01, domains=(CONTOSO,)) -> Organization:
    """Setup's connectors, MAPI encryption on, and the anti-spoofing fix already applied to the port-25 connector."""
    org = Organization(
        servers=(server,),
        accepted_domains=tuple(domains),
        recipients=(
            Recipient("Alice", RecipientKind.MAILBOX, ("alice@contoso.com",)),
            Recipient("Bob", RecipientKind.MAILBOX, ("bob@contoso.com",)),
        ),
    )
    connectors = []
    for connector in default_connectors(server, "CONTOSO"):
        if any(b.port == 25 for b in connector.bindings):
            connector = connector.with_changes(
                acl=tuple(a for a in connector.acl if not (a.principal == ANONYMOUS and "Authoritative" in a.right))
            )
        connectors.append(connector)
    return org.with_changes(connectors=tuple(connectors))


def add(org: Organization, connector) -> Organization:
    return org.with_changes(connectors=(*org.connectors, connector))


def replace(org: Organization, connector) -> Organization:
    others = tuple(c for c in org.connectors if c.identity != connector.identity)
    return org.with_changes(connectors=(*others, connector))


def relay_connector(
    org: Organization, ranges, *, server="EX01", name="Anonymous Relay", bindings=("0.0.0.0:25",), **settings
):
    """Method A of the docs: a Front End Custom connector, AnonymousUsers, plus the extended right."""
    role = {"transport_role": "FrontendTransport"} if org.server(server).version.is_e15_or_later else {}
    connector = new_receive_connector(
        org,
        server,
        name,
        usage="Custom",
        bindings=list(bindings),
        remote_ip_ranges=list(ranges),
        permission_groups="AnonymousUsers",
        **role,
        **settings,
    )
    return connector.with_changes(acl=add_ad_permission(connector.acl, ANONYMOUS, ANY_RECIPIENT))


def externally_secured_connector(org: Organization, ranges, *, name="Externally Secured", bindings=("0.0.0.0:25",)):
    """Method B of the docs."""
    connector = new_receive_connector(
        org,
        "EX01",
        name,
        usage="Custom",
        transport_role="FrontendTransport",
        bindings=list(bindings),
        remote_ip_ranges=list(ranges),
    )
    return set_receive_connector(
        org, connector, auth_mechanism="ExternalAuthoritative", permission_groups="ExchangeServers"
    )
