"""Property: the open-relay finding appears exactly when some Internet address relays, and names such an address."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.exchange.addresses import format_ip, parse_ip
from connectors.exchange.addressmap import is_public
from connectors.exchange.audit import audit
from connectors.exchange.smtp import Probe, simulate

from .labs import add, lab, relay_connector

BASE = lab()


@st.composite
def ipv4_ranges(draw):
    first = draw(st.integers(1, 2**32 - 2))
    size = draw(st.sampled_from([1, 2, 256, 4096, 2**16, 2**24]))
    last = min(first + size - 1, 2**32 - 2)
    return first, last


def _has_public(first: int, last: int) -> bool:
    """Exact: every non-public IPv4 block is /16-aligned, so publicness is constant inside each /16."""
    probes = {first} | {b for b in range((first | 0xFFFF) + 1, last + 1, 1 << 16)}
    return any(is_public(4, p) for p in probes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ipv4_ranges())
def test_open_relay_is_raised_exactly_when_an_internet_address_relays(bounds):
    first, last = bounds
    text = f"{format_ip(4, first)}-{format_ip(4, last)}"
    org = add(BASE, relay_connector(BASE, [text]))
    found = [f for f in audit(org) if f.code == "open-relay"]
    if not found:
        assert not _has_public(first, last)
        return
    address = found[0].address
    version, value = parse_ip(address)
    assert first <= value <= last
    assert is_public(version, value)
    result = simulate(org, Probe("EX01", address, mail_from="a@outside.example", rcpts=("b@outside.example",)))
    assert result.recipients[0].reply == "250 2.1.5 Recipient OK"
