"""History entries told for people: the kinds of object a change concerns, a summary of it in words, and its EMS
commands as kept text (connectors/history.py records and replays the entries)."""

from __future__ import annotations

from .exchange import powershell
from .exchange.directory_properties import PRINCIPAL as PRINCIPAL_PROPERTIES
from .exchange.organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from .exchange.server_properties import SERVER as SERVER_PROPERTIES

ORGANIZATION, SERVER, CONNECTOR = "organization", "server", "receive connector"
DOMAIN, RECIPIENT, PRINCIPAL = "accepted domain", "recipient", "principal"
WHOLE = "*"  # the property of a touched object that was created or removed
SCRIPT_LIMIT = 64_000  # characters of EMS text kept per entry; the diff rebuilds any script from the data


# A property by its Exchange name (the catalogue's); a field two object types share (name, kind) or whose Exchange
# name would mislead here (a lab's version is 2016, not an AdminDisplayVersion) keeps its words.
_SHARED = frozenset({"name", "kind", "roles", "version"})
_LABELS = {
    **powershell.CONNECTOR_PARAMETERS,
    **{
        p.field: p.name
        for properties in (SERVER_PROPERTIES, ACCEPTED_DOMAIN, TRANSPORT_CONFIG, PRINCIPAL_PROPERTIES)
        for p in properties
        if p.field not in _SHARED
    },
    "acl": "Permissions",
    "usage": "Usage",
    "created_by_setup": "created by Setup",
    "ip_addresses": "IP addresses",
    "domain_netbios": "NetBIOS domain",
    "smtp_password": "SMTP password",
    "email": "e-mail",
}


def label(field: str) -> str:
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
        return f"{label(field)} ({'; '.join(parts) or 'reordered'})"
    return f"{label(field)} {_short(old)} → {_short(new)}"


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


def script(steps: list[powershell.Step]) -> str:
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
