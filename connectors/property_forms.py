"""Dashboard inputs built from the property catalogue (exchange/receive_connector_properties.py): each catalogued
property's input (its label, help, choices and Exchange's own parser) and PropertyForm, a Set-ReceiveConnector form
over the properties it names. connectors/forms.py builds the connector tabs' forms from these."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .exchange.errors import ExchangeError
from .exchange.property_kinds import Boolean, Choice, Flags, Unlimited
from .exchange.property_rows import Property
from .exchange.receive_connector_properties import RECEIVE_CONNECTOR


class PropertyText(forms.CharField):
    """A catalogued property typed as EMS takes it (`36MB`, `00:10:00`, `Unlimited`, `a, b`); its catalogue row parses
    it, so a wrong value gets Exchange's own words and the form hands on the engine value."""

    def __init__(self, prop: Property, **kwargs):
        self.prop = prop
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, str):
            return value  # what was typed, shown back as typed
        if value is None and not isinstance(self.prop.kind, Unlimited):
            return ""
        shown = self.prop.script_value(value)  # Unlimited for None, 00:10:00, bytes, a, b
        return ", ".join(shown) if isinstance(shown, tuple) else str(shown)

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return self.prop.parse(text)
        except ExchangeError as error:
            raise ValidationError(error.message) from error


class PropertyChoice(forms.TypedChoiceField):
    """An enum property: its catalogue values, the engine value (an enum member where the row has one) handed on."""

    def __init__(self, prop: Property, **kwargs):
        self.prop = prop
        names = prop.kind.names()
        super().__init__(choices=[(name, name) for name in names], coerce=prop.parse, **kwargs)

    def prepare_value(self, value):
        return self.prop.shown(value) if value is not None and not isinstance(value, str) else value


def flag_choices(parameter: str) -> list[tuple[int, str]]:
    """The boxes of a flags property (AuthMechanism, PermissionGroups), from its catalogue row."""
    return list(RECEIVE_CONNECTOR.by_name(parameter).kind.members())


def flags_field(parameter: str) -> forms.Field:
    prop = RECEIVE_CONNECTOR.by_name(parameter)
    return forms.TypedMultipleChoiceField(
        label=parameter,  # as EMS names it, also where a refused stale save says what it is now
        choices=flag_choices(parameter),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=prop.help,
    )


def property_field(prop: Property) -> forms.Field:
    """The dashboard's input for one catalogued property: labelled with its Exchange name, its help text beside it.
    Value rules that need other properties or the server are the engine's Set-ReceiveConnector's."""
    common = {"label": prop.name, "help_text": prop.help}
    if isinstance(prop.kind, Boolean):
        return forms.BooleanField(required=False, **common)
    if isinstance(prop.kind, Flags):
        return flags_field(prop.name)
    if isinstance(prop.kind, Choice):
        return PropertyChoice(prop, **common)
    return PropertyText(prop, required=prop.field == "name", **common)


class _CatalogueFields(forms.forms.DeclarativeFieldsMetaclass):
    """Gives a PropertyForm one input per property it names in `properties` (Exchange names), built from the row."""

    def __new__(mcs, name, bases, attrs):
        for parameter in attrs.get("properties", ()):
            prop = RECEIVE_CONNECTOR.by_name(parameter)
            attrs.setdefault(prop.field, property_field(prop))
        return super().__new__(mcs, name, bases, attrs)


class PropertyForm(forms.Form, metaclass=_CatalogueFields):
    """A Set-ReceiveConnector form over catalogued properties. With `server`, only the properties that server's
    version and role have are offered (EMS has no such parameter there)."""

    properties: tuple[str, ...] = ()

    def __init__(self, *args, server=None, **kwargs):
        super().__init__(*args, **kwargs)
        if server is not None:
            self.for_server(server)

    def for_server(self, server) -> None:
        """Drop the inputs of the properties `server` doesn't have (before the form is validated)."""
        for parameter in self.properties:
            prop = RECEIVE_CONNECTOR.by_name(parameter)
            if not prop.has(server.version, server.is_edge):
                self.fields.pop(prop.field, None)

    @classmethod
    def property_fields(cls) -> tuple[str, ...]:
        return tuple(RECEIVE_CONNECTOR.by_name(parameter).field for parameter in cls.properties)

    def changes(self, connector) -> dict:
        return {field: self.cleaned_data[field] for field in self.property_fields() if field in self.cleaned_data}
