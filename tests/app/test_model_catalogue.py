"""The Django models and the property catalogue agree: every column that holds an Exchange property has its catalogue
row's default and choices, every catalogued connector property has a column or a place in the JSON column, and no
column holds an Exchange property the catalogue doesn't declare."""

import pytest
from django.db import models as django_models

from connectors import convert, models
from connectors.exchange.directory_properties import PRINCIPAL, RECIPIENT
from connectors.exchange.model import ReceiveConnector
from connectors.exchange.organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from connectors.exchange.property_kinds import Choice
from connectors.exchange.receive_connector_properties import COMPUTED, RECEIVE_CONNECTOR
from connectors.exchange.server_properties import SERVER

# The other object types: the model that stores each and its catalogue (the organisation's settings are the Lab's).
OTHERS = [
    (models.Server, SERVER),
    (models.AcceptedDomain, ACCEPTED_DOMAIN),
    (models.Recipient, RECIPIENT),
    (models.Principal, PRINCIPAL),
    (models.Lab, TRANSPORT_CONFIG),
]
# exchsim's own columns beside a connector's Exchange properties: what it belongs to, how it was made, the JSON column.
CONNECTOR_OWN = {"id", "server", "usage", "created_by_setup", "properties"}


def _columns(model) -> dict[str, django_models.Field]:
    return {field.name: field for field in model._meta.local_fields}


def test_it_gives_each_connector_column_the_default_the_catalogue_gives_a_new_connector():
    stored = convert.connector_fields(ReceiveConnector(server="EX01", name=""))
    columns = _columns(models.ReceiveConnector)
    for prop in RECEIVE_CONNECTOR:
        if prop.column:
            assert columns[prop.field].get_default() == stored[prop.field], prop.name


def test_it_keeps_each_connector_property_without_a_column_in_the_json_column():
    stored = convert.connector_fields(ReceiveConnector(server="EX01", name=""))
    columns = _columns(models.ReceiveConnector)
    for prop in RECEIVE_CONNECTOR:
        if prop.field in COMPUTED or prop.field == "server":
            continue
        if not prop.column:
            assert prop.field not in columns, prop.name
            assert stored["properties"][prop.field] == prop.data(prop.default), prop.name


def test_it_has_no_connector_column_the_catalogue_doesnt_declare():
    for name in _columns(models.ReceiveConnector):
        if name in CONNECTOR_OWN:
            continue
        prop = RECEIVE_CONNECTOR.by_field(name)
        assert prop is not None, name
        assert prop.column, name


@pytest.mark.parametrize(("model", "properties"), [(models.ReceiveConnector, RECEIVE_CONNECTOR), *OTHERS])
def test_it_offers_the_catalogues_choices_for_each_enum_column(model, properties):
    columns = _columns(model)
    for prop in properties:
        if isinstance(prop.kind, Choice) and prop.field in columns:
            assert [value for value, _label in columns[prop.field].choices] == list(prop.kind.names()), prop.name


@pytest.mark.parametrize(("model", "properties"), OTHERS)
def test_it_gives_the_other_objects_columns_their_catalogue_defaults(model, properties):
    columns = _columns(model)
    for prop in properties:
        field = columns.get(prop.field)
        if field is None or not field.has_default():
            continue
        value = prop.data(prop.default)
        assert field.get_default() == (convert.join_list(value) if prop.kind.multi else value), prop.name


@pytest.mark.parametrize(("model", "properties"), OTHERS[:-1])  # a Lab has columns of its own too
def test_it_has_a_catalogue_row_for_each_column_of_the_other_objects(model, properties):
    for name in _columns(model):
        if name not in ("id", "lab", "properties"):  # the JSON column holds the rows without a column of their own
            assert properties.by_field(name) is not None, f"{model.__name__}.{name}"
