"""The organisations labs start from: the templates (one per Exchange version, and one with an Edge server), the
demo organisation (with an anonymous relay) and generated organisations of any size (benchmarks). Pure engine values:
creating the lab that holds one is connectors/labs.py."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .exchange.acl import add_ad_permission
from .exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON, exchange_servers_group
from .exchange.errors import ExchangeError
from .exchange.model import (
    AcceptedDomain,
    DomainType,
    ExchangeVersion,
    Organization,
    Principal,
    PrincipalKind,
    Recipient,
    RecipientKind,
    Server,
    ServerRole,
)
from .exchange.organization_properties import organization_defaults
from .exchange.receive import default_connectors, new_receive_connector

DOMAIN = "contoso.com"
NETBIOS = "CONTOSO"

# --- Templates -----------------------------------------------------------------------------------------------------

_VERSION_ROLES = {
    ExchangeVersion.E2007: (ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS),
    ExchangeVersion.E2010: (ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS),
    ExchangeVersion.E2013: (ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS),
    ExchangeVersion.E2016: (ServerRole.MAILBOX,),
    ExchangeVersion.E2019: (ServerRole.MAILBOX,),
    ExchangeVersion.SE: (ServerRole.MAILBOX,),
}
_MAILBOXES = (("Administrator", "administrator"), ("Alice Jones", "alice"), ("Bob Smith", "bob"))


def _server(name: str, version: ExchangeVersion, roles, ip: str) -> Server:
    return Server(name, f"{name.lower()}.{DOMAIN}", version, frozenset(roles), (ip,))


def _organization(servers: Iterable[Server]) -> Organization:
    """Contoso with `servers`, Setup's receive connectors on each, the default domain and a few mailboxes."""
    servers = tuple(servers)
    internal = [s for s in servers if not s.is_edge]
    return Organization(
        name="Contoso",
        domain_netbios=NETBIOS,
        servers=servers,
        connectors=tuple(c for server in servers for c in default_connectors(server, NETBIOS)),
        **organization_defaults(servers),  # the settings Setup leaves, as the oldest server's version has them
        accepted_domains=(AcceptedDomain(DOMAIN, DOMAIN, DomainType.AUTHORITATIVE, default=True),),
        recipients=tuple(
            Recipient(display, RecipientKind.MAILBOX, (f"{alias}@{DOMAIN}",)) for display, alias in _MAILBOXES
        ),
        principals=(
            *(
                Principal(f"{NETBIOS}\\{alias}", email=f"{alias}@{DOMAIN}", member_of=(f"{NETBIOS}\\Domain Users",))
                for _display, alias in _MAILBOXES
            ),
            Principal(exchange_servers_group(NETBIOS), PrincipalKind.GROUP),
            *(
                Principal(f"{NETBIOS}\\{s.name}$", PrincipalKind.COMPUTER, (exchange_servers_group(NETBIOS),))
                for s in internal
            ),
        ),
    )


def _version_template(version: ExchangeVersion) -> Callable[[], Organization]:
    return lambda: _organization([_server("EX01", version, _VERSION_ROLES[version], "10.0.0.10")])


def _edge_template() -> Organization:
    return _organization(
        [
            _server("EX01", ExchangeVersion.SE, _VERSION_ROLES[ExchangeVersion.SE], "10.0.0.10"),
            _server("EDGE01", ExchangeVersion.SE, (ServerRole.EDGE,), "10.0.1.10"),
        ]
    )


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    build: Callable[[], Organization]


_TEMPLATE_LIST = (
    Template("empty", "An empty organisation: no servers, domains or recipients.", Organization),
    *(
        Template(
            f"exchange{version.value.lower()}",
            f"{version.label}: EX01 ({', '.join(r.value for r in _VERSION_ROLES[version])}) with Setup's receive "
            "connectors, contoso.com and three mailboxes.",
            _version_template(version),
        )
        for version in ExchangeVersion
    ),
    Template(
        "exchangese-edge",
        "Exchange Server SE: the internal server EX01 and the Edge Transport server EDGE01, each with Setup's "
        "receive connectors, contoso.com and three mailboxes.",
        _edge_template,
    ),
)
TEMPLATES: dict[str, Template] = {template.name: template for template in _TEMPLATE_LIST}
CURRENT_TEMPLATE = "exchangese"


def template_org(template: str) -> Organization:
    if template not in TEMPLATES:
        raise ExchangeError(f"There's no lab template called '{template}'. Use one of: {', '.join(TEMPLATES)}.")
    return TEMPLATES[template].build()


# --- The demo organisation --------------------------------------------------------------------------------------------

DEMO_RELAY_IP = "10.0.0.50"


def demo_org() -> Organization:
    """The current-version template plus an anonymous relay connector for the application server 10.0.0.50,
    built as an admin would: New-ReceiveConnector, then Add-ADPermission for ANONYMOUS LOGON."""
    org = template_org(CURRENT_TEMPLATE)
    relay = new_receive_connector(
        org,
        "EX01",
        "Anonymous Relay",
        usage="Custom",
        bindings=["10.0.0.10:25"],
        remote_ip_ranges=[DEMO_RELAY_IP],
        transport_role="FrontendTransport",
        permission_groups="AnonymousUsers",
        comment=f"Lets the application server {DEMO_RELAY_IP} relay to any domain without signing in.",
    )
    relay = relay.with_changes(acl=add_ad_permission(relay.acl, ANONYMOUS_LOGON, [ACCEPT_ANY_RECIPIENT]))
    return org.with_changes(connectors=(*org.connectors, relay))


# --- Generated labs (benchmarks) -----------------------------------------------------------------------------------

_GENERATED_GROUPS = (
    "AnonymousUsers",
    "ExchangeUsers",
    "ExchangeServers",
    "AnonymousUsers, ExchangeServers",
    "Partners",
)
_IPV4_BLOCKS = 1 << 16  # /24 blocks of 10.0.0.0/8 available to one server's ranges


def _generated_range(rng: random.Random, server_index: int, block: int) -> str:
    """One remote range inside its own /24 (IPv4) or /64 (IPv6) block, so no two ranges of a server overlap."""
    if rng.random() < 0.1:
        return f"2001:db8:{server_index:x}:{block:x}::/64"
    base = 0x0A000000 + block * 256
    octets = lambda offset: ".".join(map(str, (base + offset).to_bytes(4, "big")))  # noqa: E731
    kind = rng.choice(("cidr", "range", "single"))
    if kind == "cidr":
        prefix = rng.randint(24, 30)
        return f"{octets(0)}/{prefix}"
    if kind == "range":
        low = rng.randint(1, 120)
        return f"{octets(low)}-{octets(low + rng.randint(1, 120))}"
    return octets(rng.randint(1, 254))


def generated_org(servers: int, connectors_per_server: int, ranges_per_connector: int, seed: int = 1) -> Organization:
    """A large, valid organisation built with the engine's own cmdlets; the same arguments give the same lab."""
    if connectors_per_server * ranges_per_connector > _IPV4_BLOCKS:
        raise ExchangeError(f"At most {_IPV4_BLOCKS} remote ranges per server can be generated.")
    rng = random.Random(seed)
    base = _organization([])
    all_servers, all_connectors = [], []
    for index in range(1, servers + 1):
        ip = f"10.{index >> 8}.{index & 255}.10"
        server = _server(f"EX{index:03d}", ExchangeVersion.SE, (ServerRole.MAILBOX,), ip)
        server_org = base.with_changes(servers=(server,), connectors=())
        for number in range(connectors_per_server):
            first_block = number * ranges_per_connector
            connector = new_receive_connector(
                server_org,
                server.name,
                f"Relay {number + 1:03d}",
                usage="Custom",
                bindings=[f"{ip}:25"],
                remote_ip_ranges=[
                    _generated_range(rng, index, block)
                    for block in range(first_block, first_block + ranges_per_connector)
                ],
                transport_role="FrontendTransport",
                permission_groups=rng.choice(_GENERATED_GROUPS),
            )
            if rng.random() < 0.25:
                connector = connector.with_changes(
                    acl=add_ad_permission(connector.acl, ANONYMOUS_LOGON, [ACCEPT_ANY_RECIPIENT])
                )
            server_org = server_org.with_changes(connectors=(*server_org.connectors, connector))
        all_servers.append(server)
        all_connectors += server_org.connectors
    computers = tuple(
        Principal(f"{NETBIOS}\\{s.name}$", PrincipalKind.COMPUTER, (exchange_servers_group(NETBIOS),))
        for s in all_servers
    )
    return base.with_changes(
        servers=tuple(all_servers),
        connectors=tuple(all_connectors),
        principals=(*[p for p in base.principals if p.kind is not PrincipalKind.COMPUTER], *computers),
    )
