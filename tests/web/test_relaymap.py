"""The relay map's address-space segments and its SVG (no database: plain engine objects)."""

from connectors.exchange.acl import add_ad_permission
from connectors.exchange.addressmap import server_maps
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from connectors.exchange.model import ExchangeVersion, Organization, Server, ServerRole
from connectors.exchange.receive import default_connectors, new_receive_connector
from connectors.templatetags.relaymap import relay_map_svg

EX01 = Server("EX01", "ex01.contoso.com", ExchangeVersion.E2007, frozenset({ServerRole.HUB_TRANSPORT}), ("10.0.0.5",))


def _org_with_relay(relay_ip="10.0.0.50") -> Organization:
    org = Organization(servers=(EX01,), connectors=default_connectors(EX01, "CONTOSO"))
    relay = new_receive_connector(
        org, "EX01", "Web app relay", usage="Custom", bindings=["0.0.0.0:25"], remote_ip_ranges=[relay_ip],
        permission_groups="AnonymousUsers",
    )  # fmt: skip
    relay = relay.with_changes(acl=add_ad_permission(relay.acl, ANONYMOUS_LOGON, [ACCEPT_ANY_RECIPIENT]))
    return org.with_changes(connectors=(*org.connectors, relay))


def test_it_marks_only_the_relay_address_as_relaying():
    port25 = next(m for m in server_maps(_org_with_relay(), "EX01") if m.binding.port == 25)
    assert port25.relay_texts == (("10.0.0.50", "Web app relay"),)
    taken = {s.text(4): s.connector.name for s in port25.segments}
    assert taken["10.0.0.50"] == "Web app relay"
    assert taken["0.0.0.0–10.0.0.49"] == "Default EX01"


def test_it_finds_no_relay_on_setup_defaults():
    org = Organization(servers=(EX01,), connectors=default_connectors(EX01, "CONTOSO"))
    assert all(not m.relay_segments for m in server_maps(org, "EX01"))


def test_the_svg_names_each_connector_on_hover():
    port25 = next(m for m in server_maps(_org_with_relay(), "EX01") if m.binding.port == 25)
    svg = str(relay_map_svg(port25))
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
    assert "<title>10.0.0.50 may relay anonymously through Web app relay</title>" in svg
    assert "Web app relay: RemoteIPRanges 10.0.0.50 (1 address)" in svg


def test_ipv6_bindings_get_their_own_map_when_ipv6_ranges_are_used():
    ex2019 = Server("EX19", "ex19.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}), ("10.0.0.9",))
    org = Organization(servers=(ex2019,), connectors=default_connectors(ex2019, "CONTOSO"))
    bindings = {m.binding.text for m in server_maps(org, "EX19")}
    assert {"0.0.0.0:25", "[::]:25"} <= bindings
    ipv6 = next(m for m in server_maps(org, "EX19") if m.binding.text == "[::]:25")
    assert 'aria-label="Relay map of EX19 binding [::]:25"' in str(relay_map_svg(ipv6))
