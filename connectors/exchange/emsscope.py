"""Scoped console runs: load only the servers a script names, and prove while it runs that it needed no others.

A console command on a 100-server lab used to load, check and save the whole lab. `run_scoped` instead

1. predicts from the script's text (and the text of the files it may read) which servers it names: every
   `SERVER\\Name`, server name, connector name, wildcard or Guid that matches something in the lab's `Directory`
   (the names of every server and connector, one cheap query);
2. runs the script on an Organization holding only those servers (and, whole, what is lab-wide: accepted domains,
   recipients, principals, transport settings), with a `Guard` that sees every Exchange cmdlet call with its evaluated
   arguments before it runs. A call that could see a server outside the loaded ones (Get-ReceiveConnector with no
   identity, an identity that a server not loaded could match, a cmdlet the guard doesn't know) raises OutOfScope;
3. on OutOfScope, runs the script again on the whole lab. The engine is pure, so the abandoned run changed nothing.

The guard is the proof, the prediction only a guess: a wrong guess costs time, never a wrong answer. Rules that span
servers still hold: a connector's rules involve only its own server (loaded whole), accepted domains are lab-wide.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from . import ems, pscmdlets, psruntime
from .emsbind import GUID
from .errors import ExchangeError
from .model import ReceiveConnector, Server
from .psformat import Permission, connector_guid
from .psvalues import wildcard


class OutOfScope(BaseException):  # noqa: N818 (a signal, not an error)
    """The script reached past the loaded servers; the caller runs it again on the whole lab. A BaseException so
    that no handler inside the interpreter that catches errors can swallow it."""


@dataclass(frozen=True)
class Directory:
    """Every server of a lab and the names of its connectors: what a scoped run checks identities against."""

    servers: tuple[str, ...]
    connectors: tuple[tuple[str, str], ...]  # (server, connector name)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str | None]]) -> Directory:
        """From (server, connector name or None for a server without connectors) rows."""
        servers, connectors = {}, []
        for server, name in rows:
            servers.setdefault(server, None)
            if name is not None:
                connectors.append((server, name))
        return cls(tuple(servers), tuple(connectors))


_WILDCARD_CHARS = re.compile(r"[*?\[]")
# The candidates a script or a file names: quoted texts whole, else runs between blanks and PowerShell's punctuation.
_TOKENS = re.compile(r"'([^']*)'|\"([^\"]*)\"|([^\s'\",;|(){}=@]+)")
# Commands that list every server's objects: the whole lab is needed, so don't try a scoped run first.
_LISTS_ALL = re.compile(
    r"\b(Get-ReceiveConnector|Get-ExchangeServer|Get-MailboxServer)\s*(?:$|[|;)}]|-(?![IiSs])\w)",
    re.IGNORECASE | re.MULTILINE,
)
_DN_SERVER = re.compile(r"CN=([^,]+),CN=Servers,", re.IGNORECASE)
MAX_WILDCARD_GUESSES = 50  # a script with more wildcard texts than this is guessed whole-lab (the guard still checks)


class _Index:
    """Lookups over some servers of a Directory: by server, by connector name, by Guid, by wildcard."""

    def __init__(self, directory: Directory, servers: Iterable[str]):
        self.servers = {name.casefold(): name for name in servers}
        self.connectors = [(s, n) for s, n in directory.connectors if s.casefold() in self.servers]
        self.by_name: dict[str, set[str]] = {}
        for server, name in self.connectors:
            self.by_name.setdefault(name.casefold(), set()).add(server)

    @cached_property
    def by_guid(self) -> dict[str, str]:
        # A connector's Guid is a function of its identity alone (psformat.connector_guid).
        return {str(connector_guid(_Identity(f"{s}\\{n}"))): s for s, n in self.connectors}

    def servers_named(self, text: str) -> set[str]:
        """The servers among these that `text` could name, as an identity of a connector or a server, read every way
        EMS or the console might read it (exact, trimmed, wildcard, Guid): a superset of what a lookup finds."""
        found: set[str] = set()
        for candidate in {text, text.strip()}:
            server, slash, name = candidate.rpartition("\\")
            if slash:
                found |= self._servers_like(server)
                continue
            key = candidate.casefold()
            if key in self.servers:
                found.add(self.servers[key])
            found |= self.by_name.get(key, set())
            # A server's FQDN (its first label is its name) or a DistinguishedName (CN=<server>,CN=Servers,…).
            host = _DN_SERVER.search(candidate)
            label = host.group(1) if host else key.partition(".")[0] if "." in key else ""
            if label.casefold() in self.servers:
                found.add(self.servers[label.casefold()])
            if GUID.fullmatch(candidate):
                guid = self.by_guid.get(str(uuid.UUID(candidate.strip("{}"))))
                if guid:
                    found.add(guid)
            if _WILDCARD_CHARS.search(candidate):
                pattern = wildcard(candidate)
                found |= {s for s, n in self.connectors if pattern.fullmatch(n)}
                found |= {s for s in self.servers.values() if pattern.fullmatch(s)}
        return found

    def _servers_like(self, server: str) -> set[str]:
        found: set[str] = set()
        for key in {server, server.strip()}:
            if not key:
                found |= set(self.servers.values())  # "\\Name" looks on every server
            elif key.casefold() in self.servers:
                found.add(self.servers[key.casefold()])
            if _WILDCARD_CHARS.search(key):
                pattern = wildcard(key)
                found |= {s for s in self.servers.values() if pattern.fullmatch(s)}
        return found


@dataclass(frozen=True)
class _Identity:
    identity: str


def predict(text: str, files: dict | None, directory: Directory) -> set[str] | None:
    """The servers the script (or the files it reads) names, or None when it plainly needs the whole lab."""
    if _LISTS_ALL.search(text):
        return None
    index = _Index(directory, directory.servers)
    found: set[str] = set()
    seen: set[str] = set()
    wildcards = 0
    for source in (text, *(files or {}).values()):
        for match in _TOKENS.finditer(source):
            token = next(group for group in match.groups() if group is not None)
            if token in seen or not token.strip():
                continue
            seen.add(token)
            if _WILDCARD_CHARS.search(token):
                wildcards += 1
                if wildcards > MAX_WILDCARD_GUESSES:
                    return None
            found |= index.servers_named(token)
    return found


# --- The guard -----------------------------------------------------------------------------------------------------

_CONNECTOR_TARGETS = {
    "Set-ReceiveConnector",
    "Remove-ReceiveConnector",
    "Add-ADPermission",
    "Remove-ADPermission",
    "Get-ADPermission",
}
_LAB_WIDE = {
    "Get-AcceptedDomain",
    "New-AcceptedDomain",
    "Set-AcceptedDomain",
    "Remove-AcceptedDomain",
    "Get-TransportConfig",
    "Set-TransportConfig",
    "Get-RecipientFilterConfig",
    "Set-RecipientFilterConfig",
}


class Guard:
    """Called with every command of a scoped run before it runs: raises OutOfScope when the call could see a server
    that isn't loaded. Objects the script got from the lab are on loaded servers by construction; texts (literals,
    CSV cells, strings built at run time) are checked against the servers left out."""

    def __init__(self, directory: Directory, loaded: Iterable[str]):
        wanted = {name.casefold() for name in loaded}
        self.outside = _Index(directory, [s for s in directory.servers if s.casefold() not in wanted])
        self._checked: set[str] = set()

    def __call__(self, ctx, call, items: list | None) -> None:
        if not self.outside.servers:
            return
        lowered = call.name.casefold()
        if lowered in pscmdlets.CMDLETS or lowered in ems._NO_OPS:
            return  # PowerShell's own cmdlets work on what the pipeline holds
        name, entry = ems._cmdlet(call.name)
        if name in _LAB_WIDE:
            return
        if items is not None and not items:
            return  # nothing came down the pipeline: the cmdlet doesn't run
        if name is None:
            raise OutOfScope(call.name)
        try:
            bound = ems._bind(call, entry[1])
            self._check(ctx, name, bound, items)
        except ExchangeError:
            # The call fails the same way at the same point (binding, or the first piped object that binds to
            # nothing), after the objects before it, which were found in scope.
            return
        except (OutOfScope, psruntime.LimitReached):
            raise
        except Exception as error:  # a shape this guard doesn't know: don't decide, run on everything
            raise OutOfScope(repr(error)) from None

    def _check(self, ctx, name: str, bound: dict, items: list | None) -> None:
        if name == "Get-ReceiveConnector":
            if "Identity" in bound:
                self._identity(bound["Identity"])
            elif "Server" in bound:
                self._identity(bound["Server"])
            elif items:
                for item in items:
                    self._piped(ctx, name, item, (Server,))
            else:
                raise OutOfScope(name)
        elif name in _CONNECTOR_TARGETS:
            if "Identity" in bound:
                self._identity(bound["Identity"])
            for item in items or ():
                self._piped(ctx, name, item, (ReceiveConnector, Permission))
        elif name == "New-ReceiveConnector":
            if "Server" not in bound:
                raise OutOfScope(name)  # the first server of the lab is the default
            self._identity(bound["Server"])
        elif name in ("Get-ExchangeServer", "Get-MailboxServer", "Set-MailboxServer"):
            if "Identity" in bound:
                self._identity(bound["Identity"])
            elif items:
                for item in items:
                    self._piped(ctx, name, item, (Server,))
            else:
                raise OutOfScope(name)
        else:
            raise OutOfScope(name)  # a cmdlet this guard doesn't know: assume it may see anything

    def _piped(self, ctx, name: str, item, engine_types: tuple) -> None:
        """A piped object: one the script got from the lab is on a loaded server; anything else binds to -Identity
        by its text or its Identity property, as the cmdlet binds it (ems._commands)."""
        obj = ems._pipeline_object(item)
        if isinstance(obj, engine_types):
            return
        self._identity(obj if isinstance(obj, str) else ems._piped_identity(ctx, name, obj))

    def _identity(self, value) -> None:
        text = ems._text(value)
        if text in self._checked:
            return
        if self.outside.servers_named(text):
            raise OutOfScope(text)
        self._checked.add(text)


# --- Running -------------------------------------------------------------------------------------------------------


def run_scoped(load: Callable, text: str, directory: Directory, **options):
    """Run `text` (ems.run_script with `options`) on the servers it names, else on the whole lab. `load(servers)`
    gives the Organization of those servers (None: the whole lab). Returns (result, the org it ran on, the servers
    loaded or None for the whole lab)."""
    servers = predict(text, options.get("files"), directory)
    started = options.pop("started", None) or time.monotonic()
    if servers is not None and len(servers) < len(directory.servers):
        names = sorted(servers)
        org = load(names)
        try:
            return ems.run_script(org, text, guard=Guard(directory, names), started=started, **options), org, names
        except OutOfScope:
            pass  # the script reached further than its text showed: run it on everything
    org = load(None)
    return ems.run_script(org, text, started=started, **options), org, None


__all__ = ["Directory", "Guard", "OutOfScope", "predict", "run_scoped"]
