import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.exchange.addresses import (
    ALL_IPV4,
    ALL_IPV6,
    MAX_REMOTE_IP_RANGES,
    Binding,
    IPRange,
    duplicates,
    parse_binding,
    parse_bindings,
    parse_ip,
    parse_remote_range,
    parse_remote_ranges,
)
from connectors.exchange.errors import ExchangeError


def _error(parse, text) -> ExchangeError:
    with pytest.raises(ExchangeError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize(
    "text, expected, normalised",
    [
        ("10.0.0.1:25", Binding(4, int(ipaddress.ip_address("10.0.0.1")), 25), "10.0.0.1:25"),
        ("0.0.0.0:25", Binding(4, 0, 25), "0.0.0.0:25"),
        ("[::]:25", Binding(6, 0, 25), "[::]:25"),
        (":::717", Binding(6, 0, 717), "[::]:717"),
        ("[fe80::1]:25", Binding(6, int(ipaddress.ip_address("fe80::1")), 25), "[fe80::1]:25"),
        ("[fe80::1%11]:2525", Binding(6, int(ipaddress.ip_address("fe80::1")), 2525), "[fe80::1]:2525"),
        (" 10.0.0.1:65535 ", Binding(4, int(ipaddress.ip_address("10.0.0.1")), 65535), "10.0.0.1:65535"),
    ],
)
def test_it_parses_and_normalises_bindings(text, expected, normalised):
    binding = parse_binding(text)
    assert binding == expected
    assert binding.text == normalised
    assert parse_binding(binding.text) == binding


def test_wildcard_bindings_are_recognised():
    assert parse_binding("0.0.0.0:25").is_wildcard
    assert parse_binding("[::]:25").is_wildcard
    assert not parse_binding("10.0.0.1:25").is_wildcard


@pytest.mark.parametrize("text", ["10.0.0.1:0", "10.0.0.1:65536", "[::]:70000"])
def test_it_rejects_ports_out_of_range(text):
    error = _error(parse_binding, text)
    assert error.field == "Bindings"
    assert "out of range. Specify a TCP port from 1 to 65535." in error.message
    assert text in error.message


@pytest.mark.parametrize("text", ["224.0.0.5:25", "239.1.2.3:25", "255.255.255.255:25", "[ff02::1]:25"])
def test_it_rejects_multicast_and_broadcast_bindings(text):
    error = _error(parse_binding, text)
    assert error.field == "Bindings"
    assert error.message == "Binding addresses cannot be a multicast or a broadcast address."


@pytest.mark.parametrize(
    "text", ["10.0.0.1", "10.0.0.1:", ":25", "10.0.0.1:smtp", "10.0.0.1:٣", "mail:25", "10.0.0.256:25"]
)
def test_it_rejects_malformed_bindings_naming_the_value(text):
    error = _error(parse_binding, text)
    assert error.field == "Bindings"
    assert f'"{text}" isn\'t a valid binding' in error.message


def test_it_keeps_duplicate_bindings_in_order_for_validation_to_refuse():
    bindings = parse_bindings("0.0.0.0:25, [::]:25, 0.0.0.0:25")
    assert [b.text for b in bindings] == ["0.0.0.0:25", "[::]:25", "0.0.0.0:25"]
    assert duplicates(bindings) == [parse_binding("0.0.0.0:25")]
    assert parse_bindings(["10.0.0.1:25"]) == (parse_binding("10.0.0.1:25"),)
    assert parse_bindings("") == ()


@pytest.mark.parametrize(
    "text, notation, first, last, normalised",
    [
        ("192.168.1.75", "single", "192.168.1.75", "192.168.1.75", "192.168.1.75"),
        ("192.168.1.1-192.168.1.254", "range", "192.168.1.1", "192.168.1.254", "192.168.1.1-192.168.1.254"),
        ("192.168.1.0/24", "cidr", "192.168.1.0", "192.168.1.255", "192.168.1.0/24"),
        ("192.168.1.1/24", "cidr", "192.168.1.0", "192.168.1.255", "192.168.1.0/24"),
        ("10.0.0.0(255.255.0.0)", "cidr", "10.0.0.0", "10.0.255.255", "10.0.0.0/16"),
        ("0.0.0.0-255.255.255.255", "range", "0.0.0.0", "255.255.255.255", "0.0.0.0-255.255.255.255"),
        ("fe80::39bd:88f7:6969:d223%11", "single", "fe80::39bd:88f7:6969:d223", "fe80::39bd:88f7:6969:d223",
         "fe80::39bd:88f7:6969:d223"),
        ("2001:0DB8::CD3/60", "cidr", "2001:db8::", "2001:db8:0:f:ffff:ffff:ffff:ffff", "2001:db8::/60"),
        ("[::]-FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", "range", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
         "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    ],
)  # fmt: skip
def test_it_parses_every_remote_range_notation(text, notation, first, last, normalised):
    parsed = parse_remote_range(text)
    assert parsed.notation == notation
    assert parsed.first == int(ipaddress.ip_address(first))
    assert parsed.last == int(ipaddress.ip_address(last))
    assert parsed.text == normalised
    assert parse_remote_range(parsed.text) == parsed


def test_the_all_address_ranges_read_like_get_receiveconnector():
    assert ALL_IPV4.text == "0.0.0.0-255.255.255.255"
    assert ALL_IPV6.text == "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    assert ALL_IPV4.size == 2**32


def test_it_rejects_reversed_range():
    error = _error(parse_remote_range, "10.0.0.9-10.0.0.1")
    assert error.field == "RemoteIPRanges"
    assert error.message == (
        'The IP range "10.0.0.9-10.0.0.1" is reversed: the start address 10.0.0.9 is greater than the end address '
        "10.0.0.1."
    )


def test_it_rejects_mixed_families():
    error = _error(parse_remote_range, "10.0.0.1-::1")
    assert error.field == "RemoteIPRanges"
    assert error.message == (
        'The IP range "10.0.0.1-::1" mixes an IPv4 and an IPv6 address. '
        "Both ends of a range must be of the same address family."
    )


@pytest.mark.parametrize(
    "text", ["", "10.0.0", "10.0.0.1-", "abc", "10.0.0.1-10.0.0.x", "10.0.0.0(255.255.255.0", "10.0.0.0/x", "1.2.3.4/٣"]
)
def test_it_rejects_malformed_ranges_naming_the_value(text):
    error = _error(parse_remote_range, text)
    assert error.field == "RemoteIPRanges"
    assert error.message.startswith(f'"{text}" isn\'t a valid remote IP address range.')


@pytest.mark.parametrize("text, limit", [("10.0.0.0/33", 32), ("::/129", 128)])
def test_it_rejects_prefix_lengths_out_of_range(text, limit):
    error = _error(parse_remote_range, text)
    assert error.message.startswith(f'The prefix length in "{text}" is out of range. Use /0 to /{limit}')


def test_it_rejects_non_contiguous_netmasks():
    assert "isn't a valid netmask" in _error(parse_remote_range, "10.0.0.0(255.0.255.0)").message


def test_it_enforces_the_administrative_limit():
    at_limit = [f"10.{i // 256}.{i % 256}.1" for i in range(MAX_REMOTE_IP_RANGES)]
    assert len(parse_remote_ranges(at_limit)) == MAX_REMOTE_IP_RANGES
    error = _error(parse_remote_ranges, [*at_limit, "192.168.0.1"])
    assert error.field == "RemoteIPRanges"
    assert error.message == "The administrative limit for this request was exceeded."


def test_remote_ranges_accept_comma_separated_text_and_keep_duplicates():
    ranges = parse_remote_ranges("10.0.0.1,10.0.0.2, 10.0.0.1,192.168.1.1-192.168.1.254,192.168.3.1/24")
    texts = ["10.0.0.1", "10.0.0.2", "10.0.0.1", "192.168.1.1-192.168.1.254", "192.168.3.0/24"]
    assert [r.text for r in ranges] == texts
    assert [r.text for r in duplicates(ranges)] == ["10.0.0.1"]


def test_a_range_written_in_another_notation_is_still_a_duplicate():
    assert [r.text for r in duplicates(parse_remote_ranges("10.0.0.5, 10.0.0.5/32, 10.0.0.4/31"))] == ["10.0.0.5/32"]


def test_parse_ip_returns_family_and_integer():
    assert parse_ip("10.0.0.1") == (4, 0x0A000001)
    assert parse_ip("[::1]") == (6, 1)
    assert parse_ip("fe80::1%11") == (6, int(ipaddress.ip_address("fe80::1")))
    assert _error(parse_ip, "10.0.0.999").message == '"10.0.0.999" isn\'t a valid IP address.'


def test_partial_overlap_excludes_nesting_and_disjoint_ranges():
    slash24 = parse_remote_range("10.0.0.0/24")
    assert slash24.partially_overlaps(parse_remote_range("10.0.0.128-10.0.1.10"))
    assert slash24.partially_overlaps(parse_remote_range("10.0.0.255-10.0.1.0"))
    assert not slash24.partially_overlaps(parse_remote_range("10.0.0.0-10.0.0.10"))
    assert not slash24.partially_overlaps(parse_remote_range("10.0.0.0/16"))
    assert not slash24.partially_overlaps(parse_remote_range("10.0.1.0/24"))


_V4 = st.integers(0, 2**32 - 1)
_V6 = st.integers(0, 2**128 - 1)


def _range_from(version, a, b, notation, prefix):
    if notation == "cidr":
        bits = 32 if version == 4 else 128
        host = bits - prefix % (bits + 1)
        first = a >> host << host
        return IPRange(version, first, first + (1 << host) - 1, "cidr")
    if notation == "single":
        return IPRange(version, a, a, "single")
    return IPRange(version, min(a, b), max(a, b), "range")


@given(
    st.sampled_from([4, 6]).flatmap(
        lambda version: st.builds(
            _range_from,
            st.just(version),
            _V4 if version == 4 else _V6,
            _V4 if version == 4 else _V6,
            st.sampled_from(["single", "range", "cidr"]),
            st.integers(0, 128),
        )
    )
)
def test_range_text_round_trips(ip_range):
    assert parse_remote_range(ip_range.text) == ip_range


@given(st.sampled_from([4, 6]), st.integers(0, 2**128 - 1), st.integers(1, 65535))
def test_binding_text_round_trips(version, address, port):
    address %= 2**32 if version == 4 else 2**128
    binding = Binding(version, address, port)
    try:
        parsed = parse_binding(binding.text)
    except ExchangeError as error:
        assert error.message == "Binding addresses cannot be a multicast or a broadcast address."
    else:
        assert parsed == binding


@given(st.text(alphabet="0123456789abcdef.:/-[]()%, x\x00٣", max_size=40))
def test_any_text_parses_or_gives_an_exchange_error(text):
    for parse in (parse_binding, parse_remote_range, parse_ip, parse_bindings, parse_remote_ranges):
        try:
            parse(text)
        except ExchangeError as error:
            assert error.message
