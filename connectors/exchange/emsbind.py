"""How the console binds an Exchange cmdlet's arguments and finds the objects they name, as EMS does.

Parameters bind by full name or a unique prefix, case-insensitively, with PowerShell's binder texts; a catalogue
property's value is parsed by its row (property_rows.Property); identities resolve as EMS resolves them (Name,
SERVER\\Name, GUID, wildcards). The cmdlets (emscmdlets) and the console (ems) share these.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import is_, is_not
from typing import TypeVar

from . import domains, pscmdlets
from .errors import ExchangeError
from .model import Organization, ReceiveConnector, Server
from .psast import Bareword, CommandCall
from .psformat import connector_dn, connector_guid, server_dn
from .psvalues import wildcard
from .receive_connector_properties import RECEIVE_CONNECTOR

T = TypeVar("T")

NOT_FOUND = "The operation couldn't be performed because object '{0}' couldn't be found."
AMBIGUOUS = "The operation couldn't be performed because '{0}' matches multiple entries."
PARAMETER_SET = "Parameter set cannot be resolved using the specified named parameters."
MISSING_MANDATORY = "Cannot process command because of one or more missing mandatory parameters: {0}."
CONVERT = "Cannot process argument transformation on parameter '{0}'. Cannot convert value \"{1}\""
BOOLEAN = CONVERT + (
    ' to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, '
    "such as $True, $False, 1 or 0."
)


# --- Parameter binding ---------------------------------------------------------------------------------------------

_BOOL, _SWITCH, _TEXT, _LIST, _ANY = "Boolean", "SwitchParameter", "String", "String[]", "Object"
_COMMON = {
    "WhatIf": _SWITCH,
    "Confirm": _SWITCH,
    "DomainController": _TEXT,
    **{name: _SWITCH if kind == pscmdlets.SWITCH else _TEXT for name, kind in pscmdlets.COMMON_PARAMETERS.items()},
}


def _binding_kind(prop) -> str:
    """How the binder takes a catalogue property: a Boolean, a list of flags, a list or @{Add=...; Remove=...}
    (multi-valued), or one value."""
    if prop.kind.label == "bool":
        return _BOOL
    if prop.kind.label == "flags":
        return _LIST
    return _ANY if prop.kind.multi else _TEXT


_CONNECTOR_SETTINGS = {prop.name: _binding_kind(prop) for prop in RECEIVE_CONNECTOR.settable()}
# The .NET type a single-valued parameter converts to (named in binding errors); System.String when not named.
_DOTNET_TYPES = {
    "User": "Microsoft.Exchange.Configuration.Tasks.SecurityPrincipalIdParameter",
    **{prop.name: prop.dotnet for prop in RECEIVE_CONNECTOR.settable()},
}
ARRAY_TO_SCALAR = (
    "Cannot convert 'System.Object[]' to the type '{1}' required by parameter '{0}'. Specified method is not supported."
)
HASHTABLE = (
    "Cannot bind parameter '{0}'. Cannot convert the \"System.Collections.Hashtable\" value of type "
    '"System.Collections.Hashtable" to type "{1}".'
)


@dataclass(frozen=True)
class Spec:
    parameters: dict[str, str]
    positional: tuple[str, ...] = ()
    pipeline_input: bool = False


def _bind(call: CommandCall, spec: Spec) -> dict:
    """Parameters by their full names, as PowerShell binds them (pscmdlets.bind: exact name, else a unique prefix),
    barewords kept as written, then each Boolean converted and each single-valued one checked."""
    names = {**spec.parameters, **_COMMON}
    bound = pscmdlets.bind(
        call.name, list(call.elements), names, spec.positional, switch=_SWITCH, keep=lambda v: v, shown=_text
    )
    for name, value in bound.items():
        if names[name] in (_BOOL, _SWITCH):
            bound[name] = _boolean(name, value)
        elif names[name] == _TEXT:
            _single_value(name, value)
    return bound


def _single_value(parameter: str, value) -> None:
    """PowerShell's binder refuses an array or a hashtable for a parameter that takes one value."""
    type_name = _DOTNET_TYPES.get(parameter, "System.String")
    if isinstance(value, list):
        raise ExchangeError(ARRAY_TO_SCALAR.format(parameter, type_name), parameter)
    if isinstance(value, dict):
        raise ExchangeError(HASHTABLE.format(parameter, type_name), parameter)


def _boolean(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value != 0
    raise ExchangeError(BOOLEAN.format(name, _text(value)))


def _text(value) -> str:
    if isinstance(value, Bareword):
        return value.text
    if isinstance(value, dict):
        return "System.Collections.Hashtable"  # what PowerShell makes of a hashtable where it wants text
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return "" if value is None else str(value)


def _texts(value) -> list[str]:
    return [_text(v) for v in value] if isinstance(value, list) else [_text(value)]


# --- Identities ----------------------------------------------------------------------------------------------------


# A Guid as an identity; emsscope reads scripts for Guids with it too.
GUID = re.compile(r"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?", re.IGNORECASE)


def by_identity(items: Iterable[T], identity: str, names: Callable[[T], tuple[str, ...]], exact: Callable[[str], T]):
    """EMS's rule for a Get- cmdlet's identity: with a * it is a wildcard over each object's names (matching nothing
    is an empty result, not an error), else it names exactly one object (`exact` raises Exchange's error)."""
    text = identity.strip()
    if "*" not in text:
        return [exact(text)]
    test = wildcard("".join(f"`{c}" if c in "?[]`" else c for c in text))  # only * is a wildcard (decisions.md)
    return [item for item in items if any(test.fullmatch(name) for name in names(item))]


def find_connectors(org: Organization, identity: str) -> list[ReceiveConnector]:
    """What a Get- identity matches, as EMS resolves it: a GUID, Name or Server\\Name with * wildcards (a wildcard
    matching nothing is an empty result), else exactly one connector (find_connector's errors)."""
    text = identity.strip()
    if _is_dn(text):
        return [find_connector(org, text)]
    if GUID.fullmatch(text):
        wanted = text.strip("{}").casefold()
        found = [c for c in org.connectors if str(connector_guid(c)) == wanted]
        if not found:
            raise ExchangeError(NOT_FOUND.format(identity))
        return found
    qualified = "\\" in text
    return by_identity(
        org.connectors,
        text,
        lambda c: (f"{c.server}\\{c.name}" if qualified else c.name,),
        lambda _text: find_connector(org, identity),
    )


def find_connector(org: Organization, identity: str) -> ReceiveConnector:
    """Name, Server\\Name, DN or GUID, with Exchange's errors for unknown and ambiguous names; a wildcard that
    matches exactly one connector names it (Set-ReceiveConnector "Client Fr*"), as EMS's Set- and Remove- cmdlets
    take it."""
    if _is_dn(identity):
        wanted = identity.strip().casefold()
        found = [c for c in org.connectors if (connector_dn(org, c) or "").casefold() == wanted]
        if len(found) != 1:
            raise ExchangeError(NOT_FOUND.format(identity))
        return found[0]
    if GUID.fullmatch(identity.strip()) or "*" in identity:
        found = find_connectors(org, identity)
        if not found:
            raise ExchangeError(NOT_FOUND.format(identity))
        if len(found) > 1:
            raise ExchangeError(AMBIGUOUS.format(identity))
        return found[0]
    server_name, _, name = identity.rpartition("\\")
    candidates = org.connectors_of(server_name) if server_name else org.connectors
    found = [c for c in candidates if c.name.casefold() == name.strip().casefold()]
    if not found:
        raise ExchangeError(NOT_FOUND.format(identity))
    if len(found) > 1:
        raise ExchangeError(AMBIGUOUS.format(identity))
    return found[0]


def _is_dn(identity: str) -> bool:
    return identity.strip()[:3].casefold() == "cn="


def _find_server(org: Organization, identity: str, mailbox: bool = False) -> Server:
    """A ServerIdParameter: the server's Name, FQDN or DistinguishedName (the ones the docs list for -Server and
    -Identity; the Guid and legacy DN aren't modelled)."""
    text = identity.strip()
    wanted = text.casefold()
    server = org.server(text) or next((s for s in org.servers if s.fqdn.casefold() == wanted), None)
    if server is None and _is_dn(text):
        server = next((s for s in org.servers if server_dn(org, s).casefold() == wanted), None)
    if server is None or (mailbox and not server.has_mailbox):
        raise ExchangeError(NOT_FOUND.format(identity))
    return server


def _replace_connector(org: Organization, old: ReceiveConnector, new: ReceiveConnector | None) -> Organization:
    connectors = org.connectors
    if new is None:
        return org.with_changes(connectors=tuple(compress(connectors, map(is_not, connectors, repeat(old)))))
    at = next(compress(count(), map(is_, connectors, repeat(old))), None)  # in C: a script edits big labs in loops
    if at is None:
        return org
    return org.with_changes(connectors=(*connectors[:at], new, *connectors[at + 1 :]))


# --- Values --------------------------------------------------------------------------------------------------------


def _smtp_domains(items: list[str]) -> list[str]:
    """TLSReceiveDomainSecureList values: plain SMTP domains (the property holds SmtpDomain, so no wildcards)."""
    parsed = []
    for item in (text.strip() for text in items):
        if item and ("*" in item or domains.domain_name_errors(item)):
            parameter = "TLSReceiveDomainSecureList"
            raise ExchangeError(CONVERT.format(parameter, item) + ' to type "Microsoft.Exchange.Data.SmtpDomain".')
        if item:
            parsed.append(item.lower())
    return parsed


def _connector_value(prop, value, current: ReceiveConnector | None):
    """A console value as the engine takes it (its catalogue row parses it); @{Add=...; Remove=...} edits the
    current list."""
    if isinstance(value, dict):
        if not prop.kind.multi or current is None:
            raise ExchangeError(f"The {prop.name} parameter doesn't accept a hashtable here.")
        texts = list(prop.shown(getattr(current, prop.field)))
        return _edited_list(prop.name, value, texts, lambda items: prop.shown(prop.parse(items)))
    if prop.kind.multi:
        return _texts(value)
    return prop.parse(value)


def _edited_list(parameter: str, value, current: list[str], parse: Callable[[list[str]], list[str]]) -> list[str]:
    """A multi-valued property after `value`: a new list, or @{Add=...; Remove=...} applied to `current`."""
    if not isinstance(value, dict):
        return parse(_texts(value))
    keys = {k.casefold(): v for k, v in value.items()}
    if set(keys) - {"add", "remove"}:
        raise ExchangeError(f"Only Add and Remove can be used to change {parameter}.")
    removed = {t.casefold() for t in parse(_texts(keys["remove"]))} if "remove" in keys else set()
    added = parse(_texts(keys["add"])) if "add" in keys else []
    # A value added twice stays twice, for the engine to refuse as Exchange does ("already present").
    return [t for t in current if t.casefold() not in removed] + added


def _connector_changes(bound: dict, current: ReceiveConnector | None) -> dict:
    changes = {}
    for parameter, value in bound.items():
        prop = RECEIVE_CONNECTOR.by_name(parameter)
        if prop is None or parameter not in _CONNECTOR_SETTINGS:
            continue
        key = "permission_groups" if prop.field == "permission_groups_written" else prop.field
        changes[key] = _connector_value(prop, value, current)
    return changes
