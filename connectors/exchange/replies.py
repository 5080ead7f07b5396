"""What Exchange says in an SMTP session: the reply texts, the EHLO advertisement and the shape of a reply.

The session (exchange/session.py) decides which reply a command gets and why; the words are here, once, so the
simulator, the live endpoint (connectors/smtpserve.py), the audit and the tests all read the same text.
"""

from __future__ import annotations

from dataclasses import dataclass

from .addresses import IPAddress
from .catalogue import AuthMechanism
from .model import ReceiveConnector, Server, TransportRole

# A fixed date keeps transcripts deterministic (tests, golden files, training answers).
BANNER_DATE = "Mon, 1 Jan 2024 09:00:00 +0000"
MESSAGE_ID = "00000000-0000-0000-0000-000000000001"

SEND_HELLO_FIRST = "503 5.5.2 Send hello first"
UNRECOGNIZED_COMMAND = "500 5.3.3 Unrecognized command"
INVALID_DOMAIN = "501 5.5.4 Invalid domain name"
INVALID_ARGUMENTS = "501 5.5.4 Invalid arguments"
LINE_TOO_LONG = "500 5.5.2 Line too long"
TLS_READY = "220 2.0.0 SMTP server ready"
ONE_STARTTLS = "503 5.5.2 Only one STARTTLS command can be issued per session"
AUTH_OK = "235 2.7.0 Authentication successful"
AUTH_FAILED = "535 5.7.3 Authentication unsuccessful"
AUTH_UNRECOGNIZED = "504 5.7.4 Unrecognized authentication type"
AUTH_ALREADY = "503 5.5.2 Auth command already specified"
AUTH_ABORTED = "501 5.7.0 Authentication aborted"
AUTH_USERNAME = "334 VXNlcm5hbWU6"  # base64 "Username:"
AUTH_PASSWORD = "334 UGFzc3dvcmQ6"  # base64 "Password:"
STARTTLS_REQUIRED = "451 5.7.3 STARTTLS is required to send mail"
DOMAIN_SECURE_NOT_AUTHENTICATED = "530 5.7.1 Not authenticated"
NOT_AUTHENTICATED = "530 5.7.1 Client was not authenticated"
NO_SUBMIT = "550 5.7.1 Client does not have permissions to submit to this server"
TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
SENDER_OK = "250 2.1.0 Sender OK"
SENDER_ALREADY = "503 5.5.2 Sender already specified"
NEED_MAIL = "503 5.5.2 Need mail command"
NEED_RCPT = "503 5.5.2 Need rcpt command"
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
RESETTING = "250 2.0.0 Resetting"
NOOP_OK = "250 2.0.0 OK"
CLOSING = "221 2.0.0 Service closing transmission channel"
TOO_MANY_ERRORS = "421 4.7.0 Too many errors on this connection, closing transmission channel"
TIMEOUT = "451 4.7.0 Timeout waiting for client input"
# Exchange runs NTLM/Kerberos here; a test endpoint without a domain controller cannot (docs/decisions.md).
NOT_SUPPORTED_HERE = "504 5.7.4 {mechanism} is not supported by this test endpoint (exchsim); use AUTH LOGIN"

EHLO_NEEDS_DOMAIN = "501 5.0.0 EHLO requires domain address"


@dataclass(frozen=True)
class Step:
    client: str | None  # None for what the server says unprompted (the banner)
    server: tuple[str, ...]  # reply lines, code first


@dataclass(frozen=True)
class Reply:
    """What the server answers one command: its lines, and whether Exchange then closes the connection."""

    lines: tuple[str, ...]
    close: bool = False

    @property
    def code(self) -> int:
        return int(self.lines[0][:3])


def ehlo_lines(
    connector: ReceiveConnector, server: Server, fqdn: str, remote_ip: IPAddress, tls: bool
) -> tuple[str, ...]:
    """The 250 reply to EHLO: the greeting, then each keyword as its connector property says (reference §7.3,
    docs/decisions.md); `tls` is whether the session already ran STARTTLS."""
    auth = AuthMechanism(connector.auth_mechanism)
    lines = [f"{fqdn} Hello [{remote_ip}]"]
    if connector.size_enabled == "Enabled":
        lines.append(f"SIZE {connector.max_message_size}")
    elif connector.size_enabled == "EnabledWithoutValue":
        lines.append("SIZE")
    lines += [
        keyword
        for keyword, on in (
            ("PIPELINING", connector.pipelining_enabled),
            ("DSN", connector.delivery_status_notification_enabled),
            ("ENHANCEDSTATUSCODES", connector.enhanced_status_codes_enabled),
        )
        if on
    ]
    if not tls:
        if auth & AuthMechanism.TLS:
            lines.append("STARTTLS")
        if auth & AuthMechanism.EXCHANGE_SERVER and not connector.suppress_x_anonymous_tls:
            lines.append("X-ANONYMOUSTLS")
    if mechanisms := auth_mechanisms(connector, tls):
        lines.append("AUTH " + " ".join(mechanisms))
    if auth & AuthMechanism.EXCHANGE_SERVER:
        lines.append("X-EXPS " + " ".join(exps_mechanisms(server)))
    # XLONGADDR only in the Transport service of a Mailbox server (LongAddressesEnabled, P-NRC).
    long_addresses = connector.long_addresses_enabled and connector.transport_role is TransportRole.HUB
    lines += [
        keyword
        for keyword, on in (
            ("8BITMIME", connector.eight_bit_mime_enabled),
            ("BINARYMIME", connector.binary_mime_enabled and connector.chunking_enabled),
            ("CHUNKING", connector.chunking_enabled),
            ("XLONGADDR", long_addresses and not server.is_edge),
            ("XORAR", connector.orar_enabled),
            ("XRDST", True),
        )
        if on
    ]
    return tuple(f"250-{line}" for line in lines[:-1]) + (f"250 {lines[-1]}",)


def auth_mechanisms(connector: ReceiveConnector, tls: bool) -> list[str]:
    """The AUTH mechanisms the connector offers now (LOGIN waits for TLS under BasicAuthRequireTLS)."""
    auth = AuthMechanism(connector.auth_mechanism)
    mechanisms = []
    if auth & AuthMechanism.INTEGRATED:
        mechanisms += ["GSSAPI", "NTLM"] if connector.enable_auth_gssapi else ["NTLM"]
    if auth & AuthMechanism.BASIC_AUTH and (tls or not auth & AuthMechanism.BASIC_AUTH_REQUIRE_TLS):
        mechanisms.append("LOGIN")
    return mechanisms


def exps_mechanisms(server: Server) -> list[str]:
    """X-EXPS (Exchange Server authentication): only a "bridgehead" (taken to be every non-Edge server) offers
    Kerberos."""
    return ["NTLM"] if server.is_edge else ["GSSAPI", "NTLM"]


def valid_helo(helo: str) -> bool:
    """A domain name or an address literal ([10.0.0.5]), as EHLO/HELO must give."""
    text = helo.strip()
    if text.startswith("[") and text.endswith("]"):
        return len(text) > 2
    labels = text.split(".")
    return bool(text) and all(label and all(c.isalnum() or c in "-_" for c in label) for label in labels)
