"""Organisations the PowerShell tests start from (H4's lab templates, without a database)."""

from connectors.exchange import receive
from connectors.exchange.model import (
    AcceptedDomain,
    ExchangeVersion,
    Organization,
    Principal,
    PrincipalKind,
    Server,
    ServerRole,
)
from connectors.labtemplates import TEMPLATES, template_org

SCRIPTABLE_TEMPLATES = [name for name in TEMPLATES if name != "empty"]


# The group the console tests grant to; Add-ADPermission only resolves principals the lab has.
PRINTERS = Principal("CONTOSO\\Printers", PrincipalKind.GROUP)


def template(name: str = "exchangese") -> Organization:
    org = template_org(name)
    return org.with_changes(principals=(*org.principals, PRINTERS))


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
