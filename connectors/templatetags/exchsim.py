"""Small presentation helpers: PowerShell highlighting, SMTP reply classes, recipient fates, range summaries."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PowerShellLexer

from connectors.exchange.fates import Fate
from connectors.exchange.selection import address_count

register = template.Library()

_FORMATTER = HtmlFormatter(cssclass="highlight")
_LEXER = PowerShellLexer()


@lru_cache(maxsize=256)
def highlight_powershell(code: str) -> str:
    """Pygments HTML for a PowerShell script (cached: plans are re-rendered on every change)."""
    return highlight(code, _LEXER, _FORMATTER)


@register.filter
def prose(text: str):
    """Text wrapped in a file (a scenario's briefing) as HTML paragraphs: a blank line starts a paragraph, a line end
    inside one is a space, so the page wraps the sentences to its own width."""
    paragraphs = [" ".join(part.split()) for part in re.split(r"\n\s*\n", str(text).strip())]
    return format_html_join("", "<p>{}</p>", ((p,) for p in paragraphs if p))


@register.filter
def powershell(code: str):
    return mark_safe(highlight_powershell(code or ""))  # noqa: S308 - Pygments escapes the source


@register.filter
def ace_options_json(ace) -> str:
    """The ACE options that differ from the defaults (ACE.options) as JSON, for its Remove button; "" for none."""
    return json.dumps(ace.options) if ace.options else ""


@register.filter
def ace_options_text(ace) -> str:
    """The ACE options as Add-ADPermission's parameters would write them ("InheritanceType Descendents
    (inherit-only), ChildObjectTypes user"); "" for an ACE with the defaults."""
    shown = []
    if ace.inheritance_type != "All":
        shown.append(f"InheritanceType {ace.inheritance_type}" + (" (inherit-only)" if ace.inherit_only else ""))
    if ace.inherited_object_type:
        shown.append(f"InheritedObjectType {ace.inherited_object_type}")
    if ace.child_object_types:
        shown.append(f"ChildObjectTypes {', '.join(ace.child_object_types)}")
    if ace.object_properties:
        shown.append(f"Properties {', '.join(ace.object_properties)}")
    return "; ".join(shown)


@register.filter
def reply_class(line: str | None) -> str:
    """'r2'…'r5' by the reply's first digit, for colouring transcripts."""
    return f"r{line[0]}" if line and line[0] in "2345" else ""


@register.filter
def fate_tone(fate: Fate | str) -> str:
    """'ok', 'warn' or 'bad' (exchange/fates.py Fate.tone); a name no fate has (a stored message from an older
    exchsim) reads as a warning."""
    known = Fate.named(fate)
    return known.tone if known else "warn"


@register.filter
def fate_class(fate: Fate | str) -> str:
    return f"fate-{fate_tone(fate)}"


@register.filter
def fate_text(fate: Fate | str) -> str:
    known = Fate.named(fate)
    return known.text if known else str(fate)


@register.filter
def ranges_summary(ranges, limit: int = 3) -> str:
    """'10.0.0.50', 'all IPv4 addresses', or '10.0.0.0/24, 192.168.1.1 and 4 more (1,300 addresses)' (IPv4 count)."""
    ranges = tuple(ranges)
    if not ranges:
        return "none"
    full = [r for r in ranges if r.first == 0 and r.last == (1 << (32 if r.version == 4 else 128)) - 1]
    named = [f"all IPv{r.version} addresses" for r in full]
    rest = [r for r in ranges if r not in full]
    shown = named + [r.text for r in rest[:limit]]
    text = ", ".join(shown)
    if len(rest) > limit:
        text += f" and {len(rest) - limit} more"
    ipv4 = sum(r.size for r in rest if r.version == 4)
    if len(rest) > 1 and ipv4:
        text += f" ({address_count(ipv4)})"
    return text


@register.filter
def short_right(right: str) -> str:
    """'ms-Exch-SMTP-Accept-Any-Recipient' -> 'Accept-Any-Recipient' for narrow column heads."""
    return right.removeprefix("ms-Exch-").removeprefix("SMTP-")


@register.filter
def short_principal(name: str) -> str:
    """Well-known principals without their authority: 'NT AUTHORITY\\ANONYMOUS LOGON' -> 'ANONYMOUS LOGON'."""
    authority, _, account = name.rpartition("\\")
    return account if authority in ("NT AUTHORITY", "MS Exchange") else name


@register.filter
def break_after_domain(name: str) -> str:
    """A principal that may break after its domain's backslash (CONTOSO\\<wbr>ExchangeLegacyInterop), so a narrow
    column wraps it there rather than inside the account's name; escaped."""
    domain, backslash, account = name.rpartition("\\")
    return format_html("{}\\<wbr>{}", domain, account) if backslash else name


@register.filter
def read_only_for(lab, user) -> bool:
    """A trainer looking at a trainee's lab may look and simulate; changes need its owner (access.get_lab_for_user)."""
    return lab.owner_id != user.pk
