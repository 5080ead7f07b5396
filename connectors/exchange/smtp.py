"""The SMTP session: what Exchange answers a client, command by command, and why (reference §7, §2, §6).

`simulate(org, probe)` plays one client session against the connector that takes the connection: banner, EHLO,
STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA and QUIT, with Exchange's reply texts, and decides each recipient's fate.
For many probes against one organisation build a `Simulator(org)` once: it keeps the selection indexes, the
accepted-domain table, the recipient and principal look-ups and the rights already evaluated.

Simplification: on 2013+ the Front End connector authorises the client and then proxies to "Default <Server>";
here the connector that takes the connection decides every check, including the sender checks (docs/decisions.md).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cached_property

from .acl import RightsResult, SessionIdentity, effective_rights
from .catalogue import (
    ACCEPT_ANY_RECIPIENT,
    ACCEPT_ANY_SENDER,
    ACCEPT_AUTHORITATIVE_DOMAIN_SENDER,
    ACCEPT_HEADERS_ORGANIZATION,
    BYPASS_ANTI_SPAM,
    BYPASS_MESSAGE_SIZE_LIMIT,
    SUBMIT,
    AuthMechanism,
)
from .domains import AcceptedDomainTable, DomainMatch
from .errors import ExchangeError
from .model import ACE, DomainType, Organization, Principal, PrincipalKind, Recipient, Server
from .selection import Selection, SelectionIndex

# A fixed date keeps transcripts deterministic (tests, golden files, training answers).
BANNER_DATE = "Mon, 1 Jan 2024 09:00:00 +0000"
MESSAGE_ID = "00000000-0000-0000-0000-000000000001"

SEND_HELLO_FIRST = "503 5.5.2 Send hello first"
UNRECOGNIZED_COMMAND = "500 5.3.3 Unrecognized command"
INVALID_DOMAIN = "501 5.5.4 Invalid domain name"
TLS_READY = "220 2.0.0 SMTP server ready"
AUTH_OK = "235 2.7.0 Authentication successful"
AUTH_FAILED = "535 5.7.3 Authentication unsuccessful"
AUTH_UNRECOGNIZED = "504 5.7.4 Unrecognized authentication type"
STARTTLS_REQUIRED = "451 5.7.3 STARTTLS is required to send mail"
DOMAIN_SECURE_NOT_AUTHENTICATED = "530 5.7.1 Not authenticated"
NOT_AUTHENTICATED = "530 5.7.1 Client was not authenticated"
NO_SUBMIT = "550 5.7.1 Client does not have permissions to submit to this server"
TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
SENDER_OK = "250 2.1.0 Sender OK"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
INVALID_ADDRESS = "501 5.1.3 Invalid address"
INVALID_SENDER = "501 5.1.7 Invalid address"
UNABLE_TO_RELAY = "550 5.7.1 Unable to relay"
USER_UNKNOWN = "550 5.1.1 User unknown"
RECIPIENT_OK = "250 2.1.5 Recipient OK"
START_MAIL_INPUT = "354 Start mail input; end with <CRLF>.<CRLF>"
CANNOT_SEND_AS = "550 5.7.1 Client does not have permissions to send as this sender"
ANONYMOUS_CANNOT_SEND_AS = "550 5.7.1 Anonymous client does not have permissions to send as this sender"
RECIPIENT_NOT_FOUND_NDR = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
CLOSING = "221 2.0.0 Service closing transmission channel"


@dataclass(frozen=True)
class Probe:
    """One client session. auth_password None means the client knows the right password."""

    server: str
    remote_ip: str
    local_ip: str | None = None
    port: int = 25
    helo: str = "client.example.com"
    starttls: bool = False
    auth_mechanism: str | None = None  # "LOGIN" | "NTLM" | "GSSAPI" | "X-EXPS"
    auth_user: str | None = None
    auth_password: str | None = None
    mail_from: str | None = None
    size: int | None = None  # SIZE= on MAIL FROM
    rcpts: tuple[str, ...] = ()
    from_header: str | None = None  # None: the From header equals MAIL FROM
    message_size: int | None = None


@dataclass(frozen=True)
class Step:
    client: str | None  # None for what the server says unprompted (the banner)
    server: tuple[str, ...]  # reply lines, code first


@dataclass(frozen=True)
class RecipientOutcome:
    address: str
    reply: str | None  # the RCPT TO reply; None when the RCPT was never sent
    fate: str  # "mailbox" | "internal-relay" | "external-relay" | "relay-outside" | "ndr" | "rejected" | "not-sent"
    reason: str
    ndr: str | None = None  # the NDR text when the recipient was accepted but can't be delivered


@dataclass(frozen=True)
class SessionResult:
    selection: Selection
    identity: SessionIdentity | None
    rights: RightsResult | None
    transcript: tuple[Step, ...]
    mail_from: str | None
    recipients: tuple[RecipientOutcome, ...]
    data: str | None
    reasons: tuple[str, ...]
    disconnected: bool

    @property
    def connector(self):
        return self.selection.connector

    def to_json(self) -> dict:
        return {
            "connector": self.connector.identity if self.connector else None,
            "identity": self.identity.name if self.identity else None,
            "identity_kind": self.identity.kind if self.identity else None,
            "rights": list(self.rights.allowed_rights) if self.rights else [],
            "transcript": [{"client": step.client, "server": list(step.server)} for step in self.transcript],
            "mail_from": self.mail_from,
            "recipients": [
                {"address": r.address, "reply": r.reply, "fate": r.fate, "reason": r.reason, "ndr": r.ndr}
                for r in self.recipients
            ],
            "data": self.data,
            "reasons": list(self.reasons),
            "disconnected": self.disconnected,
        }


class Simulator:
    """Everything about one organisation that every probe needs, built once and reused."""

    def __init__(self, org: Organization):
        self.org = org
        self._indexes: dict[str, SelectionIndex] = {}
        self._rights: dict[tuple[int, SessionIdentity], tuple[tuple[ACE, ...], RightsResult]] = {}

    @cached_property
    def domains(self) -> AcceptedDomainTable:
        return AcceptedDomainTable(self.org.accepted_domains)

    @cached_property
    def _recipients(self) -> dict[str, Recipient]:
        return {address.casefold(): r for r in self.org.recipients for address in r.addresses}

    @cached_property
    def _principals(self) -> dict[str, Principal]:
        """Sign-in names an SMTP client may use: DOMAIN\\user, user, and the user's email address."""
        found: dict[str, Principal] = {}
        for principal in self.org.principals:
            found.setdefault(principal.name.rpartition("\\")[2].casefold(), principal)
            if principal.email:
                found.setdefault(principal.email.casefold(), principal)
        for principal in self.org.principals:
            found[principal.name.casefold()] = principal
        return found

    def index_for(self, server: Server) -> SelectionIndex:
        key = server.name.casefold()
        if key not in self._indexes:
            self._indexes[key] = SelectionIndex(self.org.connectors_of(server.name))
        return self._indexes[key]

    def recipient(self, address: str) -> Recipient | None:
        return self._recipients.get(address.casefold())

    def principal(self, sign_in_name: str) -> Principal | None:
        return self._principals.get(sign_in_name.strip().casefold())

    def exchange_server(self, name: str) -> Server | None:
        wanted = name.strip().casefold().removeprefix(self.org.domain_netbios.casefold() + "\\").removesuffix("$")
        return next((s for s in self.org.servers if wanted in (s.name.casefold(), s.fqdn.casefold())), None)

    def rights(self, acl: tuple[ACE, ...], identity: SessionIdentity) -> RightsResult:
        # Keyed by the ACL object (kept alive and compared by identity): hashing a long ACL costs more than the answer.
        key = (id(acl), identity)
        cached = self._rights.get(key)
        if cached is None or cached[0] is not acl:
            cached = self._rights[key] = (acl, effective_rights(acl, identity))
        return cached[1]

    def simulate(self, probe: Probe, index: SelectionIndex | None = None) -> SessionResult:
        server = self.org.server(probe.server)
        if server is None:
            raise ExchangeError(
                f"The operation couldn't be performed because object '{probe.server}' couldn't be found.", "Server"
            )
        local_ip = probe.local_ip or _default_local_ip(server, probe.remote_ip)
        selection = (index or self.index_for(server)).select(local_ip, probe.port, probe.remote_ip)
        return _Session(self, server, probe, selection, local_ip).run()


def simulate(org: Organization, probe: Probe, index: SelectionIndex | None = None) -> SessionResult:
    """One probe. For many probes against the same organisation, use Simulator(org).simulate(probe)."""
    return Simulator(org).simulate(probe, index)


def _default_local_ip(server: Server, remote_ip: str) -> str | None:
    """The server's first address of the client's family; None (only wildcard bindings apply) if it has none."""
    ipv6 = ":" in remote_ip
    return next((ip for ip in server.ip_addresses if (":" in ip) == ipv6), None)


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].casefold()


def _multiline(lines: list[str]) -> tuple[str, ...]:
    return tuple(f"250-{line}" for line in lines[:-1]) + (f"250 {lines[-1]}",)


def _valid_helo(helo: str) -> bool:
    text = helo.strip()
    if text.startswith("[") and text.endswith("]"):
        return len(text) > 2
    labels = text.split(".")
    return bool(text) and all(label and all(c.isalnum() or c in "-_" for c in label) for label in labels)


class _Session:
    """The mutable state of one simulated session; each command method appends its step and its reasons."""

    def __init__(self, sim: Simulator, server: Server, probe: Probe, selection: Selection, local_ip: str | None):
        self.sim = sim
        self.server = server
        self.probe = probe
        self.selection = selection
        self.local_ip = local_ip
        self.connector = selection.connector
        self.auth = AuthMechanism(self.connector.auth_mechanism) if self.connector else AuthMechanism.NONE
        self.fqdn = (self.connector.fqdn if self.connector else "") or server.fqdn
        self.transcript: list[Step] = []
        self.reasons: list[str] = [selection.reason]
        self.identity: SessionIdentity | None = None
        self.rights: RightsResult | None = None
        self.tls = False
        self.greeted = False
        self.disconnected = False
        self.mail_reply: str | None = None
        self.data_reply: str | None = None
        self.outcomes: dict[int, RecipientOutcome] = {}

    # --- the session -------------------------------------------------------------------------------------------

    def run(self) -> SessionResult:
        if self.connector is None:
            self.disconnected = True
            endpoint = f"{self.local_ip}:{self.probe.port}" if self.local_ip else f"port {self.probe.port}"
            self.reasons.append(
                f"No SMTP session starts on {self.server.name} for {self.probe.remote_ip} to {endpoint}: "
                "the client gets no banner (connection refused, or closed at once)."
            )
        else:
            self._connect()
            self._ehlo()
            if self.probe.starttls:
                self._starttls()
            if self.probe.auth_mechanism:
                self._authenticate()
            if self.probe.mail_from is not None and self._mail_from():
                accepted = self._recipients()
                if accepted and not self.disconnected:
                    self._data(accepted)
            if not self.disconnected:
                self._say("QUIT", CLOSING)
        return self._result()

    def _say(self, client: str | None, *lines: str) -> str:
        self.transcript.append(Step(client, tuple(lines)))
        return lines[0]

    def _drop(self) -> None:
        self.disconnected = True
        self.reasons.append("Exchange then closes the connection.")

    def _set_identity(self, identity: SessionIdentity, why: str) -> None:
        self.identity = identity
        self.rights = self.sim.rights(self.connector.acl, identity)
        held = ", ".join(self.rights.allowed_rights) or "no rights"
        self.reasons.append(
            f"The session runs as {identity.name} {why}. On {self.connector.identity} it holds: {held}."
        )

    def _has(self, right: str) -> bool:
        return self.rights.has(right)

    def _why(self, right: str) -> str:
        return self.rights.decisions[right].reason

    def _granted(self, right: str) -> str:
        return f"{right} is {self._why(right)}"

    # --- connect, EHLO, STARTTLS ------------------------------------------------------------------------------------

    def _connect(self) -> None:
        banner = self.connector.banner or f"220 {self.fqdn} Microsoft ESMTP MAIL Service ready at {BANNER_DATE}"
        self._say(None, banner)
        if self.auth & AuthMechanism.EXTERNAL_AUTHORITATIVE:
            self._set_identity(
                SessionIdentity.externally_secured(),
                "from the moment it connects, because AuthMechanism includes ExternalAuthoritative "
                "(the connection is presumed secured by other means)",
            )
        else:
            self._set_identity(SessionIdentity.anonymous(), "because every new connection starts anonymous")

    def _ehlo(self) -> None:
        client = f"EHLO {self.probe.helo}"
        if not _valid_helo(self.probe.helo):
            self._say(client, INVALID_DOMAIN)
            self.reasons.append(f"EHLO refused: '{self.probe.helo}' is not a domain name or an address literal.")
            return
        self.greeted = True
        self.transcript.append(Step(client, _multiline(self._extensions())))

    def _extensions(self) -> list[str]:
        connector = self.connector
        lines = [f"{self.fqdn} Hello [{self.probe.remote_ip}]"]
        if connector.size_enabled == "Enabled":
            lines.append(f"SIZE {connector.max_message_size}")
        elif connector.size_enabled == "EnabledWithoutValue":
            lines.append("SIZE")
        lines += ["PIPELINING", "DSN", "ENHANCEDSTATUSCODES"]
        if not self.tls:
            if self.auth & AuthMechanism.TLS:
                lines.append("STARTTLS")
            if self.auth & AuthMechanism.EXCHANGE_SERVER:
                lines.append("X-ANONYMOUSTLS")
        if mechanisms := self._auth_mechanisms():
            lines.append("AUTH " + " ".join(mechanisms))
        if self.auth & AuthMechanism.EXCHANGE_SERVER:
            lines.append("X-EXPS " + " ".join(self._exps_mechanisms()))
        return [*lines, "8BITMIME", "BINARYMIME", "CHUNKING", "XRDST"]

    def _auth_mechanisms(self) -> list[str]:
        mechanisms = []
        if self.auth & AuthMechanism.INTEGRATED:
            mechanisms += ["GSSAPI", "NTLM"] if self.connector.enable_auth_gssapi else ["NTLM"]
        if self.auth & AuthMechanism.BASIC_AUTH and (self.tls or not self.auth & AuthMechanism.BASIC_AUTH_REQUIRE_TLS):
            mechanisms.append("LOGIN")
        return mechanisms

    def _exps_mechanisms(self) -> list[str]:
        # Only a "bridgehead" (taken to be every non-Edge server) offers Kerberos for Exchange Server auth.
        return ["NTLM"] if self.server.is_edge else ["GSSAPI", "NTLM"]

    def _starttls(self) -> None:
        if not self.greeted:
            self._say("STARTTLS", SEND_HELLO_FIRST)
            return
        if not self.auth & AuthMechanism.TLS:
            self._say("STARTTLS", UNRECOGNIZED_COMMAND)
            self.reasons.append(f"STARTTLS refused: Tls is not in the AuthMechanism of {self.connector.identity}.")
            return
        self._say("STARTTLS", TLS_READY)
        self.tls = True
        self.reasons.append("STARTTLS succeeded; the client says EHLO again and the advertisement is recomputed.")
        self.transcript.append(Step(f"EHLO {self.probe.helo}", _multiline(self._extensions())))

    # --- AUTH ---------------------------------------------------------------------------------------------------------

    def _authenticate(self) -> None:
        mechanism = self.probe.auth_mechanism.strip().upper()
        user = self.probe.auth_user or ""
        exps = mechanism == "X-EXPS"
        client = f"X-EXPS {self._exps_mechanisms()[0]}" if exps else f"AUTH {mechanism}"
        if not self.greeted:
            self._say(client, SEND_HELLO_FIRST)
            return
        offered = bool(self.auth & AuthMechanism.EXCHANGE_SERVER) if exps else mechanism in self._auth_mechanisms()
        if not offered:
            self._say(client, AUTH_UNRECOGNIZED)
            self.reasons.append(f"{client} refused: {self._not_offered_why(mechanism)}.")
            return
        if mechanism == "LOGIN":
            self._say(client, "334 VXNlcm5hbWU6")
            self._say(base64.b64encode(user.encode()).decode(), "334 UGFzc3dvcmQ6")
            client = "********"
        identity, failure = self._exps_identity(user) if exps else self._account_identity(user)
        rights = self.sim.rights(self.connector.acl, identity) if identity is not None else None
        if rights is not None and not rights.has(SUBMIT):
            failure = (
                f"the credentials of {identity.name} are valid, but it has no {SUBMIT} on "
                f"{self.connector.identity} ({rights.decisions[SUBMIT].reason}), "
                "and Exchange treats that as a failed logon"
            )
        if failure:
            self._say(client, AUTH_FAILED)
            self.reasons.append(f"AUTH failed: {failure}; the session stays {self.identity.name}.")
            return
        self._say(client, AUTH_OK)
        self._set_identity(identity, f"after {mechanism} authentication as {user}")

    def _not_offered_why(self, mechanism: str) -> str:
        if mechanism == "X-EXPS":
            return f"ExchangeServer is not in the AuthMechanism of {self.connector.identity}"
        if mechanism == "LOGIN" and self.auth & AuthMechanism.BASIC_AUTH:
            return "AUTH LOGIN is offered only after STARTTLS because the connector has BasicAuthRequireTLS"
        if mechanism == "GSSAPI" and self.auth & AuthMechanism.INTEGRATED:
            return "Kerberos (GSSAPI) is offered only when EnableAuthGSSAPI is $true"
        needed = {"LOGIN": "BasicAuth", "NTLM": "Integrated", "GSSAPI": "Integrated"}.get(mechanism)
        if needed:
            return f"{needed} is not in the AuthMechanism of {self.connector.identity}"
        return f"{mechanism} is not a mechanism Exchange offers (it offers LOGIN, NTLM and GSSAPI)"

    def _account_identity(self, user: str) -> tuple[SessionIdentity | None, str]:
        principal = self.sim.principal(user)
        if principal is None:
            return None, f"there is no account '{user}' in the directory"
        if principal.kind is PrincipalKind.GROUP:
            return None, f"{principal.name} is a group, and only a user or computer account can sign in"
        wrong = self.probe.auth_password is not None and principal.smtp_password is not None
        if wrong and self.probe.auth_password != principal.smtp_password:
            return None, f"the password for {principal.name} is wrong"
        return SessionIdentity.account(principal.name, self.sim.org), ""

    def _exps_identity(self, user: str) -> tuple[SessionIdentity | None, str]:
        server = self.sim.exchange_server(user)
        if server is None:
            return None, f"'{user}' is not an Exchange server of the organisation, so Exchange Server auth fails"
        return SessionIdentity.exchange_server(server, self.sim.org.domain_netbios), ""

    # --- MAIL FROM ----------------------------------------------------------------------------------------------------

    def _mail_from(self) -> bool:
        sender = self.probe.mail_from
        client = f"MAIL FROM:<{sender}>" + (f" SIZE={self.probe.size}" if self.probe.size is not None else "")
        self.mail_reply = self._say(client, self._mail_from_reply(sender))
        return self.mail_reply == SENDER_OK

    def _mail_from_reply(self, sender: str) -> str:
        if not self.greeted:
            self.reasons.append("MAIL FROM refused: the client has not said HELO/EHLO successfully.")
            return SEND_HELLO_FIRST
        if sender and "@" not in sender.strip("@"):
            self.reasons.append(f"MAIL FROM refused: '{sender}' is not a valid SMTP address (use <> for no sender).")
            return INVALID_SENDER
        if self.connector.require_tls and not self.tls:
            self.reasons.append(
                f"MAIL FROM refused: {self.connector.identity} has RequireTLS $true and the client did not STARTTLS."
            )
            self._drop()
            return STARTTLS_REQUIRED
        domain = _domain_of(sender)
        secure_list = {d.casefold() for d in self.sim.org.tls_receive_domain_secure_list}
        if self.connector.domain_secure_enabled and self.identity.kind == "anonymous" and domain in secure_list:
            if not self.tls:
                self.reasons.append(
                    f"MAIL FROM refused: {domain} is in TLSReceiveDomainSecureList and the connector has "
                    "DomainSecureEnabled, so the client must present its certificate over TLS (it did not STARTTLS)."
                )
                return DOMAIN_SECURE_NOT_AUTHENTICATED
            self._set_identity(
                SessionIdentity.partner(domain),
                f"because {domain} is a Domain Secure partner (TLSReceiveDomainSecureList, DomainSecureEnabled, "
                "mutual TLS)",
            )
        refusal = self._submit_refusal("MAIL FROM")
        if refusal:
            self._drop()
            return refusal
        if self._too_big(self.probe.size, "MAIL FROM SIZE="):
            return TOO_BIG
        self.reasons.append(f"MAIL FROM:<{sender}> accepted ({SUBMIT} held).")
        return SENDER_OK

    def _submit_refusal(self, stage: str) -> str | None:
        if self._has(SUBMIT):
            return None
        self.reasons.append(
            f"{stage} refused: {self.identity.name} has no {SUBMIT} on {self.connector.identity} ({self._why(SUBMIT)})."
        )
        return NOT_AUTHENTICATED if self.identity.kind == "anonymous" else NO_SUBMIT

    def _too_big(self, size: int | None, stage: str) -> bool:
        limit = self.connector.max_message_size
        if size is None or size <= limit:
            return False
        for right in (BYPASS_MESSAGE_SIZE_LIMIT, ACCEPT_HEADERS_ORGANIZATION):
            if self._has(right):
                self.reasons.append(
                    f"{stage}: {size} bytes exceeds MaxMessageSize {limit}, but {right} lifts the limit."
                )
                return False
        self.reasons.append(f"{stage} refused: {size} bytes exceeds the connector's MaxMessageSize of {limit} bytes.")
        return True

    # --- RCPT TO -----------------------------------------------------------------------------------------------------

    def _recipients(self) -> list[tuple[int, str, DomainMatch | None]]:
        accepted = []
        for position, address in enumerate(self.probe.rcpts):
            reply, why, match = self._rcpt(address, len(accepted))
            self._say(f"RCPT TO:<{address}>", reply)
            self.reasons.append(f"RCPT {address} {why}")
            if reply == RECIPIENT_OK:
                accepted.append((position, address, match))
            else:
                self.outcomes[position] = RecipientOutcome(address, reply, "rejected", why)
        return accepted

    def _rcpt(self, address: str, accepted_so_far: int) -> tuple[str, str, DomainMatch | None]:
        """The RCPT reply, why, and the accepted domain the address falls under."""
        connector = self.connector
        if accepted_so_far >= connector.max_recipients_per_message and not self._has(BYPASS_MESSAGE_SIZE_LIMIT):
            return (
                TOO_MANY_RECIPIENTS,
                f"deferred: MaxRecipientsPerMessage is {connector.max_recipients_per_message}; "
                "the sender retries the rest in another transaction.",
                None,
            )
        local, _, domain = address.rpartition("@")
        if not local or not domain:
            return INVALID_ADDRESS, "refused: not a valid SMTP address.", None
        match = self.sim.domains.lookup(domain)
        if match is None:
            if not self._has(ACCEPT_ANY_RECIPIENT):
                return (
                    UNABLE_TO_RELAY,
                    f"refused: {domain.casefold()} is not an accepted domain and {self.identity.name} has no "
                    f"{ACCEPT_ANY_RECIPIENT} on this connector ({self._why(ACCEPT_ANY_RECIPIENT)}).",
                    None,
                )
            why = f"accepted for relay: {domain.casefold()} is not an accepted domain, but"
            return RECIPIENT_OK, f"{why} {self._granted(ACCEPT_ANY_RECIPIENT)}.", None
        lookup_applies = (
            self.sim.org.recipient_validation_enabled
            and match.domain.domain_type is DomainType.AUTHORITATIVE
            and self.sim.recipient(address) is None
        )
        if lookup_applies:
            if not self._has(BYPASS_ANTI_SPAM):
                return (
                    USER_UNKNOWN,
                    "refused by Recipient Lookup (RecipientValidationEnabled): no such recipient in the "
                    f"Authoritative domain {match.domain.domain_name} (the reply comes after the TarpitInterval, "
                    "5 seconds by default).",
                    match,
                )
            return (
                RECIPIENT_OK,
                f"accepted: {match.reason}; Recipient Lookup is skipped ({BYPASS_ANTI_SPAM}).",
                match,
            )
        return RECIPIENT_OK, f"accepted: {match.reason}.", match

    # --- DATA ---------------------------------------------------------------------------------------------------------

    def _data(self, accepted: list[tuple[int, str, DomainMatch | None]]) -> None:
        self._say("DATA", START_MAIL_INPUT)
        size = self.probe.message_size if self.probe.message_size is not None else self.probe.size
        refusal = self._submit_refusal("DATA (end of headers)") or self._sender_refusal()
        if refusal is None and self._too_big(size, "DATA"):
            refusal = TOO_BIG
        self.data_reply = self._say(self._message_text(size), refusal or self._queued())
        for position, address, match in accepted:
            if refusal:
                outcome = RecipientOutcome(address, RECIPIENT_OK, "not-sent", "the message was refused at DATA.")
            else:
                outcome = self._fate(address, match)
            self.outcomes[position] = outcome
            if not refusal:
                self.reasons.append(f"{address}: {outcome.reason}")

    def _message_text(self, size: int | None) -> str:
        header = self.probe.from_header or self.probe.mail_from or ""
        return f"From: <{header}> …" + (f" ({size} bytes)" if size is not None else "") + " ."

    def _queued(self) -> str:
        self.reasons.append("DATA accepted: the message is queued for delivery.")
        return (
            f"250 2.6.0 <{MESSAGE_ID}@{self.fqdn}> [InternalId=1, Hostname={self.server.fqdn}] Queued mail for delivery"
        )

    def _sender_refusal(self) -> str | None:
        if self._has(ACCEPT_ANY_SENDER) and self._has(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER):
            self.reasons.append(
                f"Sender checks skipped: {self.identity.name} holds both {ACCEPT_ANY_SENDER} and "
                f"{ACCEPT_AUTHORITATIVE_DOMAIN_SENDER}."
            )
            return None
        checks = [("P1 (MAIL FROM)", self.probe.mail_from)]
        if self.probe.from_header and self.probe.from_header.casefold() != (self.probe.mail_from or "").casefold():
            checks.append(("P2 (From header)", self.probe.from_header))
        for label, address in checks:
            if address:
                refusal = self._sender_check(label, address)
                if refusal:
                    return refusal
        return None

    def _sender_check(self, label: str, address: str) -> str | None:
        domain = _domain_of(address)
        match = self.sim.domains.lookup(domain)
        internal = match is not None and match.domain.domain_type.is_internal
        who = self.identity.name
        if not internal and self._has(ACCEPT_ANY_SENDER):
            passed = f"{domain} is not an internal domain and {self._granted(ACCEPT_ANY_SENDER)}"
        elif internal and self._has(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER):
            passed = f"{domain} is an internal domain and {self._granted(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER)}"
        elif self.identity.kind == "partner" and domain == self.identity.name.casefold():
            passed = f"{domain} is the Domain Secure partner's own domain"
        elif internal and not self.server.is_edge and self._may_send_as(address):
            passed = f"{address} is {who}'s own address (AD Send-As check)"
        else:
            passed = ""
        if passed:
            self.reasons.append(f"Sender check {label} {address} passed: {passed}.")
            return None
        if internal and not self.server.is_edge:
            self.reasons.append(
                f"Sender check {label} {address} failed at end of headers: {domain} is internal, {who} has no "
                f"{ACCEPT_AUTHORITATIVE_DOMAIN_SENDER} ({self._why(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER)}), and the AD "
                f"Send-As check on this Hub/Front End server finds no Send-As right for {who} on {address}."
            )
            return CANNOT_SEND_AS
        needed = ACCEPT_AUTHORITATIVE_DOMAIN_SENDER if internal else ACCEPT_ANY_SENDER
        self.reasons.append(
            f"Sender check {label} {address} failed at end of headers: {who} has no {needed} ({self._why(needed)})"
            + (" and Edge makes no AD Send-As check." if internal else ".")
        )
        return ANONYMOUS_CANNOT_SEND_AS if self.identity.kind == "anonymous" else CANNOT_SEND_AS

    def _may_send_as(self, address: str) -> bool:
        """The directory model has no Send-As grants: a signed-in user may send only as one of its own addresses."""
        principal = self.sim.principal(self.identity.name) if self.identity.kind == "account" else None
        if principal is None or not principal.email:
            return False
        own = principal.email.casefold()
        recipient = self.sim.recipient(address)
        return own == address.casefold() or (recipient is not None and own in recipient.addresses)

    def _fate(self, address: str, match: DomainMatch | None) -> RecipientOutcome:
        if match is None:
            return RecipientOutcome(
                address,
                RECIPIENT_OK,
                "relay-outside",
                f"relayed outside the organisation through a Send connector ({_domain_of(address)} is not accepted).",
            )
        recipient = self.sim.recipient(address)
        if recipient is not None:
            reason = f"delivered to {recipient.kind.value} '{recipient.name}'."
            if self.server.is_edge:  # an Edge server hosts no recipients: it hands the message to the organisation
                reason = f"relayed by the Edge Transport server into the organisation and {reason}"
            return RecipientOutcome(address, RECIPIENT_OK, "mailbox", reason)
        kind = match.domain.domain_type
        if kind is DomainType.AUTHORITATIVE:
            reason = (
                f"accepted at RCPT, but no recipient has this address in the Authoritative domain "
                f"{match.domain.domain_name}, so the categorizer returns an NDR: {RECIPIENT_NOT_FOUND_NDR}."
            )
            return RecipientOutcome(address, RECIPIENT_OK, "ndr", reason, ndr=RECIPIENT_NOT_FOUND_NDR)
        if kind is DomainType.INTERNAL_RELAY:
            reason = (
                f"no recipient here in the InternalRelay domain {match.domain.domain_name}: routed on to the "
                "other system that shares the namespace."
            )
            return RecipientOutcome(address, RECIPIENT_OK, "internal-relay", reason)
        reason = f"{match.domain.domain_name} is ExternalRelay: routed on to the external system that hosts it."
        return RecipientOutcome(address, RECIPIENT_OK, "external-relay", reason)

    # --- result -------------------------------------------------------------------------------------------------------

    def _result(self) -> SessionResult:
        recipients = tuple(
            self.outcomes.get(i) or RecipientOutcome(address, None, "not-sent", "the session never reached RCPT TO.")
            for i, address in enumerate(self.probe.rcpts)
        )
        return SessionResult(
            selection=self.selection,
            identity=self.identity,
            rights=self.rights,
            transcript=tuple(self.transcript),
            mail_from=self.mail_reply,
            recipients=recipients,
            data=self.data_reply,
            reasons=tuple(r for r in self.reasons if r),
            disconnected=self.disconnected,
        )


__all__ = ["Probe", "RecipientOutcome", "SessionResult", "Simulator", "Step", "simulate"]
