"""PowerShell's everyday cmdlets on objects in memory: Where-Object, ForEach-Object, Select-Object, Sort-Object,
Group-Object, Measure-Object, Format-List/-Table, Out-String, Write-Host/-Output, Get-Date, and the file cmdlets
(Import-Csv, Get-Content, Export-Csv, Out-File) against the files the user uploaded, never the disk.

Each cmdlet is `(ctx, bound, input) -> output list`; `CMDLETS` maps every name and alias to (cmdlet, parameters,
positional order). Parameters bind as PowerShell binds them: full name or a unique prefix, case-insensitive.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import ntpath
import re
from collections.abc import Callable

from . import psformat, psgetmember, pshtml, psselectstring
from .errors import NO_PARAMETER, ExchangeError
from .psast import Bareword, Block, Parameter
from .psmembers import call_method, get_member, type_name
from .psruntime import call_block, collapse
from .psvalues import (
    Collection,
    Formatted,
    PSHashtable,
    PSObject,
    RuntimeFailure,
    as_list,
    cast,
    compare,
    dotnet_date,
    equal,
    sort_key,
    to_bool,
    to_number,
    to_string,
    wildcard,
)

SWITCH, VALUE = "switch", "value"
AMBIGUOUS = (
    "Parameter cannot be processed because the parameter name '{0}' is ambiguous. Possible matches include: {1}."
)
POSITIONAL = "A positional parameter cannot be found that accepts argument '{0}'."
MISSING_ARGUMENT = "Missing an argument for parameter '{0}'. Specify a parameter of type '{1}' and try again."
NO_FILE = (
    "Cannot find path '{0}' because it does not exist. The exchsim console reads only the files you uploaded "
    "(in the browser, the upload box; on the command line, manage.py ems --files DIR)."
)
_WHERE_OPERATORS = (
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
)


def plain(value):
    return value.text if isinstance(value, Bareword) else value


def bind(
    name: str,
    elements: list,
    parameters: dict,
    positional: tuple = (),
    rest: str | None = None,
    *,
    switch: str = SWITCH,
    keep: Callable = plain,
    shown: Callable = lambda value: to_string(plain(value)),
) -> dict:
    """The call's arguments by parameter name, as PowerShell's binder takes them: named (exact name or a unique
    prefix; `-Name:value`; a parameter whose kind is `switch` takes none), then positional in `positional`'s order,
    and `rest` collects positional values beyond those. `keep` is what a value is kept as (a bareword's text here;
    the Exchange binder keeps barewords) and `shown` how an argument nothing accepts is named in the error."""
    bound: dict = {}
    order = list(positional)
    i = 0
    while i < len(elements):
        element = elements[i]
        i += 1
        if not isinstance(element, Parameter):
            while order and order[0] in bound:
                order.pop(0)
            if order:
                bound[order.pop(0)] = keep(element)
            elif rest:
                current = bound.get(rest, [])
                bound[rest] = (current if isinstance(current, list) else [current]) + [keep(element)]
            else:
                raise ExchangeError(POSITIONAL.format(shown(element)))
            continue
        key = parameter_name(element.name, parameters)
        if element.colon:
            bound[key] = keep(element.value)
        elif parameters[key] == switch:
            bound[key] = True
        elif i < len(elements) and not isinstance(elements[i], Parameter):
            bound[key] = keep(elements[i])
            i += 1
        else:
            kind = parameters[key] if switch != SWITCH else "System.Object"
            raise ExchangeError(MISSING_ARGUMENT.format(key, kind))
    for key in _ACTION_PARAMETERS.intersection(bound):
        _check_action(key, bound[key])
    return bound


_ACTION_PARAMETERS = {"ErrorAction", "WarningAction", "InformationAction"}
# ActionPreference's names in Windows PowerShell 5.1 (EMS's), in its order
ACTION_NAMES = ("SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend")
BAD_ACTION = (
    "Cannot bind parameter '{0}'. Cannot convert value \"{1}\" to type "
    '"System.Management.Automation.ActionPreference". Error: "Unable to match the identifier name {1} to a valid '
    "enumerator name. Specify one of the following enumerator names and try again:\n" + ", ".join(ACTION_NAMES) + '"'
)


def _check_action(parameter: str, value) -> None:
    """-ErrorAction Bogus is refused as the binder refuses a value ActionPreference hasn't (a number passes: an
    enum takes any)."""
    if value is None or isinstance(value, bool):
        return
    text = to_string(plain(value)).strip()
    if text.lstrip("+-").isdigit() or text.casefold() in (name.casefold() for name in ACTION_NAMES):
        return
    raise ExchangeError(BAD_ACTION.format(parameter, text))


def parameter_name(written: str, parameters: dict) -> str:
    wanted = ALIASES_OF_COMMON.get(written.casefold(), written).casefold()
    exact = [n for n in parameters if n.casefold() == wanted]
    if exact:
        return exact[0]
    matches = [n for n in parameters if n.casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ExchangeError(AMBIGUOUS.format(written, ", ".join(f"-{m}" for m in matches)))
    raise ExchangeError(NO_PARAMETER.format(written))


def _property(obj, name):
    if isinstance(name, Block):
        return None
    return get_member(obj, to_string(name))


def _names(value) -> list:
    return [plain(v) for v in as_list(value)]


# --- Filtering and projecting --------------------------------------------------------------------------------------


def where_object(ctx, bound: dict, items: list) -> list:
    test = bound.get("FilterScript")
    if isinstance(test, Block):
        return [item for item in items if to_bool(collapse(call_block(ctx, test, item)))]
    name = bound.get("Property")
    if name is None:
        raise ExchangeError("Where-Object needs a script block or a property: `where {$_.Name -like 'x*'}`.")
    operators = [op for op in _WHERE_OPERATORS if bound.get(op.capitalize()) or bound.get(op)]
    result = []
    for item in items:
        ctx.step()
        value = _property(item, name)
        if not operators:
            keep = to_bool(value)
        else:
            found = compare("-" + operators[0], value, plain(bound.get("Value")))
            keep = bool(found) if isinstance(found, list) else found
        if keep:
            result.append(item)
    return result


def foreach_object(ctx, bound: dict, items: list) -> list:
    out: list = []
    if isinstance(bound.get("Begin"), Block):
        out += call_block(ctx, bound["Begin"])
    process = bound.get("Process")
    member = bound.get("MemberName")
    for item in items:
        if isinstance(process, Block):
            out += call_block(ctx, process, item)
        elif member is not None:
            out += foreach_member(ctx, bound, item)
    if isinstance(bound.get("End"), Block):
        out += call_block(ctx, bound["End"])
    return out


def foreach_member(ctx, bound: dict, item) -> list:
    """`% Name` / `% ToUpper`: ForEach-Object -MemberName on one object, its property or else a method of it."""
    ctx.step()
    member = bound["MemberName"]
    value = _property(item, member)
    if value is None and not isinstance(item, PSObject):
        value = call_method(item, to_string(plain(member)), as_list(bound.get("ArgumentList")))
    return list(value) if isinstance(value, list) else ([] if value is None else [value])


# The keys each cmdlet reads from a hashtable in -Property (PowerShell's *ParameterDefinition classes: Select-Object's
# Expression and Name; the format cmdlets' Expression, FormatString and Label, Format-Table's Width and Alignment too,
# ConvertTo-Html's Expression, Label, Width and Alignment); FormatString, Width and Alignment are accepted and not
# simulated. PowerShell takes any unambiguous prefix of a key, case-insensitively: `e`, `Expr`, `desc`; Label and Name
# are one key.
_HASHTABLE_KEYS = {
    "Select-Object": ("Name", "Label", "Expression"),
    "Format-Table": ("Name", "Label", "Expression", "FormatString", "Width", "Alignment"),
    "Format-List": ("Name", "Label", "Expression", "FormatString"),
    "ConvertTo-Html": ("Name", "Label", "Expression", "Width", "Alignment"),
    "Sort-Object": ("Expression", "Ascending", "Descending"),
    "Group-Object": ("Expression",),
}


def _hashtable_key(spec: PSHashtable, cmdlet: str) -> dict:
    """A -Property hashtable's entries by their full key names; a key the cmdlet doesn't take, or no Expression, is
    refused before anything is sorted or selected, so no object is silently dropped."""
    known = _HASHTABLE_KEYS[cmdlet]
    entries: dict = {}
    for key, value in dict.items(spec):
        text = to_string(key).casefold()
        names = [name for name in known if text and name.casefold().startswith(text)]
        if len(names) != 1:
            raise RuntimeFailure(
                f'{cmdlet}: the "{to_string(key)}" key is not valid in a -Property hashtable; '
                f"its keys are {', '.join(known)}."
            )
        entries["Name" if names[0] == "Label" else names[0]] = value
    if entries.get("Expression") is None:
        raise RuntimeFailure(
            f"{cmdlet}: a -Property hashtable needs an Expression key: @{{Expression='Name'}} or "
            "@{Expression={$_.Name}}."
        )
    return entries


def _calculated(ctx, spec, cmdlet: str = "Select-Object") -> tuple[str, object]:
    """@{Name='x'; Expression={...}} (or n/l/Label and e): the column's name and how to compute it."""
    entries = _hashtable_key(spec, cmdlet)
    expression = entries["Expression"]
    name = entries.get("Name")
    label = (
        to_string(name)
        if name is not None
        else to_string(expression.text if isinstance(expression, Block) else expression)
    )
    return label, expression


def _columns(ctx, item, wanted: list, cmdlet: str = "Select-Object") -> list[tuple[str, object]]:
    columns = []
    for spec in wanted:
        if isinstance(spec, PSHashtable):
            columns.append(_calculated(ctx, spec, cmdlet))
        elif isinstance(spec, Block):
            columns.append((spec.text, spec))
        else:
            pattern = to_string(spec)
            names = psformat.matching(psformat.row(item, ctx.org), pattern) if "*" in pattern else [pattern]
            columns += [(n, n) for n in names]
    return columns


def _value(ctx, item, how):
    if isinstance(how, Block):
        return collapse(call_block(ctx, how, item))
    return _property(item, how)


def _unique(items: list) -> list:
    kept: list = []
    for item in items:
        if not any(_identical(item, other) for other in kept):
            kept.append(item)
    return kept


def _identical(a, b) -> bool:
    """Select-Object -Unique's test: texts case-sensitively (as its reference page says), the objects it made by
    their properties' values, so `select TransportRole -Unique` keeps one row per role."""
    if isinstance(a, PSObject) and isinstance(b, PSObject) and a.source is None and b.source is None:
        return list(a.props) == list(b.props) and all(_identical(a.props[n], b.props[n]) for n in a.props)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_identical, a, b))
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return equal(a, b)


def select_object(ctx, bound: dict, items: list, cmdlet: str = "Select-Object") -> list:
    # -Unique applies to what is selected, after the other filters ("Unique selects values after other filtering
    # parameters are applied": Select-Object's reference page). `cmdlet` is the one whose -Property this is.
    selected = _select(ctx, bound, items, cmdlet)
    return _unique(selected) if bound.get("Unique") else selected


def _select(ctx, bound: dict, items: list, cmdlet: str = "Select-Object") -> list:
    if "Skip" in bound:
        items = items[int(to_number(bound["Skip"])) :]
    if "First" in bound or "Last" in bound:
        first = items[: int(to_number(bound["First"]))] if "First" in bound else []
        last = items[-int(to_number(bound["Last"])) :] if int(to_number(bound.get("Last", 0))) else []
        items = first + last
    expand = bound.get("ExpandProperty")
    wanted = _names(bound["Property"]) if "Property" in bound else []
    if expand is None and not wanted:
        return list(items)
    # -ExcludeProperty drops the properties its names (wildcards allowed) match from those -Property selects
    excluded = [wildcard(name) for name in _names(bound["ExcludeProperty"])] if "ExcludeProperty" in bound else []
    out = []
    for item in items:
        ctx.step()
        if expand is not None:
            value = _property(item, plain(expand))
            out += list(value) if isinstance(value, list) else [value]
            continue
        props = {}
        for label, how in _columns(ctx, item, wanted, cmdlet):
            if not any(test.fullmatch(label) for test in excluded):
                props[label] = _value(ctx, item, how)
        out.append(PSObject("Selected." + (item.type_name if isinstance(item, PSObject) else "System.Object"), props))
    return out


def sort_object(ctx, bound: dict, items: list) -> list:
    keys = [_sort_key(spec, bool(bound.get("Descending"))) for spec in _names(bound.get("Property", []))]
    if not keys:
        ordered = sorted(items, key=sort_key, reverse=bool(bound.get("Descending")))
    else:
        ordered = list(items)
        for how, down in reversed(keys):  # stable sorts, last key first
            for _ in ordered:
                ctx.step()
            ordered.sort(key=lambda item, how=how: sort_key(_value(ctx, item, how)), reverse=down)
    if bound.get("Unique"):
        # PowerShell compares what it sorted by: with -Property, the properties' values (`Sort-Object Server
        # -Unique` keeps one object per server), as sort_key compares them (text without case)
        def same(a, b) -> bool:
            if not keys:
                return equal(a, b)
            return all(sort_key(_value(ctx, a, how)) == sort_key(_value(ctx, b, how)) for how, _ in keys)

        unique = []
        for item in ordered:
            if not unique or not same(unique[-1], item):
                unique.append(item)
        ordered = unique
    return ordered


def _sort_key(spec, descending: bool) -> tuple[object, bool]:
    """What one -Property entry sorts by, and whether downwards: a hashtable's Ascending or Descending overrides the
    -Descending switch, unless it gives both and they agree, which PowerShell ignores as a conflict."""
    if not isinstance(spec, PSHashtable):
        return spec, descending
    entries = _hashtable_key(spec, "Sort-Object")
    ascending, down = entries.get("Ascending"), entries.get("Descending")
    if ascending is not None and down is not None and to_bool(ascending) == to_bool(down):
        return entries["Expression"], descending
    if ascending is not None:
        return entries["Expression"], not to_bool(ascending)
    return entries["Expression"], descending if down is None else to_bool(down)


def compare_object(ctx, bound: dict, items: list) -> list:
    """Compare-Object: what is only in the difference set (=>), only in the reference set (<=), and with -IncludeEqual
    in both (==), in that order (==, =>, <=) as its reference shows; -Property compares those properties and shows
    them instead of InputObject. Each difference object matches one reference object by its text, case-insensitively
    unless -CaseSensitive, as PowerShell compares objects that aren't comparable (the default -SyncWindow looks at
    the whole set). Matching is by a lookup, a step per object, so two big sets can't hold a worker."""
    for name in ("ReferenceObject", "DifferenceObject"):
        if name == "DifferenceObject" and name not in bound and items:
            continue
        if bound.get(name) is None:
            raise RuntimeFailure(f"Cannot bind argument to parameter '{name}' because it is null.")
    reference = list(as_list(bound["ReferenceObject"]))
    difference = list(as_list(bound["DifferenceObject"])) if "DifferenceObject" in bound else list(items)
    keys = _names(bound["Property"]) if "Property" in bound else []
    sensitive = bool(bound.get("CaseSensitive"))

    def key(obj) -> tuple:
        ctx.step()
        values = [_value(ctx, obj, k) for k in keys] if keys else [obj]
        return tuple(to_string(v) if sensitive else to_string(v).casefold() for v in values)

    unmatched: dict = {}  # key -> positions in `reference` not matched yet, in order
    for position, obj in enumerate(reference):
        unmatched.setdefault(key(obj), []).append(position)
    matched: set[int] = set()
    equal_objects, only_difference = [], []
    for obj in difference:
        waiting = unmatched.get(key(obj))
        if waiting:
            position = waiting.pop(0)
            matched.add(position)
            equal_objects.append(reference[position])
        else:
            only_difference.append(obj)
    only_reference = [obj for position, obj in enumerate(reference) if position not in matched]
    found = [(o, "==") for o in equal_objects] if bound.get("IncludeEqual") else []
    if not bound.get("ExcludeDifferent"):
        found += [(o, "=>") for o in only_difference] + [(o, "<=") for o in only_reference]
    out = []
    for obj, side in found:
        if bound.get("PassThru"):
            out.append(obj)
            continue
        shown = {k: _value(ctx, obj, k) for k in keys} if keys else {"InputObject": obj}
        out.append(PSObject("System.Management.Automation.PSCustomObject", {**shown, "SideIndicator": side}))
    return out


def group_object(ctx, bound: dict, items: list) -> list:
    keys = [
        _hashtable_key(key, "Group-Object")["Expression"] if isinstance(key, PSHashtable) else key
        for key in _names(bound.get("Property", []))
    ]
    groups: dict = {}
    for item in items:
        ctx.step()
        name = ", ".join(to_string(_value(ctx, item, key)) for key in keys) if keys else to_string(item)
        groups.setdefault(name.casefold(), (name, []))[1].append(item)
    result = [
        PSObject(
            "Microsoft.PowerShell.Commands.GroupInfo", {"Count": len(group), "Name": name, "Group": Collection(group)}
        )
        for name, group in groups.values()
    ]
    return result


def measure_object(ctx, bound: dict, items: list) -> list:
    name = plain(bound.get("Property"))
    values = [_property(item, name) if name is not None else item for item in items]
    numbers = (
        [to_number(v) for v in values if v is not None]
        if any(bound.get(k) for k in ("Sum", "Average", "Maximum", "Minimum"))
        else []
    )
    props = {
        "Count": len([v for v in values if v is not None]) if name is not None else len(values),
        "Average": sum(numbers) / len(numbers) if bound.get("Average") and numbers else None,
        "Sum": sum(numbers) if bound.get("Sum") else None,
        "Maximum": max(numbers) if bound.get("Maximum") and numbers else None,
        "Minimum": min(numbers) if bound.get("Minimum") and numbers else None,
        "Property": to_string(name) if name is not None else None,
    }
    return [PSObject("Microsoft.PowerShell.Commands.GenericMeasureInfo", props)]


# --- Output --------------------------------------------------------------------------------------------------------


def _formatted_columns(ctx, bound: dict, items: list, cmdlet: str) -> tuple[list, list]:
    """Format-List/-Table's -Property: names (wildcards allowed) as they are, or with a calculated property
    (@{l='Count'; e={...}}) the items projected first, as Select-Object would."""
    wanted = _names(bound.get("Property", []))
    if all(isinstance(w, str) for w in wanted):
        return items, wanted
    projected = select_object(ctx, {"Property": wanted}, items, cmdlet)
    return projected, list(psformat.row(projected[0], ctx.org)) if projected else []


def format_list(ctx, bound: dict, items: list) -> list:
    items, wanted = _formatted_columns(ctx, bound, items, "Format-List")
    return [Formatted(psformat.list_view(items, ctx.org, wanted))]


def format_table(ctx, bound: dict, items: list) -> list:
    items, wanted = _formatted_columns(ctx, bound, items, "Format-Table")
    lines = Formatted(psformat.table_view(items, ctx.org, wanted, wrap=bool(bound.get("Wrap"))))
    lines.table = True  # the host holds it as it holds a table it formats itself (psformat.Host)
    return [lines]


def out_string(ctx, bound: dict, items: list) -> list:
    lines = ctx.render(ctx, items)
    if bound.get("Stream"):
        return lines
    return ["\n".join(lines) + "\n"]


def write_host(ctx, bound: dict, items: list) -> list:
    separator = to_string(bound.get("Separator", " "))
    text = separator.join(to_string(v) for v in as_list(bound.get("Object", [])))
    ctx.print([text])
    return []


def _stream_writer(prefix: str, preference: str | None, switch: str | None):
    """Write-Verbose / -Debug / -Information: the host's `VERBOSE: text` line, only with their switch or their
    preference variable at Continue (PowerShell's default is silent)."""

    def shown(value) -> bool:
        return action_preference(value) in ("continue", "inquire")

    def write(ctx, bound: dict, items: list) -> list:
        given = bound.get(switch)
        on = shown(given) if switch == "InformationAction" else bool(given)
        if not on and not (given is None and shown(ctx.get(preference))):
            return []
        ctx.print([f"{prefix}{text}" for text in _messages(bound, items)])
        return []

    return write


def _messages(bound: dict, items: list) -> list[str]:
    message = bound.get("Message", bound.get("MessageData"))
    return [to_string(v) for v in as_list(message)] * (message is not None) + [to_string(v) for v in items]


def write_warning(ctx, bound: dict, items: list) -> list:
    if bound.get("Message") is None and not items:  # -Message is mandatory; the console can't prompt for it
        raise RuntimeFailure("Cannot process command because of one or more missing mandatory parameters: Message.")
    warn(ctx, bound, _messages(bound, items))
    return []


# ActionPreference's values, which the -…Action parameters and preference variables also take as numbers
# (`-ea 0` is common in scripts)
ACTION_NUMBERS = {"0": "silentlycontinue", "1": "stop", "2": "continue", "3": "inquire", "4": "ignore"}


def action_preference(value) -> str:
    """An ActionPreference as written (`SilentlyContinue`, `0`), lower-cased by name; "" for none."""
    text = "" if value is None else to_string(plain(value)).strip().casefold()
    return ACTION_NUMBERS.get(text, text)


WARNING_STOPPED = (
    'The running command stopped because the preference variable "WarningPreference" or common parameter is set '
    "to Stop: {0}"
)


def warn(ctx, bound: dict, messages: list[str]) -> None:
    """Warnings, a cmdlet's own or Write-Warning's, as the command's -WarningAction or else $WarningPreference
    (Continue by default) says: printed as `WARNING: text`, not printed (SilentlyContinue, Ignore), or printed and
    then the command stopped (Stop), in PowerShell's words."""
    given = bound.get("WarningAction")
    if given is None and hasattr(ctx, "get"):
        given = ctx.get("warningpreference")
    action = action_preference(given) or "continue"
    _keep_warnings(ctx, bound.get("WarningVariable"), [] if action == "ignore" else messages)
    if not messages or action in ("silentlycontinue", "ignore"):
        return
    lines = [f"WARNING: {text}" for text in messages]
    if hasattr(ctx, "print"):
        ctx.print(lines)
    else:  # an engine-only caller's state (emscmdlets._State)
        ctx.output += lines
    if action == "stop":
        raise RuntimeFailure(WARNING_STOPPED.format(messages[0]))


def _keep_warnings(ctx, variable, messages: list[str]) -> None:
    """-WarningVariable (-wv): the command's warnings, silenced ones too (not Ignore's), in that variable; emptied
    first unless written `+name`, as -ErrorVariable is."""
    if variable is None or not hasattr(ctx, "set"):
        return
    written = to_string(plain(variable)).strip()
    name = written.lstrip("+").casefold()
    kept = as_list(ctx.get(name)) if written.startswith("+") and ctx.get(name) is not None else []
    ctx.set(name, [*kept, *messages])


def write_error(ctx, bound: dict, items: list) -> list:
    """An error the script raises: the console's error (stopping the script, as every error does unless
    -ErrorAction says otherwise)."""
    texts = [to_string(v) for v in as_list(bound.get("Message", []))] + [to_string(v) for v in items]
    raise RuntimeFailure(" ".join(texts) or "An error occurred.")


def write_output(ctx, bound: dict, items: list) -> list:
    return [v for value in bound.get("InputObject", []) for v in as_list(value)] + (items or [])


def get_date(ctx, bound: dict, items: list) -> list:
    now = dt.datetime.now()
    if "Date" in bound:
        from .psvalues import cast

        now = cast("datetime", bound["Date"])
    if "Format" in bound:
        return [dotnet_date(now, to_string(bound["Format"]))]
    if "UFormat" in bound:
        from .psdates import uformat

        return [uformat(now, to_string(bound["UFormat"]))]
    return [now]


# --- Files ---------------------------------------------------------------------------------------------------------


def file_name(path) -> str:
    """The file a path names: its last part (C:\\temp\\relays.csv and relays.csv are both relays.csv)."""
    return ntpath.basename(to_string(path).replace("/", "\\")).strip()


def read_file(ctx, path) -> str:
    name = file_name(path)
    found = next(
        (text for key, text in {**ctx.files, **ctx.written}.items() if key.casefold() == name.casefold()), None
    )
    if found is None:
        raise ExchangeError(NO_FILE.format(to_string(path)))
    return found


def _write(ctx, path, text: str, append: bool) -> None:
    name = file_name(path)
    if not name:
        raise ExchangeError("Give the file a name: Export-Csv -Path connectors.csv.")
    previous = _existing(ctx, name) if append else ""
    ctx.written[name] = previous + text
    ctx.printed += len(text)
    if ctx.printed > ctx.max_output:
        from .psruntime import OUTPUT_LIMIT, LimitReached

        raise LimitReached(OUTPUT_LIMIT.format(ctx.max_output))


def import_csv(ctx, bound: dict, items: list) -> list:
    text = read_file(ctx, bound.get("Path") or bound.get("LiteralPath"))
    return _from_csv(ctx, text, bound)


def convert_from_csv(ctx, bound: dict, items: list) -> list:
    return _from_csv(ctx, "\n".join(to_string(item) for item in items), bound)


# PowerShell's CSV reader has no field limit (Python's stops at 131,072 characters); the script's size, output and
# file caps bound a field instead.
csv.field_size_limit(2**31 - 1)


def _from_csv(ctx, text: str, bound: dict) -> list:
    delimiter = to_string(bound.get("Delimiter", ","))[:1] or ","
    if text.startswith("#TYPE"):  # Export-Csv's type line (Windows PowerShell without -NoTypeInformation)
        text = text.partition("\n")[2]
    # read as one text, not line by line: a quoted value may hold a line break, as Export-Csv writes it
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = bound.get("Header")
    try:
        rows = [row for row in reader if row]  # Import-Csv passes over blank lines
    except csv.Error as error:  # a malformed text (NUL in a field): PowerShell's reader fails in words too
        raise RuntimeFailure(f"The CSV text can't be read: {error}.") from None
    names = [to_string(h) for h in as_list(header)] if header is not None else (rows.pop(0) if rows else [])
    result = []
    for row in rows:
        ctx.step()
        result.append(
            PSObject(
                "System.Management.Automation.PSCustomObject",
                {n: (row[i] if i < len(row) else None) for i, n in enumerate(names)},
            )
        )
    return result


def get_content(ctx, bound: dict, items: list) -> list:
    text = read_file(ctx, bound.get("Path") or bound.get("LiteralPath"))
    return [text] if bound.get("Raw") else text.splitlines()


def _csv_records(ctx, cmdlet: str, items: list, bound: dict, existing: str = "") -> list[str]:
    """The items as Export-Csv and ConvertTo-Csv write them, one text per record: every value quoted, `#TYPE` first
    unless -NoTypeInformation; after `existing` CSV text, its header's columns and no second header. A record keeps
    a line break inside a quoted value (ConvertTo-Csv returns it as one string, as PowerShell does)."""
    delimiter = to_string(bound.get("Delimiter", ","))[:1] or ","
    if not items:
        return []

    def record(values: list) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="").writerow(values)
        return buffer.getvalue()

    records = []
    header = _header(existing, delimiter)
    if header is not None:  # -Append to a file with rows: its columns, no second header (as PowerShell)
        names = header
    else:
        names = list(psformat.row(items[0], ctx.org))
        if not bound.get("NoTypeInformation"):  # Windows PowerShell 5.1, EMS's, writes the type first
            records.append(f"#TYPE {type_name(items[0])}")
        records.append(record(names))
    for item in items:
        ctx.step()
        cells = _written_cells(ctx, cmdlet, psformat.row(item, ctx.org))
        records.append(record([cells.get(n, "") for n in names]))
    return records


def _header(text: str, delimiter: str) -> list[str] | None:
    """The column names of CSV text, past its #TYPE line; None when it has none."""
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return next((row for row in rows if row and not row[0].startswith("#TYPE")), None)
    except csv.Error:
        return None


def export_csv(ctx, bound: dict, items: list) -> list:
    path, append = bound.get("Path") or bound.get("LiteralPath"), bool(bound.get("Append"))
    records = _csv_records(ctx, "Export-Csv", items, bound, _existing(ctx, path) if append else "")
    _write(ctx, path, "".join(record + "\n" for record in records), append)
    return []


def convert_to_csv(ctx, bound: dict, items: list) -> list:
    return _csv_records(ctx, "ConvertTo-Csv", items, bound)


LOST_VALUES = (
    "NOTE: In EMS, {0} writes a multi-valued property ({1}) as its type's name and loses the values; the console "
    "writes them as {{a, b}}. To keep them on a real server, join them: "
    "@{{Name='{1}'; Expression={{$_.{1} -join ','}}}}."
)


def _written_cells(ctx, cmdlet: str, row: dict) -> dict[str, str]:
    """A row's values as the file or page shows them (psformat.cell), with the note, once per script, that EMS
    would have written a list's type name instead."""
    lists = [name for name, value in row.items() if isinstance(value, list)]
    if lists:
        note = LOST_VALUES.format(cmdlet, lists[0])
        said = LOST_VALUES.partition("({1})")[0].format(cmdlet)  # the note's words before the property it names
        if not any(written.startswith(said) for written in ctx.notes):
            ctx.notes.append(note)
            ctx.print([note])
    return {name: psformat.cell(value) for name, value in row.items()}


AS_SET = (
    'Cannot validate argument on parameter \'As\'. The argument "{0}" does not belong to the set "Table,List" '
    "specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again."
)


def convert_to_html(ctx, bound: dict, items: list) -> list:
    """ConvertTo-Html: every property of each object (or -Property's, calculated ones too, as Select-Object makes
    them), its values as Export-Csv writes them, in the page pshtml writes."""
    layout = to_string(plain(bound.get("As", "Table"))).strip()
    if layout.casefold() not in ("table", "list"):
        raise RuntimeFailure(AS_SET.format(layout))
    widths: list = []
    if "Property" in bound:
        widths = _html_columns(ctx, _names(bound["Property"]), items[0]) if items else []
        items = select_object(ctx, {"Property": bound["Property"]}, items, "ConvertTo-Html")
    rows = []
    for item in items:
        ctx.step()
        rows.append(_written_cells(ctx, "ConvertTo-Html", psformat.row(item, ctx.org)))

    def texts(name: str) -> list[str] | None:
        return [to_string(v) for v in as_list(plain(bound[name]))] if bound.get(name) is not None else None

    return pshtml.page(
        rows,
        as_list=layout.casefold() == "list",
        fragment=bool(bound.get("Fragment")),
        title=to_string(plain(bound["Title"])) if bound.get("Title") is not None else None,
        head=texts("Head"),
        body=texts("Body"),
        css_uri=to_string(plain(bound["CssUri"])) if bound.get("CssUri") is not None else None,
        pre_content=texts("PreContent"),
        post_content=texts("PostContent"),
        widths=widths,
    )


def _html_columns(ctx, wanted: list, first) -> list[tuple[str | None, str | None]]:
    """Each column's Width and Alignment from its -Property hashtable (`<col width = "20"/>`), a wildcard's every
    column alike; Width is taken as a number or a text, Alignment as a text, as ConvertToHtml.cs takes them."""
    columns = []
    for spec in wanted:
        width = alignment = None
        if isinstance(spec, PSHashtable):
            entries = _hashtable_key(spec, "ConvertTo-Html")
            given = entries.get("Width")
            width = str(given) if isinstance(given, (int, str)) and not isinstance(given, bool) else None
            alignment = entries.get("Alignment") if isinstance(entries.get("Alignment"), str) else None
        columns += [(width, alignment)] * len(_columns(ctx, first, [spec], "ConvertTo-Html"))
    return columns


def _existing(ctx, path) -> str:
    name = file_name(path).casefold()
    files = {**ctx.files, **ctx.written}
    return next((text for key, text in files.items() if key.casefold() == name), "")


def out_file(ctx, bound: dict, items: list) -> list:
    lines = ctx.render(ctx, items)
    _write(ctx, bound.get("FilePath") or bound.get("LiteralPath"), "\n".join(lines) + "\n", bool(bound.get("Append")))
    return []


def _no_op(ctx, bound: dict, items: list) -> list:
    return []


# The one kind of object New-Object makes in the console: a custom object (reports build rows with it).
OBJECT_TYPES = (
    "psobject",
    "pscustomobject",
    "system.management.automation.psobject",
    "system.management.automation.pscustomobject",
)


def is_list_type(type_name: str) -> bool:
    """System.Collections.ArrayList or System.Collections.Generic.List[T], the lists New-Object makes."""
    lowered = type_name.strip().casefold().removeprefix("system.")
    return lowered == "collections.arraylist" or bool(re.fullmatch(r"collections\.generic\.list\s*\[.+\]", lowered))


NEW_OBJECT_REFUSED = (
    "New-Object {0} is not run by the exchsim console: it makes only custom objects "
    "(New-Object PSObject -Property @{{…}})."
)


def new_object(ctx, bound: dict, items: list) -> list:
    """`New-Object PSObject -Property @{Name = …; Ranges = …}`: a custom object with those properties, in the order
    written (PowerShell 5.1 takes a plain hashtable's own order, which the console doesn't reproduce); an ArrayList
    or a List[T], empty, which scripts fill with .Add()."""
    type_name = to_string(bound.get("TypeName", "")).strip()
    if is_list_type(type_name) and "ComObject" not in bound:
        return [cast(type_name, None)]
    if type_name.casefold() not in OBJECT_TYPES or "ComObject" in bound:
        raise RuntimeFailure(NEW_OBJECT_REFUSED.format(type_name or to_string(bound.get("ComObject", ""))))
    properties = bound.get("Property")
    if properties is not None and not isinstance(properties, dict):
        raise RuntimeFailure(
            f"Cannot bind parameter 'Property'. Cannot convert the \"{to_string(properties)[:40]}\" value of type "
            '"System.String" to type "System.Collections.IDictionary".'
        )
    values = {str(k): v for k, v in (properties or {}).items()}
    return [PSObject("System.Management.Automation.PSCustomObject", values)]


# PowerShell's common parameters (about_CommonParameters), every cmdlet's; -ErrorAction and -ErrorVariable act
# (ems._commands), the others are accepted and change nothing in the console.
COMMON_PARAMETERS = {
    "ErrorAction": VALUE,
    "ErrorVariable": VALUE,
    "WarningAction": VALUE,
    "WarningVariable": VALUE,
    "InformationAction": VALUE,
    "InformationVariable": VALUE,
    "OutVariable": VALUE,
    "OutBuffer": VALUE,
    "PipelineVariable": VALUE,
    "Verbose": SWITCH,
    "Debug": SWITCH,
}
ALIASES_OF_COMMON = {
    "ea": "ErrorAction",
    "ev": "ErrorVariable",
    "wa": "WarningAction",
    "wv": "WarningVariable",
    "infa": "InformationAction",
    "iv": "InformationVariable",
    "ov": "OutVariable",
    "ob": "OutBuffer",
    "pv": "PipelineVariable",
    "vb": "Verbose",
    "db": "Debug",
    "cf": "Confirm",
    "wi": "WhatIf",
}
_COMMON = COMMON_PARAMETERS
_WHERE = {
    "FilterScript": VALUE,
    "Property": VALUE,
    "Value": VALUE,
    "InputObject": VALUE,
    **{op.capitalize(): SWITCH for op in _WHERE_OPERATORS},
    **{"C" + op: SWITCH for op in _WHERE_OPERATORS},
}
_SPECS = {
    "Where-Object": (where_object, _WHERE, ("FilterScript",)),
    "ForEach-Object": (
        foreach_object,
        {
            "Process": VALUE,
            "Begin": VALUE,
            "End": VALUE,
            "MemberName": VALUE,
            "ArgumentList": VALUE,
            "RemainingScripts": VALUE,
            "InputObject": VALUE,
        },
        ("Process",),
    ),
    "Select-Object": (
        select_object,
        {
            "Property": VALUE,
            "ExpandProperty": VALUE,
            "ExcludeProperty": VALUE,
            "First": VALUE,
            "Last": VALUE,
            "Skip": VALUE,
            "Unique": SWITCH,
            "Wait": SWITCH,
            "InputObject": VALUE,
        },
        ("Property",),
    ),
    "Sort-Object": (
        sort_object,
        {"Property": VALUE, "Descending": SWITCH, "Unique": SWITCH, "CaseSensitive": SWITCH, "InputObject": VALUE},
        ("Property",),
    ),
    "Compare-Object": (
        compare_object,
        {
            "ReferenceObject": VALUE,
            "DifferenceObject": VALUE,
            "Property": VALUE,
            "IncludeEqual": SWITCH,
            "ExcludeDifferent": SWITCH,
            "PassThru": SWITCH,
            "CaseSensitive": SWITCH,
            "SyncWindow": VALUE,
            "Culture": VALUE,
        },
        ("ReferenceObject", "DifferenceObject"),
    ),
    "Group-Object": (group_object, {"Property": VALUE, "NoElement": SWITCH, "InputObject": VALUE}, ("Property",)),
    "Measure-Object": (
        measure_object,
        {
            "Property": VALUE,
            "Sum": SWITCH,
            "Average": SWITCH,
            "Maximum": SWITCH,
            "Minimum": SWITCH,
            "InputObject": VALUE,
        },
        ("Property",),
    ),
    "Format-List": (
        format_list,
        {"Property": VALUE, "GroupBy": VALUE, "Force": SWITCH, "InputObject": VALUE},
        ("Property",),
    ),
    "Format-Table": (
        format_table,
        {
            "Property": VALUE,
            "AutoSize": SWITCH,
            "Wrap": SWITCH,
            "HideTableHeaders": SWITCH,
            "GroupBy": VALUE,
            "InputObject": VALUE,
        },
        ("Property",),
    ),
    "Out-String": (out_string, {"Stream": SWITCH, "Width": VALUE, "InputObject": VALUE}, ()),
    "Write-Host": (
        write_host,
        {"Object": VALUE, "NoNewline": SWITCH, "Separator": VALUE, "ForegroundColor": VALUE, "BackgroundColor": VALUE},
        ("Object",),
    ),
    "Write-Output": (write_output, {"InputObject": VALUE, "NoEnumerate": SWITCH}, ()),
    "Write-Warning": (write_warning, {"Message": VALUE}, ("Message",)),
    "Write-Verbose": (_stream_writer("VERBOSE: ", "verbosepreference", "Verbose"), {"Message": VALUE}, ("Message",)),
    "Write-Debug": (_stream_writer("DEBUG: ", "debugpreference", "Debug"), {"Message": VALUE}, ("Message",)),
    "Write-Information": (
        _stream_writer("", "informationpreference", "InformationAction"),
        {"MessageData": VALUE, "Tags": VALUE},
        ("MessageData",),
    ),
    "Write-Error": (
        write_error,
        {"Message": VALUE, "Category": VALUE, "ErrorId": VALUE, "TargetObject": VALUE, "Exception": VALUE},
        ("Message",),
    ),
    "Get-Date": (get_date, {"Date": VALUE, "Format": VALUE, "UFormat": VALUE}, ("Date",)),
    "Import-Csv": (
        import_csv,
        {"Path": VALUE, "LiteralPath": VALUE, "Delimiter": VALUE, "Header": VALUE, "Encoding": VALUE},
        ("Path",),
    ),
    "ConvertFrom-Csv": (
        convert_from_csv,
        {"InputObject": VALUE, "Delimiter": VALUE, "Header": VALUE, "UseCulture": SWITCH},
        ("InputObject",),
    ),
    "ConvertTo-Csv": (
        convert_to_csv,
        {"InputObject": VALUE, "NoTypeInformation": SWITCH, "Delimiter": VALUE, "UseCulture": SWITCH},
        (),
    ),
    "ConvertTo-Html": (
        convert_to_html,
        {
            "InputObject": VALUE,
            "Property": VALUE,
            "Body": VALUE,
            "Head": VALUE,
            "Title": VALUE,
            "As": VALUE,
            "CssUri": VALUE,
            "Fragment": SWITCH,
            "PostContent": VALUE,
            "PreContent": VALUE,
        },
        ("Property", "Body", "Head", "Title"),
    ),
    "Get-Content": (get_content, {"Path": VALUE, "LiteralPath": VALUE, "Encoding": VALUE, "Raw": SWITCH}, ("Path",)),
    "Export-Csv": (
        export_csv,
        {
            "Path": VALUE,
            "LiteralPath": VALUE,
            "NoTypeInformation": SWITCH,
            "Delimiter": VALUE,
            "Append": SWITCH,
            "Encoding": VALUE,
            "Force": SWITCH,
            "NoClobber": SWITCH,
            "UseCulture": SWITCH,
        },
        ("Path",),
    ),
    "Out-File": (
        out_file,
        {
            "FilePath": VALUE,
            "LiteralPath": VALUE,
            "Append": SWITCH,
            "Encoding": VALUE,
            "Width": VALUE,
            "Force": SWITCH,
            "NoClobber": SWITCH,
        },
        ("FilePath",),
    ),
    "Out-Null": (_no_op, {"InputObject": VALUE}, ()),
    "New-Object": (
        new_object,
        {"TypeName": VALUE, "Property": VALUE, "ArgumentList": VALUE, "ComObject": VALUE, "Strict": SWITCH},
        ("TypeName", "ArgumentList"),
    ),
    "Write-Progress": (
        _no_op,  # the host's progress bar: nothing in the console's output
        {
            "Activity": VALUE,
            "Status": VALUE,
            "Id": VALUE,
            "PercentComplete": VALUE,
            "SecondsRemaining": VALUE,
            "CurrentOperation": VALUE,
            "ParentId": VALUE,
            "Completed": SWITCH,
            "SourceId": VALUE,
        },
        ("Activity", "Status", "Id"),
    ),
    "Out-Default": (lambda ctx, bound, items: items, {"InputObject": VALUE}, ()),
    **psgetmember.SPECS,
    **psselectstring.SPECS,
}
_REST = {"Write-Host": "Object", "Write-Output": "InputObject"}
ALIASES = {
    "where": "Where-Object",
    "?": "Where-Object",
    "foreach": "ForEach-Object",
    "%": "ForEach-Object",
    "select": "Select-Object",
    "sort": "Sort-Object",
    "group": "Group-Object",
    "compare": "Compare-Object",
    "diff": "Compare-Object",
    "measure": "Measure-Object",
    "fl": "Format-List",
    "ft": "Format-Table",
    "echo": "Write-Output",
    "write": "Write-Output",
    "ipcsv": "Import-Csv",
    "epcsv": "Export-Csv",
    "gc": "Get-Content",
    "cat": "Get-Content",
    "type": "Get-Content",
    **psgetmember.ALIASES,
    **psselectstring.ALIASES,
}
CMDLETS = {name.casefold(): name for name in _SPECS} | {alias: name for alias, name in ALIASES.items()}


def _parameter_set(canonical: str, elements: list, positional: tuple, rest):
    """Where-Object and ForEach-Object take a script block first, or (their other parameter set) a property name:
    `? Name -like 'C*'` is -Property Name -Value 'C*', `% Name` is -MemberName Name."""
    first = next((e for e in elements if not isinstance(e, Parameter)), None)
    if first is None or isinstance(first, Block):
        return positional, ("RemainingScripts" if canonical == "ForEach-Object" else rest)
    return (("Property", "Value"), rest) if canonical == "Where-Object" else (("MemberName",), "ArgumentList")


def _prepare(name: str, elements: list) -> tuple[str, dict]:
    """The cmdlet's canonical name and its arguments bound."""
    canonical = CMDLETS[name.casefold()]
    _, parameters, positional = _SPECS[canonical]
    rest = _REST.get(canonical)
    if canonical in ("Where-Object", "ForEach-Object"):
        positional, rest = _parameter_set(canonical, elements, positional, rest)
    bound = bind(canonical, elements, {**parameters, **_COMMON}, positional, rest)
    if canonical == "ForEach-Object" and isinstance(bound.get("RemainingScripts"), list):
        blocks = [bound.pop("Process"), *bound.pop("RemainingScripts")]
        # `% {begin} {process} {end}`: two blocks are Begin and Process, three Begin, Process and End
        bound.update(zip(("Begin", "Process", "End"), blocks, strict=False))
    if canonical in _REST:
        bound[_REST[canonical]] = as_list(bound.get(_REST[canonical]))
    return canonical, bound


def run(ctx, name: str, elements: list, items: list | None) -> list:
    canonical, bound = _prepare(name, elements)
    if "InputObject" in bound and items is None and canonical not in ("Write-Output",):
        items = as_list(bound["InputObject"])
    return _SPECS[canonical][0](ctx, bound, list(items or []))


__all__ = ["CMDLETS", "RuntimeFailure", "bind", "file_name", "run"]
