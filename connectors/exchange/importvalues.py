"""What the import's mapping (importmap.py, importdirectory.py) shares: the problems that refuse an import, the
report of what came in, and each exported value read through the property catalogue, once per distinct value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import ExchangeError
from .model import Organization
from .property_rows import Property, PropertySet
from .versions import ExchangeVersion

# --- Problems and the report -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    source: str
    position: str
    identity: str
    property: str
    message: str

    @property
    def text(self) -> str:
        where = f"{self.source}, {self.position}" if self.position else self.source
        who = f" ({self.identity})" if self.identity else ""
        what = f" {self.property}:" if self.property else ""
        return f"{where}{who}:{what} {self.message}"


class ImportRefused(Exception):
    """The import is refused whole: nothing of it may be saved. `problems` says every reason found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.text for p in self.problems))


@dataclass
class ImportReport:
    """What came in, for the import report: counts, notes, and each exported property the model doesn't use."""

    servers: int = 0
    connectors: int = 0
    aces: int = 0
    domains: int = 0
    recipients: int = 0
    principals: int = 0
    files: list[str] = field(default_factory=list)
    objects: Counter = field(default_factory=Counter)  # kind -> objects read
    unused: dict[str, Counter] = field(default_factory=dict)  # kind -> {property name: objects that had it}
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def to_json(self) -> dict:
        return {
            "files": self.files,
            "objects": dict(self.objects),
            "servers": self.servers,
            "connectors": self.connectors,
            "aces": self.aces,
            "domains": self.domains,
            "recipients": self.recipients,
            "principals": self.principals,
            "unused": {kind: dict(sorted(names.items())) for kind, names in self.unused.items()},
            "notes": self.notes,
        }


@dataclass(frozen=True)
class ImportResult:
    org: Organization
    report: ImportReport


# --- Reading values through the catalogue -------------------------------------------------------------------------


def hashable(value):
    if isinstance(value, list):
        flat = tuple(value)  # a list of text (most are): hashable as it is
        try:
            hash(flat)
        except TypeError:
            return tuple(hashable(v) for v in value)
        return flat
    if isinstance(value, dict):
        return tuple(sorted((str(k), hashable(v)) for k, v in value.items()))
    return value


class Values:
    """Property.parse, once per distinct (property, value): an export repeats the same values (True, 00:05:00,
    Setup's bindings) across a thousand connectors, and a list property is parsed entry by entry so that a range
    met on several connectors is parsed once. The engine's validators check the parsed values later, once."""

    def __init__(self):
        self._cache: dict = {}

    def parse(self, prop: Property, raw):
        if isinstance(raw, list):
            if prop.kind.multi and getattr(prop.kind, "item", "") in ("ip range", "binding"):
                parsed = []
                for text in raw:
                    parsed += self._one(prop, (prop.name, text), [text])
                return tuple(parsed)
            return self._one(prop, (prop.name, "list", hashable(raw)), raw)
        if isinstance(raw, dict):
            return self._one(prop, (prop.name, "dict", hashable(raw)), raw)
        return self._one(prop, (prop.name, type(raw), raw), raw)

    def _one(self, prop: Property, key, raw):
        found = self._cache.get(key)
        if found is None:
            try:
                found = (True, prop.parse(raw))
            except ExchangeError as error:
                found = (False, error.message)
            except (TypeError, ValueError) as error:  # a value of a shape no parser expects
                found = (False, str(error))
            self._cache[key] = found
        ok, value = found
        if not ok:
            raise ExchangeError(value, prop.name)
        return value


@dataclass
class Exported:
    """One exported object being mapped: where it came from, its Identity, its properties by casefolded name."""

    source: str
    position: str
    kind: str
    identity: str
    properties: dict  # casefolded name -> (Exchange's spelling, value)

    def get(self, name: str, default=None):
        found = self.properties.get(name.casefold())
        return default if found is None else found[1]

    def has(self, name: str) -> bool:
        return name.casefold() in self.properties


def exported(obj) -> Exported:
    properties = {str(name).casefold(): (str(name), value) for name, value in obj.properties.items()}
    identity = properties.get("identity", (None, None))[1] or properties.get("name", (None, None))[1] or ""
    return Exported(obj.source, obj.position, obj.kind, str(identity), properties)


class Mapper:
    def __init__(self, stated: ExchangeVersion | None):
        self.stated = stated
        self.values = Values()
        self.problems: list[Problem] = []
        self.report = ImportReport()
        self._layouts: dict = {}

    def problem(self, obj: Exported | None, prop: str, message: str) -> None:
        if obj is None:
            self.problems.append(Problem("", "", "", prop, message))
        else:
            self.problems.append(Problem(obj.source, obj.position, obj.identity, prop, message))

    def read(self, obj: Exported, props: PropertySet, names: Iterable[str] | None = None) -> dict[str, object]:
        """{field: engine value} for the object's properties the catalogue has (all of them, or `names`); each value
        the catalogue refuses is a problem naming the property; the others are counted as unused."""
        wanted = None if names is None else {n.casefold() for n in names}
        result = {}
        for key, (name, raw), prop in zip(obj.properties, obj.properties.values(), self._rows(props, obj)):
            if prop is None or (wanted is not None and key not in wanted):
                if wanted is None or prop is None:
                    self.unused(obj.kind, name)
                continue
            try:
                result[prop.field] = self.values.parse(prop, raw)
            except ExchangeError as error:
                self.problem(obj, prop.name, error.message)
        return result

    def _rows(self, props: PropertySet, obj: Exported) -> list[Property | None]:
        """The catalogue row of each of the object's properties, in order; looked up once per distinct set of
        property names (every object of one export has the same)."""
        key = (props.object_type, tuple(obj.properties))
        rows = self._layouts.get(key)
        if rows is None:
            rows = self._layouts[key] = [props.by_name(name) for name in obj.properties]
        return rows

    def unused(self, kind: str, name: str) -> None:
        self.report.unused.setdefault(kind, Counter())[name] += 1

    def check(self, obj: Exported, props: PropertySet, values: dict) -> None:
        """The catalogue's own rules of each value (range, choices, syntax) for objects no engine validator covers."""
        for name, value in values.items():
            prop = props.by_field(name)
            for message in prop.problems(value) if prop else ():
                self.problem(obj, prop.name, message)
