"""Which receive connector takes a connection (reference §5.1), with the reason every other connector lost.

Exchange's transport process loads its enabled connectors into a table local IP -> port -> connectors, each with
its RemoteIPRanges of the binding's address family. A connection goes to the connector whose containing remote
range is the smallest (ties: first loaded); a connector bound to the exact local IP beats one bound to the wildcard
unless the wildcard connector's range is strictly smaller.

That rule is a total order on (range size, wildcard?, load order), so for every local IP:port the index sweeps the
ranges of the connectors listening there once and keeps, between consecutive range boundaries, the range that wins:
a lookup is one bisect. Why every other connector lost is worked out only when someone reads `candidates`. The same
segments, read back whole (`SelectionIndex.segments`), are what the relay map and the audit look at
(exchange/addressmap.py): no one else cuts the address space.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from operator import attrgetter
from typing import NamedTuple

from .addresses import FAMILY_SIZE, Binding, IPAddress, IPRange, format_ip, parse_ip
from .errors import ExchangeError
from .model import Organization, ReceiveConnector, Server, TransportRole

_SERVICE = {TransportRole.FRONTEND: "Front End Transport", TransportRole.HUB: "Transport (Hub)"}


@dataclass(frozen=True)
class Candidate:
    connector: ReceiveConnector
    matched_range: IPRange | None
    won: bool
    reason: str


@dataclass(frozen=True, init=False)
class Selection:
    """`candidates` (every connector of the server with why it won or lost) may be given as a tuple or as a
    function that works them out on first access, so that a lookup nobody reads the explanations of stays cheap."""

    connector: ReceiveConnector | None
    binding: Binding | None
    matched_range: IPRange | None
    reason: str
    _explain: Callable[[], tuple[Candidate, ...]] = field(repr=False, compare=False)

    def __init__(self, connector, binding, matched_range, candidates, reason):
        explain = candidates if callable(candidates) else lambda: tuple(candidates)
        self.__dict__.update(
            connector=connector, binding=binding, matched_range=matched_range, reason=reason, _explain=explain
        )

    @cached_property
    def candidates(self) -> tuple[Candidate, ...]:
        return self._explain()


def address_count(size: int) -> str:
    """'1 address', '256 addresses', '2^64 addresses' (IPv6 sizes are unreadable in digits)."""
    if size == 1:
        return "1 address"
    if size > 2**32 and size & (size - 1) == 0:
        return f"2^{size.bit_length() - 1} addresses"
    return f"{size:,} addresses"


def _range_label(ip_range: IPRange) -> str:
    return f"{ip_range.text} ({address_count(ip_range.size)})"


def smallest_range(ranges: Iterable[IPRange], version: int, address: int) -> IPRange | None:
    """The smallest of `ranges` containing the address (the first listed on ties)."""
    containing = (r for r in ranges if r.version == version and r.first <= address <= r.last)
    return min(containing, key=lambda r: r.size, default=None)


class _Listener:
    """One connector as the index holds it."""

    __slots__ = ("connector", "order", "bindings", "listening")

    def __init__(self, connector: ReceiveConnector, order: int):
        self.connector = connector
        self.order = order
        self.bindings = {(b.version, b.address, b.port): b for b in connector.bindings}
        self.listening = ", ".join(b.text for b in connector.bindings) or "nothing (no bindings)"

    def binding_for(self, version: int, local: int, port: int) -> Binding | None:
        """The exact-IP binding if there is one, else the family's wildcard binding on the port."""
        return self.bindings.get((version, local, port)) or self.bindings.get((version, 0, port))


class _Match(NamedTuple):
    """A connector's range on an endpoint. Tuples compare by (size, wildcard?, load order, position in the
    connector's list) first: the smallest one is exactly the match Exchange picks (§5.1), and never a tie."""

    size: int
    wildcard: bool
    order: int
    position: int
    first: int
    last: int
    listener: _Listener
    binding: Binding
    matched_range: IPRange


class _Endpoint:
    """One local IP:port (or a family's wildcard and port): the service that owns it, the connectors of that service
    listening on it, and the winning match for each segment between range boundaries."""

    def __init__(self, listeners: list[_Listener], version: int, local: int, port: int):
        # When a HubTransport connector fights the Front End Transport service for the same IP:port (§5.2
        # practical hazard), exchsim gives the connection to the Front End (docs/decisions.md).
        found = [(c, c.binding_for(version, local, port)) for c in listeners if c.connector.enabled]
        found = [(c, binding) for c, binding in found if binding is not None]
        frontend = any(c.connector.transport_role is TransportRole.FRONTEND for c, _ in found)
        self.role = TransportRole.FRONTEND if frontend else TransportRole.HUB
        self.serving = {c.order: binding for c, binding in found if c.connector.transport_role is self.role}
        matches = [
            _Match(r.last - r.first + 1, binding.is_wildcard, c.order, position, r.first, r.last, c, binding, r)
            for c, binding in found
            if c.order in self.serving
            for position, r in enumerate(c.connector.remote_ip_ranges)
            if r.version == version
        ]
        self.bounds, self.best = _sweep(matches)

    def lookup(self, address: int) -> _Match | None:
        position = bisect_right(self.bounds, address) - 1
        return self.best[position] if position >= 0 else None


def _sweep(matches: list[_Match]) -> tuple[list[int], list[_Match | None]]:
    """Boundaries and, for each segment from one boundary to the next, the smallest match whose range covers it."""
    matches.sort(key=attrgetter("first"))
    points = sorted({m.first for m in matches}.union(m.last + 1 for m in matches))
    bounds: list[int] = []
    best: list[_Match | None] = []
    active: list[_Match] = []
    following = 0
    for point in points:
        while following < len(matches) and matches[following].first <= point:
            heapq.heappush(active, matches[following])
            following += 1
        while active and active[0].last < point:
            heapq.heappop(active)
        winner = active[0] if active else None
        if not best or best[-1] is not winner:
            bounds.append(point)
            best.append(winner)
    return bounds, best


class Taken(NamedTuple):
    """first..last of the remote address space (integers) is taken by `connector` (None: no connector takes it)."""

    first: int
    last: int
    connector: ReceiveConnector | None


class SelectionIndex:
    """Built once per server from its connectors, in the order Exchange loads them (ties go to the first)."""

    def __init__(self, connectors: Iterable[ReceiveConnector]):
        self._listeners = [_Listener(connector, order) for order, connector in enumerate(connectors)]
        keys = {key for c in self._listeners if c.connector.enabled for key in c.bindings}
        self._endpoints = {key: _Endpoint(self._listeners, *key) for key in keys}

    def _endpoint(self, version: int, local: int, port: int) -> _Endpoint | None:
        return self._endpoints.get((version, local, port)) or self._endpoints.get((version, 0, port))

    def segments(self, local_ip: str | IPAddress | None, port: int, version: int) -> list[Taken]:
        """The whole IPv`version` remote address space for connections to local_ip:port, in order, cut where the
        connector that takes a connection changes (local_ip None: only wildcard bindings apply)."""
        local = parse_ip(local_ip).value if local_ip else 0
        endpoint = self._endpoint(version, local, port)
        cuts = [0, *endpoint.bounds, FAMILY_SIZE[version]] if endpoint else [0, FAMILY_SIZE[version]]
        winners = [None, *endpoint.best] if endpoint else [None]
        taken: list[Taken] = []
        for start, end, match in zip(cuts, cuts[1:], winners, strict=False):
            connector = match.listener.connector if match else None
            if start >= end:
                continue
            if taken and taken[-1].connector is connector:
                taken[-1] = taken[-1]._replace(last=end - 1)
            else:
                taken.append(Taken(start, end - 1, connector))
        return taken

    def select(self, local_ip: str | IPAddress | None, port: int, remote_ip: str | IPAddress) -> Selection:
        """The connector that takes remote_ip -> local_ip:port; local_ip None means "an address no connector is
        bound to explicitly" (only 0.0.0.0 / [::] bindings apply). The addresses may come parsed (IPAddress), as
        the simulator passes them, or as text."""
        remote_ip = parse_ip(remote_ip)
        local_ip = parse_ip(local_ip) if local_ip else IPAddress(remote_ip.version, 0)
        (version, remote), local = remote_ip, local_ip.value
        if not str(port).isdigit() or not 1 <= int(port) <= 65535:
            raise ExchangeError(f"The port {port} is out of range. Specify a TCP port from 1 to 65535.")
        if local_ip.version != version:
            why = f"{remote_ip} and {local_ip} are of different address families: no connection."
            return Selection(None, None, None, (), why)
        port = int(port)
        endpoint = self._endpoint(version, local, port)
        match = endpoint.lookup(remote) if endpoint else None
        situation = (self._listeners, endpoint, version, local, port, remote)
        explain = partial(_explain, *situation)
        if match is None:
            return Selection(None, None, None, explain, _Lookup(*situation).no_match())
        chosen = match.listener.connector
        reason = (
            f'Receive connector "{chosen.identity}" takes the connection: {_won(match, format_ip(version, remote))}.'
        )
        return Selection(chosen, match.binding, match.matched_range, explain, reason)


def _explain(*situation) -> tuple[Candidate, ...]:
    return _Lookup(*situation).candidates()


def _won(match: _Match, remote_text: str) -> str:
    return (
        f"listens on {match.binding.text} and its remote range {_range_label(match.matched_range)} is the most "
        f"specific match for {remote_text}"
    )


class _Lookup:
    """Words the reasons of one select(); the per-connector part runs only when `candidates` is read."""

    def __init__(self, listeners, endpoint: _Endpoint | None, version: int, local: int, port: int, remote: int):
        self.listeners, self.endpoint = listeners, endpoint
        self.version, self.local, self.port, self.remote = version, local, port, remote
        self.remote_text = format_ip(version, remote)

    @cached_property
    def where(self) -> str:
        return Binding(self.version, self.local, self.port).text if self.local else f"port {self.port}"

    def no_match(self) -> str:
        if self.endpoint and self.endpoint.serving:
            return (
                f"No receive connector takes the connection: connectors listen on {self.where} but no remote "
                f"range contains {self.remote_text}, so Exchange doesn't serve it."
            )
        if not self.listeners:
            return "This server has no receive connectors, so no connector takes the connection."
        return f"No enabled receive connector listens on {self.where}, so no connector takes the connection."

    def candidates(self) -> tuple[Candidate, ...]:
        winner = self.endpoint.lookup(self.remote) if self.endpoint else None
        return tuple(self._candidate(c, winner) for c in self.listeners)

    def _candidate(self, listener: _Listener, winner: _Match | None) -> Candidate:
        connector = listener.connector
        serving = self.endpoint.serving if self.endpoint else {}
        if winner is not None and winner.listener is listener:
            return Candidate(connector, winner.matched_range, True, _won(winner, self.remote_text))
        if listener.order not in serving:
            return Candidate(connector, None, False, self._not_serving(listener))
        matched = smallest_range(connector.remote_ip_ranges, self.version, self.remote)
        if matched is None:
            return Candidate(connector, None, False, self._unmatched(connector))
        return Candidate(connector, matched, False, self._lost(serving[listener.order], matched, winner))

    def _not_serving(self, listener: _Listener) -> str:
        connector = listener.connector
        if not connector.enabled:
            return "disabled"
        if listener.binding_for(self.version, self.local, self.port) is not None:
            return (
                f"{connector.transport_role.value} connector: {self.where} on this server is served by the "
                f"{_SERVICE[self.endpoint.role]} service"
            )
        same_family = [b for b in connector.bindings if b.version == self.version]
        if not same_family:
            return f"listens on {listener.listening}: no IPv{self.version} binding"
        if not any(b.port == self.port for b in same_family):
            return f"listens on {listener.listening}, not port {self.port}"
        if not self.local:
            return f"listens on {listener.listening} only, and the connection isn't addressed to one of those addresses"
        return f"listens on {listener.listening}, not on {self.where}"

    def _unmatched(self, connector: ReceiveConnector) -> str:
        family = f"IPv{self.version}"
        if any(r.version == self.version for r in connector.remote_ip_ranges):
            return f"no remote range contains {self.remote_text}"
        return f"no {family} remote range ({family} bindings only use {family} ranges)"

    def _lost(self, binding: Binding, matched: IPRange, winner: _Match) -> str:
        also = f"remote range {matched.text} also contains {self.remote_text}"
        if winner.matched_range.size < matched.size:
            return f"{also} but {_range_label(winner.matched_range)} is more specific"
        if binding.is_wildcard and not winner.binding.is_wildcard:
            return (
                f"{also}, but it listens on the wildcard {binding.text} and a connector bound to the exact address "
                f"{winner.binding.text} wins unless the wildcard's range is strictly smaller"
            )
        first = winner.listener.connector.identity
        return f'{also} and is as specific ({address_count(matched.size)}); "{first}" was loaded first and wins the tie'


def default_local_ip(server: Server, remote_ip: IPAddress) -> IPAddress | None:
    """The server's first address of the client's family; None (only wildcard bindings apply) if it has none."""
    return next((ip for ip in map(parse_ip, server.ip_addresses) if ip.version == remote_ip.version), None)


def select_connector(
    org: Organization, server_name: str, local_ip: str | IPAddress | None, port: int, remote_ip: str | IPAddress
) -> Selection:
    """Select on one server of `org`; local_ip None means the server's first address of the remote IP's family
    (or, when it has none, an address no connector is bound to explicitly)."""
    server = org.server(server_name)
    if server is None:
        raise ExchangeError(
            f"The operation couldn't be performed because object '{server_name}' couldn't be found.", "Server"
        )
    remote_ip = parse_ip(remote_ip)
    if local_ip is None:
        local_ip = default_local_ip(server, remote_ip)
    return SelectionIndex(org.connectors_of(server.name)).select(local_ip, port, remote_ip)
