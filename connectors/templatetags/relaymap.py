"""The relay map's drawing: for each server binding, the remote address space as a bar, who takes each part of it,
and which addresses may relay without authenticating, as server-side SVG. What the map shows is the engine's
(exchange/addressmap.py server_maps); this module only draws it."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join

from connectors.exchange.addresses import format_ip
from connectors.exchange.addressmap import BindingMap
from connectors.exchange.selection import address_count

register = template.Library()

_BITS = {4: 32, 6: 128}
# Distinct, colour-blind-friendly fills (Okabe–Ito); the relaying red is kept apart for the highlight.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#56b4e9", "#cc79a7", "#f0e442", "#7f7f7f", "#d55e00")
WIDTH, LEFT, RIGHT, LANE, GAP = 1000, 190, 10, 18, 6
LABEL_WIDTH, LABEL_CHARACTERS = LEFT - 18, 25  # a lane's label ends before its colour swatch


def _label(y: int, label: str):
    """A lane's label: a long connector name cut with an ellipsis (the whole name on hover), drawn in a box of its
    own that clips it, so that no name, however wide its letters, runs into the swatch and the bar."""
    short = label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"
    return format_html(
        '<svg class="label" x="0" y="{}" width="{}" height="{}"><text x="4" y="13">{}<title>{}</title></text></svg>',
        y,
        LABEL_WIDTH,
        LANE,
        short,
        label,
    )


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
        parts.append(_label(y, label))
        lane_box = '<rect class="lane" x="{}" y="{}" width="{}" height="{}" fill="#eef1f4"/>'
        parts.append(format_html(lane_box, LEFT, y, WIDTH - LEFT - RIGHT, LANE))
        if lane == "taken":
            for s in bmap.segments:
                if s.connector is not None:
                    title = f"{s.text(version)} ({address_count(s.size)}): {s.connector.name}"
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
        ((f"{_x(t, version) + 2:.1f}", height - 4, format_ip(version, t)) for t in ticks),
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
