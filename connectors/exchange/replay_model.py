"""Replaying SMTP Receive protocol logs, part two: the observed traffic through the model.

Drift: for each kind of observed transaction (replay.Kind), the model's connector, session rights and replies
against the logged ones, every disagreement with an example session and the reason the model gives. Impact: the
same traffic through a baseline and a changed lab, every sender whose outcome changes, ranked by volume, with the
plan lines that cause it.

Probes are simulated once per equivalence class: (server, local endpoint, remote address, identity, TLS, sender
domain class, recipient domains); the class of the sender and the recipients' domains (addresses, where Recipient
Lookup makes the address matter) are read in the lab being simulated. A Front End's proxy leg as the Hub logs it
(XPROXY) is left out of drift and impact: the model decides at the connector that took the client (docs/decisions.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import powershell
from .addresses import parse_ip
from .errors import ExchangeError
from .model import DomainType, Organization
from .observed import permission_rights, split_endpoint
from .protocol_log import PERMISSION_NAMES
from .replay import NO_MAIL, Kind, Profile, Seen, domain_of, inventory, short_reply
from .selection import smallest_range
from .smtp import Probe, Simulator

NO_CONNECTOR = "(no connector: the connection is refused)"
LOGGED_RIGHTS = frozenset(PERMISSION_NAMES)  # rights a Set Session Permissions line can show
PROBE_HELO = "replay.exchsim.invalid"


@dataclass(frozen=True)
class Outcome:
    """What the model answers one probe."""

    connector: str | None
    selection_reason: str
    identity: str
    principal: str  # the principal an ACE would have to name for this identity
    rights: frozenset[str]
    right_reasons: dict
    mail_reply: str | None
    rcpt_replies: tuple[str | None, ...]
    rcpt_reasons: tuple[str, ...]
    final_reply: str | None
    reasons: tuple[str, ...]

    def reason_about(self, *words: str) -> str:
        found = [r for r in self.reasons if any(w in r for w in words)]
        return found[-1] if found else (self.reasons[-1] if self.reasons else "")


def _accepted(line: str | None) -> bool:
    return bool(line) and line[0] in "23"


def _same_servers(before: Organization, after: Organization) -> frozenset[str]:
    """Servers (casefolded names) on which every probe gets the same answer in both labs: the organisation-wide
    settings are equal and the server and its connectors are too. Empty when anything organisation-wide differs."""
    wide = ("domain_netbios", "accepted_domains", "recipients", "principals", "recipient_validation_enabled",
            "tls_receive_domain_secure_list")  # fmt: skip
    if any(getattr(before, name) != getattr(after, name) for name in wide):
        return frozenset()
    old = {server.name.casefold(): server for server in before.servers}
    connectors: dict[str, tuple[list, list]] = {}
    for index, lab in enumerate((before, after)):
        for connector in lab.connectors:
            connectors.setdefault(connector.server.casefold(), ([], []))[index].append(connector)
    same = set()
    for server in after.servers:
        key = server.name.casefold()
        was, now = connectors.get(key, ([], []))
        if old.get(key) == server and was == now:
            same.add(key)
    return frozenset(same)


class ModelReplay:
    """One lab's answers to observed traffic, each equivalence class simulated once. With `baseline` (the replay
    of the lab this one was changed from), probes on servers the change leaves alone take the baseline's answers."""

    def __init__(self, org: Organization, baseline: ModelReplay | None = None):
        self.org = org
        self.sim = Simulator(org)
        self.cache: dict[tuple, Outcome] = {}
        self.simulated = 0
        self._validation = org.recipient_validation_enabled
        self.baseline = baseline
        self._servers = {server.name.casefold(): server for server in org.servers}
        self._unchanged = _same_servers(baseline.org, org) if baseline is not None else frozenset()

    def _sender_class(self, kind: Kind, seen: Seen) -> str | None:
        if kind.sender is NO_MAIL:
            return NO_MAIL
        if not seen.sender:
            return "null"
        if kind.account:
            principal = self.sim.principal(kind.account)
            if principal is not None and principal.email and principal.email.casefold() == seen.sender.casefold():
                return "own"
        match = self.sim.domains.lookup(domain_of(seen.sender))
        if match is None:
            return "external"
        return "internal" if match.domain.domain_type.is_internal else "external-relay"

    def _recipient_key(self, address: str) -> str:
        domain = domain_of(address)
        if self._validation:
            match = self.sim.domains.lookup(domain)
            if match is not None and match.domain.domain_type is DomainType.AUTHORITATIVE:
                return address.casefold()
        return domain

    def outcome(self, kind: Kind, seen: Seen) -> Outcome:
        if self._unchanged and kind.server.casefold() in self._unchanged:
            return self.baseline.outcome(kind, seen)
        key = (
            kind.server.casefold(),
            kind.local_endpoint,
            kind.remote_ip,
            kind.auth_mechanism,
            kind.account.casefold(),
            kind.tls,
            self._sender_class(kind, seen),
            tuple(self._recipient_key(a) for a in seen.rcpt_examples),
        )
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._simulate(kind, seen)
        return found

    def _simulate(self, kind: Kind, seen: Seen) -> Outcome:
        self.simulated += 1
        server = self._servers.get(kind.server.casefold())
        if server is None:
            why = f"The lab has no server {kind.server}."
            return Outcome(None, why, "", "", frozenset(), {}, None, (), (), None, (why,))
        local_ip, port = split_endpoint(kind.local_endpoint)
        probe = Probe(
            server=server.name,
            remote_ip=kind.remote_ip,
            local_ip=local_ip or None,
            port=port or 25,
            helo=PROBE_HELO,
            starttls=kind.tls,
            auth_mechanism=kind.auth_mechanism or None,
            auth_user=kind.account or None,
            mail_from=None if kind.sender is NO_MAIL else seen.sender,
            rcpts=seen.rcpt_examples,
        )
        result = self.sim.simulate(probe)
        identity = result.identity
        rights = result.rights
        principal = ""
        if identity is not None:
            principal = identity.name if identity.kind in ("anonymous", "account") else sorted(identity.principals)[0]
        return Outcome(
            connector=result.connector.identity if result.connector else None,
            selection_reason=result.selection.reason,
            identity=identity.name if identity else "",
            principal=principal,
            rights=frozenset(rights.allowed_rights) & LOGGED_RIGHTS if rights else frozenset(),
            right_reasons={r: d.reason for r, d in rights.decisions.items()} if rights else {},
            mail_reply=result.mail_from,
            rcpt_replies=tuple(r.reply for r in result.recipients),
            rcpt_reasons=tuple(r.reason for r in result.recipients),
            final_reply=result.data,
            reasons=result.reasons,
        )


# --- Drift --------------------------------------------------------------------------------------------------------


def _rights_words(rights) -> str:
    return " ".join(sorted(rights)) or "(none)"


def _rights_reason(kind: Kind, outcome: Outcome, logged: frozenset, model: frozenset) -> str:
    parts = []
    for right in sorted(logged - model):
        why = outcome.right_reasons.get(right)
        parts.append(
            f"production granted {right} but the model's {outcome.connector} doesn't ({why}): an ACE is missing — "
            f"Allow {right} for {outcome.principal}"
        )
    for right in sorted(model - logged):
        parts.append(
            f"the model grants {right} ({outcome.right_reasons.get(right)}) but production didn't: the lab holds an "
            "ACE or permission group production lacks"
        )
    return "; ".join(parts) + "."


def _differences(kind: Kind, seen: Seen, outcome: Outcome) -> list[tuple[str, str, str, str]]:
    """(kind, logged, model, reason) for one kind of transaction."""
    found = []
    if outcome.connector is None or outcome.connector.casefold() != kind.connector.casefold():
        found.append(("connector", kind.connector, outcome.connector or NO_CONNECTOR, outcome.selection_reason))
        if outcome.connector is None:
            return found
    if kind.rights is not None:
        logged = permission_rights(kind.rights)[0]
        if logged != outcome.rights:
            reason = _rights_reason(kind, outcome, logged, outcome.rights)
            found.append(("rights", _rights_words(logged), _rights_words(outcome.rights), reason))
    if kind.sender is NO_MAIL:
        return found
    mail = f"MAIL FROM:<{seen.sender}>"
    if kind.mail_reply and short_reply(outcome.mail_reply or "") != kind.mail_reply:
        found.append(
            (
                "reply",
                f"{mail} {seen.texts.get('mail') or kind.mail_reply}",
                f"{mail} {outcome.mail_reply or 'not sent'}",
                outcome.reason_about("MAIL FROM", "STARTTLS"),
            )
        )
        return found
    for index, (domain, logged_short) in enumerate(kind.recipients):
        model = outcome.rcpt_replies[index] if index < len(outcome.rcpt_replies) else None
        if model is None or short_reply(model) == logged_short:
            continue
        address = seen.rcpt_examples[index]
        logged = seen.texts.get(f"rcpt:{domain}:{logged_short}") or logged_short
        found.append(
            ("reply", f"RCPT TO:<{address}> {logged}", f"RCPT TO:<{address}> {model}", outcome.rcpt_reasons[index])
        )
    if kind.final_reply and outcome.final_reply and short_reply(outcome.final_reply) != kind.final_reply:
        found.append(
            (
                "reply",
                f"end of DATA {seen.texts.get('final') or kind.final_reply}",
                f"end of DATA {outcome.final_reply}",
                outcome.reason_about("Sender check", "DATA", "MaxMessageSize"),
            )
        )
    return found


def drift(profile: Profile, replay: ModelReplay) -> list[dict]:
    """Every disagreement between the logs and the model, grouped by what disagrees and the remote address."""
    rows: dict[tuple, dict] = {}
    for kind, seen in profile.kinds.items():
        if kind.proxied_for:
            continue
        outcome = replay.outcome(kind, seen)
        for what, logged, model, reason in _differences(kind, seen, outcome):
            key = (what, kind.remote_ip, kind.connector.casefold(), logged, model)
            row = rows.get(key)
            if row is None:
                row = rows[key] = {
                    "kind": what,
                    "remote_ip": kind.remote_ip,
                    "connector": kind.connector,
                    "logged": logged,
                    "model": model,
                    "example_session": seen.example,
                    "reason": reason,
                    "sessions": 0,
                    "messages": 0,
                }
            row["sessions"] += seen.sessions
            row["messages"] += seen.messages
    order = {"connector": 0, "rights": 1, "reply": 2}
    return sorted(rows.values(), key=lambda r: (order[r["kind"]], -r["messages"], -r["sessions"], r["remote_ip"]))


# --- Impact -------------------------------------------------------------------------------------------------------


def _changes(kind: Kind, before: Outcome, after: Outcome) -> list[tuple[str, str, int | None]]:
    """(before line, after line, index of the recipient or None) where the two labs answer differently."""
    if (before.connector is None) != (after.connector is None):
        connected = "220 (a session starts)"
        return [(connected if before.connector else NO_CONNECTOR, connected if after.connector else NO_CONNECTOR, None)]
    if before.connector is None or kind.sender is NO_MAIL:
        return []
    if short_reply(before.mail_reply or "") != short_reply(after.mail_reply or ""):
        return [(before.mail_reply or "not sent", after.mail_reply or "not sent", None)]
    found = []
    for index in range(len(kind.recipients)):
        old = before.rcpt_replies[index] if index < len(before.rcpt_replies) else None
        new = after.rcpt_replies[index] if index < len(after.rcpt_replies) else None
        if short_reply(old or "") != short_reply(new or ""):
            found.append((old or "not sent", new or "not sent", index))
    if not found and before.final_reply and after.final_reply:
        if short_reply(before.final_reply) != short_reply(after.final_reply):
            found.append((before.final_reply, after.final_reply, None))
    return found


def _causes(steps: list, connectors: set[str], domains: set[str]) -> list[str]:
    chosen = []
    for step in steps:
        target = step.target.casefold()
        if (
            (step.kind == "receive connector" and target in connectors)
            or (step.kind == "accepted domain" and any(target.lstrip("*.") in d for d in domains))
            or step.kind not in ("receive connector", "accepted domain")
        ):
            chosen.append(step)
    chosen = chosen or steps
    return [c.text for step in chosen for c in step.commands] or [step.summary for step in chosen]


def impact(profile: Profile, before: ModelReplay, after: ModelReplay, steps: list | None = None) -> list[dict]:
    """Every sender whose outcome changes between the two labs, most messages first; `direction` says whether the
    change breaks what worked ("breaks"), lets through what was refused ("opens"), or changes a reply ("changes")."""
    if steps is None:
        steps = powershell.plan(before.org, after.org)
    rows: dict[tuple, dict] = {}
    for kind, seen in profile.kinds.items():
        if kind.proxied_for:
            continue
        old, new = before.outcome(kind, seen), after.outcome(kind, seen)
        counted = set()  # a message with two recipients refused alike is one message of the row, not two
        for line_before, line_after, index in _changes(kind, old, new):
            domain = None if index is None else kind.recipients[index][0]
            key = (kind.remote_ip, kind.connector.casefold(), line_before, line_after)
            row = rows.get(key)
            if row is None:
                direction = "changes"
                if _accepted(line_before) and not _accepted(line_after):
                    direction = "breaks"
                elif _accepted(line_after) and not _accepted(line_before):
                    direction = "opens"
                row = rows[key] = {
                    "remote_ip": kind.remote_ip,
                    "connector": kind.connector,
                    "connector_after": new.connector or NO_CONNECTOR,
                    "messages": 0,
                    "sessions": 0,
                    "domains": set(),
                    "outside_domains": set(),
                    "before": line_before,
                    "after": line_after,
                    "direction": direction,
                    "example_session": seen.example,
                    "reason": new.rcpt_reasons[index]
                    if index is not None
                    else new.reason_about("MAIL FROM", "No SMTP session", "DATA"),
                    "_connectors": set(),
                }
            if key not in counted:
                counted.add(key)
                row["messages"] += seen.messages
                row["sessions"] += seen.sessions
            if domain:
                row["domains"].add(domain)
                if before.sim.domains.lookup(domain) is None:
                    row["outside_domains"].add(domain)
            row["_connectors"].update(c.casefold() for c in (kind.connector, old.connector, new.connector) if c)
    result = []
    for row in rows.values():
        connectors = row.pop("_connectors")
        row["cause"] = _causes(steps, connectors, row["domains"])
        row["domains"] = sorted(row["domains"])
        row["outside_domains"] = sorted(row["outside_domains"])
        row["summary"] = _summary(row)
        result.append(row)
    return sorted(result, key=lambda r: (-r["messages"], -r["sessions"], r["remote_ip"], r["before"]))


def _summary(row: dict) -> str:
    name = row["connector"].partition("\\")[2] or row["connector"]
    count = len(row["outside_domains"]) or len(row["domains"])
    where = "outside " if row["outside_domains"] else ""
    to = f" to {count} {where}domain{'s' if count != 1 else ''}" if count else ""
    plural = "s" if row["messages"] != 1 else ""
    sent = f"sent {row['messages']:,} message{plural}" if row["messages"] else f"opened {row['sessions']:,} sessions"
    return f"{row['remote_ip']} {sent}{to} through {name}; after this change it gets {row['after']}"


# --- Who uses which range ----------------------------------------------------------------------------------------


def range_use(entries: list[dict], org: Organization) -> dict[str, dict]:
    """Which of the lab's RemoteIPRanges of each connector in the inventory (replay.inventory) the observed
    addresses fell in, keyed by the casefolded connector id: `in_lab` (the lab has the connector), `remote_ranges`
    (each range used, in the connector's order: the addresses in it, their sessions and messages; an address counts
    in the smallest range that holds it, the one connector selection matches) and `outside_ranges` (addresses none
    of its ranges holds: the lab would not give them this connector)."""
    connectors = {c.identity.casefold(): c for c in org.connectors}
    found = {}
    for entry in entries:
        key = entry["connector"].casefold()
        connector = connectors.get(key)
        ranges = connector.remote_ip_ranges if connector is not None else ()
        used: dict[int, dict] = {}
        outside = []
        for address in entry["by_address"]:
            try:
                version, value = parse_ip(address["address"])
            except ExchangeError:
                outside.append(address["address"])
                continue
            match = smallest_range(ranges, version, value)
            if match is None:
                outside.append(address["address"])
                continue
            row = used.setdefault(id(match), {"range": match.text, "addresses": [], "sessions": 0, "messages": 0})
            row["addresses"].append((version, value, address["address"]))
            row["sessions"] += address["sessions"]
            row["messages"] += address["messages"]
        order = {id(r): position for position, r in enumerate(ranges)}
        for row in used.values():
            row["addresses"] = [text for *_sort, text in sorted(row["addresses"])]
        found[key] = {
            "in_lab": connector is not None,
            "remote_ranges": [used[k] for k in sorted(used, key=order.__getitem__)],
            "outside_ranges": outside,
        }
    return found


def with_ranges(entries: list[dict], ranges: dict[str, dict]) -> list[dict]:
    """The inventory with each connector's range_use added (entries range_use did not see are left as they are)."""
    for entry in entries:
        entry.update(ranges.get(entry["connector"].casefold(), {}))
    return entries


# --- The whole answer -----------------------------------------------------------------------------------------------


def report(profile: Profile, org: Organization, against: Organization | None = None) -> dict:
    """What `manage.py replay --json` prints and the Traffic page shows: the inventory, the drift against `org`,
    and with `against` the impact of going from `org` to `against`."""
    model = ModelReplay(org)
    connectors = inventory(profile)
    result = {
        "sessions": profile.sessions,
        "messages": profile.messages,
        "lines": profile.report.lines,
        "malformed_lines": profile.report.malformed_count,
        "malformed": [{"file": m.source, "line": m.line, "problem": m.problem} for m in profile.report.malformed],
        "connectors": with_ranges(connectors, range_use(connectors, org)),
        "drift": drift(profile, model),
    }
    if against is not None:
        changed = ModelReplay(against, baseline=model)
        result["impact"] = impact(profile, model, changed)
        result["probes_simulated"] = model.simulated + changed.simulated
    else:
        result["probes_simulated"] = model.simulated
    return result
