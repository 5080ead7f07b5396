"""Editing an object read from the lab, and handing it back: `$c.MaxMessageSize = "20MB"`, `$c | Set-ReceiveConnector`,
`Set-ReceiveConnector -Instance $c` (docs/decisions.md, "Edited objects and -Instance").

An assignment to a property converts the value as the property's type does (the catalogue row's parse: "20MB" becomes
a ByteQuantifiedSize that prints `20 MB (20,971,520 bytes)`), so a wrong value fails where it is assigned, in
PowerShell's words, and a read-only property (Identity, Guid, a server's roles) can't be assigned. The edit stays on
the script's copy: Exchange 2010 and later bind a piped object by its Identity, and only Exchange 2007 documented
`-Instance`; the console binds both by Identity and says which edits were not applied.
"""

from __future__ import annotations

import dataclasses
import re

from .emsbind import PARAMETER_SET
from .errors import ExchangeError
from .model import ReceiveConnector
from .psast import CommandCall, Parameter
from .psformat import held, property_value
from .psgetmember import catalogue_of
from .psvalues import RuntimeFailure

READ_ONLY = "'{0}' is a ReadOnly property."
SETTING = 'Exception setting "{0}": "{1}"'
INSTANCE_CMDLETS = ("Set-ReceiveConnector",)
INSTANCE_NOTE = (
    "NOTE: -Instance is Exchange 2007's parameter of {0}; Exchange 2010 and later don't document it and bind an object "
    "by its Identity, as the console does here."
)


def assigned(obj, org, name: str, value):
    """The value a script assigns to a property of a lab object, as the property holds it; RuntimeFailure when the
    property is read-only or the value doesn't convert."""
    rows = catalogue_of(obj)
    prop = rows.by_name(name) if rows is not None else None
    if prop is None or not prop.is_settable:
        raise RuntimeFailure(READ_ONLY.format(name))
    try:
        parsed = prop.parse(getattr(value, "text", value))
    except ExchangeError as error:  # PowerShell names the property, not a parameter, when an assignment fails
        message = re.sub(r"^Cannot process argument transformation on parameter '[^']*'\. ", "", str(error))
        raise RuntimeFailure(SETTING.format(name, message)) from None
    if isinstance(obj, ReceiveConnector) and name != "PermissionGroups":  # PermissionGroups is read from the ACL
        return property_value(dataclasses.replace(obj, **{prop.field: parsed}), org, name)
    return held(prop, parsed)  # as a Get- shows it: a size compares as its bytes and has ToMB()


def _is_instance(written: str) -> bool:
    lowered = written.casefold()
    return len(lowered) >= 2 and "instance".startswith(lowered)


def split_instance(call: CommandCall) -> tuple[CommandCall, object]:
    """The call without its -Instance argument, and that argument (None when the call has none)."""
    elements, instance, found, i = [], None, False, 0
    while i < len(call.elements):
        element = call.elements[i]
        i += 1
        if isinstance(element, Parameter) and _is_instance(element.name):
            found = True
            if element.colon:
                instance = element.value
            elif i < len(call.elements) and not isinstance(call.elements[i], Parameter):
                instance = call.elements[i]
                i += 1
            else:
                raise ExchangeError("Missing an argument for parameter 'Instance'. Specify a parameter and try again.")
            continue
        elements.append(element)
    if not found:
        return call, None
    if any(isinstance(e, Parameter) and "identity".startswith(e.name.casefold()) for e in elements):
        raise ExchangeError(PARAMETER_SET)
    return CommandCall(call.name, elements, call.line, call.invocation), instance
