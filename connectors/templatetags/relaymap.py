"""The relay map: for each server binding, the remote address space as a bar, who takes each part of it, and which
addresses may relay without authenticating. Every decision comes from the engine (SelectionIndex and
effective_rights); this module only cuts the address space at range boundaries and draws server-side SVG."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django import template
from django.utils.html import format_html, format_html_join

from connectors.exchange.acl import SessionIdentity, effective_rights
from connectors.exchange.addresses import Binding
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, AuthMechanism
from connectors.exchange.model import Organization, ReceiveConnector
from connectors.exchange.selection import SelectionIndex, address_count

register = template.Library()

_BITS = {4: 32, 6: 128}
# Distinct, colour-blind-friendly fills (Okabe–Ito); the relaying red is kept apart for the highlight.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#56b4e9", "#cc79a7", "#f0e442", "#7f7f7f", "#d55e00")
WIDTH, LEFT, RIGHT, LANE, GAP = 1000, 190, 10, 18, 6


@dataclass(frozen=True)
class Segment:
    first: int
    last: int
    connector: ReceiveConnector | None
    relays: bool  # a client here may relay without authenticating
    reason: str

    def text(self, version: int) -> str:
        first, last = _ip(version, self.first), _ip(version, self.last)
        return first if self.first == self.last else f"{first}–{last}"


@dataclass(frozen=True)
class BindingMap:
    server: str
    binding: Binding
    connectors: tuple[ReceiveConnector, ...]  # those listening on this binding, in colour order
    segments: tuple[Segment, ...]  # who takes each part of the address space, adjacent equal parts merged

    @property
    def relay_segments(self) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.relays)

    @property
    def relay_texts(self) -> tuple[tuple[str, str], ...]:
        """(addresses, connector name) of each part that may relay anonymously, for the text beside the picture."""
        return tuple((s.text(self.binding.version), s.connector.name) for s in self.relay_segments)


def _ip(version: int, address: int) -> str:
    return str(ipaddress.ip_address(address) if version == 4 else ipaddress.IPv6Address(address))


def relays_anonymously(connector: ReceiveConnector) -> bool:
    """Whether a client that never authenticates may relay: its session starts as Externally Secured Servers on an
    ExternalAuthoritative connector, as ANONYMOUS LOGON everywhere else (§2.1)."""
    if connector.auth_mechanism & AuthMechanism.EXTERNAL_AUTHORITATIVE:
        identity = SessionIdentity.externally_secured()
    else:
        identity = SessionIdentity.anonymous()
    return effective_rights(connector.acl, identity).has(ACCEPT_ANY_RECIPIENT)


def _boundaries(connectors, version: int) -> list[int]:
    cuts = {0}
    top = 1 << _BITS[version]
    for connector in connectors:
        for ip_range in connector.remote_ip_ranges:
            if ip_range.version == version:
                cuts.add(ip_range.first)
                if ip_range.last + 1 < top:
                    cuts.add(ip_range.last + 1)
    return sorted(cuts)


def binding_map(server: str, binding: Binding, connectors: tuple[ReceiveConnector, ...]) -> BindingMap:
    index = SelectionIndex(connectors)
    version, top = binding.version, (1 << _BITS[binding.version]) - 1
    local = None if binding.is_wildcard else binding.ip_text
    cuts = _boundaries(connectors, version)
    relaying: dict[str, bool] = {}
    segments: list[Segment] = []
    for start, end in zip(cuts, [*cuts[1:], top + 1], strict=True):
        selection = index.select(local, binding.port, _ip(version, start))
        connector = selection.connector
        relays = False
        if connector is not None:
            if connector.name not in relaying:
                relaying[connector.name] = relays_anonymously(connector)
            relays = relaying[connector.name]
        previous = segments[-1] if segments else None
        if previous and previous.connector == connector:
            segments[-1] = Segment(previous.first, end - 1, connector, relays, previous.reason)
        else:
            segments.append(Segment(start, end - 1, connector, relays, selection.reason))
    listening = tuple(c for c in connectors if any(b.version == version and b.port == binding.port for b in c.bindings))
    return BindingMap(server, binding, listening, tuple(segments))


def server_maps(org: Organization, server_name: str, include_ipv6: bool | None = None) -> list[BindingMap]:
    """One map per distinct binding of the server's connectors; IPv6 bindings only when some connector has IPv6
    ranges (include_ipv6=None) or when asked."""
    connectors = org.connectors_of(server_name)
    if include_ipv6 is None:
        include_ipv6 = any(r.version == 6 for c in connectors for r in c.remote_ip_ranges)
    bindings = sorted({b for c in connectors for b in c.bindings if b.version == 4 or include_ipv6})
    return [binding_map(server_name, b, connectors) for b in bindings]


def _x(address: int, version: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * address / (1 << _BITS[version])


def _bar(first: int, last: int, version: int, y: float, css: str, fill: str, title: str):
    x0, x1 = _x(first, version), _x(last + 1, version)
    width = max(x1 - x0, 2.0)  # a single address must still be visible (and hoverable)
    return format_html(
        '<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
        css,
        f"{x0:.2f}",
        y,
        f"{width:.2f}",
        LANE,
        fill,
        title,
    )


@register.simple_tag
def relay_map_svg(bmap: BindingMap):
    """The SVG of one binding: a 'taken by' lane, a 'may relay' lane, then one lane per listening connector."""
    version = bmap.binding.version
    colours = {c.name: PALETTE[i % len(PALETTE)] for i, c in enumerate(bmap.connectors)}
    lanes = [("Taken by", "taken"), ("Relays anonymously", "relay")] + [(c.name, c) for c in bmap.connectors]
    parts = []
    for row, (label, lane) in enumerate(lanes):
        y = 22 + row * (LANE + GAP)
        parts.append(format_html('<text x="4" y="{}">{}</text>', y + 13, label[:30]))
        lane_box = '<rect class="lane" x="{}" y="{}" width="{}" height="{}" fill="#eef1f4"/>'
        parts.append(format_html(lane_box, LEFT, y, WIDTH - LEFT - RIGHT, LANE))
        if lane == "taken":
            for s in bmap.segments:
                if s.connector is not None:
                    title = f"{s.text(version)} ({address_count(s.last - s.first + 1)}): {s.connector.name}"
                    parts.append(_bar(s.first, s.last, version, y, "seg", colours.get(s.connector.name, "#999"), title))
        elif lane == "relay":
            for s in bmap.relay_segments:
                title = f"{s.text(version)} may relay anonymously through {s.connector.name}"
                parts.append(_bar(s.first, s.last, version, y, "relay", "#cf222e", title))
        else:
            swatch = '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
            parts.append(format_html(swatch, LEFT - 16, y + 4, colours[lane.name]))
            for r in lane.remote_ip_ranges:
                if r.version == version:
                    title = f"{lane.name}: RemoteIPRanges {r.text} ({address_count(r.size)})"
                    parts.append(_bar(r.first, r.last, version, y, "range", colours[lane.name], title))
    height = 22 + len(lanes) * (LANE + GAP) + 16
    ticks = [0, 1 << (_BITS[version] - 2), 1 << (_BITS[version] - 1), 3 << (_BITS[version] - 2)]
    axis = format_html_join(
        "",
        '<text x="{}" y="{}">{}</text>',
        ((f"{_x(t, version) + 2:.1f}", height - 4, _ip(version, t)) for t in ticks),
    )
    return format_html(
        '<svg class="relaymap" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '<text x="4" y="13" font-weight="600">{} on {}</text>{}{}</svg>',
        WIDTH,
        height,
        f"Relay map of {bmap.server} binding {bmap.binding.text}",
        bmap.server,
        bmap.binding.text,
        format_html_join("", "{}", ((p,) for p in parts)),
        axis,
    )
