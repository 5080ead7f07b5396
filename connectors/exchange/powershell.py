"""Writing Exchange Management Shell scripts from engine values: one object, a whole lab, a plan and its rollback.

A plan is the minimal ordered list of commands that turns one `Organization` (the baseline) into another. The
whole-lab script is the plan from what Setup leaves behind (`setup_baseline`) to the lab, so running it on a fresh
lab of the same template reproduces the lab. Every value is written as a single-quoted literal (`quote`), so user
text can never become code. The console (ems.py) reads these scripts back; both use `CONNECTOR_PARAMETERS`.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .acl import apply_permission_groups
from .catalogue import USAGES, format_permission_groups
from .directory_properties import ACE_OPTIONS
from .errors import ExchangeError
from .model import ACE, AcceptedDomain, DomainType, Organization, ReceiveConnector, Server, TransportRole
from .organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG, organization_defaults
from .property_rows import NEW
from .receive import default_connectors, new_receive_connector
from .receive_connector_properties import RECEIVE_CONNECTOR
from .server_properties import MAILBOX_SETTINGS, SERVER

# PowerShell treats all of these as single quotes; inside a single-quoted string a doubled one stands for itself.
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
# Characters that end a line for PowerShell or for any editor that shows the script (comments must stay one line).
_LINE_BREAKS = re.compile("[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

# Receive connector field -> Set-/New-ReceiveConnector parameter, in the catalogue's order (the order scripts use).
CONNECTOR_PARAMETERS = {p.field: p.name for p in RECEIVE_CONNECTOR.settable()}
MULTI_VALUED = tuple(p.field for p in RECEIVE_CONNECTOR.settable() if p.kind.multi)
_CREATION_FIELDS = ("name", "transport_role", "bindings", "remote_ip_ranges")


# --- Literals -------------------------------------------------------------------------------------------------------


_DOUBLED = str.maketrans({q: q + q for q in SINGLE_QUOTES})


def quote(text) -> str:
    """A single-quoted PowerShell literal: nothing inside is expanded, every quote character is doubled."""
    return "'" + str(text).translate(_DOUBLED) + "'"


def comment(text) -> str:
    """A one-line comment; line breaks in user text become spaces so the text can't leave the comment."""
    return "# " + _LINE_BREAKS.sub(" ", str(text))


def literal(value) -> str:
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (tuple, list)):
        return ",".join(literal(item) for item in value)
    return quote(value)


def display_value(field: str, value):
    """A connector field as the shell shows and accepts it (text lists, flag names, Unlimited, 00:05:00)."""
    return RECEIVE_CONNECTOR.by_field(field).script_value(value)


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "object"


# --- Steps ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    text: str  # one complete command line
    notes: tuple[str, ...] = ()  # comments written above it


@dataclass(frozen=True)
class Step:
    """The commands for one object: what kind, what happens to it, a backup taken first, the commands."""

    kind: str  # "receive connector", "accepted domain", "mailbox server", "organization setting"
    action: str  # "create", "change", "remove"; servers: "install", "uninstall" (left to Setup, no commands)
    target: str  # the object's identity
    backups: tuple[str, ...]
    commands: tuple[Command, ...]
    unscripted: str = "with Setup (not scripted)"  # why a step has no commands

    @property
    def summary(self) -> str:
        text = f"{self.action.capitalize()} {self.kind} {self.target}"
        return text if self.commands else f"{text} {self.unscripted}"


def _cmd(cmdlet: str, *parts: tuple[str, object] | str, notes: tuple[str, ...] = ()) -> Command:
    """`cmdlet -P value ...`; a str part is a switch or a raw fragment, a (name, value) pair a parameter."""
    words = [cmdlet]
    for part in parts:
        if isinstance(part, str):
            words.append(part)
        else:
            name, value = part
            words.append(f"-{name} {value if isinstance(value, _Raw) else literal(value)}")
    return Command(" ".join(words), notes)


class _Raw(str):
    """A value already written as PowerShell (a hashtable for Add/Remove)."""


def _backup(get_cmdlet: str, identity: str, date: str, what: str = "", by_identity: bool = True) -> str:
    """Export-Clixml of the object before it changes; organisation-wide settings have no -Identity."""
    path = f".\\backup-{date}-{_file_part(identity)}{what}.xml"
    selector = f" -Identity {quote(identity)}" if by_identity else ""
    return f"{get_cmdlet}{selector} | Export-Clixml -Path {quote(path)}"


# --- Receive connectors --------------------------------------------------------------------------------------------


def _options(ace: ACE) -> tuple:
    """The ACE's options that differ from the defaults (-InheritanceType ...), as (parameter, value) pairs in the
    catalogue's order: part of what identifies the ACE, and written on its Add-/Remove-ADPermission line."""
    shown = ace.options
    return tuple(
        (p.name, tuple(shown[p.field]) if isinstance(shown[p.field], list) else shown[p.field])
        for p in ACE_OPTIONS
        if p.field in shown
    )


def _ace_key(ace: ACE) -> tuple:
    return ace.principal.casefold(), ace.right.casefold(), ace.deny, _options(ace)


def _acl_commands(identity: str, current: Iterable[ACE], target: Iterable[ACE]) -> list[Command]:
    """Remove-/Add-ADPermission for the explicit ACEs that differ, one command per principal, Allow/Deny and ACE
    options (-InheritanceType, the object types: written when not the default, values quoted)."""
    current = {_ace_key(a): a for a in current if not a.inherited}
    target = {_ace_key(a): a for a in target if not a.inherited}
    commands = []
    for cmdlet, aces in (
        ("Remove-ADPermission", [a for k, a in current.items() if k not in target]),
        ("Add-ADPermission", [a for k, a in target.items() if k not in current]),
    ):
        grouped: dict[tuple[str, bool, tuple], list[str]] = {}
        for ace in aces:
            grouped.setdefault((ace.principal, ace.deny, _options(ace)), []).append(ace.right)
        for (principal, deny, options), rights in grouped.items():
            parts = [("Identity", identity), ("User", principal), ("ExtendedRights", tuple(rights)), *options]
            if deny:
                parts.append("-Deny")
            if cmdlet == "Remove-ADPermission":
                parts.append("-Confirm:$false")
            commands.append(_cmd(cmdlet, *parts))
    return commands


@functools.lru_cache(maxsize=1024)
def _creation_defaults(server: Server, usage: str, role: TransportRole, domain_netbios: str) -> ReceiveConnector | None:
    """The settings New-ReceiveConnector gives a connector of this usage and role on this server (None when Exchange
    would refuse); they don't depend on the name, bindings or ranges, so a placeholder connector stands in."""
    alone = Organization(domain_netbios=domain_netbios, servers=(server,))
    try:
        return new_receive_connector(
            alone,
            server.name,
            "defaults",
            usage=usage or None,
            bindings="192.0.2.1:25",
            remote_ip_ranges="192.0.2.1",
            transport_role=role if _has_transport_role(server) else None,
        )
    except ExchangeError:
        return None


@functools.lru_cache(maxsize=1024)
def _created_acl(server: Server, groups: int, domain_netbios: str) -> tuple[ACE, ...]:
    return apply_permission_groups((), groups, server, domain_netbios)


def _has_transport_role(server: Server) -> bool:
    return server.version.is_e15_or_later and not server.is_edge


def _connector_properties(server: Server):
    """The settable connector properties this server's version and role have, in the order scripts write them."""
    return [p for p in RECEIVE_CONNECTOR.settable() if p.has(server.version, server.is_edge)]


def _new_connector_step(connector: ReceiveConnector, server: Server, domain_netbios: str) -> Step:
    identity = connector.identity
    parts: list = [("Name", connector.name), ("Server", server.name)]
    if _has_transport_role(server):
        parts.append(("TransportRole", connector.transport_role.value))
    if connector.usage in USAGES:
        parts.append(f"-{connector.usage}")
    parts += [("Bindings", display_value("bindings", connector.bindings))]
    parts += [("RemoteIPRanges", display_value("remote_ip_ranges", connector.remote_ip_ranges))]
    defaults = _creation_defaults(server, connector.usage, connector.transport_role, domain_netbios)
    set_only: list = []  # parameters only Set-ReceiveConnector has (SmtpUtf8Enabled): a Set right after the New
    for prop in _connector_properties(server):
        value = getattr(connector, prop.field)
        if prop.field not in _CREATION_FIELDS and (defaults is None or getattr(defaults, prop.field) != value):
            (parts if NEW in prop.settable else set_only).append((prop.name, prop.script_value(value)))
    created_acl = _created_acl(server, connector.permission_groups_written, domain_netbios)
    commands = [_cmd("New-ReceiveConnector", *parts)]
    if set_only:
        commands.append(_cmd("Set-ReceiveConnector", ("Identity", identity), *set_only))
    commands += _acl_commands(identity, created_acl, connector.acl)
    return Step("receive connector", "create", identity, (), tuple(commands))


def _multi_value(field: str, old, new):
    """Add/Remove when some values stay (so they are never lost), the full list when none does."""
    old_texts, new_texts = display_value(field, old), display_value(field, new)
    kept = [t for t in new_texts if t.casefold() in {o.casefold() for o in old_texts}]
    if not kept:
        return new_texts
    added = [t for t in new_texts if t not in kept]
    removed = [t for t in old_texts if t.casefold() not in {n.casefold() for n in new_texts}]
    entries = [f"{key}={literal(tuple(values))}" for key, values in (("Add", added), ("Remove", removed)) if values]
    return _Raw("@{" + "; ".join(entries) + "}")


def _set_connector_step(
    current: ReceiveConnector, target: ReceiveConnector, server: Server, domain_netbios: str, date: str
) -> Step | None:
    identity = current.identity
    parts: list = []
    notes: list[str] = []
    for prop in _connector_properties(server):
        field, parameter = prop.field, prop.name
        old, new = getattr(current, field), getattr(target, field)
        if old == new or (field in MULTI_VALUED and _same_texts(field, old, new)):
            continue
        if field in MULTI_VALUED:
            parts.append((parameter, _multi_value(field, old, new)))
            continue
        if field == "permission_groups_written":
            notes.append(
                comment(
                    f"-PermissionGroups replaces the whole set (was: {format_permission_groups(old)}); "
                    "rights added with Add-ADPermission and Deny entries stay."
                )
            )
        parts.append((parameter, display_value(field, new)))
    base_acl = current.acl
    if target.permission_groups_written != current.permission_groups_written:
        base_acl = apply_permission_groups(current.acl, target.permission_groups_written, server, domain_netbios)
    acl_commands = _acl_commands(target.identity, base_acl, target.acl)
    if not parts and not acl_commands:
        return None
    commands = []
    backups = []
    if parts:
        commands.append(_cmd("Set-ReceiveConnector", ("Identity", identity), *parts, notes=tuple(notes)))
        backups.append(_backup("Get-ReceiveConnector", identity, date))
    if acl_commands:
        backups.append(_backup("Get-ADPermission", identity, date, "-permissions"))
    return Step("receive connector", "change", identity, tuple(backups), (*commands, *acl_commands))


def _same_texts(field: str, old, new) -> bool:
    def fold(values):
        return sorted(t.casefold() for t in display_value(field, values))

    return fold(old) == fold(new)


def _remove_connector_step(connector: ReceiveConnector, date: str) -> Step:
    identity = connector.identity
    return Step(
        "receive connector",
        "remove",
        identity,
        (_backup("Get-ReceiveConnector", identity, date), _backup("Get-ADPermission", identity, date, "-permissions")),
        (_cmd("Remove-ReceiveConnector", ("Identity", identity), "-Confirm:$false"),),
    )


def _pair_connectors(baseline: Organization, org: Organization):
    """(old, new) pairs by server and name; a renamed Setup connector pairs with the Setup one it came from."""
    old_by_key = {(c.server.casefold(), c.name.casefold()): c for c in baseline.connectors}
    pairs, unmatched = [], []
    for connector in org.connectors:
        old = old_by_key.pop((connector.server.casefold(), connector.name.casefold()), None)
        (pairs.append((old, connector)) if old else unmatched.append(connector))
    for connector in unmatched:
        old = None
        if connector.created_by_setup:
            old = next(
                (
                    c
                    for c in old_by_key.values()
                    if c.created_by_setup
                    and c.server.casefold() == connector.server.casefold()
                    and c.transport_role is connector.transport_role
                    and c.usage == connector.usage
                ),
                None,
            )
            if old:
                del old_by_key[(old.server.casefold(), old.name.casefold())]
        pairs.append((old, connector))
    return pairs, list(old_by_key.values())


def connector_steps(
    current: ReceiveConnector | None, target: ReceiveConnector, org: Organization, date: str = ""
) -> list[Step]:
    """The commands that turn `current` (None: nothing yet) into `target`."""
    server = org.server(target.server)
    if server is None:
        raise ExchangeError(f"The operation couldn't be performed because object '{target.server}' couldn't be found.")
    if current is None:
        return [_new_connector_step(target, server, org.domain_netbios)]
    step = _set_connector_step(current, target, server, org.domain_netbios, date or _today())
    return [step] if step else []


# --- Accepted domains and servers ----------------------------------------------------------------------------------


def _domain_steps(baseline: Organization, org: Organization, date: str) -> tuple[list[Step], list[Step], list[Step]]:
    old_by_domain = {d.domain_name.casefold(): d for d in baseline.accepted_domains}
    new, changed = [], []
    for domain in org.accepted_domains:
        old = old_by_domain.pop(domain.domain_name.casefold(), None)
        commands = []
        if old is None:
            commands.append(
                _cmd(
                    "New-AcceptedDomain",
                    ("Name", domain.name),
                    ("DomainName", domain.domain_name),
                    ("DomainType", domain.domain_type.value),
                )
            )
            old = AcceptedDomain(
                domain.name,
                domain.domain_name,
                domain.domain_type,
                default=not baseline.accepted_domains,
                address_book_enabled=domain.domain_type is DomainType.AUTHORITATIVE,
            )
        parts = _domain_changes(old, domain)
        if parts:
            commands.append(_cmd("Set-AcceptedDomain", ("Identity", old.name), *parts))
        if not commands:
            continue
        if commands[0].text.startswith("New-"):
            new.append(Step("accepted domain", "create", domain.name, (), tuple(commands)))
        else:
            backups = (_backup("Get-AcceptedDomain", old.name, date),)
            changed.append(Step("accepted domain", "change", old.name, backups, tuple(commands)))
    removed = [
        Step(
            "accepted domain",
            "remove",
            d.name,
            (_backup("Get-AcceptedDomain", d.name, date),),
            (_cmd("Remove-AcceptedDomain", ("Identity", d.name), "-Confirm:$false"),),
        )
        for d in old_by_domain.values()
    ]
    return new, changed, removed


def _domain_changes(old: AcceptedDomain, new: AcceptedDomain) -> list:
    """Set-AcceptedDomain's parameters for what changed, from the catalogue's rows of what it sets."""
    parts: list = []
    retyped = old.domain_type is not new.domain_type
    for prop in ACCEPTED_DOMAIN.settable("Set-AcceptedDomain"):
        before, after = getattr(old, prop.field), getattr(new, prop.field)
        if prop.field == "default":
            if after and not before:
                parts.append(("MakeDefault", True))  # Default is read-only; -MakeDefault sets it (and clears the rest)
        # Changing DomainType resets AddressBookEnabled, so the wanted value is always written with it.
        elif before != after or (retyped and prop.field == "address_book_enabled"):
            parts.append((prop.name, prop.script_value(after)))
    return parts


def _server_steps(baseline: Organization, org: Organization, date: str) -> list[Step]:
    """Set-MailboxServer for the changed settings of a Mailbox server (the catalogue's rows of what it sets, those the
    server's version has); Exchange finds no Mailbox server by the name of any other server (an Edge, a 2013 Client
    Access server), so a changed MAPIEncryptionRequired there is noted, not scripted."""
    steps = []
    for server in org.servers:
        old = baseline.server(server.name)
        if old is None:
            continue
        changed = [p for p in _MAILBOX_SERVER_ROWS if getattr(old, p.field) != getattr(server, p.field)]
        if not changed:
            continue
        if not server.has_mailbox:
            if any(p.field == "mapi_encryption_required" for p in changed):
                note = "MAPIEncryptionRequired (not scripted: Set-MailboxServer applies only to Mailbox servers)"
                steps.append(Step("server", "change", server.name, (), (), note))
            continue
        has = {p.name for p in server.mailbox_settings()} | {"MAPIEncryptionRequired"}
        parts = [(p.name, _setting_literal(p, getattr(server, p.field))) for p in changed if p.name in has]
        if not parts:
            continue
        command = _cmd("Set-MailboxServer", ("Identity", server.name), *parts)
        steps.append(
            Step(
                "mailbox server", "change", server.name, (_backup("Get-MailboxServer", server.name, date),), (command,)
            )
        )
    return steps


_MAILBOX_SERVER_ROWS = SERVER.settable("Set-MailboxServer")


def _setting_literal(prop, value):
    """A setting's value as a script writes it: an empty list or text and a $null setting as $null, a size as its
    bytes, Unlimited as 'Unlimited' (the row's script value)."""
    written = prop.script_value(value)
    return _Raw("$null") if written is None or written in ((), "") else written


def _organization_steps(baseline: Organization, org: Organization, date: str) -> list[Step]:
    """The organisation-wide settings the catalogue has (TRANSPORT_CONFIG), each with the Set- cmdlet that sets it and
    its Get- twin for the backup."""
    steps = []
    for prop in TRANSPORT_CONFIG:
        value = getattr(org, prop.field)
        # A setting no server's version has is no parameter of their shells: there is nothing to write.
        if getattr(baseline, prop.field) == value or not prop.in_organization(org.servers):
            continue
        set_cmdlet, parameter = prop.settable[0], prop.name
        get_cmdlet = "Get-" + set_cmdlet.removeprefix("Set-")
        written = _setting_literal(prop, value)
        backup = _backup(get_cmdlet, get_cmdlet.removeprefix("Get-"), date, by_identity=False)
        steps.append(
            Step("organization setting", "change", parameter, (backup,), (_cmd(set_cmdlet, (parameter, written)),))
        )
    return steps


# --- Plans ---------------------------------------------------------------------------------------------------------


def _today() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%d")


def plan(baseline: Organization, org: Organization, date: str = "") -> list[Step]:
    """The minimal ordered steps from `baseline` to `org`: servers, organisation settings, new domains, domain
    changes (a new default before the old one goes), domain removals, then connectors removed (freeing bindings),
    changed, created."""
    date = date or _today()
    new_domains, changed_domains, removed_domains = _domain_steps(baseline, org, date)
    # Servers come and go with Setup, not with a script: their connectors are left to Setup too.
    installed = [s for s in org.servers if baseline.server(s.name) is None]
    uninstalled = [s for s in baseline.servers if org.server(s.name) is None]
    skipped = {s.name.casefold() for s in (*installed, *uninstalled)}
    pairs, removed_connectors = _pair_connectors(baseline, org)
    changed, created = [], []
    for old, connector in pairs:
        if connector.server.casefold() not in skipped:
            steps = connector_steps(old, connector, org, date)
            (changed if old else created).extend(steps)
    removed_connectors = [c for c in removed_connectors if c.server.casefold() not in skipped]
    return [
        *(Step("server", "install", s.name, (), ()) for s in installed),
        *(Step("server", "uninstall", s.name, (), ()) for s in uninstalled),
        *_server_steps(baseline, org, date),
        *_organization_steps(baseline, org, date),
        *new_domains,
        *changed_domains,
        *removed_domains,
        *(_remove_connector_step(c, date) for c in removed_connectors),
        *changed,
        *created,
    ]


def setup_baseline(org: Organization) -> Organization:
    """The lab as Setup leaves it: the same servers with Setup's connectors, MAPI encryption off and the mailbox
    settings at their defaults, the first accepted domain (the forest root, which Setup creates) as Setup creates it:
    named after itself, Authoritative, the default; the organisation's settings (TRANSPORT_CONFIG) at their defaults.
    Recipients and principals are not scripted."""
    servers = tuple(
        replace(s, mapi_encryption_required=False, **{p.field: p.default_for(s.version) for p in MAILBOX_SETTINGS})
        for s in org.servers
    )
    connectors = tuple(c for s in servers for c in default_connectors(s, org.domain_netbios))
    first = org.accepted_domains[:1]
    domains = tuple(AcceptedDomain(d.domain_name, d.domain_name, default=True) for d in first)
    return org.with_changes(
        servers=servers,
        connectors=connectors,
        accepted_domains=domains,
        **organization_defaults(servers),
    )


def _counts(steps: list[Step]) -> str:
    tally: dict[tuple[str, str], int] = {}
    for step in steps:
        tally[(step.kind, step.action)] = tally.get((step.kind, step.action), 0) + 1
    if not tally:
        return "nothing to change"
    return "; ".join(f"{action} {n} {kind}{'s' if n != 1 else ''}" for (kind, action), n in tally.items())


def render_steps(steps: list[Step], title: str, whatif: bool = False, when: datetime.datetime | None = None) -> str:
    when = when or datetime.datetime.now(datetime.UTC)
    lines = [
        comment(title),
        comment(f"Generated by exchsim on {when:%Y-%m-%d %H:%M} UTC for the Exchange Management Shell."),
        comment(f"Changes: {_counts(steps)}."),
    ]
    if whatif:
        lines.append(comment("-WhatIf: every change only reports what it would do."))
    for step in steps:
        lines += ["", comment(step.summary)]
        lines += step.backups
        for command in step.commands:
            lines += command.notes
            lines.append(command.text + (" -WhatIf" if whatif else ""))
    return "\n".join(lines) + "\n"


def render_lab(org: Organization, lab_name: str, whatif: bool = False, date: datetime.datetime | None = None) -> str:
    """The whole-lab script: Setup's defaults changed, plus every object Setup doesn't create."""
    steps = plan(setup_baseline(org), org, _stamp(date))
    return render_steps(steps, f"Whole-lab script for lab {lab_name} (from Setup's defaults)", whatif, date)


def render_plan(
    baseline: Organization,
    org: Organization,
    lab_name: str,
    baseline_name: str,
    whatif: bool = False,
    date: datetime.datetime | None = None,
) -> str:
    steps = plan(baseline, org, _stamp(date))
    return render_steps(steps, f"Plan: turns lab {baseline_name} into lab {lab_name}", whatif, date)


def render_rollback(
    baseline: Organization,
    org: Organization,
    lab_name: str,
    baseline_name: str,
    whatif: bool = False,
    date: datetime.datetime | None = None,
) -> str:
    steps = plan(org, baseline, _stamp(date))
    return render_steps(steps, f"Rollback: turns lab {lab_name} back into lab {baseline_name}", whatif, date)


def render_connector(org: Organization, connector: ReceiveConnector, whatif: bool = False) -> str:
    """One connector's commands, from Setup's version of it (a default connector) or from nothing."""
    baseline = setup_baseline(org)
    pairs, _ = _pair_connectors(baseline, org.with_changes(connectors=(connector,)))
    steps = connector_steps(pairs[0][0], connector, org)
    return render_steps(steps, f"Receive connector {connector.identity}", whatif)


def _stamp(date: datetime.datetime | None) -> str:
    return f"{date:%Y%m%d}" if date else _today()
