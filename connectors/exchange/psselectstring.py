"""Select-String (sls) over strings in the pipeline (Get-Content's lines, any value as its text) and over the files
the user uploaded (-Path): -Pattern as .NET regular expressions under the script's time limit, or -SimpleMatch text,
-CaseSensitive, -NotMatch, -AllMatches, -Quiet, -List, -Context, -Raw.

Each match is a MatchInfo (IgnoreCase, LineNumber, Line, Filename, Path, Pattern, Context, Matches) that prints as
PowerShell prints it: the line alone for pipeline input (Path "InputStream"), `path:number:line` for a file, with
`> ` before the matching line and two spaces before its context lines when -Context is given.
"""

from __future__ import annotations

import re

from .pspipeline import Stage
from .psvalues import (
    Collection,
    PSObject,
    RuntimeFailure,
    as_list,
    find_all,
    has_wildcard,
    regex,
    search,
    to_number,
    to_string,
    wildcard,
)

MATCH_INFO = "Microsoft.PowerShell.Commands.MatchInfo"
INPUT_STREAM = "InputStream"
MISSING = "Cannot process command because of one or more missing mandatory parameters: {0}."


class MatchInfo(PSObject):
    """One matching line: prints (and converts to text) as Select-String's output line."""

    __slots__ = ()

    def display(self) -> list[str]:
        context = self.get("Context")
        before = list(context.get("PreContext")) if context is not None else []
        after = list(context.get("PostContext")) if context is not None else []
        number = int(self.get("LineNumber"))
        marked = context is not None
        lines = [self._line(text, number - len(before) + i, "  " if marked else "") for i, text in enumerate(before)]
        lines.append(self._line(self.get("Line"), number, "> " if marked else ""))
        lines += [self._line(text, number + 1 + i, "  " if marked else "") for i, text in enumerate(after)]
        return lines

    def _line(self, text: str, number: int, mark: str) -> str:
        path = self.get("Path")
        return mark + (text if path == INPUT_STREAM else f"{path}:{number}:{text}")

    def __str__(self) -> str:
        return "\n".join(self.display())


class RegexMatch(PSObject):
    """A Match or Group of .NET's regular expressions: prints as the text it matched, as its ToString() does."""

    __slots__ = ()

    def __str__(self) -> str:
        return to_string(self.get("Value"))


def _match(found) -> PSObject:
    groups = [
        RegexMatch(
            "System.Text.RegularExpressions.Group",
            {
                "Success": found.start(n) >= 0,
                "Name": str(n),
                "Index": max(found.start(n), 0),
                "Length": max(found.end(n) - found.start(n), 0),
                "Value": found.group(n) or "",
            },
        )
        for n in range(len(found.groups()) + 1)
    ]
    return RegexMatch(
        "System.Text.RegularExpressions.Match",
        {
            "Groups": groups,
            "Success": True,
            "Name": "0",
            "Index": found.start(),
            "Length": found.end() - found.start(),
            "Value": found.group(0),
        },
    )


def _patterns(bound: dict) -> list:
    written = [to_string(getattr(p, "text", p)) for p in as_list(bound.get("Pattern"))]
    if not written:
        raise RuntimeFailure(MISSING.format("Pattern"))
    sensitive = bool(bound.get("CaseSensitive"))
    if bound.get("SimpleMatch"):
        return [(p, regex(re.escape(p), sensitive)) for p in written]
    compiled = []
    for pattern in written:
        try:
            compiled.append((pattern, regex(pattern, sensitive)))
        except RuntimeFailure as failure:
            raise RuntimeFailure(f"The string {pattern[:80]} is not a valid regular expression: {failure}") from None
    return compiled


def _first(patterns: list, line: str, all_matches: bool):
    """(the pattern that matched, its matches) for the first pattern matching the line, else (None, [])."""
    for written, compiled in patterns:
        if all_matches:
            found = find_all(compiled, line)
            if found:
                return written, [_match(m) for m in found]
        else:
            found = search(compiled, line)
            if found is not None:
                return written, [_match(found)]
    return None, []


def _context(bound: dict) -> tuple[int, int] | None:
    if "Context" not in bound:
        return None
    numbers = [int(to_number(getattr(n, "text", n))) for n in as_list(bound["Context"])]
    if not numbers or len(numbers) > 2 or any(n < 0 for n in numbers):
        raise RuntimeFailure(
            "Cannot validate argument on parameter 'Context'. The argument must be one or two non-negative numbers."
        )
    return (numbers[0], numbers[-1])


def _scan(ctx, lines: list[str], path: str, filename: str, bound: dict, patterns: list) -> list:
    not_match, all_matches = bool(bound.get("NotMatch")), bool(bound.get("AllMatches"))
    context = _context(bound)
    found = []
    for number, line in enumerate(lines, 1):
        ctx.step()
        pattern, matches = _first(patterns, line, all_matches)
        if (pattern is None) != not_match:
            continue
        props = {
            "IgnoreCase": not bound.get("CaseSensitive"),
            "LineNumber": number,
            "Line": line,
            "Filename": filename,
            "Path": path,
            "Pattern": pattern if pattern is not None else patterns[0][0],
            "Context": None,
            "Matches": [] if not_match else matches,
        }
        if context is not None:
            before, after = context
            props["Context"] = PSObject(
                "Microsoft.PowerShell.Commands.MatchInfoContext",
                {
                    "PreContext": Collection(lines[max(number - 1 - before, 0) : number - 1]),
                    "PostContext": Collection(lines[number : number + after]),
                },
            )
        found.append(MatchInfo(MATCH_INFO, props))
        if bound.get("List"):
            break
    return found


def _files(ctx, path) -> list[tuple[str, str, str]]:
    """(the path as shown, the file's name, its text) of each uploaded file a -Path names (wildcards allowed)."""
    from .pscmdlets import file_name, read_file  # pscmdlets lists this module's cmdlet

    written = to_string(getattr(path, "text", path)).strip()
    name = file_name(written)
    folder = written[: len(written) - len(name)].removeprefix(".\\").removeprefix("./")
    if not has_wildcard(name):
        return [(folder + name, name, read_file(ctx, written))]
    test = wildcard(name)
    files = {**ctx.files, **ctx.written}
    return [(folder + key, key, files[key]) for key in sorted(files, key=str.casefold) if test.fullmatch(key)]


def select_string(ctx, bound: dict, items: list) -> list:
    patterns = _patterns(bound)
    found = []
    if "Path" in bound or "LiteralPath" in bound:
        for path in as_list(bound.get("Path") or bound.get("LiteralPath")):
            for shown, name, text in _files(ctx, path):
                found += _scan(ctx, text.splitlines(), shown, name, bound, patterns)
    else:
        if "InputObject" in bound:
            items = [bound["InputObject"]]  # -InputObject @(...) is one text, as PowerShell converts it
        elif not items:
            return []
        found = _scan(ctx, [to_string(item) for item in items], INPUT_STREAM, INPUT_STREAM, bound, patterns)
    if bound.get("Quiet"):
        return [bool(found)]
    if bound.get("Raw"):
        return [item.get("Line") for item in found]
    return found


class _Lines(Stage):
    """Select-String over pipeline input, as it streams: each object matched as it comes, numbered in turn (a
    `| select -First 1` after it stops the commands before it at the first match)."""

    def __init__(self, ctx, bound: dict):
        self.ctx, self.bound, self.patterns, self.number = ctx, bound, _patterns(bound), 0
        self.listed = False

    def process(self, item) -> None:
        if self.listed:
            return  # -List: the first match only
        self.number += 1
        for found in _scan(self.ctx, [to_string(item)], INPUT_STREAM, INPUT_STREAM, self.bound, self.patterns):
            found.props["LineNumber"] = self.number
            self.listed = bool(self.bound.get("List"))
            self.emit(found.get("Line") if self.bound.get("Raw") else found)


def stage(ctx, bound: dict):
    """A streaming stage for pipeline input, or None when Select-String needs all of it first (-Context looks at the
    lines after a match, -Quiet answers once) or reads files."""
    if any(k in bound for k in ("Path", "LiteralPath", "Context")) or bound.get("Quiet"):
        return None
    return _Lines(ctx, bound)


SPECS = {
    "Select-String": (
        select_string,
        {
            "Pattern": "value",
            "Path": "value",
            "LiteralPath": "value",
            "InputObject": "value",
            "SimpleMatch": "switch",
            "CaseSensitive": "switch",
            "NotMatch": "switch",
            "AllMatches": "switch",
            "Quiet": "switch",
            "List": "switch",
            "Raw": "switch",
            "NoEmphasis": "switch",
            "Context": "value",
            "Encoding": "value",
        },
        ("Pattern", "Path"),
    ),
}
ALIASES = {"sls": "Select-String"}
