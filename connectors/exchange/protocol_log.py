"""Exchange's SMTP Receive protocol log: the format, declared once, with a writer and a reader.

Format (MicrosoftDocs/OfficeDocs-Exchange, Exchange/ExchangeServer/mail-flow/connectors/protocol-logging.md): CSV
files named RECVyyyymmdd-n.LOG, each opening with #Software, #Version, #Log-type, #Date and #Fields header lines; one
line per event with the fields below; `event` is + (connect), - (disconnect), > (send), < (receive) or * (information).
Choices the docs leave open are in docs/decisions.md ("Protocol log").
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .catalogue import (
    ACCEPT_ANY_RECIPIENT,
    ACCEPT_ANY_SENDER,
    ACCEPT_AUTHENTICATION_FLAG,
    ACCEPT_AUTHORITATIVE_DOMAIN_SENDER,
    ACCEPT_EXCH50,
    ACCEPT_HEADERS_FOREST,
    ACCEPT_HEADERS_ORGANIZATION,
    ACCEPT_HEADERS_ROUTING,
    ACCEPT_XATTR,
    ACCEPT_XMESSAGECONTEXT_ADRECIPIENTCACHE,
    ACCEPT_XMESSAGECONTEXT_EXTENDEDPROPERTIES,
    ACCEPT_XMESSAGECONTEXT_FASTINDEX,
    ACCEPT_XPROXYFROM,
    ACCEPT_XSESSIONPARAMS,
    ACCEPT_XSHADOW,
    ACCEPT_XSYSPROBE,
    BYPASS_ANTI_SPAM,
    BYPASS_MESSAGE_SIZE_LIMIT,
    SUBMIT,
)

FIELDS = (
    "date-time",
    "connector-id",
    "session-id",
    "sequence-number",
    "local-endpoint",
    "remote-endpoint",
    "event",
    "data",
    "context",
)
SOFTWARE = "Microsoft Exchange Server"
VERSION = "15.0.0.0"
LOG_TYPE = "SMTP Receive Protocol Log"
CONNECT, DISCONNECT, SEND, RECEIVE, INFORMATION = "+", "-", ">", "<", "*"
EVENTS = (CONNECT, DISCONNECT, SEND, RECEIVE, INFORMATION)
MAX_FILE_SIZE = 10 * 1024 * 1024  # Set-TransportService -ReceiveProtocolLogMaxFileSize default
SET_SESSION_PERMISSIONS = "Set Session Permissions"

# The names Exchange writes in its "Set Session Permissions" events (its internal Permission enum).
PERMISSION_NAMES = {
    SUBMIT: "SMTPSubmit",
    ACCEPT_ANY_RECIPIENT: "SMTPAcceptAnyRecipient",
    ACCEPT_AUTHENTICATION_FLAG: "SMTPAcceptAuthenticationFlag",
    ACCEPT_ANY_SENDER: "SMTPAcceptAnySender",
    ACCEPT_AUTHORITATIVE_DOMAIN_SENDER: "SMTPAcceptAuthoritativeDomainSender",
    BYPASS_ANTI_SPAM: "BypassAntiSpam",
    BYPASS_MESSAGE_SIZE_LIMIT: "BypassMessageSizeLimit",
    ACCEPT_EXCH50: "SMTPAcceptEXCH50",
    ACCEPT_HEADERS_ROUTING: "AcceptRoutingHeaders",
    ACCEPT_HEADERS_FOREST: "AcceptForestHeaders",
    ACCEPT_HEADERS_ORGANIZATION: "AcceptOrgHeaders",
    ACCEPT_XSHADOW: "SMTPAcceptXShadow",
    ACCEPT_XPROXYFROM: "SMTPAcceptXProxyFrom",
    ACCEPT_XSESSIONPARAMS: "SMTPAcceptXSessionParams",
    ACCEPT_XMESSAGECONTEXT_ADRECIPIENTCACHE: "SMTPAcceptXMessageContextADRecipientCache",
    ACCEPT_XMESSAGECONTEXT_EXTENDEDPROPERTIES: "SMTPAcceptXMessageContextExtendedProperties",
    ACCEPT_XMESSAGECONTEXT_FASTINDEX: "SMTPAcceptXMessageContextFastIndex",
    ACCEPT_XATTR: "SMTPAcceptXAttr",
    ACCEPT_XSYSPROBE: "SMTPAcceptXSysProbe",
}


@dataclass(frozen=True)
class LogEvent:
    date_time: str
    connector_id: str
    session_id: str
    sequence_number: int
    local_endpoint: str
    remote_endpoint: str
    event: str
    data: str
    context: str

    def values(self) -> tuple:
        return (
            self.date_time,
            self.connector_id,
            self.session_id,
            self.sequence_number,
            self.local_endpoint,
            self.remote_endpoint,
            self.event,
            self.data,
            self.context,
        )


_second = [0, ""]  # the last whole second formatted: strftime per event is a tenth of a live session's cost


def timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 UTC with milliseconds: 2024-01-01T09:00:00.000Z."""
    if moment is not None:
        moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    now = time.time()
    second = int(now)
    if _second[0] != second:
        _second[:] = [second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S.")]
    return f"{_second[1]}{int((now - second) * 1000):03d}Z"


def endpoint(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def reply_data(lines: Iterable[str]) -> str:
    """A reply as one `data` value: a multi-line reply is joined the way Exchange logs EHLO ("250  a b c")."""
    lines = list(lines)
    if len(lines) == 1:
        return lines[0]
    return f"{lines[0][:3]}  " + " ".join(line[4:] for line in lines)


def permissions_data(allowed_rights: Iterable[str]) -> str:
    return " ".join(PERMISSION_NAMES.get(right, right) for right in allowed_rights)


def header_lines(created: datetime | None = None) -> list[str]:
    return [
        f"#Software: {SOFTWARE}",
        f"#Version: {VERSION}",
        f"#Log-type: {LOG_TYPE}",
        f"#Date: {timestamp(created)}",
        "#Fields: " + ",".join(FIELDS),
    ]


def format_event(event: LogEvent) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(event.values())
    return out.getvalue()


def parse(lines: Iterable[str]) -> Iterator[LogEvent]:
    """Events of a log file's lines (header lines skipped, malformed lines dropped)."""
    for row in read_rows(lines):
        if isinstance(row, list):
            number = row[3]
            yield LogEvent(*row[:3], int(number) if number.isdigit() else 0, *row[4:9])


# --- Reading: the #Fields line drives the columns ----------------------------------------------------------------


@dataclass(frozen=True)
class Malformed:
    """A line the reader could not use: counted and reported, never a reason to stop."""

    source: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.problem}"


_EVENT_SET = frozenset(EVENTS)
_REQUIRED = ("session-id", "event")


def _column_picker(names: list[str]):
    """A function from a split row (in the file's #Fields order) to the row in FIELDS order, or None when the file
    names the fields in FIELDS order already (the usual case: no reordering at all)."""
    if names == list(FIELDS):
        return None
    where = {name.strip().casefold(): index for index, name in enumerate(names)}
    picks = [where.get(name, -1) for name in FIELDS]
    return lambda row: [row[i] if i >= 0 else "" for i in picks]


def read_rows(lines: Iterable[str], source: str = "", counted: list | None = None) -> Iterator[list[str] | Malformed]:
    """Stream a protocol log file: each event as a list of the nine FIELDS values (plus, at index 9, the line
    number), or a Malformed line. The file's own #Fields line decides which column is which (a file without one is
    read in the documented order); values are CSV, quoted as Exchange quotes them (a value with a comma or a quote
    is enclosed in quotes, its quotes doubled). `counted[0]` is set to the number of lines read, blank and header
    lines included. The hot loop of a replay: a line without a quote is split as it is (twice as fast as the csv
    module on the whole stream); a quoted one goes through csv."""
    width, pick, events = len(FIELDS), None, _EVENT_SET
    number = 0
    for number, line in enumerate(lines, 1):  # noqa: B007 (reported after the loop)
        line = line.rstrip("\r\n")
        if not line:
            continue
        if line[0] == "#" or line[:2] == "\ufeff#":
            header = line.lstrip("\ufeff")
            if header[:8].casefold() == "#fields:":
                problem, width, pick = _fields(header)
                if problem:
                    yield Malformed(source, number, problem)
            continue
        if '"' in line:
            try:
                row = next(csv.reader((line,), strict=True))
            except csv.Error as error:
                yield Malformed(source, number, f"not valid CSV ({error})")
                continue
        else:
            row = line.split(",")
        if len(row) != width:
            yield Malformed(source, number, f"{len(row)} fields where the #Fields line names {width}")
            continue
        if pick is not None:
            row = pick(row)
        if row[6] not in events:
            yield Malformed(source, number, f"unknown event '{row[6][:20]}' (expected one of + - > < *)")
            continue
        if not row[2]:
            yield Malformed(source, number, "no session-id")
            continue
        row.append(number)
        yield row
    if counted is not None:
        counted[0] = number


def _fields(header: str) -> tuple[str, int, object]:
    names = [name.strip() for name in header[8:].split(",")]
    missing = [name for name in _REQUIRED if name not in {n.casefold() for n in names}]
    if missing:
        return f"the #Fields line names no {', '.join(missing)} field", len(FIELDS), None
    return "", len(names), _column_picker(names)


_session_counter = itertools.count(int(time.time() * 1000) << 12)


def new_session_id() -> str:
    """16 hex digits, increasing, as Exchange's session ids look in practice (08D675E58CA1DA38)."""
    return f"{next(_session_counter) & 0xFFFFFFFFFFFFFFFF:016X}"


class ProtocolLogWriter:
    """Appends events to RECVyyyymmdd-n.LOG files in `directory`, starting a new file past `max_file_size`."""

    def __init__(self, directory: str | os.PathLike, max_file_size: int = MAX_FILE_SIZE):
        self.directory = Path(directory)
        self.max_file_size = max_file_size
        self._lock = threading.Lock()
        self._file = None
        self._day = ""
        self._instance = 0

    @property
    def path(self) -> Path | None:
        return Path(self._file.name) if self._file else None

    def _open(self, now: datetime) -> None:
        day = now.strftime("%Y%m%d")
        if self._file and day == self._day and self._file.tell() < self.max_file_size:
            return
        if self._file:
            self._file.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._instance = self._instance + 1 if day == self._day else 1
        self._day = day
        while True:
            path = self.directory / f"RECV{day}-{self._instance}.LOG"
            if not path.exists() or path.stat().st_size < self.max_file_size:
                break
            self._instance += 1
        fresh = not path.exists() or path.stat().st_size == 0
        self._file = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115 (kept open across writes)
        if fresh:
            self._file.write("\r\n".join(header_lines(now)) + "\r\n")

    def write(self, events: Iterable[LogEvent]) -> None:
        with self._lock:
            self._open(datetime.now(UTC))
            self._file.write("".join(format_event(event) + "\r\n" for event in events))
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file:
                self._file.close()
                self._file = None


class SessionLog:
    """The events of one session, numbered from 0, written when the session ends (or as they come)."""

    def __init__(self, writer: ProtocolLogWriter | None, connector_id: str, local: str, remote: str):
        self.writer = writer
        self.connector_id = connector_id
        self.session_id = new_session_id()
        self.local = local
        self.remote = remote
        self.events: list[LogEvent] = []
        self._sequence = itertools.count()

    def add(self, event: str, data: str = "", context: str = "") -> None:
        self.events.append(
            LogEvent(
                timestamp(),
                self.connector_id,
                self.session_id,
                next(self._sequence),
                self.local,
                self.remote,
                event,
                data,
                context,
            )
        )

    def flush(self) -> None:
        if self.writer and self.events:
            self.writer.write(self.events)
        self.events = []
