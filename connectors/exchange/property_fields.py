"""The engine's dataclasses from the catalogue: `fields_of` adds a field for each property of a PropertySet that a
class doesn't declare itself (model.py's Server, ReceiveConnector, AcceptedDomain, Organization)."""

from __future__ import annotations

from collections.abc import Iterable

from .property_rows import PropertySet
from .receive_connector_properties import COMPUTED

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
