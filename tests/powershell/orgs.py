"""Organisations the PowerShell tests start from (H4's lab templates, without a database)."""

from connectors.exchange import receive
from connectors.exchange.model import AcceptedDomain, ExchangeVersion, Organization, Server, ServerRole
from connectors.labs import TEMPLATES, template_org

SCRIPTABLE_TEMPLATES = [name for name in TEMPLATES if name != "empty"]


def template(name: str = "exchangese") -> Organization:
    return template_org(name)


def two_servers() -> Organization:
    """Two 2019 Mailbox servers with Setup's connectors: names like 'Relay' can exist on both."""
    servers = tuple(
        Server(name, f"{name.lower()}.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}))
        for name in ("EX01", "EX02")
    )
    return Organization(
        servers=servers,
        connectors=tuple(c for s in servers for c in receive.default_connectors(s, "CONTOSO")),
        accepted_domains=(AcceptedDomain("contoso.com", "contoso.com", default=True),),
    )
