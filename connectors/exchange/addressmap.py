"""Who may relay from where: the remote address space of an endpoint, cut into segments inside which nothing changes.

selection.SelectionIndex sweeps the remote ranges listening on each local IP:port once and keeps, between consecutive
range boundaries, the connector that takes the connection; `SelectionIndex.segments` reads those segments back.
Everything that looks at the address space as a whole builds on them rather than cutting the space again: the
relay map (`server_maps`: who takes each part, which parts may relay without authenticating), and the audit (how many
addresses, and how many Internet addresses, each connector takes: `public_part`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .acl import SessionIdentity, effective_rights
from .addresses import Binding, format_ip
from .catalogue import ACCEPT_ANY_RECIPIENT, AuthMechanism
from .model import Organization, ReceiveConnector
from .selection import SelectionIndex

# --- Who may relay ---------------------------------------------------------------------------------------------


def relays_anonymously(connector: ReceiveConnector) -> bool:
    """Whether a client that never authenticates may relay: its session starts as Externally Secured Servers on an
    ExternalAuthoritative connector, as ANONYMOUS LOGON everywhere else (§2.1)."""
    if connector.auth_mechanism & AuthMechanism.EXTERNAL_AUTHORITATIVE:
        identity = SessionIdentity.externally_secured()
    else:
        identity = SessionIdentity.anonymous()
    return effective_rights(connector.acl, identity).has(ACCEPT_ANY_RECIPIENT)


# --- Internet addresses ----------------------------------------------------------------------------------------

# Addresses that can't be an Internet client: private, loopback, link-local, shared, multicast and reserved space.
_NOT_PUBLIC = {
    4: ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/3"),
    6: ("::/127", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8"),
}  # fmt: skip
_NOT_PUBLIC_BLOCKS = {
    version: tuple(
        sorted((int(net.network_address), int(net.broadcast_address)) for net in map(ipaddress.ip_network, blocks))
    )
    for version, blocks in _NOT_PUBLIC.items()
}


def is_public(version: int, address: int) -> bool:
    return not any(first <= address <= last for first, last in _NOT_PUBLIC_BLOCKS[version])


def public_part(version: int, first: int, last: int) -> tuple[int, int | None]:
    """How many addresses of first..last are Internet addresses, and the lowest of them (None when there is none)."""
    count, lowest, cursor = 0, None, first
    for low, high in _NOT_PUBLIC_BLOCKS[version]:
        if high < cursor:
            continue
        if low > last:
            break
        if low > cursor:
            count += low - cursor
            lowest = cursor if lowest is None else lowest
        cursor = max(cursor, high + 1)
        if cursor > last:
            break
    if cursor <= last:
        count += last - cursor + 1
        lowest = cursor if lowest is None else lowest
    return count, lowest


# --- The relay map ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    first: int
    last: int
    connector: ReceiveConnector | None
    relays: bool  # a client here may relay without authenticating
    reason: str

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def text(self, version: int) -> str:
        first, last = format_ip(version, self.first), format_ip(version, self.last)
        return first if self.first == self.last else f"{first}–{last}"


@dataclass(frozen=True)
class BindingMap:
    server: str
    binding: Binding
    connectors: tuple[ReceiveConnector, ...]  # those listening on this binding, in colour order
    segments: tuple[Segment, ...]  # who takes each part of the address space, adjacent equal parts merged

    @property
    def relay_segments(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.relays)

    @property
    def relay_texts(self) -> tuple[tuple[str, str], ...]:
        """(addresses, connector name) of each part that may relay anonymously, for the text beside the picture."""
        return tuple((s.text(self.binding.version), s.connector.name) for s in self.relay_segments)


def binding_map(server: str, binding: Binding, connectors: tuple[ReceiveConnector, ...]) -> BindingMap:
    """Who takes each part of the remote address space on `binding`, and which parts may relay anonymously."""
    index = SelectionIndex(connectors)
    version = binding.version
    local = None if binding.is_wildcard else binding.ip_text
    relaying: dict[int, bool] = {}
    segments = []
    for first, last, connector in index.segments(local, binding.port, version):
        if connector is not None and id(connector) not in relaying:
            relaying[id(connector)] = relays_anonymously(connector)
        relays = connector is not None and relaying[id(connector)]
        reason = index.select(local, binding.port, format_ip(version, first)).reason
        segments.append(Segment(first, last, connector, relays, reason))
    listening = tuple(c for c in connectors if any(b.version == version and b.port == binding.port for b in c.bindings))
    return BindingMap(server, binding, listening, tuple(segments))


def server_maps(org: Organization, server_name: str, include_ipv6: bool | None = None) -> list[BindingMap]:
    """One map per distinct binding of the server's connectors; IPv6 bindings only when some connector has IPv6
    ranges (include_ipv6=None) or when asked."""
    connectors = org.connectors_of(server_name)
    if include_ipv6 is None:
        include_ipv6 = any(r.version == 6 for c in connectors for r in c.remote_ip_ranges)
    bindings = sorted({b for c in connectors for b in c.bindings if b.version == 4 or include_ipv6})
    return [binding_map(server_name, b, connectors) for b in bindings]
