"""Where each connector takes connections, for the audit (exchange/audit.py): for every server and every local
IP:port a connector listens on, the selection's segments (exchange/selection.py) say which connector takes each remote
address, so every address of IPv4 and IPv6 is accounted for. Each connector gets the count of addresses it takes
(and how many are public) and one route to probe it by, an Internet address first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .addresses import format_ip, parse_ip
from .addressmap import public_part
from .model import Organization, ReceiveConnector, Server

if TYPE_CHECKING:
    from .smtp import Simulator

# Documentation addresses (RFC 5737 / RFC 3849) stand for "anyone on the Internet" in evidence.
OUTSIDE_ADDRESSES = {4: "203.0.113.7", 6: "2001:db8::7"}


@dataclass
class Route:
    local_ip: str | None
    port: int
    remote_ip: str


@dataclass
class Reach:
    """The remote addresses one connector takes, counted over every endpoint, with one route to probe it by."""

    connector: ReceiveConnector
    addresses: int = 0
    public_addresses: int = 0
    route: Route | None = None
    public_route: Route | None = None

    @property
    def probe_route(self) -> Route:
        return self.public_route or self.route


def endpoints(server: Server, connectors: tuple[ReceiveConnector, ...]) -> list[tuple[int, str | None, int]]:
    """Every (family, local IP, port) a client can connect to; a wildcard binding listens on each server address."""
    found = set()
    for connector in connectors:
        if not connector.enabled:
            continue
        for binding in connector.bindings:
            if binding.is_wildcard:
                own = [ip for ip in server.ip_addresses if parse_ip(ip).version == binding.version]
                found.update((binding.version, ip, binding.port) for ip in own or [None])
            else:
                found.add((binding.version, binding.ip_text, binding.port))
    return sorted(found, key=lambda e: (e[0], e[1] or "", e[2]))


def map_reach(org: Organization, sim: Simulator, servers: tuple[Server, ...]) -> dict[str, Reach]:
    reach = {c.identity.casefold(): Reach(c) for server in servers for c in org.connectors_of(server.name)}
    for server in servers:
        connectors = org.connectors_of(server.name)
        index = sim.index_for(server)
        for version, local_ip, port in endpoints(server, connectors):
            outside = OUTSIDE_ADDRESSES[version]
            preferred = index.select(local_ip, port, outside).connector
            if preferred is not None and reach[preferred.identity.casefold()].public_route is None:
                reach[preferred.identity.casefold()].public_route = Route(local_ip, port, outside)
            for first, last, connector in index.segments(local_ip, port, version):
                if connector is None:
                    continue
                entry = reach[connector.identity.casefold()]
                entry.addresses += last - first + 1
                entry.route = entry.route or Route(local_ip, port, format_ip(version, first))
                public, lowest_public = public_part(version, first, last)
                entry.public_addresses += public
                if public and entry.public_route is None:
                    entry.public_route = Route(local_ip, port, format_ip(version, lowest_public))
    return reach
