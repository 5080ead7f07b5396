"""The rows of the property catalogue: `Property`, one Exchange property declared once (its Exchange name, engine
field, value type, documented defaults per version and role, the versions that have it, the cmdlets that set it), and
`PropertySet`, the properties of one object type in Format-List order.

The engine's dataclasses (model.py, through property_fields.py), validation, the console, the script writer, the lab
file, the Django model, the forms and the importer all read these rows: adding a property is adding a row to one of
the catalogues (receive_connector_properties.py, server_properties.py, organization_properties.py,
directory_properties.py). Sources of each default and range: docs/decisions.md ("The property catalogue").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .property_kinds import Kind, text_of
from .versions import ExchangeVersion

NEW, SET = "New-ReceiveConnector", "Set-ReceiveConnector"


def enum_values(enum_type) -> tuple[str, ...]:
    return tuple(member.value for member in enum_type)


_ALL = enum_values(ExchangeVersion)


def since(version: str) -> tuple[str, ...]:
    """The versions from `version` on ("2013" -> 2013, 2016, 2019, SE)."""
    return _ALL[_ALL.index(version) :]


def field_name(name: str) -> str:
    """The engine field a generated row gives an Exchange name: its snake case (DSNConversionMode ->
    dsn_conversion_mode)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


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
        from . import catalogue  # catalogue.py builds ACEs (model.py), and model.py is built from these rows
        from .model import Server, ServerRole  # the usage presets are catalogue.py's (§3)

        version = ExchangeVersion.parse(version.value if isinstance(version, ExchangeVersion) else version or "SE")
        role = ServerRole.EDGE if edge else ServerRole.MAILBOX
        if version.rank < ExchangeVersion.E2013.rank and not edge:
            role = ServerRole.HUB_TRANSPORT
        server = Server("EX01", "ex01.contoso.com", version, frozenset({role}))
        return int(getattr(catalogue.usage_preset(usage or None, server), self.preset))

    @property
    def is_settable(self) -> bool:
        return bool(self.settable)

    def parse(self, value):
        """Any spelling of a value -> the engine value; ExchangeError in Exchange's words, naming the parameter.
        A nullable row's $null is None (the console's $null, a JSON null, an export's nil) or an empty export cell;
        a quoted '$null' is six characters of text, as in PowerShell, and parses (or fails) as its kind's text."""
        if self.nullable and (value is None or text_of(value) == ""):
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
        from .psformat import cell  # psformat reads the catalogue, so it is imported when a value is printed

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
