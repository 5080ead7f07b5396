"""Where protocol logs come from: .LOG files, folders of them (several servers' at once), zip archives and gzip.

Each source yields its lines as a stream (nothing is read whole), in an order that keeps a server's files in the
order Exchange wrote them: RECV20240101-2.LOG after RECV20240101-1.LOG and before RECV20240101-10.LOG, so a
session that runs from one file into the next is read in order.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

LOG_SUFFIXES = (".log", ".log.gz", ".txt", ".csv", ".gz")


class LogFileError(Exception):
    """A source that can't be read at all (missing, unreadable, a broken archive)."""


@dataclass(eq=False)
class LogSource:
    name: str  # what reports call it: the path, or archive.zip!member
    size: int  # bytes as stored (compressed for .gz and zip members), for progress
    _open: object  # () -> a context manager giving (the binary file, the stored file, where the stored data starts)
    _stored: object = None
    _base: int = 0

    def lines(self) -> Iterator[str]:
        with self._open() as (raw, self._stored, self._base):
            with io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as text:
                yield from text
        self._stored = None

    def position(self) -> int:
        """How many of the stored bytes the reading has consumed (read ahead by a buffer), while it reads."""
        try:
            return self._stored.tell() - self._base if self._stored is not None else 0
        except (OSError, ValueError):
            return 0


@contextlib.contextmanager
def _plain(path: Path):
    with open(path, "rb") as raw:
        yield raw, raw, 0


@contextlib.contextmanager
def _gzipped(path: Path):
    with open(path, "rb") as stored, gzip.GzipFile(fileobj=stored, mode="rb") as raw:
        yield raw, stored, 0


@contextlib.contextmanager
def _member(path: Path, member: zipfile.ZipInfo):
    with zipfile.ZipFile(path) as archive, archive.open(member) as raw:
        if member.filename.casefold().endswith(".gz"):
            with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                yield unpacked, archive.fp, member.header_offset
        else:
            yield raw, archive.fp, member.header_offset


def _natural(name: str) -> list:
    return [int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name)]


def _is_log(name: str) -> bool:
    return name.casefold().endswith(LOG_SUFFIXES)


def _in_folder(name: str) -> bool:
    """A folder's files that are read: logs, and zips of them (each server's logs zipped into one folder). Not
    inside a zip: a zip member is read as text, and a zip in a zip is not what Exchange or an admin writes."""
    return _is_log(name) or name.casefold().endswith(".zip")


def _file_sources(path: Path) -> list[LogSource]:
    name = str(path)
    size = path.stat().st_size
    with open(path, "rb") as probe:
        magic = probe.read(4)
    if magic[:2] == b"PK":
        return _zip_sources(path)
    if magic[:2] == b"\x1f\x8b":
        return [LogSource(name, size, lambda: _gzipped(path))]
    return [LogSource(name, size, lambda: _plain(path))]


def _zip_sources(path: Path) -> list[LogSource]:
    try:
        archive = zipfile.ZipFile(path)
        members = sorted((m for m in archive.infolist() if not m.is_dir() and _is_log(m.filename)), key=_member_key)
    except (zipfile.BadZipFile, OSError) as error:
        raise LogFileError(f"{path}: not a readable zip archive ({error}).") from error
    archive.close()
    return [LogSource(f"{path}!{m.filename}", m.compress_size, lambda m=m: _member(path, m)) for m in members]


def _member_key(member: zipfile.ZipInfo):
    return _natural(member.filename)


def sources(paths: Iterable[str | os.PathLike]) -> list[LogSource]:
    """Every log file named: files as they are, folders searched (recursively) for *.LOG files and zips of them,
    zip members, gzip. Raises LogFileError for a path that can't be read at all."""
    found: list[LogSource] = []
    for given in paths:
        path = Path(given)
        try:
            if path.is_dir():
                files = sorted((p for p in path.rglob("*") if p.is_file() and _in_folder(p.name)), key=_path_key)
                for file in files:
                    found += _file_sources(file)
            else:
                found += _file_sources(path)
        except LogFileError:
            raise
        except OSError as error:
            raise LogFileError(f"{given}: {error.strerror or error}.") from error
    return in_log_order(found)


def in_log_order(items: list[LogSource]) -> list[LogSource]:
    """The sources in the order Exchange wrote them, whatever order they were named in (a shell's RECV*.LOG puts
    -10 before -2, which would cut a session running from -9 into -10 in two). Sources of the same name keep their
    given order."""
    return sorted(items, key=lambda item: _natural(item.name))


def _path_key(path: Path):
    return _natural(str(path))


@contextlib.contextmanager
def _in_memory(data: bytes):
    raw = io.BytesIO(data)
    yield raw, raw, 0


def text_source(name: str, text: str) -> LogSource:
    """A log held in memory (tests, small pastes)."""
    data = text.encode("utf-8")
    return LogSource(name, len(data), lambda: _in_memory(data))
