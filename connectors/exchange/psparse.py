"""Reading PowerShell with the PowerShell grammar (tree-sitter-powershell) into plain values the console runs.

Only what the console supports becomes a value: commands in pipelines, parameters, literal arguments (strings,
numbers, $true/$false/$null, arrays, @(...), @{Add=...; Remove=...}) and the `where {...}` filter. Everything
else raises Unsupported naming the construct, before anything runs.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

_PARSER = Parser(Language(tree_sitter_powershell.language()))
_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
_DOUBLE_QUOTES = '"\u201c\u201d\u201e'
_TYPOGRAPHIC_DOUBLE = ("\u201c", "\u201d", "\u201e")
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


def _normalise_quotes(text: str) -> str:
    """PowerShell accepts “ ” „ as double quotes; the grammar doesn't, so outside single-quoted strings and comments
    they are rewritten to ASCII quotes before the real parse (inside a single-quoted string they are literal)."""
    if not any(q in text for q in _TYPOGRAPHIC_DOUBLE):
        return text
    data = text.encode()
    protected: list[tuple[int, int]] = []

    def collect(node: Node) -> None:
        if node.type == "comment" or (node.type == "string_literal" and node.text[:1] in (b"'",)):
            protected.append((node.start_byte, node.end_byte))
            return
        for child in node.children:
            collect(child)

    collect(_PARSER.parse(data).root_node)
    out, position = [], 0
    for start, end in protected + [(len(data), len(data))]:
        segment = data[position:start].decode()
        for q in _TYPOGRAPHIC_DOUBLE:
            segment = segment.replace(q, '"')
        out += [segment, data[start:end].decode()]
        position = end
    return "".join(out)


def _generic_tokens(node: Node):
    if node.type == "generic_token":
        yield node
    for child in node.children:
        yield from _generic_tokens(child)


def _quote_bareword_lists(text: str) -> str:
    """`-RemoteIPRanges 10.0.0.1,10.0.0.2,10.0.0.3` is an array of barewords to PowerShell, but the grammar loses its
    way after the first comma. Each such list the grammar marks (a bare token followed by a comma) is rewritten as
    the equivalent quoted array before the real parse."""
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
    if node.type == "ERROR" or (node.is_missing and node.type.strip()):
        return node
    if not node.has_error:
        return None
    for child in node.children:
        found = _first_error(child)
        if found is not None:
            return found
    return None


def parse_script(text: str) -> list[list[CommandCall]]:
    """The script as a list of pipelines (each a list of commands). Raises Unsupported for syntax errors and for
    anything that isn't a plain command pipeline with literal arguments."""
    text = _quote_bareword_lists(_normalise_quotes(text.replace("\r\n", "\n")))
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


def _argument(node: Node, command: str):
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
        values = [_value(item) for item in items]
        return values[0] if len(values) == 1 else values
    return _value(node)


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS:
        children = [c for c in node.children if c.type not in ("comment",)]
        if node.type == "array_literal_expression" and len([c for c in children if c.type != ","]) > 1:
            return node
        if len(children) != 1:
            return node
        node = children[0]
    return node


def _value(node: Node):
    node = _unwrap(node)
    kind = node.type
    if kind == "array_literal_expression":
        return [_value(c) for c in node.children if c.type != ","]
    if kind == "string_literal":
        return _string(node)
    if kind == "integer_literal":
        return _integer(node.text.decode())
    if kind == "real_literal":
        return float(node.text.decode())
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
        value = _value(inner[0])
        return value if isinstance(value, list) else [value]
    if kind == "hash_literal_expression":
        return _hashtable(node)
    if kind == "generic_token":
        return _argument(node, "")
    raise Unsupported(_construct(node))


def _integer(text: str) -> int:
    multipliers = {"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "tb": 1 << 40}
    lowered = text.casefold()
    for suffix, factor in multipliers.items():
        if lowered.endswith(suffix):
            return int(lowered[: -len(suffix)], 0) * factor
    return int(lowered, 0)


def _hashtable(node: Node) -> dict:
    body = next((c for c in node.children if c.type == "hash_literal_body"), None)
    result = {}
    for entry in body.children if body else ():
        if entry.type != "hash_entry":
            continue
        key_node = next(c for c in entry.children if c.type == "key_expression")
        value_node = next(c for c in entry.children if c.type not in ("key_expression", "="))
        key = key_node.text.decode().strip("'\"")
        result[key] = _value(value_node)
    return result


def _string(node: Node) -> str:
    raw = node.text.decode()
    here = raw.startswith("@")
    if here:  # @'...'@ / @"..."@: the text between the opening and closing lines, quotes literal
        inner = raw[2:-2]
        first, last = inner.find("\n"), inner.rfind("\n")
        raw = raw[1] + (inner[first + 1 : last] if first < last else "") + raw[1]
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
    for child in node.children:
        yield child
        yield from _descendants(child)


def _verbatim(raw: str, node: Node) -> str:
    body = raw[1:-1]
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


def _expression(node: Node) -> Callable:
    node = _unwrap(node)
    children = [c for c in node.children if c.type != "comment"]
    if node.type == "logical_expression" and len(children) == 3:
        left, right = _expression(children[0]), _expression(children[2])
        op = children[1].type.casefold()
        if op == "-and":
            return lambda get: left(get) and right(get)
        if op == "-or":
            return lambda get: left(get) or right(get)
        if op == "-xor":
            return lambda get: left(get) != right(get)
    if node.type == "comparison_expression" and len(children) == 3:
        op = children[1].text.decode().casefold()
        if op in _COMPARISONS:
            compare = _COMPARISONS[op]
            left, right = _operand(children[0]), _operand(children[2])

            def test(get, left=left, right=right, compare=compare, op=op):
                a, b = left(get), right(get)
                if isinstance(a, (list, tuple)):  # PowerShell filters a collection: true when any item matches
                    matches = [item for item in a if compare(item, b)]
                    return bool(matches) if not op.startswith(("-ne", "-not")) else len(matches) == len(a)
                return compare(a, b)

            return test
    if node.type == "parenthesized_expression":
        inner = next(c for c in children if c.type not in ("(", ")"))
        return _expression(inner)
    if node.type == "expression_with_unary_operator" and children[0].type.casefold() in ("-not", "!"):
        inner = _expression(children[1])
        return lambda get: not inner(get)
    operand = _operand(node)
    return lambda get: bool(operand(get))


def _operand(node: Node) -> Callable:
    node = _unwrap(node)
    if node.type == "member_access":
        variable = node.children[0].text.decode().casefold()
        member = node.children[-1].text.decode()
        if variable in ("$_", "$psitem"):
            return lambda get: get(member)
        raise Unsupported(_construct(node))
    if node.type == "parenthesized_expression":
        return _expression(node)
    value = _value(node)
    if isinstance(value, Bareword):
        value = value.text
    return lambda get: value
