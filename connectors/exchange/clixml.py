"""Stub: the reader lands next (importer-read). The interface is importsources.read_sources."""

from __future__ import annotations

from .importsources import SourceError


def read(stream, source: str):
    raise SourceError(source, "this format's reader has not landed yet.")
    yield
