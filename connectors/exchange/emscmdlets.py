"""The Exchange cmdlets the console runs, each `(state, bound, piped) -> objects`, and their parameter table.

Each one calls the engine (receive, acl, domains) for its rules and Exchange's texts; -WhatIf and the console's dry
run say what it would do. The documented parameters the lab doesn't model are added to each table from cmdletdocs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import repeat
from operator import is_

from . import acl, cmdletdocs, domains, receive
from .catalogue import USAGES, canonical_principal
from .emsbind import (
    _BOOL,
    _CONNECTOR_SETTINGS,
    _LIST,
    _SWITCH,
    _TEXT,
    MISSING_MANDATORY,
    PARAMETER_SET,
    Spec,
    _binding_kind,
    _connector_changes,
    _edited_list,
    _find_server,
    _replace_connector,
    _smtp_domains,
    _text,
    _texts,
    by_identity,
    find_connector,
    find_connectors,
)
from .errors import NO_PARAMETER, ExchangeError, ValidationFailed
from .model import Organization, ReceiveConnector, Server
from .organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from .pscmdlets import warn
from .psformat import MailboxServer, Permission, RecipientFilterConfig, TransportConfig, server_domain
from .server_properties import SERVER
from .syntax import INVALID_FQDN, is_fqdn

ACCESS_RIGHTS_TEXT = "The console models extended rights only; -AccessRights other than ExtendedRight isn't supported"
ACCESS_RIGHTS = ACCESS_RIGHTS_TEXT + " (line {0})."

# --- Cmdlets -------------------------------------------------------------------------------------------------------


@dataclass
class _State:
    org: Organization
    output: list[str] = field(default_factory=list)


def _say(state, lines: list[str]) -> None:
    """A line the cmdlet prints itself (What if:, NOTE:), in order with the script's output and within its cap."""
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


NULL_IDENTITY = "Cannot bind argument to parameter 'Identity' because it is null."


def _piped_connectors(state: _State, bound: dict, piped: list | None) -> list[ReceiveConnector]:
    if "Identity" in bound and bound["Identity"] is None:  # a mandatory parameter takes no $null (PowerShell)
        raise ExchangeError(NULL_IDENTITY)
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


def _no_null_identity(bound: dict) -> dict:
    """A Get- cmdlet's -Identity $null (or an unset variable) is no identity: EMS returns every object, as without
    the parameter (Get-ReceiveConnector's reference: "The value $null or a non-existent value for the Identity
    parameter returns *all* objects")."""
    if "Identity" in bound and bound["Identity"] is None:
        return {k: v for k, v in bound.items() if k != "Identity"}
    return bound


def get_receive_connector(state: _State, bound: dict, piped) -> list:
    bound = _no_null_identity(bound)
    if "Identity" in bound and "Server" in bound:
        raise ExchangeError(PARAMETER_SET)
    if "Identity" in bound:
        return find_connectors(state.org, _text(bound["Identity"]))
    if "Server" in bound:
        return list(state.org.connectors_of(_find_server(state.org, _text(bound["Server"])).name))
    if piped:  # a server piped in binds to -Server (Get-ExchangeServer | Get-ReceiveConnector)
        return list(state.org.connectors_of(piped[0].name))
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
        held = any(map(is_, state.org.connectors, repeat(connector)))  # as found (in C: a loop over a big lab)
        current = connector if held else state.org.connector(connector.server, connector.name)
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
        targets = [
            (row.connector, row.ace.principal, [row.ace.right], row.ace.deny, _row_options(row.ace)) for row in rows
        ]
    else:
        _require(bound, "User", "ExtendedRights")
        options = _ace_options(bound)
        targets = [
            (c, _text(bound["User"]), _texts(bound["ExtendedRights"]), bool(bound.get("Deny")), options)
            for c in _permission_target(state, bound, piped)
        ]
    verb = "Removing" if remove else "Adding"
    change = acl.remove_ad_permission if remove else acl.add_ad_permission
    added = []
    for connector, user, rights, deny, options in targets:
        current = state.org.connector(connector.server, connector.name)
        if not remove:
            acl.resolve_principal(state.org, user)
        new_acl = _engine(
            lambda current=current, user=user, rights=rights, deny=deny, options=options: change(
                current.acl, user, rights, deny=deny, domain_netbios=state.org.domain_netbios, options=options
            )
        )
        message = f'{verb} Active Directory permission for "{user}" on "{current.identity}".'
        if _whatif(state, bound, message):
            continue
        updated = current.with_changes(acl=new_acl)
        state.org = _replace_connector(state.org, current, updated)
        if not remove:
            added += _granted_rows(updated, user, rights, deny, state.org.domain_netbios, options)
    return added  # Add-ADPermission prints the entries it wrote, Remove-ADPermission nothing


def _ace_options(bound: dict) -> dict:
    """-InheritanceType (All unless given, as the reference documents), -InheritedObjectType, -ChildObjectTypes and
    -Properties as the engine's ACE fields; a value that isn't an ActiveDirectorySecurityInheritance name is the
    binder's error, before anything changes."""
    return acl.ace_options(
        _text(bound.get("InheritanceType", "All")),
        _text(bound["InheritedObjectType"]) if bound.get("InheritedObjectType") is not None else None,
        _texts(bound["ChildObjectTypes"]) if bound.get("ChildObjectTypes") is not None else (),
        _texts(bound["Properties"]) if bound.get("Properties") is not None else (),
    )


def _row_options(ace) -> dict:
    return {
        "inheritance_type": ace.inheritance_type,
        "inherited_object_type": ace.inherited_object_type,
        "child_object_types": ace.child_object_types,
        "object_properties": ace.object_properties,
    }


def _granted_rows(connector: ReceiveConnector, user: str, rights, deny: bool, netbios: str, options: dict) -> list:
    found = acl.explicit_aces(connector.acl, user, rights, deny, netbios, options)
    return [Permission(connector, ace) for ace in found]


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
    warn(state, bound, list(result.warnings))
    return result


def get_accepted_domain(state: _State, bound: dict, piped) -> list:
    bound = _no_null_identity(bound)
    domains_ = state.org.accepted_domains
    if "Identity" in bound:
        return by_identity(
            domains_,
            _text(bound["Identity"]),
            lambda d: (d.name, d.domain_name),
            lambda text: _engine(lambda: domains.find_accepted_domain(domains_, text)),
        )
    return list(domains_)


def new_accepted_domain(state: _State, bound: dict, piped) -> list:
    _require(bound, "Name", "DomainName")
    name, domain_name = _text(bound["Name"]), _text(bound["DomainName"])
    result = _domain_change(
        state,
        bound,
        lambda: domains.new_accepted_domain(
            state.org.accepted_domains,
            name,
            domain_name,
            _text(bound.get("DomainType", "Authoritative")),
            bool(bound.get("MatchSubDomains", False)),
        ),
        f'Creating Accepted Domain "{name}" with domain name "{domain_name}".',
    )
    return [result.domain] if result else []  # EMS prints the new domain


def _present(rows, bound: dict, org: Organization) -> None:
    """A setting none of the organisation's servers' versions has is no parameter of their shells (as in EMS)."""
    for prop in rows:
        if prop.name in bound and not prop.in_organization(org.servers):
            raise ExchangeError(NO_PARAMETER.format(prop.name), prop.name)


_DOMAIN_STORED = tuple(p for p in ACCEPTED_DOMAIN.settable("Set-AcceptedDomain") if not p.simulated)


def set_accepted_domain(state: _State, bound: dict, piped) -> list:
    identity = _identity(bound, piped)
    _present(_DOMAIN_STORED, bound, state.org)
    stored = {p.field: p.parse(bound[p.name]) for p in _DOMAIN_STORED if p.name in bound}
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
        lambda: domains.set_accepted_domain(state.org.accepted_domains, identity, **options, stored=stored),
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
    if "Identity" in bound and bound["Identity"] is None:
        raise ExchangeError(NULL_IDENTITY)
    if "Identity" in bound:
        return _text(bound["Identity"])
    if piped:
        return piped[0].name  # an AcceptedDomain or a Server (_PIPED_TYPES): the rest bind by Identity
    raise ExchangeError(MISSING_MANDATORY.format("Identity"))


def _find_servers(org: Organization, identity: str, mailbox: bool = False) -> list[Server]:
    """Get-ExchangeServer / Get-MailboxServer identities: a name, or a wildcard (nothing matched: empty)."""
    servers = [s for s in org.servers if s.has_mailbox or not mailbox]
    return by_identity(servers, identity, lambda s: (s.name,), lambda text: _find_server(org, text, mailbox))


def get_exchange_server(state: _State, bound: dict, piped) -> list:
    bound = _no_null_identity(bound)
    if bound.get("Domain", "") is None:  # taken as no domain, as -Identity $null is no identity (decisions.md)
        bound = {k: v for k, v in bound.items() if k != "Domain"}
    if "Domain" in bound:  # the servers of one AD domain (its own parameter set, without -Identity)
        if "Identity" in bound:
            raise ExchangeError(PARAMETER_SET)
        written = _text(bound["Domain"]).strip()
        if not is_fqdn(written.rstrip(".")):  # the Fqdn type refuses it as it is bound, "" included
            raise ExchangeError(
                "Cannot process argument transformation on parameter 'Domain'. " + INVALID_FQDN.format(written),
                "Domain",
            )
        domain = written.rstrip(".").casefold()
        return [s for s in state.org.servers if server_domain(s).casefold() == domain]
    if "Identity" in bound:
        return _find_servers(state.org, _text(bound["Identity"]))
    return list(state.org.servers)


_MAILBOX_SERVER_ROWS = SERVER.settable("Set-MailboxServer")


def get_mailbox_server(state: _State, bound: dict, piped) -> list:
    bound = _no_null_identity(bound)
    if "Identity" in bound:
        return [MailboxServer(s) for s in _find_servers(state.org, _text(bound["Identity"]), mailbox=True)]
    return [MailboxServer(s) for s in state.org.servers if s.has_mailbox]


def set_mailbox_server(state: _State, bound: dict, piped) -> list:
    """Every documented parameter is a catalogue row: MAPIEncryptionRequired is simulated (the audit reads it), the
    others are stored and printed back. A setting the server's version doesn't have is no parameter at all."""
    server = _find_server(state.org, _identity(bound, piped), mailbox=True)
    has = {prop.name for prop in server.mailbox_settings()}
    changes = {}
    for prop in _MAILBOX_SERVER_ROWS:
        if prop.name not in bound:
            continue
        if prop.field != "mapi_encryption_required" and prop.name not in has:
            raise ExchangeError(NO_PARAMETER.format(prop.name), prop.name)
        changes[prop.field] = _setting_value(prop, bound[prop.name], server)
    if changes and not _whatif(state, bound, f'Configuring Mailbox server "{server.name}".'):
        updated = replace(server, **changes)
        state.org = state.org.with_changes(servers=tuple(updated if s is server else s for s in state.org.servers))
    return []


def _setting_value(prop, value, org):
    """One setting of the organisation (or of a server, `org`) as its catalogue row parses it: $null empties a list,
    @{Add=...; Remove=...} edits it; a value Exchange refuses (out of range) is refused in its words before anything
    changes."""
    if prop.kind.multi:

        def check(items):
            return prop.shown(prop.parse(items))

        if prop.field == "tls_receive_domain_secure_list":
            check = _smtp_domains
        parsed = prop.parse(_edited_list(prop.name, value, list(prop.shown(getattr(org, prop.field))), check))
    else:
        parsed = prop.parse(value)
    problems = prop.problems(parsed)
    if problems:
        raise ExchangeError(problems[0], prop.name)
    return parsed


def _settings_changes(cmdlet: str, bound: dict, org: Organization) -> dict:
    rows = TRANSPORT_CONFIG.settable(cmdlet)
    _present(rows, bound, org)
    return {p.field: _setting_value(p, bound[p.name], org) for p in rows if p.name in bound}


def get_transport_config(state: _State, bound: dict, piped) -> list:
    return [TransportConfig.of(state.org)]


def set_transport_config(state: _State, bound: dict, piped) -> list:
    changes = _settings_changes("Set-TransportConfig", bound, state.org)
    if changes and not _whatif(state, bound, 'Configuring Transport Config "Transport Settings".'):
        state.org = state.org.with_changes(**changes)
    return []


def get_recipient_filter_config(state: _State, bound: dict, piped) -> list:
    return [RecipientFilterConfig.of(state.org)]


def set_recipient_filter_config(state: _State, bound: dict, piped) -> list:
    changes = _settings_changes("Set-RecipientFilterConfig", bound, state.org)
    if changes and not _whatif(state, bound, 'Configuring Recipient Filter Config "RecipientFilterConfig".'):
        state.org = state.org.with_changes(**changes)
    return []


def _settings_spec(cmdlet: str) -> dict[str, str]:
    """The parameters of a Set- cmdlet of the organisation's settings, bound from their catalogue rows (the secure
    list keeps its list binding)."""
    rows = TRANSPORT_CONFIG.settable(cmdlet)
    return {p.name: _LIST if p.field == "tls_receive_domain_secure_list" else _binding_kind(p) for p in rows}


# Set-TransportConfig's -Identity is "reserved for internal Microsoft use" and -Force hides prompts the console never
# shows: both bind and change nothing, without a NOTE.
_TRANSPORT_SPEC = {"Identity": _TEXT, "Force": _SWITCH, **_settings_spec("Set-TransportConfig")}


_CONNECTOR_SETTINGS_SPEC = {p: t for p, t in _CONNECTOR_SETTINGS.items() if p != "TransportRole"}
_CMDLETS: dict[str, tuple[Callable, Spec]] = {
    # -Identity and -Server both take pipeline input (Get-ReceiveConnector's reference page).
    "Get-ReceiveConnector": (
        get_receive_connector,
        Spec({"Identity": _TEXT, "Server": _TEXT}, ("Identity",), True),
    ),
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
                "InheritedObjectType": _TEXT,
                "ChildObjectTypes": _LIST,
                "Properties": _LIST,
            },
            ("Identity",),
            True,
        ),
    ),
    "Get-ADPermission": (get_ad_permission, Spec({"Identity": _TEXT, "User": _TEXT}, ("Identity",), True)),
    "Get-AcceptedDomain": (get_accepted_domain, Spec({"Identity": _TEXT}, ("Identity",))),
    "New-AcceptedDomain": (
        new_accepted_domain,
        Spec({"Name": _TEXT, "DomainName": _TEXT, "DomainType": _TEXT, "MatchSubDomains": _BOOL}, ("Name",)),
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
                **{p.name: _binding_kind(p) for p in _DOMAIN_STORED},
            },
            ("Identity",),
            True,
        ),
    ),
    "Remove-AcceptedDomain": (remove_accepted_domain, Spec({"Identity": _TEXT}, ("Identity",), True)),
    "Get-ExchangeServer": (get_exchange_server, Spec({"Identity": _TEXT, "Domain": _TEXT}, ("Identity",))),
    "Get-MailboxServer": (get_mailbox_server, Spec({"Identity": _TEXT}, ("Identity",))),
    "Set-MailboxServer": (
        set_mailbox_server,
        Spec({"Identity": _TEXT, **{p.name: _binding_kind(p) for p in _MAILBOX_SERVER_ROWS}}, ("Identity",), True),
    ),
}
_CMDLETS["Get-TransportConfig"] = (get_transport_config, Spec({}, ("Identity",)))
_CMDLETS["Set-TransportConfig"] = (set_transport_config, Spec(_TRANSPORT_SPEC, ("Identity",)))
_CMDLETS["Get-RecipientFilterConfig"] = (get_recipient_filter_config, Spec({}, ("Identity",)))
_CMDLETS["Set-RecipientFilterConfig"] = (
    set_recipient_filter_config,
    Spec(_settings_spec("Set-RecipientFilterConfig")),
)
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
