"""Reading PowerShell with the PowerShell grammar (tree-sitter-powershell) into plain values the console runs.

Only what the console supports becomes a value: commands in pipelines, parameters, literal arguments (strings,
numbers, $true/$false/$null, arrays, @(...), @{Add=...; Remove=...}) and the `where {...}` filter. Everything
else raises Unsupported naming the construct, before anything runs.

The syntax tree is walked without recursion, and the values and filters inside it may nest at most MAX_NESTING
levels deep (parentheses, @(...), @{...}, -not), so no script can exhaust Python's stack: a deeper one is refused
in words. A chain of -and/-or/-xor terms is flat however long it is.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

_PARSER = Parser(Language(tree_sitter_powershell.language()))
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_DOUBLE_QUOTES = '"\u201c\u201d\u201e'
_TYPOGRAPHIC_DOUBLE = ("\u201c", "\u201d", "\u201e")
_HERE_BODY = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)(.*?)(?:\r\n|\r|\n)", re.DOTALL)
_LONE_CR = re.compile(r"\r(?!\n)")
_UNSAFE_BAREWORD = "$`\"'(){}@;," + _SINGLE_QUOTES + _DOUBLE_QUOTES
# Expression layers the grammar wraps around every operand; with one child they are just the operand.
_WRAPPERS = {
    "pipeline",
    "pipeline_chain",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
    "statement_list",
}
_BACKTICK_ESCAPES = {
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


FILTER_COMMANDS = ("where", "where-object", "?")
MAX_NESTING = 100
TOO_DEEP = (
    "At line:{0} char:{1}: the script is nested too deeply: the console reads at most "
    + str(MAX_NESTING)
    + " levels of (), @(), @{{}} and -not inside one another."
)
BAD_NUMBER = "At line:{0} char:{1}: The numeric constant {2} is not valid."
_MAX_DIGITS = 310  # beyond System.Double (about 1.8e308) PowerShell has no type for a numeric literal


class Unsupported(Exception):
    """A construct the console doesn't run; the message names it."""


@dataclass(frozen=True)
class Parameter:
    name: str  # as written, without the dash
    value: object = None  # the value bound with a colon (-Enabled:$false), else None
    colon: bool = False


@dataclass(frozen=True)
class Bareword:
    """An unquoted argument; kept apart from strings only so that `-Param` look-alikes are visible."""

    text: str


@dataclass
class CommandCall:
    name: str
    elements: list = field(default_factory=list)  # Parameter | value, in order
    line: int = 0


@dataclass(frozen=True)
class ScriptBlock:
    """A script block given to anything but where: kept so the console can name the cmdlet before refusing it."""

    text: str


@dataclass(frozen=True)
class Filter:
    """A compiled `where {...}` block: test(obj_properties) -> bool."""

    test: Callable[[Callable[[str], object]], bool]
    text: str


def _walk(node: Node, enter: Callable[[Node], bool] = lambda node: True):
    """Every node under `node` (itself included) in document order, without recursion; `enter(node)` false skips
    the node's children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if enter(current):
            stack.extend(reversed(current.children))


def _nested(node: Node, depth: int) -> int:
    """The next nesting level, or Unsupported when it is one too many."""
    if depth >= MAX_NESTING:
        row, col = node.start_point
        raise Unsupported(TOO_DEEP.format(row + 1, col + 1))
    return depth + 1


def _normalise_line_endings(text: str) -> str:
    """PowerShell ends a line at CR, LF or CRLF; the grammar knows only LF and CRLF. A lone CR outside string
    literals becomes LF before the real parse; inside a string every character stays as written, CR included, as
    PowerShell keeps it, except in a here-string, whose lone CRs read as LF (the grammar can't hold them; CRLF stays).
    The swap is one character for one, so the trial parse's string positions hold."""
    if "\r" not in text:
        return text
    trial = _LONE_CR.sub("\n", text)
    root = _PARSER.parse(trial.encode()).root_node
    strings = [n for n in _walk(root, lambda n: n.type != "string_literal") if n.type == "string_literal"]
    if not strings:
        return trial
    original, data = text.encode(), bytearray(trial.encode())
    for node in strings:
        if data[node.start_byte : node.start_byte + 1] != b"@":  # the grammar can't read a CR in a here-string
            data[node.start_byte : node.end_byte] = original[node.start_byte : node.end_byte]
    return data.decode()


def _normalise_quotes(text: str) -> str:
    """PowerShell accepts “ ” „ as double quotes; the grammar doesn't, so outside single-quoted strings and comments
    they are rewritten to ASCII quotes before the real parse (inside a single-quoted string they are literal)."""
    if not any(q in text for q in _TYPOGRAPHIC_DOUBLE):
        return text
    data = text.encode()

    def is_protected(node: Node) -> bool:
        return node.type == "comment" or (node.type == "string_literal" and node.text[:1] in (b"'",))

    protected = [
        (node.start_byte, node.end_byte)
        for node in _walk(_PARSER.parse(data).root_node, lambda node: not is_protected(node))
        if is_protected(node)
    ]
    out, position = [], 0
    for start, end in protected + [(len(data), len(data))]:
        segment = data[position:start].decode()
        for q in _TYPOGRAPHIC_DOUBLE:
            segment = segment.replace(q, '"')
        out += [segment, data[start:end].decode()]
        position = end
    return "".join(out)


def _generic_tokens(node: Node):
    return (n for n in _walk(node) if n.type == "generic_token")


def _quote_bareword_lists(text: str) -> str:
    """`-RemoteIPRanges 10.0.0.1,10.0.0.2,10.0.0.3` is an array of barewords to PowerShell, but the grammar loses its
    way after the first comma. Each such list the grammar marks (a bare token followed by a comma) is rewritten as
    the equivalent quoted array before the real parse."""
    if "," not in text:
        return text
    data = text.encode()
    spans = []
    for token in _generic_tokens(_PARSER.parse(data).root_node):
        if data[token.end_byte : token.end_byte + 1] != b"," or token.text.startswith(b","):
            continue
        end = token.end_byte
        while end < len(data) and data[end : end + 1] not in b" \t\n;|&)}":
            end += 1
        items = [_list_item(item) for item in data[token.start_byte : end].decode().split(",")]
        if all(items):
            spans.append((token.start_byte, end, ",".join(items)))
    for start, end, replacement in sorted(spans, reverse=True):
        data = data[:start] + replacement.encode() + data[end:]
    return data.decode()


def _list_item(item: str) -> str:
    """A quoted item stays as written, a plain bareword gets quotes; '' when the item is neither."""
    if len(item) >= 2 and item[0] in "'\"" and item[-1] == item[0]:
        return item
    return "" if not item or any(c in item for c in _UNSAFE_BAREWORD) else f"'{item}'"


def _first_error(node: Node) -> Node | None:
    def is_error(n: Node) -> bool:
        return n.type == "ERROR" or (n.is_missing and bool(n.type.strip()))

    return next((n for n in _walk(node, lambda n: n.has_error and not is_error(n)) if is_error(n)), None)


def parse_script(text: str) -> list[list[CommandCall]]:
    """The script as a list of pipelines (each a list of commands). Raises Unsupported for syntax errors and for
    anything that isn't a plain command pipeline with literal arguments."""
    try:
        text.encode()
    except UnicodeEncodeError as error:
        where = f"at character {error.start + 1}"
        raise Unsupported(f"The script holds a character that isn't valid Unicode ({where}).") from None
    text = _quote_bareword_lists(_normalise_quotes(_normalise_line_endings(text)))
    root = _PARSER.parse(text.encode()).root_node
    if all(c.type == "comment" or (c.type == "ERROR" and not c.text.strip()) for c in root.children):
        return []  # only comments and blank lines, which the grammar can't place in a program
    error = _first_error(root)
    if error is not None:
        row, col = error.start_point
        snippet = error.text.decode(errors="replace").splitlines()[0][:40] if error.text else ""
        raise Unsupported(
            f"At line:{row + 1} char:{col + 1}: the script can't be parsed"
            + (f" near '{snippet}'." if snippet else " (something is missing).")
        )
    pipelines = []
    for node in _statements(root):
        pipelines.append(_pipeline(node))
    return pipelines


def _statements(root: Node):
    for node in root.children:
        if node.type == "comment":
            continue
        if node.type != "statement_list":
            raise Unsupported(_construct(node))
        for statement in node.children:
            if statement.type in ("comment", "empty_statement"):
                continue
            if statement.type != "pipeline":
                raise Unsupported(_construct(statement))
            yield statement


def _construct(node: Node) -> str:
    line = node.start_point[0] + 1
    names = {
        "assignment_expression": "variable assignment",
        "if_statement": "if statement",
        "foreach_statement": "foreach loop",
        "for_statement": "for loop",
        "while_statement": "while loop",
        "function_statement": "function definition",
        "sub_expression": "subexpression $(...)",
        "script_block_expression": "script block { ... }",
        "variable": f"variable {node.text.decode()}",
        "member_access": f"member access {node.text.decode()}",
        "invokation_expression": "method call",
        "type_literal": "type literal",
        "hash_literal_expression": "hashtable @{...}",
        "pipeline_chain": "&& / || pipeline chain",
    }
    what = names.get(node.type, f"'{node.text.decode(errors='replace')[:40]}' ({node.type.replace('_', ' ')})")
    return f"The console doesn't support {what} (line {line}). It runs Exchange cmdlets with literal arguments only."


def _pipeline(node: Node) -> list[CommandCall]:
    children = [c for c in node.children if c.type != "comment"]
    if len(children) != 1 or children[0].type != "pipeline_chain":
        raise Unsupported(_construct(children[0] if children else node))
    commands = []
    for part in children[0].children:
        if part.type == "|" or part.type == "comment":
            continue
        if part.type != "command":
            raise Unsupported(_construct(part))
        commands.append(_command(part))
    return commands


def _command(node: Node) -> CommandCall:
    name_node = node.child_by_field_name("command_name") or next(
        (c for c in node.children if c.type == "command_name"), None
    )
    if name_node is None:
        raise Unsupported(_construct(node))
    call = CommandCall(name_node.text.decode(), line=node.start_point[0] + 1)
    elements_node = next((c for c in node.children if c.type == "command_elements"), None)
    if elements_node is None:
        return call
    bind_next = False
    for child in elements_node.children:
        if child.type == "command_argument_sep":
            bind_next = bind_next or ":" in child.text.decode()
            continue
        if child.type == "comment":
            continue
        if child.type == "command_parameter":
            name = child.text.decode()[1:]
            colon = name.endswith(":")
            call.elements.append(Parameter(name.rstrip(":"), colon=colon))
            bind_next = colon
            continue
        value = _argument(child, call.name)
        previous = call.elements[-1] if call.elements else None
        if bind_next and isinstance(previous, Parameter) and previous.value is None:
            call.elements[-1] = Parameter(previous.name, value, True)
        else:
            call.elements.append(value)
        bind_next = False
    return call


def _argument(node: Node, command: str, depth: int = 0):
    if node.type == "generic_token":
        text = node.text.decode()
        if any(c in text for c in _UNSAFE_BAREWORD):
            raise Unsupported(_construct(node))
        return Bareword(text)
    if node.type == "array_literal_expression":
        items = [c for c in node.children if c.type != ","]
        if len(items) == 1 and _unwrap(items[0]).type == "script_block_expression":
            block = _unwrap(items[0])
            return compile_filter(block) if command.casefold() in FILTER_COMMANDS else ScriptBlock(block.text.decode())
        values = [_value(item, depth) for item in items]
        return values[0] if len(values) == 1 else values
    return _value(node, depth)


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS:
        children = [c for c in node.children if c.type not in ("comment",)]
        if node.type == "array_literal_expression" and len([c for c in children if c.type != ","]) > 1:
            return node
        if len(children) != 1:
            return node
        node = children[0]
    return node


def _value(node: Node, depth: int = 0):
    node = _unwrap(node)
    kind = node.type
    if kind == "array_literal_expression":
        return [_value(c, depth) for c in node.children if c.type != ","]
    if kind == "string_literal":
        return _string(node)
    if kind in ("integer_literal", "real_literal"):
        return _number(node)
    if kind == "variable":
        name = node.text.decode().casefold()
        constants = {"$true": True, "$false": False, "$null": None}
        if name in constants:
            return constants[name]
        raise Unsupported(_construct(node))
    if kind == "array_expression":
        inner = [c for c in node.children if c.type not in ("@(", ")")]
        if not inner:
            return []
        value = _value(inner[0], _nested(node, depth))
        return value if isinstance(value, list) else [value]
    if kind == "hash_literal_expression":
        return _hashtable(node, _nested(node, depth))
    if kind == "generic_token":
        return _argument(node, "", depth)
    raise Unsupported(_construct(node))


_MULTIPLIERS = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40, "pb": 1 << 50}
# PowerShell's numeric literals: digits (or 0x hex, 0b binary), a type suffix, a multiplier (about_Numeric_Literals).
_INTEGER = re.compile(r"(0x[0-9a-f]+|0b[01]+|[0-9]+)(ul|uy|us|u|l|y|s|n|d)?(kb|mb|gb|tb|pb)?", re.IGNORECASE)
_REAL = re.compile(r"((?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)(d)?(kb|mb|gb|tb|pb)?", re.IGNORECASE)


def shown(text: str, limit: int = 40) -> str:
    """A value as an error message quotes it: long ones cut, with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(node: Node) -> int | float:
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


def _hashtable(node: Node, depth: int = 0) -> dict:
    body = next((c for c in node.children if c.type == "hash_literal_body"), None)
    result = {}
    for entry in body.children if body else ():
        if entry.type != "hash_entry":
            continue
        key_node = next(c for c in entry.children if c.type == "key_expression")
        value_node = next(c for c in entry.children if c.type not in ("key_expression", "="))
        key = key_node.text.decode().strip("'\"")
        result[key] = _value(value_node, depth)
    return result


def _string(node: Node) -> str:
    raw = node.text.decode()
    here = raw.startswith("@")
    if here:  # @'...'@ / @"..."@: the text between the opening and closing lines, quotes literal
        body = _HERE_BODY.fullmatch(raw[2:-2])
        raw = raw[1] + (body.group(1) if body else "") + raw[1]
    if raw[0] in _SINGLE_QUOTES:
        return raw[1:-1] if here else _verbatim(raw, node)
    for descendant in _descendants(node):
        if descendant.type in ("variable", "sub_expression"):
            raise Unsupported(
                _construct(descendant).replace("doesn't support ", "doesn't support expanding ", 1)
                + " Use single quotes for literal text."
            )
    return _expandable(raw, doubled_quotes=not here)


def _descendants(node: Node):
    walk = _walk(node)
    next(walk)  # the node itself
    yield from walk


def _verbatim(raw: str, node: Node) -> str:
    body = raw[1:-1]
    if not any(q in body for q in _SINGLE_QUOTES):
        return body
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c in _SINGLE_QUOTES:
            if i + 1 < len(body) and body[i + 1] in _SINGLE_QUOTES:
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


def _expandable(raw: str, doubled_quotes: bool = True) -> str:
    body = raw[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "`" and i + 1 < len(body):
            out.append(_BACKTICK_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        if doubled_quotes and c in _DOUBLE_QUOTES and i + 1 < len(body) and body[i + 1] in _DOUBLE_QUOTES:
            out.append(body[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


# --- where { ... } ------------------------------------------------------------------------------------------------

_COMPARISONS = {
    "-eq": lambda a, b: _equal(a, b),
    "-ieq": lambda a, b: _equal(a, b),
    "-ne": lambda a, b: not _equal(a, b),
    "-like": lambda a, b: fnmatch.fnmatchcase(str(a).casefold(), str(b).casefold()),
    "-ilike": lambda a, b: fnmatch.fnmatchcase(str(a).casefold(), str(b).casefold()),
    "-notlike": lambda a, b: not fnmatch.fnmatchcase(str(a).casefold(), str(b).casefold()),
}


def _equal(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == (b if isinstance(b, bool) else str(b).casefold() == "true")
    return str(a).casefold() == str(b).casefold()


def compile_filter(node: Node) -> Filter:
    """`{ $_.Prop -op value [-and|-or ...] }` with parentheses and -not; nothing else."""
    body = next((c for c in _descendants(node) if c.type == "statement_list"), None)
    statements = [c for c in body.children if c.type != "comment"] if body else []
    if len(statements) != 1 or statements[0].type != "pipeline":
        raise Unsupported(_construct(node))
    return Filter(_expression(statements[0]), node.text.decode())


_LOGICAL = {
    "-and": lambda value, term, get: value and term(get),
    "-or": lambda value, term, get: value or term(get),
    "-xor": lambda value, term, get: value != term(get),
}


def _expression(node: Node, depth: int = 0) -> Callable:
    node = _unwrap(node)
    children = [c for c in node.children if c.type != "comment"]
    if node.type == "logical_expression" and len(children) == 3 and children[1].type.casefold() in _LOGICAL:
        return _logical_chain(node, depth)
    if node.type == "comparison_expression" and len(children) == 3:
        op = children[1].text.decode().casefold()
        if op in _COMPARISONS:
            compare = _COMPARISONS[op]
            left, right = _operand(children[0], depth), _operand(children[2], depth)

            def test(get, left=left, right=right, compare=compare, op=op):
                a, b = left(get), right(get)
                if isinstance(a, (list, tuple)):  # PowerShell filters a collection: true when any item matches
                    matches = [item for item in a if compare(item, b)]
                    return bool(matches) if not op.startswith(("-ne", "-not")) else len(matches) == len(a)
                return compare(a, b)

            return test
    if node.type == "parenthesized_expression":
        inner = next(c for c in children if c.type not in ("(", ")"))
        return _expression(inner, _nested(node, depth))
    if node.type == "expression_with_unary_operator" and children[0].type.casefold() in ("-not", "!"):
        inner = _expression(children[1], _nested(node, depth))
        return lambda get: not inner(get)
    operand = _operand(node, depth)
    return lambda get: bool(operand(get))


def _logical_chain(node: Node, depth: int) -> Callable:
    """`a -and b -or c ...`: the grammar nests it to the left, one level per operator; read as a flat list of terms
    (the three operators share one precedence, left to right), so a long chain costs no stack."""
    steps = []
    while True:
        children = [c for c in _unwrap(node).children if c.type != "comment"]
        op = children[1].type.casefold() if len(children) == 3 and node.type == "logical_expression" else None
        if op not in _LOGICAL:
            break
        steps.append((_LOGICAL[op], _expression(children[2], depth)))
        node = _unwrap(children[0])
    first = _expression(node, depth)
    steps.reverse()

    def test(get):
        value = bool(first(get))
        for combine, term in steps:
            value = bool(combine(value, term, get))
        return value

    return test


def _operand(node: Node, depth: int = 0) -> Callable:
    node = _unwrap(node)
    if node.type == "member_access":
        variable = node.children[0].text.decode().casefold()
        member = node.children[-1].text.decode()
        if variable in ("$_", "$psitem"):
            return lambda get: get(member)
        raise Unsupported(_construct(node))
    if node.type == "parenthesized_expression":
        return _expression(node, depth)
    value = _value(node, depth)
    if isinstance(value, Bareword):
        value = value.text
    return lambda get: value
