import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.exchange.addresses import IPAddress, IPRange, parse_bindings, parse_ip, parse_remote_ranges
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import (
    ExchangeVersion,
    Organization,
    ReceiveConnector,
    Server,
    ServerRole,
    TransportRole,
)
from connectors.exchange.selection import (
    Selection,
    SelectionIndex,
    address_count,
    default_local_ip,
    select_connector,
)

ALL = "0.0.0.0-255.255.255.255"
ALL_V6 = "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
FE, HUB = TransportRole.FRONTEND, TransportRole.HUB


def connector(name, bindings, ranges, role=FE, enabled=True):
    return ReceiveConnector(
        server="EX01",
        name=name,
        transport_role=role,
        enabled=enabled,
        bindings=parse_bindings(bindings),
        remote_ip_ranges=parse_remote_ranges(ranges),
    )


DEFAULT_FRONTEND = connector("Default Frontend EX01", "0.0.0.0:25, [::]:25", [ALL, ALL_V6])


def reasons(selection):
    return {c.connector.name: c.reason for c in selection.candidates}


def test_the_documented_example_picks_the_most_specific_range():
    index = SelectionIndex(
        [
            connector("All", "0.0.0.0:25", ALL),
            connector("Subnet", "0.0.0.0:25", "192.168.1.0-192.168.1.255"),
            connector("Host", "0.0.0.0:25", "192.168.1.75"),
        ]
    )
    assert index.select("10.0.0.1", 25, "192.168.1.75").connector.name == "Host"
    assert index.select("10.0.0.1", 25, "192.168.1.100").connector.name == "Subnet"
    assert index.select("10.0.0.1", 25, "172.16.0.9").connector.name == "All"


def test_the_selection_explains_the_winner_and_every_loser():
    index = SelectionIndex(
        [
            connector("All", "0.0.0.0:25", ALL),
            connector("Subnet", "0.0.0.0:25", "192.168.1.0/24"),
            connector("Host", "0.0.0.0:25", "192.168.1.75"),
            connector("Submission", "10.0.0.10:587", ALL),
            connector("Off", "0.0.0.0:25", "192.168.1.75", enabled=False),
        ]
    )
    selection = index.select("10.0.0.10", 25, "192.168.1.75")
    assert selection.reason == (
        'Receive connector "EX01\\Host" takes the connection: listens on 0.0.0.0:25 and its remote range '
        "192.168.1.75 (1 address) is the most specific match for 192.168.1.75."
    )
    assert selection.binding.text == "0.0.0.0:25"
    assert selection.matched_range.text == "192.168.1.75"
    assert [c.won for c in selection.candidates] == [False, False, True, False, False]
    assert reasons(selection) == {
        "All": "remote range 0.0.0.0-255.255.255.255 also contains 192.168.1.75 but 192.168.1.75 (1 address) "
        "is more specific",
        "Subnet": "remote range 192.168.1.0/24 also contains 192.168.1.75 but 192.168.1.75 (1 address) "
        "is more specific",
        "Host": "listens on 0.0.0.0:25 and its remote range 192.168.1.75 (1 address) is the most specific match "
        "for 192.168.1.75",
        "Submission": "listens on 10.0.0.10:587, not port 25",
        "Off": "disabled",
    }


def test_scenario_8_a_host_outside_the_relay_range_lands_on_default_frontend():
    relay = connector("Relay", "0.0.0.0:25", "10.0.0.50")
    index = SelectionIndex([DEFAULT_FRONTEND, relay])
    assert index.select("10.0.0.1", 25, "10.0.0.50").connector is relay
    outside = index.select("10.0.0.1", 25, "10.0.0.51")
    assert outside.connector is DEFAULT_FRONTEND
    assert reasons(outside)["Relay"] == "no remote range contains 10.0.0.51"


def test_scenario_10_the_nested_range_wins():
    wide = connector("Wide", "10.0.0.1:25", "10.0.0.0/16")
    narrow = connector("Narrow", "10.0.0.1:25", "10.0.5.0/24")
    selection = SelectionIndex([wide, narrow]).select("10.0.0.1", 25, "10.0.5.7")
    assert selection.connector is narrow
    assert reasons(selection)["Wide"] == (
        "remote range 10.0.0.0/16 also contains 10.0.5.7 but 10.0.5.0/24 (256 addresses) is more specific"
    )


def test_ties_go_to_the_connector_loaded_first():
    first = connector("First", "10.0.0.1:25", "10.0.0.0/24")
    second = connector("Second", "10.0.0.1:25", "10.0.0.0-10.0.0.255")
    selection = SelectionIndex([first, second]).select("10.0.0.1", 25, "10.0.0.9")
    assert selection.connector is first
    assert reasons(selection)["Second"] == (
        "remote range 10.0.0.0-10.0.0.255 also contains 10.0.0.9 and is as specific (256 addresses); "
        '"EX01\\First" was loaded first and wins the tie'
    )
    assert SelectionIndex([second, first]).select("10.0.0.1", 25, "10.0.0.9").connector is second


def test_the_exact_ip_binding_wins_unless_the_wildcard_range_is_strictly_smaller():
    specific = connector("Specific", "10.0.0.1:25", "10.0.0.0/24")
    same_size = connector("Wildcard", "0.0.0.0:25", "10.0.0.0/24")
    selection = SelectionIndex([same_size, specific]).select("10.0.0.1", 25, "10.0.0.9")
    assert selection.connector is specific
    assert reasons(selection)["Wildcard"] == (
        "remote range 10.0.0.0/24 also contains 10.0.0.9, but it listens on the wildcard 0.0.0.0:25 and a connector "
        "bound to the exact address 10.0.0.1:25 wins unless the wildcard's range is strictly smaller"
    )
    smaller = connector("Smaller", "0.0.0.0:25", "10.0.0.9")
    assert SelectionIndex([specific, smaller]).select("10.0.0.1", 25, "10.0.0.9").connector is smaller


def test_a_specific_binding_only_serves_its_own_address():
    specific = connector("Specific", "10.0.0.1:25", "10.0.0.0/24")
    selection = SelectionIndex([DEFAULT_FRONTEND, specific]).select("10.0.0.2", 25, "10.0.0.9")
    assert selection.connector is DEFAULT_FRONTEND
    assert reasons(selection)["Specific"] == "listens on 10.0.0.1:25, not on 10.0.0.2:25"


def test_without_a_local_address_only_wildcard_bindings_apply():
    specific = connector("Specific", "10.0.0.1:25", "10.0.0.0/24")
    selection = SelectionIndex([DEFAULT_FRONTEND, specific]).select(None, 25, "10.0.0.9")
    assert selection.connector is DEFAULT_FRONTEND
    assert reasons(selection)["Specific"] == (
        "listens on 10.0.0.1:25 only, and the connection isn't addressed to one of those addresses"
    )


def test_ipv4_and_ipv6_are_kept_apart():
    v4_only_ranges = connector("V4 ranges", "[::]:25, 0.0.0.0:25", "10.0.0.0/8")
    v6 = connector("V6", "[::]:25", "2001:db8::/32")
    index = SelectionIndex([v4_only_ranges, v6])
    selection = index.select("2001:db8::1", 25, "2001:db8::77")
    assert selection.connector is v6
    assert selection.binding.text == "[::]:25"
    assert reasons(selection)["V4 ranges"] == "no IPv6 remote range (IPv6 bindings only use IPv6 ranges)"
    v4 = index.select("10.0.0.1", 25, "10.1.2.3")
    assert v4.connector is v4_only_ranges
    assert reasons(v4)["V6"] == "listens on [::]:25: no IPv4 binding"


def test_mixed_families_between_local_and_remote_address_select_nothing():
    selection = SelectionIndex([DEFAULT_FRONTEND]).select("10.0.0.1", 25, "2001:db8::1")
    assert selection.connector is None
    assert "different address families" in selection.reason


def test_no_match_is_an_explicit_selection_with_a_reason():
    relay = connector("Relay", "10.0.0.1:25", "10.0.0.50")
    unmatched = SelectionIndex([relay]).select("10.0.0.1", 25, "10.0.0.51")
    assert (unmatched.connector, unmatched.binding, unmatched.matched_range) == (None, None, None)
    assert unmatched.reason == (
        "No receive connector takes the connection: connectors listen on 10.0.0.1:25 but no remote range contains "
        "10.0.0.51, so Exchange doesn't serve it."
    )
    assert [c.won for c in unmatched.candidates] == [False]
    nobody = SelectionIndex([relay]).select("10.0.0.1", 26, "10.0.0.50")
    assert nobody.reason == "No enabled receive connector listens on 10.0.0.1:26, so no connector takes the connection."
    empty = SelectionIndex([]).select("10.0.0.1", 25, "10.0.0.50")
    assert empty.connector is None
    assert empty.candidates == ()


def test_the_frontend_service_takes_a_port_both_roles_listen_on():
    hub_relay = connector("Relay", "10.0.0.1:25", "10.0.0.50", role=HUB)
    default_hub = connector("Default EX01", "0.0.0.0:2525", ALL, role=HUB)
    index = SelectionIndex([DEFAULT_FRONTEND, default_hub, hub_relay])
    selection = index.select("10.0.0.1", 25, "10.0.0.50")
    assert selection.connector is DEFAULT_FRONTEND
    assert reasons(selection)["Relay"] == (
        "HubTransport connector: 10.0.0.1:25 on this server is served by the Front End Transport service"
    )
    assert index.select("10.0.0.1", 2525, "10.0.0.50").connector is default_hub


def test_a_hub_connector_serves_a_port_no_frontend_connector_listens_on():
    hub_relay = connector("Relay", "10.0.0.1:25", "10.0.0.50", role=HUB)
    frontend_elsewhere = connector("FE", "10.0.0.2:25", ALL)
    disabled_frontend = connector("FE off", "0.0.0.0:25", ALL, enabled=False)
    selection = SelectionIndex([frontend_elsewhere, disabled_frontend, hub_relay]).select("10.0.0.1", 25, "10.0.0.50")
    assert selection.connector is hub_relay


def test_select_connector_uses_the_servers_first_address_of_the_family():
    server = Server("EX01", "ex01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}), ("10.0.0.1",))
    specific = connector("Specific", "10.0.0.1:25", "10.0.0.0/24")
    other = ReceiveConnector(server="EX02", name="Elsewhere", bindings=parse_bindings("10.0.0.1:25"))
    org = Organization(servers=(server,), connectors=(DEFAULT_FRONTEND, specific, other))
    selection = select_connector(org, "ex01", None, 25, "10.0.0.9")
    assert selection.connector is specific
    assert [c.connector.name for c in selection.candidates] == ["Default Frontend EX01", "Specific"]
    assert select_connector(org, "EX01", None, 25, "2001:db8::1").connector is DEFAULT_FRONTEND
    with pytest.raises(ExchangeError, match="object 'EX99' couldn't be found"):
        select_connector(org, "EX99", None, 25, "10.0.0.9")


def test_it_takes_the_servers_first_address_of_the_parsed_address_family():
    server = Server("EX01", "ex01", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}), ("10.0.0.1", "2001:db8::5"))
    assert default_local_ip(server, parse_ip("[2001:db8::7]")) == parse_ip("2001:db8::5")
    assert default_local_ip(server, parse_ip("203.0.113.7")) == IPAddress(4, 0x0A000001)
    v4_only = Server("EX02", "ex02", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}), ("10.0.0.2",))
    assert default_local_ip(v4_only, parse_ip("2001:db8::7")) is None


def test_it_selects_the_same_from_parsed_addresses_as_from_their_text():
    index = SelectionIndex([DEFAULT_FRONTEND, connector("Specific", "10.0.0.1:25", "10.0.0.0/24")])
    parsed = index.select(parse_ip("10.0.0.1"), 25, parse_ip("10.0.0.9"))
    assert parsed == index.select("10.0.0.1", 25, "10.0.0.9")
    assert parsed.connector.name == "Specific"


def test_bad_addresses_and_ports_raise_exchange_errors():
    index = SelectionIndex([DEFAULT_FRONTEND])
    with pytest.raises(ExchangeError):
        index.select("10.0.0.1", 25, "not-an-ip")
    for port in (0, 65536, "smtp"):
        with pytest.raises(ExchangeError):
            index.select("10.0.0.1", port, "10.0.0.9")


def test_a_selection_can_carry_ready_made_candidates():
    assert Selection(None, None, None, [], "nothing").candidates == ()


def test_every_candidate_is_listed_in_load_order_with_one_winner():
    connectors = [
        DEFAULT_FRONTEND,
        connector("Relay", "0.0.0.0:25", "10.0.0.0/24"),
        connector("Other", "0.0.0.0:26", ALL),
    ]
    selection = SelectionIndex(connectors).select("10.0.0.1", 25, "10.0.0.7")
    assert [c.connector for c in selection.candidates] == connectors
    assert [c.won for c in selection.candidates] == [False, True, False]
    assert selection.candidates[0].matched_range.text == ALL


def test_address_counts_read_naturally():
    assert address_count(1) == "1 address"
    assert address_count(256) == "256 addresses"
    assert address_count(2**32) == "4,294,967,296 addresses"
    assert address_count(2**64) == "2^64 addresses"


# Property: over random connectors in a small address space the winner's range contains the remote address and
# no eligible connector has a strictly smaller containing range.

_SPACE = 64


@st.composite
def _connectors(draw):
    result = []
    for position in range(draw(st.integers(1, 6))):
        ranges = []
        for _ in range(draw(st.integers(1, 4))):
            a, b = draw(st.integers(0, _SPACE)), draw(st.integers(0, _SPACE))
            ranges.append(IPRange(4, min(a, b), max(a, b)))
        binding = draw(st.sampled_from(["0.0.0.0:25", "0.0.0.200:25", "0.0.0.201:25", "0.0.0.0:587"]))
        enabled = draw(st.booleans())
        result.append(
            ReceiveConnector(
                server="EX01",
                name=f"C{position}",
                enabled=enabled,
                bindings=parse_bindings(binding),
                remote_ip_ranges=tuple(ranges),
            )
        )
    return result


def _smallest(connector, remote):
    sizes = [r.size for r in connector.remote_ip_ranges if r.first <= remote <= r.last]
    return min(sizes, default=None)


@given(_connectors(), st.integers(0, _SPACE))
def test_the_winner_has_the_smallest_containing_range(connectors, remote):
    selection = SelectionIndex(connectors).select("0.0.0.200", 25, f"0.0.0.{remote}")
    eligible = [c for c in connectors if c.enabled and {b.text for b in c.bindings} & {"0.0.0.0:25", "0.0.0.200:25"}]
    containing = {c.name: _smallest(c, remote) for c in eligible if _smallest(c, remote) is not None}
    if not containing:
        assert selection.connector is None
        return
    winner = selection.connector
    assert selection.matched_range.first <= remote <= selection.matched_range.last
    assert selection.matched_range.size == containing[winner.name]
    assert len(selection.candidates) == len(connectors)
    smallest = min(containing.values())
    assert containing[winner.name] == smallest
    assert [c.connector.name for c in selection.candidates if c.won] == [winner.name]
    assert all(c.matched_range.size >= smallest for c in selection.candidates if c.matched_range)
    exact = [c.name for c in eligible if c.bindings[0].text == "0.0.0.200:25" and containing.get(c.name) == smallest]
    wildcard = [c.name for c in eligible if c.name not in exact and containing.get(c.name) == smallest]
    assert winner.name == (exact or wildcard)[0]  # exact-IP first, then the first loaded
