"""Get-Member (gm) over the console's values: the lab's objects with their properties as the catalogue types them
(`Get-ReceiveConnector | gm`), [PSCustomObject] and Select-Object rows with their note properties, and the plain
values (strings, numbers, dates, arrays, hashtables, sizes, IP ranges and bindings) with the members the console
runs on them, so every method Get-Member lists can be called.

Each member is a MemberDefinition object (TypeName, Name, MemberType, Definition), sorted as PowerShell sorts them
(by member type, then name) and printed as PowerShell prints them: a `TypeName:` line per type, then a table.
"""

from __future__ import annotations

import datetime as dt

from .directory_properties import AD_PERMISSION
from .model import AcceptedDomain, ReceiveConnector, Server
from .organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from .property_rows import PropertySet
from .psmembers import type_name
from .psobjects import BindingText, RangeText, Size
from .psvalues import Collection, PSHashtable, PSObject, RuntimeFailure, as_list, to_string, wildcard
from .receive_connector_properties import RECEIVE_CONNECTOR
from .server_properties import SERVER

MEMBER_DEFINITION = "Microsoft.PowerShell.Commands.MemberDefinition"
NO_OBJECT = "You must specify an object for the Get-Member cmdlet."
MEMBER_TYPES = (
    "AliasProperty",
    "CodeProperty",
    "Property",
    "NoteProperty",
    "ScriptProperty",
    "Properties",
    "PropertySet",
    "Method",
    "CodeMethod",
    "ScriptMethod",
    "Methods",
    "ParameterizedProperty",
    "MemberSet",
    "Event",
    "Dynamic",
    "InferredProperty",
    "All",
)
BAD_MEMBER_TYPE = (
    "Cannot bind parameter 'MemberType'. Cannot convert value \"{0}\" to type "
    '"System.Management.Automation.PSMemberTypes". Error: "Unable to match the identifier name {0} to a valid '
    "enumerator name. Specify one of the following enumerator names and try again:\n" + ", ".join(MEMBER_TYPES) + '"'
)
_GROUPS = {
    "properties": {"AliasProperty", "CodeProperty", "Property", "NoteProperty", "ScriptProperty"},
    "methods": {"Method", "CodeMethod", "ScriptMethod"},
}

# PowerShell writes the common .NET types by their short names in a definition.
_SHORT = {
    "System.Boolean": "bool",
    "System.String": "string",
    "System.Int32": "int",
    "System.Int64": "long",
    "System.UInt64": "ulong",
    "System.UInt32": "uint32",
    "System.Double": "double",
    "System.Guid": "guid",
    "System.DateTime": "datetime",
    "System.Object": "System.Object",
}
_OBJECT_METHODS = (
    ("Equals", "bool Equals(System.Object obj)"),
    ("GetHashCode", "int GetHashCode()"),
    ("GetType", "type GetType()"),
    ("ToString", "string ToString()"),
)
# Properties of the lab's objects that are not catalogue rows (or whose row types them as plain text).
_TYPED = {
    "Identity": "Microsoft.Exchange.Data.ObjectId",
    "Guid": "System.Guid",
    "AdminDisplayVersion": "Microsoft.Exchange.Data.ServerVersion",
    "ServerRole": "Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerRole",
    "AccessRights": "System.DirectoryServices.ActiveDirectoryRights[]",
    "ExtendedRights": "Microsoft.Exchange.Management.RecipientTasks.ExtendedRightIdParameter[]",
    "InheritanceType": "System.DirectoryServices.ActiveDirectorySecurityInheritance",
    "InheritedObjectType": "Microsoft.Exchange.Configuration.Tasks.ADSchemaObjectIdParameter",
    "ChildObjectTypes": "Microsoft.Exchange.Configuration.Tasks.ADSchemaObjectIdParameter[]",
    "Properties": "Microsoft.Exchange.Configuration.Tasks.ADSchemaObjectIdParameter[]",
    "User": "Microsoft.Exchange.Configuration.Tasks.SecurityPrincipalIdParameter",
    "Server": "Microsoft.Exchange.Data.Directory.ADObjectId",
    "DomainName": "Microsoft.Exchange.Data.SmtpDomainWithSubdomains",
    "DomainType": "Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomainType",
}
_STRING_METHODS = (
    ("Contains", "bool Contains(string value)"),
    ("EndsWith", "bool EndsWith(string value), bool EndsWith(string value, System.StringComparison comparisonType)"),
    ("IndexOf", "int IndexOf(string value)"),
    ("Insert", "string Insert(int startIndex, string value)"),
    ("LastIndexOf", "int LastIndexOf(string value)"),
    ("PadLeft", "string PadLeft(int totalWidth), string PadLeft(int totalWidth, char paddingChar)"),
    ("PadRight", "string PadRight(int totalWidth), string PadRight(int totalWidth, char paddingChar)"),
    ("Remove", "string Remove(int startIndex, int count), string Remove(int startIndex)"),
    ("Replace", "string Replace(string oldValue, string newValue)"),
    ("Split", "string[] Split(Params char[] separator)"),
    (
        "StartsWith",
        "bool StartsWith(string value), bool StartsWith(string value, System.StringComparison comparisonType)",
    ),
    ("Substring", "string Substring(int startIndex), string Substring(int startIndex, int length)"),
    ("ToLower", "string ToLower()"),
    ("ToUpper", "string ToUpper()"),
    ("Trim", "string Trim(), string Trim(Params char[] trimChars)"),
    ("TrimEnd", "string TrimEnd(Params char[] trimChars)"),
    ("TrimStart", "string TrimStart(Params char[] trimChars)"),
)
_DATE_METHODS = tuple(
    (f"Add{unit}", f"datetime Add{unit}(double value)") for unit in ("Days", "Hours", "Minutes", "Seconds")
) + (("ToString", "string ToString(), string ToString(string format)"),)
_DATE_PROPERTIES = (
    ("Date", "datetime Date {get;}"),
    ("Day", "int Day {get;}"),
    ("DayOfWeek", "System.DayOfWeek DayOfWeek {get;}"),
    ("Hour", "int Hour {get;}"),
    ("Minute", "int Minute {get;}"),
    ("Month", "int Month {get;}"),
    ("Second", "int Second {get;}"),
    ("Year", "int Year {get;}"),
)
_HASHTABLE_METHODS = (
    ("Add", "void Add(System.Object key, System.Object value)"),
    ("Clone", "System.Object Clone()"),
    ("Contains", "bool Contains(System.Object key)"),
    ("ContainsKey", "bool ContainsKey(System.Object key)"),
    ("ContainsValue", "bool ContainsValue(System.Object value)"),
    ("GetEnumerator", "System.Collections.IDictionaryEnumerator GetEnumerator()"),
    ("Remove", "void Remove(System.Object key)"),
)
_COLLECTION_METHODS = (
    ("Add", "void Add(System.Object item)"),
    ("Clear", "void Clear()"),
    ("Contains", "bool Contains(System.Object item)"),
    ("IndexOf", "int IndexOf(System.Object item)"),
    ("Remove", "bool Remove(System.Object item)"),
)
_SIZE_METHODS = tuple((f"To{unit}", f"ulong To{unit}()") for unit in ("Bytes", "KB", "MB", "GB", "TB"))
_VALUE_PROPERTIES = {
    "LowerBound": "System.Net.IPAddress",
    "UpperBound": "System.Net.IPAddress",
    "CIDRLength": "int",
    "RangeFormat": "Microsoft.Exchange.Data.IPRange+Format",
    "Size": "ulong",
    "AddressFamily": "System.Net.Sockets.AddressFamily",
    "Address": "System.Net.IPAddress",
    "Port": "int",
}


def short(dotnet: str) -> str:
    """A .NET type as a definition writes it: `bool`, `string`, generics in brackets (MultiValuedProperty[IPRange])."""
    return _SHORT.get(dotnet, dotnet.replace("`1[", "["))


def catalogue_of(source) -> PropertySet | None:
    if isinstance(source, ReceiveConnector):
        return RECEIVE_CONNECTOR
    if isinstance(source, Server) or type(source).__name__ == "MailboxServer":  # a Get-MailboxServer row
        return SERVER
    if isinstance(source, AcceptedDomain):
        return ACCEPTED_DOMAIN
    if type(source).__name__ == "Permission":
        return AD_PERMISSION
    if type(source).__name__ in ("TransportConfig", "RecipientFilterConfig"):
        return TRANSPORT_CONFIG
    return None  # a lab object the catalogue doesn't describe


def _lab_properties(value: PSObject, org) -> list[tuple[str, str, str]]:
    from .psformat import property_names  # psformat imports this module (its view of MemberDefinitions)

    rows = catalogue_of(value.source)
    found = []
    for name in property_names(value.source, org):
        prop = rows.by_name(name) if rows is not None else None
        dotnet = _TYPED.get(name) or (prop.dotnet if prop is not None else "System.Object")
        access = "{get;set;}" if prop is not None and prop.is_settable else "{get;}"
        found.append((name, "Property", f"{short(dotnet)} {name} {access}"))
    return found


def _note_type(value) -> str:
    if value is None:
        return "object"
    if isinstance(value, list):
        return "Object[]"
    return short(type_name(value))


def members(value, org) -> list[tuple[str, str, str]]:
    """(Name, MemberType, Definition) of every member of the value, in Get-Member's order."""
    methods: tuple = _OBJECT_METHODS
    props: list = []
    if isinstance(value, PSObject) and value.source is not None:
        props = _lab_properties(value, org)
    elif isinstance(value, PSObject):
        props = [
            (name, "NoteProperty", f"{_note_type(v)} {name}={to_string(v) if v is not None else 'null'}")
            for name, v in value.props.items()
        ]
    elif isinstance(value, Size):
        methods += _SIZE_METHODS
    elif isinstance(value, RangeText | BindingText):
        props = [(n, "Property", f"{_VALUE_PROPERTIES[n]} {n} {{get;}}") for n in type(value)._NAMES]
    elif isinstance(value, str):
        methods = tuple(m for m in methods if m[0] != "ToString") + _STRING_METHODS
        methods += (("ToString", "string ToString()"),)
        props = [("Length", "Property", "int Length {get;}")]
    elif isinstance(value, dt.datetime):
        methods = tuple(m for m in methods if m[0] != "ToString") + _DATE_METHODS
        props = [(n, "Property", d) for n, d in _DATE_PROPERTIES]
    elif isinstance(value, PSHashtable):
        methods += _HASHTABLE_METHODS
        props = [
            ("Count", "Property", "int Count {get;}"),
            ("Keys", "Property", "System.Collections.ICollection Keys {get;}"),
            ("Values", "Property", "System.Collections.ICollection Values {get;}"),
        ]
    elif isinstance(value, Collection):
        methods += _COLLECTION_METHODS
        props = [("Count", "Property", "int Count {get;}")]
    elif isinstance(value, list):
        methods += tuple(m for m in _COLLECTION_METHODS if m[0] in ("Contains", "IndexOf"))
        props = [("Count", "AliasProperty", "Count = Length"), ("Length", "Property", "int Length {get;}")]
    elif hasattr(value, "statements"):
        methods += (
            ("Invoke", "System.Collections.ObjectModel.Collection[psobject] Invoke(Params System.Object[] args)"),
            ("InvokeReturnAsIs", "System.Object InvokeReturnAsIs(Params System.Object[] args)"),
        )
    rows = [(name, "Method", definition) for name, definition in methods] + props
    return sorted(rows, key=lambda row: (row[1], row[0].casefold()))


def _member_types(value) -> set[str] | None:
    if value is None:
        return None
    wanted: set[str] = set()
    for item in as_list(value):
        for word in str(getattr(item, "text", item)).split(","):
            name = next((t for t in MEMBER_TYPES if t.casefold() == word.strip().casefold()), None)
            if name is None:
                raise RuntimeFailure(BAD_MEMBER_TYPE.format(word.strip()))
            if name == "All":
                return None
            wanted |= _GROUPS.get(name.casefold(), {name})
    return wanted


def get_member(ctx, bound: dict, items: list) -> list:
    if "InputObject" in bound:
        items = [bound["InputObject"]]  # -InputObject $array describes the array, not its items
    items = [item for item in items if item is not None]
    if not items:
        raise RuntimeFailure(NO_OBJECT)
    kinds = _member_types(bound.get("MemberType"))
    names = [wildcard(str(getattr(n, "text", n))) for n in as_list(bound.get("Name"))]
    if bound.get("Static"):
        return []  # static members are .NET type access, which the console doesn't run
    seen, found = set(), []
    for item in items:
        ctx.step()
        name = type_name(item)
        if name in seen:
            continue
        seen.add(name)
        for member, kind, definition in members(item, ctx.org):
            if kinds is not None and kind not in kinds:
                continue
            if names and not any(test.fullmatch(member) for test in names):
                continue
            props = {"TypeName": name, "Name": member, "MemberType": kind, "Definition": definition}
            found.append(PSObject(MEMBER_DEFINITION, props))
    return found


def view(group: list, table) -> list[str]:
    """Get-Member's output: for each type in turn its TypeName line, then Name, MemberType and Definition."""
    lines: list[str] = []
    start = 0
    while start < len(group):
        name = group[start].get("TypeName")
        end = start
        while end < len(group) and group[end].get("TypeName") == name:
            end += 1
        rows = [
            PSObject(MEMBER_DEFINITION, {k: item.get(k) for k in ("Name", "MemberType", "Definition")})
            for item in group[start:end]
        ]
        lines += ["", f"   TypeName: {name}", *table(rows)]
        start = end
    return lines


SPECS = {
    "Get-Member": (
        get_member,
        {"Name": "value", "MemberType": "value", "InputObject": "value", "Static": "switch", "Force": "switch"},
        ("Name",),
    ),
}
ALIASES = {"gm": "Get-Member"}
