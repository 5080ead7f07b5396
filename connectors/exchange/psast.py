"""The console's syntax tree: what psparse makes of a script and psruntime runs.

Literals are plain Python values (str, int, float, bool, None); an array literal is a Python list of nodes and a
hashtable literal a Python dict of key -> node, so a command with literal arguments reads as its values. Everything
else is one of the small frozen classes below. Every node that can fail at run time carries its line.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Parameter:
    name: str  # as written, without the dash
    value: object = None  # the value bound with a colon (-Enabled:$false), else None
    colon: bool = False


@dataclass(frozen=True)
class Bareword:
    """An unquoted command argument (`EX01`, `0.0.0.0:25`): text to the command, kept apart so a value that looks
    like `-Param` stays visible as written."""

    text: str


@dataclass
class CommandCall:
    name: str
    elements: list = field(default_factory=list)  # Parameter | node | Splat, in order
    line: int = 0
    invocation: str = ""  # "&" or "." when the command is invoked through an operator


class Pipeline(list):
    """One statement's pipeline: CommandCall elements, the first of which may be an expression node."""

    line: int = 0


@dataclass(frozen=True)
class Var:
    name: str  # case-folded, without $ and without a scope prefix
    line: int = 0
    scope: str = ""  # "global" or "script" when written $global:x / $script:x (both the console's outermost scope)


@dataclass(frozen=True)
class Splat:
    name: str  # @params in a command: the hashtable's entries become named parameters, an array's positional ones
    line: int = 0


@dataclass(frozen=True)
class Member:
    target: object
    name: object  # str, or a node for $x.$name
    line: int = 0


@dataclass(frozen=True)
class Invoke:
    target: object
    name: str
    arguments: tuple
    line: int = 0
    static: str = ""  # the type name for [Type]::Method()


@dataclass(frozen=True)
class StaticMember:
    type_name: str
    name: str
    line: int = 0


@dataclass(frozen=True)
class Index:
    target: object
    index: object
    line: int = 0


@dataclass(frozen=True)
class Unary:
    operator: str  # -not ! - + -join -split , -bnot
    operand: object
    line: int = 0


@dataclass(frozen=True)
class Cast:
    type_name: str
    operand: object
    line: int = 0


@dataclass(frozen=True)
class TypeName:
    name: str  # a type literal used as a value, e.g. the right of -is / -as
    line: int = 0


@dataclass(frozen=True)
class Chain:
    """Binary operators of one precedence, left to right: first (op, operand) (op, operand) ... (never recursive)."""

    first: object
    rest: tuple
    line: int = 0


@dataclass(frozen=True)
class Expandable:
    parts: tuple  # str | node, joined as text
    line: int = 0


@dataclass(frozen=True)
class Block:
    """A script block { ... } as a value; `parameters` are its param() block's (Param)."""

    statements: tuple
    text: str
    line: int = 0
    parameters: tuple = ()


@dataclass(frozen=True)
class SubExpression:
    statements: tuple
    array: bool = False  # @( ... ): always an array
    line: int = 0


@dataclass(frozen=True)
class Assign:
    target: object  # Var | Member | Index
    operator: str  # = += -= *= /=
    value: object  # a Pipeline or a statement
    line: int = 0
    cast: str = ""  # a typed assignment's type: `[int]$count = …` converts the value, as PowerShell does


@dataclass(frozen=True)
class Step:
    target: object
    delta: int  # ++ / --
    post: bool
    line: int = 0


@dataclass(frozen=True)
class If:
    clauses: tuple  # (condition, statements)
    otherwise: tuple | None
    line: int = 0


@dataclass(frozen=True)
class Foreach:
    variable: str
    iterable: object
    body: tuple
    line: int = 0


@dataclass(frozen=True)
class Loop:
    """for / while / do-while / do-until: initializer, condition (None = forever), iterator, body."""

    initializer: object
    condition: object
    iterator: object
    body: tuple
    test_first: bool = True
    until: bool = False
    line: int = 0


@dataclass(frozen=True)
class Switch:
    """switch [-Regex|-Wildcard|-Exact] [-CaseSensitive] (subject) | -File name { condition {body} ... default {} }:
    a condition is a node (a Block is tested with $_), the default clause's body is `default`."""

    mode: str  # "" (equality), "regex", "wildcard" or "exact"
    case_sensitive: bool
    subject: object  # a Pipeline, or None with -File
    file: object  # the -File name (a node), or None
    clauses: tuple  # (condition, statements)
    default: tuple | None = None
    line: int = 0


@dataclass(frozen=True)
class Param:
    """One parameter of a function: `[string]$Identity = 'x'` (type name "" when untyped, default a node)."""

    name: str  # case-folded, without $
    type_name: str = ""
    default: object = None
    line: int = 0
    piped: str = ""  # "value" ([Parameter(ValueFromPipeline)]), "property" (…ByPropertyName), or ""
    mandatory: bool = False  # [Parameter(Mandatory)]
    written: str = ""  # the name as declared (an error names it so)


@dataclass(frozen=True)
class ScriptParams:
    """The script's own param() block (`param([string]$Connector = "Relay")` at the top of a .ps1): the console
    passes a script no arguments, so each parameter takes its default when the block runs."""

    parameters: tuple[Param, ...]
    line: int = 0


@dataclass(frozen=True)
class FunctionDef:
    """function Name { param(...) ... } or function Name($a, $b) { ... }: defined when the statement runs. With
    begin/process/end blocks (or as a `filter`, whose body is its process block), `body` is the end block."""

    name: str
    parameters: tuple  # Param
    body: tuple
    line: int = 0
    begin: tuple = ()
    process: tuple | None = None  # None: no process block; the body runs once, over $input


@dataclass(frozen=True)
class Try:
    """try { } catch [Type] { } finally { }: catches are (type names, statements); a catch without types takes any
    error, as does one naming a type (the console's errors are all Exchange's or PowerShell's runtime errors)."""

    body: tuple
    catches: tuple
    finally_: tuple | None = None
    line: int = 0


@dataclass(frozen=True)
class Flow:
    kind: str  # break continue return exit throw
    value: object = None
    line: int = 0


def commands(statements) -> list[CommandCall]:
    """Every command call in a tree, in order, without recursion (strings, blocks and subexpressions included)."""
    return [node for node in _nodes(statements) if isinstance(node, CommandCall)]


def functions(statements) -> set[str]:
    """The names (case-folded) of the functions a script defines, wherever it defines them."""
    return {node.name.casefold() for node in _nodes(statements) if isinstance(node, FunctionDef)}


def _nodes(statements):
    found, stack = [], [statements]
    while stack:
        node = stack.pop()
        if isinstance(node, CommandCall | FunctionDef):
            found.append(node)
        if isinstance(node, CommandCall):
            stack.extend(reversed(node.elements))
        elif isinstance(node, list | tuple):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif hasattr(node, "__dataclass_fields__") and not isinstance(node, Bareword):
            stack.extend(reversed([getattr(node, name) for name in node.__dataclass_fields__]))
    return found
