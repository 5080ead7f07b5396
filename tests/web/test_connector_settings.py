"""The connector page's Settings tab: every other property Set-ReceiveConnector sets, built from the catalogue."""

import datetime
import html
import re

from connectors import forms, labs
from connectors.exchange.receive_connector_properties import RECEIVE_CONNECTOR
from connectors.store import lab_to_org
from tests.helpers import HTMX, connector_url

DEFAULT = "Default EX01"


def _posted(body: str) -> dict:
    """What the browser would post back: each input's shown value (checked boxes only), the select's chosen one."""
    data = {name: value for name, value in re.findall(r'<input type="text" name="(\w+)" value="([^"]*)"', body)}
    data |= {name: "on" for name in re.findall(r'<input type="checkbox" name="(\w+)"[^>]*checked', body)}
    for name, options in re.findall(r'<select name="(\w+)"[^>]*>(.*?)</select>', body, re.DOTALL):
        data[name] = re.search(r'<option value="([^"]*)" selected>', options).group(1)
    data["based_on"] = re.search(r'name="based_on" value="([^"]*)"', body).group(1)
    return data


def _settings(lab, name=DEFAULT, server="EX01"):
    return connector_url(lab, name, "connectors:connector-tab", server=server, tab="settings")


def test_it_offers_each_settable_property_the_server_has_with_its_help(signed_in, lab):
    body = signed_in.get(_settings(lab)).content.decode()
    for parameter in forms.SettingsForm.properties:
        prop = RECEIVE_CONNECTOR.by_name(parameter)
        shown = f'name="{prop.field}"' in body
        assert shown == prop.has("2007"), parameter  # the seed lab's EX01 is Exchange 2007
    assert "Received headers before rejection." in body  # MaxHopCount's help, from its catalogue row
    assert 'name="transport_role"' not in body  # no TransportRole before 2013


def test_it_saves_what_was_changed_and_leaves_the_rest(signed_in, lab):
    data = _posted(signed_in.get(_settings(lab)).content.decode())
    data |= {"max_hop_count": "40", "connection_timeout": "00:20:00", "message_rate_limit": "100"}
    data.pop("pipelining_enabled")  # an unticked box
    response = signed_in.post(connector_url(lab, DEFAULT, "connectors:connector-settings"), data, **HTMX)
    assert "Saved" in response.content.decode()
    connector = lab_to_org(lab).connector("EX01", DEFAULT)
    assert connector.max_hop_count == 40
    assert connector.connection_timeout == datetime.timedelta(minutes=20)
    assert connector.message_rate_limit == 100
    assert connector.pipelining_enabled is False
    assert connector.tarpit_interval == RECEIVE_CONNECTOR.by_name("TarpitInterval").default


def test_a_wrong_value_gets_exchanges_words_beside_its_field_and_nothing_is_saved(signed_in, lab):
    data = _posted(signed_in.get(_settings(lab)).content.decode())
    data |= {"max_hop_count": "501", "connection_timeout": "soon"}
    body = html.unescape(
        signed_in.post(connector_url(lab, DEFAULT, "connectors:connector-settings"), data, **HTMX).content.decode()
    )
    assert 'Cannot convert value "soon" to type "Microsoft.Exchange.Data.EnhancedTimeSpan"' in body
    assert lab_to_org(lab).connector("EX01", DEFAULT).max_hop_count == 30


def test_an_out_of_range_value_is_refused_by_the_engine_in_exchanges_words(signed_in, lab):
    data = _posted(signed_in.get(_settings(lab)).content.decode())
    data["max_hop_count"] = "501"
    body = html.unescape(
        signed_in.post(connector_url(lab, DEFAULT, "connectors:connector-settings"), data, **HTMX).content.decode()
    )
    assert 'The value "501" for MaxHopCount is out of range. Specify a value from 1 to 500.' in body
    assert lab_to_org(lab).connector("EX01", DEFAULT).max_hop_count == 30


def test_a_2016_server_offers_transport_role_and_auth_tarpit_interval(signed_in, owner):
    lab = labs.create_lab_from_template("exchange2016", owner=owner, name="2016 lab")
    connector = lab_to_org(lab).connectors[0]
    body = signed_in.get(_settings(lab, connector.name, connector.server)).content.decode()
    assert 'name="transport_role"' in body
    assert 'name="auth_tarpit_interval"' in body
