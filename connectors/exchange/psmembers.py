"""Members of the console's values: the properties and methods admins call on strings, arrays, hashtables, dates,
EMS objects and their multi-valued properties ($c.RemoteIPRanges.Count, .Add(), $name.ToUpper(), $h.ContainsKey()).
A member the console doesn't know is PowerShell's error, not a silent $null, except properties of objects (PowerShell
returns $null for a property an object lacks)."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from . import psdates
from .psobjects import BindingText, ExtendedRightText, PrincipalText, RangeText, Size
from .psvalues import (
    ArrayList,
    Collection,
    GenericList,
    PSHashtable,
    PSObject,
    RuntimeFailure,
    as_list,
    check_width,
    equal,
    to_number,
    to_string,
)

NO_METHOD = "Method invocation failed because [{0}] does not contain a method named '{1}'."
_VALUE_TYPES = (
    (Size, "Microsoft.Exchange.Data.ByteQuantifiedSize"),
    (RangeText, "Microsoft.Exchange.Data.IPRange"),
    (BindingText, "Microsoft.Exchange.Data.IPBinding"),
    (PrincipalText, "Microsoft.Exchange.Configuration.Tasks.SecurityPrincipalIdParameter"),
    (ExtendedRightText, "Microsoft.Exchange.Management.RecipientTasks.ExtendedRightIdParameter"),
)


def type_name(value) -> str:
    """The .NET type a value stands for, as GetType() and Get-Member's TypeName line name it."""
    if isinstance(value, PSObject):
        return value.type_name
    for kind, name in _VALUE_TYPES:
        if isinstance(value, kind):
            return name
    if hasattr(value, "statements"):
        return "System.Management.Automation.ScriptBlock"
    names = {
        str: "System.String",
        bool: "System.Boolean",
        int: "System.Int32",
        float: "System.Double",
        dt.datetime: "System.DateTime",
        PSHashtable: "System.Collections.Hashtable",
        Collection: "Microsoft.Exchange.Data.MultiValuedProperty",
        ArrayList: "System.Collections.ArrayList",
        GenericList: "System.Collections.Generic.List`1",
        list: "System.Object[]",
    }
    return names.get(type(value), "System.Object")


def get_member(value, name: str):
    lowered = name.casefold()
    if hasattr(value, "ps_member"):  # EMS's value types (psobjects): a size, a range, a binding
        try:
            return value.ps_member(lowered)
        except KeyError:
            pass
    if isinstance(value, PSObject):
        # no Count of 1 here: EMS is Windows PowerShell 5.1, where a custom object (Import-Csv's rows, and the
        # deserialized objects Exchange's remote session returns) has no Count, so scripts write @(...).Count
        return value.get(name)
    if isinstance(value, PSHashtable):
        if name in value:
            return value[name]
        special = {
            "count": lambda: len(value),
            "keys": lambda: list(value.keys()),
            "values": lambda: list(value.values()),
        }
        return special[lowered]() if lowered in special else None
    if isinstance(value, list):
        if lowered in ("count", "length"):
            return len(value)
        # member enumeration: the property of each item, flattened one level
        found = []
        for item in value:
            member = get_member(item, name)
            found += member if isinstance(member, list) else ([] if member is None else [member])
        return found
    if isinstance(value, str):
        return len(value) if lowered == "length" else (1 if lowered == "count" else None)
    if isinstance(value, dt.datetime):
        return psdates.date_member(value, lowered)
    if value is None:
        return 0 if lowered in ("count", "length") else None
    if lowered in ("count", "length"):
        return 1  # PowerShell gives every scalar a Count of 1
    return None


def set_member(value, name: str, new) -> None:
    if isinstance(value, PSObject):
        value.set(name, new)
    elif isinstance(value, PSHashtable):
        value[name] = new
    else:
        raise RuntimeFailure(
            f"The property '{name}' cannot be found on this object. Verify that the property exists and can be set."
        )


def _string_method(text: str, name: str, args: list):
    a = [to_string(x) for x in args]
    simple = {
        "toupper": lambda: text.upper(),
        "tolower": lambda: text.lower(),
        "trim": lambda: text.strip(a[0]) if a else text.strip(),
        "trimstart": lambda: text.lstrip(a[0]) if a else text.lstrip(),
        "trimend": lambda: text.rstrip(a[0]) if a else text.rstrip(),
        "contains": lambda: a[0] in text,
        "startswith": lambda: text.casefold().startswith(a[0].casefold()) if len(a) > 1 else text.startswith(a[0]),
        "endswith": lambda: text.casefold().endswith(a[0].casefold()) if len(a) > 1 else text.endswith(a[0]),
        "replace": lambda: text.replace(a[0], a[1]),
        "split": lambda: _split_chars(text, a[0] if a else " "),
        "substring": lambda: text[int(to_number(args[0])) :][: int(to_number(args[1])) if len(args) > 1 else None],
        "indexof": lambda: text.find(a[0]),
        "lastindexof": lambda: text.rfind(a[0]),
        "padleft": lambda: text.rjust(_width(args[0]), a[1][:1] if len(a) > 1 else " "),
        "padright": lambda: text.ljust(_width(args[0]), a[1][:1] if len(a) > 1 else " "),
        "tostring": lambda: text,
        "equals": lambda: text == a[0],
        "insert": lambda: text[: int(to_number(args[0]))] + a[1] + text[int(to_number(args[0])) :],
        "remove": lambda: (
            text[: int(to_number(args[0]))]
            + (text[int(to_number(args[0])) + int(to_number(args[1])) :] if len(args) > 1 else "")
        ),
    }
    return simple[name]() if name in simple else _missing(text, name)


def _split_chars(text: str, separators: str) -> list[str]:
    parts, current = [], []
    for c in text:
        if c in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    return [*parts, "".join(current)]


class _NoMethod(RuntimeFailure):
    pass


def _missing(value, name: str):
    raise _NoMethod(NO_METHOD.format(type_name(value), name))


def _growing_list_method(items: ArrayList, name: str, args: list):
    """ArrayList's and List[T]'s methods that change them; None when `name` is another list method."""
    if name == "add":
        items.append(args[0])
        return None if isinstance(items, GenericList) else len(items) - 1
    if name == "addrange":
        items.extend(as_list(args[0]))
        return None
    if name == "remove":
        at = next((i for i, item in enumerate(items) if equal(item, args[0])), None)
        if at is not None:
            del items[at]
        return (at is not None) if isinstance(items, GenericList) else None
    if name == "insert":
        items.insert(int(args[0]), args[1])
        return None
    if name == "removeat":
        del items[int(args[0])]
        return None
    if name == "clear":
        items.clear()
        return None
    raise KeyError(name)


def _list_method(items: list, name: str, args: list):
    if isinstance(items, ArrayList):
        try:
            return _growing_list_method(items, name, args)
        except KeyError:
            pass
    if name in ("add", "remove") and not isinstance(items, Collection):
        raise RuntimeFailure(
            'Exception calling "' + name.capitalize() + '" with "1" argument(s): "Collection was of a fixed size."'
        )
    if name == "add":
        if any(equal(item, args[0]) for item in items):
            raise RuntimeFailure(f'The value "{to_string(args[0])}" is already present in the collection.')
        items.append(args[0])
        return None
    if name == "remove":
        for position, item in enumerate(items):
            if equal(item, args[0]):
                del items[position]
                return True
        return False
    if name == "contains":
        return any(equal(item, args[0]) for item in items)
    if name == "indexof":
        return next((i for i, item in enumerate(items) if equal(item, args[0])), -1)
    if name == "clear" and isinstance(items, Collection):
        items.clear()
        return None
    if name == "tostring":
        return to_string(items)
    return _missing(items, name)


def _hashtable_method(table: PSHashtable, name: str, args: list):
    if name == "add":
        if args[0] in table:
            raise RuntimeFailure(f"Item has already been added. Key in dictionary: '{to_string(args[0])}'")
        table[args[0]] = args[1] if len(args) > 1 else None
        return None
    if name == "remove":
        table.pop(args[0], None)
        return None
    if name in ("containskey", "contains"):
        return args[0] in table
    if name == "containsvalue":
        return any(equal(v, args[0]) for v in table.values())
    if name == "getenumerator":
        return [
            PSObject("System.Collections.DictionaryEntry", {"Name": k, "Key": k, "Value": v}) for k, v in table.items()
        ]
    if name == "clone":
        return PSHashtable(table)
    return _missing(table, name)


def _date_method(value: dt.datetime, name: str, args: list):
    result = psdates.date_method(value, name, args, to_number, to_string)
    return _missing(value, name) if result is None else result


def call_method(value, name: str, args: list):
    try:
        return _call_method(value, name, args)
    except _NoMethod:
        raise RuntimeFailure(NO_METHOD.format(type_name(value), name)) from None  # the name as the script wrote it


def _int32(bits: int) -> int:
    bits &= 0xFFFFFFFF
    return bits - (1 << 32) if bits >= 1 << 31 else bits


def _number_hash(value) -> int | None:
    """.NET's GetHashCode of a Boolean (1 or 0), an Int32 (the number itself), an Int64 (its halves XORed) or a
    Double (its bits' halves XORed, 0 for either zero); None for any other value."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and -(1 << 63) <= value < 1 << 63:
        return value if -(1 << 31) <= value < 1 << 31 else _int32(value ^ (value >> 32))
    if isinstance(value, float):
        if value == 0:
            return 0
        bits = struct.unpack("<q", struct.pack("<d", value))[0]
        return _int32(bits ^ (bits >> 32))
    return None


def _call_method(value, name: str, args: list):
    lowered = name.casefold()
    if lowered == "gettype":
        full = type_name(value)
        return PSObject("System.RuntimeType", {"Name": full.rsplit(".", 1)[-1], "FullName": full})
    if lowered == "equals" and value is not None and not isinstance(value, str):  # System.Object's, every value's
        return equal(value, args[0]) if args else _missing(value, name)
    if lowered == "gethashcode" and value is not None:
        number = _number_hash(value)
        if number is not None:
            return number
        # the same in every run (Python's hash() of a text changes per process), and equal where Equals is: a
        # text's Equals is case-sensitive, other values' is PowerShell's comparison, without case
        text = value if isinstance(value, str) else to_string(value).casefold()
        return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF
    if hasattr(value, "ps_method"):
        try:
            return value.ps_method(lowered, args)
        except KeyError:
            pass
    if isinstance(value, str):
        return _string_method(value, lowered, args)
    if isinstance(value, list):
        return _list_method(value, lowered, args)
    if isinstance(value, PSHashtable):
        return _hashtable_method(value, lowered, args)
    if isinstance(value, dt.datetime):
        return _date_method(value, lowered, args)
    if lowered == "tostring" and value is not None:
        return to_string(value)
    if value is None:
        raise RuntimeFailure("You cannot call a method on a null-valued expression.")
    return _missing(value, name)


def index(value, position):
    if isinstance(value, PSHashtable):
        return value[position]
    if isinstance(value, PSObject) and isinstance(position, str):
        return value.get(position)
    if isinstance(position, list):
        return [index(value, p) for p in position]
    items = value if isinstance(value, list | str) else as_list(value)
    number = int(to_number(position))
    try:
        return items[number]
    except IndexError:
        return None


def static_member(type_name_: str, name: str, args: list | None):
    """[math]::Round(...), [string]::IsNullOrEmpty(...), [datetime]::Now and the like."""
    owner, lowered = type_name_.casefold().removeprefix("system."), name.casefold()
    if args is not None and not args and lowered in ("round", "max", "min", "floor", "ceiling", "abs", "join"):
        raise RuntimeFailure(f'Cannot find an overload for "{name}" and the argument count: "0".')
    if args is not None and not args and lowered in ("isnullorempty", "isnullorwhitespace"):
        raise RuntimeFailure(f'Cannot find an overload for "{name}" and the argument count: "0".')
    if owner == "math" and args is not None:
        numbers = [to_number(a) for a in args]
        functions = {
            "round": lambda: round(numbers[0], int(numbers[1]) if len(numbers) > 1 else None),
            "max": lambda: max(numbers),
            "min": lambda: min(numbers),
            "floor": lambda: int(numbers[0] // 1),
            "ceiling": lambda: -int(-numbers[0] // 1),
            "abs": lambda: abs(numbers[0]),
        }
        if lowered in functions:
            return functions[lowered]()
    if owner == "string" and args is not None:
        if lowered == "isnullorempty":
            return args[0] is None or to_string(args[0]) == ""
        if lowered == "isnullorwhitespace":
            return args[0] is None or to_string(args[0]).strip() == ""
        if lowered == "join":
            return to_string(args[0]).join(to_string(v) for a in args[1:] for v in as_list(a))
    if owner == "datetime" and args is None and lowered in ("now", "today"):
        now = dt.datetime.now()
        return now if lowered == "now" else now.replace(hour=0, minute=0, second=0, microsecond=0)
    if owner in ("int", "int32") and args is None and lowered in ("maxvalue", "minvalue"):
        return 2**31 - 1 if lowered == "maxvalue" else -(2**31)
    raise RuntimeFailure(f"[{type_name_}]::{name} is not run by the exchsim console.")


def _width(value) -> int:
    width = int(to_number(value))
    check_width(width)
    return width
