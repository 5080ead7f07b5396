"""The simulator: what Exchange answers a scripted client, and why (reference §7, §2, §6).

`simulate(org, probe)` plays one client session against the connector that takes the connection: banner, EHLO,
STARTTLS, AUTH, MAIL FROM, RCPT TO, DATA and QUIT, with Exchange's reply texts, and decides each recipient's fate.
For many probes against one organisation build a `Simulator(org)` once: it keeps the selection indexes, the
accepted-domain table, the recipient and principal look-ups and the rights already evaluated.
The session itself (session.SmtpSession) is the same state machine the live endpoint (`manage.py smtpserve`) feeds.

Simplification: on 2013+ the Front End connector authorises the client and then proxies to "Default <Server>";
here the connector that takes the connection decides every check, including the sender checks (docs/decisions.md).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cached_property

from .acl import RightsResult, SessionIdentity, effective_rights
from .addresses import IPAddress, parse_ip
from .domains import AcceptedDomainTable
from .errors import ExchangeError
from .fates import Fate
from .model import ACE, Organization, Principal, Recipient, Server
from .replies import (  # noqa: F401  (the reply texts are part of this module's interface)
    AUTH_USERNAME,
    BANNER_DATE,
    MESSAGE_ID,
    RECIPIENT_OK,
    SENDER_OK,
    START_MAIL_INPUT,
    STARTTLS_REQUIRED,
    TLS_READY,
    UNABLE_TO_RELAY,
    Step,
)
from .selection import Selection, SelectionIndex, default_local_ip
from .session import RecipientOutcome, SmtpSession


@dataclass(frozen=True)
class Probe:
    """One client session. auth_password None means the client knows the right password."""

    server: str
    remote_ip: str | IPAddress  # text, or already parsed (the dashboard's form parses it)
    local_ip: str | IPAddress | None = None
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
    def _servers(self) -> dict[str, Server]:
        return {server.name.casefold(): server for server in self.org.servers}

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

    def session(
        self,
        server_name: str,
        remote_ip: str | IPAddress,
        local_ip: str | IPAddress | None = None,
        port: int = 25,
        index=None,
    ) -> SmtpSession:
        """A new session of a client at remote_ip connecting to local_ip:port of the server (not yet greeted).
        The addresses are parsed here unless they come parsed, once: selection and session read the parsed values."""
        server = self._servers.get(server_name.casefold())
        if server is None:
            raise ExchangeError(
                f"The operation couldn't be performed because object '{server_name}' couldn't be found.", "Server"
            )
        remote_ip = parse_ip(remote_ip)
        local_ip = parse_ip(local_ip) if local_ip else default_local_ip(server, remote_ip)
        selection = (index or self.index_for(server)).select(local_ip, port, remote_ip)
        return SmtpSession(self, server, selection, remote_ip, local_ip, port)

    def simulate(self, probe: Probe, index: SelectionIndex | None = None) -> SessionResult:
        session = self.session(probe.server, probe.remote_ip, probe.local_ip, probe.port, index)
        _play(session, probe)
        return _result(session, probe)


def simulate(org: Organization, probe: Probe, index: SelectionIndex | None = None) -> SessionResult:
    """One probe. For many probes against the same organisation, use Simulator(org).simulate(probe)."""
    return Simulator(org).simulate(probe, index)


def _play(session: SmtpSession, probe: Probe) -> None:
    """The probe's client, command by command, through the same session methods a live client reaches."""
    if session.connect() is None:
        return
    session.ehlo(probe.helo)
    if probe.starttls and session.starttls().lines[0] == TLS_READY:
        session.ehlo(probe.helo)
    if probe.auth_mechanism:
        _sign_in(session, probe)
    if probe.mail_from is not None and session.mail_from(probe.mail_from, probe.size).lines[0] == SENDER_OK:
        for address in probe.rcpts:
            session.rcpt(address)
        accepted = any(outcome.reply == RECIPIENT_OK for outcome, _match in session.recipients)
        if accepted and session.data().lines[0] == START_MAIL_INPUT:
            size = probe.message_size if probe.message_size is not None else probe.size
            session.message(size, probe.from_header)
    if not session.disconnected:
        session.quit()


def _sign_in(session: SmtpSession, probe: Probe) -> None:
    user = probe.auth_user or ""
    mechanism = probe.auth_mechanism.strip().upper()
    if mechanism != "LOGIN":
        session.authenticate(mechanism, sign_in=(user, probe.auth_password))
    elif session.authenticate("LOGIN").lines[0] == AUTH_USERNAME:
        session.auth_response(base64.b64encode(user.encode()).decode())
        session.auth_password(probe.auth_password)


def _result(session: SmtpSession, probe: Probe) -> SessionResult:
    sent = [outcome for outcome, _match in session.recipients]
    never = "the session never reached RCPT TO."
    recipients = tuple(sent) + tuple(RecipientOutcome(a, None, Fate.NOT_SENT, never) for a in probe.rcpts[len(sent) :])
    return SessionResult(
        selection=session.selection,
        identity=session.identity,
        rights=session.rights,
        transcript=tuple(session.transcript),
        mail_from=session.mail_reply,
        recipients=recipients,
        data=session.data_reply,
        reasons=tuple(r for r in session.reasons if r),
        disconnected=session.disconnected,
    )


__all__ = ["Probe", "RecipientOutcome", "SessionResult", "Simulator", "SmtpSession", "Step", "simulate"]
