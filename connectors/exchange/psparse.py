"""Reading PowerShell with the PowerShell grammar (tree-sitter-powershell) into the console's syntax tree (psast).

What admins write in EMS scripts becomes a node: pipelines of commands and expressions, variables and assignment,
member access and method calls, operators, arrays, hashtables, script blocks, string expansion, foreach/for/while/do
and if/elseif/else. Anything else (functions, classes, try/catch, redirection, ...) raises Unsupported naming the
construct, before anything runs.

The grammar's tree is deep (a dozen wrapper layers around every operand) and a chain of binary operators nests one
level per operator; both are read with loops, so only real nesting ((), @(), $(), @{}, {}, -not) costs Python
stack, and it may go at most MAX_NESTING levels deep: a deeper script is refused in words.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from . import psrewrites, pstext
from .psast import (
    Assign,
    Bareword,
    Block,
    Cast,
    Chain,
    CommandCall,
    Expandable,
    Flow,
    Foreach,
    FunctionDef,
    If,
    Index,
    Invoke,
    Loop,
    Member,
    Param,
    Parameter,
    Pipeline,
    ScriptParams,
    Splat,
    StaticMember,
    Step,
    SubExpression,
    Switch,
    Try,
    TypeName,
    Unary,
    Var,
)
from .pstext import MAX_NESTING, TOO_DEEP, Unsupported, shown

__all__ = ["MAX_NESTING", "TOO_DEEP", "Bareword", "CommandCall", "Parameter", "Unsupported", "parse_script", "shown"]

# Expression layers the grammar wraps around every operand; with one child they are just the operand.
_WRAPPERS = {
    "pipeline",
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "array_literal_expression",
    "unary_expression",
    "argument_expression",
    "logical_argument_expression",
    "bitwise_argument_expression",
    "comparison_argument_expression",
    "additive_argument_expression",
    "multiplicative_argument_expression",
    "format_argument_expression",
    "range_argument_expression",
    "left_assignment_expression",
    "key_expression",
}
# Binary layers: a left-nested chain of one precedence, read as a flat list.
_BINARY = {
    "logical_expression",
    "bitwise_expression",
    "comparison_expression",
    "additive_expression",
    "multiplicative_expression",
    "format_expression",
    "range_expression",
    "logical_argument_expression",
    "bitwise_argument_expression",
    "comparison_argument_expression",
    "additive_argument_expression",
    "multiplicative_argument_expression",
    "format_argument_expression",
    "range_argument_expression",
}
_CONSTANTS = {"true": True, "false": False, "null": None}
_SCOPES = ("script:", "global:", "local:", "private:")
_NAMES = {
    "filter_statement": "filter definitions",
    "class_statement": "class definitions",
    "enum_statement": "enum definitions",
    "trap_statement": "trap",
    "data_statement": "data sections",
    "redirection": "redirection (> and >>): use Out-File or Export-Csv instead",
    "pipeline_chain_tail": "&& / || pipeline chains",
    "parallel_statement": "parallel blocks",
    "sequence_statement": "sequence blocks",
    "inlinescript_statement": "inlinescript",
    "param_block": "param() blocks",
    "stop_parsing": "the stop-parsing token --%",
}
_RANGE_COMMAND = re.compile(r"(-?[0-9]+)\.\.(-?[0-9]+)")


def refuse(node: Node, what: str | None = None) -> Unsupported:
    line = node.start_point[0] + 1
    what = what or _NAMES.get(node.type) or f"'{shown(node.text.decode(errors='replace'))}' ({node.type})"
    what, _, hint = what.partition(": ")
    return Unsupported(
        f"{what[:1].upper()}{what[1:]}: not run by the exchsim console (line {line})."
        + (f" {hint[:1].upper()}{hint[1:]}." if hint else "")
    )


def _line(node: Node) -> int:
    return node.start_point[0] + 1


def _kids(node: Node) -> list[Node]:
    return [c for c in node.children if c.type != "comment"]


def parse_script(text: str) -> list:
    """The script as a list of statements (a Pipeline is a list of commands, as before). Raises Unsupported for
    syntax errors and for anything the console doesn't run."""
    root = psrewrites.parse_tree(text)
    if all(c.type == "comment" or (c.type == "ERROR" and not c.text.strip()) for c in root.children):
        return []  # only comments and blank lines, which the grammar can't place in a program
    error = pstext.first_error(root)
    if error is not None:
        row, col = error.start_point
        snippet = error.text.decode(errors="replace").splitlines()[0][:40] if error.text else ""
        raise Unsupported(
            f"At line:{row + 1} char:{col + 1}: the script can't be parsed"
            + (f" near '{snippet}'." if snippet else " (something is missing).")
        )
    statements = []
    for node in _kids(root):
        if node.type == "param_block" and not statements:  # the script's parameters, before its statements
            declared = _first(node, "parameter_list")
            statements.append(ScriptParams(tuple(_parameters([declared], 0)), _line(node)))
            continue
        if node.type != "statement_list":
            raise refuse(node)
        statements += _statement_list(node, 0)
    return statements


def _statement_list(node: Node | None, depth: int) -> list:
    if node is None:
        return []
    return [_statement(child, depth) for child in _kids(node) if child.type != "empty_statement"]


def _block(node: Node, depth: int, parameters: bool = False) -> tuple:
    """The statements of a statement_block / script_block { ... }; a param() block only where `parameters` (a script
    block value: _script_block reads it)."""
    depth = pstext.nested(node, depth)
    body = next(
        (
            c
            for c in pstext.walk(node, lambda n: n is node or n.type in ("script_block", "script_block_body"))
            if c.type == "statement_list"
        ),
        None,
    )
    refused = ("named_block_list",) if parameters else ("param_block", "named_block_list")
    for child in node.children:
        if child.type in refused:
            raise refuse(child)
    script = next((c for c in node.children if c.type == "script_block"), None)
    if script is not None and any(c.type in refused for c in script.children):
        raise refuse(next(c for c in script.children if c.type in refused))
    if _named_blocks(script) is not None:
        raise refuse(_named_blocks(script), "begin/process/end blocks in a script block: write them in a function")
    return tuple(_statement_list(body, depth))


def _statement(node: Node, depth: int):
    kind = node.type
    if kind == "pipeline":
        return _pipeline(node, depth)
    if kind == "if_statement":
        clauses = [
            (_condition(node.child_by_field_name("condition"), depth), _block(_first(node, "statement_block"), depth))
        ]
        elseifs = _first(node, "elseif_clauses")
        for clause in _kids(elseifs) if elseifs else ():
            clauses.append(
                (
                    _condition(clause.child_by_field_name("condition"), depth),
                    _block(_first(clause, "statement_block"), depth),
                )
            )
        otherwise = _first(node, "else_clause")
        return If(
            tuple(clauses), _block(_first(otherwise, "statement_block"), depth) if otherwise else None, _line(node)
        )
    if kind == "foreach_statement":
        if _first(node, "foreach_parameter"):
            raise refuse(_first(node, "foreach_parameter"), "foreach -parallel")
        variable = _variable_name(_first(node, "variable"))
        return Foreach(
            variable,
            _pipeline(_first(node, "pipeline"), depth),
            _block(_first(node, "statement_block"), depth),
            _line(node),
        )
    if kind == "for_statement":
        parts = {c.type: _first(c, "pipeline") for c in node.children if c.type.startswith("for_")}
        read = {k: (_pipeline(v, depth) if v is not None else None) for k, v in parts.items()}
        return Loop(
            read.get("for_initializer"),
            read.get("for_condition"),
            read.get("for_iterator"),
            _block(_first(node, "statement_block"), depth),
            line=_line(node),
        )
    if kind == "while_statement":
        condition = _first(_first(node, "while_condition"), "pipeline")
        return Loop(
            None, _pipeline(condition, depth), None, _block(_first(node, "statement_block"), depth), line=_line(node)
        )
    if kind == "do_statement":
        until = any(c.type == "until" for c in node.children)
        condition = _first(_first(node, "while_condition"), "pipeline")
        body = _block(_first(node, "statement_block"), depth)
        return Loop(None, _pipeline(condition, depth), None, body, test_first=False, until=until, line=_line(node))
    if kind == "function_statement":
        return _function(node, depth)
    if kind == "switch_statement":
        return _switch(node, depth)
    if kind == "try_statement":
        catches = []
        for clause in _kids(_first(node, "catch_clauses")) if _first(node, "catch_clauses") else ():
            types = _first(clause, "catch_type_list")
            names = tuple(_type_name(t) for t in _kids(types) if t.type == "type_literal") if types else ()
            catches.append((names, _block(_first(clause, "statement_block"), depth)))
        final = _first(node, "finally_clause")
        return Try(
            _block(_first(node, "statement_block"), depth),
            tuple(catches),
            _block(_first(final, "statement_block"), depth) if final else None,
            _line(node),
        )
    if kind == "flow_control_statement":
        word = node.children[0].type.casefold()
        value = _first(node, "pipeline")
        label = _first(node, "label_expression") or _first(node, "label")
        if label is not None:
            raise refuse(label, "loop labels")
        return Flow(word, _pipeline(value, depth) if value is not None else None, _line(node))
    raise refuse(node)


_SWITCH_MODES = {"-regex": "regex", "-wildcard": "wildcard", "-exact": "exact"}


def _switch(node: Node, depth: int) -> Switch:
    """switch with its options (the last of -Regex/-Wildcard/-Exact counts, as in PowerShell), its subject or -File,
    and its clauses; a bare `default` is the default clause, a quoted 'default' a text to match."""
    mode, case_sensitive = "", False
    for parameter in _kids(_first(node, "switch_parameters")) if _first(node, "switch_parameters") else ():
        word = parameter.text.decode().casefold()
        if word in _SWITCH_MODES:
            mode = _SWITCH_MODES[word]
        elif word == "-casesensitive":
            case_sensitive = True
        else:
            raise refuse(parameter, f"switch {parameter.text.decode()}")
    condition = _first(node, "switch_condition")
    subject = file = None
    if _first(condition, "switch_filename") is not None:
        name = _first(condition, "switch_filename")
        inner = _kids(name)
        file = _expression(inner[0], depth) if inner else Bareword(name.text.decode())
    else:
        subject = _pipeline(_first(condition, "pipeline"), pstext.nested(node, depth))
    clauses, default = [], None
    body = _first(_first(node, "switch_body"), "switch_clauses")
    for clause in _kids(body) if body is not None else ():
        test = _first(clause, "switch_clause_condition")
        statements = _block(_first(clause, "statement_block"), depth)
        inner = _kids(test)
        if not inner and test.text.decode().casefold() == "default":
            if default is not None:
                raise Unsupported(f"At line:{_line(clause)}: A switch statement can have only one default clause.")
            default = statements
            continue
        clauses.append((_expression(inner[0], depth) if inner else _clause_text(test, depth), statements))
    return Switch(mode, case_sensitive, subject, file, tuple(clauses), default, _line(node))


def _clause_text(node: Node, depth: int):
    """A clause's condition the grammar leaves as text: a bare word as it is, a quoted string read as one
    (expanded when it holds variables)."""
    text = node.text.decode()
    if text[:1] not in pstext.SINGLE_QUOTES + pstext.DOUBLE_QUOTES:
        return text
    root = psrewrites.parse_tree(text)
    statements = _statement_list(_first(root, "statement_list"), depth) if not root.has_error else []
    value = statements[0] if len(statements) == 1 else None
    if isinstance(value, Pipeline) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str | Expandable):
        raise refuse(node, f"the switch condition {shown(text)}")
    return value


def _function(node: Node, depth: int) -> FunctionDef:
    """A function (or a filter, whose body is its process block) with its parameters (declared in parentheses or
    in a param() block) and its body, or its begin/process/end blocks."""
    keyword = node.children[0].type.casefold() if node.children else ""
    if keyword == "workflow":
        raise refuse(node, "workflow definitions")
    name = _first(node, "function_name").text.decode()
    script = _first(node, "script_block")
    lists = [_first(_first(node, "function_parameter_declaration"), "parameter_list")]
    if script is not None:
        lists.append(_first(_first(script, "param_block"), "parameter_list"))
    parameters = _parameters(lists, depth)
    inner = pstext.nested(node, depth)
    named = _named_blocks(script)
    if named is not None:
        blocks = {}
        for block in (c for c in _kids(named) if c.type == "named_block"):
            word = _first(block, "block_name").text.decode().casefold()
            if word not in ("begin", "process", "end"):
                raise refuse(block, f"{word} blocks")
            blocks[word] = _block(_first(block, "statement_block"), inner)
        body = blocks.get("end", ())
        return FunctionDef(
            name, tuple(parameters), body, _line(node), blocks.get("begin", ()), blocks.get("process", ())
        )
    inside = ("script_block", "script_block_body")
    body = None
    if script is not None:
        body = next((c for c in pstext.walk(script, lambda n: n.type in inside) if c.type == "statement_list"), None)
    statements = tuple(_statement_list(body, inner))
    if keyword == "filter":
        return FunctionDef(name, tuple(parameters), (), _line(node), (), statements)
    return FunctionDef(name, tuple(parameters), statements, _line(node))


def _parameters(lists, depth: int) -> list[Param]:
    """The parameters declared in a function's parentheses and param() block (None where there is none)."""
    parameters = []
    for parameter_list in (item for item in lists if item is not None):
        for parameter in (c for c in _kids(parameter_list) if c.type == "script_parameter"):
            types = [a for a in pstext.walk(parameter) if a.type == "type_literal"]
            default = _first(parameter, "script_parameter_default")
            value = next((c for c in _kids(default) if c.type != "="), None) if default is not None else None
            variable = _first(parameter, "variable")
            parameters.append(
                Param(
                    _variable_name(variable),
                    types[-1].text.decode()[1:-1].strip() if types else "",  # [string[]] stays string[]
                    _expression(value, depth) if value is not None else None,
                    _line(parameter),
                    _piped(parameter),
                    _mandatory(parameter),
                    variable.text.decode().lstrip("$") if variable is not None else "",
                )
            )
    return parameters


def _piped(parameter: Node) -> str:
    """How the parameter takes pipeline input, from its [Parameter(...)] attribute: "value" (ValueFromPipeline),
    "property" (ValueFromPipelineByPropertyName) or ""."""
    if _attribute_flag(parameter, "valuefrompipeline"):
        return "value"
    return "property" if _attribute_flag(parameter, "valuefrompipelinebypropertyname") else ""


def _mandatory(parameter: Node) -> bool:
    """Whether its [Parameter(...)] attribute makes the parameter mandatory."""
    return _attribute_flag(parameter, "mandatory")


def _attribute_flag(parameter: Node, name: str) -> bool:
    """Whether the parameter's attributes set the named argument (`name` casefolded): written alone, or set to $true
    or a non-zero number, as PowerShell converts it to a bool (a word in another argument's text doesn't count:
    HelpMessage='Mandatory in production')."""
    for argument in (a for a in pstext.walk(parameter) if a.type == "attribute_argument"):
        written = _first(argument, "simple_name")
        if written is None or written.text.decode().casefold() != name:
            continue
        value = argument.text.decode().partition("=")[2].strip().removeprefix("$").casefold()
        return not value or value == "true" or (value.isdigit() and int(value) != 0)
    return False


def _named_blocks(script: Node | None) -> Node | None:
    """The begin/process/end blocks of a script block, if it is written with them."""
    return _first(_first(script, "script_block_body"), "named_block_list")


def _first(node: Node | None, kind: str) -> Node | None:
    if node is None:
        return None
    return next((c for c in node.children if c.type == kind), None)


def _condition(node: Node | None, depth: int):
    return _pipeline(node, depth)


def _pipeline(node: Node, depth: int):
    """A statement-level pipeline: an assignment, or commands and expressions joined by |."""
    children = _kids(node)
    if len(children) != 1:
        raise refuse(next((c for c in children if c.type != "pipeline_chain"), node))
    child = children[0]
    if child.type == "assignment_expression":
        return _assignment(child, depth)
    if child.type != "pipeline_chain":
        return _expression(child, depth)
    pipeline = Pipeline()
    pipeline.line = _line(node)
    for part in _kids(child):
        if part.type == "|":
            continue
        if part.type in ("&&", "||", "pipeline_chain_tail"):
            raise refuse(part, "&& / || pipeline chains")
        if part.type == "redirections" or part.type == "redirection":
            raise refuse(part, _NAMES["redirection"])
        if part.type == "command":
            pipeline.append(_command(part, depth))
        else:
            pipeline.append(_expression(part, depth))
    return pipeline


def _assignment(node: Node, depth: int) -> Assign:
    children = _kids(node)
    target = _expression(children[0], depth)
    if _unwrap(children[0]).type == "variable" and children[0].text.decode().casefold() == "$null":
        target = Var("null", _line(node))  # `$null = $list.Add($x)`: PowerShell discards the value (psruntime)
    typed = ""
    if isinstance(target, Cast) and isinstance(target.operand, Var):  # [int]$count = …, [string[]]$ips = …
        typed, target = target.type_name, target.operand
    if not isinstance(target, Var | Member | Index):
        raise refuse(children[0], "assigning to this expression")
    operator = children[1].text.decode()
    value_node = children[2]
    value = _pipeline(value_node, depth) if value_node.type == "pipeline" else _statement(value_node, depth)
    return Assign(target, operator, value, _line(node), typed)


def _variable_scope(node: Node) -> str:
    """The scope a $global:x or $script:x names ("global", "script"), else "": a pasted script runs in the
    session's global scope, which is its script scope too, so both name the console's outermost scope ($local:,
    $private: and no prefix are the current scope)."""
    text = node.text.decode().lstrip("$").lstrip("{").casefold()
    return next((s[:-1] for s in ("global:", "script:") if text.startswith(s)), "")


def _variable_name(node: Node) -> str:
    text = node.text.decode()
    name = text[2:-1] if text.startswith("${") else text[1:]
    lowered = name.casefold()
    for scope in _SCOPES:
        if lowered.startswith(scope):
            lowered = lowered[len(scope) :]
    if ":" in lowered:  # $env:PATH, $function:x, drive-qualified variables
        raise refuse(node, f"the variable {shown(text)} (environment and provider variables)")
    return lowered


# `. $env:ExchangeInstallPath\bin\RemoteExchange.ps1` (or its full path): the line scripts run outside EMS open with
# to load it; the console is EMS already, so it is a no-op with a note (ems._NO_OPS), not the refused path it'd be.
_REMOTE_EXCHANGE = re.compile(r"\.\s+(?:(['\"]).*|\S*)\\RemoteExchange\.ps1(?(1)\1)\s*", re.IGNORECASE)


def _command(node: Node, depth: int) -> CommandCall:
    operator = _first(node, "command_invokation_operator")
    invocation = operator.text.decode() if operator is not None else ""
    if invocation == "." and _REMOTE_EXCHANGE.fullmatch(node.text.decode()):
        return CommandCall("RemoteExchange.ps1", [], _line(node))
    name_node = node.child_by_field_name("command_name") or _first(node, "command_name")
    if name_node is not None and name_node.type != "command_name":
        name_node = None  # the field also names a command_name_expr (`& $block`): read below
    if name_node is None:
        expr = _first(node, "command_name_expr")
        target = expr.children[0] if expr is not None and expr.children else None
        if target is None or target.type == "command_name":
            raise refuse(node, f"{invocation} of a path or program ({shown(node.text.decode())})")
        variable = next((c for c in pstext.walk(target) if c.type == "variable"), None)
        if target.type != "path_command_name" or variable is None or variable.text != target.text:
            raise refuse(node, f"{invocation} of a path or program ({shown(expr.text.decode())})")
        call = CommandCall("", [Var(_variable_name(variable), _line(node))], _line(node), invocation)
    else:
        name = name_node.text.decode()
        bounds = command_range(name)
        elements = _first(node, "command_elements")
        if bounds and not [c for c in (elements.children if elements else ()) if c.type != "command_argument_sep"]:
            return Chain(bounds[0], (("..", bounds[1]),), _line(node))
        call = CommandCall(name, [], _line(node), invocation)
        if invocation:
            raise refuse(node, f"{invocation} of a path or program ({shown(name)})")
    elements_node = _first(node, "command_elements")
    bind_next, previous_node = False, None
    for child in _kids(elements_node) if elements_node is not None else ():
        adjacent = previous_node is not None and previous_node.end_byte == child.start_byte
        previous_node = child
        if child.type == "argument_list" and adjacent and call.elements:
            # `Get-ReceiveConnector $g.ToString()`: PowerShell reads a method call in an argument; the grammar
            # reads the member and the parentheses as two arguments.
            target = call.elements[-1]
            holder = target if isinstance(target, Parameter) and target.value is not None else None
            member = holder.value if holder is not None else target
            if isinstance(member, Member):
                invoke = Invoke(member.target, member.name, _arguments(child, depth), member.line)
                call.elements[-1] = Parameter(holder.name, invoke, holder.colon) if holder else invoke
                continue
        if child.type == "command_argument_sep":
            bind_next = bind_next or ":" in child.text.decode()
            continue
        if child.type == "command_parameter":
            written = psrewrites.restore_digits(child.text.decode()[1:])
            colon = written.endswith(":")
            call.elements.append(Parameter(written.rstrip(":"), colon=colon))
            bind_next = colon
            continue
        if child.type in ("redirection", "redirections"):
            raise refuse(child, _NAMES["redirection"])
        value = _argument(child, depth)
        previous = call.elements[-1] if call.elements else None
        if isinstance(value, Unary) and value.operator == "," and previous is not None:
            # `Name, @{...}` / `10.0.0.1, 10.0.0.2`: the grammar reads the comma as unary; PowerShell, one array
            if isinstance(previous, Parameter) and previous.colon:
                call.elements[-1] = Parameter(previous.name, _joined(previous.value, value.operand), True)
                continue
            if not isinstance(previous, Parameter | Splat):
                call.elements[-1] = _joined(previous, value.operand)
                continue
        if bind_next and isinstance(previous, Parameter) and previous.value is None:
            call.elements[-1] = Parameter(previous.name, value, True)
        else:
            call.elements.append(value)
        bind_next = False
    return call


def _joined(items, item) -> list:
    return [*items, item] if type(items) is list else [items, item]


def _argument(node: Node, depth: int):
    if node.type == "generic_token":
        text = node.text.decode()
        if pstext.unsafe_bareword(text):
            raise refuse(node, f"the bare argument {shown(text)} (quote it)")
        return Bareword(text)
    inner = _unwrap(node)
    if inner.type == "variable" and inner.text.startswith(b"@"):
        return Splat(inner.text.decode()[1:].casefold(), _line(inner))
    return _expression(node, depth)


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS:
        children = _kids(node)
        if len(children) != 1:
            return node
        node = children[0]
    return node


_STATIC_TYPES = ("math", "system.math", "string", "system.string", "datetime", "system.datetime", "int", "int32")


# Kinds that hold an expression of their own (a cast sits inside expression_with_unary_operator): each is a level,
# so `[int]` or `-` written 5,000 times, or a member chain 5,000 long, is refused in words instead of exhausting
# Python's stack.
_NESTING_KINDS = frozenset(
    {"member_access", "invokation_expression", "element_access", "expression_with_unary_operator"}
)


def _expression(node: Node, depth: int):
    node = _unwrap(node)
    kind = node.type
    if kind in _NESTING_KINDS:
        depth = pstext.nested(node, depth)
    children = _kids(node)
    line = _line(node)
    if kind in _BINARY and len(children) == 3:
        return _chain(node, depth)
    if kind == "array_literal_expression":
        return [_expression(c, depth) for c in children if c.type != ","]
    if kind == "string_literal":
        return _string(node, depth)
    if kind in ("integer_literal", "real_literal"):
        return pstext.number(node)
    if kind == "variable":
        text = node.text.decode()
        if text.startswith("@"):
            raise refuse(node, f"splatting {shown(text)} outside a command")
        name = _variable_name(node)
        return _CONSTANTS[name] if name in _CONSTANTS else Var(name, line, _variable_scope(node))
    if kind == "parenthesized_expression":
        inner = next(c for c in children if c.type not in ("(", ")"))
        return _pipeline(inner, pstext.nested(node, depth)) if inner.type == "pipeline" else _statement(inner, depth)
    if kind in ("array_expression", "sub_expression"):
        body = _first(node, "statement_list")
        return SubExpression(tuple(_statement_list(body, pstext.nested(node, depth))), kind == "array_expression", line)
    if kind == "hash_literal_expression":
        return _hashtable(node, pstext.nested(node, depth))
    if kind == "script_block_expression":
        holders = (node, _first(node, "script_block"))
        declared = _parameters([_first(_first(h, "param_block"), "parameter_list") for h in holders], depth)
        return Block(_block(node, depth, parameters=True), node.text.decode(), line, tuple(declared))
    if kind == "member_access":
        target = _expression(children[0], depth)
        if children[1].type == "::":
            return _static(children[0], _member_name(children[-1], depth), line)
        return Member(target, _member_name(children[-1], depth), line)
    if kind == "invokation_expression":
        arguments = _arguments(_first(node, "argument_list"), depth)
        name = _member_name(children[2], depth) if len(children) > 2 else ""
        if children[1].type == "::":
            type_name = _type_name(children[0])
            if type_name.casefold() not in _STATIC_TYPES:
                raise refuse(node, f".NET type access [{type_name}]::{name}")
            return Invoke(None, name, arguments, line, static=type_name)
        return Invoke(_expression(children[0], depth), name, arguments, line)
    if kind == "element_access":
        index = next(c for c in children[1:] if c.type not in ("[", "]"))
        return Index(_expression(children[0], depth), _expression(index, depth), line)
    if kind == "expression_with_unary_operator":
        if len(children) == 1:  # `[int]"5"` at the start of a statement: the grammar wraps the cast alone
            return _expression(children[0], depth)
        operator = children[0]
        if operator.type == "type_literal":
            return Cast(_type_name(operator), _expression(children[1], depth), line)
        text = operator.text.decode().casefold()
        if text in ("-not", "!"):
            return Unary("-not", _expression(children[1], depth), line)  # a level already (_NESTING_KINDS)
        return Unary(text, _expression(children[1], depth), line)
    if kind in (
        "post_increment_expression",
        "post_decrement_expression",
        "pre_increment_expression",
        "pre_decrement_expression",
    ):
        target = _expression(next(c for c in children if c.type not in ("++", "--")), depth)
        return Step(target, 1 if "increment" in kind else -1, kind.startswith("post"), line)
    if kind == "type_literal":
        return TypeName(_type_name(node), line)
    if kind == "cast_expression":
        return Cast(_type_name(children[0]), _expression(children[-1], depth), line)
    if kind == "generic_token":
        return _argument(node, depth)
    raise refuse(node)


def _arguments(arguments_node: Node, depth: int) -> tuple:
    return tuple(
        _expression(a, depth)
        for a in _kids(_first(arguments_node, "argument_expression_list") or arguments_node)
        if a.type not in ("(", ")", ",")
    )


def _static(type_node: Node, name: str, line: int) -> StaticMember:
    type_name = _type_name(type_node)
    if type_name.casefold() not in _STATIC_TYPES:
        raise refuse(type_node, f".NET type access [{type_name}]::{name}")
    return StaticMember(type_name, name, line)


def _type_name(node: Node) -> str:
    """The type a cast names, without its outer brackets: [string[]] is string[], an array of strings."""
    text = _unwrap(node).text.decode().strip()
    return text[1:-1].strip() if text.startswith("[") and text.endswith("]") else text


def _member_name(node: Node, depth: int):
    if node.type == "member_name":
        inner = _kids(node)
        if len(inner) == 1 and inner[0].type != "simple_name":
            return _expression(inner[0], depth)
    return node.text.decode()


def _chain(node: Node, depth: int) -> Chain:
    """A left-nested chain of one precedence (`a -and b -or c`, `1 + 2 + 3`), read with a loop."""
    kind, rest = node.type, []
    while True:
        children = _kids(node)
        if node.type != kind or len(children) != 3:
            break
        rest.append((children[1].text.decode().casefold(), _expression(children[2], depth)))
        node = _unwrap(children[0])
        if node.type not in _BINARY:
            break
    rest.reverse()
    return Chain(_expression(node, depth), tuple(rest), _line(node))


def _hashtable(node: Node, depth: int) -> dict:
    body = _first(node, "hash_literal_body")
    result = {}
    for entry in _kids(body) if body else ():
        if entry.type != "hash_entry":
            continue
        children = _kids(entry)
        key_node = _unwrap(children[0])
        key = _expression(key_node, depth) if key_node.type != "simple_name" else key_node.text.decode()
        if not isinstance(key, str | int | float | bool):
            raise refuse(key_node, "a computed hashtable key")
        value_node = next(c for c in children[1:] if c.type not in ("=", ";"))
        result[key] = _pipeline(value_node, depth) if value_node.type == "pipeline" else _statement(value_node, depth)
    return result


def _string(node: Node, depth: int):
    inner = node.children[0] if node.children else node
    raw = node.text.decode()
    here = raw.startswith("@")
    if raw[0] in pstext.SINGLE_QUOTES or (here and raw[1] in pstext.SINGLE_QUOTES):
        if here:
            body = pstext.HERE_BODY.fullmatch(raw[2:-2])
            return body.group(1) if body else ""
        return pstext.verbatim(raw, node)
    data = node.text
    start, end = 1, len(data) - 1
    if here:  # @"...\n body \n"@: the text between the opening and closing lines
        match = pstext.HERE_BODY.fullmatch(raw[2:-2])
        body = match.group(1) if match else ""
        prefix = raw[2 : match.start(1) + 2] if match else raw[2:-2]
        start = len(("@" + raw[1] + prefix).encode())
        end = start + len(body.encode())
    parts, position = [], start
    for child in inner.children:
        if child.type not in ("variable", "sub_expression"):
            continue
        offset, stop = child.start_byte - node.start_byte, child.end_byte - node.start_byte
        if offset < start or stop > end:
            continue
        if offset > position:
            parts.append(pstext.unescape(data[position:offset].decode(), doubled_quotes=not here))
        parts.append(_expression(child, depth))
        position = stop
    if position < end:
        parts.append(pstext.unescape(data[position:end].decode(), doubled_quotes=not here))
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    return Expandable(tuple(parts), _line(node))


def command_range(name: str):
    """`1..5 | ...` reaches the grammar as a command named 1..5: its range, or None."""
    match = _RANGE_COMMAND.fullmatch(name)
    return (int(match.group(1)), int(match.group(2))) if match else None
