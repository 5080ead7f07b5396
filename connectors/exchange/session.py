"""One SMTP session as Exchange runs it, command by command (reference §7, §2, §6).

`SmtpSession` is the state machine behind both the simulator (smtp.Simulator drives it from a Probe) and the live
endpoint (connectors/smtpserve feeds it the lines a real client sends, through `command()`). Every decision, every
disconnect and every reason comes from here; the callers only carry bytes. Beside it: the words Exchange answers
with and the EHLO advertisement (exchange/replies.py), the sender checks and each recipient's fate at end of data
(exchange/delivery.py), and the reading of a live client's lines, their limits and MaxProtocolErrors
(exchange/commandline.py, which SmtpSession inherits).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from .acl import RightsResult, SessionIdentity
from .addresses import IPAddress
from .catalogue import (
    ACCEPT_ANY_RECIPIENT,
    ACCEPT_HEADERS_ORGANIZATION,
    BYPASS_ANTI_SPAM,
    BYPASS_MESSAGE_SIZE_LIMIT,
    SUBMIT,
    AuthMechanism,
)
from .commandline import LiveClient
from .delivery import RecipientOutcome, SenderCheck, domain_of, recipient_fate
from .domains import DomainMatch
from .fates import Fate
from .model import DomainType, PrincipalKind, Server
from .receive_connector_properties import RECEIVE_CONNECTOR
from .replies import (
    AUTH_ABORTED,
    AUTH_ALREADY,
    AUTH_FAILED,
    AUTH_OK,
    AUTH_PASSWORD,
    AUTH_UNRECOGNIZED,
    AUTH_USERNAME,
    BANNER_DATE,
    CLOSING,
    DOMAIN_SECURE_NOT_AUTHENTICATED,
    EHLO_NEEDS_DOMAIN,
    INVALID_ADDRESS,
    INVALID_DOMAIN,
    INVALID_SENDER,
    MESSAGE_ID,
    NEED_MAIL,
    NEED_RCPT,
    NO_SUBMIT,
    NOOP_OK,
    NOT_AUTHENTICATED,
    NOT_SUPPORTED_HERE,
    ONE_STARTTLS,
    RECIPIENT_OK,
    RESETTING,
    SEND_HELLO_FIRST,
    SENDER_ALREADY,
    SENDER_OK,
    START_MAIL_INPUT,
    STARTTLS_REQUIRED,
    TLS_READY,
    TOO_BIG,
    TOO_MANY_ERRORS,
    TOO_MANY_RECIPIENTS,
    UNABLE_TO_RELAY,
    UNRECOGNIZED_COMMAND,
    USER_UNKNOWN,
    Reply,
    Step,
    auth_mechanisms,
    ehlo_lines,
    exps_mechanisms,
    valid_helo,
)
from .selection import Selection

if TYPE_CHECKING:
    from .smtp import Simulator


class SmtpSession(LiveClient):
    """The state of one SMTP session; each command method returns Exchange's reply and records step and reasons."""

    def __init__(
        self,
        sim: Simulator,
        server: Server,
        selection: Selection,
        remote_ip: IPAddress,
        local_ip: IPAddress | None,
        port: int,
    ):
        self.sim = sim
        self.server = server
        self.selection = selection
        self.remote_ip = remote_ip
        self.local_ip = local_ip
        self.port = port
        self.connector = selection.connector
        self.auth = AuthMechanism(self.connector.auth_mechanism) if self.connector else AuthMechanism.NONE
        self.fqdn = (self.connector.fqdn if self.connector else "") or server.fqdn
        self.transcript: list[Step] = []
        self.reasons: list[str] = [selection.reason]
        self.identity: SessionIdentity | None = None
        self.rights: RightsResult | None = None
        self.tls = False
        self.greeted = False
        self.helo = ""
        self.authenticated = False
        self.disconnected = False
        self.mail_reply: str | None = None
        self.data_reply: str | None = None
        self.sender: str | None = None  # MAIL FROM of the open transaction
        self.last_sender: str | None = None  # MAIL FROM of the last message that reached end of data
        self.recipients: list[tuple[RecipientOutcome, DomainMatch | None]] = []  # this transaction's RCPTs
        self.delivered: tuple[RecipientOutcome, ...] = ()  # the fates of the last message taken
        self.in_data = False
        self.protocol_errors = 0
        self.logon_failures = 0
        self._login_user: str | None = None
        self._awaiting: str | None = None  # "user" | "password" while AUTH LOGIN waits for the client

    @property
    def refused(self) -> bool:
        return self.connector is None

    @property
    def inactivity_timeout(self) -> int:
        """ConnectionInactivityTimeout in seconds (a refused connection: the server's default)."""
        if self.connector is None:
            default = RECEIVE_CONNECTOR.by_name("ConnectionInactivityTimeout")
            return int(default.default_for(self.server.version, edge=self.server.is_edge).total_seconds())
        return int(self.connector.connection_inactivity_timeout.total_seconds())

    # --- bookkeeping ---------------------------------------------------------------------------------------------

    def _say(self, client: str | None, *lines: str, close: bool = False) -> Reply:
        self.transcript.append(Step(client, tuple(lines)))
        if close and not self.disconnected:
            self._drop()
        return Reply(tuple(lines), close)

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

    def _reset_transaction(self) -> None:
        self.sender = None
        self.recipients = []

    # --- connect, EHLO, STARTTLS ---------------------------------------------------------------------------------

    def connect(self, banner_date: str = BANNER_DATE) -> Reply | None:
        """The banner; None when no connector takes the connection (the client gets no session at all)."""
        if self.connector is None:
            self.disconnected = True
            endpoint = f"{self.local_ip}:{self.port}" if self.local_ip else f"port {self.port}"
            self.reasons.append(
                f"No SMTP session starts on {self.server.name} for {self.remote_ip} to {endpoint}: "
                "the client gets no banner (connection refused, or closed at once)."
            )
            return None
        banner = self.connector.banner or f"220 {self.fqdn} Microsoft ESMTP MAIL Service ready at {banner_date}"
        reply = self._say(None, banner)
        if self.auth & AuthMechanism.EXTERNAL_AUTHORITATIVE:
            self._set_identity(
                SessionIdentity.externally_secured(),
                "from the moment it connects, because AuthMechanism includes ExternalAuthoritative "
                "(the connection is presumed secured by other means)",
            )
        else:
            self._set_identity(SessionIdentity.anonymous(), "because every new connection starts anonymous")
        return reply

    def ehlo(self, helo: str, verb: str = "EHLO") -> Reply:
        client = f"{verb} {helo}".rstrip()
        if (
            self.connector is not None
            and self.connector.require_ehlo_domain
            and (not helo.strip() or helo.strip().startswith("["))
        ):
            self.reasons.append(f"{verb} refused: RequireEHLODomain is $true and '{helo}' gives no domain name.")
            return self._say(client, EHLO_NEEDS_DOMAIN, close=True)
        if not valid_helo(helo):
            self.reasons.append(f"{verb} refused: '{helo}' is not a domain name or an address literal.")
            return self._say(client, INVALID_DOMAIN)
        self.greeted = True
        self.helo = helo.strip()
        self._reset_transaction()
        if verb == "HELO":
            return self._say(client, f"250 {self.fqdn} Hello [{self.remote_ip}]")
        return self._say(client, *ehlo_lines(self.connector, self.server, self.fqdn, self.remote_ip, self.tls))

    def starttls(self) -> Reply:
        """220 means: start the TLS handshake now; the client then says EHLO again."""
        if not self.greeted:
            return self._say("STARTTLS", SEND_HELLO_FIRST)
        if self.tls:
            return self._say("STARTTLS", ONE_STARTTLS)
        if not self.auth & AuthMechanism.TLS:
            self.reasons.append(f"STARTTLS refused: Tls is not in the AuthMechanism of {self.connector.identity}.")
            return self._say("STARTTLS", UNRECOGNIZED_COMMAND)
        self.tls = True
        self.greeted = False  # RFC 3207 §4.2: the session starts over and the client must say EHLO again
        self._reset_transaction()
        self.reasons.append("STARTTLS succeeded; the client says EHLO again and the advertisement is recomputed.")
        return self._say("STARTTLS", TLS_READY)

    # --- AUTH ----------------------------------------------------------------------------------------------------

    def authenticate(self, mechanism: str, initial: str | None = None, *, sign_in=None) -> Reply:
        """AUTH (or X-EXPS). LOGIN runs its challenges through `auth_response`; the simulator models NTLM, GSSAPI
        and X-EXPS by passing `sign_in=(user, password)`; a live client gets NOT_SUPPORTED_HERE for those."""
        mechanism = mechanism.strip().upper()
        exps = mechanism == "X-EXPS"
        client = f"X-EXPS {exps_mechanisms(self.server)[0]}" if exps else f"AUTH {mechanism}"
        if not self.greeted:
            return self._say(client, SEND_HELLO_FIRST)
        if self.authenticated:
            return self._say(client, AUTH_ALREADY)
        offered = (
            bool(self.auth & AuthMechanism.EXCHANGE_SERVER)
            if exps
            else mechanism in auth_mechanisms(self.connector, self.tls)
        )
        if not offered:
            self.reasons.append(f"{client} refused: {self._not_offered_why(mechanism)}.")
            return self._say(client, AUTH_UNRECOGNIZED)
        if mechanism == "LOGIN":
            if initial is None:
                self._awaiting = "user"
                return self._say(client, AUTH_USERNAME)
            self._awaiting = "user"
            return self.auth_response(initial, client=f"{client} {initial}")
        if sign_in is None:
            self.reasons.append(
                f"{client}: Exchange would run the {mechanism} handshake here; this test endpoint has no domain "
                "controller, so it answers that the mechanism is not supported (the simulator models it)."
            )
            return self._say(client, NOT_SUPPORTED_HERE.format(mechanism=mechanism))
        user, password = sign_in
        return self._sign_in(client, mechanism, user or "", password)

    def auth_response(self, line: str, client: str | None = None) -> Reply:
        """One line the client sends while AUTH LOGIN waits: the user name, then the password (both base64)."""
        if line.strip() == "*":
            self._awaiting = None
            return self._say("*", AUTH_ABORTED)
        try:
            text = base64.b64decode(line.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            client = "********" if self._awaiting == "password" else line
            self._awaiting = None
            self.reasons.append("AUTH failed: the client's answer is not base64 text.")
            return self._failed_logon(client)
        if self._awaiting == "user":
            self._login_user = text
            self._awaiting = "password"
            return self._say(client or line, AUTH_PASSWORD)
        return self.auth_password(text)

    def auth_password(self, password: str | None) -> Reply:
        """The AUTH LOGIN password; None (simulator) means the client knows the right one."""
        self._awaiting = None
        return self._sign_in("********", "LOGIN", self._login_user or "", password)

    def _sign_in(self, client: str, mechanism: str, user: str, password: str | None) -> Reply:
        exps = mechanism == "X-EXPS"
        identity, failure = self._exps_identity(user) if exps else self._account_identity(user, password)
        rights = self.sim.rights(self.connector.acl, identity) if identity is not None else None
        if rights is not None and not rights.has(SUBMIT):
            failure = (
                f"the credentials of {identity.name} are valid, but it has no {SUBMIT} on "
                f"{self.connector.identity} ({rights.decisions[SUBMIT].reason}), "
                "and Exchange treats that as a failed logon"
            )
        if failure:
            self.reasons.append(f"AUTH failed: {failure}; the session stays {self.identity.name}.")
            return self._failed_logon(client)
        self.authenticated = True
        reply = self._say(client, AUTH_OK)
        self._set_identity(identity, f"after {mechanism} authentication as {user}")
        return reply

    def _failed_logon(self, client: str) -> Reply:
        self.logon_failures += 1
        limit = self.connector.max_logon_failures  # 0: the connection is never closed for failed logons
        if limit and self.logon_failures > limit:
            self.reasons.append(f"More than MaxLogonFailures ({limit}) failed logons.")
            return self._say(client, TOO_MANY_ERRORS, close=True)
        return self._say(client, AUTH_FAILED)

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

    def _account_identity(self, user: str, password: str | None) -> tuple[SessionIdentity | None, str]:
        principal = self.sim.principal(user)
        if principal is None:
            return None, f"there is no account '{user}' in the directory"
        if principal.kind is PrincipalKind.GROUP:
            return None, f"{principal.name} is a group, and only a user or computer account can sign in"
        wrong = password is not None and principal.smtp_password is not None
        if wrong and password != principal.smtp_password:
            return None, f"the password for {principal.name} is wrong"
        return SessionIdentity.account(principal.name, self.sim.org), ""

    def _exps_identity(self, user: str) -> tuple[SessionIdentity | None, str]:
        server = self.sim.exchange_server(user)
        if server is None:
            return None, f"'{user}' is not an Exchange server of the organisation, so Exchange Server auth fails"
        return SessionIdentity.exchange_server(server, self.sim.org.domain_netbios), ""

    # --- MAIL FROM -----------------------------------------------------------------------------------------------

    def mail_from(self, sender: str, size: int | None = None) -> Reply:
        client = f"MAIL FROM:<{sender}>" + (f" SIZE={size}" if size is not None else "")
        reply, close = self._mail_from_reply(sender, size)
        self.mail_reply = reply
        if reply == SENDER_OK:
            self.sender = sender
            self.recipients = []
        return self._say(client, reply, close=close)

    def _mail_from_reply(self, sender: str, size: int | None) -> tuple[str, bool]:
        if not self.greeted:
            self.reasons.append("MAIL FROM refused: the client has not said HELO/EHLO successfully.")
            return SEND_HELLO_FIRST, False
        if sender and "@" not in sender.strip("@"):
            self.reasons.append(f"MAIL FROM refused: '{sender}' is not a valid SMTP address (use <> for no sender).")
            return INVALID_SENDER, False
        if self.connector.require_tls and not self.tls:
            self.reasons.append(
                f"MAIL FROM refused: {self.connector.identity} has RequireTLS $true and the client did not STARTTLS."
            )
            return STARTTLS_REQUIRED, True
        if self.sender is not None:
            self.reasons.append("MAIL FROM refused: this transaction already has a sender (RSET starts over).")
            return SENDER_ALREADY, False
        domain = domain_of(sender)
        secure_list = {d.casefold() for d in self.sim.org.tls_receive_domain_secure_list}
        if self.connector.domain_secure_enabled and self.identity.kind == "anonymous" and domain in secure_list:
            if not self.tls:
                self.reasons.append(
                    f"MAIL FROM refused: {domain} is in TLSReceiveDomainSecureList and the connector has "
                    "DomainSecureEnabled, so the client must present its certificate over TLS (it did not STARTTLS)."
                )
                return DOMAIN_SECURE_NOT_AUTHENTICATED, False
            self._set_identity(
                SessionIdentity.partner(domain),
                f"because {domain} is a Domain Secure partner (TLSReceiveDomainSecureList, DomainSecureEnabled, "
                "mutual TLS)",
            )
        refusal = self._submit_refusal("MAIL FROM")
        if refusal:
            return refusal, True
        if self._too_big(size, "MAIL FROM SIZE="):
            return TOO_BIG, False
        self.reasons.append(f"MAIL FROM:<{sender}> accepted ({SUBMIT} held).")
        return SENDER_OK, False

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

    # --- RCPT TO -------------------------------------------------------------------------------------------------

    def rcpt(self, address: str) -> Reply:
        client = f"RCPT TO:<{address}>"
        if self.sender is None:
            return self._say(client, NEED_MAIL)
        accepted = sum(1 for outcome, _match in self.recipients if outcome.reply == RECIPIENT_OK)
        reply, why, match = self._rcpt(address, accepted)
        self.reasons.append(f"RCPT {address} {why}")
        fate = Fate.NOT_SENT if reply == RECIPIENT_OK else Fate.REJECTED
        self.recipients.append((RecipientOutcome(address, reply, fate, why), match))
        return self._say(client, reply)

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

    # --- DATA ----------------------------------------------------------------------------------------------------

    def data(self) -> Reply:
        """354 means: send the message now, then call `message`."""
        if self.sender is None:
            return self._say("DATA", NEED_MAIL)
        if not any(outcome.reply == RECIPIENT_OK for outcome, _match in self.recipients):
            return self._say("DATA", NEED_RCPT)
        self.in_data = True
        return self._say("DATA", START_MAIL_INPUT)

    def message(
        self, size: int | None, from_header: str | None, client: str | None = None, message_id: str = MESSAGE_ID
    ) -> Reply:
        """End of data: the Submit re-check, the sender checks (P1, P2), the size limit, then the queued reply."""
        self.in_data = False
        refusal = self._submit_refusal("DATA (end of headers)") or SenderCheck(self).refusal(from_header)
        if refusal is None and self._too_big(size, "DATA"):
            refusal = TOO_BIG
        if client is None:
            header = from_header or self.sender or ""
            client = f"From: <{header}> …" + (f" ({size} bytes)" if size is not None else "") + " ."
        self.data_reply = refusal or self._queued(message_id)
        outcomes = []
        for outcome, match in self.recipients:
            if outcome.reply == RECIPIENT_OK:
                if refusal:
                    why = "the message was refused at DATA."
                    outcome = RecipientOutcome(outcome.address, RECIPIENT_OK, Fate.NOT_SENT, why)
                else:
                    outcome = recipient_fate(self.sim, self.server, outcome.address, match)
                    self.reasons.append(f"{outcome.address}: {outcome.reason}")
            outcomes.append(outcome)
        self.delivered = () if refusal else tuple(o for o in outcomes if o.reply == RECIPIENT_OK)
        self.recipients = [(outcome, None) for outcome in outcomes]
        self.last_sender, self.sender = self.sender, None
        return self._say(client, self.data_reply)

    def _queued(self, message_id: str) -> str:
        self.reasons.append("DATA accepted: the message is queued for delivery.")
        return (
            f"250 2.6.0 <{message_id}@{self.fqdn}> [InternalId=1, Hostname={self.server.fqdn}] Queued mail for delivery"
        )

    # --- QUIT, RSET, NOOP -------------------------------------------------------------------------------------------

    def quit(self) -> Reply:
        """The client's goodbye: the connection closes, but Exchange did not drop it (`disconnected` stays False)."""
        self._say("QUIT", CLOSING)
        return Reply((CLOSING,), close=True)

    def rset(self) -> Reply:
        self._reset_transaction()
        return self._say("RSET", RESETTING)

    def noop(self) -> Reply:
        return self._say("NOOP", NOOP_OK)
