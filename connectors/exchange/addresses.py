"""Bindings and RemoteIPRanges: parsing, validation and normalised text (reference §5.3).

A Binding is a local IP address and TCP port (`10.0.0.1:25`, `0.0.0.0:25`, `[::]:25`, `:::717`).
An IPRange is an inclusive range of remote addresses of one family, written by the admin as a single address,
`lo-hi` or CIDR. Both are frozen values with integer bounds so that selection and conflict checks are arithmetic.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .errors import ExchangeError

# TODO(engine helper): implement parsing; the classes' fields and method names are the contract.


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

    @property
    def text(self) -> str:
        """Normalised text that parses back to an equal IPRange."""
        raise NotImplementedError

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
        return str(ipaddress.ip_address(self.address) if self.version == 4 else ipaddress.IPv6Address(self.address))

    @property
    def text(self) -> str:
        """`10.0.0.1:25`, `0.0.0.0:25`, `[::]:25`, `[fe80::1]:25`."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.text


def parse_binding(text: str) -> Binding:
    """Parse one binding; raise ExchangeError with a precise message (port range, multicast/broadcast, malformed)."""
    raise NotImplementedError


def parse_remote_range(text: str) -> IPRange:
    """Parse one RemoteIPRanges entry: single address, lo-hi, CIDR (IPv4/IPv6). Errors: reversed, mixed families..."""
    raise NotImplementedError


def parse_bindings(values) -> tuple[Binding, ...]:
    """Parse a list (or a comma-separated string) of bindings; duplicates are removed, order kept."""
    raise NotImplementedError


def parse_remote_ranges(values) -> tuple[IPRange, ...]:
    """Parse a list (or comma-separated string); enforce the administrative limit (MAX_REMOTE_IP_RANGES)."""
    raise NotImplementedError


def parse_ip(text: str) -> tuple[int, int]:
    """Parse a single IP address -> (version, integer). Raise ExchangeError when malformed."""
    raise NotImplementedError


ALL_IPV4 = IPRange(4, 0, 2**32 - 1)
ALL_IPV6 = IPRange(6, 0, 2**128 - 1)
