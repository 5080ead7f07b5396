"""A console script against a stored lab: what the web console and `manage.py ems` share.

Under the lab's lock, the script runs on the servers it names (exchange/emsscope.py: on the whole lab when it reaches
further), and only the servers it changed are validated and saved, as one history entry. The limits on steps and
output are settings (EXCHSIM_CONSOLE_MAX_STEPS, EXCHSIM_CONSOLE_MAX_OUTPUT); the web console adds a time limit.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from django.conf import settings

from . import history, store
from .exchange import emsscope
from .exchange.ems import ConsoleResult
from .exchange.errors import ValidationFailed
from .exchange.model import Organization, ReceiveConnector


@dataclass
class Run:
    result: ConsoleResult
    org: Organization  # the lab after the script, as loaded (the servers it named, or all of them)
    servers: list[str] | None  # the servers loaded; None: the whole lab
    changes: list[tuple[str, ReceiveConnector]] = field(default_factory=list)  # ("created" | "changed" | "removed", c)
    saved: object = None  # the history entry, None when nothing was saved
    refused: ValidationFailed | None = None  # the save broke a rule: nothing was saved


def run(
    lab,
    text: str,
    *,
    change: history.Change,
    atomic: bool = False,
    dry_run: bool = False,
    files: dict | None = None,
    max_seconds: float | None = None,
) -> Run:
    """Run `text` on `lab` and save what it changed (nothing with `dry_run`, nothing on a refused save)."""
    with store.locked_lab(lab) as locked:
        result, before, servers = emsscope.run_scoped(
            lambda names: store.lab_to_org(locked, names),
            text,
            store.lab_directory(locked),
            atomic=atomic,
            dry_run=dry_run,
            files=files,
            max_seconds=max_seconds,
            max_steps=settings.EXCHSIM_CONSOLE_MAX_STEPS,
            max_output=settings.EXCHSIM_CONSOLE_MAX_OUTPUT,
        )
        if dry_run or result.org == before:
            return Run(result, before, servers)
        changes = connector_changes(before, result.org)
        # Only the servers the script touched are compared, validated and written.
        touched = {s.name for s in set(before.servers) ^ set(result.org.servers)} | {c.server for _, c in changes}
        try:
            saved = store.save_org(locked, result.org, sorted(touched), change=change, loaded=before)
        except ValidationFailed as failure:  # raised before anything is written
            return Run(result, before, servers, changes, refused=failure)
        return Run(result, result.org, servers, changes, saved)


def connector_changes(before: Organization, after: Organization) -> list[tuple[str, ReceiveConnector]]:
    """What a script did to the receive connectors: ("created" | "changed" | "removed", connector). Untouched
    connectors are the same objects before and after, so a big lab costs an identity check per connector."""
    old = {c.identity.casefold(): c for c in before.connectors}
    new = {c.identity.casefold(): c for c in after.connectors}
    changes = [("created", c) for key, c in new.items() if key not in old]
    changes += [("changed", c) for key, c in new.items() if key in old and old[key] is not c and old[key] != c]
    return changes + [("removed", c) for key, c in old.items() if key not in new]


def file_text(data: bytes) -> str | None:
    """A file the script reads, as text: UTF-8 (with or without a byte-order mark), or UTF-16 with its byte-order
    mark (what Windows PowerShell's Out-File writes); None when it is neither."""
    boms = {codecs.BOM_UTF8: "utf-8-sig", codecs.BOM_UTF16_LE: "utf-16", codecs.BOM_UTF16_BE: "utf-16"}
    encoding = next((name for bom, name in boms.items() if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None
