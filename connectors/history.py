"""Lab history: every change to a lab is one entry (who, when, from where, in words, as the EMS commands that make and
undo it) with the data to undo it, restore the lab to any earlier point, or diff two points.

An entry stores only what changed: each changed object's changed properties before and after (the whole object when
it was created or removed), in the lab file's JSON shape (labfile.org_to_data). Earlier states are rebuilt backwards
from the lab as it is now: the state after entry N is the current lab with the `before` side of every later entry
applied, newest first, to the objects those entries touched (only those are turned into data and back). That costs the
changes since N, not the lab's size, so no snapshots are kept (benchmarks/history.py measures it on the 100-server
lab).

Every write records its entry in the same transaction, under the lab's lock (store.save_org and the lab creators
call `record`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace

from . import labfile, models, store
from .exchange import powershell
from .exchange.errors import ExchangeError
from .exchange.model import Organization
from .history_words import CONNECTOR, DOMAIN, ORGANIZATION, PRINCIPAL, RECIPIENT, SERVER, WHOLE, describe, label, script
from .store import lab_to_org

PAGE, CONSOLE, CLI = "page", "console", "command line"
CREATIONS = models.HistoryEntry.CREATIONS  # no before: nothing to undo
_LAB_WIDE = {DOMAIN: "accepted_domains", RECIPIENT: "recipients", PRINCIPAL: "principals"}


class HistoryError(ExchangeError):
    """An undo, restore or diff that can't be done, said in words (which entry is in the way, and why)."""


@dataclass(frozen=True)
class Change:
    """Who makes a change, from where, and how they put it: passed with every write (store.save_org, the creators)."""

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
        "format": labfile.FORMAT_NAME,
        "version": labfile.FORMAT_VERSION,
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


def _cut(org: Organization, servers: set, connectors: set, lab_wide: dict | None = None) -> Organization:
    """`org` with only the named servers and connectors (folded keys), and the lab-wide objects named in `lab_wide`
    (kind -> keys; None keeps them whole)."""
    kept = {}
    if lab_wide is not None:
        kept = {f: tuple(i for i in getattr(org, f) if _name_key(i) in lab_wide[k]) for k, f in _LAB_WIDE.items()}
    return org.with_changes(
        servers=tuple(s for s in org.servers if _name_key(s) in servers),
        connectors=tuple(c for c in org.connectors if _connector_key(c) in connectors),
        **kept,
    )


def _only_changed(
    before: Organization, after: Organization, lab_wide_whole: bool = False
) -> tuple[Organization, Organization, set]:
    """Both organisations cut down to the objects that differ (plus the servers holding changed connectors, which
    the lab-file shape nests them in), and the folded names of the servers that themselves changed. Unchanged
    connectors are compared as engine values, so a whole-lab save converts only what changed. `lab_wide_whole`
    keeps every domain, recipient and principal (a plan needs all domains to script a new one right)."""
    connectors = _differing(before.connectors, after.connectors, _connector_key)
    servers = _differing(before.servers, after.servers, _name_key)
    holders = servers | {server for server, _ in connectors}
    lab_wide = None
    if not lab_wide_whole:
        lab_wide = {k: _differing(getattr(before, f), getattr(after, f), _name_key) for k, f in _LAB_WIDE.items()}
    return _cut(before, holders, connectors, lab_wide), _cut(after, holders, connectors, lab_wide), servers


def _plan_both_ways(before: Organization, after: Organization) -> tuple[list, list]:
    """The plan from `before` to `after` and back, over the objects that differ only (cheap on a big lab)."""
    old, new, _ = _only_changed(before, after, lab_wide_whole=True)
    return powershell.plan(old, new), powershell.plan(new, old)


def changes_between(before: Organization, after: Organization) -> list[dict]:
    """The changed objects, each {kind, server, name, op, before, after}: op "create" or "remove" carries the whole
    object on one side, "change" only the changed properties on both."""
    small_before, small_after, changed_servers = _only_changed(before, after)
    old, new = _index(labfile.org_to_data(small_before)), _index(labfile.org_to_data(small_after))
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
    forward, backward = _plan_both_ways(before, after)
    return _entry(
        lab,
        change,
        summary=describe(changes),
        changes=changes,
        touched=_touched(changes),
        commands=script(forward),
        undo_commands=script(backward),
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
        commands = script(steps) or powershell.comment("As Setup leaves it: there is nothing to script.")
    else:
        commands = powershell.comment(f"A lab this size: manage.py exportps {lab.slug} writes its whole-lab script.")
    words = _CREATION_WORDS.get(change.action, "Created the lab")
    return _entry(lab, change, summary=f"{words}: {contents}", commands=commands)


# --- Going back -----------------------------------------------------------------------------------------------------


def _change_key(change: dict) -> tuple[str, tuple[str, str]]:
    kind = change["kind"]
    if kind == ORGANIZATION:
        return kind, ("", "")
    return kind, (_fold(change["server"]), _fold(change["name"])) if kind == CONNECTOR else ("", _fold(change["name"]))


def _on(change: dict) -> str:
    """The folded name of the server a server or connector change is on."""
    return _fold(change["server"] if change["kind"] == CONNECTOR else change["name"])


def _apply(index: dict, changes: list[dict], side: str) -> None:
    """Set each changed object in `index` to its `side` ("before" or "after")."""
    for change in changes:
        kind, key = _change_key(change)
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


def _changes_after(lab: models.Lab, number: int, up_to: int | None = None) -> list[list[dict]]:
    """The `changes` of the entries after `number` (up to `up_to`), newest first."""
    entries = lab.history.filter(number__gt=number)
    if up_to is not None:
        entries = entries.filter(number__lte=up_to)
    return list(entries.order_by("-number").values_list("changes", flat=True))


def _names_of(lab: models.Lab, later: list[list[dict]]) -> list[str]:
    """The servers the entries touched, as the lab spells them now (plus any it no longer has)."""
    stored = {_fold(name): name for name in lab.servers.values_list("name", flat=True)}
    return sorted({stored.get(_fold(name), name) for changes in later for name in _servers_of(changes)})


def _rewind(org: Organization, later: list[list[dict]], only: set[str] | None = None) -> Organization:
    """`org` as it was before the entries `later` (newest first): only the objects they touched are turned into
    lab-file data, set to each entry's `before` side, read back and put in place; the rest of `org` is kept as is,
    so going back costs the changes, not the lab. `org` holds every server the entries touched, or `only` (folded
    server names) limits the rewind to those servers (and the lab-wide parts)."""
    if only is not None:
        later = [
            [c for c in changes if _change_key(c)[0] not in (SERVER, CONNECTOR) or _on(c) in only] for changes in later
        ]
    touched = {_change_key(change) for changes in later for change in changes}
    servers = {key[1] for kind, key in touched if kind == SERVER}
    connectors = {key for kind, key in touched if kind == CONNECTOR}
    index = _index(labfile.org_to_data(_cut(org, servers | {server for server, _ in connectors}, connectors)))
    for changes in later:
        _apply(index, changes, "before")
    try:
        part = labfile.data_to_org(_to_data(index))
    except labfile.LabFileError as error:
        raise HistoryError(f"The lab can't be put back that way: {error}") from None
    return _put_in_place(org, part, servers, connectors)


def _put_in_place(org: Organization, part: Organization, servers: set, connectors: set) -> Organization:
    """`org` with the touched servers and connectors replaced by (or removed for lack of) `part`'s, and the
    lab-wide parts and settings taken from `part` (it holds them whole)."""

    def merged(items, new_items, key, touched):
        new = {key(item): item for item in new_items if key(item) in touched}
        kept = [new.pop(key(item), None) if key(item) in touched else item for item in items]
        return tuple(item for item in kept if item is not None) + tuple(new.values())

    return part.with_changes(
        servers=merged(org.servers, part.servers, _name_key, servers),
        connectors=merged(org.connectors, part.connectors, _connector_key, connectors),
    )


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


def _spelled(entry: models.HistoryEntry, kind: str, server: str, name: str) -> tuple[str, str]:
    """The (server, name) of a touched object as the entry spells them (`touched` holds them folded)."""
    for change in entry.changes:
        if change["kind"] == kind and _fold(change["server"]) == server and _fold(change["name"]) == name:
            return change["server"], change["name"]
    return server, name


def _in_the_way(entry: models.HistoryEntry, other: models.HistoryEntry, touched: list[str]) -> str:
    if other.action == "undo" and other.refers_to == entry.number:
        return f"Entry #{entry.number} was already undone by #{other.number}."
    kind, server, name, field = touched
    server, name = _spelled(entry, kind, server, name)
    what = f"{kind} {server + chr(92) if server else ''}{name}"
    what = f"{label(field)} of {what}" if field != WHOLE else what
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
    names = _names_of(lab, [entry.changes])
    org = _rewind(lab_to_org(lab, names), [entry.changes])
    note = change.note or f"Undo of #{entry.number}: {entry.summary}"
    saved = store.save_org(lab, org, names, change=replace(change, action="undo", refers_to=entry.number, note=note))
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
    org = _rewind(lab_to_org(lab, names), later)
    note = change.note or f"Restore to #{entry.number}: {entry.summary}"
    change = replace(change, action="restore", refers_to=entry.number, note=note)
    saved = store.save_org(lab, org, names, change=change)
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
    only = {_fold(name) for name in names}
    at_high = _rewind(lab_to_org(lab, names), _changes_after(lab, high), only)
    at_low = _rewind(at_high, between, only)
    start, end = (at_low, at_high) if a <= b else (at_high, at_low)
    steps = _plan_both_ways(start, end)[0]
    title = f"Plan: turns lab {lab.name} as after #{a} into the lab as after #{b}"
    return Diff(a, b, steps, powershell.render_steps(steps, title))


def entry_size(entry: models.HistoryEntry) -> int:
    """Bytes an entry keeps: its change data and its EMS text (what storage grows by per change)."""
    data = json.dumps([entry.changes, entry.touched]).encode()
    return len(data) + len(entry.commands.encode()) + len(entry.undo_commands.encode()) + len(entry.summary.encode())
