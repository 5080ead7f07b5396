"""Sessions rebuilt from SMTP Receive protocol log events: who connected where, as whom, and what Exchange answered.

Events of many sessions (and many servers) interleave; a session is keyed by its server (the first part of
connector-id, SERVER\\Connector) and session-id, kept while it is open (also from one file into the next) and
handed on the moment its `-` event arrives, so memory holds only the sessions open at once. Commands (`<`) wait in
a queue for their replies (`>`), which also reads pipelined commands right; a reply line whose code is followed by
`-` is the first line of a multi-line reply (how 2007/2010 log EHLO) and answers nothing by itself.
"""

from __future__ import annotations

import base64
import binascii
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .log_files import LogFileError
from .protocol_log import PERMISSION_NAMES, SET_SESSION_PERMISSIONS, Malformed, read_rows

# Exchange's Permission names back to the extended rights the model grants (unknown names are kept as logged).
RIGHT_OF_PERMISSION = {name.casefold(): right for right, name in PERMISSION_NAMES.items()}


def permission_rights(data: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """A Set Session Permissions value as (the receive rights it names, the names that are no receive right)."""
    rights, other = set(), []
    for name in data.split():
        if name == "None":  # Exchange's name for the empty set
            continue
        right = RIGHT_OF_PERMISSION.get(name.casefold())
        if right:
            rights.add(right)
        else:
            other.append(name)
    return frozenset(rights), tuple(other)


def split_endpoint(text: str) -> tuple[str, int]:
    """`10.0.0.5:25` / `[2001:db8::5]:25` -> (address, port); port 0 when there is none."""
    text = text.strip()
    if text.startswith("["):
        address, _, port = text[1:].partition("]")
        port = port.removeprefix(":")
    elif text.count(":") == 1:
        address, _, port = text.partition(":")
    else:
        address, port = text, ""
    return address, int(port) if port.isdigit() else 0


@dataclass(slots=True)
class Transaction:
    """One MAIL FROM and what followed it."""

    mail_from: str
    mail_reply: str = ""
    rcpts: list[tuple[str, str]] = field(default_factory=list)  # (address, the reply logged for it)
    data_reply: str = ""  # DATA's reply (354 or a refusal)
    final_reply: str = ""  # the reply at the end of the data


@dataclass(slots=True)
class ObservedSession:
    server: str
    connector_id: str
    session_id: str
    local_endpoint: str
    remote_endpoint: str
    source: str  # file:line of the session's first event
    start: str = ""
    end: str = ""
    banner: str = ""
    ehlo: str = ""
    tls: bool = False
    auth_mechanism: str = ""
    auth_account: str = ""
    authenticated: bool = False
    auth_reply: str = ""
    permissions: str | None = None  # the last Set Session Permissions value
    proxied_for: str = ""  # XPROXY IP=: this session is a Front End's proxy leg for that client
    transactions: list[Transaction] = field(default_factory=list)
    ended: str = ""  # the `-` event's context: Local, Remote; "" when the log stops first
    complete: bool = False  # both the + and the - event were seen

    @property
    def local(self) -> tuple[str, int]:
        return split_endpoint(self.local_endpoint)

    @property
    def remote_ip(self) -> str:
        return split_endpoint(self.remote_endpoint)[0]

    @property
    def rights(self) -> frozenset[str] | None:
        return None if self.permissions is None else permission_rights(self.permissions)[0]

    @property
    def example(self) -> str:
        return f"{self.session_id} ({self.source})"


class _Open:
    __slots__ = ("session", "pending", "current", "in_data", "auth_step", "seen_connect")

    def __init__(self, session: ObservedSession, seen_connect: bool):
        self.session = session
        self.pending: deque = deque()  # (verb, argument) of commands not answered yet
        self.current: Transaction | None = None
        self.in_data = False
        self.auth_step = 0  # > 0 while an AUTH exchange runs: the number of client answers so far
        self.seen_connect = seen_connect


def _address(argument: str) -> str:
    """`FROM:<a@b> SIZE=1` -> a@b"""
    _, _, rest = argument.partition(":")
    rest = rest.strip()
    if rest.startswith("<"):
        return rest[1:].partition(">")[0].strip()
    return rest.partition(" ")[0]


def _decoded_user(line: str) -> str:
    try:
        return base64.b64decode(line.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


class SessionBuilder:
    """Feed it event rows (protocol_log.read_rows order); it yields each session as it ends. `finish()` yields the
    sessions still open when the logs run out."""

    def __init__(self):
        self.open: dict[tuple[str, str], _Open] = {}

    def feed(self, row: list, source: str) -> ObservedSession | None:
        """One event row; the session it ends, if it ends one (or the session an unexpected `+` replaces)."""
        event = row[6]
        key = (row[1], row[2])
        state = self.open.get(key)
        if state is None or event == "+":
            return self._start(key, state, row, source)
        if event == ">":
            self._reply(state, row[7])
        elif event == "<":
            self._command(state, row[7])
        elif event == "*":
            self._information(state, row[7], row[8])
        else:  # "-"
            del self.open[key]
            session = state.session
            session.end = row[0]
            session.ended = row[8] or "Remote"
            session.complete = state.seen_connect
            return session
        return None

    def _start(self, key, state: _Open | None, row: list, source: str) -> ObservedSession | None:
        connector_id = row[1]
        session = ObservedSession(
            connector_id.partition("\\")[0], connector_id, row[2], row[4], row[5], f"{source}:{row[9]}", row[0]
        )
        if row[6] == "+":
            self.open[key] = _Open(session, True)
            return state.session if state is not None else None
        # The session began in a file we don't have: rebuild what the rest of it says.
        self.open[key] = _Open(session, False)
        return self.feed(row, source)

    def finish(self) -> Iterator[ObservedSession]:
        for state in self.open.values():
            yield state.session
        self.open = {}

    # --- events ----------------------------------------------------------------------------------------------------

    def _command(self, state: _Open, data: str) -> None:
        if state.auth_step:
            state.auth_step += 1
            if state.auth_step == 2 and state.session.auth_mechanism == "LOGIN" and not state.session.auth_account:
                state.session.auth_account = _decoded_user(data)
            state.pending.append(("AUTH-DATA", data))
            return
        verb, _, argument = data.strip().partition(" ")
        verb = verb.upper()
        session = state.session
        if verb in ("EHLO", "HELO"):
            session.ehlo = argument.strip()
        elif verb == "MAIL":
            state.current = Transaction(_address(argument))
            session.transactions.append(state.current)
        elif verb == "AUTH" or verb == "X-EXPS":
            mechanism, _, initial = argument.strip().partition(" ")
            session.auth_mechanism = "X-EXPS" if verb == "X-EXPS" else mechanism.upper()
            if session.auth_mechanism == "LOGIN" and initial and not session.auth_account:
                session.auth_account = _decoded_user(initial)
                state.auth_step = 1
        elif verb == "XPROXY":
            for item in argument.split():
                name, _, value = item.partition("=")
                if name.upper() == "IP":
                    session.proxied_for = value
        state.pending.append((verb, argument))

    def _reply(self, state: _Open, data: str) -> None:
        if len(data) > 3 and data[3] == "-":
            return  # the first lines of a multi-line reply; its last line ("250 ...") answers the command
        session = state.session
        if not state.pending and state.auth_step:  # Exchange logs no client line inside an AUTH exchange
            state.pending.append(("AUTH-DATA", ""))
        if not state.pending:
            if not session.banner:
                session.banner = data
            elif state.in_data and state.current is not None:
                state.current.final_reply = data
                state.in_data = False
            return
        verb, argument = state.pending.popleft()
        code = data[:3]
        if verb in ("AUTH", "X-EXPS", "AUTH-DATA"):
            if code == "334":
                state.auth_step = state.auth_step or 1
            else:
                state.auth_step = 0
                session.auth_reply = data
                session.authenticated = code == "235"
        elif verb in ("STARTTLS", "X-ANONYMOUSTLS"):
            session.tls = session.tls or code == "220"
        elif verb == "MAIL" and state.current is not None:
            state.current.mail_reply = data
        elif verb == "RCPT" and state.current is not None:
            state.current.rcpts.append((_address(argument), data))
        elif verb == "DATA" and state.current is not None:
            state.current.data_reply = data
            state.in_data = code == "354"
        elif verb == "BDAT" and state.current is not None and "LAST" in argument.upper():
            state.current.final_reply = data

    def _information(self, state: _Open, data: str, context: str) -> None:
        session = state.session
        if context == SET_SESSION_PERMISSIONS:
            session.permissions = data
        elif context.casefold() == "authenticated" and data:
            session.auth_account, session.authenticated = data, True
        elif "negotiation succeeded" in context and "TLS" in context:
            session.tls = True


@dataclass
class ReadReport:
    """What reading cost and what it found unusable."""

    lines: int = 0
    malformed: list[Malformed] = field(default_factory=list)
    malformed_count: int = 0
    files: list[str] = field(default_factory=list)
    MALFORMED_KEPT = 100  # listed one by one; the count goes on

    def bad(self, line: Malformed) -> None:
        self.malformed_count += 1
        if len(self.malformed) < self.MALFORMED_KEPT:
            self.malformed.append(line)


def sessions_of(
    items: Iterable, report: ReadReport, progress: Callable[[int], None] | None = None
) -> Iterator[ObservedSession]:
    """Sessions of log sources (log_files.LogSource, read in order), as they end, then those the logs stop in the
    middle of. `progress(bytes)` hears how far through the stored files the reading is."""
    builder = SessionBuilder()
    feed, bad = builder.feed, report.bad
    for item in items:
        name = item.name
        report.files.append(name)
        counted = [0]
        reported = 0
        row = None
        try:
            for row in read_rows(item.lines(), name, counted):
                if row.__class__ is not list:
                    bad(row)
                    continue
                done = feed(row, name)
                if done is not None:
                    yield done
                if progress is not None and not row[9] & 0x3FFF:
                    reported += _progress(progress, item, reported)
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as error:  # zlib: a corrupt .gz or zip member
            if row is None:  # not one line could be read
                raise LogFileError(f"{name}: can't be read ({error}).") from error
            bad(Malformed(name, 0, f"the rest of the file can't be read ({error})"))
        report.lines += counted[0]
        if progress is not None and item.size > reported:
            progress(item.size - reported)
    yield from builder.finish()


def _progress(progress, item, reported: int) -> int:
    position = min(item.position(), item.size)
    if position > reported:
        progress(position - reported)
        return position - reported
    return 0
