"""Which receive connector takes a connection (reference §5.1), with the reason every other connector lost.

Exchange's transport process loads its enabled connectors into a table local IP -> port -> connectors, each with
its RemoteIPRanges of the binding's address family. A connection goes to the connector whose containing remote
range is the smallest (ties: first loaded); a connector bound to the exact local IP beats one bound to the wildcard
unless the wildcard connector's range is strictly smaller.

The index keeps, per connector and address family, the sorted boundaries of its ranges and the smallest range
covering each segment between them, so a lookup is one bisect per connector instead of a scan over every range.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from .addresses import Binding, IPRange, parse_ip
from .errors import ExchangeError
from .model import Organization, ReceiveConnector, TransportRole

_SERVICE = {TransportRole.FRONTEND: "Front End Transport", TransportRole.HUB: "Transport (Hub)"}


@dataclass(frozen=True)
class Candidate:
    connector: ReceiveConnector
    matched_range: IPRange | None
    won: bool
    reason: str


@dataclass(frozen=True)
class Selection:
    connector: ReceiveConnector | None
    binding: Binding | None
    matched_range: IPRange | None
    candidates: tuple[Candidate, ...]  # every connector of the server with why it won or lost
    reason: str


def address_count(size: int) -> str:
    """'1 address', '256 addresses', '2^64 addresses' (IPv6 sizes are unreadable in digits)."""
    if size == 1:
        return "1 address"
    if size > 2**32 and size & (size - 1) == 0:
        return f"2^{size.bit_length() - 1} addresses"
    return f"{size:,} addresses"


def _range_label(ip_range: IPRange) -> str:
    return f"{ip_range.text} ({address_count(ip_range.size)})"


class _SmallestCover:
    """The smallest range (first listed on ties) containing an address, for one connector and one family."""

    __slots__ = ("bounds", "best")

    def __init__(self, ranges: list[IPRange]):
        by_start = sorted(range(len(ranges)), key=lambda i: ranges[i].first)
        points = sorted({r.first for r in ranges} | {r.last + 1 for r in ranges})
        self.bounds: list[int] = []
        self.best: list[IPRange | None] = []
        active: list[tuple[int, int]] = []  # heap of (size, position in the connector's list)
        following = 0
        for point in points:
            while following < len(by_start) and ranges[by_start[following]].first <= point:
                index = by_start[following]
                heapq.heappush(active, (ranges[index].size, index))
                following += 1
            while active and ranges[active[0][1]].last < point:
                heapq.heappop(active)
            best = ranges[active[0][1]] if active else None
            if not self.best or self.best[-1] is not best:
                self.bounds.append(point)
                self.best.append(best)

    def lookup(self, address: int) -> IPRange | None:
        position = bisect_right(self.bounds, address) - 1
        return self.best[position] if position >= 0 else None


class _Loaded:
    """One connector as the index holds it."""

    __slots__ = ("connector", "order", "bindings", "covers")

    def __init__(self, connector: ReceiveConnector, order: int):
        self.connector = connector
        self.order = order
        self.bindings = {(b.version, b.address, b.port): b for b in connector.bindings}
        self.covers = {
            version: _SmallestCover([r for r in connector.remote_ip_ranges if r.version == version])
            for version in {b.version for b in connector.bindings}
        }

    def binding_for(self, version: int, local: int, port: int) -> Binding | None:
        """The exact-IP binding if there is one, else the family's wildcard binding on the port."""
        return self.bindings.get((version, local, port)) or self.bindings.get((version, 0, port))

    def listening_text(self) -> str:
        return ", ".join(b.text for b in self.connector.bindings) or "nothing (no bindings)"


class SelectionIndex:
    """Built once per server from its connectors, in the order Exchange loads them (ties go to the first)."""

    def __init__(self, connectors: Iterable[ReceiveConnector]):
        self._loaded = [_Loaded(connector, order) for order, connector in enumerate(connectors)]
        # Endpoints the Front End Transport service listens on: when a HubTransport connector fights it for the
        # same IP:port (§5.2 practical hazard), exchsim gives the connection to the Front End (docs/decisions.md).
        self._frontend_endpoints = {
            key
            for loaded in self._loaded
            if loaded.connector.enabled and loaded.connector.transport_role is TransportRole.FRONTEND
            for key in loaded.bindings
        }

    def _serving_role(self, version: int, local: int, port: int) -> TransportRole:
        endpoints = self._frontend_endpoints
        if (version, local, port) in endpoints or (version, 0, port) in endpoints:
            return TransportRole.FRONTEND
        return TransportRole.HUB

    def select(self, local_ip: str | None, port: int, remote_ip: str) -> Selection:
        """The connector that takes remote_ip -> local_ip:port; local_ip None means "an address no connector is
        bound to explicitly" (only 0.0.0.0 / [::] bindings apply)."""
        version, remote = parse_ip(remote_ip)
        local_version, local = parse_ip(local_ip) if local_ip else (version, 0)
        if not 1 <= int(port) <= 65535:
            raise ExchangeError(f"The port {port} is out of range. Specify a TCP port from 1 to 65535.")
        endpoint = Binding(version, local, port).text if local else f"port {port}"
        remote_text = Binding(version, remote, port).ip_text
        if local_version != version:
            return Selection(
                None, None, None, (), f"{remote_text} and {local_ip} are of different address families: no connection."
            )
        return _Lookup(self, version, local, port, remote, remote_text, endpoint).selection()


class _Lookup:
    """One select(): ranks the eligible connectors, then words a reason for each."""

    def __init__(self, index: SelectionIndex, version, local, port, remote, remote_text, endpoint):
        self.index, self.version, self.local, self.port = index, version, local, port
        self.remote, self.remote_text, self.endpoint = remote, remote_text, endpoint
        self.role = index._serving_role(version, local, port)
        self.matches: dict[int, tuple[Binding, IPRange]] = {}  # order -> binding and smallest containing range
        self.ineligible: dict[int, str] = {}
        self.listening_unmatched = False  # a connector of the serving role listens here but no range matched
        for loaded in index._loaded:
            self._rank(loaded)

    def _rank(self, loaded: _Loaded) -> None:
        connector = loaded.connector
        binding = loaded.binding_for(self.version, self.local, self.port)
        if not connector.enabled:
            reason = "disabled"
        elif binding is None:
            reason = self._not_listening(loaded)
        elif connector.transport_role is not self.role:
            reason = (
                f"{connector.transport_role.value} connector: {self.endpoint} on this server is served by the "
                f"{_SERVICE[self.role]} service"
            )
        else:
            matched = loaded.covers[self.version].lookup(self.remote)
            if matched is not None:
                self.matches[loaded.order] = (binding, matched)
                return
            self.listening_unmatched = True
            reason = f"no remote range contains {self.remote_text}"
            if not any(r.version == self.version for r in connector.remote_ip_ranges):
                family = f"IPv{self.version}"
                reason = f"no {family} remote range ({family} bindings only use {family} ranges)"
        self.ineligible[loaded.order] = reason

    def _not_listening(self, loaded: _Loaded) -> str:
        bindings = loaded.connector.bindings
        same_family = [b for b in bindings if b.version == self.version]
        listening = loaded.listening_text()
        if not same_family:
            return f"listens on {listening}: no IPv{self.version} binding"
        if not any(b.port == self.port for b in same_family):
            return f"listens on {listening}, not port {self.port}"
        if not self.local:
            return f"listens on {listening} only, and the connection isn't addressed to one of those addresses"
        return f"listens on {listening}, not on {self.endpoint}"

    def _key(self, order: int) -> tuple[int, int]:
        return self.matches[order][1].size, order

    def _winner(self) -> int | None:
        exact = [o for o, (b, _) in self.matches.items() if not b.is_wildcard]
        wildcard = [o for o, (b, _) in self.matches.items() if b.is_wildcard]
        best_exact = min(exact, key=self._key, default=None)
        best_wildcard = min(wildcard, key=self._key, default=None)
        if best_exact is None or best_wildcard is None:
            return best_exact if best_wildcard is None else best_wildcard
        wildcard_smaller = self._key(best_wildcard)[0] < self._key(best_exact)[0]
        return best_wildcard if wildcard_smaller else best_exact

    def _lost(self, order: int, winner: int) -> str:
        binding, matched = self.matches[order]
        winner_binding, winner_range = self.matches[winner]
        also = f"remote range {matched.text} also contains {self.remote_text}"
        if winner_range.size < matched.size:
            return f"{also} but {_range_label(winner_range)} is more specific"
        if binding.is_wildcard and not winner_binding.is_wildcard:
            return (
                f"{also}, but it listens on the wildcard {binding.text} and a connector bound to the exact address "
                f"{winner_binding.text} wins unless the wildcard's range is strictly smaller"
            )
        first = self.index._loaded[winner].connector.identity
        return f'{also} and is as specific ({address_count(matched.size)}); "{first}" was loaded first and wins the tie'

    def selection(self) -> Selection:
        winner = self._winner()
        candidates = []
        for loaded in self.index._loaded:
            order = loaded.order
            if order in self.ineligible:
                candidates.append(Candidate(loaded.connector, None, False, self.ineligible[order]))
            elif order == winner:
                binding, matched = self.matches[order]
                candidates.append(Candidate(loaded.connector, matched, True, self._won_text(binding, matched)))
            else:
                candidates.append(Candidate(loaded.connector, self.matches[order][1], False, self._lost(order, winner)))
        if winner is None:
            return Selection(None, None, None, tuple(candidates), self._no_match_text())
        binding, matched = self.matches[winner]
        chosen = self.index._loaded[winner].connector
        reason = f'Receive connector "{chosen.identity}" takes the connection: {self._won_text(binding, matched)}.'
        return Selection(chosen, binding, matched, tuple(candidates), reason)

    def _won_text(self, binding: Binding, matched: IPRange) -> str:
        return (
            f"listens on {binding.text} and its remote range {_range_label(matched)} is the most specific match "
            f"for {self.remote_text}"
        )

    def _no_match_text(self) -> str:
        if not self.ineligible:
            return "This server has no receive connectors, so no connector takes the connection."
        if self.listening_unmatched:
            return (
                f"No receive connector takes the connection: connectors listen on {self.endpoint} but no remote "
                f"range contains {self.remote_text}, so Exchange doesn't serve it."
            )
        return f"No enabled receive connector listens on {self.endpoint}, so no connector takes the connection."


def select_connector(org: Organization, server_name: str, local_ip: str | None, port: int, remote_ip: str) -> Selection:
    """Select on one server of `org`; local_ip None means the server's first address of the remote IP's family
    (or, when it has none, an address no connector is bound to explicitly)."""
    server = org.server(server_name)
    if server is None:
        raise ExchangeError(f"The server '{server_name}' couldn't be found.", "Server")
    if local_ip is None:
        version = parse_ip(remote_ip)[0]
        local_ip = next((ip for ip in server.ip_addresses if parse_ip(ip)[0] == version), None)
    return SelectionIndex(org.connectors_of(server.name)).select(local_ip, port, remote_ip)
