"""Reading the text of `| Format-List`: what administrators paste into tickets and forum threads.

Format-List prints each object as a block of `Name : value` lines, the names padded to one column, objects separated
by blank lines. A value longer than the console is wrapped onto continuation lines indented to the value's column.
PowerShell's list writer (StringManipulationHelper.GenerateLines) word-wraps in the en, fr, de, it, pt and es
cultures: a word keeps its trailing space on the line it ends, and only a word longer than the line is cut; in other
cultures it cuts at the width. So a line ending in a space was broken after a word, a line as long as the block's
longest was cut inside one (joined without a space), and a shorter one without its trailing space (pasted from a
console window, which drops it) was broken after a word (joined with one). A multi-valued property is printed
`{a, b}`, cut after $FormatEnumerationLimit values (4 by default) with "..." — such a value is refused, since the rest
of it is not in the text.

The text has no type names: the kind of each object comes from the properties only its cmdlet shows
(importsources.PROPERTY_KINDS). EMS prompts pasted with the output ("[PS] C:\\>Get-ReceiveConnector | fl") are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .importsources import SourceError, SourceObject, kind_of_properties, text_value, unknown_kind_message

_PROPERTY = re.compile(r"([A-Za-z_][\w.-]*)\s*: ?(.*)")
_PROMPT = re.compile(r"\s*(\[PS\]|PS)\s+\S.*>")
CUT_LIST = (
    "{name} shows only the first values and '...' (Format-List stops at $FormatEnumerationLimit, 4 by default), so "
    "the rest of them are not in the text. Run `$FormatEnumerationLimit = -1` before Format-List, or use the "
    "collector's Export-Clixml files."
)


def read(text: Iterable[str], source: str) -> Iterator[SourceObject]:
    block: list[tuple[int, str]] = []
    number = 0
    for number, raw in enumerate(text, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            if block:
                yield _object(block, source)
                block = []
            continue
        if not block and _PROMPT.match(line):
            continue
        block.append((number, line))
    if block:
        yield _object(block, source)
    elif number == 0:
        raise SourceError(source, "the file is empty.")


def _object(block: list[tuple[int, str]], source: str) -> SourceObject:
    width = max(len(line) for _, line in block)
    first = block[0][0]
    names: list[str] = []
    parts: dict[str, list[str]] = {}
    last_length, last_spaced = 0, False
    for number, line in block:
        if line[:1].isspace():
            if not names:
                raise SourceError(source, "a wrapped line comes before any 'Name : value' line.", f"line {number}")
            pieces = parts[names[-1]]
            continuation = line.strip()
            joiner = " " if last_spaced or last_length < width else ""
            pieces.append(joiner + continuation if "".join(pieces) else continuation)
            last_length, last_spaced = len(line), line[-1:].isspace()
            continue
        match = _PROPERTY.fullmatch(line)
        if match is None:
            raise SourceError(
                source, f"expected 'Name : value' as Format-List prints it, found '{line[:60]}'.", f"line {number}"
            )
        name, value = match.groups()
        if name in parts:
            raise SourceError(
                source,
                f"{name} appears twice in one object; put a blank line between objects.",
                f"line {number}",
            )
        names.append(name)
        parts[name] = [value.rstrip()]
        last_length, last_spaced = len(line), line[-1:].isspace()
    kind = kind_of_properties(names)
    if kind is None:
        shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
        raise SourceError(source, unknown_kind_message(f"an object with the properties {shown}"), f"line {first}")
    identity = next(("".join(parts[n]).strip() for n in names if n.casefold() in ("identity", "name")), "")
    where = f"line {first} ({identity})" if identity else f"line {first}"  # a refusal names the object too
    properties = {name: _value(name, "".join(parts[name]), source, where) for name in names}
    return SourceObject(source, f"line {first}", kind, (), properties)


def _value(name: str, text: str, source: str, where: str):
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        inner = text[1:-1].strip()
        if inner.endswith("..."):
            raise SourceError(source, CUT_LIST.format(name=name), where)
        return [item.strip() for item in inner.split(",") if item.strip()] if inner else []
    return text_value(text)
