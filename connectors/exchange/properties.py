"""The property catalogue: every Exchange property the engine models, declared once.

Each `Property` row says what Exchange calls it (as Get-/Set- and Export-Clixml spell it), the engine field that holds
it, its type (a `Kind`: Boolean, Int32 with its range, ByteQuantifiedSize, EnhancedTimeSpan, Unlimited<Int32>, an
enum with its values, flags, a multi-valued list), its documented default per Exchange version and server role, which
versions have it, which cmdlets set it, and how it is checked in Exchange's words. The engine's ReceiveConnector is
built from RECEIVE_CONNECTOR (model.py), and validation, the console, the script writer, the lab file, the Django
model, the forms and the importer all read these rows: adding a property is adding a row.

Values: the engine holds Python values (bool, int, int | None for Unlimited, datetime.timedelta for a time span,
tuple for a multi-valued property); `parse` takes any spelling of a value (a PowerShell argument, Export-Clixml or
Format-List text, CSV, JSON or a Python value) and `data` gives the JSON form that `parse` reads back.

Sources of each default and range: New-ReceiveConnector / Set-ReceiveConnector (office-docs-powershell) and the
reference (§7.3, §8.2, §9.1); choices where the docs are vague: docs/decisions.md ("The property catalogue").
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from . import addresses
from .errors import ExchangeError
from .versions import DomainType, ExchangeVersion, PrincipalKind, RecipientKind, TransportRole

NEW, SET = "New-ReceiveConnector", "Set-ReceiveConnector"

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


def _shown(value, limit: int = 40) -> str:
    """A value as an error message quotes it: a long one cut, with an ellipsis (as the console's parser does)."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value) -> str:
    """PowerShell's text of a bare word, a number or a string (the console's Bareword has `.text`)."""
    return str(getattr(value, "text", value)).strip()


def convert_error(parameter: str, value, type_name: str, reason: str = BAD_FORMAT) -> ExchangeError:
    message = CONVERT.format(parameter, _shown(_text(value))) + f' to type "{type_name}". Error: "{reason}"'
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
        text = _text(value).casefold().removeprefix("$")
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ExchangeError(BOOLEAN.format(prop.name, _shown(_text(value))), prop.name)

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
        text = _text(value)
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
            cleaned = _text(value).replace(",", "")
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
            text = _text(value)
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
        if value is None or _text(value).strip().casefold() == "unlimited":
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
        text = _text(value)
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
        wanted = _text(value).casefold()
        for name in self.names():
            forms = {name.casefold()}
            if self.short_forms:
                forms.add(name.casefold().removesuffix("transport"))
            if wanted in forms:
                return self.enum_type(name) if self.enum_type else name
        raise ExchangeError(
            ENUMERATOR.format(value=_shown(_text(value)), parameter=prop.name, choices=", ".join(self.names())),
            prop.name,
        )

    def problems(self, prop, value):
        ok = isinstance(value, self.enum_type) if self.enum_type else value in self.choices
        return [] if ok else [f"{prop.name} must be one of: {', '.join(self.names())}."]

    def shown(self, prop, value):
        return getattr(value, "value", value)  # an engine enum member (DomainType.AUTHORITATIVE) shows its name

    data = shown


def _catalogue():
    # catalogue.py builds ACEs (model.py), and model.py is built from this table: read it when a value is parsed.
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
            value = ", ".join(_text(item) for item in value)  # 'Tls','BasicAuth' and 'Tls, BasicAuth' are the same
        return int(parse(value if isinstance(value, int) else _text(value)))

    def shown(self, prop, value):
        return self._functions()[1](value)

    data = shown


def _items(value) -> list:
    """A list from one value, a list, or comma-separated text."""
    if isinstance(value, (list, tuple)):
        return [item for item in value]
    if value is None:
        return []
    return [item for item in str(_text(value)).replace("\n", ",").split(",") if item.strip()]


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
        texts = [_text(item).strip() for item in _items(value)]
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


# --- Rows ----------------------------------------------------------------------------------------------------------


def _values(enum_type) -> tuple[str, ...]:
    return tuple(member.value for member in enum_type)


_ALL = _values(ExchangeVersion)


def since(version: str) -> tuple[str, ...]:
    """The versions from `version` on ("2013" -> 2013, 2016, 2019, SE)."""
    return _ALL[_ALL.index(version) :]


_SAME = object()


@dataclass(frozen=True)
class Property:
    """One Exchange property. `default` is the documented default of a new object on a Mailbox (or Hub Transport)
    server of the newest version; `edge` the Edge Transport default where it differs; `by_version` overrides for
    older versions. `settable` names the cmdlets that set it (empty: read-only). `simulated`: the engine's rules or
    the SMTP simulator read it (those have their own model column); the others are stored and shown, not acted on.
    `check(value) -> message | None` is a rule of the value alone beyond its type's. `column`: see below."""

    name: str
    field: str
    kind: Kind
    default: object = None
    versions: tuple[str, ...] = _ALL
    settable: tuple[str, ...] = (NEW, SET)
    edge: object = _SAME
    by_version: dict = field(default_factory=dict)
    on_edge: bool = True  # whether an Edge Transport server's connectors have it
    simulated: bool = False
    help: str = ""
    check: Callable[[object], str | None] | None = None
    source: str = "P-NRC"
    preset: str = ""  # the UsagePreset attribute giving its default per usage type (AuthMechanism, PermissionGroups)
    # How the Django model stores it: "" in the connector's JSON column of properties (no migration to add one),
    # "value" in a column of its own holding the engine value, "text" in one holding its text (lists comma-joined).
    column: str = ""
    # $null is a value of its own (Set-MailboxServer -MaximumActiveDatabases: "blank ($null)": no maximum).
    nullable: bool = False

    def has(self, version: ExchangeVersion | str, edge: bool = False) -> bool:
        """Whether a server of `version` (an Edge Transport server with `edge`) has the property."""
        value = version.value if isinstance(version, ExchangeVersion) else str(version)
        return value in self.versions and (self.on_edge or not edge)

    def in_organization(self, servers: Iterable) -> bool:
        """Whether an organisation-wide property (TRANSPORT_CONFIG, ACCEPTED_DOMAIN) exists in an organisation of
        these servers: when one of them runs a version that has it, as one of its shells then offers it (an
        organisation without servers has every one)."""
        servers = tuple(servers)
        return not servers or any(self.has(server.version) for server in servers)

    def default_for(self, version: ExchangeVersion | str | None = None, usage: str | None = None, *, edge=False):
        """The documented default of a new object of this property's type on a server of `version`."""
        if self.preset and usage is not None:
            return self._preset_default(version, usage, edge)
        key = version.value if isinstance(version, ExchangeVersion) else version
        if edge and self.edge is not _SAME:
            return self.edge
        return self.by_version.get(key, self.default)

    def _preset_default(self, version, usage: str, edge: bool):
        from .model import Server, ServerRole  # the usage presets are catalogue.py's (§3)

        version = ExchangeVersion.parse(version.value if isinstance(version, ExchangeVersion) else version or "SE")
        role = ServerRole.EDGE if edge else ServerRole.MAILBOX
        if version.rank < ExchangeVersion.E2013.rank and not edge:
            role = ServerRole.HUB_TRANSPORT
        server = Server("EX01", "ex01.contoso.com", version, frozenset({role}))
        return int(getattr(_catalogue().usage_preset(usage or None, server), self.preset))

    @property
    def is_settable(self) -> bool:
        return bool(self.settable)

    def parse(self, value):
        """Any spelling of a value -> the engine value; ExchangeError in Exchange's words, naming the parameter."""
        if self.nullable and (value is None or _text(value).casefold() in ("", "$null")):
            return None
        return self.kind.parse(self, value)

    def problems(self, value) -> list[str]:
        """Exchange's messages for a value of the right type that Exchange refuses (range, choices, syntax)."""
        if self.nullable and value is None:
            return []
        found = self.kind.problems(self, value)
        if not found and self.check is not None:
            message = self.check(value)
            found = [message] if message else []
        return found

    def shown(self, value):
        """The value as EMS holds it (Format-List, Where-Object): bool, int, str, list or None."""
        return None if self.nullable and value is None else self.kind.shown(self, value)

    def format(self, value) -> str:
        """The value as Format-List / Format-Table print it (psformat.cell: the console's one rule for that)."""
        from .psformat import cell  # psformat reads this table, so it is imported when a value is printed

        return cell(self.shown(value))

    def data(self, value):
        """The value as JSON (lab file, the model's JSON column); `parse` reads it back."""
        return None if self.nullable and value is None else self.kind.data(self, value)

    def script_value(self, value):
        """The value as the script writer passes it to powershell.literal ($null: None)."""
        return None if self.nullable and value is None else self.kind.script(self, value)

    def powershell(self, value) -> str:
        """A PowerShell literal for a script: every text single-quoted (user text never becomes code)."""
        from .powershell import literal

        return literal(self.script_value(value))

    @property
    def dotnet(self) -> str:
        return self.kind.dotnet


class PropertySet:
    """The properties of one object type, in Format-List order, looked up by Exchange name or engine field."""

    def __init__(self, object_type: str, properties: Iterable[Property]):
        self.object_type = object_type
        self.properties = tuple(properties)
        self._by_name = {p.name.casefold(): p for p in self.properties}
        self._by_field = {p.field: p for p in self.properties}
        if len(self._by_name) != len(self.properties) or len(self._by_field) != len(self.properties):
            raise ValueError(f"{object_type}: a property name or field is declared twice")

    def __iter__(self) -> Iterator[Property]:
        return iter(self.properties)

    def __len__(self) -> int:
        return len(self.properties)

    def by_name(self, name: str) -> Property | None:
        return self._by_name.get(str(name).strip().casefold())

    def by_field(self, field_name: str) -> Property | None:
        return self._by_field.get(field_name)

    def settable(self, cmdlet: str | None = None) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if (p.settable if cmdlet is None else cmdlet in p.settable))

    def for_version(self, version, edge: bool = False) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.has(version, edge))


# --- Rules of one value (Exchange's words) -------------------------------------------------------------------------

BANNER = "The banner must start with a status code of 220 and contain only seven bit ASCII characters."
CERTIFICATE_NAME = re.compile(r"<I>.+<S>.+", re.DOTALL)


def _banner(value) -> str | None:
    return None if not value or (value.startswith("220") and value.isascii()) else BANNER


def _certificate_name(value) -> str | None:
    if not value or CERTIFICATE_NAME.fullmatch(value):
        return None
    return convert_error("TlsCertificateName", value, "Microsoft.Exchange.Data.SmtpX509Identifier").message


def _smtp_addresses(value) -> str | None:
    from .syntax import INVALID_SMTP_ADDRESS, is_smtp_address  # syntax.py reads model.py, which this table builds

    bad = next((address for address in value if not is_smtp_address(address)), None)
    return None if bad is None else INVALID_SMTP_ADDRESS.format(bad)


def _smtp_address(value) -> str | None:
    return _smtp_addresses((value,)) if value else None  # empty: $null, the default


def _converts(parameter: str, type_name: str, valid: Callable[[str], bool], reason: str = "") -> Callable:
    """A check of a value (or each item of a list) that PowerShell converts to `type_name`: a value that doesn't parse
    gets the transformation error naming the parameter and the type (with .NET's reason when there is one)."""

    def check(value) -> str | None:
        for item in value if isinstance(value, tuple) else (value,):
            if item and not valid(item):
                error = CONVERT.format(parameter, _shown(item)) + f' to type "{type_name}".'
                return error + f' Error: "{reason}"' if reason else error
        return None

    return check


def _is_smtp_domain(text: str) -> bool:
    from .domains import domain_name_errors  # domains.py reads model.py, which this table builds

    return "*" not in text and not domain_name_errors(text)


_SMTP_DOMAIN = "Microsoft.Exchange.Data.SmtpDomain"
_DSN_CODE = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}")
_CULTURE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,4}")  # BCP 47 as .NET names cultures: en-US, sr-Latn-RS


def _minutes(n: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


# --- Receive connectors, in the order scripts, forms and Format-List give them: what it is, where it listens, who may
# use it and how, what it says, its limits, its SMTP extensions, then what only Exchange sets ----------------------

_DELAY = TimeSpan(high=_minutes(10))

RECEIVE_CONNECTOR = PropertySet(
    "ReceiveConnector",
    [
        Property(
            "Name",
            "name",
            TEXT,
            "",
            simulated=True,
            help="Unique on its server; at most 64 characters.",
            column="value",
        ),
        Property(
            "TransportRole",
            "transport_role",
            Choice(
                dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerRole",
                enum_type=TransportRole,
                short_forms=True,
            ),
            TransportRole.HUB,
            versions=since("2013"),
            on_edge=False,
            simulated=True,
            help="The transport service that loads it (2013 and later).",
            column="text",
        ),
        Property(
            "Enabled",
            "enabled",
            BOOL,
            True,
            simulated=True,
            help="A disabled connector takes no connection.",
            column="value",
        ),
        Property(
            "Bindings",
            "bindings",
            Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[IPBinding]", item="binding"),
            (),
            simulated=True,
            help="Local IP address and port: 0.0.0.0:25, [::]:25.",
            column="text",
        ),
        Property(
            "RemoteIPRanges",
            "remote_ip_ranges",
            Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[IPRange]", item="ip range"),
            (),
            simulated=True,
            help="The remote addresses it takes connections from: 10.0.0.50, 10.0.0.1-10.0.0.9, 10.0.0.0/24.",
            column="text",
        ),
        Property(
            "AuthMechanism",
            "auth_mechanism",
            Flags(dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthMechanisms", flags="auth"),
            1,
            simulated=True,
            preset="auth_mechanism",
            help="What the connector advertises and accepts: Tls, Integrated, BasicAuth, BasicAuthRequireTLS, "
            "ExchangeServer, ExternalAuthoritative.",
            column="text",
        ),
        Property(
            "PermissionGroups",
            "permission_groups_written",
            Flags(dotnet="Microsoft.Exchange.Data.PermissionGroups", flags="groups"),
            0,
            simulated=True,
            preset="permission_groups",
            help="Who may use the connector; Get- reads it back from the ACL (Custom when it matches no group).",
            column="value",
        ),
        Property(
            "RequireTLS",
            "require_tls",
            BOOL,
            False,
            simulated=True,
            help="Mail only after STARTTLS (451 5.7.3).",
            column="value",
        ),
        Property(
            "DomainSecureEnabled",
            "domain_secure_enabled",
            BOOL,
            False,
            simulated=True,
            help="Mutual TLS (Domain Security) for the domains in TLSReceiveDomainSecureList.",
            column="value",
        ),
        Property(
            "EnableAuthGSSAPI",
            "enable_auth_gssapi",
            BOOL,
            False,
            simulated=True,
            help="Offer Kerberos with Integrated authentication (AUTH GSSAPI NTLM).",
            column="value",
        ),
        Property(
            "ExtendedProtectionPolicy",
            "extended_protection_policy",
            Choice(
                dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.ExtendedProtectionPolicySetting",
                choices=("None", "Allow", "Require"),
            ),
            "None",
            versions=since("2010"),
            help="Extended Protection for Authentication with Integrated (NTLM) authentication.",
        ),
        Property(
            "SuppressXAnonymousTls",
            "suppress_x_anonymous_tls",
            BOOL,
            False,
            simulated=True,
            help="Don't advertise X-ANONYMOUSTLS (ExchangeServer authentication).",
        ),
        Property(
            "TlsCertificateName",
            "tls_certificate_name",
            Text(dotnet="Microsoft.Exchange.Data.SmtpX509Identifier", item="certificate"),
            "",
            versions=since("2013"),
            check=_certificate_name,
            help="The certificate for STARTTLS: <I>issuer<S>subject.",
        ),
        Property(
            "TlsDomainCapabilities",
            "tls_domain_capabilities",
            Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[SmtpReceiveDomainCapabilities]"),
            (),
            versions=since("2010"),
            help="Hybrid: domain:capability entries offered after TLS (contoso.com:AcceptCloudServicesMail).",
        ),
        Property(
            "Fqdn",
            "fqdn",
            FQDN,
            "",
            simulated=True,
            help="The name in the banner and the EHLO reply (the server's FQDN by default).",
            column="value",
        ),
        Property(
            "Banner", "banner", TEXT, "", simulated=True, check=_banner, help="A custom 220 banner.", column="value"
        ),
        Property(
            "ServiceDiscoveryFqdn",
            "service_discovery_fqdn",
            FQDN,
            "",
            versions=since("2013"),
            help="Service discovery FQDN.",
        ),
        Property(
            "DefaultDomain",
            "default_domain",
            Text(dotnet="Microsoft.Exchange.Configuration.Tasks.AcceptedDomainIdParameter", item="domain"),
            "",
            help="The accepted domain that completes a recipient address without a domain.",
        ),
        Property(
            "MaxMessageSize",
            "max_message_size",
            ByteSize(low=65_536),
            37_748_736,
            simulated=True,
            help="The largest message accepted (36 MB).",
            column="value",
        ),
        Property(
            "MaxRecipientsPerMessage",
            "max_recipients_per_message",
            Int32(low=1, high=512_000),
            200,
            simulated=True,
            help="Recipients per message; later RCPTs get 452 4.5.3 Too many recipients.",
            column="value",
        ),
        Property(
            "MessageRateLimit",
            "message_rate_limit",
            Unlimited(),
            None,
            edge=600,
            simulated=True,
            help="Messages a client may send per minute; Unlimited by default (Edge: 600).",
            column="value",
        ),
        Property(
            "MessageRateSource",
            "message_rate_source",
            Choice(
                dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.MessageRateSourceFlags",
                choices=("None", "IPAddress", "User", "All"),
            ),
            "IPAddress",
            versions=since("2010"),
            source="P-NRC (values), HC-DATA (default)",
            help="What MessageRateLimit counts: the sending host (IPAddress), the user, both or neither.",
        ),
        Property(
            "MaxHeaderSize",
            "max_header_size",
            ByteSize(low=1),
            262_144,
            help="The largest message header the connector accepts (256 KB).",
        ),
        Property("MaxHopCount", "max_hop_count", Int32(low=1, high=500), 30, help="Received headers before rejection."),
        Property(
            "MaxLocalHopCount",
            "max_local_hop_count",
            Int32(low=0, high=50),
            8,
            help="Received headers from local servers before rejection; 0: no limit.",
        ),
        Property(
            "MaxInboundConnection",
            "max_inbound_connection",
            Unlimited(low=1),
            5000,
            help="Connections the connector serves at once.",
        ),
        Property(
            "MaxInboundConnectionPerSource",
            "max_inbound_connection_per_source",
            Unlimited(low=1, high=10_000),
            20,
            help="Connections from one IP address at once.",
        ),
        Property(
            "MaxInboundConnectionPercentagePerSource",
            "max_inbound_connection_percentage_per_source",
            Int32(low=1, high=100),
            2,
            help="Connections from one IP address, as a percentage of the connections still available.",
        ),
        Property(
            "MaxLogonFailures",
            "max_logon_failures",
            Int32(low=0, high=10),
            3,
            simulated=True,
            help="Failed logons before the connection is closed; 0: never.",
        ),
        Property(
            "MaxProtocolErrors",
            "max_protocol_errors",
            Unlimited(),
            5,
            simulated=True,
            help="Protocol errors before the connection is closed; Unlimited: never.",
        ),
        Property(
            "ConnectionTimeout",
            "connection_timeout",
            TimeSpan(low=SECONDS),
            _minutes(10),
            edge=_minutes(5),
            help="The longest a connection may stay open, even while it is busy.",
        ),
        Property(
            "ConnectionInactivityTimeout",
            "connection_inactivity_timeout",
            TimeSpan(low=SECONDS),
            _minutes(5),
            edge=_minutes(1),
            simulated=True,
            help="Idle time before the connection is closed (451 4.7.0 Timeout waiting for client input).",
        ),
        Property(
            "TarpitInterval",
            "tarpit_interval",
            _DELAY,
            datetime.timedelta(seconds=5),
            help="Delay before an error reply to a client that may be abusing the connection.",
        ),
        Property(
            "AuthTarpitInterval",
            "auth_tarpit_interval",
            _DELAY,
            datetime.timedelta(seconds=5),
            versions=since("2016"),
            help="Delay before the reply to a failed authentication.",
        ),
        Property(
            "MaxAcknowledgementDelay",
            "max_acknowledgement_delay",
            _DELAY,
            datetime.timedelta(seconds=30),
            versions=since("2010"),
            help="Shadow redundancy with Exchange 2010: the longest the acknowledgement waits.",
        ),
        Property(
            "ProtocolLoggingLevel",
            "protocol_logging_level",
            Choice(dotnet="Microsoft.Exchange.Data.ProtocolLoggingLevel", choices=("None", "Verbose")),
            "None",
            simulated=True,
            help="Verbose: write the SMTP protocol log.",
            column="value",
        ),
        Property(
            "SizeEnabled",
            "size_enabled",
            Choice(dotnet="Microsoft.Exchange.Data.SizeMode", choices=("Enabled", "Disabled", "EnabledWithoutValue")),
            "Enabled",
            simulated=True,
            help="SIZE in EHLO: with MaxMessageSize, without it, or not at all.",
            column="value",
        ),
        Property("PipeliningEnabled", "pipelining_enabled", BOOL, True, simulated=True, help="Advertise PIPELINING."),
        Property("ChunkingEnabled", "chunking_enabled", BOOL, True, simulated=True, help="Advertise CHUNKING (BDAT)."),
        Property(
            "BinaryMimeEnabled",
            "binary_mime_enabled",
            BOOL,
            True,
            simulated=True,
            help="Advertise BINARYMIME in EHLO (needs ChunkingEnabled).",
        ),
        Property(
            "EightBitMimeEnabled", "eight_bit_mime_enabled", BOOL, True, simulated=True, help="Advertise 8BITMIME."
        ),
        Property(
            "DeliveryStatusNotificationEnabled",
            "delivery_status_notification_enabled",
            BOOL,
            True,
            simulated=True,
            help="Advertise DSN.",
        ),
        Property(
            "EnhancedStatusCodesEnabled",
            "enhanced_status_codes_enabled",
            BOOL,
            True,
            simulated=True,
            help="Advertise ENHANCEDSTATUSCODES.",
        ),
        Property(
            "SmtpUtf8Enabled",
            "smtp_utf8_enabled",
            BOOL,
            True,
            versions=since("2013"),
            settable=(SET,),
            source="P-SRC, HC-DATA",
            help="Reserved for Microsoft's use (Set-ReceiveConnector): kept, never advertised (docs/decisions.md).",
        ),
        Property(
            "LongAddressesEnabled",
            "long_addresses_enabled",
            BOOL,
            False,
            on_edge=False,
            simulated=True,
            help="Accept long X.400 (IMCEA) addresses; advertises XLONGADDR. Transport service on Mailbox only.",
        ),
        Property("OrarEnabled", "orar_enabled", BOOL, False, simulated=True, help="Advertise XORAR."),
        Property(
            "RequireEHLODomain",
            "require_ehlo_domain",
            BOOL,
            False,
            simulated=True,
            help="EHLO must give a domain (501 5.0.0 EHLO requires domain address).",
        ),
        Property(
            "BareLinefeedRejectionEnabled",
            "bare_linefeed_rejection_enabled",
            BOOL,
            False,
            versions=since("2010"),
            settable=(SET,),
            source="P-SRC, HC-DATA",
            help="Refuse messages that contain bare line feeds.",
        ),
        Property(
            "RejectReservedTopLevelRecipientDomains",
            "reject_reserved_top_level_recipient_domains",
            BOOL,
            False,
            versions=since("2016"),
            help="Refuse RCPT TO in .test, .example, .invalid, .localhost.",
        ),
        Property(
            "RejectReservedSecondLevelRecipientDomains",
            "reject_reserved_second_level_recipient_domains",
            BOOL,
            False,
            versions=since("2016"),
            help="Refuse RCPT TO in example.com, example.net, example.org.",
        ),
        Property(
            "RejectSingleLabelRecipientDomains",
            "reject_single_label_recipient_domains",
            BOOL,
            False,
            versions=since("2016"),
            help="Refuse RCPT TO in a domain without a dot (chris@contoso).",
        ),
        Property(
            "AdvertiseClientSettings",
            "advertise_client_settings",
            BOOL,
            False,
            help="Show the connector's SMTP settings to users in Outlook on the web.",
        ),
        Property("Comment", "comment", TEXT, "", help="A note.", column="value"),
        Property(
            "ProxyEnabled",
            "proxy_enabled",
            BOOL,
            False,
            versions=since("2013"),
            settable=(),
            source="HC-DATA",
            help="Read-only: the connector proxies sessions (set by Exchange).",
        ),
        Property(
            "LiveCredentialEnabled",
            "live_credential_enabled",
            BOOL,
            False,
            settable=(),
            source="HC-DATA",
            help="Read-only.",
        ),
        Property(
            "AcceptConsumerMail",
            "accept_consumer_mail",
            BOOL,
            False,
            versions=since("2016"),
            settable=(),
            source="HC-DATA",
            help="Read-only.",
        ),
        Property(
            "AdminDisplayName",
            "admin_display_name",
            TEXT,
            "",
            settable=(),
            source="Get-ReceiveConnector (every Active Directory configuration object has it; blank unless set there)",
            help="Read-only: the display name administrators see in Active Directory tools; blank by default.",
        ),
        Property("Server", "server", TEXT, "", settable=(), simulated=True, help="The server it belongs to."),
        Property("Identity", "identity", TEXT, "", settable=(), simulated=True, help="Server\\Name."),
    ],
)

# Properties an engine object computes (a Python property, not a field of its own).
COMPUTED = frozenset({"identity"})


# --- Mailbox servers: Set-MailboxServer's documented on-premises parameters ------------------------------------------
# Stored and printed back (the server's JSON column `properties`), not simulated. Each row's versions are its
# "Applicable:" line (office-docs-powershell Set-MailboxServer.md; Exchange Server SE wherever 2019 is), its default
# the one the parameter's description gives; docs/decisions.md ("Set-MailboxServer's settings") lists the rows whose
# description gives none.

MAILBOX_SERVER_CMDLET = "Set-MailboxServer"
_E2010, _E2013, _E2010_2013 = ("2010",), ("2013",), ("2010", "2013")
_MAILBOX_SPAN = TimeSpan(high=datetime.timedelta(days=24_855, seconds=3 * 3600 + 14 * 60 + 7))  # Int32 seconds
_MAILBOX_SIZE = ByteSize(low=1, high=(1 << 63) - 1)
_MAILBOX_LIMIT = UnlimitedSize(low=1, high=(1 << 63) - 1)
_PATH = Text(dotnet="Microsoft.Exchange.Data.LocalLongFullPath")
_SCHEDULE = Multi(dotnet="Microsoft.Exchange.Common.ScheduleInterval[]")
_INSTALL = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"
_INSTALL_2010 = "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\"
_RESERVED = "Reserved for Microsoft's use."


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


_SINCE_2010 = since("2010")


def _mailbox(name: str, kind: Kind, default, versions=_SINCE_2010, help: str = "", **more) -> Property:
    return Property(
        name,
        _snake(name),
        kind,
        default,
        versions=versions,
        settable=(MAILBOX_SERVER_CMDLET,),
        on_edge=False,
        help=help or _RESERVED,
        source="Set-MailboxServer",
        **more,
    )


def _days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _hours(n: int) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def _work_cycle(assistant: str, versions, cycle, checkpoint, what: str = "") -> list[Property]:
    """A time-based assistant's *WorkCycle (the span in which it processes every mailbox) and its *WorkCycleCheckpoint
    twin (how often it refreshes its list of mailboxes); no default documented: $null."""
    return [
        _mailbox(
            f"{assistant}WorkCycle",
            _MAILBOX_SPAN,
            cycle,
            versions,
            help=f"The span in which the {what} processes every mailbox." if what else "",
            nullable=cycle is None,
        ),
        _mailbox(
            f"{assistant}WorkCycleCheckpoint",
            _MAILBOX_SPAN,
            checkpoint,
            versions,
            help=f"How often the {what} refreshes its list of mailboxes." if what else "",
            nullable=checkpoint is None,
        ),
    ]


_ASSISTANTS = [
    ("CalendarRepair", _E2010_2013, _days(1), _days(1), "Calendar Repair Assistant"),
    ("DarTaskStoreTimeBasedAssistant", _E2013, None, None, ""),
    ("DirectoryProcessor", _E2013, None, None, ""),
    ("GroupMailbox", _E2013, None, None, ""),
    ("InferenceDataCollection", _E2013, None, None, ""),
    ("InferenceTraining", _E2013, None, None, ""),
    ("MailboxAssociationReplication", _E2013, None, None, ""),
    ("ManagedFolder", _E2010_2013, _days(1), _days(1), "Managed Folder Assistant"),
    ("OABGenerator", _E2013, _hours(8), _hours(1), "OAB generation"),
    ("PeopleCentricTriage", _E2013, None, None, ""),
    ("PeopleRelevance", _E2013, None, None, ""),
    ("ProbeTimeBasedAssistant", _E2013, None, None, ""),
    ("PublicFolder", _E2013, _days(1), _days(1), "public folder assistant"),
    ("SearchIndexRepairTimeBasedAssistant", _E2013, None, None, ""),
    ("SharePointSignalStore", _E2013, None, None, ""),
    ("SharingPolicy", _E2010_2013, _days(1), _days(1), "Sharing Policy Assistant"),
    ("SharingSync", _E2010_2013, _hours(3), _hours(3), "Sharing Sync Assistant"),
    ("SiteMailbox", _E2013, _hours(6), _hours(6), "site mailbox assistant"),
    ("StoreDsMaintenance", _E2013, None, None, ""),
    ("StoreIntegrityCheck", _E2013, None, None, ""),
    ("StoreMaintenance", _E2013, None, None, ""),
    ("StoreScheduledIntegrityCheck", _E2013, None, None, ""),
    ("StoreUrgentMaintenance", _E2013, None, None, ""),
    ("TopN", _E2010_2013, _days(7), _days(1), "TopN Words Assistant"),
    ("UMReporting", _E2010_2013, _days(1), _days(1), "Unified Messaging Reporting Assistant"),
]

_MAILBOX_SERVER_ROWS = [
    _mailbox("AutoDagServerConfigured", BOOL, False, since("2013")),
    _mailbox(
        "AutoDatabaseMountDial",
        Choice(
            dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.AutoDatabaseMountDial",
            choices=("BestAvailability", "GoodAvailability", "Lossless"),
        ),
        "GoodAvailability",
        help="When a database mounts after a failover: BestAvailability, GoodAvailability or Lossless.",
    ),
    _mailbox(
        "CalendarRepairIntervalEndWindow",
        Int32(),
        7,
        by_version={"2010": 30, "2013": 30},
        help="Days into the future the Calendar Repair Assistant repairs (7; 30 on 2010 and 2013).",
    ),
    _mailbox(
        "CalendarRepairLogDirectorySizeLimit",
        _MAILBOX_LIMIT,
        500 << 20,
        help="The calendar repair log directory's maximum size (500 MB).",
    ),
    _mailbox("CalendarRepairLogEnabled", BOOL, True, help="Whether the Calendar Repair Assistant logs its repairs."),
    _mailbox(
        "CalendarRepairLogFileAgeLimit",
        _MAILBOX_SPAN,
        _days(10),
        help="Calendar repair logs older than this are deleted (10 days; 00:00:00: never).",
    ),
    _mailbox(
        "CalendarRepairLogPath",
        _PATH,
        _INSTALL + "Logging\\Calendar Repair Assistant",
        by_version={"2010": _INSTALL_2010 + "Logging\\Calendar Repair Assistant"},
        help="Where the calendar repair logs are written.",
    ),
    _mailbox(
        "CalendarRepairLogSubjectLoggingEnabled",
        BOOL,
        True,
        help="Whether the calendar repair log includes the items' subjects.",
    ),
    _mailbox(
        "CalendarRepairMissingItemFixDisabled",
        BOOL,
        False,
        help="Whether the Calendar Repair Assistant leaves missing calendar items unfixed.",
    ),
    _mailbox(
        "CalendarRepairMode",
        Choice(
            dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.CalendarRepairType",
            choices=("ValidateOnly", "RepairAndValidate"),
        ),
        "RepairAndValidate",
        since("2013"),
        help="ValidateOnly or RepairAndValidate.",
    ),
    _mailbox(
        "CalendarRepairSchedule",
        _SCHEDULE,
        (),
        _E2010,
        help="When each week the Calendar Repair Assistant runs: Sun.11:30 PM-Mon.1:30 AM, ...",
    ),
    *_work_cycle(*_ASSISTANTS[0]),
    *(row for assistant in _ASSISTANTS[1:2] for row in _work_cycle(*assistant)),
    _mailbox(
        "DatabaseCopyActivationDisabledAndMoveNow",
        BOOL,
        False,
        since("2013"),
        help="Keep databases from mounting here while other healthy copies exist, and move the mounted ones away.",
    ),
    _mailbox(
        "DatabaseCopyAutoActivationPolicy",
        Choice(
            dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.DatabaseCopyAutoActivationPolicyType",
            choices=("Blocked", "IntrasiteOnly", "Unrestricted"),
        ),
        "Unrestricted",
        help="Automatic activation of database copies here: Blocked, IntrasiteOnly or Unrestricted.",
    ),
    *_work_cycle(*_ASSISTANTS[2]),
    _mailbox("FaultZone", TEXT, "", since("2013")),
    _mailbox(
        "FolderLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Managed folder logging (MRM 1.0, for coexistence with Exchange 2010).",
    ),
    _mailbox(
        "ForceGroupMetricsGeneration",
        BOOL,
        False,
        help="Generate group metrics (MailTips) even when the server generates no offline address book.",
    ),
    *_work_cycle(*_ASSISTANTS[3]),
    _mailbox(
        "GroupMetricsGenerationTime",
        TEXT,
        "",
        _E2010,
        help="The time of day (HH:MM) group metrics are generated.",
    ),
    *(row for assistant in _ASSISTANTS[4:6] for row in _work_cycle(*assistant)),
    _mailbox("IrmLogEnabled", BOOL, True, _E2010, help="Log Information Rights Management transactions."),
    _mailbox("IrmLogMaxAge", _MAILBOX_SPAN, _days(30), _E2010, help="IRM logs older than this are deleted (30 days)."),
    _mailbox(
        "IrmLogMaxDirectorySize",
        _MAILBOX_LIMIT,
        250 << 20,
        _E2010,
        help="The IRM log directory's maximum size (250 MB).",
    ),
    _mailbox("IrmLogMaxFileSize", _MAILBOX_SIZE, 10 << 20, _E2010, help="Each IRM log file's maximum size (10 MB)."),
    _mailbox("IrmLogPath", _PATH, _INSTALL_2010 + "Logging\\IRMLogs", _E2010, help="Where the IRM logs are written."),
    _mailbox(
        "IsExcludedFromProvisioning",
        BOOL,
        False,
        help="Leave the server out of the offline address book provisioning load balancer.",
    ),
    _mailbox(
        "JournalingLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Record journaling in the managed folder log.",
    ),
    _mailbox("JunkEmailOptionsCommitterWorkCycle", _MAILBOX_SPAN, None, _E2013, nullable=True),
    _mailbox(
        "Locale",
        Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[System.Globalization.CultureInfo]"),
        (),
        help="The server's locales: en-US, de-AT, ...",
    ),
    _mailbox(
        "LogDirectorySizeLimitForManagedFolders",
        _MAILBOX_LIMIT,
        None,
        help="The managed folder logs' maximum size per database (Unlimited).",
    ),
    _mailbox(
        "LogFileAgeLimitForManagedFolders",
        _MAILBOX_SPAN,
        datetime.timedelta(0),
        help="Managed folder logs older than this are deleted (00:00:00: never).",
    ),
    _mailbox(
        "LogFileSizeLimitForManagedFolders",
        _MAILBOX_LIMIT,
        10 << 20,
        help="Each managed folder log file's maximum size (10 MB).",
    ),
    _mailbox(
        "LogPathForManagedFolders",
        _PATH,
        _INSTALL + "Logging\\Managed Folder Assistant",
        by_version={"2010": _INSTALL_2010 + "Logging\\Managed Folder Assistant"},
        help="Where the managed folder logs are written.",
    ),
    *_work_cycle(*_ASSISTANTS[6]),
    _mailbox(
        "MailboxProcessorWorkCycle",
        _MAILBOX_SPAN,
        _days(1),
        _E2013,
        help="How often the server scans for locked mailboxes (1 day).",
    ),
    _mailbox(
        "ManagedFolderAssistantSchedule",
        _SCHEDULE,
        (),
        help="When each week the Managed Folder Assistant runs (coexistence with older versions).",
    ),
    *_work_cycle(*_ASSISTANTS[7]),
]
_MAILBOX_SERVER_ROWS_AFTER_MAPI = [
    _mailbox(
        "MaximumActiveDatabases",
        Int32(),
        None,
        nullable=True,
        help="The most databases that may be mounted here; blank ($null): no maximum.",
    ),
    _mailbox(
        "MaximumPreferredActiveDatabases",
        Int32(),
        None,
        since("2013"),
        nullable=True,
        help="The preferred maximum of active databases; blank ($null): none.",
    ),
    _mailbox("MessageTrackingLogEnabled", BOOL, True, _E2010, help="Whether message tracking is enabled."),
    _mailbox(
        "MessageTrackingLogMaxAge",
        _MAILBOX_SPAN,
        _days(30),
        _E2010,
        help="Message tracking logs older than this are deleted (30 days).",
    ),
    _mailbox(
        "MessageTrackingLogMaxDirectorySize",
        _MAILBOX_LIMIT,
        250 << 20,
        _E2010,
        help="The message tracking log directory's maximum size (250 MB).",
    ),
    _mailbox(
        "MessageTrackingLogMaxFileSize",
        ByteSize(low=1, high=1 << 32),
        10 << 20,
        _E2010,
        help="Each message tracking log file's maximum size (10 MB).",
    ),
    _mailbox(
        "MessageTrackingLogPath",
        _PATH,
        _INSTALL_2010 + "TransportRoles\\Logs\\MessageTracking",
        _E2010,
        help="Where the message tracking logs are written.",
    ),
    _mailbox(
        "MessageTrackingLogSubjectLoggingEnabled",
        BOOL,
        True,
        _E2010,
        help="Whether the message tracking log includes subjects.",
    ),
    _mailbox("MigrationLogFilePath", _PATH, "", since("2013")),
    _mailbox(
        "MigrationLogLoggingLevel",
        Choice(
            dotnet="Microsoft.Exchange.Migration.MigrationEventType",
            choices=("None", "Error", "Warning", "Information", "Verbose", "Instrumentation"),
        ),
        None,
        since("2013"),
        nullable=True,
    ),
    _mailbox("MigrationLogMaxAge", _MAILBOX_SPAN, None, since("2013"), nullable=True),
    _mailbox("MigrationLogMaxDirectorySize", _MAILBOX_SIZE, None, since("2013"), nullable=True),
    _mailbox("MigrationLogMaxFileSize", _MAILBOX_SIZE, None, since("2013"), nullable=True),
    *(row for assistant in _ASSISTANTS[8:13] for row in _work_cycle(*assistant)),
    _mailbox(
        "RetentionLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Record retention processing in the managed folder log.",
    ),
    *(row for assistant in _ASSISTANTS[13:15] for row in _work_cycle(*assistant)),
    _mailbox(
        "SharingPolicySchedule",
        _SCHEDULE,
        (),
        help="When each week the Sharing Policy Assistant runs.",
    ),
    *(row for assistant in _ASSISTANTS[15:23] for row in _work_cycle(*assistant)),
    _mailbox(
        "SubjectLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Whether the managed folder logs include subjects.",
    ),
    _mailbox("SubmissionServerOverrideList", Multi(), ()),
    *(row for assistant in _ASSISTANTS[23:] for row in _work_cycle(*assistant)),
    _mailbox(
        "WacDiscoveryEndpoint",
        TEXT,
        "",
        since("2016"),
        help="Office Online Server's discovery endpoint: https://oos.internal.contoso.com/hosting/discovery.",
    ),
]


# --- The other object types ----------------------------------------------------------------------------------------

SERVER = PropertySet(
    "ExchangeServer",
    [
        Property("Name", "name", TEXT, "", settable=(), simulated=True),
        Property("Fqdn", "fqdn", FQDN, "", settable=(), simulated=True),
        Property("ServerRole", "roles", Multi(item="string"), ("Mailbox",), settable=(), simulated=True),
        Property("AdminDisplayVersion", "version", TEXT, "SE", settable=(), simulated=True),
        *_MAILBOX_SERVER_ROWS,
        Property(
            "MAPIEncryptionRequired",
            "mapi_encryption_required",
            BOOL,
            False,
            settable=("Set-MailboxServer",),
            source="P-SMS",
        ),
        *_MAILBOX_SERVER_ROWS_AFTER_MAPI,
        Property("IPAddresses", "ip_addresses", Multi(item="string"), (), settable=(), simulated=True),
        Property("IsEdgeServer", "is_edge", BOOL, False, settable=(), simulated=True),
        Property("Identity", "identity", TEXT, "", settable=(), simulated=True),
    ],
)

_SET_DOMAIN = ("Set-AcceptedDomain",)
_DOMAIN_COLUMN = {"simulated": True, "column": "value"}  # the simulator's, in columns of their own

# The mailbox settings a server keeps in its JSON column: every Set-MailboxServer row but MAPIEncryptionRequired (a
# column of its own, which the audit reads).
MAILBOX_SETTINGS = PropertySet("MailboxServer", [*_MAILBOX_SERVER_ROWS, *_MAILBOX_SERVER_ROWS_AFTER_MAPI])

ACCEPTED_DOMAIN = PropertySet(
    "AcceptedDomain",
    [
        Property(
            "DomainName", "domain_name", Text(item="domain"), "", settable=("New-AcceptedDomain",), **_DOMAIN_COLUMN
        ),
        Property(
            "DomainType",
            "domain_type",
            Choice(choices=_values(DomainType)),
            "Authoritative",
            settable=("New-AcceptedDomain", *_SET_DOMAIN),
            **_DOMAIN_COLUMN,
        ),
        Property("Default", "default", BOOL, False, settable=_SET_DOMAIN, **_DOMAIN_COLUMN),
        Property("AddressBookEnabled", "address_book_enabled", BOOL, True, settable=_SET_DOMAIN, **_DOMAIN_COLUMN),
        Property(
            "MatchSubDomains",
            "match_subdomains",
            BOOL,
            False,
            settable=("New-AcceptedDomain", *_SET_DOMAIN),
            **_DOMAIN_COLUMN,
        ),
        Property("Name", "name", TEXT, "", settable=("New-AcceptedDomain", *_SET_DOMAIN), **_DOMAIN_COLUMN),
        # "Reserved for internal Microsoft use" (Set-AcceptedDomain): stored in the domain's JSON column and printed
        # back. No default is documented: $false, as Get-AcceptedDomain shows them (docs/decisions.md).
        Property(
            "PendingRemoval",
            "pending_removal",
            BOOL,
            False,
            versions=since("2010"),
            settable=_SET_DOMAIN,
            help="Reserved for internal Microsoft use.",
            source="Set-AcceptedDomain",
        ),
        Property(
            "PendingCompletion",
            "pending_completion",
            BOOL,
            False,
            versions=since("2013"),
            settable=_SET_DOMAIN,
            help="Reserved for internal Microsoft use.",
            source="Set-AcceptedDomain",
        ),
        Property(
            "EnableNego2Authentication",
            "enable_nego2_authentication",
            BOOL,
            False,
            versions=("2013", "2016"),  # the page's last on-premises Applicable line; now Exchange Online only
            settable=_SET_DOMAIN,
            help="Reserved for internal Microsoft use.",
            source="Set-AcceptedDomain",
        ),
    ],
)

_CULTURE_TEXT = Text(dotnet="System.Globalization.CultureInfo", item="culture")
_DOMAIN_TEXT = Text(dotnet=_SMTP_DOMAIN, item="domain")
_ADDRESS_TEXT = Text(dotnet="Microsoft.Exchange.Data.SmtpAddress", item="address")
# A span the docs give no upper bound for: up to MaxDumpsterTime's documented 24855.03:14:07 (Int32 seconds).
_LONG_SPAN = TimeSpan(high=datetime.timedelta(seconds=2_147_483_647))
_CHECKS = {
    "culture": lambda name: _converts(
        name, "System.Globalization.CultureInfo", _CULTURE.fullmatch, "Culture is not supported."
    ),
    "domain": lambda name: _converts(name, _SMTP_DOMAIN, _is_smtp_domain),
    "dsn code": lambda name: _converts(
        name, "Microsoft.Exchange.Data.EnhancedStatusCode", _DSN_CODE.fullmatch, BAD_FORMAT
    ),
    "address": lambda name: _smtp_address,
}


def _transport(name: str, kind: Kind, default, since_version, help: str, by_version=None) -> Property:
    """One stored Set-TransportConfig row: on every version from `since_version` (or on those listed), its engine
    field the name in snake case, its value's syntax checked in Exchange's words."""
    check = _CHECKS.get(getattr(kind, "item", ""))
    return Property(
        name,
        _snake(name),
        kind,
        default,
        versions=since(since_version) if isinstance(since_version, str) else since_version,
        settable=("Set-TransportConfig",),
        by_version=by_version or {},
        help=help,
        check=check(name) if check else None,
        source="Set-TransportConfig",
    )


TRANSPORT_CONFIG = PropertySet(
    "TransportConfig",
    [
        Property(
            "TLSReceiveDomainSecureList",
            "tls_receive_domain_secure_list",
            Multi(item="domain"),
            (),
            settable=("Set-TransportConfig",),
            simulated=True,
            column="text",
        ),
        # Stored and printed back, not simulated (the lab's JSON column `properties`); defaults from the
        # Set-TransportConfig reference page.
        Property(
            "MaxReceiveSize",
            "max_receive_size",
            UnlimitedSize(high=2_147_483_647),
            10_485_760,
            settable=("Set-TransportConfig",),
            help="The largest message the organisation receives (10 MB); connectors' MaxMessageSize apply first.",
            source="Set-TransportConfig",
        ),
        Property(
            "MaxSendSize",
            "max_send_size",
            UnlimitedSize(high=2_147_483_647),
            10_485_760,
            settable=("Set-TransportConfig",),
            help="The largest message the organisation sends (10 MB).",
            source="Set-TransportConfig",
        ),
        Property(
            "MaxRecipientEnvelopeLimit",
            "max_recipient_envelope_limit",
            Unlimited(low=0),
            500,
            settable=("Set-TransportConfig",),
            help="Recipients of one message, a group counting as one (500).",
            source="Set-TransportConfig",
        ),
        Property(
            "InternalSMTPServers",
            "internal_smtp_servers",
            Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[IPRange]", item="ip range"),
            (),
            settable=("Set-TransportConfig",),
            help="The internal SMTP servers Sender ID and connection filtering pass over.",
            source="Set-TransportConfig",
        ),
        # Every other on-premises parameter of Set-TransportConfig: stored and printed back, not simulated. Versions
        # from each parameter's "Applicable" line (2010 and later, or 2007 too when Exchange 2007 SP1's
        # Set-TransportConfig has it); defaults from the reference page, the undocumented ones in docs/decisions.md.
        *(
            _transport(*row)
            for row in (
                ("AddressBookPolicyRoutingEnabled", BOOL, False, "2013", "Resolve recipients by address book policy."),
                (
                    "AgentGeneratedMessageLoopDetectionInSmtpEnabled",
                    BOOL,
                    False,
                    "2013",
                    "Reject agent-made message loops in the Transport service (else log them).",
                ),
                (
                    "AgentGeneratedMessageLoopDetectionInSubmissionEnabled",
                    BOOL,
                    False,
                    "2013",
                    "Log agent-made message loops in the Mailbox Transport Submission service.",
                ),
                ("ClearCategories", BOOL, True, "2007", "Remove Outlook categories during content conversion."),
                (
                    "ConvertDisclaimerWrapperToEml",
                    BOOL,
                    False,
                    "2010",
                    "A signed message wrapped by a disclaimer rule goes as EML, not TNEF.",
                ),
                (
                    "DiagnosticsAggregationServicePort",
                    Int32(low=1, high=65_535),
                    9710,
                    "2013",
                    "The TCP port queue diagnostics are collected on.",
                ),
                (
                    "DSNConversionMode",
                    Choice(
                        dotnet="Microsoft.Exchange.Data.Transport.DSNConversionOption",
                        choices=("DoNotConvert", "PreserveDSNBody", "UseExchangeDSNs"),
                    ),
                    "PreserveDSNBody",
                    "2007",
                    "What happens to DSNs from older or other systems (2007 to 2013: UseExchangeDSNs).",
                    {"2007": "UseExchangeDSNs", "2010": "UseExchangeDSNs", "2013": "UseExchangeDSNs"},
                ),
                ("ExternalDelayDsnEnabled", BOOL, True, "2010", "Send delay DSNs for external messages."),
                (
                    "ExternalDsnDefaultLanguage",
                    _CULTURE_TEXT,
                    "",
                    "2010",
                    "The language of external DSNs (blank: the server's Windows language).",
                ),
                (
                    "ExternalDsnLanguageDetectionEnabled",
                    BOOL,
                    True,
                    "2010",
                    "External DSNs in the original message's language.",
                ),
                (
                    "ExternalDsnMaxMessageAttachSize",
                    ByteSize(low=0),
                    10_485_760,
                    "2010",
                    "The largest original message attached to an external DSN (10 MB); 0: headers only.",
                ),
                (
                    "ExternalDsnReportingAuthority",
                    _DOMAIN_TEXT,
                    "",
                    "2010",
                    "The domain in external DSNs (blank: the organisation's authoritative domain).",
                ),
                ("ExternalDsnSendHtml", BOOL, True, "2010", "External DSNs in HTML (else plain text)."),
                (
                    "ExternalPostmasterAddress",
                    _ADDRESS_TEXT,
                    "",
                    "2010",
                    "The From address of external DSNs (blank: postmaster@ the default accepted domain).",
                ),
                (
                    "GenerateCopyOfDSNFor",
                    Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[EnhancedStatusCode]", item="dsn code"),
                    ("5.4.8", "5.4.6", "5.4.4", "5.2.4", "5.2.0", "5.1.4"),
                    "2007",
                    "The DSN codes whose NDRs are copied to the Exchange recipient's mailbox.",
                ),
                (
                    "HeaderPromotionModeSetting",
                    Choice(
                        dotnet="Microsoft.Exchange.Data.HeaderPromotionMode",
                        choices=("MustCreate", "MayCreate", "NoCreate"),
                    ),
                    "NoCreate",
                    "2007",
                    "Whether custom X-headers become named properties.",
                ),
                ("InternalDelayDsnEnabled", BOOL, True, "2010", "Send delay DSNs for internal messages."),
                (
                    "InternalDsnDefaultLanguage",
                    _CULTURE_TEXT,
                    "",
                    "2010",
                    "The language of internal DSNs (blank: the server's Windows language).",
                ),
                (
                    "InternalDsnLanguageDetectionEnabled",
                    BOOL,
                    True,
                    "2010",
                    "Internal DSNs in the original message's language.",
                ),
                (
                    "InternalDsnMaxMessageAttachSize",
                    ByteSize(low=0),
                    10_485_760,
                    "2010",
                    "The largest original message attached to an internal DSN (10 MB); 0: headers only.",
                ),
                (
                    "InternalDsnReportingAuthority",
                    _DOMAIN_TEXT,
                    "",
                    "2010",
                    "The domain in internal DSNs (blank: the organisation's authoritative domain).",
                ),
                ("InternalDsnSendHtml", BOOL, True, "2010", "Internal DSNs in HTML (else plain text)."),
                (
                    "JournalingReportNdrTo",
                    _ADDRESS_TEXT,
                    "",
                    "2007",
                    "Where journal reports go when the journaling mailbox is unavailable (blank: keep trying).",
                ),
                (
                    "LegacyJournalingMigrationEnabled",
                    BOOL,
                    False,
                    ("2010",),
                    "Reformat journal messages made by Exchange 2003 (Exchange 2010 only).",
                ),
                (
                    "MaxAllowedAgentGeneratedMessageDepth",
                    UInt32(),
                    3,
                    "2013",
                    "How many times all agents may process copies of one message.",
                ),
                (
                    "MaxAllowedAgentGeneratedMessageDepthPerAgent",
                    UInt32(),
                    2,
                    "2013",
                    "How many times one agent may process copies of one message.",
                ),
                (
                    "MaxDumpsterSizePerDatabase",
                    ByteSize(low=0, high=2_147_483_647 << 10),
                    18_874_368,
                    "2010",
                    "Transport dumpster size per database (18 MB); used only by Exchange 2010 servers.",
                ),
                (
                    "MaxDumpsterTime",
                    _LONG_SPAN,
                    datetime.timedelta(days=7),
                    "2007",
                    "How long messages stay in the transport dumpster (7 days); used only by Exchange 2010 servers.",
                ),
                (
                    "MaxRetriesForLocalSiteShadow",
                    Int32(low=0, high=255),
                    2,
                    "2013",
                    "Attempts to make a shadow copy in the local Active Directory site.",
                ),
                (
                    "MaxRetriesForRemoteSiteShadow",
                    Int32(low=0, high=255),
                    4,
                    "2013",
                    "Attempts to make a shadow copy in another Active Directory site.",
                ),
                (
                    "QueueDiagnosticsAggregationInterval",
                    _LONG_SPAN,
                    _minutes(1),
                    "2013",
                    "How often queue diagnostics are polled.",
                ),
                (
                    "RejectMessageOnShadowFailure",
                    BOOL,
                    False,
                    "2013",
                    "Reject a message (450 4.5.1) when no shadow copy can be made.",
                ),
                ("Rfc2231EncodingEnabled", BOOL, False, "2010", "RFC 2231 encoding of MIME parameters outbound."),
                (
                    "SafetyNetHoldTime",
                    _LONG_SPAN,
                    datetime.timedelta(days=2),
                    "2013",
                    "How long Safety Net keeps a copy of a delivered message (2 days).",
                ),
                (
                    "ShadowHeartbeatFrequency",
                    TimeSpan(low=SECONDS),
                    _minutes(2),
                    "2013",
                    "How often a shadow server asks the primary for discard status.",
                ),
                (
                    "ShadowHeartbeatRetryCount",
                    Int32(low=1, high=15),
                    12,
                    "2010",
                    "Time-outs before a primary server counts as failed; used only by Exchange 2010 servers.",
                ),
                (
                    "ShadowHeartbeatTimeoutInterval",
                    TimeSpan(low=SECONDS),
                    _minutes(15),
                    "2010",
                    "Wait before querying a primary server; used only by Exchange 2010 servers.",
                ),
                (
                    "ShadowMessageAutoDiscardInterval",
                    TimeSpan(low=datetime.timedelta(seconds=5), high=datetime.timedelta(days=90)),
                    datetime.timedelta(days=2),
                    "2010",
                    "How long a primary server keeps discard events for shadow messages (2 days).",
                ),
                (
                    "ShadowMessagePreferenceSetting",
                    Choice(
                        dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.ShadowMessagePreference",
                        choices=("LocalOnly", "RemoteOnly", "PreferRemote"),
                    ),
                    "PreferRemote",
                    "2013",
                    "Where shadow copies are made.",
                ),
                ("ShadowRedundancyEnabled", BOOL, True, "2010", "Shadow redundancy in the organisation."),
                (
                    "ShadowResubmitTimeSpan",
                    TimeSpan(low=SECONDS),
                    _minutes(180),
                    "2013",
                    "Wait before a shadow server takes over the messages of an unreachable primary (3 hours).",
                ),
                (
                    "SupervisionTags",
                    Multi(),
                    ("Allow", "Reject"),
                    "2010",
                    "The tags transport supervision uses (Setup creates Allow and Reject).",
                ),
                (
                    "TLSSendDomainSecureList",
                    Multi(item="domain"),
                    (),
                    "2007",
                    "The domains mail is sent to with mutual TLS (Domain Security).",
                ),
                (
                    "TransportRuleAttachmentTextScanLimit",
                    ByteSize(low=0),
                    1_048_576,
                    "2013",
                    "Text extracted from an attachment for transport rules and DLP (1 MB; 2013: 150 KB).",
                    {"2013": 153_600},
                ),
                (
                    "VerifySecureSubmitEnabled",
                    BOOL,
                    False,
                    "2007",
                    "Mark MAPI submissions as secure only from encrypted clients.",
                ),
                (
                    "VoicemailJournalingEnabled",
                    BOOL,
                    True,
                    "2007",
                    "Journal Unified Messaging voice mail.",
                ),
                ("Xexch50Enabled", BOOL, True, "2007", "XEXCH50 for Exchange 2003."),
            )
        ),
        Property(
            "RecipientValidationEnabled",
            "recipient_validation_enabled",
            BOOL,
            False,
            settable=("Set-RecipientFilterConfig",),
            simulated=True,
            source="Set-RecipientFilterConfig",
            column="value",
        ),
        # The recipient filter agent's other settings: stored and printed back (Set-RecipientFilterConfig's page).
        Property(
            "BlockedRecipients",
            "blocked_recipients",
            Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[SmtpAddress]"),
            (),
            settable=("Set-RecipientFilterConfig",),
            help="Recipients the agent refuses when BlockListEnabled is $true.",
            check=_smtp_addresses,
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "BlockListEnabled",
            "block_list_enabled",
            BOOL,
            False,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the agent refuses the BlockedRecipients.",
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "Enabled",
            "recipient_filter_enabled",
            BOOL,
            True,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the recipient filter agent runs.",
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "ExternalMailEnabled",
            "recipient_filter_external_mail_enabled",
            BOOL,
            True,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the agent filters mail from unauthenticated sources outside the organisation.",
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "InternalMailEnabled",
            "recipient_filter_internal_mail_enabled",
            BOOL,
            False,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the agent filters mail from authenticated partners and internal sources.",
            source="Set-RecipientFilterConfig",
        ),
    ],
)

# Each Get- cmdlet's part of the organisation's settings (the same rows): what its export holds and its object shows.
TRANSPORT_SETTINGS = PropertySet("TransportConfig", TRANSPORT_CONFIG.settable("Set-TransportConfig"))
RECIPIENT_FILTER = PropertySet("RecipientFilterConfig", TRANSPORT_CONFIG.settable("Set-RecipientFilterConfig"))

PRINCIPAL = PropertySet(
    "Principal",
    [
        Property("Name", "name", TEXT, "", settable=(), simulated=True),
        Property("Kind", "kind", Choice(choices=_values(PrincipalKind)), "User", settable=(), simulated=True),
        Property("MemberOf", "member_of", Multi(), (), settable=(), simulated=True),
        Property("SmtpPassword", "smtp_password", TEXT, "", settable=(), simulated=True),
        Property("Email", "email", TEXT, "", settable=(), simulated=True),
    ],
)

RECIPIENT = PropertySet(
    "Recipient",
    [
        Property("Name", "name", TEXT, "", settable=(), simulated=True),
        Property(
            "RecipientType",
            "kind",
            Choice(choices=_values(RecipientKind)),
            "Mailbox",
            settable=(),
            simulated=True,
        ),
        Property("EmailAddresses", "addresses", Multi(item="domain"), (), settable=(), simulated=True),
    ],
)

# System.DirectoryServices.ActiveDirectorySecurityInheritance, in the enum's order (None = 0 ... Children = 4); the
# docs' spelling "Descendents" is .NET's. Descendents and Children map to InheritanceFlags with InheritOnly.
INHERITANCE_TYPES = ("None", "All", "Descendents", "SelfAndChildren", "Children")
INHERIT_ONLY = frozenset({"Descendents", "Children"})
_ACE_SET = ("Add-ADPermission", "Remove-ADPermission")

# What Get-ADPermission prints for one ACE of a receive connector (P-GAD, §9.3): the importer reads these. The ACE
# options after Deny are Add-ADPermission's (P-AAD): InheritanceType is simulated (an inherit-only ACE applies to
# nothing on a connector, a leaf object); the object types are stored and printed back (docs/decisions.md).
AD_PERMISSION = PropertySet(
    "ADPermission",
    [
        Property("Identity", "identity", TEXT, "", settable=(), simulated=True, source="P-GAD"),
        Property("User", "principal", TEXT, "", settable=("Add-ADPermission",), simulated=True, source="P-AAD"),
        Property(
            "ExtendedRights", "rights", Multi(), (), settable=("Add-ADPermission",), simulated=True, source="P-AAD"
        ),
        Property("Deny", "deny", BOOL, False, settable=("Add-ADPermission",), simulated=True, source="P-AAD"),
        Property(
            "InheritanceType",
            "inheritance_type",
            Choice(dotnet="System.DirectoryServices.ActiveDirectorySecurityInheritance", choices=INHERITANCE_TYPES),
            "All",
            settable=_ACE_SET,
            simulated=True,
            source="P-AAD",
        ),
        Property("InheritedObjectType", "inherited_object_type", TEXT, None, settable=_ACE_SET, source="P-AAD"),
        Property("ChildObjectTypes", "child_object_types", Multi(), (), settable=_ACE_SET, source="P-AAD"),
        Property("Properties", "object_properties", Multi(), (), settable=_ACE_SET, source="P-AAD"),
        Property("IsInherited", "inherited", BOOL, False, settable=(), simulated=True, source="P-GAD"),
    ],
)

# Add-/Remove-ADPermission's ACE options (the ACE's fields beside principal, right, Deny and IsInherited).
ACE_OPTIONS = tuple(p for p in AD_PERMISSION if "Remove-ADPermission" in p.settable)

# One membership of a group, as the collector writes it for the principals in connector ACEs (Exchsim.GroupMember):
# Group is $null on the row of a principal that is a member of nothing.
GROUP_MEMBER = PropertySet(
    "GroupMember",
    [
        Property("Group", "group", TEXT, "", settable=(), simulated=True),
        Property("Member", "member", TEXT, "", settable=(), simulated=True),
        Property("MemberType", "kind", Choice(choices=_values(PrincipalKind)), "User", settable=()),
        Property("MemberEmail", "email", TEXT, "", settable=()),
    ],
)


def organization_defaults(servers: Iterable) -> dict:
    """The organisation's settings (TRANSPORT_CONFIG) as Setup leaves them: the defaults of the oldest version among
    its servers (the first Exchange installed creates the transport configuration; later ones keep it)."""
    versions = [server.version for server in servers]
    oldest = min(versions, key=lambda version: version.rank) if versions else None
    return {p.field: p.default_for(oldest) for p in TRANSPORT_CONFIG}


# --- The engine dataclass from the table ----------------------------------------------------------------------------


# The default of a field whose documented default depends on the server's version, until __post_init__ resolves it.
BY_VERSION = type("ByVersion", (), {"__repr__": lambda self: "BY_VERSION"})()


def fields_of(
    properties: PropertySet, *, computed: Iterable[str] = COMPUTED, last: bool = False, by_version: bool = False
):
    """A class decorator, applied below @dataclass: adds one annotated field, with the property's default, for each
    catalogue property the class doesn't declare itself (its own fields without defaults keep coming first; with
    `last`, all its own fields do, so positional construction keeps working). With `by_version`, a property with a
    default per version gets BY_VERSION, which the object's own `version` resolves after construction (a server)."""

    def decorate(cls):
        own = dict(cls.__dict__.get("__annotations__", {}))
        required = {name: kind for name, kind in own.items() if name not in cls.__dict__}
        optional = {name: kind for name, kind in own.items() if name in cls.__dict__}
        added, versioned = {}, []
        for prop in properties:
            if prop.field in own or prop.field in computed or hasattr(cls, prop.field):
                continue
            added[prop.field] = prop.kind.python
            versioned += [prop] if by_version and prop.by_version else []
            setattr(cls, prop.field, BY_VERSION if versioned and versioned[-1] is prop else prop.default)
        cls.__annotations__ = {**required, **optional, **added} if last else {**required, **added, **optional}
        if versioned:

            def __post_init__(self):
                for prop in versioned:
                    if getattr(self, prop.field) is BY_VERSION:
                        object.__setattr__(self, prop.field, prop.default_for(self.version))

            cls.__post_init__ = __post_init__
        return cls

    return decorate


__all__ = [
    "ACCEPTED_DOMAIN",
    "ACE_OPTIONS",
    "AD_PERMISSION",
    "GROUP_MEMBER",
    "MAILBOX_SETTINGS",
    "PRINCIPAL",
    "RECEIVE_CONNECTOR",
    "RECIPIENT",
    "RECIPIENT_FILTER",
    "SERVER",
    "TRANSPORT_CONFIG",
    "TRANSPORT_SETTINGS",
    "Kind",
    "Property",
    "PropertySet",
    "fields_of",
    "format_size",
    "organization_defaults",
    "format_span",
]
