"""The address space cut into segments (exchange/addressmap.py): the one sweep the selection, the relay map and the
audit share, checked against select() and against address-by-address counting."""

from hypothesis import given
from hypothesis import strategies as st

from connectors.exchange.addresses import FAMILY_SIZE, format_ip, parse_bindings, parse_remote_ranges
from connectors.exchange.addressmap import is_public, public_part
from connectors.exchange.model import ReceiveConnector, TransportRole
from connectors.exchange.selection import SelectionIndex


def _connector(name, bindings, ranges):
    return ReceiveConnector(
        server="EX01",
        name=name,
        transport_role=TransportRole.FRONTEND,
        bindings=parse_bindings(bindings),
        remote_ip_ranges=parse_remote_ranges(ranges),
    )


INDEX = SelectionIndex(
    [
        _connector("Default", "0.0.0.0:25", ["0.0.0.0-255.255.255.255"]),
        _connector("Relay", "10.0.0.10:25", ["10.0.0.50", "10.0.0.51", "192.168.0.0/16"]),
        _connector("Partners", "0.0.0.0:25", ["10.0.0.0/24", "255.255.255.0/24"]),
    ]
)


def test_segments_cover_the_whole_family_in_order():
    segments = INDEX.segments("10.0.0.10", 25, 4)
    assert segments[0].first == 0
    assert segments[-1].last == FAMILY_SIZE[4] - 1
    for before, after in zip(segments, segments[1:], strict=False):
        assert before.last + 1 == after.first
        assert before.connector is not after.connector  # adjacent parts of one connector are merged


def test_each_segment_is_taken_by_the_connector_select_picks_at_both_ends():
    for local_ip in ("10.0.0.10", None):
        for first, last, connector in INDEX.segments(local_ip, 25, 4):
            for address in (first, last):
                assert INDEX.select(local_ip, 25, format_ip(4, address)).connector is connector


def test_the_exact_binding_takes_its_two_adjacent_addresses_as_one_segment():
    taken = {(s.first, s.last): s.connector.name for s in INDEX.segments("10.0.0.10", 25, 4) if s.connector}
    relay = [span for span, name in taken.items() if name == "Relay"]
    assert (parse_remote_ranges("10.0.0.50")[0].first, parse_remote_ranges("10.0.0.51")[0].last) in relay


def test_nothing_takes_a_port_nobody_listens_on():
    assert [s.connector for s in INDEX.segments(None, 587, 4)] == [None]
    assert [(s.first, s.last) for s in INDEX.segments(None, 587, 6)] == [(0, FAMILY_SIZE[6] - 1)]


@given(st.integers(0, FAMILY_SIZE[4] - 1), st.integers(0, 4096))
def test_public_part_counts_what_is_public_address_by_address(first, length):
    last = min(first + length, FAMILY_SIZE[4] - 1)
    public = [a for a in range(first, last + 1) if is_public(4, a)]
    assert public_part(4, first, last) == (len(public), public[0] if public else None)


def test_public_part_of_whole_families():
    count, lowest = public_part(4, 0, FAMILY_SIZE[4] - 1)
    assert lowest == parse_remote_ranges("1.0.0.0")[0].first
    assert 0 < count < FAMILY_SIZE[4]
    assert public_part(6, *_span("fe80::/10")) == (0, None)


def _span(text):
    block = parse_remote_ranges(text)[0]
    return block.first, block.last
