"""Exchange servers: which roles each version offers, and the checks Setup makes on a server's description."""

from __future__ import annotations

from collections.abc import Iterable

from .addresses import parse_ip
from .errors import ExchangeError
from .limits import text_errors
from .model import ExchangeVersion, FieldError, Server, ServerRole
from .syntax import fqdn_error

# Setup's role choices per version. Edge Transport is always installed alone.
ROLES_BY_VERSION = {
    ExchangeVersion.E2007: {ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS, ServerRole.EDGE},
    ExchangeVersion.E2010: {ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS, ServerRole.EDGE},
    ExchangeVersion.E2013: {ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS, ServerRole.EDGE},
    ExchangeVersion.E2016: {ServerRole.MAILBOX, ServerRole.EDGE},
    ExchangeVersion.E2019: {ServerRole.MAILBOX, ServerRole.EDGE},
    ExchangeVersion.SE: {ServerRole.MAILBOX, ServerRole.EDGE},
}


def parse_server_roles(items: Iterable[str]) -> frozenset[ServerRole]:
    """Role names, case-insensitive (`Mailbox`, `hubtransport`); an unknown name is an ExchangeError at Roles."""
    roles = set()
    for item in items:
        match = next((role for role in ServerRole if role.value.casefold() == str(item).strip().casefold()), None)
        if match is None:
            raise ExchangeError(
                f"'{item}' isn't a server role. Use one of: {', '.join(role.value for role in ServerRole)}.", "Roles"
            )
        roles.add(match)
    return frozenset(roles)


def validate_server(server: Server) -> list[FieldError]:
    errors = text_errors(server)
    if not server.name.strip():
        errors.append(FieldError("Name", "Cannot bind argument to parameter 'Name' because it is an empty string."))
    if not server.fqdn.strip():
        errors.append(FieldError("Fqdn", "Cannot bind argument to parameter 'Fqdn' because it is an empty string."))
    elif error := fqdn_error(server.fqdn):
        errors.append(error)
    if not server.roles:
        errors.append(FieldError("Roles", "Select at least one server role."))
    for role in sorted(server.roles - ROLES_BY_VERSION[server.version], key=lambda r: r.value):
        errors.append(FieldError("Roles", f"The {role.value} role isn't available in {server.version.label}."))
    if ServerRole.EDGE in server.roles and len(server.roles) > 1:
        errors.append(FieldError("Roles", "The Edge Transport server role can't coexist with any other server role."))
    if server.mapi_encryption_required and not server.has_mailbox:
        errors.append(
            FieldError(
                "MAPIEncryptionRequired", "MAPIEncryptionRequired is a Mailbox server setting (Set-MailboxServer)."
            )
        )
    for address in server.ip_addresses:
        try:
            parse_ip(address)
        except ExchangeError as error:
            errors.append(FieldError("IPAddresses", error.message))
    return errors
