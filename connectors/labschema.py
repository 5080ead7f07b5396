"""The lab file's schema (docs/lab-format.md), declared once as data: every key with its JSON type, default, allowed
values and length. `problems(data)` checks a decoded file against it before anything is built, so the readers in
labfile.py only see the types they expect; each problem is named by its path (servers[0].receive_connectors[2].usage).

Lengths and NUL come from the engine's limits (exchange/limits.py), so a file, a form and the console refuse the same
value with the same words. Values whose rules span fields (auth combinations, ranges, domains) are the engine's.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field, replace

from . import models
from .exchange import directory_properties, organization_properties, server_properties
from .exchange.catalogue import USAGES, PermissionGroup, group_name
from .exchange.directory_properties import ACE_OPTIONS
from .exchange.limits import TEXT_LIMITS, field_text_errors
from .exchange.model import (
    ACE,
    AcceptedDomain,
    ExchangeVersion,
    Organization,
    Principal,
    ReceiveConnector,
    Recipient,
    Server,
    ServerRole,
)
from .exchange.organization_properties import TRANSPORT_CONFIG
from .exchange.receive_connector_properties import COMPUTED, RECEIVE_CONNECTOR

REQUIRED = object()
FORMAT_NAME = "exchsim-lab"
FORMAT_VERSION = 1
LAB_NAME_LENGTH = models.Lab._meta.get_field("name").max_length

_JSON_TYPES = {
    "text": ((str,), "a string"),
    "flag": ((bool,), "true or false"),
    "number": ((int,), "a whole number"),
    "texts": ((list,), "a list of strings"),
    "objects": ((list,), "a list of objects"),
    "object": ((dict,), "an object"),
}


@dataclass(frozen=True)
class Key:
    """One key of a lab-file object. `engine` names the engine field whose text limits apply; `choices` are compared
    case-insensitively, as Exchange's enum binder does; `of` is the schema of a nested object or of each list item."""

    kind: str
    default: object = REQUIRED
    nullable: bool = False
    choices: tuple[str, ...] = ()
    engine: tuple[type, str] | None = None
    length: int | None = None
    of: dict[str, Key] = field(default_factory=dict)


def _values(enum_type) -> tuple[str, ...]:
    return tuple(member.value for member in enum_type)


_DEFAULT_CONNECTOR = ReceiveConnector(server="", name="")


def _key(prop, engine_type: type, *, required: bool = False, choices: tuple[str, ...] = ()) -> Key:
    """A lab-file key from a catalogue row: its JSON type from the property's kind, its default the row's JSON form
    (prop.data), its choices the enum's, its lengths the engine's limits (exchange/limits.py)."""
    default = REQUIRED if required else prop.data(prop.default)
    if isinstance(default, tuple):
        default = list(default)
    limited = (engine_type, prop.field) if prop.field in TEXT_LIMITS[engine_type] else None
    if prop.kind.label == "bool":
        return Key("flag", default)
    if prop.kind.label in ("int", "Unlimited<int>", "ByteQuantifiedSize", "Unlimited<ByteQuantifiedSize>"):
        return Key("number", default, nullable=prop.nullable or prop.kind.label.startswith("Unlimited"))
    choices = choices or (prop.kind.names() if prop.kind.label == "enum" else ())
    if prop.kind.multi:
        return Key("texts", default, choices=choices, engine=limited, length=None if limited else 100)
    length = None if limited else 255
    return Key("text", default, nullable=prop.nullable, choices=choices, engine=limited, length=length)


def _keys(properties, engine_type: type, *, required=(), skip=(), **choices) -> dict[str, Key]:
    """The keys of one object type: one per catalogued property it stores, in the catalogue's order."""
    return {
        prop.field: _key(prop, engine_type, required=prop.field in required, choices=choices.get(prop.field, ()))
        for prop in properties
        if prop.field not in COMPUTED and prop.field not in skip
    }


ORGANIZATION = {
    "name": Key("text", "Contoso", engine=(Organization, "name")),
    "domain_netbios": Key("text", "CONTOSO", engine=(Organization, "domain_netbios")),
    **_keys(TRANSPORT_CONFIG, Organization),
}
ACE_KEYS = {
    "principal": Key("text", engine=(ACE, "principal")),
    "right": Key("text", length=100),
    "deny": Key("flag", False),
    "inherited": Key("flag", False),
    "group": Key("text", None, nullable=True, choices=tuple(group_name(group) for group in PermissionGroup if group)),
    # Add-ADPermission's ACE options (optional; a lab file leaves out the defaults): inheritance_type, the object types
    **{
        prop.field: replace(_key(prop, ACE), nullable=True) if prop.kind.label == "text" else _key(prop, ACE)
        for prop in ACE_OPTIONS
    },
}
# Every catalogued connector property is a key (docs/lab-format.md), held as the catalogue's JSON form (prop.data).
CONNECTOR_PROPERTIES = tuple(p for p in RECEIVE_CONNECTOR if p.field not in COMPUTED and p.field != "server")
CONNECTOR = {
    "usage": Key("text", _DEFAULT_CONNECTOR.usage, choices=("", *USAGES)),
    # a connector names itself and where it listens
    **_keys(RECEIVE_CONNECTOR, ReceiveConnector, required={"name", "bindings", "remote_ip_ranges"}, skip={"server"}),
    "created_by_setup": Key("flag", False),
    "acl": Key("objects", [], of=ACE_KEYS),
}
SERVER = {
    # is_edge follows from the roles; a lab file gives a server's version by its name (2016), not its build
    **_keys(
        server_properties.SERVER,
        Server,
        required={"name", "fqdn", "version", "roles"},
        skip={"is_edge"},
        version=_values(ExchangeVersion),
        roles=_values(ServerRole),
    ),
    "receive_connectors": Key("objects", [], of=CONNECTOR),
}
ACCEPTED_DOMAIN = _keys(organization_properties.ACCEPTED_DOMAIN, AcceptedDomain, required={"name", "domain_name"})
RECIPIENT = _keys(directory_properties.RECIPIENT, Recipient, required={"name", "addresses"})
PRINCIPAL = {
    **_keys(directory_properties.PRINCIPAL, Principal, required={"name"}),
    "smtp_password": Key("text", None, nullable=True, engine=(Principal, "smtp_password")),  # null: no SMTP AUTH
}
LAB_FILE = {
    "format": Key("text", choices=(FORMAT_NAME,)),
    "version": Key("number"),
    "name": Key("text", "", length=LAB_NAME_LENGTH),
    "description": Key("text", ""),
    "organization": Key("object", {}, of=ORGANIZATION),
    "servers": Key("objects", [], of=SERVER),
    "accepted_domains": Key("objects", [], of=ACCEPTED_DOMAIN),
    "recipients": Key("objects", [], of=RECIPIENT),
    "principals": Key("objects", [], of=PRINCIPAL),
}


def join(path: str, key: str) -> str:
    shown = key if len(key) <= 40 else f"{key[:40]}…"
    return f"{path}.{shown}" if path else shown


def describe(value) -> str:
    """A short, safe rendering of a wrong value (never the whole of a huge or deeply nested one)."""
    if isinstance(value, str):
        return json.dumps(value[:40] + ("…" if len(value) > 40 else ""), ensure_ascii=False)
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        text = json.dumps(value) if not isinstance(value, int) or value.bit_length() < 64 else "a huge number"
        return text
    return "a list" if isinstance(value, list) else "an object"


def _is(kind: str, value) -> bool:
    types, _ = _JSON_TYPES[kind]
    return isinstance(value, types) and not (kind == "number" and isinstance(value, bool))


def _text_problems(path: str, key: Key, text: str) -> list[tuple[str, str]]:
    if key.engine is not None:
        return [(path, error.message) for error in field_text_errors(*key.engine, text)]
    if "\0" in text:
        return [(path, "contains the null character (U+0000), which can't be stored")]
    if key.length is not None and len(text) > key.length:
        return [(path, f"is {len(text)} characters long; the longest allowed is {key.length}")]
    return []


def _choice_problems(path: str, key: Key, text: str) -> list[tuple[str, str]]:
    if not key.choices or text.casefold() in {choice.casefold() for choice in key.choices}:
        return []
    shown = ", ".join(f'"{choice}"' for choice in key.choices)
    return [(path, f"must be one of {shown}, not {describe(text)}")]


def _value_problems(path: str, key: Key, value) -> list[tuple[str, str]]:
    """Problems of one value against its key; nested objects are returned for the caller to walk (no recursion)."""
    if value is None and key.nullable:
        return []
    if not _is(key.kind, value):
        wording = _JSON_TYPES[key.kind][1] + (" or null" if key.nullable else "")
        return [(path, f"must be {wording}, not {describe(value)}")]
    if key.kind == "text":
        return _text_problems(path, key, value) or _choice_problems(path, key, value)
    if key.kind == "texts":
        found = []
        for index, item in enumerate(value):
            item_path = f"{path}[{index}]"
            if not isinstance(item, str):
                found.append((item_path, f"must be a string, not {describe(item)}"))
            else:
                found += _text_problems(item_path, key, item) or _choice_problems(item_path, key, item)
        return found
    if key.kind == "objects":
        return [
            (f"{path}[{index}]", f"must be an object, not {describe(item)}")
            for index, item in enumerate(value)
            if not isinstance(item, dict)
        ]
    return []


def problems(data) -> list[tuple[str, str]]:
    """Every way `data` (a decoded lab file) breaks the schema, as (path, message), level by level. The walk keeps a
    queue rather than recursing, so no nesting depth costs stack (json.loads itself stops near 1,000 levels)."""
    if not isinstance(data, dict):
        return [("", "A lab file is a JSON object.")]
    if data.get("format") != FORMAT_NAME:
        return [("format", f'must be "{FORMAT_NAME}"')]
    if data.get("version") != FORMAT_VERSION:
        return [("version", f"must be {FORMAT_VERSION}; this exchsim reads lab format version {FORMAT_VERSION}")]
    found: list[tuple[str, str]] = []
    pending = deque([("", data, LAB_FILE)])  # (path, object, its schema)
    while pending:
        path, obj, schema = pending.popleft()
        for name in obj:
            if name not in schema:
                found.append((join(path, name), f"unknown key; expected one of: {', '.join(schema)}"))
        for name, key in schema.items():
            key_path = join(path, name)
            if name not in obj:
                if key.default is REQUIRED:
                    found.append((key_path, "is required"))
                continue
            value = obj[name]
            value_problems = _value_problems(key_path, key, value)
            found += value_problems
            if value_problems or not key.of:
                continue
            if key.kind == "object":
                pending.append((key_path, value, key.of))
            else:
                pending.extend((f"{key_path}[{index}]", item, key.of) for index, item in enumerate(value))
    return found


def with_defaults(obj: dict, schema: dict[str, Key]) -> dict:
    """`obj` (already checked) with every absent optional key set to its default."""
    return {name: obj.get(name, None if key.default is REQUIRED else key.default) for name, key in schema.items()}
