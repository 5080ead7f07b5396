"""Which Exchange version an imported server runs: from Get-ExchangeServer's AdminDisplayVersion when the import has
it, otherwise from what the exported objects show, settled by the importer's --version when they leave a choice.

AdminDisplayVersion is `Version 15.2 (Build 2562.17)`: major.minor says the product (8.x 2007, 14.x 2010, 15.0 2013,
15.1 2016, 15.2 2019), and Exchange Server SE kept 15.2, so on 15.2 the build tells 2019 (≤ 1748, CU15) from SE
(2562 and later; SE RTM is 15.2.2562.17). Source: "Exchange Server build numbers and release dates",
MicrosoftDocs/OfficeDocs-Exchange `Exchange/ExchangeServer/new-features/build-numbers-and-release-dates.md`.

ExchangeVersion (`0.1 (8.0.535.0)`) on every AD object is the version of the object's schema, not the server's, so it
is never read as one (docs/decisions.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import ExchangeError
from .receive_connector_properties import RECEIVE_CONNECTOR
from .versions import ExchangeVersion

SE_FIRST_BUILD = 2562  # Exchange Server SE RTM, 15.2.2562.17 (July 2025); 2019 CU15 is 15.2.1748
_PRODUCTS = {
    (8, None): ExchangeVersion.E2007,
    (14, None): ExchangeVersion.E2010,
    (15, 0): ExchangeVersion.E2013,
    (15, 1): ExchangeVersion.E2016,
    (15, 2): ExchangeVersion.E2019,
}
# `Version 15.2 (Build 2562.17)` as EMS shows it; `15.2.2562.17` and `15.02.2562.017` as the build tables write it.
_DISPLAY = re.compile(r"\s*(?:version\s+)?(\d{1,2})\.(\d{1,2})\s*\(\s*build\s+(\d{1,5})\.(\d{1,5})\s*\)\s*", re.I)
_DOTTED = re.compile(r"\s*(?:version\s+)?(\d{1,2})\.(\d{1,2})\.(\d{1,5})(?:\.(\d{1,5}))?\s*", re.I)
_SCHEMA = re.compile(r"\s*0\.\d+\s*\(\s*\d+\.\d+\.\d+\.\d+\s*\)\s*")  # ExchangeVersion 0.1 (8.0.535.0)


@dataclass(frozen=True)
class Build:
    major: int
    minor: int
    build: int
    revision: int

    @property
    def text(self) -> str:
        return f"{self.major}.{self.minor}.{self.build}.{self.revision}"

    @property
    def version(self) -> ExchangeVersion | None:
        """The product this build belongs to; None for one exchsim doesn't model (Exchange 2003, a future major)."""
        product = _PRODUCTS.get((self.major, None)) or _PRODUCTS.get((self.major, self.minor))
        if product is ExchangeVersion.E2019 and self.build >= SE_FIRST_BUILD:
            return ExchangeVersion.SE
        return product


def parse_build(text) -> Build:
    """`Version 15.2 (Build 986.5)` or `15.2.986.5` -> Build; ExchangeError (field AdminDisplayVersion) otherwise."""
    value = str(text or "")
    if _SCHEMA.fullmatch(value):
        raise ExchangeError(
            f"'{value.strip()}' is an object's ExchangeVersion (the version of its directory schema), not a server's "
            "version: use Get-ExchangeServer's AdminDisplayVersion, e.g. 'Version 15.2 (Build 2562.17)'.",
            "AdminDisplayVersion",
        )
    match = _DISPLAY.fullmatch(value) or _DOTTED.fullmatch(value)
    if match is None:
        raise ExchangeError(
            f"'{value.strip()}' isn't an Exchange build: AdminDisplayVersion reads like "
            "'Version 15.2 (Build 2562.17)'.",
            "AdminDisplayVersion",
        )
    major, minor, build, revision = (int(group or 0) for group in match.groups())
    return Build(major, minor, build, revision)


def version_of(text) -> ExchangeVersion:
    """The Exchange version an AdminDisplayVersion names; ExchangeError for text that isn't one or a product exchsim
    doesn't model."""
    build = parse_build(text)
    if build.version is None:
        raise ExchangeError(
            f"Build {build.text} isn't Exchange 2007, 2010, 2013, 2016, 2019 or SE, the versions exchsim models.",
            "AdminDisplayVersion",
        )
    return build.version


# --- What the exported objects show ----------------------------------------------------------------------------------

_VERSIONS = tuple(ExchangeVersion)
# An export is "whole" (Export-Clixml, or Format-List without a property list) when it holds nearly every property
# Exchange 2007 already had; only then does a missing later property say the server is older than that property.
_OLDEST = {p.name.casefold() for p in RECEIVE_CONNECTOR.for_version(ExchangeVersion.E2007, edge=True) if p.settable}
_WHOLE_SHARE = 0.8


@dataclass(frozen=True)
class Bounds:
    """The versions a server's objects allow, oldest and newest, with the reason for each bound."""

    low: ExchangeVersion = _VERSIONS[0]
    high: ExchangeVersion = _VERSIONS[-1]
    low_reason: str = ""
    high_reason: str = ""

    # A property an object has is firm evidence (no earlier version could write it); a property it lacks is weaker,
    # since cumulative updates add properties within a version (a 2016 CU lacks some a later 2016 CU shows). So when
    # the two cross, the lack gives way: the upper bound never falls below the lower one.
    def raised(self, version: ExchangeVersion, reason: str) -> Bounds:
        if version.rank <= self.low.rank:
            return self
        if version.rank > self.high.rank:
            return Bounds(version, _VERSIONS[-1], reason, "")
        return Bounds(version, self.high, reason, self.high_reason)

    def lowered(self, version: ExchangeVersion, reason: str) -> Bounds:
        if self.low.rank <= version.rank < self.high.rank:
            return Bounds(self.low, version, self.low_reason, reason)
        return self

    @property
    def settled(self) -> ExchangeVersion | None:
        return self.low if self.low is self.high else None

    @property
    def possible(self) -> tuple[ExchangeVersion, ...]:
        return tuple(v for v in _VERSIONS if self.low.rank <= v.rank <= self.high.rank)

    def words(self) -> str:
        reasons = "; ".join(r for r in (self.low_reason, self.high_reason) if r)
        return reasons or "nothing in the files says which version it runs"


def connector_bounds(bounds: Bounds, identity: str, properties: Mapping[str, object]) -> Bounds:
    """Narrow `bounds` by one exported receive connector: a property a version doesn't have means a later one
    (TransportRole FrontendTransport: 2013 or later); in a whole export, a missing property an earlier one."""
    names = {str(name).casefold() for name in properties}
    role = next((v for k, v in properties.items() if str(k).casefold() == "transportrole"), None)
    if role is not None and str(role).strip().casefold().startswith("frontend"):
        bounds = bounds.raised(
            ExchangeVersion.E2013, f"{identity} has TransportRole FrontendTransport (Exchange 2013 or later)"
        )
    whole = len(names & _OLDEST) >= _WHOLE_SHARE * len(_OLDEST)
    for name, folded, first, before, on_edge in _LATER:
        if folded in names:
            if first.rank > bounds.low.rank:
                bounds = bounds.raised(first, f"{identity} has {name} ({first.label} or later)")
        elif whole and on_edge and before.rank < bounds.high.rank:  # Edge connectors lack the others anyway
            bounds = bounds.lowered(before, f"{identity} has no {name} ({before.label} or earlier)")
    return bounds


# The properties some versions lack: (name, casefolded, first version with it, the version before, on Edge too).
_LATER = tuple(
    (
        p.name,
        p.name.casefold(),
        ExchangeVersion(p.versions[0]),
        _VERSIONS[_VERSIONS.index(ExchangeVersion(p.versions[0])) - 1],
        p.on_edge,
    )
    for p in RECEIVE_CONNECTOR
    if p.versions[0] != _VERSIONS[0].value
)


def settle(server: str, bounds: Bounds, stated: ExchangeVersion | None) -> ExchangeVersion:
    """The version of a server without an AdminDisplayVersion: what its objects settle, else the --version given
    (which must fit them); ExchangeError asking for --version when neither settles it."""
    if stated is not None:
        if stated not in bounds.possible:
            raise ExchangeError(
                f"--version {stated.value} doesn't fit server {server}: {bounds.words()}. "
                f"Possible: {', '.join(v.value for v in bounds.possible)}.",
                "Version",
            )
        return stated
    if bounds.settled is not None:
        return bounds.settled
    raise ExchangeError(
        f"The files don't say which Exchange version server {server} runs ({bounds.words()}): it may be "
        f"{', '.join(v.value for v in bounds.possible)}. Add Get-ExchangeServer's export, or give the version: "
        f"Exchange version on the Import page, --version {bounds.high.value} on the command line.",
        "Version",
    )


def bounds_for(connectors: Iterable[tuple[str, Mapping[str, object]]]) -> Bounds:
    """The bounds one server's exported connectors ((identity, properties) pairs) set."""
    bounds = Bounds()
    for identity, properties in connectors:
        bounds = connector_bounds(bounds, identity, properties)
    return bounds
