"""What the console's objects show: the rows Get- cmdlets return that aren't engine objects, each object's properties
by their EMS names in EMS's order (the Format-List property table), and Format-List / Format-Table / the default view
as EMS prints them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, make_dataclass
from dataclasses import field as dc_field

from . import acl, psgetmember
from .model import ACE, AcceptedDomain, ExchangeVersion, Organization, ReceiveConnector, Server
from .organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from .property_kinds import ByteSize
from .property_rows import PropertySet
from .psdates import general
from .psobjects import (
    BindingText,
    ExtendedRightText,
    PrincipalText,
    RangeText,
    Size,
    UnlimitedNumber,
    unlimited,
)
from .psvalues import double_text, has_wildcard, wildcard
from .receive_connector_properties import RECEIVE_CONNECTOR
from .server_properties import MAILBOX_SETTINGS, SERVER


@dataclass(frozen=True)
class Permission:
    """One row of Get-ADPermission: an ACE on a connector."""

    connector: ReceiveConnector
    ace: ACE


@dataclass(frozen=True)
class MailboxServer:
    """One row of Get-MailboxServer: a server with the Mailbox role, shown with its mailbox settings."""

    server: Server

    @property
    def name(self) -> str:
        return self.server.name


def _settings_object(class_name: str, cmdlet: str, doc: str) -> type:
    """The row a Get- cmdlet of the organisation's settings returns: one field per catalogue row its Set- twin sets
    (TRANSPORT_CONFIG), in the catalogue's order; `of(org)` reads them from the organisation."""
    rows = TRANSPORT_CONFIG.settable(cmdlet)
    cls = make_dataclass(
        class_name,
        [(p.field, p.kind.python, dc_field(default=p.default)) for p in rows],
        frozen=True,
        namespace={"__doc__": doc, "cmdlet": cmdlet},
    )
    cls.of = classmethod(lambda cls, org: cls(**{p.field: getattr(org, p.field) for p in rows}))
    return cls


TransportConfig = _settings_object(
    "TransportConfig", "Set-TransportConfig", "What Get-TransportConfig shows of the organisation's settings."
)
RecipientFilterConfig = _settings_object(
    "RecipientFilterConfig", "Set-RecipientFilterConfig", "What Get-RecipientFilterConfig shows of the organisation."
)


_VERSIONS = {
    ExchangeVersion.E2007: "Version 8.3 (Build 83.6)",
    ExchangeVersion.E2010: "Version 14.3 (Build 123.4)",
    ExchangeVersion.E2013: "Version 15.0 (Build 1497.2)",
    ExchangeVersion.E2016: "Version 15.1 (Build 2507.6)",
    ExchangeVersion.E2019: "Version 15.2 (Build 1544.4)",
    ExchangeVersion.SE: "Version 15.2 (Build 2562.17)",
}


_GUIDS = uuid.UUID("6f1c3a52-8d0e-4b7a-9c2e-3f5d7a1b9e40")


def connector_guid(connector: ReceiveConnector) -> uuid.UUID:
    """The connector's Guid: stable for its identity (the model keeps no AD object GUID; docs/decisions.md)."""
    return uuid.uuid5(_GUIDS, connector.identity.casefold())


def server_domain(server: Server) -> str:
    """The server's AD domain, as its FQDN's parent (the model keeps no forest name)."""
    return server.fqdn.partition(".")[2] or server.fqdn


def server_dn(org: Organization, server: Server) -> str:
    """The server's DistinguishedName in the configuration partition, as Setup names it (docs/decisions.md)."""
    domain = ",".join(f"DC={part}" for part in server_domain(server).split(".") if part) or "DC=local"
    return (
        f"CN={server.name},CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,"
        f"CN={org.name},CN=Microsoft Exchange,CN=Services,CN=Configuration,{domain}"
    )


def connector_dn(org: Organization, connector: ReceiveConnector) -> str | None:
    server = org.server(connector.server)
    if server is None:
        return None
    return f"CN={connector.name},CN=SMTP Receive Connectors,CN=Protocols,{server_dn(org, server)}"


_NAMES: dict = {}  # (version, edge) -> a connector's property names, in EMS's order


def property_names(obj, org: Organization) -> list[str]:
    """The names of the object's properties, in EMS's order, without computing their values."""
    if not isinstance(obj, ReceiveConnector):
        return list(properties(obj, org))
    server = org.server(obj.server)
    key = (server.version, server.is_edge) if server else None
    if key not in _NAMES:
        _NAMES[key] = [p.name for p in RECEIVE_CONNECTOR if server is None or p.has(*key)] + [
            "DistinguishedName",
            "Guid",
        ]
    return _NAMES[key]


def property_value(obj, org: Organization, name: str):
    """One property of the object by its EMS name (a connector's computed alone: a script reading $c.Name over a
    thousand connectors doesn't pay for each one's ACL and ranges)."""
    if not isinstance(obj, ReceiveConnector):
        return properties(obj, org)[name]
    if name == "PermissionGroups":  # read back from the ACL, not what -PermissionGroups last wrote
        server = org.server(obj.server)
        groups = acl.read_permission_groups(obj.acl, server, org.domain_netbios) if server else 0
        return RECEIVE_CONNECTOR.by_name("PermissionGroups").shown(groups)
    if name == "Guid":
        return connector_guid(obj)
    if name == "DistinguishedName":
        return connector_dn(org, obj)
    if name == "Bindings":  # EMS's text, with their members ($c.Bindings[0].Port)
        return [BindingText(b) for b in obj.bindings]
    if name == "RemoteIPRanges":
        return [RangeText(r) for r in obj.remote_ip_ranges]
    prop = RECEIVE_CONNECTOR.by_name(name)
    return held(prop, getattr(obj, prop.field))


def held(prop, value):
    """A catalogued value as EMS holds it: a size as a Size (compares as its bytes), an Unlimited<T> with .Value
    and .IsUnlimited, anything else as the row shows it."""
    if prop.kind.label.startswith("Unlimited<"):
        return unlimited(prop.kind.label, value)
    if isinstance(prop.kind, ByteSize) and value is not None:
        return Size(value)
    return prop.shown(value)


def properties(obj, org: Organization) -> dict:
    """The object's properties by their real EMS names, in EMS's order."""
    if isinstance(obj, ReceiveConnector):
        return {name: property_value(obj, org, name) for name in property_names(obj, org)}
    if isinstance(obj, Permission):
        # EMS's order (an ADAcePresentationObject's Format-List); the ACE options are the stored ones (the catalogue).
        ace = obj.ace
        return {
            "AccessRights": ["ExtendedRight"],
            "ExtendedRights": [ExtendedRightText(ace.right)],  # identity parameters: .RawIdentity
            "ChildObjectTypes": list(ace.child_object_types) or None,
            "InheritedObjectType": ace.inherited_object_type,
            "Properties": list(ace.object_properties) or None,
            "Deny": ace.deny,
            "InheritanceType": ace.inheritance_type,
            "User": PrincipalText(ace.principal),
            "Identity": obj.connector.identity,
            "IsInherited": ace.inherited,
        }
    # Each holds its cmdlet's part of the organisation's settings; a setting no server's version has isn't shown.
    if isinstance(obj, TransportConfig | RecipientFilterConfig):
        return _catalogued(obj, TRANSPORT_CONFIG, org)
    if isinstance(obj, AcceptedDomain):
        return {**_catalogued(obj, ACCEPTED_DOMAIN, org), "Identity": obj.name}
    if isinstance(obj, MailboxServer):
        return _mailbox_server(obj.server)
    # IPAddresses is exchsim's (where the server listens), no property of Get-ExchangeServer; the mailbox settings
    # are Get-MailboxServer's.
    shown = {
        name: value
        for name, value in _catalogued(obj, SERVER).items()
        if name != "IPAddresses" and MAILBOX_SETTINGS.by_name(name) is None
    }
    shown["ServerRole"] = ", ".join(sorted(role.value for role in obj.roles))  # EMS prints the roles as one text
    shown["AdminDisplayVersion"] = _VERSIONS[obj.version]
    shown.update(obj.role_flags())  # scripts pick servers by them: Where {$_.IsHubTransportServer -eq $true}
    shown["IsExchange2007OrLater"] = True
    shown["IsE14OrLater"] = obj.version.is_e14_or_later
    shown["IsE15OrLater"] = obj.version.is_e15_or_later
    shown["Identity"] = obj.name
    shown["Domain"] = server_domain(obj)
    # the AD site, as EMS prints an ADObjectId: one site per lab, the one Active Directory names first
    shown["Site"] = f"{server_domain(obj)}/Configuration/Sites/Default-First-Site-Name"
    shown["DistinguishedName"] = server_dn(org, obj)
    return shown


def _mailbox_server(server: Server) -> dict:
    """Get-MailboxServer's properties: the name, the Set-MailboxServer settings the server's version has (a size as a
    Size, which compares as its bytes), then what it is."""
    has = {prop.name for prop in server.mailbox_settings()}
    shown: dict = {"Name": server.name}
    for prop in SERVER.settable("Set-MailboxServer"):
        if prop.name in has or MAILBOX_SETTINGS.by_name(prop.name) is None:
            shown[prop.name] = held(prop, getattr(server, prop.field))
    shown["ServerRole"] = ", ".join(sorted(role.value for role in server.roles))
    shown["AdminDisplayVersion"] = _VERSIONS[server.version]
    shown["Fqdn"] = server.fqdn
    shown["Identity"] = server.name
    return shown


def _catalogued(obj, properties: PropertySet, org: Organization | None = None) -> dict:
    """The catalogued properties the object holds, by their EMS names, as EMS holds their values (a size as a Size,
    which compares as its bytes; with `org`, only the organisation-wide ones its servers' versions have)."""
    shown = {}
    for p in properties:
        if hasattr(obj, p.field) and (org is None or p.in_organization(org.servers)):
            shown[p.name] = held(p, getattr(obj, p.field))
    return shown


# EMS's default table heads IsInherited "Inherited" (Get-/Add-ADPermission); a chosen column keeps its own name.
_DEFAULT_HEADINGS = {"IsInherited": "Inherited"}
# Objects EMS shows as a list by default.
_LIST_VIEWS = (TransportConfig, RecipientFilterConfig)
ENGINE_OBJECTS = (  # the lab's objects as EMS shows them (properties() knows each)
    ReceiveConnector,
    Permission,
    AcceptedDomain,
    Server,
    MailboxServer,
    TransportConfig,
    RecipientFilterConfig,
)
_GROUP_COLUMNS = ("Count", "Name", "Group")


def _default_columns(obj) -> tuple[str, ...]:
    if isinstance(obj, ReceiveConnector):
        return ("Identity", "Bindings", "Enabled")
    if isinstance(obj, Permission):
        return ("Identity", "User", "Deny", "IsInherited")
    if isinstance(obj, AcceptedDomain):
        return ("Name", "DomainName", "DomainType", "Default")
    return ("Name", "ServerRole", "AdminDisplayVersion", "MAPIEncryptionRequired")


def cell(value) -> str:
    """A value as EMS prints it in a list or table: lists in braces, booleans True/False, $null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return "{" + ", ".join(cell(v) for v in value) + "}"
    if isinstance(value, float):
        return double_text(value)
    if isinstance(value, dt.datetime):
        return general(value)
    if hasattr(value, "statements"):  # a script block shows its text without the braces
        return value.text[1:-1]
    return str(value)


_show = cell

# EMS's RemoteExchange.ps1 sets $FormatEnumerationLimit = 16 (PowerShell's own default is 4). The views read the
# running script's variable through this, so `$FormatEnumerationLimit = -1` in a script shows every value.
EMS_ENUMERATION_LIMIT = 16
ENUMERATION_LIMIT: ContextVar[Callable[[], object] | None] = ContextVar("enumeration_limit", default=None)


POWERSHELL_ENUMERATION_LIMIT = 4  # InitialSessionState.DefaultFormatEnumerationLimit


def _enumeration_limit() -> int:
    """The variable when it holds an Int32, else PowerShell's default, 4: the formatter takes nothing else (a text
    "5", a double 2.0 or $null), as InnerFormatShapeCommand.FormatEnumerationLimit reads it."""
    read = ENUMERATION_LIMIT.get()
    value = read() if read is not None else EMS_ENUMERATION_LIMIT
    if isinstance(value, int) and not isinstance(value, bool) and -(1 << 31) <= value < 1 << 31:
        return value
    return POWERSHELL_ENUMERATION_LIMIT


def shown(value) -> str:
    """A value as a list or table view shows it: a collection past $FormatEnumerationLimit items cut there, with
    `...` after the last one shown (`{a, b, c...}`), as PowerShell's formatter cuts it; a negative limit cuts
    nothing. Files (Export-Csv, ConvertTo-Html) take cell(), uncut."""
    if not isinstance(value, list):
        return cell(value)
    limit = _enumeration_limit()
    if limit < 0 or len(value) <= limit:
        return "{" + ", ".join(shown(v) for v in value) + "}"
    return "{" + ", ".join(shown(v) for v in value[:limit]) + "...}"


def _engine(item):
    """The engine object an item shows, or None (a [PSCustomObject], a Select-Object row, a scalar)."""
    if isinstance(item, ENGINE_OBJECTS):
        return item
    source = getattr(item, "source", None)
    return source if isinstance(source, ENGINE_OBJECTS) else None


def row(item, org: Organization) -> dict:
    """An item's properties by name, in EMS's order."""
    if isinstance(item, ENGINE_OBJECTS):
        return properties(item, org)
    props = getattr(item, "props", None)
    if props is not None:
        return props
    if isinstance(item, dict):
        return {"Name": None, "Value": None}
    if hasattr(item, "ps_properties"):  # an IPRange or IPBinding: its bounds, its address and port
        return item.ps_properties()
    return {"Length": len(item)} if isinstance(item, str) else {}


def matching(props: dict, pattern: str) -> list[str]:
    """The property names a Format-List / Select-Object name matches (-like's wildcards, no case)."""
    if pattern == "*":
        return list(props)
    test = wildcard(pattern)
    return [name for name in props if test.fullmatch(name)]


def _select(props: dict, wanted: list[str]) -> dict:
    if not wanted or wanted == ["*"]:
        return props
    chosen = {}
    for pattern in wanted:
        for name in matching(props, str(pattern)):
            chosen[name] = props[name]
        if not has_wildcard(str(pattern)) and not matching(props, str(pattern)):
            chosen[str(pattern)] = None  # EMS shows a column it doesn't know, empty; a pattern matching none, none
    return chosen


def list_view(items: list, org: Organization, wanted: list = ()) -> list[str]:
    lines = [""]
    for item in items:
        props = _select(row(item, org), [str(w) for w in wanted])
        width = max((len(name) for name in props), default=0)
        lines += [f"{name.ljust(width)} : {shown(value)}" for name, value in props.items()] + [""]
    return lines


def table_view(items: list, org: Organization, wanted: list = (), wrap: bool = False) -> list[str]:
    if not items:
        return []
    first = items[0]
    engine = _engine(first)
    entries = _is_entry(first)
    if wanted:
        columns = list(_select(row(first, org), [str(w) for w in wanted]))
    elif engine is not None:
        columns = list(_default_columns(engine))
    elif entries:  # DotNetTypes.format.ps1xml's DictionaryEntry view: Name, Value (not its Key)
        columns = ["Name", "Value"]
    else:
        columns = list(row(first, org))
    headings = [_DEFAULT_HEADINGS.get(c, c) for c in columns] if engine is not None and not wanted else columns
    rows, first_values = [], None
    for item in items:
        props = row(item, org)
        first_values = [props.get(c) for c in columns] if first_values is None else first_values
        rows.append([shown(props.get(c)) for c in columns])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headings)]
    # PowerShell right-aligns a column (its heading too) whose first value is a number; an EMS size isn't one.
    right = [_is_number(v) and not (entries and not wanted) for v in first_values]  # the view aligns left

    def line(cells):
        return " ".join(
            c.rjust(width) if flush else c.ljust(width) for c, width, flush in zip(cells, widths, right, strict=True)
        ).rstrip()

    return ["", line(headings), line("-" * len(h) for h in headings), *(line(r) for r in rows), ""]


def _is_entry(item) -> bool:
    return getattr(item, "type_name", None) == "System.Collections.DictionaryEntry"


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool | Size | UnlimitedNumber)


def format_list(objects: list, org: Organization, wanted: list[str] = ()) -> list[str]:
    return list_view(objects, org, wanted)


def format_table(objects: list, org: Organization, wanted: list[str] = ()) -> list[str]:
    return table_view(objects, org, wanted)


def format_default(objects: list, org: Organization) -> list[str]:
    """What EMS prints for objects left at the end of a pipeline: its default list or table view."""
    first = _engine(objects[0]) if objects else None
    if first is not None:
        return list_view(objects, org) if isinstance(first, _LIST_VIEWS) else table_view(objects, org)
    if objects and len(row(objects[0], org)) > 4:
        return list_view(objects, org)
    return table_view(objects, org)


def _shape(item):
    if getattr(item, "type_name", None) == psgetmember.MEMBER_DEFINITION:
        return "members"
    if hasattr(item, "display"):  # Select-String's MatchInfo: printed as its own lines
        return "display"
    engine = _engine(item)
    if engine is not None:
        return type(engine)
    if hasattr(item, "props"):
        return ("object", tuple(item.props))
    if isinstance(item, dict):
        return dict
    if isinstance(item, list) and type(item).__name__ == "Formatted":
        return "formatted"
    return "scalar"


def render(values: list, org: Organization) -> list[str]:
    """Out-Default: what the console prints for what a statement left in the pipeline, each run of alike objects in
    its view (tables for EMS objects, one line per string or number, Name/Value for a hashtable)."""
    lines: list[str] = []
    position = 0
    while position < len(values):
        shape = _shape(values[position])
        end = position
        while end < len(values) and _shape(values[end]) == shape:
            end += 1
        group = values[position:end]
        if shape == "formatted":
            lines += [line for item in group for line in item]
        elif shape == "display":
            lines += [line for item in group for line in item.display()]
        elif shape == "members":
            lines += psgetmember.view(group, lambda rows: table_view(rows, org))
        elif shape == "scalar":
            lines += [_scalar(item) for item in group if item is not None]
        elif shape is dict:
            # one table for hashtables in a row, as PowerShell's view of their entries is one table
            lines += _name_value([{"Name": str(k), "Value": shown(v)} for table in group for k, v in table.items()])
        elif _is_entry(group[0]):  # $h.GetEnumerator(): the entries in the hashtable's own view
            lines += _name_value([{"Name": cell(e.props["Name"]), "Value": shown(e.props["Value"])} for e in group])
        else:
            lines += format_default(group, org)
        position = end
    return lines


def _scalar(item) -> str:
    if isinstance(item, dt.datetime):
        return f"{item:%A}, {item:%B} {item.day}, {item:%Y} {item:%I:%M:%S %p}".replace(" 0", " ", 1)
    if hasattr(item, "statements"):
        return item.text[1:-1]
    return cell(item) if not isinstance(item, str) else item


_NAME_WIDTH = 30  # the Name column of PowerShell's hashtable view (DotNetTypes.format.ps1xml, DictionaryEntry)


def _name_value(entries: list[dict]) -> list[str]:
    def name(text: str) -> str:
        return (text if len(text) <= _NAME_WIDTH else text[: _NAME_WIDTH - 3] + "...").ljust(_NAME_WIDTH)

    return (
        ["", f"{name('Name')} Value", f"{name('----')} -----"]
        + [f"{name(e['Name'])} {e['Value']}".rstrip() for e in entries]
        + [""]
    )


def shows_as_table(item, org: Organization) -> bool:
    """Whether the host shows the item in a table (the view format_default would give it, or Format-Table's)."""
    shape = _shape(item)
    if shape == "formatted":
        return bool(getattr(item, "table", False))
    if shape in ("scalar", "display"):
        return False
    if shape is dict or shape == "members":  # Name/Value, and Get-Member's table
        return True
    engine = _engine(item)
    if engine is not None:
        return not isinstance(engine, _LIST_VIEWS)
    return len(row(item, org)) <= 4


class Host:
    """The host's output (PowerShell's Out-Default) for one statement, fed object by object as the pipeline makes
    them: texts, numbers and list views print at once, so Write-Host lines fall between them as they were made; a
    table is held from its first object to the end of the statement, with whatever follows it, and printed then,
    its columns as wide as all its rows need. PowerShell holds a table without set column widths for 300 ms to
    size it from what comes (OutCommandInner); the console isn't timed, so it holds it as a run shorter than 300 ms
    does (docs/decisions.md)."""

    def __init__(self, org: Organization, write):
        self.org, self.write = org, write
        self.held: list = []
        self.shape = None  # the last object's, so a list view printed object by object has one blank line between

    def append(self, item) -> None:
        if self.held or shows_as_table(item, self.org):
            self.held.append(item)
            return
        shape = _shape(item)
        lines = render([item], self.org)
        if shape == self.shape and shape is not dict and isinstance(shape, type | tuple):
            lines = lines[1:]  # the list view goes on
        self.shape = shape
        if lines:
            self.write(lines)

    def __iadd__(self, items):
        for item in items:
            self.append(item)
        return self

    def flush(self) -> None:
        held, self.held = self.held, []
        if held:
            self.write(render(held, self.org))
