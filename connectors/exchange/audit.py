"""Findings about a lab, decided by simulating Exchange rather than by reading its configuration.

`audit(org)` first maps, for every server and every local IP:port a connector listens on, which connector takes
each remote address (one selection per segment between range boundaries, so every address of IPv4 and IPv6 is
accounted for). It then plays one SMTP session per connector that takes connections (`smtp.Simulator`) and
reports what a client actually gets: "203.0.113.7 relays anonymously to outside.example through EX01\\Relay",
not "the ACL contains Accept-Any-Recipient". Each finding carries the objects concerned, an explanation for a
junior admin, the fix in words and in PowerShell, and the evidence (addresses, replies, the simulator's reasons).

Here: the checks and the words that explain them. Beside it: what a finding is (exchange/findings.py), where each
connector takes connections (exchange/reach.py) and how evidence and fix commands are written (audit_words.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .acl import SessionIdentity, effective_rights
from .addresses import MAX_REMOTE_IP_RANGES, format_ip
from .audit_words import (
    collapsed_ranges,
    first_ehlo,
    identity_words,
    narrow_or_disable,
    narrow_script,
    ps_command,
    rcpt_reply,
    relay_evidence,
    steps,
)
from .catalogue import (
    ACCEPT_ANY_RECIPIENT,
    ACCEPT_AUTHORITATIVE_DOMAIN_SENDER,
    ANONYMOUS_LOGON,
    EXTERNALLY_SECURED_SERVERS,
    SUBMIT,
    AuthMechanism,
    PermissionGroup,
    format_auth_mechanism,
    format_permission_groups,
    usage_preset,
)
from .domains import STAR, AcceptedDomainTable
from .errors import ExchangeError
from .fates import Fate
from .findings import SEVERITIES, AuditObject, Finding, connector_object, highest_severity, severity_rank
from .model import DomainType, Organization, ReceiveConnector, Server, TransportRole
from .reach import OUTSIDE_ADDRESSES, Reach, Route, map_reach
from .receive import foreign_bindings
from .relay_use import TrafficSummary, relay_use_words
from .smtp import RECIPIENT_OK, STARTTLS_REQUIRED, Probe, SessionResult, Simulator

OUTSIDE_DOMAIN = "outside.example"
OUTSIDE_SENDER = f"probe@{OUTSIDE_DOMAIN}"
OUTSIDE_RECIPIENT = f"relay-test@{OUTSIDE_DOMAIN}"
RELAY_ADDRESS_THRESHOLD = 32  # more hosts than this relaying anonymously is no longer "the application servers"
NEAR_ADMIN_LIMIT = MAX_REMOTE_IP_RANGES * 9 // 10
# Health Checker's "Open Relay Wild Card Domain" line, word for word (§11.1).
HEALTH_CHECKER_STAR = (
    'Health Checker: Error --- Accepted Domain "{name}" is set to a Wild Card (*) Domain Name with a domain type of '
    "{kind}. This is not recommended as this is an open relay for the entire environment."
)


# --- the audit -----------------------------------------------------------------------------------------------


class _Audit:
    def __init__(
        self, org: Organization, relay_threshold: int, servers: tuple[Server, ...], traffic: TrafficSummary | None
    ):
        self.org = org
        self.traffic = traffic
        self.relay_threshold = relay_threshold
        self.sim = Simulator(org)
        self.domains = AcceptedDomainTable(org.accepted_domains)
        self.servers = servers
        self.reach = map_reach(org, self.sim, servers)
        self.reached = [r for r in self.reach.values() if r.route is not None]
        self.relay_probes = {key: self._relay_probe(r) for key, r in self.reach.items() if r.route is not None}
        self.findings: list[Finding] = []

    def probe(self, reach: Reach, route: Route | None = None, **session) -> SessionResult:
        route = route or reach.probe_route
        connector = reach.connector
        probe = Probe(connector.server, route.remote_ip, local_ip=route.local_ip, port=route.port, **session)
        return self.sim.simulate(probe)

    def _relay_probe(self, reach: Reach) -> SessionResult:
        return self.probe(reach, mail_from=OUTSIDE_SENDER, rcpts=(OUTSIDE_RECIPIENT,))

    def add(self, code, severity, title, objects, explanation, fix, script, evidence, address=None) -> None:
        self.findings.append(
            Finding(code, severity, title, tuple(objects), explanation, fix, script, tuple(evidence), address)
        )

    def add_relay(self, *finding, connectors: Iterable[ReceiveConnector]) -> None:
        """A relay finding, with what the logs show about relaying through `connectors` when there is traffic."""
        self.add(*finding)
        if self.traffic is not None:
            last = self.findings[-1]
            words, evidence = relay_use_words(self.traffic, [c.identity for c in connectors])
            self.findings[-1] = replace(last, traffic=words, evidence=last.evidence + tuple(evidence))

    def run(self) -> list[Finding]:
        self._relay_findings()
        for reach in self.reach.values():
            self._connector_findings(reach)
        self._domain_findings()
        self._server_findings()
        return sorted(
            self.findings,
            key=lambda f: (-severity_rank(f.severity), f.code, [o.identity.casefold() for o in f.objects]),
        )

    # --- relay -------------------------------------------------------------------------------------------------

    def _relay_findings(self) -> None:
        star = self.domains.match(OUTSIDE_DOMAIN)
        star_routes = []
        for key, result in self.relay_probes.items():
            reach = self.reach[key]
            if rcpt_reply(result) != RECIPIENT_OK:
                continue
            route = reach.probe_route
            evidence = relay_evidence(reach, route, result)
            if star is not None:
                star_routes.append((reach, route, evidence))
                continue
            if reach.public_route is not None:
                self._open_relay(reach, result, evidence)
            elif result.identity.kind == "anonymous" and reach.addresses > self.relay_threshold:
                self._wide_relay(reach, evidence)
            if result.identity.kind == "externally_secured" and reach.addresses > self.relay_threshold:
                self._wide_externally_secured(reach, evidence)
        if star_routes:
            self._star_relay(star, star_routes)

    def _open_relay(self, reach: Reach, result: SessionResult, evidence: list[str]) -> None:
        connector = reach.connector
        address = reach.public_route.remote_ip
        who = identity_words(result)
        grant = result.rights.decisions[ACCEPT_ANY_RECIPIENT]
        if result.identity.kind == "anonymous" and grant.ace is not None and grant.ace.group is None:
            fix = (
                f"Remove the {ACCEPT_ANY_RECIPIENT} grant for {grant.ace.principal} from this Internet-facing "
                "connector. If an application must relay, give it its own connector whose RemoteIPRanges list only "
                "the application's servers, and grant the right there."
            )
            script = ps_command(
                "Remove-ADPermission",
                connector.identity,
                User=grant.ace.principal,
                ExtendedRights=ACCEPT_ANY_RECIPIENT,
                Confirm=False,
            )
        else:
            fix = (
                "Limit RemoteIPRanges to the hosts that must relay (never the Internet), or disable the connector "
                "until you know which hosts need it."
            )
            script = narrow_or_disable(connector)
        self.add_relay(
            "open-relay",
            "error",
            f"Open relay: {address} relays {who} to {OUTSIDE_DOMAIN} through {connector.identity}",
            [connector_object(connector)],
            f"The simulator connected from {address}, an Internet address, to {connector.identity} and asked it to "
            f"deliver to {OUTSIDE_RECIPIENT} without signing in. Exchange answered {RECIPIENT_OK}: anyone on the "
            f"Internet can send mail through this server to any domain ({grant.reason}). Spammers find open relays "
            "within hours and the server's address ends up on block lists.",
            fix,
            script,
            evidence,
            address,
            connectors=[connector],
        )

    def _wide_relay(self, reach: Reach, evidence: list[str]) -> None:
        connector = reach.connector
        self.add_relay(
            "wide-anonymous-relay",
            "warning",
            f"{connector.identity} lets {reach.addresses:,} addresses relay anonymously",
            [connector_object(connector)],
            f"{connector.identity} takes connections from {reach.addresses:,} remote addresses and every one of them "
            f"may relay to outside domains without signing in. An anonymous relay connector should list only the "
            f"few hosts that need it (more than {self.relay_threshold} is treated as too wide): any infected PC in "
            "those ranges can send spam as your organisation.",
            "List only the application servers that must relay in RemoteIPRanges.",
            narrow_script(connector, reach.route.remote_ip),
            evidence,
            reach.route.remote_ip,
            connectors=[connector],
        )

    def _wide_externally_secured(self, reach: Reach, evidence: list[str]) -> None:
        connector = reach.connector
        self.add_relay(
            "externally-secured-wide",
            "error" if reach.public_addresses else "warning",
            f"{connector.identity} treats {reach.addresses:,} addresses as Externally Secured",
            [connector_object(connector)],
            f"{connector.identity} uses AuthMechanism ExternalAuthoritative, so every connection from its "
            f"{reach.addresses:,} remote addresses runs as {EXTERNALLY_SECURED_SERVERS} from the first byte: it "
            "may relay anywhere, send as any sender and bypass antispam and size limits. Microsoft warns to use "
            "this only for hosts on a network you trust completely; for an application, anonymous relay "
            f"(AnonymousUsers plus {ACCEPT_ANY_RECIPIENT}) grants far less.",
            "Restrict RemoteIPRanges to the few trusted hosts, or switch the connector to anonymous relay.",
            narrow_script(connector, reach.route.remote_ip),
            evidence,
            reach.route.remote_ip,
            connectors=[connector],
        )

    def _star_relay(self, star, routes) -> None:
        reach, route, evidence = routes[0]
        self.add_relay(
            "open-relay",
            "error",
            f"Open relay: the accepted domain '*' lets {route.remote_ip} relay to {OUTSIDE_DOMAIN}",
            [AuditObject("accepted-domain", star.name), *(connector_object(r.connector) for r, _, _ in routes)],
            f"The accepted domain '{star.name}' ({STAR}, {star.domain_type.value}) makes every domain in the world an "
            f"accepted domain. The simulator connected from {route.remote_ip} to {reach.connector.identity} without "
            f"signing in and Exchange accepted {OUTSIDE_RECIPIENT} ({RECIPIENT_OK}): no relay permission is needed "
            "when the recipient's domain is 'accepted'. Health Checker reports this as an open relay for the whole "
            "environment."
            + (
                " As InternalRelay it is also known to crash the transport services from Exchange 2016 CU22 and "
                "Exchange 2019 CU11 on."
                if star.domain_type is DomainType.INTERNAL_RELAY
                else ""
            ),
            "Remove the '*' accepted domain. If an application must relay, create a receive connector scoped to its "
            "servers and grant anonymous relay there.",
            ps_command("Remove-AcceptedDomain", star.name, Confirm=False),
            [HEALTH_CHECKER_STAR.format(name=star.name, kind=star.domain_type.value)]
            + [ev for _, _, lines in routes for ev in lines],
            route.remote_ip,
            connectors=[r.connector for r, _, _ in routes],
        )

    # --- per connector ------------------------------------------------------------------------------------------

    def _connector_findings(self, reach: Reach) -> None:
        connector = reach.connector
        if not connector.enabled:
            return
        if self._port_fight(connector):
            return
        if reach.route is None:
            self._never_selected(connector)
        else:
            result = self.relay_probes[connector.identity.casefold()]
            self._basic_before_tls(reach, result)
            self._tls_required_without_tls(reach, result)
            if reach.public_route is not None and result.identity.kind == "anonymous":
                self._spoofing(reach)
        self._accepts_nothing(reach)
        if len(connector.remote_ip_ranges) >= NEAR_ADMIN_LIMIT:
            self._near_limit(connector)

    def _port_fight(self, connector: ReceiveConnector) -> bool:
        server = self.org.server(connector.server)
        on_25 = [b for b in connector.bindings if b.port == 25]
        fights = (
            server is not None
            and server.has_frontend_transport
            and connector.transport_role is TransportRole.HUB
            and on_25
        )
        if not fights:
            return False
        binding = on_25[0]
        remote_ip = _first_address(connector, binding.version) or OUTSIDE_ADDRESSES[binding.version]
        local_ip = None if binding.is_wildcard else binding.ip_text
        selection = self.sim.index_for(server).select(local_ip, 25, remote_ip)
        lost = next((c.reason for c in selection.candidates if c.connector.identity == connector.identity), "")
        evidence = [selection.reason, f"{connector.identity}: {lost}."] if lost else [selection.reason]
        self.add(
            "port-fight",
            "error",
            f"{connector.identity} is a HubTransport connector on port 25 of a server that runs the Front End",
            [connector_object(connector)],
            f"{server.name} runs {server.version.label}, where the Front End Transport service owns port 25. "
            f"{connector.identity} belongs to the Transport (Hub) service and listens on {binding.text}: the two "
            "services fight for the port, the connector never gets the mail you meant for it, and transport can "
            "fail to start. Connectors for clients and applications on port 25 belong to the Front End.",
            "Move the connector to the Front End Transport service.",
            ps_command("Set-ReceiveConnector", connector.identity, TransportRole="FrontendTransport"),
            evidence,
            remote_ip,
        )
        return True

    def _never_selected(self, connector: ReceiveConnector) -> None:
        server = self.org.server(connector.server)
        evidence = []
        for binding in connector.bindings[:1]:
            remote_ip = _first_address(connector, binding.version)
            if server is not None and remote_ip:
                local_ip = None if binding.is_wildcard else binding.ip_text
                selection = self.sim.index_for(server).select(local_ip, binding.port, remote_ip)
                lost = next((c.reason for c in selection.candidates if c.connector.identity == connector.identity), "")
                evidence += [f"From {remote_ip}: {selection.reason}", f"{connector.identity}: {lost}."]
        if not evidence:
            evidence.append(f"{connector.identity} has no bindings or no remote ranges of a family it listens on.")
        self.add(
            "never-selected",
            "warning",
            f"{connector.identity} never takes a connection",
            [connector_object(connector)],
            f"For every remote address the simulator tried on every address and port {connector.identity} listens "
            "on, another connector with a more specific remote range (or an exact-address binding) wins. Its "
            "settings never apply, which misleads whoever reads them later: changes made to it have no effect.",
            "Remove the connector, or give it the remote ranges it was meant to serve.",
            ps_command("Remove-ReceiveConnector", connector.identity, Confirm=False),
            evidence,
        )

    def _basic_before_tls(self, reach: Reach, result: SessionResult) -> None:
        ehlo = first_ehlo(result)
        if not any(line[4:].startswith("AUTH ") and "LOGIN" in line.split() for line in ehlo):
            return
        connector = reach.connector
        auth = AuthMechanism(connector.auth_mechanism) | AuthMechanism.TLS | AuthMechanism.BASIC_AUTH_REQUIRE_TLS
        self.add(
            "basic-auth-before-tls",
            "warning",
            f"{connector.identity} offers Basic authentication before TLS",
            [connector_object(connector)],
            f"Before any STARTTLS, {connector.identity} advertises AUTH LOGIN, so a client may send its user name "
            "and password in clear text (Base64 is not encryption). With BasicAuthRequireTLS, Exchange offers "
            "AUTH LOGIN only after the session is encrypted.",
            "Add Tls and BasicAuthRequireTLS to the AuthMechanism.",
            ps_command("Set-ReceiveConnector", connector.identity, AuthMechanism=format_auth_mechanism(auth)),
            [f"EHLO from {reach.probe_route.remote_ip} to port {reach.probe_route.port}, before STARTTLS:", *ehlo],
            reach.probe_route.remote_ip,
        )

    def _tls_required_without_tls(self, reach: Reach, result: SessionResult) -> None:
        connector = reach.connector
        if AuthMechanism(connector.auth_mechanism) & AuthMechanism.TLS:
            return
        settings = [name for name, on in (("RequireTLS", connector.require_tls),
                                           ("DomainSecureEnabled", connector.domain_secure_enabled)) if on]  # fmt: skip
        if not settings:
            return
        tried = self.probe(reach, starttls=True, mail_from=OUTSIDE_SENDER)
        evidence = steps(tried, "STARTTLS", "MAIL")
        blocked = tried.mail_from == STARTTLS_REQUIRED
        auth = AuthMechanism(connector.auth_mechanism) | AuthMechanism.TLS
        self.add(
            "tls-required-without-tls",
            "error",
            f"{connector.identity} requires TLS ({' and '.join(settings)}) but doesn't offer it",
            [connector_object(connector)],
            f"{' and '.join(settings)} need an encrypted session, but Tls is not in the AuthMechanism of "
            f"{connector.identity}, so STARTTLS is never offered."
            + (" Every sender is refused at MAIL FROM: no mail can arrive on this connector." if blocked else "")
            + " Exchange itself refuses to save this combination; it usually comes from an edited export.",
            "Add Tls to the AuthMechanism.",
            ps_command("Set-ReceiveConnector", connector.identity, AuthMechanism=format_auth_mechanism(auth)),
            evidence,
            reach.probe_route.remote_ip,
        )

    def _spoofing(self, reach: Reach) -> None:
        sender, recipient = self._internal_pair()
        if sender is None:
            return
        connector = reach.connector
        result = self.probe(reach, mail_from=sender, rcpts=(recipient,))
        if not (result.data or "").startswith("250"):
            return
        address = reach.public_route.remote_ip
        self.add(
            "anonymous-spoofing",
            "warning",
            f"Anyone on the Internet can send as {sender} through {connector.identity}",
            [connector_object(connector)],
            f"The simulator connected anonymously from {address} and sent a message from {sender} to {recipient}; "
            f"Exchange queued it. Anonymous senders hold {ACCEPT_AUTHORITATIVE_DOMAIN_SENDER} on this Internet-facing "
            "connector, so spam and phishing can arrive looking as if a colleague sent it. Real colleagues sign in "
            "or come from your own servers, never anonymously from the Internet.",
            f"Remove {ACCEPT_AUTHORITATIVE_DOMAIN_SENDER} from {ANONYMOUS_LOGON} on this connector.",
            ps_command(
                "Remove-ADPermission",
                connector.identity,
                User=ANONYMOUS_LOGON,
                ExtendedRights=ACCEPT_AUTHORITATIVE_DOMAIN_SENDER,
                Confirm=False,
            ),
            steps(result, "MAIL", "RCPT") + [f"DATA: {result.data}"],
            address,
        )

    def _internal_pair(self) -> tuple[str | None, str | None]:
        """An internal sender to spoof and an internal recipient that will accept the message."""
        internal = [d for d in self.org.accepted_domains if d.domain_type.is_internal and d.domain_name != STAR]
        if not internal:
            return None, None
        domain = next((d for d in internal if d.default), internal[0]).domain_name.removeprefix("*.")
        addresses = [a for r in self.org.recipients for a in r.addresses if a.endswith("@" + domain)]
        sender = addresses[0] if addresses else f"administrator@{domain}"
        return sender, addresses[-1] if addresses else f"postmaster@{domain}"

    def _accepts_nothing(self, reach: Reach) -> None:
        connector = reach.connector
        holders = {ace.principal for ace in connector.acl if not ace.deny}
        identities = [SessionIdentity.anonymous(), SessionIdentity.externally_secured()]
        identities += [SessionIdentity.principal(name) for name in holders]
        if any(effective_rights(connector.acl, identity).has(SUBMIT) for identity in identities):
            return
        server = self.org.server(connector.server)
        groups = _groups_for(connector, server)
        evidence = []
        if reach.route is not None:
            result = self.relay_probes[connector.identity.casefold()]
            evidence = steps(result, "MAIL")
        evidence.append(f"No principal on {connector.identity} holds {SUBMIT}.")
        self.add(
            "accepts-nothing",
            "warning",
            f"{connector.identity} accepts no mail from anyone",
            [connector_object(connector)],
            f"No permission group is set on {connector.identity} and no Add-ADPermission grant gives anyone "
            f"{SUBMIT}. Every client that lands on it is refused at MAIL FROM (anonymous clients get '530 5.7.1 "
            "Client was not authenticated'), even though the connector looks configured.",
            f"Give the connector the permission group it is meant for ({format_permission_groups(groups)}).",
            ps_command("Set-ReceiveConnector", connector.identity, PermissionGroups=format_permission_groups(groups)),
            evidence,
        )

    def _near_limit(self, connector: ReceiveConnector) -> None:
        count = len(connector.remote_ip_ranges)
        collapsed = collapsed_ranges(connector.remote_ip_ranges)
        if len(collapsed) < count:
            fix = f"Merge adjacent entries: the same addresses fit in {len(collapsed)} entries."
            script = ps_command("Set-ReceiveConnector", connector.identity, RemoteIPRanges=collapsed)
        else:
            fix = "Merge ranges into wider CIDR blocks, or split the hosts across a second connector."
            script = f"# {connector.identity}: {count} entries and none can be merged without adding addresses."
        self.add(
            "remote-ranges-near-limit",
            "warning",
            f"{connector.identity} has {count} remote ranges, near the administrative limit",
            [connector_object(connector)],
            f"Active Directory stores RemoteIPRanges in one attribute; at roughly {MAX_REMOTE_IP_RANGES} entries "
            "Set-ReceiveConnector fails with 'The administrative limit for this request was exceeded.' The next "
            "address someone adds may be refused.",
            fix,
            script,
            [f"{count} entries; the limit is about {MAX_REMOTE_IP_RANGES}."],
        )

    # --- accepted domains and servers ------------------------------------------------------------------------------

    def _domain_findings(self) -> None:
        for domain in self.org.accepted_domains:
            if domain.domain_type is not DomainType.AUTHORITATIVE or domain.default:
                continue
            name = domain.domain_name.removeprefix("*.")
            held = any(
                (match := self.domains.match(a.rpartition("@")[2])) is not None and match.name == domain.name
                for r in self.org.recipients
                for a in r.addresses
            )
            if held:
                continue
            address = f"user@{name}"
            self.add(
                "authoritative-without-recipients",
                "warning",
                f"The Authoritative domain {domain.domain_name} has no recipients here",
                [AuditObject("accepted-domain", domain.name)],
                f"{domain.domain_name} is Authoritative, which tells Exchange that every mailbox of the domain "
                "exists in this organisation. No recipient here has an address in it, so mail an application sends "
                f"to {address} is accepted and then returned with an NDR instead of being passed on to the system "
                "that really hosts the domain. Use InternalRelay when the domain is shared with another system, or "
                "ExternalRelay when it lives entirely elsewhere.",
                "Change the domain type to InternalRelay (or ExternalRelay).",
                ps_command("Set-AcceptedDomain", domain.name, DomainType="InternalRelay"),
                self._ndr_evidence(address),
            )

    def _ndr_evidence(self, address: str) -> list[str]:
        for reach in self.reached:
            result = self.probe(reach, mail_from=OUTSIDE_SENDER, rcpts=(address,))
            outcome = result.recipients[0]
            if outcome.fate is Fate.NDR:
                return [f"From {reach.probe_route.remote_ip} via {reach.connector.identity}: RCPT TO:<{address}> "
                        f"{outcome.reply}; then {outcome.ndr}", outcome.reason]  # fmt: skip
        return [self.domains.explain(address.rpartition("@")[2])]

    def _foreign_bindings(self, server: Server, connector: ReceiveConnector) -> None:
        foreign = foreign_bindings(server, connector)
        if not foreign:
            return
        own = ", ".join(server.ip_addresses) or "none"
        kept = [b.text for b in connector.bindings if b not in foreign]
        fixed = kept or [f"{'[::]' if b.version == 6 else '0.0.0.0'}:{b.port}" for b in foreign]
        self.add(
            "binding-not-on-server",
            "warning",
            f"{connector.identity} listens on {', '.join(b.text for b in foreign)}, an address {server.name} "
            "doesn't have",
            [connector_object(connector)],
            f"A receive connector can only hear connections on the server's own addresses ({own}); the Exchange "
            "admin center offers nothing else. Set-ReceiveConnector and lab files accept any address, so this "
            "binding was typed by hand: the transport service can't listen on it and no client ever reaches the "
            "connector through it.",
            "Bind the connector to one of the server's addresses, or to all available addresses (0.0.0.0 / [::]).",
            ps_command("Set-ReceiveConnector", connector.identity, Bindings=sorted(dict.fromkeys(fixed))),
            [f"{server.name} has the addresses {own}; {b.text} is none of them." for b in foreign],
        )

    def _server_findings(self) -> None:
        for server in self.servers:
            for connector in self.org.connectors_of(server.name):
                self._foreign_bindings(server, connector)
            if not server.has_mailbox or server.mapi_encryption_required:
                continue
            self.add(
                "mapi-encryption-not-required",
                "info",
                f"{server.name} accepts unencrypted MAPI connections",
                [AuditObject("server", server.name)],
                f"Outlook encrypts its RPC traffic by default, but {server.name} still accepts clients that don't. "
                "Requiring encryption on the Mailbox server (and pushing the Outlook policy 'Enable RPC Encryption') "
                "makes sure no client talks to it in clear text.",
                "Require MAPI encryption on the Mailbox server.",
                ps_command("Set-MailboxServer", server.name, MAPIEncryptionRequired=True),
                [f"{server.name}: MAPIEncryptionRequired is $false."],
            )


def audit(
    org: Organization,
    *,
    relay_threshold: int = RELAY_ADDRESS_THRESHOLD,
    servers: Iterable[str] | None = None,
    traffic: TrafficSummary | None = None,
) -> list[Finding]:
    """Every finding for `org`, errors first. `servers` limits the connector and server findings to those servers
    (a page showing a few servers of a large lab); accepted-domain findings are always included. With `traffic`
    (relay_use.traffic_summary of the lab's protocol logs) each relay finding says whether the logs show it used."""
    if servers is None:
        chosen = org.servers
    else:
        wanted = {name.casefold() for name in servers}
        chosen = tuple(s for s in org.servers if s.name.casefold() in wanted)
    return _Audit(org, relay_threshold, chosen, traffic).run()


# --- helpers ---------------------------------------------------------------------------------------------------


def _first_address(connector: ReceiveConnector, version: int) -> str | None:
    first = next((r for r in connector.remote_ip_ranges if r.version == version), None)
    return format_ip(version, first.first) if first else None


def _groups_for(connector: ReceiveConnector, server: Server | None) -> int:
    """The group a connector of this usage normally has; AnonymousUsers for Custom (devices and applications)."""
    try:
        groups = int(usage_preset(connector.usage or None, server).permission_groups) if server else 0
    except ExchangeError:  # a usage Exchange doesn't know (an edited lab file): treat it like Custom
        groups = 0
    return groups or int(PermissionGroup.ANONYMOUS_USERS)


__all__ = [
    "AuditObject",
    "Finding",
    "OUTSIDE_ADDRESSES",
    "OUTSIDE_DOMAIN",
    "RELAY_ADDRESS_THRESHOLD",
    "SEVERITIES",
    "audit",
    "highest_severity",
    "severity_rank",
]
