"""The live SMTP endpoint's transport: aiosmtpd carries the bytes, the engine's SmtpSession decides everything.

Each accepted TCP connection becomes an `ExchangeSMTP` protocol (an aiosmtpd.smtp.SMTP) that hands every command
line to SmtpSession.command() (exchange/commandline.py) and writes back its reply; STARTTLS is real TLS (aiosmtpd's
upgrade), DATA is read here (dot-unstuffed, counted, kept up to a cap) and judged by SmtpSession.message_bytes().
Nothing is ever sent onward. XCLIENT (Postfix's test command, off unless asked for) lets a local client stand for
any address. No Django here: the management command (smtpserve) supplies the lab, the message store and the
heartbeat.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import ipaddress
import logging
import ssl
import tempfile
import uuid
from asyncio import sslproto
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.smtp import SMTP, TLSSetupException

from .exchange.protocol_log import (
    CONNECT,
    DISCONNECT,
    INFORMATION,
    RECEIVE,
    SEND,
    SET_SESSION_PERMISSIONS,
    ProtocolLogWriter,
    SessionLog,
    endpoint,
    permissions_data,
    reply_data,
)
from .exchange.replies import BANNER_DATE, MESSAGE_ID, TLS_READY, Reply
from .exchange.session import RecipientOutcome, SmtpSession
from .exchange.smtp import Simulator

log = logging.getLogger(__name__)

XCLIENT_BANNER = "220-exchsim test endpoint: XCLIENT is on (a Postfix command; real Exchange has no XCLIENT)"
XCLIENT_EHLO = "250-XCLIENT ADDR NAME HELO"
XCLIENT_BAD = "501 5.5.4 Bad XCLIENT syntax: use XCLIENT ADDR=<IPv4 or IPV6:address>"
XCLIENT_IN_TRANSACTION = "503 5.5.1 Error: MAIL transaction in progress"
READ_LIMIT = 64 * 1024  # the stream reader's line buffer; a longer command line is read and discarded


@dataclass(frozen=True)
class Listener:
    """A real TCP listener (host:port) standing for the modelled server endpoint (ip:port)."""

    host: str
    port: int
    modelled_ip: str
    modelled_port: int

    @classmethod
    def parse(cls, text: str) -> Listener:
        """`127.0.0.1:2525=10.0.0.10:25` (IPv6 in brackets: `[::1]:2525=[fd00::10]:25`)."""
        real, equals, modelled = text.partition("=")
        if not equals:
            raise ValueError(f"'{text}' is not HOST:PORT=IP:PORT (e.g. 127.0.0.1:2525=10.0.0.10:25).")
        host, port = _host_port(real, text, lowest=0)  # port 0: the system picks a free one
        ip, modelled_port = _host_port(modelled, text, lowest=1)
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise ValueError(f"'{ip}' in '{text}' is not an IP address (the modelled server's address).") from None
        return cls(host, port, ip, modelled_port)

    def __str__(self) -> str:
        return f"{endpoint(self.host, self.port)}={endpoint(self.modelled_ip, self.modelled_port)}"


def _host_port(text: str, whole: str, lowest: int) -> tuple[str, int]:
    host, colon, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not colon or not host or not port.isdigit() or not lowest <= int(port) < 65536:
        raise ValueError(f"'{text}' in '{whole}' is not HOST:PORT with a port from {lowest} to 65535.")
    return host, int(port)


@dataclass(frozen=True)
class AcceptedMessage:
    """A message the engine queued: what the Received mail page shows. Nothing is ever sent onward."""

    message_id: str
    received_at: dt.datetime
    server: str
    connector: str
    local_endpoint: str
    remote_ip: str
    helo: str
    identity: str
    mail_from: str
    recipients: tuple[RecipientOutcome, ...]
    size: int
    content: bytes  # the first `keep_bytes` bytes of the message
    truncated: bool


@dataclass
class Endpoint:
    """What every connection of one `smtpserve` run shares."""

    simulator: Simulator
    server: str
    remote_ip: str | None = None
    xclient: bool = False
    tls_context: ssl.SSLContext | None = None
    log_writer: ProtocolLogWriter | None = None
    on_message: Callable[[AcceptedMessage], None] | None = None
    keep_bytes: int = 1024 * 1024
    inactivity_timeout: float | None = None  # None: the engine's ConnectionInactivityTimeout
    deterministic: bool = False  # the simulator's fixed banner date and message id (tests compare transcripts)
    sessions: int = 0
    errors: int = 0
    active: set = field(default_factory=set)

    def banner_date(self) -> str:
        if self.deterministic:
            return BANNER_DATE
        return email.utils.format_datetime(dt.datetime.now(dt.UTC)).replace("-0000", "+0000")

    def message_id(self) -> str:
        return MESSAGE_ID if self.deterministic else str(uuid.uuid4())


class ExchangeSMTP(SMTP):
    """One client connection. aiosmtpd's protocol handles the socket, TLS and the timer; the engine answers."""

    line_length_limit = READ_LIMIT

    def __init__(self, config: Endpoint, listener: Listener):
        super().__init__(
            handler=None,
            hostname=config.simulator.org.server(config.server).fqdn,
            tls_context=config.tls_context,
            timeout=config.inactivity_timeout or 300,
            data_size_limit=None,
            enable_SMTPUTF8=True,
            loop=asyncio.get_running_loop(),
        )
        self.config = config
        self.listener = listener
        self.engine: SmtpSession | None = None
        self.session_log: SessionLog | None = None
        self._closed_by_server = False

    # --- aiosmtpd's hooks --------------------------------------------------------------------------------------

    def _timeout_cb(self):
        if self.engine is not None and self.transport is not None and not self.engine.in_data:
            self._send_now(self.engine.timed_out())
        self._closed_by_server = True
        super()._timeout_cb()

    async def _handle_client(self) -> None:
        self.config.sessions += 1
        self.config.active.add(self)
        try:
            await self._serve()
        except asyncio.CancelledError:
            raise
        except (ConnectionError, TLSSetupException, asyncio.IncompleteReadError):
            pass
        except Exception:  # a bug must cost one session, never the endpoint
            self.config.errors += 1
            log.exception("SMTP session failed")
            self._close()
        finally:
            self.config.active.discard(self)
            self._finish_log()

    # --- the session ---------------------------------------------------------------------------------------------

    async def _serve(self) -> None:
        peer_ip, peer_port = self.session.peer[:2]
        if not await self._start_session(self.config.remote_ip or peer_ip, peer_port):
            return
        while self.transport is not None:
            line = await self._read_command()
            if line is None:
                reply = self._engine_call(self.engine.line_too_long)
            elif self.config.xclient and line[:8].upper() in ("XCLIENT", "XCLIENT "):
                await self._xclient(line, peer_port)
                continue
            else:
                reply = self._engine_call(self.engine.command, line)
            await self._reply(reply)
            if reply.close:
                self._close()
                return
            if reply.lines[0] == TLS_READY:
                await self._start_tls()
            elif self.engine.in_data:
                await self._receive_message()

    async def _start_session(self, remote_ip: str, peer_port: int) -> bool:
        listener = self.listener
        self.engine = self.config.simulator.session(
            self.config.server, remote_ip, listener.modelled_ip, listener.modelled_port
        )
        if self.config.inactivity_timeout is None:
            self._timeout_duration = self.engine.inactivity_timeout
            self._reset_timeout()
        connector = self.engine.connector.identity if self.engine.connector else "(no connector)"
        local = endpoint(listener.modelled_ip, listener.modelled_port)
        remote = endpoint(remote_ip, peer_port)
        if self.session_log is None:
            self.session_log = SessionLog(self.config.log_writer, connector, local, remote)
            self.session_log.add(CONNECT)
        else:
            self.session_log.connector_id, self.session_log.remote = connector, remote
        banner = self.engine.connect(self.config.banner_date())
        if banner is None:
            self.session_log.add(INFORMATION, "", self.engine.reasons[-1])
            self._close()
            return False
        self._log_new_steps(0)
        self._log_permissions()
        prefix = (XCLIENT_BANNER,) if self.config.xclient else ()
        await self._push_lines(prefix + banner.lines)
        return True

    def _engine_call(self, method, *args) -> Reply:
        before, rights = len(self.engine.transcript), self.engine.rights
        reply = method(*args)
        self._log_new_steps(before)
        if self.engine.rights is not rights:
            self._log_permissions()
        return reply

    async def _reply(self, reply: Reply) -> None:
        lines = reply.lines
        if self.config.xclient and len(lines) > 1 and lines[0].startswith("250-") and " Hello [" in lines[0]:
            lines = (*lines[:-1], XCLIENT_EHLO, lines[-1])
        await self._push_lines(lines)

    async def _push_lines(self, lines) -> None:
        self._writer.write("".join(f"{line}\r\n" for line in lines).encode("utf-8"))
        await self._writer.drain()

    def _send_now(self, reply: Reply) -> None:
        self._log_new_steps(len(self.engine.transcript) - 1)
        self._writer.write("".join(f"{line}\r\n" for line in reply.lines).encode("utf-8"))

    async def _read_command(self) -> str | None:
        """The next line without CRLF; None when it was longer than READ_LIMIT (read and thrown away)."""
        try:
            raw = await self._reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as overrun:
            await self._reader.read(overrun.consumed)
            while True:
                try:
                    await self._reader.readuntil(b"\n")
                    break
                except asyncio.LimitOverrunError as more:
                    await self._reader.read(more.consumed)
            self._reset_timeout()
            return None
        self._reset_timeout()
        return raw.rstrip(b"\r\n").decode("utf-8", "surrogateescape")

    async def _receive_message(self) -> None:
        keep, kept, size, at_line_start = self.config.keep_bytes, bytearray(), 0, True
        while True:
            try:
                chunk = await self._reader.readuntil(b"\n")
            except asyncio.LimitOverrunError as overrun:
                chunk = await self._reader.read(overrun.consumed)
            self._reset_timeout()
            if at_line_start and chunk in (b".\r\n", b".\n"):
                break
            if at_line_start and chunk.startswith(b"."):
                chunk = chunk[1:]
            at_line_start = chunk.endswith(b"\n")
            size += len(chunk)
            if len(kept) < keep:
                kept += chunk[: keep - len(kept)]
        message_id = self.config.message_id()
        reply = self._engine_call(self.engine.message_bytes, bytes(kept), size, message_id)
        if reply.code == 250 and self.config.on_message:
            self.config.on_message(self._accepted(message_id, bytes(kept), size))
        await self._reply(reply)
        if reply.close:
            self._close()

    def _accepted(self, message_id: str, content: bytes, size: int) -> AcceptedMessage:
        engine = self.engine
        return AcceptedMessage(
            message_id=message_id,
            received_at=dt.datetime.now(dt.UTC),
            server=engine.server.name,
            connector=engine.connector.identity,
            local_endpoint=self.session_log.local,
            remote_ip=engine.remote_ip.text,
            helo=engine.helo,
            identity=engine.identity.name,
            mail_from=engine.last_sender or "",
            recipients=tuple(outcome for outcome, _match in engine.recipients),
            size=size,
            content=content,
            truncated=size > len(content),
        )

    async def _start_tls(self) -> None:
        """aiosmtpd's STARTTLS upgrade (smtp_STARTTLS without its own reply: the engine already answered)."""
        waiter = self.loop.create_future()
        self._tls_protocol = sslproto.SSLProtocol(self.loop, self, self.tls_context, waiter, server_side=True)
        self._original_transport = self.transport
        self._original_transport.set_protocol(self._tls_protocol)
        self.transport = self._tls_protocol._app_transport
        self._tls_protocol.connection_made(self._original_transport)
        try:
            await waiter
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.session_log.add(INFORMATION, "", f"TLS negotiation failed: {error}")
            self._close()
            raise TLSSetupException() from error
        cipher = self.transport.get_extra_info("cipher") or ("?", "?", 0)
        self.session_log.add(INFORMATION, "", f"TLS protocol {cipher[1]} negotiation succeeded using {cipher[0]}")

    async def _xclient(self, line: str, peer_port: int) -> None:
        """XCLIENT ADDR=x: the session starts over as if x had connected (Postfix semantics: a fresh 220)."""
        self.session_log.add(RECEIVE, line)
        if self.engine.sender is not None:
            return await self._push_logged(XCLIENT_IN_TRANSACTION)
        attributes = dict(item.partition("=")[::2] for item in line.split()[1:])
        address = attributes.get("ADDR", "").removeprefix("IPV6:").removeprefix("ipv6:")
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return await self._push_logged(XCLIENT_BAD)
        self.session_log.add(INFORMATION, f"XCLIENT ADDR={address}", "the session now stands for that client")
        await self._start_session(address, peer_port)

    async def _push_logged(self, line: str) -> None:
        self.session_log.add(SEND, line)
        await self._push_lines((line,))

    # --- log and close -------------------------------------------------------------------------------------------

    def _log_new_steps(self, start: int) -> None:
        for step in self.engine.transcript[start:]:
            if step.client is not None:
                event = INFORMATION if step.client.startswith("<message of") else RECEIVE
                self.session_log.add(event, step.client)
            self.session_log.add(SEND, reply_data(step.server))

    def _log_permissions(self) -> None:
        if self.engine.rights is not None:
            self.session_log.add(
                INFORMATION, permissions_data(self.engine.rights.allowed_rights), SET_SESSION_PERMISSIONS
            )

    def _close(self) -> None:
        self._closed_by_server = True
        if self.transport is not None:
            self.transport.close()

    def _finish_log(self) -> None:
        if self.session_log is not None:
            self.session_log.add(DISCONNECT, "", "Local" if self._closed_by_server else "Remote")
            self.session_log.flush()
            self.session_log = None


# --- certificates and serving ---------------------------------------------------------------------------------------


def self_signed_certificate(names: list[str], directory: Path) -> tuple[Path, Path]:
    """A fresh key and self-signed certificate for `names` (the first is the subject), valid for a year."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in dict.fromkeys(names)]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "endpoint.crt", directory / "endpoint.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def tls_context(names: list[str], cert_file: str | None = None, key_file: str | None = None):
    """The server's TLS context and its certificate's SHA-256 fingerprint; self-signed for `names` if no files."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if cert_file:
        context.load_cert_chain(cert_file, key_file)
        pem = Path(cert_file).read_text()
    else:
        with tempfile.TemporaryDirectory() as folder:
            cert_path, key_path = self_signed_certificate(names, Path(folder))
            context.load_cert_chain(cert_path, key_path)
            pem = cert_path.read_text()
    der = ssl.PEM_cert_to_DER_cert(pem)
    digest = hashlib.sha256(der).hexdigest().upper()
    return context, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


async def start_listeners(config: Endpoint, listeners: list[Listener]) -> list[asyncio.AbstractServer]:
    loop = asyncio.get_running_loop()
    servers = []
    for listener in listeners:
        factory = lambda listener=listener: ExchangeSMTP(config, listener)  # noqa: E731
        servers.append(await loop.create_server(factory, listener.host, listener.port))
    return servers
