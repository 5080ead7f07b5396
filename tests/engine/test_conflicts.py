import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.exchange import conflicts
from connectors.exchange.addresses import IPRange, parse_bindings, parse_remote_ranges
from connectors.exchange.conflicts import MAPPING_CONFLICT, ROLE_CONFLICT, bindings_collide, find_conflicts
from connectors.exchange.model import FieldError, ReceiveConnector, TransportRole

ALL = "0.0.0.0-255.255.255.255"
ALL_V6 = "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"


def connector(name, bindings, ranges, role=TransportRole.FRONTEND, server="EX01", enabled=True):
    return ReceiveConnector(
        server=server,
        name=name,
        transport_role=role,
        enabled=enabled,
        bindings=parse_bindings(bindings),
        remote_ip_ranges=parse_remote_ranges(ranges),
    )


def mapping(identity):
    return [FieldError("Bindings", MAPPING_CONFLICT.format(identity))]


def role(identity):
    return [FieldError("Bindings", ROLE_CONFLICT.format(identity))]


def test_messages_are_exchanges_words():
    assert MAPPING_CONFLICT.format("EX01\\Other") == (
        "The values that you specified for the Bindings and RemoteIPRanges parameters conflict with the settings on "
        'Receive connector "EX01\\Other". A Receive connector must have a unique combination of a local IP address & '
        "port bindings and remote IP address ranges. Change at least one of these values."
    )
    assert ROLE_CONFLICT.format("EX01\\Default Frontend EX01") == (
        "The values that you specified for the Bindings and RemoteIPRanges parameters conflict with the settings on "
        'Receive connector "EX01\\Default Frontend EX01". Receive connectors assigned to different Transport roles '
        "on a single server must listen on unique local IP address & port bindings."
    )


@pytest.mark.parametrize(
    "a, b, collide",
    [
        ("10.0.0.1:25", "10.0.0.1:25", True),
        ("0.0.0.0:25", "10.0.0.1:25", True),
        ("10.0.0.1:25", "0.0.0.0:25", True),
        ("[::]:25", "[fe80::1]:25", True),
        ("10.0.0.1:25", "10.0.0.2:25", False),
        ("10.0.0.1:25", "10.0.0.1:587", False),
        ("0.0.0.0:25", "[::]:25", False),
    ],
)
def test_bindings_collide_when_identical_or_wildcard_on_the_same_family_and_port(a, b, collide):
    [left], [right] = parse_bindings(a), parse_bindings(b)
    assert bindings_collide(left, right) is collide


def test_scenario_9_partially_overlapping_ranges_on_the_same_binding_conflict():
    existing = connector("Relay A", "10.0.0.1:25", "10.0.0.0/24")
    new = connector("Relay B", "10.0.0.1:25", "10.0.0.128-10.0.1.10")
    assert find_conflicts(new, [existing]) == mapping("EX01\\Relay A")


def test_scenario_10_nested_ranges_on_the_same_binding_are_allowed():
    existing = connector("Wide", "10.0.0.1:25", "10.0.0.0/16")
    assert find_conflicts(connector("Narrow", "10.0.0.1:25", "10.0.5.0/24"), [existing]) == []


def test_scenario_11_a_hub_connector_on_the_frontend_port_is_a_role_conflict():
    frontend = connector("Default Frontend EX01", "0.0.0.0:25, [::]:25", [ALL, ALL_V6])
    hub = connector("Relay", "10.1.1.1:25", "10.9.9.9", role=TransportRole.HUB)
    assert find_conflicts(hub, [frontend]) == role("EX01\\Default Frontend EX01")


def test_role_conflict_ignores_the_ranges():
    frontend = connector("FE", "10.1.1.1:25", "10.0.0.1")
    hub = connector("Hub", "10.1.1.1:25", "192.168.0.1", role=TransportRole.HUB)
    assert find_conflicts(hub, [frontend]) == role("EX01\\FE")


def test_identical_binding_with_an_equal_range_conflicts_whatever_the_notation():
    existing = connector("A", "10.0.0.1:25", "10.0.0.0/24")
    assert find_conflicts(connector("B", "10.0.0.1:25", "10.0.0.0-10.0.0.255"), [existing]) == mapping("EX01\\A")


def test_nested_ranges_may_share_a_bound():
    existing = connector("A", "10.0.0.1:25", "10.0.0.0/24")
    assert find_conflicts(connector("B", "10.0.0.1:25", "10.0.0.0-10.0.0.10"), [existing]) == []
    assert find_conflicts(connector("C", "10.0.0.1:25", "10.0.0.200-10.0.0.255"), [existing]) == []


def test_ranges_overlapping_by_a_single_address_without_nesting_conflict():
    existing = connector("A", "10.0.0.1:25", "10.0.0.0/24")
    assert find_conflicts(connector("B", "10.0.0.1:25", "10.0.0.255-10.0.1.255"), [existing]) == mapping("EX01\\A")


def test_disjoint_ranges_on_the_same_binding_are_allowed():
    existing = connector("A", "10.0.0.1:25", "10.0.0.0/24")
    assert find_conflicts(connector("B", "10.0.0.1:25", "10.0.1.0/24"), [existing]) == []


def test_wildcard_and_specific_binding_may_share_an_identical_range():
    existing = connector("Wildcard", "0.0.0.0:25", "10.0.0.0/24")
    assert find_conflicts(connector("Specific", "10.0.0.1:25", "10.0.0.0/24"), [existing]) == []


def test_wildcard_and_specific_binding_conflict_on_partial_overlap():
    existing = connector("Wildcard", "0.0.0.0:25", "10.0.0.0/24")
    new = connector("Specific", "10.0.0.1:25", "10.0.0.128-10.0.1.10")
    assert find_conflicts(new, [existing]) == mapping("EX01\\Wildcard")


def test_the_documented_three_connector_example_has_no_conflict():
    wide = connector("All", "0.0.0.0:25", ALL)
    subnet = connector("Subnet", "0.0.0.0:25", "192.168.1.0-192.168.1.255")
    host = connector("Host", "0.0.0.0:25", "192.168.1.75")
    assert find_conflicts(host, [wide, subnet]) == []
    assert find_conflicts(subnet, [wide, host]) == []


def test_a_second_all_ip_port_25_connector_conflicts_with_default_frontend():
    default = connector("Default Frontend EX01", "0.0.0.0:25", ALL)
    assert find_conflicts(connector("Anonymous", "0.0.0.0:25", ALL), [default]) == mapping(
        "EX01\\Default Frontend EX01"
    )


def test_disabled_connectors_still_count():
    existing = connector("Off", "10.0.0.1:25", "10.0.0.0/24", enabled=False)
    assert find_conflicts(connector("B", "10.0.0.1:25", "10.0.0.0/24"), [existing]) == mapping("EX01\\Off")


def test_only_the_same_server_counts_and_the_connector_itself_is_excluded():
    new = connector("Relay", "10.0.0.1:25", "10.0.0.0/24")
    elsewhere = connector("Relay B", "10.0.0.1:25", "10.0.0.0/24", server="EX02")
    itself = connector("relay", "10.0.0.1:25", "10.0.0.0/24", server="ex01")
    assert find_conflicts(new, [elsewhere, itself]) == []


def test_ipv4_and_ipv6_bindings_on_the_same_port_do_not_collide():
    existing = connector("V6", "[::]:25", ALL_V6, role=TransportRole.HUB)
    assert find_conflicts(connector("V4", "0.0.0.0:25", ALL), [existing]) == []


def test_one_error_per_conflicting_connector_in_order():
    a = connector("A", "10.0.0.1:25", "10.0.0.0/24")
    b = connector("B", "0.0.0.0:25", "10.0.0.0/24", role=TransportRole.HUB)
    new = connector("New", "10.0.0.1:25, 0.0.0.0:25", "10.0.0.0/24")
    assert find_conflicts(new, [a, b]) == mapping("EX01\\A") + role("EX01\\B")


_small_ranges = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 12)).map(lambda t: IPRange(4, t[0], t[0] + t[1])), max_size=12
)


@given(_small_ranges, _small_ranges)
def test_the_sweep_finds_a_partial_overlap_exactly_when_some_pair_partially_overlaps(mine, theirs):
    pairwise = any(a.partially_overlaps(b) for a in mine for b in theirs)
    assert conflicts._partially_overlap(tuple(mine), tuple(theirs)) == pairwise
