"""Which Exchange a server runs, from AdminDisplayVersion or from what its exported connectors show."""

import pytest

from connectors.exchange.builds import Bounds, bounds_for, parse_build, settle, version_of
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import ExchangeVersion as V
from connectors.exchange.receive_connector_properties import RECEIVE_CONNECTOR


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("Version 8.3 (Build 83.6)", V.E2007),
        ("Version 14.3 (Build 123.4)", V.E2010),
        ("Version 15.0 (Build 1497.2)", V.E2013),
        ("Version 15.1 (Build 2507.6)", V.E2016),
        ("Version 15.2 (Build 986.5)", V.E2019),
        ("Version 15.2 (Build 1748.10)", V.E2019),
        ("Version 15.2 (Build 2562.17)", V.SE),
        ("15.2.2562.17", V.SE),
        ("15.02.0986.005", V.E2019),
    ],
)
def test_it_reads_the_version_from_admin_display_version(text, version):
    assert version_of(text) is version


def test_it_refuses_the_schema_version_of_an_ad_object():
    with pytest.raises(ExchangeError, match="ExchangeVersion.*schema"):
        version_of("0.1 (8.0.535.0)")


def test_it_refuses_a_build_it_does_not_model():
    with pytest.raises(ExchangeError, match="6.5.7638.1"):
        version_of("Version 6.5 (Build 7638.1)")
    with pytest.raises(ExchangeError, match="isn't an Exchange build"):
        parse_build("yesterday")


def _whole(version: V, **extra):
    props = {p.name: "x" for p in RECEIVE_CONNECTOR.for_version(version)}
    return {**props, **extra}


def test_it_settles_the_version_from_a_whole_connector_export():
    assert bounds_for([("EX01\\Default", _whole(V.E2010))]).settled is V.E2010
    assert bounds_for([("EX01\\Default", _whole(V.E2013))]).settled is V.E2013
    assert bounds_for([("EX01\\Default", _whole(V.E2007))]).settled is V.E2007


@pytest.mark.parametrize("version", [V.E2016, V.E2019, V.SE])
def test_it_asks_for_version_when_2016_2019_and_se_look_alike(version):
    # SmtpUtf8Enabled and BareLinefeedRejectionEnabled are in 2013 and 2010 already (Set-ReceiveConnector's
    # Applicable lines), so no catalogued connector property tells 2016 from 2019 (docs/decisions.md).
    bounds = bounds_for([("EX01\\Default Frontend EX01", _whole(version))])
    assert bounds.possible == (V.E2016, V.E2019, V.SE)
    with pytest.raises(ExchangeError, match="--version"):
        settle("EX01", bounds, None)
    assert settle("EX01", bounds, V.SE) is V.SE


def test_it_takes_frontend_transport_as_2013_or_later():
    bounds = bounds_for([("EX01\\Relay", {"Name": "Relay", "TransportRole": "FrontendTransport"})])
    assert bounds.low is V.E2013
    assert bounds.high is V.SE
    with pytest.raises(ExchangeError, match="doesn't fit server EX01.*TransportRole FrontendTransport"):
        settle("EX01", bounds, V.E2010)


def test_it_leaves_a_partial_export_open():
    assert bounds_for([("EX01\\Relay", {"Name": "Relay", "Bindings": "0.0.0.0:25"})]) == Bounds()


def test_it_sets_aside_a_missing_property_when_a_present_one_says_later():
    # AuthTarpitInterval (2016 on) present, AcceptConsumerMail (2016 on, a later CU) missing: a 2016 CU, not "no
    # version at all"; the error lists the versions left, never an empty list.
    props = {**_whole(V.E2016)}
    del props["AcceptConsumerMail"]
    bounds = bounds_for([("EX01\\Default EX01", props)])
    assert bounds.possible == (V.E2016, V.E2019, V.SE)
    with pytest.raises(ExchangeError, match=r"it may be 2016, 2019, SE\."):
        settle("EX01", bounds, None)
    assert settle("EX01", bounds, V.E2016) is V.E2016
