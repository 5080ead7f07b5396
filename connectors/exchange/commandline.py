"""A live client's command lines (connectors/smtpserve.py feeds them): the line limits, reading each line onto
the session's command methods, and counting protocol errors towards MaxProtocolErrors.

The simulator calls the command methods directly (a Probe is never malformed); a live client sends text, and what
Exchange does with a bad line (500/501, then 421 after MaxProtocolErrors) is decided here. SmtpSession inherits
these methods, so the live endpoint still talks to one session object.
"""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.utils import getaddresses

from .receive_connector_properties import RECEIVE_CONNECTOR
from .replies import (
    INVALID_ARGUMENTS,
    LINE_TOO_LONG,
    MESSAGE_ID,
    TIMEOUT,
    TOO_MANY_ERRORS,
    UNRECOGNIZED_COMMAND,
    Reply,
)

# RFC 5321 §4.5.3.1.4: a command line, CRLF included; RFC 4954 §4 allows a SASL response line of 12,288 octets.
MAX_COMMAND_LINE = 512
MAX_AUTH_LINE = 12288


def _path(arg: str, keyword: str) -> tuple[str, dict[str, str]] | None:
    """`FROM:<a@b> SIZE=10` -> ("a@b", {"SIZE": "10"}); None when the syntax is wrong."""
    head, colon, rest = arg.partition(":")
    if not colon or head.strip().upper() != keyword:
        return None
    rest = rest.strip()
    if rest.startswith("<"):
        address, close, params = rest[1:].partition(">")
        if not close:
            return None
    else:
        address, _, params = rest.partition(" ")
    parameters = {}
    for item in params.split():
        name, _, value = item.partition("=")
        parameters[name.upper()] = value
    return address.strip(), parameters


def header_sender(head: bytes) -> str | None:
    """The address of the message's From header (the P2 sender), from its header block."""
    block = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]  # the header block only: bodies can be large
    headers = BytesHeaderParser().parsebytes(block)
    found = [address for _name, address in getaddresses(headers.get_all("From") or []) if address]
    return found[0] if found else None


class LiveClient:
    """The live-client half of SmtpSession (exchange/session.py): everything here reads or counts what a client
    sent; every decision about a command is the session's."""

    def command(self, line: str) -> Reply:
        """One command line from a live client (without CRLF): parse it and answer as Exchange does."""
        limit = MAX_AUTH_LINE if self._awaiting else MAX_COMMAND_LINE
        if len(line.encode("utf-8", "surrogateescape")) + 2 > limit:
            self._awaiting = None
            return self.line_too_long()
        if self._awaiting:
            return self.auth_response(line)
        verb, _, arg = line.strip().partition(" ")
        verb, arg = verb.upper(), arg.strip()
        if verb in ("EHLO", "HELO"):
            reply = self.ehlo(arg, verb)
            return self._counted(reply, line)
        if verb == "STARTTLS" and not arg:
            return self._counted(self.starttls(), line)
        if verb == "AUTH" and arg:
            mechanism, _, initial = arg.partition(" ")
            return self._counted(self.authenticate(mechanism, initial.strip() or None), line)
        if verb == "MAIL":
            return self._mail_command(line, arg)
        if verb == "RCPT":
            parsed = _path(arg, "TO")
            if parsed is None:
                return self._protocol_error(line, INVALID_ARGUMENTS)
            return self._counted(self.rcpt(parsed[0]), line)
        if verb == "DATA" and not arg:
            return self._counted(self.data(), line)
        if verb == "RSET":
            return self.rset()
        if verb == "NOOP":
            return self.noop()
        if verb == "QUIT":
            return self.quit()
        return self._protocol_error(line if line.isprintable() else repr(line), UNRECOGNIZED_COMMAND)

    def _mail_command(self, line: str, arg: str) -> Reply:
        parsed = _path(arg, "FROM")
        if parsed is None:
            return self._protocol_error(line, INVALID_ARGUMENTS)
        sender, parameters = parsed
        size = parameters.get("SIZE")
        if size is not None and not size.isdigit():
            return self._protocol_error(line, INVALID_ARGUMENTS)
        return self._counted(self.mail_from(sender, int(size) if size is not None else None), line)

    def _counted(self, reply: Reply, line: str) -> Reply:
        """Syntax and sequence errors (5.5.x) count towards MaxProtocolErrors."""
        if reply.lines[0][4:9] in ("5.5.2", "5.5.4") and not reply.close:
            self.protocol_errors += 1
            if self._too_many_errors():
                self.transcript.pop()
                return self._say(line, TOO_MANY_ERRORS, close=True)
        return reply

    def _protocol_error(self, client: str, reply: str) -> Reply:
        self.protocol_errors += 1
        if self._too_many_errors():
            return self._say(client, TOO_MANY_ERRORS, close=True)
        return self._say(client, reply)

    def _too_many_errors(self) -> bool:
        # None (Unlimited): never closed for protocol errors
        limit = (
            self.connector.max_protocol_errors
            if self.connector
            else RECEIVE_CONNECTOR.by_name("MaxProtocolErrors").default
        )
        if limit is None or self.protocol_errors <= limit:
            return False
        self.reasons.append(f"More than MaxProtocolErrors ({limit}) protocol errors.")
        return True

    def line_too_long(self) -> Reply:
        return self._protocol_error("(an over-long line)", LINE_TOO_LONG)

    def message_bytes(self, head: bytes, size: int, message_id: str = MESSAGE_ID) -> Reply:
        """End of data for a live client: `head` holds at least the message's header block."""
        return self.message(size, header_sender(head), f"<message of {size} bytes>", message_id)

    def timed_out(self) -> Reply:
        self.reasons.append(f"The client sent nothing for {self.inactivity_timeout} s (ConnectionInactivityTimeout).")
        return self._say(None, TIMEOUT, close=True)
