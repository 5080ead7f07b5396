"""What the console's objects show: the rows Get- cmdlets return that aren't engine objects, each object's properties
by their EMS names in EMS's order (the Format-List property table), and Format-List / Format-Table / the default view
as EMS prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import acl
from .catalogue import format_auth_mechanism, format_permission_groups
from .model import ACE, AcceptedDomain, ExchangeVersion, Organization, ReceiveConnector
from .powershell import display_value


@dataclass(frozen=True)
class Permission:
    """One row of Get-ADPermission: an ACE on a connector."""

    connector: ReceiveConnector
    ace: ACE


@dataclass(frozen=True)
class TransportConfig:
    """What Get-TransportConfig shows of the organisation: the settings the simulator uses."""

    tls_receive_domain_secure_list: tuple[str, ...]


@dataclass(frozen=True)
class RecipientFilterConfig:
    """What Get-RecipientFilterConfig shows of the organisation: the settings the simulator uses."""

    recipient_validation_enabled: bool


_VERSIONS = {
    ExchangeVersion.E2007: "Version 8.3 (Build 83.6)",
    ExchangeVersion.E2010: "Version 14.3 (Build 123.4)",
    ExchangeVersion.E2013: "Version 15.0 (Build 1497.2)",
    ExchangeVersion.E2016: "Version 15.1 (Build 2507.6)",
    ExchangeVersion.E2019: "Version 15.2 (Build 1544.4)",
    ExchangeVersion.SE: "Version 15.2 (Build 2562.17)",
}


def _size(value: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= factor:
            return f"{value / factor:g} {unit} ({value:,} bytes)"
    return f"{value} B ({value:,} bytes)"


def properties(obj, org: Organization) -> dict:
    """The object's properties by their real EMS names, in EMS's order."""
    if isinstance(obj, ReceiveConnector):
        server = org.server(obj.server)
        groups = acl.read_permission_groups(obj.acl, server, org.domain_netbios) if server else 0
        return {
            "AuthMechanism": format_auth_mechanism(obj.auth_mechanism),
            "Banner": obj.banner or None,
            "Bindings": list(display_value("bindings", obj.bindings)),
            "Comment": obj.comment or None,
            "DomainSecureEnabled": obj.domain_secure_enabled,
            "EnableAuthGSSAPI": obj.enable_auth_gssapi,
            "Enabled": obj.enabled,
            "Fqdn": obj.fqdn or None,
            "MaxMessageSize": _size(obj.max_message_size),
            "MaxRecipientsPerMessage": obj.max_recipients_per_message,
            "MessageRateLimit": display_value("message_rate_limit", obj.message_rate_limit),
            "PermissionGroups": format_permission_groups(groups),
            "ProtocolLoggingLevel": obj.protocol_logging_level,
            "RemoteIPRanges": list(display_value("remote_ip_ranges", obj.remote_ip_ranges)),
            "RequireTLS": obj.require_tls,
            "SizeEnabled": obj.size_enabled,
            "TransportRole": obj.transport_role.value,
            "Server": obj.server,
            "Name": obj.name,
            "Identity": obj.identity,
        }
    if isinstance(obj, Permission):
        return {
            "AccessRights": ["ExtendedRight"],
            "ExtendedRights": [obj.ace.right],
            "InheritanceType": "All",
            "User": obj.ace.principal,
            "Identity": obj.connector.identity,
            "Deny": obj.ace.deny,
            "IsInherited": obj.ace.inherited,
        }
    if isinstance(obj, TransportConfig):
        return {"TLSReceiveDomainSecureList": list(obj.tls_receive_domain_secure_list)}
    if isinstance(obj, RecipientFilterConfig):
        return {"RecipientValidationEnabled": obj.recipient_validation_enabled}
    if isinstance(obj, AcceptedDomain):
        return {
            "DomainName": obj.domain_name,
            "DomainType": obj.domain_type.value,
            "Default": obj.default,
            "AddressBookEnabled": obj.address_book_enabled,
            "MatchSubDomains": obj.match_subdomains,
            "Name": obj.name,
            "Identity": obj.name,
        }
    roles = ", ".join(sorted(role.value for role in obj.roles))
    return {
        "Name": obj.name,
        "Fqdn": obj.fqdn,
        "ServerRole": roles,
        "AdminDisplayVersion": _VERSIONS[obj.version],
        "MAPIEncryptionRequired": obj.mapi_encryption_required,
        "IsEdgeServer": obj.is_edge,
        "Identity": obj.name,
    }


# EMS's default table heads IsInherited "Inherited" (Get-/Add-ADPermission); a chosen column keeps its own name.
_DEFAULT_HEADINGS = {"IsInherited": "Inherited"}
# Objects EMS shows as a list by default.
_LIST_VIEWS = (TransportConfig, RecipientFilterConfig)


def _default_columns(obj) -> tuple[str, ...]:
    if isinstance(obj, ReceiveConnector):
        return ("Identity", "Bindings", "Enabled")
    if isinstance(obj, Permission):
        return ("Identity", "User", "Deny", "IsInherited")
    if isinstance(obj, AcceptedDomain):
        return ("Name", "DomainName", "DomainType", "Default")
    return ("Name", "ServerRole", "AdminDisplayVersion", "MAPIEncryptionRequired")


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return "{" + ", ".join(_show(v) for v in value) + "}"
    return str(value)


def _select(props: dict, wanted: list[str]) -> dict:
    if not wanted or wanted == ["*"]:
        return props
    chosen = {}
    for pattern in wanted:
        for name, value in props.items():
            if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), name, re.IGNORECASE):
                chosen[name] = value
    return chosen


def format_list(objects: list, org: Organization, wanted: list[str] = ()) -> list[str]:
    lines = [""]
    for obj in objects:
        props = _select(properties(obj, org), list(wanted))
        width = max((len(name) for name in props), default=0)
        lines += [f"{name.ljust(width)} : {_show(value)}" for name, value in props.items()] + [""]
    return lines


def format_table(objects: list, org: Organization, wanted: list[str] = ()) -> list[str]:
    if not objects:
        return []
    columns = list(_select(properties(objects[0], org), list(wanted)) if wanted else _default_columns(objects[0]))
    headings = columns if wanted else [_DEFAULT_HEADINGS.get(c, c) for c in columns]
    rows = [[_show(properties(obj, org).get(c)) for c in columns] for obj in objects]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headings)]

    def line(cells):
        return " ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return ["", line(headings), line("-" * len(h) for h in headings), *(line(r) for r in rows), ""]


def format_default(objects: list, org: Organization) -> list[str]:
    """What EMS prints for objects left at the end of a pipeline: its default list or table view."""
    if objects and isinstance(objects[0], _LIST_VIEWS):
        return format_list(objects, org)
    return format_table(objects, org)
