"""Bindings and RemoteIPRanges: parsing, validation and normalised text (reference §5.3).

A Binding is a local IP address and TCP port (`10.0.0.1:25`, `0.0.0.0:25`, `[::]:25`, `:::717`).
An IPRange is an inclusive range of remote addresses of one family, written by the admin as a single address,
`lo-hi` or CIDR. Both are frozen values with integer bounds so that selection and conflict checks are arithmetic.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from .errors import ExchangeError

# Exchange stops at "roughly 1,200-1,300" entries per connector (an AD value limit, T-LIMIT); we take the safe end.
MAX_REMOTE_IP_RANGES = 1200

_BITS = {4: 32, 6: 128}
FAMILY_SIZE = {4: 2**32, 6: 2**128}  # addresses in each family's whole space
_IPV4_BROADCAST = 2**32 - 1


def format_ip(version: int, address: int) -> str:
    if version == 4:  # hot in selection reasons: formatting directly is 10x faster than ipaddress
        return f"{address >> 24}.{address >> 16 & 255}.{address >> 8 & 255}.{address & 255}"
    return str(ipaddress.IPv6Address(address))


def _prefix_length(version: int, first: int, last: int) -> int | None:
    """The prefix length when first-last is exactly one CIDR block, else None."""
    size = last - first + 1
    if size & (size - 1) or first % size:
        return None
    return _BITS[version] - (size.bit_length() - 1)


@dataclass(frozen=True, order=True)
class IPRange:
    """An inclusive range of addresses of one family. `text` keeps the admin's notation (CIDR, range, single)."""

    version: int  # 4 or 6
    first: int
    last: int
    notation: str = "range"  # "single", "range" or "cidr": how it is written back

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def contains_address(self, version: int, address: int) -> bool:
        return self.version == version and self.first <= address <= self.last

    def contains(self, other: IPRange) -> bool:
        return self.version == other.version and self.first <= other.first and other.last <= self.last

    def partially_overlaps(self, other: IPRange) -> bool:
        """The ranges intersect and neither contains the other (§5.2, X-IPR `PartiallyOverlaps`)."""
        if self.version != other.version or self.last < other.first or other.last < self.first:
            return False
        return not (self.contains(other) or other.contains(self))

    @cached_property
    def text(self) -> str:
        """Normalised text that parses back to an equal IPRange."""
        first = format_ip(self.version, self.first)
        if self.notation == "single" and self.first == self.last:
            return first
        prefix = _prefix_length(self.version, self.first, self.last)
        if self.notation == "cidr" and prefix is not None:
            return f"{first}/{prefix}"
        return f"{first}-{format_ip(self.version, self.last)}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, order=True)
class Binding:
    version: int  # 4 or 6
    address: int  # 0 for the wildcard of the family (0.0.0.0 or [::])
    port: int

    @property
    def is_wildcard(self) -> bool:
        return self.address == 0

    @property
    def ip_text(self) -> str:
        return format_ip(self.version, self.address)

    @cached_property
    def text(self) -> str:
        """`10.0.0.1:25`, `0.0.0.0:25`, `[::]:25`, `[fe80::1]:25`."""
        host = self.ip_text if self.version == 4 else f"[{self.ip_text}]"
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        return self.text


def _address(text: str) -> tuple[int, int]:
    """Parse one address; brackets (`[::]`) and IPv6 zone ids (`%11`) are accepted and dropped. ValueError if bad."""
    cleaned = text.strip()
    try:  # the common case, 10x faster than ipaddress; inet_pton is as strict (no leading zeros, four parts)
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, cleaned), "big")
    except (OSError, ValueError):  # ValueError: an embedded NUL
        pass
    if cleaned.startswith("[") and cleaned.endswith("]"):
        cleaned = cleaned[1:-1]
    if ":" in cleaned:
        cleaned = cleaned.split("%", 1)[0]
    address = ipaddress.ip_address(cleaned)
    return address.version, int(address)


class IPAddress(NamedTuple):
    """One parsed address: its family (4 or 6) and its integer value. Parsed once where the text comes in (a form,
    a command's option, a socket's peer) and passed on as it is, so the family is `version`, never worked out again."""

    version: int
    value: int

    @property
    def text(self) -> str:
        """The normal form (`10.0.0.50`, `2001:db8::1`): what Exchange echoes back, as in `Hello [...]`."""
        return format_ip(self.version, self.value)

    def __str__(self) -> str:
        return self.text


def parse_ip(text: str | IPAddress) -> IPAddress:
    """Parse a single IP address -> IPAddress(version, integer); an IPAddress is already parsed and is returned as
    it is. Raise ExchangeError when malformed."""
    if isinstance(text, IPAddress):
        return text
    try:
        return IPAddress(*_address(str(text)))
    except ValueError:
        raise ExchangeError(f'"{str(text).strip()}" isn\'t a valid IP address.') from None


def parse_binding(text: str) -> Binding:
    """Parse one binding; raise ExchangeError with a precise message (port range, multicast/broadcast, malformed)."""
    value = str(text).strip()
    host, colon, port_text = value.rpartition(":")
    if not colon or not host or not (port_text.strip().isascii() and port_text.strip().isdigit()):
        raise ExchangeError(
            f'"{value}" isn\'t a valid binding. Use IPAddress:TCPPort, for example 10.0.0.1:25, 0.0.0.0:25 or [::]:25.',
            "Bindings",
        )
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ExchangeError(
            f'The port {port} in binding "{value}" is out of range. Specify a TCP port from 1 to 65535.', "Bindings"
        )
    try:
        version, address = _address(host)
    except ValueError:
        raise ExchangeError(f'"{value}" isn\'t a valid binding: "{host}" isn\'t an IP address.', "Bindings") from None
    if _is_multicast_or_broadcast(version, address):
        raise ExchangeError("Binding addresses cannot be a multicast or a broadcast address.", "Bindings")
    return Binding(version, address, port)


def _is_multicast_or_broadcast(version: int, address: int) -> bool:
    if version == 4:
        return address == _IPV4_BROADCAST or ipaddress.IPv4Address(address).is_multicast
    return ipaddress.IPv6Address(address).is_multicast


def parse_remote_range(text: str) -> IPRange:
    """Parse one RemoteIPRanges entry: single address, lo-hi, CIDR (IPv4/IPv6). Errors: reversed, mixed families..."""
    value = str(text).strip()
    if "/" in value:
        return _parse_cidr(value)
    if "(" in value:
        return _parse_masked(value)
    if "-" in value:
        low_text, _, high_text = value.partition("-")
        low_version, low = _range_address(low_text, value)
        high_version, high = _range_address(high_text, value)
        if low_version != high_version:
            raise ExchangeError(
                f'The IP range "{value}" mixes an IPv{low_version} and an IPv{high_version} address. '
                "Both ends of a range must be of the same address family.",
                "RemoteIPRanges",
            )
        if low > high:
            raise ExchangeError(
                f'The IP range "{value}" is reversed: the start address {format_ip(low_version, low)} is greater than '
                f"the end address {format_ip(low_version, high)}.",
                "RemoteIPRanges",
            )
        return IPRange(low_version, low, high, "range")
    version, address = _range_address(value, value)
    return IPRange(version, address, address, "single")


def _malformed_range(value: str) -> ExchangeError:
    return ExchangeError(
        f'"{value}" isn\'t a valid remote IP address range. Use a single address (192.168.1.10), a range '
        "(192.168.1.10-192.168.1.20) or CIDR notation (192.168.1.0/24).",
        "RemoteIPRanges",
    )


def _range_address(text: str, value: str) -> tuple[int, int]:
    try:
        return _address(text)
    except ValueError:
        raise _malformed_range(value) from None


def _block(version: int, address: int, prefix: int) -> IPRange:
    """The CIDR block containing `address`; host bits are dropped as Exchange accepts 192.168.1.1/24."""
    host_bits = _BITS[version] - prefix
    first = address >> host_bits << host_bits
    return IPRange(version, first, first + (1 << host_bits) - 1, "cidr")


def _parse_cidr(value: str) -> IPRange:
    address_text, _, prefix_text = value.partition("/")
    version, address = _range_address(address_text, value)
    prefix_text = prefix_text.strip()
    if not prefix_text.isascii() or not prefix_text.isdigit():
        raise _malformed_range(value)
    if int(prefix_text) > _BITS[version]:
        raise ExchangeError(
            f'The prefix length in "{value}" is out of range. Use /0 to /{_BITS[version]} for an IPv{version} address.',
            "RemoteIPRanges",
        )
    return _block(version, address, int(prefix_text))


def _parse_masked(value: str) -> IPRange:
    """`address(mask)`, the netmask form Exchange's IPRange parser knows (X-IPR); written back as CIDR."""
    address_text, _, rest = value.partition("(")
    if not rest.endswith(")"):
        raise _malformed_range(value)
    version, address = _range_address(address_text, value)
    mask_version, mask = _range_address(rest[:-1], value)
    inverted = ~mask & ((1 << _BITS[version]) - 1)
    if mask_version != version or inverted & (inverted + 1):
        raise ExchangeError(f'The subnet mask in "{value}" isn\'t a valid netmask.', "RemoteIPRanges")
    return _block(version, address, _BITS[version] - inverted.bit_length())


def duplicates(items) -> list:
    """The entries that repeat an earlier one: a binding, or a range covering the same addresses (10.0.0.5 and
    10.0.0.5/32 are one entry to Exchange, whatever the notation)."""
    seen, repeated = set(), []
    for item in items:
        key = (item.version, item.first, item.last) if isinstance(item, IPRange) else item
        if key in seen:
            repeated.append(item)
        seen.add(key)
    return repeated


def _entries(values) -> list[str]:
    items = values.split(",") if isinstance(values, str) else [str(v) for v in values or ()]
    return [item.strip() for item in items if item.strip()]


def parse_bindings(values) -> tuple[Binding, ...]:
    """Parse a list (or a comma-separated string) of bindings, in order. Duplicates are kept for
    receive.validate_receive_connector to refuse, as Exchange refuses a value twice in a multi-valued property."""
    return tuple(parse_binding(item) for item in _entries(values))


def parse_remote_ranges(values) -> tuple[IPRange, ...]:
    """Parse a list (or comma-separated string); enforce the administrative limit (MAX_REMOTE_IP_RANGES).
    Duplicates are kept for validation to refuse (see parse_bindings)."""
    ranges = tuple(parse_remote_range(item) for item in _entries(values))
    if len(ranges) > MAX_REMOTE_IP_RANGES:
        raise ExchangeError("The administrative limit for this request was exceeded.", "RemoteIPRanges")
    return ranges


ALL_IPV4 = IPRange(4, 0, 2**32 - 1)
ALL_IPV6 = IPRange(6, 0, 2**128 - 1)
