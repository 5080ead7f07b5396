"""Who the protocol logs show relaying, per connector: what an open-relay finding says about being used.

Relaying, as the logs show it, is a session that did not sign in and got an accepted reply (2xx) to RCPT TO for a
domain outside the lab's accepted domains (a domain only the `*` accepted domain takes counts as outside: that
entry is the open relay). A Front End's proxy leg (XPROXY) is left out: the client relayed at the Front End.
The summary is small (connectors x relaying addresses), built from a traffic profile (replay.Profile) against the
accepted domains of the lab being audited, and kept as JSON with the lab's replay (connectors/traffic.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .addresses import parse_ip
from .addressmap import is_public
from .domains import AcceptedDomainTable
from .errors import ExchangeError
from .model import AcceptedDomain
from .replay import Profile

RELAYERS_NAMED = 5  # in a finding's evidence; the Traffic page lists them all


@dataclass(frozen=True)
class Relayer:
    """One address the logs show relaying anonymously through one connector."""

    address: str
    messages: int
    domains: tuple[str, ...]  # the outside domains it reached, sorted
    public: bool  # an Internet address (not private, loopback, shared …)
    first: str
    last: str


@dataclass(frozen=True)
class TrafficSummary:
    first: str = ""  # the first and last session seen
    last: str = ""
    sessions: int = 0
    seen: frozenset[str] = frozenset()  # connectors (casefolded SERVER\Name) the logs show any session on
    relayed: dict[str, tuple[Relayer, ...]] = field(default_factory=dict)  # connector -> relayers, busiest first

    def relayers(self, connector: str) -> tuple[Relayer, ...]:
        return self.relayed.get(connector.casefold(), ())

    def saw(self, connector: str) -> bool:
        return connector.casefold() in self.seen

    def to_json(self) -> dict:
        return {
            "first": self.first,
            "last": self.last,
            "sessions": self.sessions,
            "seen": sorted(self.seen),
            "relayed": {key: [_relayer_data(r) for r in rows] for key, rows in self.relayed.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> TrafficSummary:
        relayed = {
            key: tuple(Relayer(**(row | {"domains": tuple(row["domains"])})) for row in rows)
            for key, rows in data.get("relayed", {}).items()
        }
        seen = frozenset(data.get("seen", ()))
        return cls(data.get("first", ""), data.get("last", ""), data.get("sessions", 0), seen, relayed)


def _relayer_data(relayer: Relayer) -> dict:
    return {**vars(relayer), "domains": list(relayer.domains)}


def _is_public(address: str) -> bool:
    try:
        version, value = parse_ip(address)
    except ExchangeError:  # a log's remote endpoint that is no address
        return False
    return is_public(version, value)


def traffic_summary(profile: Profile, accepted_domains: Iterable[AcceptedDomain]) -> TrafficSummary:
    """Who relayed through which connector in `profile`, judged against these accepted domains."""
    table = AcceptedDomainTable(accepted_domains)
    outside: dict[str, bool] = {}
    seen: set[str] = set()
    found: dict[tuple[str, str], dict] = {}
    first = last = ""
    for kind, counts in profile.kinds.items():
        if counts.first and (not first or counts.first < first):
            first = counts.first
        last = max(last, counts.last)
        if kind.proxied_for:
            continue
        connector = kind.connector.casefold()
        seen.add(connector)
        if kind.account:  # signed in: relaying is what an authenticated client may do
            continue
        reached = []
        for domain, reply in kind.recipients:
            if reply[:1] != "2":
                continue
            if domain not in outside:
                match = table.lookup(domain)
                outside[domain] = match is None or match.how == "star"
            if outside[domain]:
                reached.append(domain)
        if not reached:
            continue
        entry = found.setdefault(
            (connector, kind.remote_ip), {"messages": 0, "domains": set(), "first": counts.first, "last": counts.last}
        )
        entry["messages"] += counts.messages
        entry["domains"].update(reached)
        entry["first"] = min(entry["first"], counts.first) if entry["first"] else counts.first
        entry["last"] = max(entry["last"], counts.last)
    relayed: dict[str, list[Relayer]] = {}
    for (connector, address), entry in found.items():
        relayed.setdefault(connector, []).append(
            Relayer(address, entry["messages"], tuple(sorted(entry["domains"])), _is_public(address), entry["first"],
                    entry["last"])
        )  # fmt: skip
    ordered = {c: tuple(sorted(rows, key=lambda r: (-r.messages, r.address))) for c, rows in relayed.items()}
    return TrafficSummary(first, last, profile.sessions, frozenset(seen), ordered)


# --- What a finding says -----------------------------------------------------------------------------------------


def _period(summary: TrafficSummary) -> str:
    if not summary.first:
        return "the protocol logs"
    return f"the protocol logs ({summary.first[:10]} – {summary.last[:10]}, {summary.sessions:,} sessions)"


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def relay_use_words(summary: TrafficSummary, connectors: Iterable[str]) -> tuple[str, list[str]]:
    """What the logs show about relaying through `connectors` (SERVER\\Name): a sentence for the finding, and
    evidence lines naming the busiest relaying addresses."""
    names = list(connectors)
    rows = [(name, r) for name in names for r in summary.relayers(name)]
    period = _period(summary)
    if not rows:
        if any(summary.saw(name) for name in names):
            return (
                f"Not used for relaying in {period}: no client that did not sign in got a recipient outside the "
                "accepted domains through it, so closing it breaks no sender they show.",
                [],
            )
        return f"Not seen in {period}: no session on it at all (is its protocol logging on?).", []
    rows.sort(key=lambda pair: (-pair[1].messages, pair[1].address))
    messages = sum(r.messages for _, r in rows)
    domains = {d for _, r in rows for d in r.domains}
    addresses = {r.address for _, r in rows}
    public = sorted({r.address for _, r in rows if r.public})
    from_internet = (
        f"; {_count(len(public), 'Internet address')} among them ({', '.join(public[:RELAYERS_NAMED])}"
        f"{', …' if len(public) > RELAYERS_NAMED else ''}): it is being abused"
        if public
        else "; none of them is an Internet address"
    )
    sentence = (
        f"In use: {period} show {_count(len(addresses), 'address')} relaying {_count(messages, 'message')} to "
        f"{_count(len(domains), 'outside domain')} through it without signing in{from_internet}."
    )
    evidence = [
        f"logs: {r.address}{' (Internet)' if r.public else ''} relayed {_count(r.messages, 'message')} to "
        f"{', '.join(r.domains[:3])}{', …' if len(r.domains) > 3 else ''} through {name}, "
        f"{r.first[:16].replace('T', ' ')} – {r.last[:16].replace('T', ' ')}"
        for name, r in rows[:RELAYERS_NAMED]
    ]
    if len(rows) > RELAYERS_NAMED:
        evidence.append(f"logs: … and {len(rows) - RELAYERS_NAMED:,} more (the Traffic page lists them all)")
    return sentence, evidence
