"""The tokens of a console script as PowerShell reads them, and its tree walked: numeric literals (suffixes,
multipliers, PowerShell's refusals), single- and double-quoted strings (doubled quotes, backtick escapes, typographic
quotes), which bare words are text, and the tree of tree-sitter-powershell walked without recursion, with the nesting
limit and the first error. psparse builds the syntax tree with these; psrewrites makes the text readable to the
grammar first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from tree_sitter import Node

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
HERE_BODY = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)(.*?)(?:\r\n|\r|\n)", re.DOTALL)
UNSAFE_BAREWORD = "$`\"'(){}@;," + SINGLE_QUOTES + DOUBLE_QUOTES


def unsafe_bareword(text: str) -> bool:
    """A bare token the console won't take as text: one holding PowerShell syntax (an @ is text after the first
    character, as in a@contoso.com)."""
    return text.startswith("@") or any(c in text for c in UNSAFE_BAREWORD if c != "@")


BACKTICK_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}


MAX_NESTING = 100
TOO_DEEP = (
    "At line:{0} char:{1}: the script is nested too deeply: the console reads at most "
    + str(MAX_NESTING)
    + " levels of (), @(), @{{}}, casts, unary operators and members inside one another."
)
BAD_NUMBER = "At line:{0} char:{1}: The numeric constant {2} is not valid."
_MAX_DIGITS = 310  # beyond System.Double (about 1.8e308) PowerShell has no type for a numeric literal


class Unsupported(Exception):
    """A construct the console doesn't run; the message names it."""


def walk(node: Node, enter: Callable[[Node], bool] = lambda node: True):
    """Every node under `node` (itself included) in document order, without recursion; `enter(node)` false skips
    the node's children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if enter(current):
            stack.extend(reversed(current.children))


def nested(node: Node, depth: int) -> int:
    """The next nesting level, or Unsupported when it is one too many."""
    if depth >= MAX_NESTING:
        row, col = node.start_point
        raise Unsupported(TOO_DEEP.format(row + 1, col + 1))
    return depth + 1


def first_error(node: Node) -> Node | None:
    def is_error(n: Node) -> bool:
        # A leaf flagged with an error is one the grammar made up to recover (`()` reads as an empty command).
        return n.type == "ERROR" or (n.is_missing and bool(n.type.strip())) or (n.has_error and not n.child_count)

    return next((n for n in walk(node, lambda n: n.has_error and not is_error(n)) if is_error(n)), None)


_MULTIPLIERS = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}
# PowerShell's numeric literals: digits (or 0x hex, 0b binary), a type suffix, a multiplier (about_Numeric_Literals).
_INTEGER = re.compile(r"(0x[0-9a-f]+|0b[01]+|[0-9]+)(ul|uy|us|u|l|y|s|n|d)?(kb|mb|gb|tb|pb)?", re.IGNORECASE)
_REAL = re.compile(r"((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)(d)?(kb|mb|gb|tb|pb)?", re.IGNORECASE)


def shown(text: str, limit: int = 40) -> str:
    """A value as an error message quotes it: long ones cut, with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def number(node: Node) -> int | float:
    """An integer or real literal's value; a malformed or out-of-range one is refused as PowerShell refuses it."""
    text = node.text.decode()
    integer = _INTEGER.fullmatch(text) if node.type == "integer_literal" else None
    real = _REAL.fullmatch(text) if integer is None else None
    match = integer or real
    if match is None or len(match.group(1)) > _MAX_DIGITS:
        row, col = node.start_point
        raise Unsupported(BAD_NUMBER.format(row + 1, col + 1, shown(text)))
    factor = _MULTIPLIERS[match.group(3).casefold()] if match.group(3) else 1
    if integer:
        digits = match.group(1).casefold()
        base = 16 if digits.startswith("0x") else 2 if digits.startswith("0b") else 10
        return int(digits[2:] if base != 10 else digits, base) * factor
    value = float(match.group(1)) * factor
    if math.isinf(value):
        row, col = node.start_point
        raise Unsupported(BAD_NUMBER.format(row + 1, col + 1, shown(text)))
    return value


def descendants(node: Node):
    nodes = walk(node)
    next(nodes)  # the node itself
    yield from nodes


def verbatim(raw: str, node: Node) -> str:
    body = raw[1:-1]
    if not any(q in body for q in SINGLE_QUOTES):
        return body
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c in SINGLE_QUOTES:
            if i + 1 < len(body) and body[i + 1] in SINGLE_QUOTES:
                out.append(body[i + 1])
                i += 2
                continue
            # PowerShell would end the string at this quote; the grammar didn't, so refuse rather than guess.
            raise Unsupported(
                f"The console doesn't support the quote character {c!r} inside a single-quoted string unless it is "
                f"doubled (line {node.start_point[0] + 1})."
            )
        out.append(c)
        i += 1
    return "".join(out)


def unescape(body: str, doubled_quotes: bool = True) -> str:
    """The text of a double-quoted string's literal part: backtick escapes and doubled quotes read."""
    if "`" not in body and not (doubled_quotes and any(q in body for q in DOUBLE_QUOTES)):
        return body
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "`" and i + 1 < len(body):
            out.append(BACKTICK_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        if doubled_quotes and c in DOUBLE_QUOTES and i + 1 < len(body) and body[i + 1] in DOUBLE_QUOTES:
            out.append(body[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
