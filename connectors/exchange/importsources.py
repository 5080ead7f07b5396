"""What an administrator brings to the import: Exchange's own exports, read into plain objects.

`read_sources` takes files (a name and a binary stream each) and yields one `SourceObject` per exported object,
whatever the format: Export-Clixml (clixml.py), the collector's zip (its members read in turn), gzip, the text of
`| Format-List` (formatlist.py) or Export-Csv (csvexport.py). The format is recognised by the content, never by the
file's name, because administrators rename files and paste text into files called anything.

Nothing here knows the engine's model: the importer (importer-map's half) maps these objects onto it through the
property catalogue. Values stay as Exchange printed them (a Bindings entry is the text "0.0.0.0:25"), with the case
of property names kept, so that an error can quote what the file said.
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from .errors import ExchangeError

Value = str | bool | int | float | None | list

# The importer's limits, so a zip bomb or a runaway file stops with a clear message instead of filling the disk.
MAX_UNPACKED_BYTES = 2 * 1024**3  # one file, unpacked (a 100,000-range lab's connectors are well under 1 GB)
MAX_ARCHIVE_DEPTH = 3  # a zip inside a zip inside a zip; deeper nesting is not something an export produces


@dataclass(frozen=True)
class SourceObject:
    source: str  # file name; inside a zip "collect.zip/ReceiveConnector.xml", for error messages
    position: str  # "object 3" / "line 42" / "row 7"
    kind: str  # the cmdlet's object: "ReceiveConnector", "ExchangeServer", "ADPermission", ... (KINDS)
    type_names: tuple[str, ...]  # Export-Clixml <TN> names; () for Format-List text, the #TYPE name for CSV
    properties: dict[str, Value] = field(default_factory=dict)  # Exchange property name -> value as EMS prints it

    @property
    def where(self) -> str:
        return f"{self.source}, {self.position}"


class SourceError(ExchangeError):
    """A file that can't be read as an Exchange export; the message names the file (and where in it)."""

    def __init__(self, source: str, message: str, position: str = ""):
        self.source = source
        self.position = position
        where = f"{source}, {position}" if position else source
        super().__init__(f"{where}: {message}")


# Which cmdlet's objects the importer reads, by the .NET type Exchange returns (the first <TN> of an Export-Clixml
# object). From a remote EMS session the names carry "Deserialized." in front, and after Select-Object "Selected.":
# kind_of strips both. The collector marks its own objects (group members) with an "Exchsim." type name.
TYPE_KINDS: dict[str, str] = {
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector": "ReceiveConnector",
    "Microsoft.Exchange.Data.Directory.Management.ExchangeServer": "ExchangeServer",
    "Microsoft.Exchange.Management.RecipientTasks.ADAcePresentationObject": "ADPermission",
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain": "AcceptedDomain",
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer": "TransportConfig",
    "Microsoft.Exchange.Data.Directory.Management.MailboxServer": "MailboxServer",
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.RecipientFilterConfig": "RecipientFilterConfig",
    "Microsoft.Exchange.Data.Directory.Management.ReducedRecipient": "Recipient",
    "Exchsim.GroupMember": "GroupMember",
}
KINDS = tuple(dict.fromkeys(TYPE_KINDS.values()))
CMDLETS = {
    "ReceiveConnector": "Get-ReceiveConnector",
    "ExchangeServer": "Get-ExchangeServer",
    "ADPermission": "Get-ADPermission",
    "AcceptedDomain": "Get-AcceptedDomain",
    "TransportConfig": "Get-TransportConfig",
    "MailboxServer": "Get-MailboxServer",
    "RecipientFilterConfig": "Get-RecipientFilterConfig",
    "Recipient": "Get-Recipient",
    "GroupMember": "the collector's group members",
}
_SHORT_NAMES = {name.rsplit(".", 1)[-1].casefold(): kind for name, kind in TYPE_KINDS.items()}

# Text exports carry no type names: the kind is told by properties that only that cmdlet's objects show. Checked in
# this order (the first whose properties are all present wins); see docs/decisions.md "Import: telling the kind".
PROPERTY_KINDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("ReceiveConnector", frozenset({"bindings", "remoteipranges"})),
    ("ADPermission", frozenset({"user", "extendedrights"})),
    ("GroupMember", frozenset({"group", "member"})),
    ("ExchangeServer", frozenset({"admindisplayversion", "serverrole"})),
    ("AcceptedDomain", frozenset({"domainname", "domaintype"})),
    ("TransportConfig", frozenset({"tlsreceivedomainsecurelist"})),
    ("RecipientFilterConfig", frozenset({"recipientvalidationenabled"})),
    ("MailboxServer", frozenset({"mapiencryptionrequired"})),
    ("Recipient", frozenset({"primarysmtpaddress", "recipienttype"})),
)


def _bare(type_name: str) -> str:
    name = type_name.strip()
    while name.startswith(("Deserialized.", "Selected.")):  # "Selected.Deserialized.…" after Select-Object in EMS
        name = name.partition(".")[2]
    return name


def kind_of(type_names: Iterable[str]) -> str | None:
    """The importer's kind for an object with these <TN> names (most derived first), or None if it is none of them."""
    for type_name in type_names:
        name = _bare(type_name)
        if name in TYPE_KINDS:
            return TYPE_KINDS[name]
    return None


def kind_of_type_name(type_name: str) -> str | None:
    """Like kind_of for a single name that may be written short (CSV's #TYPE line may hold just 'ReceiveConnector')."""
    return kind_of([type_name]) or _SHORT_NAMES.get(_bare(type_name).rsplit(".", 1)[-1].casefold())


def kind_of_properties(names: Iterable[str]) -> str | None:
    """The kind of an object known only by its property names (Format-List text, CSV without a #TYPE line)."""
    present = {name.casefold() for name in names}
    return next((kind for kind, needed in PROPERTY_KINDS if needed <= present), None)


_WHOLE = re.compile(r"-?(?:0|[1-9][0-9]{0,18})")


def text_value(text: str) -> Value:
    """A value as Format-List or Export-Csv printed it, read back as Export-Clixml would give it: True/False a bool,
    a plain whole number an int, nothing None; everything else stays text (sizes, spans, enums: the catalogue parses
    them as it parses EMS's own text)."""
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    if _WHOLE.fullmatch(text):
        return int(text)
    return text


def unknown_kind_message(what: str) -> str:
    wanted = ", ".join(CMDLETS[kind] for kind in KINDS if kind != "GroupMember")
    return f"{what} is not the output of a cmdlet exchsim imports ({wanted}, or the collector's zip)."


# --- reading files ---------------------------------------------------------------------------------------------


def read_sources(
    files: Iterable[tuple[str, BinaryIO]], *, max_unpacked_bytes: int = MAX_UNPACKED_BYTES
) -> Iterator[SourceObject]:
    """Every object in every file, in order. Raises SourceError (naming the file) for a file that can't be read.
    `max_unpacked_bytes` bounds each zip member and gzip file once unpacked (the caller's setting)."""
    for name, stream in files:
        yield from _read_one(name, stream, 0, max_unpacked_bytes)


def _too_big(limit: int) -> str:
    return f"larger than {limit // 1024**2} MB unpacked; not read (a zip bomb, or a limit to raise)."


def _read_one(name: str, stream: BinaryIO, depth: int, limit: int) -> Iterator[SourceObject]:
    stream = _peekable(stream)
    head = stream.peek(4096)[:4096]
    if head[:4] == b"PK\x03\x04" or head[:4] == b"PK\x05\x06":
        yield from _read_zip(name, stream, depth, limit)
    elif head[:2] == b"\x1f\x8b":
        yield from _read_gzip(name, stream, depth, limit)
    else:
        yield from _read_plain(name, stream, head)


def _peekable(stream: BinaryIO):
    if hasattr(stream, "peek"):
        return stream
    return io.BufferedReader(_RawAdapter(stream), buffer_size=64 * 1024)


class _RawAdapter(io.RawIOBase):
    """Lets io.BufferedReader (for peek) wrap any object that has read()."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_zip(name: str, stream, depth: int, limit: int) -> Iterator[SourceObject]:
    if depth >= MAX_ARCHIVE_DEPTH:
        raise SourceError(name, f"archives nested more than {MAX_ARCHIVE_DEPTH} deep are not read.")
    with _seekable(stream) as seekable:
        try:
            archive = zipfile.ZipFile(seekable)
            members = [m for m in archive.infolist() if not m.is_dir() and not _metadata(m.filename)]
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise SourceError(name, f"not a readable zip archive ({error}).") from error
        if not members:
            raise SourceError(name, "the zip archive holds no files.")
        for member in sorted(members, key=lambda m: m.filename.casefold()):
            member_name = f"{name}/{member.filename}"
            if member.file_size > limit:  # zipfile reads no more than the size the member declares
                raise SourceError(member_name, _too_big(limit))
            try:
                with archive.open(member) as raw:
                    yield from _read_one(member_name, raw, depth + 1, limit)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise SourceError(member_name, f"the zip archive is damaged ({error}).") from error


def _metadata(filename: str) -> bool:
    """A zip member that is an archiver's bookkeeping, not a file anyone put there: macOS's Compress adds a
    __MACOSX/ folder of "._name" AppleDouble files beside the collector's files."""
    parts = filename.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or parts[-1].startswith("._")


@contextlib.contextmanager
def _seekable(stream):
    """The stream itself when it can seek (a file, an upload), else a temporary copy: zipfile reads the end first."""
    try:
        seekable = stream.seekable()
    except (AttributeError, OSError, ValueError):
        seekable = False
    if seekable:
        yield stream
        return
    with tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(stream, copy, 1024 * 1024)
        copy.seek(0)
        yield copy


def _read_gzip(name: str, stream, depth: int, limit: int) -> Iterator[SourceObject]:
    if depth >= MAX_ARCHIVE_DEPTH:
        raise SourceError(name, f"archives nested more than {MAX_ARCHIVE_DEPTH} deep are not read.")
    inner = name[:-3] if name.casefold().endswith(".gz") else f"{name} (unpacked)"
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as unpacked:
            yield from _read_one(inner, _Limited(unpacked, inner, limit), depth + 1, limit)
    except (OSError, EOFError, zlib.error) as error:
        raise SourceError(name, f"not a readable gzip file ({error}).") from error


class _Limited(io.RawIOBase):
    """A gzip stream that stops at `limit` bytes (gzip says nothing trustworthy about its unpacked size)."""

    def __init__(self, stream, name: str, limit: int):
        self._stream = stream
        self._name = name
        self._limit = limit
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        self._read += len(data)
        if self._read > self._limit:
            raise SourceError(self._name, _too_big(self._limit))
        buffer[: len(data)] = data
        return len(data)


# Windows PowerShell 5.1 writes Export-Clixml as UTF-16 LE with a BOM ("Unicode") and Export-Csv as ASCII by
# default; PowerShell 7 writes UTF-8 without a BOM; `-Encoding UTF8` on 5.1 writes UTF-8 with a BOM; Format-List text
# redirected with `>` on 5.1 is UTF-16 LE with a BOM. Without a BOM, NUL bytes tell UTF-16 from UTF-8.
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def detect_encoding(head: bytes) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    return "utf-8"


def _first_text(head: bytes, encoding: str) -> str:
    text = head.decode(encoding, errors="ignore") if encoding != "utf-16" else _decode_utf16(head)
    return text.lstrip("\ufeff \t\r\n")


def _decode_utf16(head: bytes) -> str:
    return head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")


def _read_plain(name: str, stream, head: bytes) -> Iterator[SourceObject]:
    from . import clixml, csvexport, formatlist

    encoding = detect_encoding(head)
    start = _first_text(head, encoding)
    if not start:
        raise SourceError(name, "the file is empty.")
    if start.startswith("<"):
        yield from clixml.read(stream, name)
        return
    text = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
    try:
        if csvexport.looks_like_csv(start):
            yield from csvexport.read(text, name)
        else:
            yield from formatlist.read(text, name)
    except UnicodeDecodeError as error:
        raise SourceError(name, f"the text is not valid {encoding.upper()} ({error.reason}).") from error
