"""Uniqueness of Bindings and RemoteIPRanges among one server's receive connectors (reference §5.2).

Exchange runs this check (`ReceiveConnectorNoMappingConflictCondition`) in both New- and Set-ReceiveConnector against
every other connector under the same server, enabled or not.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable

from .addresses import Binding, IPRange
from .model import FieldError, ReceiveConnector

_PREFIX = (
    "The values that you specified for the Bindings and RemoteIPRanges parameters conflict with the settings on "
    'Receive connector "{0}". '
)
ROLE_CONFLICT = _PREFIX + (
    "Receive connectors assigned to different Transport roles on a single server must listen on unique local IP "
    "address & port bindings."
)
MAPPING_CONFLICT = _PREFIX + (
    "A Receive connector must have a unique combination of a local IP address & port bindings and remote IP "
    "address ranges. Change at least one of these values."
)


def bindings_collide(a: Binding, b: Binding) -> bool:
    """Identical, or the same family and port with the wildcard (0.0.0.0 / [::]) on at least one side."""
    return a.version == b.version and a.port == b.port and (a.address == b.address or a.is_wildcard or b.is_wildcard)


def _starts_inside(left: Iterable[IPRange], right: Iterable[IPRange]) -> bool:
    """Does some range of `right` start strictly inside a range of `left` and end beyond it? (One direction of a
    partial overlap.) A sweep by start address with a sorted list of the ends seen so far, so that connectors with
    hundreds of ranges are compared in O(n log n) instead of pair by pair."""
    starts = sorted((r.version, r.first, r.last) for r in left)
    ends: list[tuple[int, int]] = []
    position = 0
    for version, first, last in sorted((r.version, r.first, r.last) for r in right):
        while position < len(starts) and starts[position][:2] < (version, first):
            insort(ends, (starts[position][0], starts[position][2]))
            position += 1
        # a left range that began earlier and ends in [first, last) overlaps this one without containing it
        index = bisect_left(ends, (version, first))
        if index < len(ends) and ends[index] < (version, last):
            return True
    return False


class _Envelopes:
    """Per address family, the lowest and highest address a set of ranges covers, kept for the last few sets asked
    for (by identity; the set is held so its id stays its own): a server's connectors are compared pair by pair,
    and most pairs lie apart, which their envelopes show without sorting either set."""

    def __init__(self, size: int = 4096):
        self.size = size
        self.found: dict[int, tuple[tuple[IPRange, ...], dict[int, tuple[int, int]]]] = {}

    def of(self, ranges: tuple[IPRange, ...]) -> dict[int, tuple[int, int]]:
        hit = self.found.get(id(ranges))
        if hit is not None and hit[0] is ranges:
            return hit[1]
        envelopes: dict[int, tuple[int, int]] = {}
        for r in ranges:
            low, high = envelopes.get(r.version, (r.first, r.last))
            envelopes[r.version] = (min(low, r.first), max(high, r.last))
        if len(self.found) >= self.size:
            self.found.clear()
        self.found[id(ranges)] = (ranges, envelopes)
        return envelopes


_ENVELOPES = _Envelopes()


def _apart(mine: tuple[IPRange, ...], theirs: tuple[IPRange, ...]) -> bool:
    """No range of one set meets a range of the other: their envelopes don't meet in any family."""
    other = _ENVELOPES.of(theirs)
    for version, (low, high) in _ENVELOPES.of(mine).items():
        if version in other and low <= other[version][1] and other[version][0] <= high:
            return False
    return True


def _partially_overlap(mine: tuple[IPRange, ...], theirs: tuple[IPRange, ...]) -> bool:
    if _apart(mine, theirs):
        return False
    return _starts_inside(mine, theirs) or _starts_inside(theirs, mine)


def _share_a_range(mine: tuple[IPRange, ...], theirs: tuple[IPRange, ...]) -> bool:
    if _apart(mine, theirs):
        return False
    return not {(r.version, r.first, r.last) for r in mine}.isdisjoint((r.version, r.first, r.last) for r in theirs)


def _conflict(connector: ReceiveConnector, other: ReceiveConnector) -> str | None:
    """The Exchange message for the first clash between the two connectors, or None."""
    collisions = [(a, b) for a in connector.bindings for b in other.bindings if bindings_collide(a, b)]
    if not collisions:
        return None
    if connector.transport_role is not other.transport_role:
        return ROLE_CONFLICT.format(other.identity)
    mine, theirs = connector.remote_ip_ranges, other.remote_ip_ranges
    identical = any(a == b for a, b in collisions)
    # An identical binding may not reuse a range; a wildcard-vs-specific pair may (the specific IP wins at runtime).
    if identical and (_share_a_range(mine, theirs) or _partially_overlap(mine, theirs)):
        return MAPPING_CONFLICT.format(other.identity)
    if any(a != b for a, b in collisions) and _partially_overlap(mine, theirs):
        return MAPPING_CONFLICT.format(other.identity)
    return None


def find_conflicts(connector: ReceiveConnector, others: Iterable[ReceiveConnector]) -> list[FieldError]:
    """One FieldError("Bindings", Exchange's text) per connector of the same server that `connector` clashes with."""
    server, name = connector.server.casefold(), connector.name.casefold()
    errors = []
    for other in others:
        if other.server.casefold() != server or other.name.casefold() == name:
            continue
        message = _conflict(connector, other)
        if message:
            errors.append(FieldError("Bindings", message))
    return errors
