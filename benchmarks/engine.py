"""Engine benchmark: selection index vs a linear scan, and the cost of one full probe.

Run: .venv/bin/python benchmarks/engine.py   (no Django; a few seconds)

A deterministic organisation of 100 servers, 1,000 receive connectors, 100,000 remote ranges, 5,000 ACEs and
500 accepted domains is built from the engine's dataclasses. Goals: index build < 1 s for all servers, one probe
< 1 ms median, selection >= 20x faster than the linear scan.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.exchange.acl import SessionIdentity, effective_rights  # noqa: E402
from connectors.exchange.addresses import ALL_IPV4, ALL_IPV6, IPRange, parse_bindings, parse_ip  # noqa: E402
from connectors.exchange.model import (  # noqa: E402
    ACE,
    AcceptedDomain,
    DomainType,
    ExchangeVersion,
    Organization,
    ReceiveConnector,
    Recipient,
    RecipientKind,
    Server,
    ServerRole,
    TransportRole,
)
from connectors.exchange.selection import SelectionIndex  # noqa: E402
from connectors.exchange.smtp import Probe, Simulator  # noqa: E402

SERVERS = 100
RELAYS_PER_SERVER = 5  # plus the five Setup connectors: 1,000 connectors
RANGES_PER_RELAY = 198  # 500 x 198 + 500 x 2 = 100,000 ranges
DOMAINS = 500
SEED = 20261127

ANONYMOUS = "NT AUTHORITY\\ANONYMOUS LOGON"
SERVERS_GROUP = "CONTOSO\\Exchange Servers"
SUBMIT, ANY_SENDER, AUTH_SENDER, ANY_RECIPIENT = (
    "ms-Exch-SMTP-Submit",
    "ms-Exch-SMTP-Accept-Any-Sender",
    "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender",
    "ms-Exch-SMTP-Accept-Any-Recipient",
)
FRONTEND_ACL = (
    ACE(ANONYMOUS, SUBMIT),
    ACE(ANONYMOUS, ANY_SENDER),
    ACE(ANONYMOUS, AUTH_SENDER),
    ACE(SERVERS_GROUP, SUBMIT),
    ACE(SERVERS_GROUP, ANY_RECIPIENT),
)


def _relay_acl(n: int) -> tuple[ACE, ...]:
    """Anonymous relay (D-RELAY method B) with a Deny for one printer group: every relay's ACL differs."""
    return (*FRONTEND_ACL[:3], ACE(ANONYMOUS, ANY_RECIPIENT), ACE(f"CONTOSO\\Printers{n}", ANY_RECIPIENT, deny=True))


def _ip(version: int, address: int) -> str:
    return IPRange(version, address, address, "single").text


def _setup_connectors(server: Server) -> list[ReceiveConnector]:
    def make(name, port, role):
        return ReceiveConnector(
            server=server.name,
            name=f"{name} {server.name}",
            transport_role=role,
            bindings=parse_bindings(f"0.0.0.0:{port}, [::]:{port}"),
            remote_ip_ranges=(ALL_IPV4, ALL_IPV6),
            acl=FRONTEND_ACL,
            created_by_setup=True,
        )

    fe, hub = TransportRole.FRONTEND, TransportRole.HUB
    return [
        make("Default Frontend", 25, fe),
        make("Outbound Proxy Frontend", 717, fe),
        make("Client Frontend", 587, fe),
        make("Default", 2525, hub),
        make("Client Proxy", 465, hub),
    ]


def _relay_ranges(rng: random.Random, block: int) -> tuple[IPRange, ...]:
    """198 ranges inside one /20 of 172.16.0.0/12: the /20 itself, then singles, small CIDRs and lo-hi ranges."""
    base = (172 << 24) + (16 << 16) + (block << 12)
    ranges = [IPRange(4, base, base + 4095, "cidr")]
    for j in range(RANGES_PER_RELAY - 1):
        start = base + j * 20 + rng.randrange(4)
        kind = rng.choice(("single", "cidr", "range"))
        if kind == "single":
            ranges.append(IPRange(4, start, start, "single"))
        elif kind == "cidr":
            aligned = start - start % 4
            ranges.append(IPRange(4, aligned, aligned + 3, "cidr"))
        else:
            ranges.append(IPRange(4, start, start + rng.randrange(1, 12), "range"))
    return tuple(ranges)


def build_org() -> Organization:
    rng = random.Random(SEED)
    servers, connectors = [], []
    for i in range(SERVERS):
        server = Server(
            f"EX{i + 1:03d}",
            f"ex{i + 1:03d}.contoso.com",
            ExchangeVersion.E2019,
            frozenset({ServerRole.MAILBOX}),
            (f"10.{i // 250}.{i % 250}.1",),
        )
        servers.append(server)
        connectors += _setup_connectors(server)
        for k in range(RELAYS_PER_SERVER):
            binding = server.ip_addresses[0] if k % 2 else "0.0.0.0"
            connectors.append(
                ReceiveConnector(
                    server=server.name,
                    name=f"Relay {k + 1}",
                    transport_role=TransportRole.FRONTEND,
                    bindings=parse_bindings(f"{binding}:25"),
                    remote_ip_ranges=_relay_ranges(rng, i * RELAYS_PER_SERVER + k),
                    acl=_relay_acl(i * RELAYS_PER_SERVER + k),
                )
            )
    domains = [AcceptedDomain("contoso.com", "contoso.com", default=True)]
    for n in range(1, DOMAINS):
        kind = (DomainType.AUTHORITATIVE, DomainType.INTERNAL_RELAY, DomainType.EXTERNAL_RELAY)[n % 3]
        name = f"*.sub{n}.example.net" if n % 10 == 0 else f"domain{n}.example.com"
        domains.append(AcceptedDomain(name, name, kind))
    recipients = [Recipient(f"User {n}", RecipientKind.MAILBOX, (f"user{n}@contoso.com",)) for n in range(1000)]
    return Organization(
        servers=tuple(servers),
        connectors=tuple(connectors),
        accepted_domains=tuple(domains),
        recipients=tuple(recipients),
    )


def linear_select(connectors, local_ip: str | None, port: int, remote_ip: str):
    """The obvious implementation: look at every range of every listening connector, keep the smallest."""
    version, remote = parse_ip(remote_ip)
    local = parse_ip(local_ip)[1] if local_ip else 0
    best = {}  # (role, exact?) -> (size, order, connector)
    for order, connector in enumerate(connectors):
        if not connector.enabled:
            continue
        kinds = {
            b.address != 0
            for b in connector.bindings
            if b.version == version and b.port == port and b.address in (local, 0)
        }
        if not kinds:
            continue
        key = (connector.transport_role, max(kinds))
        best.setdefault(key, None)
        for r in connector.remote_ip_ranges:
            if r.version == version and r.first <= remote <= r.last:
                if best[key] is None or (r.size, order) < best[key][:2]:
                    best[key] = (r.size, order, connector)
    role = TransportRole.FRONTEND if any(k[0] is TransportRole.FRONTEND for k in best) else TransportRole.HUB
    exact, wildcard = best.get((role, True)), best.get((role, False))
    if exact and wildcard:
        return wildcard[2] if wildcard[0] < exact[0] else exact[2]
    chosen = exact or wildcard
    return chosen[2] if chosen else None


def linear_select_all(org: Organization, server_name: str, local_ip: str | None, port: int, remote_ip: str):
    """Literally a scan over every range of the organisation, checking the server of each range's connector."""
    version, remote = parse_ip(remote_ip)
    containing = [
        connector
        for connector in org.connectors
        for r in connector.remote_ip_ranges
        if r.version == version and r.first <= remote <= r.last and connector.server == server_name
    ]
    return linear_select(list(dict.fromkeys(containing)), local_ip, port, remote_ip)


def _median_us(function, arguments) -> float:
    timings = []
    for args in arguments:
        start = time.perf_counter_ns()
        function(*args)
        timings.append(time.perf_counter_ns() - start)
    return statistics.median(timings) / 1000


def _probe_addresses(rng: random.Random, org: Organization, count: int):
    """(server, local ip, remote ip): half inside a relay connector's ranges, half anywhere."""
    relays = [c for c in org.connectors if c.name.startswith("Relay")]
    probes = []
    for _ in range(count):
        relay = rng.choice(relays)
        server = org.server(relay.server)
        if rng.random() < 0.5:
            chosen = rng.choice(relay.remote_ip_ranges)
            remote = _ip(4, rng.randint(chosen.first, chosen.last))
        else:
            remote = _ip(4, rng.randrange(2**32))
        probes.append((server, server.ip_addresses[0], remote))
    return probes


def main() -> None:
    started = time.perf_counter()
    org = build_org()
    ranges = sum(len(c.remote_ip_ranges) for c in org.connectors)
    aces = sum(len(c.acl) for c in org.connectors)
    generated = time.perf_counter() - started
    print(
        f"organisation: {len(org.servers)} servers, {len(org.connectors)} connectors, {ranges:,} remote ranges, "
        f"{aces:,} ACEs, {len(org.accepted_domains)} accepted domains (generated in {generated:.2f} s)"
    )

    started = time.perf_counter()
    indexes = {server.name: SelectionIndex(org.connectors_of(server.name)) for server in org.servers}
    build = time.perf_counter() - started
    print(f"selection index build, all {len(indexes)} servers: {build * 1000:.0f} ms   (goal < 1000 ms)")

    gc.collect()
    gc.freeze()  # the organisation and its indexes are long-lived: keep the collector from re-scanning them
    rng = random.Random(SEED + 1)
    probes = _probe_addresses(rng, org, 3000)
    by_server = {server.name: org.connectors_of(server.name) for server in org.servers}
    for server, local, remote in probes:  # both implementations must agree before we compare their speed
        assert indexes[server.name].select(local, 25, remote).connector is linear_select(
            by_server[server.name], local, 25, remote
        )
    indexed = _median_us(lambda s, local, remote: indexes[s.name].select(local, 25, remote), probes)
    explained = _median_us(lambda s, local, remote: indexes[s.name].select(local, 25, remote).candidates, probes)
    scan_server = _median_us(lambda s, local, remote: linear_select(by_server[s.name], local, 25, remote), probes)
    scan_org = _median_us(
        lambda s, local, remote: linear_select(org.connectors_of(s.name), local, 25, remote), probes[:500]
    )
    scan_all = _median_us(lambda s, local, remote: linear_select_all(org, s.name, local, 25, remote), probes[:100])
    print(f"select() with the index (winner + reason):            median {indexed:6.1f} us")
    print(f"select() and reading .candidates (every loser explained): median {explained:6.1f} us")
    print("linear scans (winner only), and how much faster select() is:")
    for label, median in (
        ("every range of the organisation (100,000)", scan_all),
        ("the server's listening connectors, via org.connectors_of", scan_org),
        ("the server's listening connectors, pre-grouped", scan_server),
    ):
        print(f"  {label:<58} median {median:8.1f} us -> {median / indexed:6.1f}x   (goal >= 20x)")
    _full_probe(org, indexes, probes)


def _full_probe(org: Organization, indexes, probes) -> None:
    """Selection, effective rights and the SMTP verdict for 3 recipients, through the Simulator a caller keeps."""
    simulator = Simulator(org)
    rcpts = ("user7@contoso.com", "someone@domain2.example.com", "friend@outside.example.org")
    sessions = [
        (Probe(server.name, remote, local_ip=local, mail_from="app@fabrikam.example", rcpts=rcpts), server)
        for server, local, remote in probes[:2000]
    ]
    simulator.simulate(*_session_args(sessions[0], indexes))  # builds the accepted-domain table once
    full = _median_us(lambda probe, server: simulator.simulate(*_session_args((probe, server), indexes)), sessions)
    anonymous = SessionIdentity.anonymous()
    rights = _median_us(effective_rights, [(c.acl, anonymous) for c in org.connectors])
    print(f"full probe (selection + effective rights + SMTP session, 3 recipients): median {full:.1f} us "
          f"(goal < 1000 us)")  # fmt: skip
    print(f"  effective_rights alone, uncached (the Simulator caches it per ACL and identity): median {rights:.1f} us")


def _session_args(session, indexes):
    probe, server = session
    return probe, indexes[server.name]


if __name__ == "__main__":
    main()
