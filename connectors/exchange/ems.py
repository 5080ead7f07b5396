"""The Exchange Management Shell console over an `Organization`.

`run_script(org, text)` parses the script with the PowerShell grammar (psparse), refuses anything it doesn't run
before running anything, then runs each pipeline as Exchange would: the same parameters (case-insensitive, unique
prefixes), the same defaults, the engine's validation and Exchange's error texts, -WhatIf changing nothing. It stops
at the first error with earlier commands applied (ErrorAction Stop), or applies nothing when `atomic`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from . import acl, cmdletdocs, domains, pscmdlets, psruntime, receive
from .catalogue import USAGES, canonical_principal
from .errors import ExchangeError, ValidationFailed
from .model import AcceptedDomain, Organization, ReceiveConnector, Server
from .powershell import plan
from .properties import RECEIVE_CONNECTOR
from .psast import Bareword, Block, CommandCall, Parameter
from .psast import commands as psast_walk
from .psformat import (
    Permission,
    RecipientFilterConfig,
    TransportConfig,
    cell,
    connector_guid,
    format_default,
    format_list,
    format_table,
    properties,
    property_names,
    property_value,
    render,
)
from .psparse import Unsupported, parse_script
from .psvalues import PSObject, wildcard

NOT_FOUND = "The operation couldn't be performed because object '{0}' couldn't be found."
AMBIGUOUS = "The operation couldn't be performed because '{0}' matches multiple entries."
NO_PARAMETER = "A parameter cannot be found that matches parameter name '{0}'."
AMBIGUOUS_PARAMETER = (
    "Parameter cannot be processed because the parameter name '{0}' is ambiguous. Possible matches include: {1}."
)
PARAMETER_SET = "Parameter set cannot be resolved using the specified named parameters."
_SCRIPT_BLOCK_ARGUMENT = "The console doesn't support a script block as an argument of {0} (line {1})."
POSITIONAL = "A positional parameter cannot be found that accepts argument '{0}'."
MISSING_MANDATORY = "Cannot process command because of one or more missing mandatory parameters: {0}."
MISSING_ARGUMENT = "Missing an argument for parameter '{0}'. Specify a parameter of type '{1}' and try again."
CONVERT = "Cannot process argument transformation on parameter '{0}'. Cannot convert value \"{1}\""
BOOLEAN = CONVERT + (
    ' to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, '
    "such as $True, $False, 1 or 0."
)
UNKNOWN_COMMAND = "The term '{0}' is not recognized as the name of a cmdlet the exchsim console runs. Supported: {1}."


@dataclass
class ConsoleResult:
    org: Organization
    output: list[str]
    error: str | None
    commands_applied: int
    files: dict = field(default_factory=dict)  # name -> text the script wrote (Export-Csv, Out-File)
    plan: list = field(default_factory=list)  # a dry run's steps (powershell.Step)


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
    """Parameters by their full names, as PowerShell binds them: exact name, else a unique prefix."""
    names = {**spec.parameters, **_COMMON}
    bound: dict = {}
    positional = list(spec.positional)
    elements = list(call.elements)
    i = 0
    while i < len(elements):
        element = elements[i]
        i += 1
        if not isinstance(element, Parameter):
            while positional and positional[0] in bound:
                positional.pop(0)
            if not positional:
                raise ExchangeError(POSITIONAL.format(_text(element)))
            bound[positional.pop(0)] = element
            continue
        name = _parameter_name(element.name, names)
        kind = names[name]
        if element.colon:
            bound[name] = element.value
        elif kind == _SWITCH:
            bound[name] = True
        elif i < len(elements) and not isinstance(elements[i], Parameter):
            bound[name] = elements[i]
            i += 1
        else:
            raise ExchangeError(MISSING_ARGUMENT.format(name, kind))
        if kind in (_BOOL, _SWITCH):
            bound[name] = _boolean(name, bound[name])
    for name, value in bound.items():
        if {**spec.parameters, **_COMMON}.get(name) == _TEXT:
            _single_value(name, value)
    return bound


def _single_value(parameter: str, value) -> None:
    """PowerShell's binder refuses an array or a hashtable for a parameter that takes one value."""
    type_name = _DOTNET_TYPES.get(parameter, "System.String")
    if isinstance(value, list):
        raise ExchangeError(ARRAY_TO_SCALAR.format(parameter, type_name), parameter)
    if isinstance(value, dict):
        raise ExchangeError(HASHTABLE.format(parameter, type_name), parameter)


def _parameter_name(written: str, names: dict) -> str:
    wanted = pscmdlets.ALIASES_OF_COMMON.get(written.casefold(), written).casefold()
    exact = [n for n in names if n.casefold() == wanted]
    if exact:
        return exact[0]
    matches = [n for n in names if n.casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ExchangeError(AMBIGUOUS_PARAMETER.format(written, ", ".join(f"-{m}" for m in matches)))
    raise ExchangeError(NO_PARAMETER.format(written))


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


_GUID = re.compile(r"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?", re.IGNORECASE)


def find_connectors(org: Organization, identity: str) -> list[ReceiveConnector]:
    """What a Get- identity matches, as EMS resolves it: a GUID, Name or Server\\Name with * wildcards (a wildcard
    matching nothing is an empty result), else exactly one connector (find_connector's errors)."""
    text = identity.strip()
    if _GUID.fullmatch(text):
        wanted = text.strip("{}").casefold()
        found = [c for c in org.connectors if str(connector_guid(c)) == wanted]
        if not found:
            raise ExchangeError(NOT_FOUND.format(identity))
        return found
    if "*" not in text:
        return [find_connector(org, identity)]
    server_name, _, name = text.rpartition("\\")
    server_test, name_test = wildcard(server_name or "*"), wildcard(name)
    return [c for c in org.connectors if server_test.fullmatch(c.server) and name_test.fullmatch(c.name)]


def find_connector(org: Organization, identity: str) -> ReceiveConnector:
    """Name, Server\\Name or GUID, with Exchange's errors for unknown and ambiguous names; a wildcard that matches
    exactly one connector names it (Set-ReceiveConnector "Client Fr*"), as EMS's Set- and Remove- cmdlets take it."""
    if _GUID.fullmatch(identity.strip()) or "*" in identity:
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


def _find_server(org: Organization, identity: str, mailbox: bool = False) -> Server:
    server = org.server(identity.strip())
    if server is None or (mailbox and not server.has_mailbox):
        raise ExchangeError(NOT_FOUND.format(identity))
    return server


def _replace_connector(org: Organization, old: ReceiveConnector, new: ReceiveConnector | None) -> Organization:
    connectors = tuple(new if c is old else c for c in org.connectors if new is not None or c is not old)
    return org.with_changes(connectors=connectors)


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


# --- Cmdlets -------------------------------------------------------------------------------------------------------


@dataclass
class _State:
    org: Organization
    output: list[str] = field(default_factory=list)


def _say(state, lines: list[str]) -> None:
    """A line the cmdlet prints itself (What if:, WARNING:), in order with the script's output and within its cap."""
    if hasattr(state, "print"):
        state.print(lines)
    else:
        state.output += lines


def _whatif(state: _State, bound: dict, message: str) -> bool:
    """-WhatIf: say what the command would do, and don't. In a dry run (run_script(dry_run=True)) every change says
    it too, and is made to the script's own copy of the lab, so later commands and the plan see it."""
    if bound.get("WhatIf"):
        _say(state, [f"What if: {message}"])
        return True
    if getattr(state, "dry_run", False):
        _say(state, [f"What if: {message}"])
    return False


def _engine(call: Callable):
    """Run an engine function; several broken rules become one error listing each of Exchange's messages."""
    try:
        return call()
    except ValidationFailed as failure:
        raise ExchangeError("\n".join(error.message for error in failure.errors), failure.field) from failure


def _require(bound: dict, *names: str) -> None:
    """PowerShell's binder error, naming only the mandatory parameters that are missing."""
    missing = [name for name in names if name not in bound]
    if missing:
        raise ExchangeError(MISSING_MANDATORY.format(" ".join(missing)))


def _piped_connectors(state: _State, bound: dict, piped: list | None) -> list[ReceiveConnector]:
    if "Identity" in bound:
        return [find_connector(state.org, _text(bound["Identity"]))]
    if piped:
        return [obj.connector if isinstance(obj, Permission) else obj for obj in piped]
    if piped is not None:
        return []
    raise ExchangeError(MISSING_MANDATORY.format("Identity"))


SHORT_ROLE = (
    "NOTE: -TransportRole {0} is read as {1}, as Microsoft's custom Receive connector article writes it; PowerShell "
    "itself converts only full enum names (FrontendTransport, HubTransport), so write {1} on a real server."
)


def _note_short_role(state, bound: dict) -> None:
    written = _text(bound.get("TransportRole", "")).strip()
    if written.casefold() in ("frontend", "hub"):
        state.print(
            [SHORT_ROLE.format(written, "FrontendTransport" if written.casefold() == "frontend" else "HubTransport")]
        )


def get_receive_connector(state: _State, bound: dict, piped) -> list:
    if "Identity" in bound and "Server" in bound:
        raise ExchangeError(PARAMETER_SET)
    if "Identity" in bound:
        return find_connectors(state.org, _text(bound["Identity"]))
    if "Server" in bound:
        return list(state.org.connectors_of(_find_server(state.org, _text(bound["Server"])).name))
    return list(state.org.connectors)


def new_receive_connector(state: _State, bound: dict, piped) -> list:
    usages = [u for u in USAGES if bound.get(u)]
    if "Usage" in bound:
        usages.append(_text(bound["Usage"]))
    if len(usages) > 1:
        raise ExchangeError(PARAMETER_SET)
    _require(bound, "Name")
    _note_short_role(state, bound)
    org = state.org
    server_name = _text(bound["Server"]) if "Server" in bound else (org.servers[0].name if org.servers else "")
    server = _find_server(org, server_name)
    changes = _connector_changes({k: v for k, v in bound.items() if k != "Name"}, None)
    connector = _engine(
        lambda: receive.new_receive_connector(
            org,
            server.name,
            _text(bound["Name"]),
            usage=usages[0] if usages else None,
            **changes,
        )
    )
    if _whatif(state, bound, f'Creating Receive connector "{connector.name}" on server "{server.name}".'):
        return []
    state.org = org.with_changes(connectors=(*org.connectors, connector))
    return [connector]  # EMS prints the new connector


def set_receive_connector(state: _State, bound: dict, piped) -> list:
    _note_short_role(state, bound)
    for connector in _piped_connectors(state, bound, piped):
        current = state.org.connector(connector.server, connector.name)
        changes = _connector_changes(bound, current)
        updated = _engine(
            lambda current=current, changes=changes: receive.set_receive_connector(state.org, current, **changes)
        )
        if not _whatif(state, bound, f'Configuring Receive connector "{current.identity}".'):
            state.org = _replace_connector(state.org, current, updated)
    return []


def remove_receive_connector(state: _State, bound: dict, piped) -> list:
    for connector in _piped_connectors(state, bound, piped):
        current = state.org.connector(connector.server, connector.name)
        if not _whatif(state, bound, f'Removing Receive connector "{current.identity}".'):
            state.org = _replace_connector(state.org, current, None)
    return []


def _permission_target(state: _State, bound: dict, piped) -> list:
    return _piped_connectors(state, bound, [p for p in piped if isinstance(p, ReceiveConnector)] if piped else piped)


def _change_permission(state: _State, bound: dict, piped, remove: bool) -> list:
    if "AccessRights" in bound and any(
        _text(v).strip().casefold() != "extendedright" for v in _texts(bound["AccessRights"])
    ):
        raise ExchangeError(ACCESS_RIGHTS_TEXT + ".", "AccessRights")  # a variable's value, seen only now
    if "Owner" in bound and "User" not in bound:
        return []  # the Owner parameter set: the object's owner isn't modelled (NOTE printed)
    rows = [p for p in piped or [] if isinstance(p, Permission)]
    if rows and "User" not in bound:
        # Remove-ADPermission fed by Get-ADPermission removes exactly the rows it receives.
        targets = [(row.connector, row.ace.principal, [row.ace.right], row.ace.deny) for row in rows]
    else:
        _require(bound, "User", "ExtendedRights")
        targets = [
            (c, _text(bound["User"]), _texts(bound["ExtendedRights"]), bool(bound.get("Deny")))
            for c in _permission_target(state, bound, piped)
        ]
    verb = "Removing" if remove else "Adding"
    change = acl.remove_ad_permission if remove else acl.add_ad_permission
    added = []
    for connector, user, rights, deny in targets:
        current = state.org.connector(connector.server, connector.name)
        if not remove:
            acl.resolve_principal(state.org, user)
        new_acl = _engine(
            lambda current=current, user=user, rights=rights, deny=deny: change(
                current.acl, user, rights, deny=deny, domain_netbios=state.org.domain_netbios
            )
        )
        message = f'{verb} Active Directory permission for "{user}" on "{current.identity}".'
        if _whatif(state, bound, message):
            continue
        updated = current.with_changes(acl=new_acl)
        state.org = _replace_connector(state.org, current, updated)
        if not remove:
            added += _granted_rows(updated, user, rights, deny, state.org.domain_netbios)
    return added  # Add-ADPermission prints the entries it wrote, Remove-ADPermission nothing


def _granted_rows(connector: ReceiveConnector, user: str, rights: list[str], deny: bool, netbios: str) -> list:
    return [Permission(connector, ace) for ace in acl.explicit_aces(connector.acl, user, rights, deny, netbios)]


def add_ad_permission(state: _State, bound: dict, piped) -> list:
    return _change_permission(state, bound, piped, remove=False)


def remove_ad_permission(state: _State, bound: dict, piped) -> list:
    return _change_permission(state, bound, piped, remove=True)


def get_ad_permission(state: _State, bound: dict, piped) -> list:
    if bound.get("Owner"):
        return []  # the object's owner isn't modelled (NOTE printed)
    rows = []
    user = canonical_principal(_text(bound["User"]), state.org.domain_netbios).casefold() if "User" in bound else None
    for connector in _permission_target(state, bound, piped):
        rows += [
            Permission(connector, ace) for ace in connector.acl if user is None or ace.principal.casefold() == user
        ]
    return rows


def _domain_change(state: _State, bound: dict, change, message: str) -> domains.DomainChange | None:
    """The change applied (None with -WhatIf), its warnings printed."""
    result = _engine(change)
    if _whatif(state, bound, message):
        return None
    state.org = state.org.with_changes(accepted_domains=result.domains)
    _say(state, [f"WARNING: {warning}" for warning in result.warnings])
    return result


def get_accepted_domain(state: _State, bound: dict, piped) -> list:
    if "Identity" in bound and "*" in _text(bound["Identity"]):
        test = wildcard(_text(bound["Identity"]).strip())
        return [d for d in state.org.accepted_domains if test.fullmatch(d.name) or test.fullmatch(d.domain_name)]
    if "Identity" in bound:
        return [_engine(lambda: domains.find_accepted_domain(state.org.accepted_domains, _text(bound["Identity"])))]
    return list(state.org.accepted_domains)


def new_accepted_domain(state: _State, bound: dict, piped) -> list:
    _require(bound, "Name", "DomainName")
    name, domain_name = _text(bound["Name"]), _text(bound["DomainName"])
    result = _domain_change(
        state,
        bound,
        lambda: domains.new_accepted_domain(
            state.org.accepted_domains, name, domain_name, _text(bound.get("DomainType", "Authoritative"))
        ),
        f'Creating Accepted Domain "{name}" with domain name "{domain_name}".',
    )
    return [result.domain] if result else []  # EMS prints the new domain


def set_accepted_domain(state: _State, bound: dict, piped) -> list:
    identity = _identity(bound, piped)
    options = {
        "name": _text(bound["Name"]) if "Name" in bound else None,
        "domain_type": _text(bound["DomainType"]) if "DomainType" in bound else None,
        "make_default": bound.get("MakeDefault"),
        "address_book_enabled": bound.get("AddressBookEnabled"),
        "match_subdomains": bound.get("MatchSubDomains"),
    }
    _domain_change(
        state,
        bound,
        lambda: domains.set_accepted_domain(state.org.accepted_domains, identity, **options),
        f'Configuring Accepted Domain "{identity}".',
    )
    return []


def remove_accepted_domain(state: _State, bound: dict, piped) -> list:
    identity = _identity(bound, piped)
    _domain_change(
        state,
        bound,
        lambda: domains.remove_accepted_domain(state.org.accepted_domains, identity),
        f'Removing Accepted Domain "{identity}".',
    )
    return []


def _identity(bound: dict, piped) -> str:
    if "Identity" in bound:
        return _text(bound["Identity"])
    if piped:
        return piped[0].name  # an AcceptedDomain or a Server (_PIPED_TYPES): the rest bind by Identity
    raise ExchangeError(MISSING_MANDATORY.format("Identity"))


def _find_servers(org: Organization, identity: str, mailbox: bool = False) -> list[Server]:
    """Get-ExchangeServer / Get-MailboxServer identities: a name, or a wildcard (nothing matched: empty)."""
    if "*" not in identity:
        return [_find_server(org, identity, mailbox)]
    test = wildcard(identity.strip())
    return [s for s in org.servers if test.fullmatch(s.name) and (s.has_mailbox or not mailbox)]


def get_exchange_server(state: _State, bound: dict, piped) -> list:
    if "Identity" in bound:
        return _find_servers(state.org, _text(bound["Identity"]))
    return list(state.org.servers)


def get_mailbox_server(state: _State, bound: dict, piped) -> list:
    if "Identity" in bound:
        return _find_servers(state.org, _text(bound["Identity"]), mailbox=True)
    return [s for s in state.org.servers if s.has_mailbox]


def set_mailbox_server(state: _State, bound: dict, piped) -> list:
    server = _find_server(state.org, _identity(bound, piped), mailbox=True)
    if "MAPIEncryptionRequired" in bound and not _whatif(state, bound, f'Configuring Mailbox server "{server.name}".'):
        updated = replace(server, mapi_encryption_required=bound["MAPIEncryptionRequired"])
        state.org = state.org.with_changes(servers=tuple(updated if s is server else s for s in state.org.servers))
    return []


def get_transport_config(state: _State, bound: dict, piped) -> list:
    return [TransportConfig(state.org.tls_receive_domain_secure_list)]


def set_transport_config(state: _State, bound: dict, piped) -> list:
    # Only the parameter the simulator uses; $null empties the list, @{Add=...; Remove=...} edits it.
    if "TLSReceiveDomainSecureList" not in bound:
        return []
    secure = _edited_list(
        "TLSReceiveDomainSecureList",
        bound["TLSReceiveDomainSecureList"],
        list(state.org.tls_receive_domain_secure_list),
        _smtp_domains,
    )
    if not _whatif(state, bound, 'Configuring Transport Config "Transport Settings".'):
        state.org = state.org.with_changes(tls_receive_domain_secure_list=tuple(secure))
    return []


def get_recipient_filter_config(state: _State, bound: dict, piped) -> list:
    return [RecipientFilterConfig(state.org.recipient_validation_enabled)]


def set_recipient_filter_config(state: _State, bound: dict, piped) -> list:
    if "RecipientValidationEnabled" in bound and not _whatif(
        state, bound, 'Configuring Recipient Filter Config "RecipientFilterConfig".'
    ):
        state.org = state.org.with_changes(recipient_validation_enabled=bound["RecipientValidationEnabled"])
    return []


_CONNECTOR_SETTINGS_SPEC = {p: t for p, t in _CONNECTOR_SETTINGS.items() if p != "TransportRole"}
_CMDLETS: dict[str, tuple[Callable, Spec]] = {
    "Get-ReceiveConnector": (get_receive_connector, Spec({"Identity": _TEXT, "Server": _TEXT}, ("Identity",))),
    "New-ReceiveConnector": (
        new_receive_connector,
        Spec(
            {
                **_CONNECTOR_SETTINGS_SPEC,
                "Server": _TEXT,
                "TransportRole": _TEXT,
                "Usage": _TEXT,
                **{usage: _SWITCH for usage in USAGES},
            },
            ("Name",),
        ),
    ),
    "Set-ReceiveConnector": (
        set_receive_connector,
        Spec({"Identity": _TEXT, **_CONNECTOR_SETTINGS}, ("Identity",), True),
    ),
    "Remove-ReceiveConnector": (remove_receive_connector, Spec({"Identity": _TEXT}, ("Identity",), True)),
    "Add-ADPermission": (
        add_ad_permission,
        Spec(
            {
                "Identity": _TEXT,
                "User": _TEXT,
                "ExtendedRights": _LIST,
                "AccessRights": _LIST,
                "Deny": _SWITCH,
                "InheritanceType": _TEXT,
            },
            ("Identity",),
            True,
        ),
    ),
    "Get-ADPermission": (get_ad_permission, Spec({"Identity": _TEXT, "User": _TEXT}, ("Identity",), True)),
    "Get-AcceptedDomain": (get_accepted_domain, Spec({"Identity": _TEXT}, ("Identity",))),
    "New-AcceptedDomain": (
        new_accepted_domain,
        Spec({"Name": _TEXT, "DomainName": _TEXT, "DomainType": _TEXT}, ("Name",)),
    ),
    "Set-AcceptedDomain": (
        set_accepted_domain,
        Spec(
            {
                "Identity": _TEXT,
                "Name": _TEXT,
                "DomainType": _TEXT,
                "MakeDefault": _BOOL,
                "AddressBookEnabled": _BOOL,
                "MatchSubDomains": _BOOL,
            },
            ("Identity",),
            True,
        ),
    ),
    "Remove-AcceptedDomain": (remove_accepted_domain, Spec({"Identity": _TEXT}, ("Identity",), True)),
    "Get-ExchangeServer": (get_exchange_server, Spec({"Identity": _TEXT}, ("Identity",))),
    "Get-MailboxServer": (get_mailbox_server, Spec({"Identity": _TEXT}, ("Identity",))),
    "Set-MailboxServer": (
        set_mailbox_server,
        Spec({"Identity": _TEXT, "MAPIEncryptionRequired": _BOOL}, ("Identity",), True),
    ),
}
_CMDLETS["Get-TransportConfig"] = (get_transport_config, Spec({}, ("Identity",)))
_CMDLETS["Set-TransportConfig"] = (set_transport_config, Spec({"TLSReceiveDomainSecureList": _LIST}, ("Identity",)))
_CMDLETS["Get-RecipientFilterConfig"] = (get_recipient_filter_config, Spec({}, ("Identity",)))
_CMDLETS["Set-RecipientFilterConfig"] = (set_recipient_filter_config, Spec({"RecipientValidationEnabled": _BOOL}))
_CMDLETS["Remove-ADPermission"] = (remove_ad_permission, replace(_CMDLETS["Add-ADPermission"][1]))


def _with_documented(cmdlet: str, spec: Spec) -> Spec:
    """The spec with every documented parameter the lab doesn't model (cmdletdocs), bound as PowerShell binds it."""
    extra = {
        name: cmdletdocs.binding_kind(kind)
        for name, kind in cmdletdocs.UNMODELLED.get(cmdlet, {}).items()
        if name not in spec.parameters
    }
    return replace(spec, parameters={**spec.parameters, **extra})


# What each cmdlet accepts but doesn't simulate: a NOTE says so once per script.
_UNMODELLED = {
    name: frozenset(p for p in cmdletdocs.UNMODELLED.get(name, {}) if p not in spec.parameters)
    for name, (_, spec) in _CMDLETS.items()
}
_CMDLETS = {name: (handler, _with_documented(name, spec)) for name, (handler, spec) in _CMDLETS.items()}
_NO_OPS = {
    "add-pssnapin": "the exchsim console is the Exchange Management Shell already; Add-PSSnapin {0} loads nothing.",
    "import-module": "the exchsim console has Exchange's cmdlets already; Import-Module {0} loads nothing.",
    "export-clixml": "",  # a backup file: the plan's backups; nothing to show, nothing changes in the lab
}
# What scripts found on the web call that the console never runs: named when refused, before anything runs.
_REFUSED = {
    "invoke-expression",
    "iex",
    "start-process",
    "saps",
    "remove-item",
    "rm",
    "del",
    "ri",
    "invoke-webrequest",
    "iwr",
    "curl",
    "wget",
    "invoke-restmethod",
    "irm",
    "new-object",
    "add-type",
    "set-content",
    "add-content",
    "new-item",
    "copy-item",
    "move-item",
    "rename-item",
    "invoke-command",
    "icm",
    "start-job",
    "enter-pssession",
    "new-pssession",
    "import-pssession",
    "set-executionpolicy",
    "get-wmiobject",
    "get-ciminstance",
    "start-sleep",
    "invoke-item",
    "set-item",
    "set-variable",
    "remove-variable",
    "get-childitem",
    "dir",
    "ls",
    "get-item",
    "test-path",
    "send-mailmessage",
    "restart-service",
    "stop-service",
    "start-service",
    "stop-process",
    "restart-computer",
    "stop-computer",
    "get-credential",
    "read-host",
    "powershell",
    "pwsh",
    "cmd",
}
NOT_RUN = (
    "{0} is not run by the exchsim console (line {1}): it runs Exchange's cmdlets and PowerShell's everyday ones "
    "on the lab, nothing on a computer."
)


def _cmdlet(name: str):
    wanted = name.casefold()
    for key, value in _CMDLETS.items():
        if key.casefold() == wanted:
            return key, value
    return None, None


def _supported() -> str:
    return ", ".join([*_CMDLETS, *sorted(set(pscmdlets.CMDLETS.values()))])


def check(statements: list) -> None:
    """Refuse what the console doesn't run, by name, before anything runs: unknown or refused commands, a snap-in
    other than Exchange's, -AccessRights, script blocks given to Exchange cmdlets."""
    for call in psast_walk(statements):
        lowered = call.name.casefold()
        if not call.name or lowered in pscmdlets.CMDLETS:
            continue
        if lowered == "add-pssnapin":
            named = [e for e in call.elements if not isinstance(e, Parameter)]
            if not named or not all(
                isinstance(e, str | Bareword) and _text(e).casefold().startswith("microsoft.exchange") for e in named
            ):
                raise Unsupported(NOT_RUN.format("Add-PSSnapin of anything but Microsoft.Exchange*", call.line))
            continue
        if lowered in _NO_OPS:
            continue
        if lowered in _REFUSED:
            raise Unsupported(NOT_RUN.format(call.name, call.line))
        name, entry = _cmdlet(call.name)
        if name is None:
            raise Unsupported(UNKNOWN_COMMAND.format(call.name, _supported()) + f" (line {call.line})")
        if "AccessRights" in _written_parameters(call, entry[1]) and not _only_extended_right(call, entry[1]):
            raise Unsupported(ACCESS_RIGHTS.format(call.line))
        for element in call.elements:
            if isinstance(element, Block) or isinstance(getattr(element, "value", None), Block):
                raise Unsupported(_SCRIPT_BLOCK_ARGUMENT.format(call.name, call.line))


ACCESS_RIGHTS_TEXT = "The console models extended rights only; -AccessRights other than ExtendedRight isn't supported"
ACCESS_RIGHTS = ACCESS_RIGHTS_TEXT + " (line {0})."


def _only_extended_right(call: CommandCall, spec: Spec) -> bool:
    """`-AccessRights ExtendedRight -ExtendedRights ...` (the docs' own example) only names what -ExtendedRights
    grants; any other access right is outside the model. A variable is checked when the command runs."""
    bound = _literal_arguments(call, spec)
    value = bound.get("AccessRights")
    return value is None or all(_text(v).strip().casefold() == "extendedright" for v in _texts(value))


def _literal_arguments(call: CommandCall, spec: Spec) -> dict:
    try:
        return {k: v for k, v in _bind(call, spec).items() if isinstance(v, str | Bareword | list)}
    except ExchangeError:
        return {}


def _written_parameters(call: CommandCall, spec: Spec) -> set[str]:
    """The parameters a call names, by full name, leaving binding errors to the run (where EMS reports them)."""
    names = set()
    for element in call.elements:
        if isinstance(element, Parameter):
            try:
                names.add(_parameter_name(element.name, {**spec.parameters, **_COMMON}))
            except ExchangeError:
                continue
    return names


# ActionPreference's values, which -ErrorAction also takes as numbers (-ea 0 is common in scripts)
_ACTION_NUMBERS = {"0": "silentlycontinue", "1": "stop", "2": "continue", "3": "inquire", "4": "ignore"}


def _error_action(call: CommandCall) -> tuple[str, str | None]:
    """The command's -ErrorAction (alias -ea) and -ErrorVariable (-ev) as written ("" and None when not given)."""
    action, variable, elements = "", None, call.elements
    for position, element in enumerate(elements):
        if not isinstance(element, Parameter):
            continue
        name = element.name.casefold()
        if element.colon:
            value = element.value
        else:
            following = elements[position + 1] if position + 1 < len(elements) else None
            value = None if isinstance(following, Parameter) else following
        if name == "ea" or (len(name) > 6 and "erroraction".startswith(name)):
            action = _text(value).strip().casefold()
            action = _ACTION_NUMBERS.get(action, action)
        elif name == "ev" or (len(name) > 6 and "errorvariable".startswith(name)):
            variable = _text(value).strip().lstrip("+").casefold()
    return action, variable


def _commands(ctx, call: CommandCall, items: list | None) -> list:
    """Run one command, with -ErrorAction: Stop (the console's default, EMS's in scripts that must not go on
    after a failed change) ends the script at an error; SilentlyContinue and Ignore swallow it (the command gives
    nothing, as `if (Get-ReceiveConnector X -ErrorAction SilentlyContinue)` expects); Continue prints it and goes
    on. -ErrorVariable keeps the message."""
    action, variable = _error_action(call)
    if variable:
        ctx.set(variable, [])
    try:
        return _command(ctx, call, items)
    except psruntime.LimitReached:
        raise
    except ExchangeError as failure:
        if action not in ("silentlycontinue", "ignore", "continue"):
            raise
        if variable:
            ctx.set(variable, [str(failure)])
        if action == "continue":
            ctx.print([str(failure), f"    + CategoryInfo          : NotSpecified: (:) [{call.name}], exchsim"])
        return []


def _command(ctx, call: CommandCall, items: list | None) -> list:
    """Run one command of a pipeline: PowerShell's own cmdlets, the no-ops, then Exchange's."""
    ctx.running = call.name  # the CategoryInfo line of an error names it
    lowered = call.name.casefold()
    if lowered in pscmdlets.CMDLETS:
        return pscmdlets.run(ctx, call.name, call.elements, items)
    if lowered in _NO_OPS:
        note = _NO_OPS[lowered].format(" ".join(_text(e) for e in call.elements if not isinstance(e, Parameter)))
        if note:
            ctx.print([f"NOTE: {note}"])
        return []
    name, (handler, spec) = _cmdlet(call.name)
    if items is not None and not items:
        return []  # nothing came down the pipeline: the cmdlet's process block never runs
    for element in call.elements:
        if isinstance(element, Block) or isinstance(getattr(element, "value", None), Block):
            raise Unsupported(_SCRIPT_BLOCK_ARGUMENT.format(call.name, call.line))
    if items is not None and not spec.pipeline_input:
        raise ExchangeError(f"The input object cannot be bound to any parameters for the command {name}.")
    bound = _bind(call, spec)
    for parameter in [p for p in bound if p in _UNMODELLED[name]]:  # in the order written
        note = cmdletdocs.NOTE.format(parameter, name)
        if note not in ctx.notes:
            ctx.notes.append(note)
            ctx.print([note])
    if items and name.startswith("Set-"):
        _note_unapplied(ctx, name, items)
    piped = None if items is None else [_pipeline_object(item) for item in items]
    if piped is None or "Identity" in bound:
        return [_shown(ctx, obj) for obj in handler(ctx, bound, piped)]
    found = []
    for obj in piped:  # the process block runs once per object
        if not isinstance(obj, _PIPED_TYPES.get(name, ())):
            # A string, or an object of another type, binds to -Identity by its text / Identity property, as
            # PowerShell binds ValueFromPipelineByPropertyName (an accepted domain piped into
            # Remove-ReceiveConnector is looked up as a connector named after it).
            found += handler(ctx, {**bound, "Identity": _piped_identity(ctx, name, obj)}, None)
        else:
            found += handler(ctx, bound, [obj])
    return [_shown(ctx, obj) for obj in found]


_SHOWN_TYPES = (ReceiveConnector, Permission, AcceptedDomain, Server, TransportConfig, RecipientFilterConfig)
# The engine objects each cmdlet takes from the pipeline as themselves; anything else binds by its Identity.
_PIPED_TYPES = {
    "Set-ReceiveConnector": (ReceiveConnector,),
    "Remove-ReceiveConnector": (ReceiveConnector,),
    "Add-ADPermission": (ReceiveConnector, Permission),
    "Remove-ADPermission": (ReceiveConnector, Permission),
    "Get-ADPermission": (ReceiveConnector, Permission),
    "Set-AcceptedDomain": (AcceptedDomain,),
    "Remove-AcceptedDomain": (AcceptedDomain,),
    "Set-MailboxServer": (Server,),
}
NO_PIPELINE_BINDING = (
    "The input object cannot be bound to any parameters for the command either because the command does not take "
    "pipeline input or the input and its properties do not match any of the parameters that take pipeline input."
)


def _pipeline_object(item):
    """What a cmdlet receives from the pipeline: the engine object an EMS object shows, the Identity column of a
    row read with Import-Csv (bound by property name), else the item itself."""
    if isinstance(item, PSObject) and item.source is None and item.get("Identity") is not None:
        return _text(item.get("Identity"))
    return _engine_object(item)


def _piped_identity(ctx, cmdlet: str, obj) -> str:
    if isinstance(obj, str):
        return obj
    identity = properties(obj, ctx.org).get("Identity") if isinstance(obj, _SHOWN_TYPES) else None
    if identity is None:
        raise ExchangeError(NO_PIPELINE_BINDING)
    return str(identity)


PIPED_BY_IDENTITY = (
    "NOTE: {0} takes a piped object by its Identity, as EMS does; the change made to {1} of '{2}' in the script "
    "is not applied. Pass it as a parameter: {0} -Identity '{2}' -{3} $object.{3}"
)


def _note_unapplied(ctx, cmdlet: str, items: list) -> None:
    """A trainee who edits $c.RemoteIPRanges and pipes $c into Set- expects the edit to be saved; EMS binds only the
    Identity, so the console says so instead of silently dropping the edit."""
    for item in items:
        if not isinstance(item, PSObject) or item.source is None or not item.loaded:
            continue
        read = item.read_properties()  # only what the script read can differ
        changed = [n for n, v in read.items() if cell(v) != cell(_fresh_value(ctx, item.source, n))]
        if changed:
            ctx.print([PIPED_BY_IDENTITY.format(cmdlet, ", ".join(changed), str(item), changed[0])])


def _fresh_value(ctx, obj, name: str):
    try:
        return property_value(obj, ctx.org, name)
    except (KeyError, AttributeError):
        return None  # a property the script added to the object


def _engine_object(item):
    return (
        item.source
        if isinstance(item, PSObject) and item.source is not None
        else (item if not isinstance(item, PSObject) else str(item))
    )


_TYPE_NAMES = {
    ReceiveConnector: "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector",
    Permission: "Microsoft.Exchange.Management.RecipientTasks.ADAcePresentationObject",
}


def _shown(ctx, obj) -> PSObject:
    org = ctx.org
    return PSObject(
        _TYPE_NAMES.get(type(obj), type(obj).__name__),
        source=obj,
        load=lambda: properties(obj, org),
        names=lambda: property_names(obj, org),
        one=lambda name: property_value(obj, org, name),
    )


def _render(ctx, values: list) -> list[str]:
    return render(values, ctx.org)


RECURSION = "The script is nested too deeply to run (line {0}); nothing was applied."
UNREADABLE = (
    "The exchsim console can't read this script: it holds a construct its PowerShell reader doesn't know. "
    "Nothing was run."
)


def run_script(
    org: Organization,
    text: str,
    atomic: bool = False,
    max_seconds: float | None = None,
    *,
    max_steps: int = 10_000,
    max_output: int = 1 << 20,
    files: dict | None = None,
    dry_run: bool = False,
    guard: Callable | None = None,
    started: float | None = None,
) -> ConsoleResult:
    """Run an EMS script against `org`. Stops at the first error; with `atomic`, an error leaves `org` unchanged.
    The caps (max_seconds, max_steps, max_output characters) stop the script and apply nothing, atomic or not.
    `files` (name -> text) are what Import-Csv and Get-Content read; ConsoleResult.files holds what the script
    wrote. With `dry_run` every change prints its "What if:" line and the plan of the whole script, and `org` is
    returned unchanged. `guard(ctx, call, items)` sees every command before it runs (emsscope's scoped runs);
    `started` is when the time limit began counting (default: now)."""
    started = time.monotonic() if started is None else started
    try:
        statements = parse_script(text)
        check(statements)
    except Unsupported as refusal:
        return ConsoleResult(org, [], str(refusal), 0)
    except (IndexError, AttributeError, TypeError, ValueError, KeyError):
        # A shape of the grammar's tree the reader doesn't know: refuse the script in words, never a traceback.
        return ConsoleResult(org, [], UNREADABLE, 0)
    ctx = psruntime.Context(
        org,
        _commands if guard is None else _guarded(guard),
        _render,
        max_steps=max_steps,
        max_seconds=max_seconds,
        max_output=max_output,
        files=dict(files or {}),
        dry_run=dry_run,
        started=started,
    )
    applied = 0
    for statement in statements:
        out: list = []
        ctx.running, ctx.pending = None, out  # Write-Host and notes print after what the statement output so far
        try:
            ctx.check_time()
            psruntime.run_statement(ctx, statement, out)
            ctx.pending = None
            if out:
                ctx.print(render(out, ctx.org))
        except psruntime.LimitReached as limit:
            return ConsoleResult(org, [*ctx.output, str(limit)], str(limit), 0)
        except RecursionError:
            error = RECURSION.format(getattr(statement, "line", 0) or 1)
            return ConsoleResult(org, [*ctx.output, error], error, 0)
        except (ExchangeError, Unsupported) as failure:  # EMS with ErrorAction Stop
            ctx.output.append(str(failure))  # one entry, equal to ConsoleResult.error, even when several lines
            ctx.output.append(
                f"    + CategoryInfo          : NotSpecified: (:) [{_failed_command(ctx, statement)}], exchsim"
            )
            final = org if atomic or dry_run else ctx.org
            return ConsoleResult(
                final, ctx.output, str(failure), 0 if atomic or dry_run else applied, dict(ctx.written)
            )
        except (psruntime.Break, psruntime.Continue):
            pass
        except psruntime.Exit:
            applied += 1
            break
        applied += 1
    if dry_run:
        steps = plan(org, ctx.org)
        lines = ["", "Plan of the whole script (dry run: nothing was changed):"]
        lines += [f"  {step.summary}" for step in steps] if steps else ["  no change to the lab"]
        ctx.output += lines
        return ConsoleResult(org, ctx.output, None, 0, dict(ctx.written), steps)
    return ConsoleResult(ctx.org, ctx.output, None, applied, dict(ctx.written))


def _guarded(guard: Callable) -> Callable:
    def commands(ctx, call: CommandCall, items: list | None) -> list:
        guard(ctx, call, items)
        return _commands(ctx, call, items)

    return commands


def _failed_command(ctx, statement) -> str:
    if getattr(ctx, "running", None):
        return ctx.running
    calls = [call.name for call in psast_walk([statement]) if call.name]
    return calls[-1] if calls else type(statement).__name__


__all__ = [
    "ConsoleResult",
    "Permission",
    "RecipientFilterConfig",
    "TransportConfig",
    "check",
    "find_connector",
    "format_default",
    "format_list",
    "format_table",
    "run_script",
]
