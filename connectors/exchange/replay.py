"""Replaying SMTP Receive protocol logs, part one: from log files to a traffic profile, and who uses what.

A profile is the logs boiled down to their distinct kinds of message transaction (a session without MAIL FROM is
one kind too): server, logged connector, local endpoint, remote address, TLS, the authenticated account, the
logged session rights, the sender (its domain; the address when signed in, for the own-address check), each
recipient domain with the reply Exchange logged, and the MAIL FROM and end-of-data replies. Each kind keeps its
counts, first and last seen, and one example session. Its size grows with the variety of the traffic, not with its
volume, so a week of logs fits in memory and in the lab's database row; drift and impact (replay_model) are
computed from it against any lab.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

from .addresses import parse_ip
from .errors import ExchangeError
from .log_files import LogSource, sources
from .observed import ObservedSession, ReadReport, sessions_of, split_endpoint
from .protocol_log import Malformed

NO_MAIL = None  # the sender of a session that never said MAIL FROM


def short_reply(reply: str) -> str:
    """`550 5.7.1 Unable to relay` -> `550 5.7.1`: what two replies must share to agree (texts carry ids)."""
    code, _, rest = reply.partition(" ")
    status = rest.partition(" ")[0]
    if status.count(".") == 2 and status.replace(".", "").isdigit():
        return f"{code} {status}"
    return code


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].casefold()


class _Memo(dict):
    """A function's answers for the values the logs repeat (replies, recipient domains), forgotten wholesale past
    `limit` entries so that values which never repeat (queue ids in a reply) can't make memory grow with the logs."""

    def __init__(self, function, limit: int = 4096):
        super().__init__()
        self.function, self.limit = function, limit

    def __missing__(self, value: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        found = self[value] = self.function(value)
        return found


_short_replies = _Memo(short_reply)
_domains = _Memo(domain_of)


def log_time(text: str) -> str:
    """A --since/--until value as the log writes times (ISO 8601, UTC), for comparing as text."""
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Kind(NamedTuple):
    """One distinct kind of transaction (see the module docstring). A tuple: it is the profile's dict key, made and
    hashed once per transaction."""

    server: str
    connector: str
    local_endpoint: str
    remote_ip: str
    tls: bool
    auth_mechanism: str  # "" when the session did not sign in
    account: str
    rights: str | None  # the logged Set Session Permissions value, None when not logged
    proxied_for: str
    sender: str | None  # NO_MAIL, a domain, or an address (signed-in sessions)
    recipients: tuple[tuple[str, str], ...]  # (domain, short reply), in first-seen order
    mail_reply: str  # short replies
    final_reply: str


@dataclass
class Seen:
    """How often a kind was seen, when, and one example of it with the full logged texts."""

    sessions: int = 0
    messages: int = 0
    recipients: int = 0
    first: str = ""
    last: str = ""
    example: str = ""
    sender: str = ""  # an example MAIL FROM address
    rcpt_examples: tuple[str, ...] = ()  # an example address per Kind.recipients entry
    texts: dict = field(default_factory=dict)  # the example's full replies: mail, final, rcpt:<i>

    def add(self, time: str) -> None:
        if not self.first or time < self.first:
            self.first = time
        if time > self.last:
            self.last = time


@dataclass
class Profile:
    kinds: dict[Kind, Seen] = field(default_factory=dict)
    sessions: int = 0
    messages: int = 0
    report: ReadReport = field(default_factory=ReadReport)

    def to_json(self) -> dict:
        return {
            "sessions": self.sessions,
            "messages": self.messages,
            "lines": self.report.lines,
            "malformed_lines": self.report.malformed_count,
            "malformed": [{"file": m.source, "line": m.line, "problem": m.problem} for m in self.report.malformed],
            "files": self.report.files,
            "kinds": [[list(k), _seen_values(s)] for k, s in self.kinds.items()],
        }

    @classmethod
    def from_json(cls, data: dict) -> Profile:
        report = ReadReport(lines=data.get("lines", 0), files=list(data.get("files", ())))
        report.malformed_count = data.get("malformed_lines", 0)
        report.malformed = [Malformed(m["file"], m["line"], m["problem"]) for m in data.get("malformed", ())]
        profile = cls(sessions=data.get("sessions", 0), messages=data.get("messages", 0), report=report)
        for values, seen in data.get("kinds", ()):
            values[10] = tuple(tuple(pair) for pair in values[10])
            seen = dict(seen, rcpt_examples=tuple(seen.get("rcpt_examples", ())))
            profile.kinds[Kind(*values)] = Seen(**seen)
        return profile

    def merge(self, other: Profile) -> Profile:
        """Both profiles' traffic as one (a second upload adds to the first)."""
        merged = Profile(sessions=self.sessions + other.sessions, messages=self.messages + other.messages)
        merged.report = ReadReport(
            lines=self.report.lines + other.report.lines,
            files=self.report.files + other.report.files,
            malformed=(self.report.malformed + other.report.malformed)[: ReadReport.MALFORMED_KEPT],
            malformed_count=self.report.malformed_count + other.report.malformed_count,
        )
        merged.kinds = {kind: Seen(**vars(seen)) for kind, seen in self.kinds.items()}
        for kind, seen in other.kinds.items():
            mine = merged.kinds.get(kind)
            if mine is None:
                merged.kinds[kind] = Seen(**vars(seen))
                continue
            mine.sessions += seen.sessions
            mine.messages += seen.messages
            mine.recipients += seen.recipients
            mine.add(seen.first)
            mine.add(seen.last)
        return merged


def _seen_values(seen: Seen) -> dict:
    return {**vars(seen), "rcpt_examples": list(seen.rcpt_examples)}


# --- Building the profile ---------------------------------------------------------------------------------------


def _transaction_kinds(session: ObservedSession) -> Iterator[tuple[Kind, object]]:
    signed_in = session.authenticated
    base = (
        session.server,
        session.connector_id,
        session.local_endpoint,
        session.remote_ip,
        session.tls,
        session.auth_mechanism if signed_in else "",
        session.auth_account if signed_in else "",
        session.permissions,
        session.proxied_for,
    )
    if not session.transactions:
        yield Kind(*base, NO_MAIL, (), "", ""), None
        return
    shorts, domains = _short_replies, _domains
    for transaction in session.transactions:
        sender = transaction.mail_from.casefold() if signed_in else domains[transaction.mail_from]
        pairs = tuple(dict.fromkeys([(domains[a], shorts[r]) for a, r in transaction.rcpts]))
        short = shorts[transaction.mail_reply] if transaction.mail_reply else ""
        final = short_reply(transaction.final_reply) if transaction.final_reply else ""  # often unique: not kept
        yield Kind(*base, sender, pairs, short, final), transaction


def _record(profile: Profile, session: ObservedSession) -> None:
    profile.sessions += 1
    first = True
    for kind, transaction in _transaction_kinds(session):
        seen = profile.kinds.get(kind)
        if seen is None:
            seen = profile.kinds[kind] = Seen(example=session.example)
            if transaction is not None:
                seen.sender = transaction.mail_from
                examples = {}
                for address, reply in transaction.rcpts:
                    examples.setdefault((domain_of(address), short_reply(reply)), address)
                    seen.texts.setdefault(f"rcpt:{domain_of(address)}:{short_reply(reply)}", reply)
                seen.rcpt_examples = tuple(examples[pair] for pair in kind.recipients)
                seen.texts.update(mail=transaction.mail_reply, final=transaction.final_reply)
        seen.sessions += first
        first = False
        seen.add(session.start or session.end)
        if transaction is not None:
            seen.messages += 1
            seen.recipients += len(transaction.rcpts)
            profile.messages += 1


def build_profile(
    items: Iterable[LogSource],
    *,
    since: str | None = None,
    until: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Profile:
    """Read every source (in order) into a profile; `progress(characters)` is called as the reading goes."""
    profile = Profile()
    low, high = (log_time(since) if since else ""), (log_time(until) if until else "")
    for session in sessions_of(items, profile.report, progress):
        problem = _endpoint_problem(session)
        if problem:
            where, _, line = session.source.rpartition(":")
            profile.report.bad(Malformed(where, int(line) if line.isdigit() else 0, problem))
            continue
        moment = session.start or session.end
        if (low and moment < low) or (high and moment > high):
            continue
        _record(profile, session)
    return profile


def _is_address(text: str) -> bool:
    try:
        parse_ip(text)
    except ExchangeError:
        return False
    return True


_addresses = _Memo(_is_address)


def _endpoint_problem(session: ObservedSession) -> str:
    """Why a session can't be replayed (its endpoints are no IP address and port, so no connector could take it),
    else "". The model would refuse to simulate it: it is skipped as a malformed line of the logs instead."""
    for name, text, required in (("remote", session.remote_endpoint, True), ("local", session.local_endpoint, False)):
        address = split_endpoint(text)[0]
        if (address or required) and not _addresses[address]:
            return f"the {name}-endpoint '{text[:60]}' is no IP address and port (session {session.session_id[:40]})"
    return ""


def profile_of_paths(paths: Iterable[str], **options) -> Profile:
    return build_profile(sources(paths), **options)


# --- Who uses what ------------------------------------------------------------------------------------------------


def inventory(profile: Profile) -> list[dict]:
    """Per logged connector: the remote addresses that used it, sessions, messages, recipients, signed-in accounts,
    first and last seen; and the same per address. Busiest connector first."""
    connectors: dict[str, dict] = {}
    for kind, seen in profile.kinds.items():
        entry = connectors.setdefault(
            kind.connector.casefold(),
            {"connector": kind.connector, "server": kind.server, "addresses": {}, "first_seen": "", "last_seen": ""},
        )
        address = entry["addresses"].setdefault(
            kind.remote_ip,
            {"address": kind.remote_ip, "sessions": 0, "messages": 0, "recipients": 0, "accounts": set(),
             "first_seen": "", "last_seen": "", "proxied_for": set()},
        )  # fmt: skip
        address["sessions"] += seen.sessions
        address["messages"] += seen.messages
        address["recipients"] += seen.recipients
        if kind.account:
            address["accounts"].add(kind.account)
        if kind.proxied_for:
            address["proxied_for"].add(kind.proxied_for)
        for target in (address, entry):
            if not target["first_seen"] or seen.first < target["first_seen"]:
                target["first_seen"] = seen.first
            target["last_seen"] = max(target["last_seen"], seen.last)
    result = []
    for entry in connectors.values():
        addresses = sorted(entry.pop("addresses").values(), key=lambda a: (-a["messages"], -a["sessions"]))
        for address in addresses:
            address["accounts"] = sorted(address["accounts"], key=str.casefold)
            address["proxied_for"] = sorted(address["proxied_for"])
        result.append(
            {
                **entry,
                "remote_addresses": sorted((a["address"] for a in addresses), key=_ip_key),
                "sessions": sum(a["sessions"] for a in addresses),
                "messages": sum(a["messages"] for a in addresses),
                "recipients": sum(a["recipients"] for a in addresses),
                "accounts": sorted({n for a in addresses for n in a["accounts"]}, key=str.casefold),
                "by_address": addresses,
            }
        )
    return sorted(result, key=lambda c: (-c["messages"], -c["sessions"], c["connector"].casefold()))


def _ip_key(address: str):
    try:
        ip = ipaddress.ip_address(address)
        return (ip.version, int(ip), "")
    except ValueError:
        return (9, 0, address)
