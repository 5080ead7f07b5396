"""The value types of the property catalogue: how a value of each Exchange type is parsed, checked, shown and written.

A `Kind` is one type (Boolean, Int32 with its range, ByteQuantifiedSize, EnhancedTimeSpan, Unlimited<Int32>, an enum
with its values, flags, a multi-valued list, text): `parse` takes any spelling of a value (a PowerShell argument,
Export-Clixml or Format-List text, CSV, JSON or a Python value) and raises PowerShell's binding error in its words;
`problems` gives Exchange's messages for a value of the type that Exchange refuses (its range, its choices); `shown`
is the value as EMS holds it, `data` its JSON form (which `parse` reads back) and `script` what the script writer
quotes. The engine holds Python values: bool, int, int | None for Unlimited, datetime.timedelta for a time span,
tuple for a multi-valued property. The rows that use these kinds: property_rows.py (`Property`) and the
*_properties.py catalogues.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from . import addresses
from .errors import ExchangeError

if TYPE_CHECKING:
    from .property_rows import Property


CONVERT = "Cannot process argument transformation on parameter '{0}'. Cannot convert value \"{1}\""
BOOLEAN = CONVERT + (
    ' to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, '
    "such as $True, $False, 1 or 0."
)
BAD_FORMAT = "Input string was not in a correct format."
TOO_BIG = "Value was either too large or too small for {0}."
OUT_OF_RANGE = 'The value "{value}" for {parameter} is out of range. Specify a value from {low} to {high}.'
ENUMERATOR = (
    'Cannot convert value "{value}" for the {parameter} parameter. Specify one of the following enumerator names '
    "and try again: {choices}"
)


def error_text(value, limit: int = 40) -> str:
    """A value as an error message quotes it: a long one cut, with an ellipsis (as the console's parser does)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text_of(value) -> str:
    """PowerShell's text of a bare word, a number or a string (the console's Bareword has `.text`)."""
    return str(getattr(value, "text", value)).strip()


def convert_error(parameter: str, value, type_name: str, reason: str = BAD_FORMAT) -> ExchangeError:
    message = CONVERT.format(parameter, error_text(text_of(value))) + f' to type "{type_name}". Error: "{reason}"'
    return ExchangeError(message, parameter)


# --- Kinds: how a type is parsed, checked, shown and written --------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A value type. `label` is the catalogue's word for it, `dotnet` the .NET type binding errors name."""

    label: str = "text"
    dotnet: str = "System.String"
    python: str = "object"  # the engine field's annotation
    multi: bool = False

    def parse(self, prop: Property, value):
        return value

    def problems(self, prop: Property, value) -> list[str]:
        return []

    def shown(self, prop: Property, value):
        """The value as EMS holds it for Format-List / Where-Object: bool, int, str, list of str or None."""
        return value

    def data(self, prop: Property, value):
        """JSON: bool, int, str, list of str or None."""
        return value

    def script(self, prop: Property, value):
        """What the script writer passes to powershell.literal: bool, int, str or a tuple of str."""
        shown = self.shown(prop, value)
        return tuple(shown) if isinstance(shown, list) else shown


@dataclass(frozen=True)
class Boolean(Kind):
    label: str = "bool"
    dotnet: str = "System.Boolean"
    python: str = "bool"

    def parse(self, prop, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        text = text_of(value).casefold().removeprefix("$")
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ExchangeError(BOOLEAN.format(prop.name, error_text(text_of(value))), prop.name)

    def problems(self, prop, value):
        return [] if isinstance(value, bool) else [f"{prop.name} must be $true or $false."]


def _whole(prop: Property, value, type_name: str, unlimited: bool = False) -> int | None:
    """A whole number from an int, a float (PowerShell rounds it) or text with optional thousands separators."""
    if isinstance(value, bool):
        raise convert_error(prop.name, value, type_name)
    if isinstance(value, float):
        value = round(value)  # PowerShell rounds a double to the nearest integer (ties to even)
    if isinstance(value, int):
        number = value
    else:
        text = text_of(value)
        if unlimited and text.casefold() == "unlimited":
            return None
        cleaned = text.replace(",", "")
        if not re.fullmatch(r"[+-]?[0-9]{1,30}", cleaned):
            raise convert_error(prop.name, value, type_name)
        number = int(cleaned)
    if not -(1 << 31) <= number < 1 << 31:
        raise convert_error(prop.name, value, type_name, TOO_BIG.format("an Int32"))
    return number


@dataclass(frozen=True)
class Int32(Kind):
    label: str = "int"
    dotnet: str = "System.Int32"
    python: str = "int"
    low: int = 0
    high: int = 2_147_483_647

    def parse(self, prop, value):
        return _whole(prop, value, self.dotnet)

    def problems(self, prop, value):
        if isinstance(value, int) and not isinstance(value, bool) and self.low <= value <= self.high:
            return []
        return [OUT_OF_RANGE.format(value=value, parameter=prop.name, low=self.low, high=self.high)]


@dataclass(frozen=True)
class Unlimited(Int32):
    """Unlimited<Int32>: None is Unlimited."""

    label: str = "Unlimited<int>"
    dotnet: str = "Microsoft.Exchange.Data.Unlimited`1[System.Int32]"
    python: str = "int | None"

    def parse(self, prop, value):
        if value is None:
            return None
        return _whole(prop, value, self.dotnet, unlimited=True)

    def problems(self, prop, value):
        return [] if value is None else super().problems(prop, value)

    def shown(self, prop, value):
        return "Unlimited" if value is None else value


@dataclass(frozen=True)
class UInt32(Int32):
    """System.UInt32 (Set-TransportConfig -MaxAllowedAgentGeneratedMessageDepth): 0 to 4,294,967,295."""

    dotnet: str = "System.UInt32"
    high: int = 4_294_967_295

    def parse(self, prop, value):
        if isinstance(value, bool):
            raise convert_error(prop.name, value, self.dotnet)
        number = round(value) if isinstance(value, float) else value
        if not isinstance(number, int):
            cleaned = text_of(value).replace(",", "")
            if not re.fullmatch(r"[+-]?[0-9]{1,30}", cleaned):
                raise convert_error(prop.name, value, self.dotnet)
            number = int(cleaned)
        if not 0 <= number < 1 << 32:
            raise convert_error(prop.name, value, self.dotnet, TOO_BIG.format("a UInt32"))
        return number


_SIZE = re.compile(
    r"\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|TB)?\s*(?:\(\s*[0-9,]+\s*bytes\s*\))?\s*",
    re.IGNORECASE,
)
_UNITS = {"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40}


def format_size(value: int) -> str:
    """As EMS prints a ByteQuantifiedSize: `36 MB (37,748,736 bytes)`."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= factor:
            return f"{value / factor:g} {unit} ({value:,} bytes)"
    return f"{value} B ({value:,} bytes)"


@dataclass(frozen=True)
class ByteSize(Int32):
    """ByteQuantifiedSize: bytes; a number with B, KB, MB, GB or TB (unqualified = bytes), or EMS's own text."""

    label: str = "ByteQuantifiedSize"
    dotnet: str = "Microsoft.Exchange.Data.ByteQuantifiedSize"

    def parse(self, prop, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # a number already: the range check words what is wrong with it
        else:
            text = text_of(value)
            match = _SIZE.fullmatch(text) if len(text) < 200 else None
            if match is None or len(match.group(1)) > 30:
                raise convert_error(prop.name, value, self.dotnet)
            # Decimal, not float: no value overflows or loses digits.
            whole = int(Decimal(match.group(1).replace(",", "")) * _UNITS[(match.group(2) or "b").casefold()])
        if not 0 <= whole < 1 << 64:
            raise convert_error(prop.name, value, self.dotnet, TOO_BIG.format("a UInt64"))
        return whole

    def shown(self, prop, value):
        return format_size(value)

    def script(self, prop, value):
        return value


@dataclass(frozen=True)
class UnlimitedSize(ByteSize):
    """Unlimited<ByteQuantifiedSize>: None is Unlimited (Set-TransportConfig -MaxReceiveSize)."""

    label: str = "Unlimited<ByteQuantifiedSize>"
    dotnet: str = "Microsoft.Exchange.Data.Unlimited`1[Microsoft.Exchange.Data.ByteQuantifiedSize]"
    python: str = "int | None"

    def parse(self, prop, value):
        if value is None or text_of(value).strip().casefold() == "unlimited":
            return None
        return super().parse(prop, value)

    def problems(self, prop, value):
        return [] if value is None else super().problems(prop, value)

    def shown(self, prop, value):
        return "Unlimited" if value is None else format_size(value)

    def script(self, prop, value):
        return "Unlimited" if value is None else value


_SPAN = re.compile(r"\s*(-)?(?:(\d{1,8})\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*")


def format_span(value: datetime.timedelta) -> str:
    """As .NET prints a TimeSpan: `00:10:00`, `1.00:00:00`, `00:00:00.5000000`."""
    ticks = (value.days * 86_400 + value.seconds) * 10_000_000 + value.microseconds * 10
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    days, rest = divmod(ticks, 864_000_000_000)
    hours, rest = divmod(rest, 36_000_000_000)
    minutes, rest = divmod(rest, 600_000_000)
    seconds, fraction = divmod(rest, 10_000_000)
    text = f"{sign}{f'{days}.' if days else ''}{hours:02}:{minutes:02}:{seconds:02}"
    return text + (f".{fraction:07}" if fraction else "")


@dataclass(frozen=True)
class TimeSpan(Kind):
    """EnhancedTimeSpan: [d.]hh:mm[:ss[.fffffff]]; a number is ticks, as PowerShell converts it."""

    label: str = "EnhancedTimeSpan"
    dotnet: str = "Microsoft.Exchange.Data.EnhancedTimeSpan"
    python: str = "datetime.timedelta"
    low: datetime.timedelta = datetime.timedelta(0)
    high: datetime.timedelta = datetime.timedelta(days=1)

    def parse(self, prop, value):
        if isinstance(value, datetime.timedelta):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return datetime.timedelta(microseconds=value / 10)
        text = text_of(value)
        match = _SPAN.fullmatch(text) if len(text) < 40 else None
        if match is None:
            raise convert_error(prop.name, value, self.dotnet)
        sign, days, hours, minutes, seconds, fraction = match.groups()
        if int(hours) > 23 or int(minutes) > 59 or int(seconds or 0) > 59:
            raise convert_error(prop.name, value, self.dotnet)
        span = datetime.timedelta(
            days=int(days or 0),
            hours=int(hours),
            minutes=int(minutes),
            seconds=int(seconds or 0),
            microseconds=int((fraction or "0").ljust(7, "0")) / 10,
        )
        return -span if sign else span

    def problems(self, prop, value):
        if isinstance(value, datetime.timedelta) and self.low <= value <= self.high:
            return []
        shown = format_span(value) if isinstance(value, datetime.timedelta) else value
        low, high = format_span(self.low), format_span(self.high)
        return [OUT_OF_RANGE.format(value=shown, parameter=prop.name, low=low, high=high)]

    def shown(self, prop, value):
        return format_span(value)

    data = shown


@dataclass(frozen=True)
class Choice(Kind):
    """An enum, held as its canonical name ("Verbose"), or as a member of `enum_type` when one is given."""

    label: str = "enum"
    dotnet: str = "System.String"
    python: str = "str"
    choices: tuple[str, ...] = ()
    enum_type: type | None = None
    short_forms: bool = False  # "Frontend" for FrontendTransport (docs/decisions.md)

    def names(self) -> tuple[str, ...]:
        return tuple(m.value for m in self.enum_type) if self.enum_type else self.choices

    def parse(self, prop, value):
        if self.enum_type is not None and isinstance(value, self.enum_type):
            return value
        wanted = text_of(value).casefold()
        for name in self.names():
            forms = {name.casefold()}
            if self.short_forms:
                forms.add(name.casefold().removesuffix("transport"))
            if wanted in forms:
                return self.enum_type(name) if self.enum_type else name
        raise ExchangeError(
            ENUMERATOR.format(value=error_text(text_of(value)), parameter=prop.name, choices=", ".join(self.names())),
            prop.name,
        )

    def problems(self, prop, value):
        ok = isinstance(value, self.enum_type) if self.enum_type else value in self.choices
        return [] if ok else [f"{prop.name} must be one of: {', '.join(self.names())}."]

    def shown(self, prop, value):
        return getattr(value, "value", value)  # an engine enum member (DomainType.AUTHORITATIVE) shows its name

    data = shown


def _catalogue():
    # catalogue.py builds ACEs (model.py), and model.py is built from the catalogue: read it when a value is parsed.
    from . import catalogue

    return catalogue


@dataclass(frozen=True)
class Flags(Kind):
    """A flags enum (AuthMechanism, PermissionGroups), held as its int; text `Tls, BasicAuth`."""

    label: str = "flags"
    python: str = "int"
    flags: str = ""  # "auth" | "groups"

    def _functions(self) -> tuple[Callable, Callable]:
        cat = _catalogue()
        if self.flags == "auth":
            return cat.parse_auth_mechanism, cat.format_auth_mechanism
        return cat.parse_permission_groups, cat.format_permission_groups

    def members(self) -> tuple[tuple[int, str], ...]:
        """(value, text) of each flag a cmdlet may set, in Exchange's order: PermissionGroups' Custom is read back from
        the ACL, never written (§1.4)."""
        cat = _catalogue()
        enum_type = cat.AuthMechanism if self.flags == "auth" else cat.PermissionGroup
        text = self._functions()[1]
        return tuple((int(m), text(m)) for m in enum_type if m and m is not getattr(enum_type, "CUSTOM", None))

    def parse(self, prop, value):
        parse, _ = self._functions()
        if isinstance(value, list):
            value = ", ".join(text_of(item) for item in value)  # 'Tls','BasicAuth' and 'Tls, BasicAuth' are the same
        return int(parse(value if isinstance(value, int) else text_of(value)))

    def shown(self, prop, value):
        return self._functions()[1](value)

    data = shown


def _items(value) -> list:
    """A list from one value, a list, or comma-separated text."""
    if isinstance(value, (list, tuple)):
        return [item for item in value]
    if value is None:
        return []
    return [item for item in str(text_of(value)).replace("\n", ",").split(",") if item.strip()]


@dataclass(frozen=True)
class Multi(Kind):
    """A multi-valued property: `{a, b}` in Format-List, 'a','b' in a script, a JSON list."""

    label: str = "multi-valued string"
    dotnet: str = "Microsoft.Exchange.Data.MultiValuedProperty"
    python: str = "tuple"
    multi: bool = True
    item: str = "string"  # "binding" | "ip range" | "domain" | "string"

    def parse(self, prop, value):
        if isinstance(value, tuple) and all(not isinstance(v, str) for v in value) and value:
            return value  # already parsed Bindings / IPRanges
        texts = [text_of(item).strip() for item in _items(value)]
        texts = [t.strip("{}").strip() for t in texts]  # Format-List's {a, b}
        texts = [t for t in texts if t]
        if self.item == "binding":
            return addresses.parse_bindings(texts) if texts else ()
        if self.item == "ip range":
            return addresses.parse_remote_ranges(texts) if texts else ()
        if self.item == "domain":
            return tuple(t.lower() for t in texts)
        return tuple(texts)

    def shown(self, prop, value):
        return [getattr(item, "text", item) for item in value]

    data = shown


@dataclass(frozen=True)
class Text(Kind):
    label: str = "text"
    dotnet: str = "System.String"
    python: str = "str"
    item: str = "string"  # "fqdn" | "certificate" | "domain" | "string"

    def parse(self, prop, value):
        if value is None:
            return ""
        if isinstance(value, (list, dict)):
            raise convert_error(prop.name, "System.Object[]", self.dotnet)
        text = str(getattr(value, "text", value))
        # the empty SmtpAddress, as an export may print it (the null reverse path)
        return "" if self.item == "address" and text.strip() == "<>" else text

    def shown(self, prop, value):
        return value or None

    def data(self, prop, value):
        return value

    def script(self, prop, value):
        return value


BOOL = Boolean()
TEXT = Text()
FQDN = Text(label="Fqdn", dotnet="Microsoft.Exchange.Data.Fqdn", item="fqdn")
SECONDS = datetime.timedelta(seconds=1)
