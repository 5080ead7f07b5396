"""Lab history: every change to a lab is one entry (who, when, from where, in words, as the EMS commands that make and
undo it) with the data to undo it, restore the lab to any earlier point, or diff two points.

An entry stores only what changed: each changed object's changed properties before and after (the whole object when
it was created or removed), in the lab file's JSON shape (labs.org_to_data). Earlier states are rebuilt backwards
from the lab as it is now: the state after entry N is the current lab with the `before` side of every later entry
applied, newest first, to the few servers those entries touched. That costs the number of changes since N, never the
lab's size, so no snapshots are kept (benchmarks/history.py measures it on the 100-server lab).

Every write records its entry in the same transaction, under the lab's lock (store.save_org and the lab creators
call `record`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from . import labs, models, store
from .convert import lab_to_org
from .exchange import powershell
from .exchange.errors import ExchangeError
from .exchange.model import Organization

PAGE, CONSOLE, CLI = "page", "console", "command line"
CREATIONS = models.HistoryEntry.CREATIONS  # no before: nothing to undo
ORGANIZATION, SERVER, CONNECTOR = "organization", "server", "receive connector"
DOMAIN, RECIPIENT, PRINCIPAL = "accepted domain", "recipient", "principal"
_LAB_WIDE = {DOMAIN: "accepted_domains", RECIPIENT: "recipients", PRINCIPAL: "principals"}
WHOLE = "*"  # the property of a touched object that was created or removed
SCRIPT_LIMIT = 64_000  # characters of EMS text kept per entry; the diff rebuilds any script from the data


class HistoryError(ExchangeError):
    """An undo, restore or diff that can't be done, said in words (which entry is in the way, and why)."""


@dataclass(frozen=True)
class Change:
    """Who makes a change, from where, and how they put it: passed with every write (labs.save_org, the creators)."""

    user: object = None
    source: str = CLI
    action: str = "edit"
    note: str = ""
    refers_to: int | None = None


def web_change(request, source: str = PAGE, note: str = "") -> Change:
    """A change made by the signed-in user from a page (an edit) or the console (a command)."""
    return Change(user=request.user, source=source, action="command" if source == CONSOLE else "edit", note=note)


# --- Objects as lab-file data ---------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return text.casefold()


def _index(data: dict) -> dict[str, dict]:
    """Lab-file data by kind, then by (server, name) folded: the tables a change is applied to."""
    servers, connectors = {}, {}
    for server in data["servers"]:
        server = dict(server)
        for connector in server.pop("receive_connectors"):
            connectors[(_fold(server["name"]), _fold(connector["name"]))] = connector
        servers[("", _fold(server["name"]))] = server
    index = {ORGANIZATION: {("", ""): data["organization"]}, SERVER: servers, CONNECTOR: connectors}
    for kind, key in _LAB_WIDE.items():
        index[kind] = {("", _fold(item["name"])): item for item in data[key]}
    return index


def _to_data(index: dict) -> dict:
    by_server: dict[str, list] = {}
    for (server, _name), connector in index[CONNECTOR].items():
        by_server.setdefault(server, []).append(connector)
    return {
        "format": labs.FORMAT_NAME,
        "version": labs.FORMAT_VERSION,
        "organization": index[ORGANIZATION][("", "")],
        "servers": [{**s, "receive_connectors": by_server.get(key[1], [])} for key, s in index[SERVER].items()],
        **{key: list(index[kind].values()) for kind, key in _LAB_WIDE.items()},
    }


def _keyed(items, key) -> dict:
    return {key(item): item for item in items}


def _differing(old: Iterable, new: Iterable, key) -> set:
    old, new = _keyed(old, key), _keyed(new, key)
    return {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}


def _name_key(item) -> str:
    return _fold(item.name)


def _connector_key(connector) -> tuple[str, str]:
    return _fold(connector.server), _fold(connector.name)


def _only_changed(before: Organization, after: Organization) -> tuple[Organization, Organization, set]:
    """Both organisations cut down to the objects that differ (plus the servers holding changed connectors, which
    the lab-file shape nests them in), and the folded names of the servers that themselves changed. Unchanged
    connectors are compared as engine values, so a whole-lab save converts only what changed."""
    connectors = _differing(before.connectors, after.connectors, _connector_key)
    servers = _differing(before.servers, after.servers, _name_key)
    holders = servers | {server for server, _ in connectors}
    lab_wide = {kind: _differing(getattr(before, f), getattr(after, f), _name_key) for kind, f in _LAB_WIDE.items()}

    def cut(org: Organization) -> Organization:
        return org.with_changes(
            servers=tuple(s for s in org.servers if _name_key(s) in holders),
            connectors=tuple(c for c in org.connectors if _connector_key(c) in connectors),
            **{f: tuple(i for i in getattr(org, f) if _name_key(i) in lab_wide[k]) for k, f in _LAB_WIDE.items()},
        )

    return cut(before), cut(after), servers


def changes_between(before: Organization, after: Organization) -> list[dict]:
    """The changed objects, each {kind, server, name, op, before, after}: op "create" or "remove" carries the whole
    object on one side, "change" only the changed properties on both."""
    small_before, small_after, changed_servers = _only_changed(before, after)
    old, new = _index(labs.org_to_data(small_before)), _index(labs.org_to_data(small_after))
    changes = []
    for kind in (ORGANIZATION, SERVER, CONNECTOR, *_LAB_WIDE):
        for key in {**old[kind], **new[kind]}:
            if kind == SERVER and key[1] not in changed_servers:
                continue
            was, now = old[kind].get(key), new[kind].get(key)
            record = {"kind": kind, "server": "", "name": (now or was).get("name", "")}
            if kind == CONNECTOR:
                record["server"] = next(s.name for s in (after if now else before).servers if _fold(s.name) == key[0])
            if was is None:
                changes.append({**record, "op": "create", "before": None, "after": now})
            elif now is None:
                changes.append({**record, "op": "remove", "before": was, "after": None})
            else:
                fields = [field for field in now if was.get(field) != now[field]]
                if fields:
                    was, now = {f: was.get(f) for f in fields}, {f: now[f] for f in fields}
                    changes.append({**record, "op": "change", "before": was, "after": now})
    return changes


def _touched(changes: list[dict]) -> list[list[str]]:
    touched = []
    for change in changes:
        obj = [change["kind"], _fold(change["server"]), _fold(change["name"])]
        fields = [WHOLE] if change["op"] != "change" else list(change["after"])
        touched += [[*obj, field] for field in fields]
    return touched


def _servers_of(changes: Iterable[dict]) -> set[str]:
    """The servers (as named in the entries) whose rows the changes concern."""
    names = set()
    for change in changes:
        if change["kind"] == CONNECTOR:
            names.add(change["server"])
        elif change["kind"] == SERVER:
            names.add(change["name"])
    return names


# --- The change in words and in EMS commands ------------------------------------------------------------------------

_LABELS = {
    **powershell.CONNECTOR_PARAMETERS,
    "acl": "Permissions",
    "usage": "Usage",
    "created_by_setup": "created by Setup",
    "ip_addresses": "IP addresses",
    "mapi_encryption_required": "MAPIEncryptionRequired",
    "domain_name": "DomainName",
    "domain_type": "DomainType",
    "default": "Default",
    "address_book_enabled": "AddressBookEnabled",
    "match_subdomains": "MatchSubDomains",
    "domain_netbios": "NetBIOS domain",
    "tls_receive_domain_secure_list": "TLSReceiveDomainSecureList",
    "recipient_validation_enabled": "RecipientValidationEnabled",
    "smtp_password": "SMTP password",
    "member_of": "MemberOf",
    "email": "e-mail",
}


def _label(field: str) -> str:
    return _LABELS.get(field) or field.replace("_", " ")


def _item_text(item) -> str:
    if isinstance(item, dict):  # an ACE
        return f"{'Deny ' if item.get('deny') else ''}{item['principal']} {item['right']}"
    return str(item)


def _short(value) -> str:
    text = "(none)" if value in (None, "") else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _field_words(field: str, old, new) -> str:
    if field == "smtp_password":
        return "SMTP password changed"
    if isinstance(old, list) and isinstance(new, list):
        old_texts, new_texts = [_item_text(i) for i in old], [_item_text(i) for i in new]
        added = [t for t in new_texts if t not in old_texts]
        removed = [t for t in old_texts if t not in new_texts]
        parts = []
        for verb, items in (("added", added), ("removed", removed)):
            if items:
                parts.append(f"{verb} {', '.join(items)}" if len(items) <= 3 else f"{verb} {len(items)}")
        return f"{_label(field)} ({'; '.join(parts) or 'reordered'})"
    return f"{_label(field)} {_short(old)} → {_short(new)}"


def _object_name(change: dict) -> str:
    if change["kind"] == CONNECTOR:
        return f"receive connector {change['server']}\\{change['name']}"
    if change["kind"] == ORGANIZATION:
        return "the organisation"
    return f"{change['kind']} {change['name']}"


def describe(changes: list[dict], limit: int = 4) -> str:
    """The change in words: "Removed 10.0.0.50 from …" style, one clause per object, the first `limit` of them."""
    clauses = []
    for change in changes[:limit]:
        name = _object_name(change)
        if change["op"] == "create":
            clauses.append(f"Created {name}")
        elif change["op"] == "remove":
            clauses.append(f"Removed {name}")
        else:
            fields = ", ".join(_field_words(f, change["before"][f], change["after"][f]) for f in change["after"])
            clauses.append(f"Changed {name}: {fields}")
    if len(changes) > limit:
        clauses.append(f"and {len(changes) - limit} more objects")
    return "; ".join(clauses)


def _script(steps: list[powershell.Step]) -> str:
    lines: list[str] = []
    for step in steps:
        if lines:
            lines.append("")
        lines.append(powershell.comment(step.summary))
        for command in step.commands:
            lines += [*command.notes, command.text]
    text = "\n".join(lines)
    if len(text) <= SCRIPT_LIMIT:
        return text
    cut = text.rfind("\n", 0, SCRIPT_LIMIT)
    rest = text[cut:].count("\n")
    return text[:cut] + "\n" + powershell.comment(f"… {rest} more lines: the History page's diff writes them all.")


def _on_servers(org: Organization, names: Iterable[str]) -> Organization:
    wanted = {_fold(name) for name in names}
    return org.with_changes(
        servers=tuple(s for s in org.servers if _name_key(s) in wanted),
        connectors=tuple(c for c in org.connectors if _fold(c.server) in wanted),
    )


# --- Recording ------------------------------------------------------------------------------------------------------


def _next_number(lab: models.Lab) -> int:
    last = lab.history.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


def _user(change: Change):
    user = change.user
    return user if user is not None and getattr(user, "is_authenticated", False) and user.pk else None


def _entry(lab: models.Lab, change: Change, **fields) -> models.HistoryEntry:
    return models.HistoryEntry.objects.create(
        lab=lab,
        number=_next_number(lab),
        user=_user(change),
        source=change.source,
        action=change.action,
        note=change.note,
        refers_to=change.refers_to,
        **fields,
    )


def record(lab: models.Lab, before: Organization, after: Organization, change: Change) -> models.HistoryEntry | None:
    """One entry for the change from `before` to `after` (the lab's servers being saved, or all of it); None when
    nothing changed. Call it inside the transaction that writes the change."""
    changes = changes_between(before, after)
    if not changes:
        return None
    servers = _servers_of(changes)
    old, new = _on_servers(before, servers), _on_servers(after, servers)
    return _entry(
        lab,
        change,
        summary=describe(changes),
        changes=changes,
        touched=_touched(changes),
        commands=_script(powershell.plan(old, new)),
        undo_commands=_script(powershell.plan(new, old)),
    )


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


_CREATION_WORDS = {
    "create": "Created the lab",
    "load": "Loaded the lab from a lab file",
    "copy": "Copied the lab",
    "scenario": "Started the scenario",
}
CREATION_SCRIPT_CONNECTORS = 100  # a bigger lab's whole-lab script is written on demand (manage.py exportps)


def record_creation(lab: models.Lab, org: Organization, change: Change) -> models.HistoryEntry:
    """The first entry of a new lab: what it holds, and the whole-lab script for a lab of a readable size."""
    contents = ", ".join(
        (
            _count(len(org.servers), "server"),
            _count(len(org.connectors), "receive connector"),
            _count(len(org.accepted_domains), "accepted domain"),
            _count(len(org.recipients), "recipient"),
        )
    )
    if len(org.connectors) <= CREATION_SCRIPT_CONNECTORS:
        steps = powershell.plan(powershell.setup_baseline(org), org)
        commands = _script(steps) or powershell.comment("As Setup leaves it: there is nothing to script.")
    else:
        commands = powershell.comment(f"A lab this size: manage.py exportps {lab.slug} writes its whole-lab script.")
    words = _CREATION_WORDS.get(change.action, "Created the lab")
    return _entry(lab, change, summary=f"{words}: {contents}", commands=commands)


# --- Going back -----------------------------------------------------------------------------------------------------


def _lab_server_names(lab: models.Lab, names: Iterable[str]) -> list[str]:
    """The named servers as the lab spells them (entries keep the spelling of their day), plus any it lacks."""
    stored = {_fold(name): name for name in lab.servers.values_list("name", flat=True)}
    return sorted({stored.get(_fold(name), name) for name in names})


def _apply(index: dict, changes: list[dict], side: str, servers: set[str]) -> None:
    """Set each changed object to its `side` ("before" or "after"); objects on servers outside `servers` (folded)
    are not loaded and are left alone."""
    for change in changes:
        kind = change["kind"]
        if kind == CONNECTOR and _fold(change["server"]) not in servers:
            continue
        if kind == SERVER and _fold(change["name"]) not in servers:
            continue
        key = (_fold(change["server"]), _fold(change["name"])) if kind == CONNECTOR else ("", _fold(change["name"]))
        if kind == ORGANIZATION:
            key = ("", "")
        table, value = index[kind], change[side]
        if change["op"] == "change":
            if key in table:
                table[key] = {**table[key], **value}
        elif value is None:
            table.pop(key, None)
        else:
            table[key] = dict(value)


def get_entry(lab: models.Lab, number) -> models.HistoryEntry:
    entry = lab.history.filter(number=number).first() if str(number).isdigit() else None
    if entry is None:
        raise HistoryError(f"The lab '{lab.slug}' has no history entry #{number}.")
    return entry


def _later(lab: models.Lab, number: int):
    return lab.history.filter(number__gt=number).order_by("-number")


def _changes_after(lab: models.Lab, number: int, up_to: int | None = None) -> list[list[dict]]:
    """The `changes` of the entries after `number` (up to `up_to`), newest first."""
    entries = lab.history.filter(number__gt=number)
    if up_to is not None:
        entries = entries.filter(number__lte=up_to)
    return list(entries.order_by("-number").values_list("changes", flat=True))


def _rewind(lab: models.Lab, index: dict | None, later: list[list[dict]], names: list[str]) -> dict:
    """The lab's data on the named servers (lab-wide parts whole) with the `before` side of each of `later`
    (newest first) applied: the lab as it was before them. `index` continues from an earlier rewind."""
    if index is None:
        index = _index(labs.org_to_data(lab_to_org(lab, names)))
    folded = {_fold(name) for name in names}
    for changes in later:
        _apply(index, changes, "before", folded)
    return index


def _names_of(lab: models.Lab, later: list[list[dict]]) -> list[str]:
    return _lab_server_names(lab, {name for changes in later for name in _servers_of(changes)})


def _org(index: dict) -> Organization:
    try:
        return labs.data_to_org(_to_data(index))
    except labs.LabFileError as error:
        raise HistoryError(f"The lab can't be put back that way: {error}") from None


def blocking_entry(lab: models.Lab, entry: models.HistoryEntry) -> tuple[models.HistoryEntry, list[str]] | None:
    """The first later entry that touched an object property `entry` touched (an object created or removed counts as
    all its properties), with what it touched; None when nothing later is in the way."""
    mine: dict[tuple, set[str]] = {}
    for kind, server, name, field in entry.touched:
        mine.setdefault((kind, server, name), set()).add(field)
    later = lab.history.filter(number__gt=entry.number).order_by("number").select_related("user")
    for other in later.only("number", "summary", "touched", "action", "refers_to", "created", "user__username"):
        for kind, server, name, field in other.touched:
            fields = mine.get((kind, server, name))
            if fields and (field == WHOLE or WHOLE in fields or field in fields):
                return other, [kind, server, name, field]
    return None


def _in_the_way(entry: models.HistoryEntry, other: models.HistoryEntry, touched: list[str]) -> str:
    if other.action == "undo" and other.refers_to == entry.number:
        return f"Entry #{entry.number} was already undone by #{other.number}."
    kind, server, name, field = touched
    what = f"{kind} {server + chr(92) if server else ''}{name}"
    what = f"{_label(field)} of {what}" if field != WHOLE else what
    return (
        f"Can't undo #{entry.number}: the later entry #{other.number} ({other.summary}) changed {what} too. "
        f"Undo #{other.number} first, or restore the lab to #{entry.number - 1}."
    )


def undo(lab: models.Lab, number, change: Change) -> models.HistoryEntry:
    """Apply entry `number`'s undo as a new entry; HistoryError names the later entry in the way, if any. The check
    and the write happen under the lab's lock, so no entry can slip in between."""
    with store.locked_lab(lab) as locked:
        return _undo(locked, number, change)


def _undo(lab: models.Lab, number, change: Change) -> models.HistoryEntry:
    entry = get_entry(lab, number)
    if entry.action in CREATIONS:
        raise HistoryError(f"Entry #{entry.number} created the lab: nothing comes before it. Delete the lab instead.")
    blocker = blocking_entry(lab, entry)
    if blocker:
        raise HistoryError(_in_the_way(entry, *blocker))
    names = _lab_server_names(lab, _servers_of(entry.changes))
    index = _index(labs.org_to_data(lab_to_org(lab, names)))
    _apply(index, entry.changes, "before", {_fold(n) for n in names})
    note = change.note or f"Undo of #{entry.number}: {entry.summary}"
    saved = labs.save_org(
        lab, _org(index), names, change=replace(change, action="undo", refers_to=entry.number, note=note)
    )
    if saved is None:
        raise HistoryError(f"Undoing #{entry.number} changes nothing: the lab is already as it was before it.")
    return saved


def restore(lab: models.Lab, number, change: Change) -> models.HistoryEntry:
    """Put the lab back as it was right after entry `number`, as a new entry (so a restore can be undone too)."""
    with store.locked_lab(lab) as locked:
        return _restore(locked, number, change)


def _restore(lab: models.Lab, number, change: Change) -> models.HistoryEntry:
    entry = get_entry(lab, number)
    later = _changes_after(lab, entry.number)
    names = _names_of(lab, later)
    index = _rewind(lab, None, later, names)
    note = change.note or f"Restore to #{entry.number}: {entry.summary}"
    saved = labs.save_org(
        lab, _org(index), names, change=replace(change, action="restore", refers_to=entry.number, note=note)
    )
    if saved is None:
        raise HistoryError(f"The lab is already as it was after #{entry.number}.")
    return saved


@dataclass(frozen=True)
class Diff:
    first: int
    second: int
    steps: list
    script: str


def diff(lab: models.Lab, first, second) -> Diff:
    """The plan from the lab as it was after entry `first` to the lab after entry `second` (either order)."""
    a, b = get_entry(lab, first).number, get_entry(lab, second).number
    low, high = sorted((a, b))
    between = _changes_after(lab, low, high)
    names = _names_of(lab, between)
    index = _rewind(lab, None, _changes_after(lab, high), names)
    at_high = _org(index)
    at_low = _org(_rewind(lab, index, between, names))
    start, end = (at_low, at_high) if a <= b else (at_high, at_low)
    steps = powershell.plan(start, end)
    title = f"Plan: turns lab {lab.name} as after #{a} into the lab as after #{b}"
    return Diff(a, b, steps, powershell.render_steps(steps, title))


def entry_size(entry: models.HistoryEntry) -> int:
    """Bytes an entry keeps: its change data and its EMS text (what storage grows by per change)."""
    data = json.dumps([entry.changes, entry.touched]).encode()
    return len(data) + len(entry.commands.encode()) + len(entry.undo_commands.encode()) + len(entry.summary.encode())
