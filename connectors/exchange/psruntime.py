"""The console's PowerShell interpreter: scopes, statements, expressions and pipelines over psast.

Commands are looked up in two tables handed in by the caller: PowerShell's everyday cmdlets (pscmdlets) and the
Exchange cmdlets (ems), so this module knows no cmdlet itself. A script is bounded three ways: steps (each statement
inside a loop or script block, each loop iteration, each script-block run; max_steps), time (max_seconds, checked
every few steps) and output (max_output characters); each stops the script with LimitReached, in words. Script blocks
may call one another at most MAX_CALL_DEPTH deep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import psswitch
from .errors import NO_PARAMETER, ExchangeError
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
from .psmembers import call_method, get_member, index, set_member, static_member
from .pspipeline import Collecting, Out, Stage, drive
from .psvalues import (
    ArrayList,
    Collection,
    LimitReached,
    PSHashtable,
    PSObject,
    RuntimeFailure,
    arithmetic,
    as_list,
    cast,
    check_size,
    compare,
    format_operator,
    is_type,
    join,
    replace,
    split,
    to_bool,
    to_number,
    to_string,
)

MAX_CALL_DEPTH = 50
# Steps one script may take by default: an honest script over the 1,000 connectors of the benchmarks' big lab (ten
# statements per connector, a loop over each one's ranges) takes well under it, and an endless `while ($true) {}`
# reaches it in about a second; the web console's time limit stops a slower endless loop sooner.
DEFAULT_MAX_STEPS = 1_000_000
ARRAY_COPY = 1_000  # items an array + (or +=) copies per step
STEP_LIMIT = (
    "The script stopped after {0:,} steps (statements in loops and script blocks, loop iterations, script-block "
    "runs, one per 1,000 items an array + copies), the limit for one script (EXCHSIM_CONSOLE_MAX_STEPS); nothing "
    "was applied."
)
TIME_LIMIT = "The script ran longer than {0:g} seconds, the limit for one script; nothing was applied."
OUTPUT_LIMIT = (
    "The script printed more than {0:,} characters, the limit for one script's output "
    "(EXCHSIM_CONSOLE_MAX_OUTPUT); nothing was applied."
)
CALL_DEPTH = (
    "The script blocks call one another more than " + str(MAX_CALL_DEPTH) + " deep (line {0}); nothing was applied."
)


class Break(Exception):
    pass


class Continue(Exception):
    pass


class Return(Exception):
    def __init__(self, values: list):
        self.values = values


class Exit(Exception):
    pass


@dataclass
class Context:
    """What a running script holds: the org it changes, what it printed, its variables and its budget."""

    org: object
    commands: Callable  # (ctx, CommandCall with evaluated elements, input list | None) -> list
    render: Callable  # (ctx, values) -> printed lines
    stages: Callable | None = None  # (ctx, CommandCall evaluated, first) -> a streaming Stage, or None to collect
    output: list = field(default_factory=list)
    scopes: list = field(default_factory=lambda: [{}])
    max_steps: int = DEFAULT_MAX_STEPS
    max_seconds: float | None = None
    max_output: int = 1 << 20
    steps: int = 0
    printed: int = 0
    depth: int = 0
    started: float = field(default_factory=time.monotonic)
    files: dict = field(default_factory=dict)  # name -> text: what Import-Csv / Get-Content read
    written: dict = field(default_factory=dict)  # name -> text: what Export-Csv / Out-File wrote
    dry_run: bool = False
    notes: list = field(default_factory=list)
    functions: dict = field(default_factory=dict)  # name (case-folded) -> FunctionDef the script defined

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise LimitReached(STEP_LIMIT.format(self.max_steps))
        if self.max_seconds is not None and self.steps % 16 == 0:
            self.check_time()

    def check_time(self) -> None:
        if self.max_seconds is not None and time.monotonic() - self.started > self.max_seconds:
            raise LimitReached(TIME_LIMIT.format(self.max_seconds))

    def print(self, lines: list[str]) -> None:
        """Lines written straight to the host (Write-Host, notes, What if:), between the pipeline's objects as they
        reach it."""
        self.printed += sum(len(line) + 1 for line in lines)
        if self.printed > self.max_output:
            raise LimitReached(OUTPUT_LIMIT.format(self.max_output))
        self.output += lines

    # variables: PowerShell's dynamic scopes; a child scope reads its parents and writes its own
    def get(self, name: str):
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def set(self, name: str, value, outermost: bool = False) -> None:
        """An assignment: in the current scope, as PowerShell's (a function's `$x = 2` makes its own $x and leaves
        the caller's alone); in the outermost with `outermost` ($global:x, $script:x)."""
        if name in ("_", "psitem"):
            self.scopes[-1]["_"] = self.scopes[-1]["psitem"] = value
            return
        self.scopes[0 if outermost else -1][name] = value


# --- Statements ----------------------------------------------------------------------------------------------------


def run_statement(ctx: Context, statement, out: list) -> None:
    kind = type(statement)
    if kind is Pipeline:
        if len(statement) == 1 and type(statement[0]) in (Step, Assign):
            evaluate(ctx, statement[0])  # $i++ as a statement prints nothing
            return
        run_pipeline(ctx, statement, out)
    elif kind is Assign:
        _assign(ctx, statement)
    elif kind is If:
        for condition, body in statement.clauses:
            if to_bool(value_of(ctx, condition)):
                run_block(ctx, body, out)
                return
        if statement.otherwise is not None:
            run_block(ctx, statement.otherwise, out)
    elif kind is Foreach:
        items = as_list(value_of(ctx, statement.iterable))
        for item in list(items):
            ctx.step()
            ctx.set(statement.variable, item)
            try:
                run_block(ctx, statement.body, out)
            except Continue:
                continue
            except Break:
                break
    elif kind is Loop:
        _loop(ctx, statement, out)
    elif kind is Flow:
        _flow(ctx, statement)
    elif kind is Try:
        _try(ctx, statement, out)
    elif kind is Switch:
        psswitch.run(ctx, statement, out)
    elif kind is FunctionDef:
        ctx.functions[statement.name.casefold()] = statement
    elif kind is ScriptParams:
        _script_params(ctx, statement)
    elif kind is Step:
        _step(ctx, statement)
    else:
        value = evaluate(ctx, statement)
        out += _unrolled(value)


MISSING_MANDATORY = (
    "Cannot process command because of one or more missing mandatory parameters: {0}. The console runs a script "
    "without arguments, and PowerShell never uses a mandatory parameter's default: drop [Parameter(Mandatory)] and "
    "give the parameter a default in param() (param([string]$Name = 'value'))."
)


MISSING_ARGUMENTS = (
    "Cannot process command because of one or more missing mandatory parameters: {0}. PowerShell would prompt for "
    "them; the console can't, so pass them when calling {1}."
)


def _require_mandatory(function: FunctionDef, bound: dict, piped: bool = False, caller: str = "") -> None:
    """A mandatory parameter the call doesn't give (and, with `piped`, that the pipeline doesn't bind) makes
    PowerShell prompt; the console can't, so the call stops with PowerShell's non-interactive error."""
    missing = [
        p.written or p.name
        for p in function.parameters
        if p.mandatory and p.name not in bound and not (piped and p.piped)
    ]
    if missing:
        raise RuntimeFailure(MISSING_ARGUMENTS.format(" ".join(missing), caller or function.name))


def _script_params(ctx: Context, block: ScriptParams) -> None:
    """A script's param() block: the console passes a script no arguments, so each parameter takes its default
    (typed, as a function's does) in the script's scope; a mandatory one makes PowerShell prompt, its default
    unused, and the console can't, so the script stops there, as PowerShell -NonInteractive does."""
    missing = [p.written or p.name for p in block.parameters if p.mandatory]
    if missing:
        ctx.running = "param"  # the error's CategoryInfo line names the block
        raise RuntimeFailure(MISSING_MANDATORY.format(" ".join(missing)))
    declared = FunctionDef("", block.parameters, (), block.line)
    scope = _function_scope(ctx, declared, ({}, [], []), None)
    for parameter in block.parameters:
        ctx.set(parameter.name, scope[parameter.name])


def _unrolled(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def run_block(ctx: Context, statements, out: list) -> None:
    for statement in statements:
        ctx.step()
        run_statement(ctx, statement, out)


def _loop(ctx: Context, loop: Loop, out: list) -> None:
    if loop.initializer is not None:
        value_of(ctx, loop.initializer)
    first = True
    while True:
        ctx.step()
        if (loop.test_first or not first) and loop.condition is not None:
            held = to_bool(value_of(ctx, loop.condition))
            if held == loop.until:
                return
        first = False
        try:
            run_block(ctx, loop.body, out)
        except Continue:
            pass
        except Break:
            return
        if loop.iterator is not None:
            value_of(ctx, loop.iterator)


class ErrorRecord(PSObject):
    """$_ in a catch block: prints as the error's message; $_.Exception.Message is the message too."""

    def __str__(self) -> str:
        return to_string(self.get("Exception").get("Message"))


def _error_record(failure: Exception) -> ErrorRecord:
    message = str(failure)
    exception = PSObject("System.Exception", {"Message": message})
    return ErrorRecord(
        "System.Management.Automation.ErrorRecord",
        {"Exception": exception, "FullyQualifiedErrorId": type(failure).__name__, "TargetObject": None},
    )


def _try(ctx: Context, node: Try, out: list) -> None:
    """try/catch/finally over the console's errors (Exchange's and PowerShell's); the sandbox's caps are never
    caught: they end the script whatever it says."""
    try:
        run_block(ctx, node.body, out)
    except LimitReached:
        raise
    except ExchangeError as failure:
        if not node.catches:
            raise
        saved = ctx.scopes[-1].get("_")
        ctx.set("_", _error_record(failure))
        try:
            run_block(ctx, node.catches[0][1], out)
        finally:
            ctx.set("_", saved)
    finally:
        if node.finally_ is not None:
            run_block(ctx, node.finally_, out)


def _flow(ctx: Context, flow: Flow):
    if flow.kind == "break":
        raise Break()
    if flow.kind == "continue":
        raise Continue()
    if flow.kind == "return":
        raise Return(_unrolled(value_of(ctx, flow.value)) if flow.value is not None else [])
    if flow.kind == "throw":
        value = value_of(ctx, flow.value) if flow.value is not None else None
        raise RuntimeFailure(to_string(value) if value is not None else "ScriptHalted")
    raise Exit()


def value_of(ctx: Context, node):
    """A pipeline used as a value ($x = ..., (...), if (...)): one expression keeps its value; commands give their
    output, one object as itself, several as an array, none as $null."""
    if type(node) is Pipeline:
        if len(node) == 1 and type(node[0]) is not CommandCall:
            return evaluate(ctx, node[0])
        return collapse(run_pipeline(ctx, node))
    if type(node) in (Assign, If, Foreach, Loop, Flow, Switch, Try):
        out: list = []
        run_statement(ctx, node, out)
        return collapse(out)
    return evaluate(ctx, node)


def collapse(items: list):
    if not items:
        return None
    return items[0] if len(items) == 1 else items


def _assign(ctx: Context, assign: Assign) -> None:
    value = value_of(ctx, assign.value)
    if isinstance(value, list) and not isinstance(value, Collection | ArrayList):
        value = list(value)  # an array assigned is the same array in PowerShell; a copy is safe here
    if assign.operator != "=":
        current = evaluate(ctx, assign.target)
        if isinstance(current, list):
            # `$a += $x` copies the array, as PowerShell's does: a step per ARRAY_COPY items copied, so a loop that
            # grows an array without end stops at the step limit in seconds, not after the quadratic copying of a
            # million steps (minutes where there is no time limit: manage.py ems).
            ctx.steps += len(current) // ARRAY_COPY
            # and a step per item it adds, so `$a += $a` (doubling) stops while the array is small, not after a
            # single copy of a billion items has filled the worker's memory
            ctx.steps += len(value) if isinstance(value, list) else 0
            ctx.step()
        value = arithmetic(assign.operator[0], current, value, ctx.max_output)
    if assign.cast:  # the value converted as the cast converts it (the variable isn't kept to the type after)
        value = cast(assign.cast, value)
    _store(ctx, assign.target, value)


def _store(ctx: Context, target, value) -> None:
    kind = type(target)
    if kind is Var and target.name == "null":
        return
    if kind is Var:
        ctx.set(target.name, value, outermost=bool(target.scope))
    elif kind is Member:
        set_member(evaluate(ctx, target.target), _name(ctx, target.name), value)
    else:
        container, position = evaluate(ctx, target.target), evaluate(ctx, target.index)
        if isinstance(container, PSHashtable):
            container[position] = value
        elif isinstance(container, list):
            try:
                container[int(to_number(position))] = value
            except IndexError:
                raise RuntimeFailure("Index was outside the bounds of the array.") from None
        else:
            raise RuntimeFailure("Unable to index into an object of this type.")


def _step(ctx: Context, step: Step):
    current = evaluate(ctx, step.target)
    updated = arithmetic("+", to_number(current), step.delta, ctx.max_output)
    _store(ctx, step.target, updated)
    return current if step.post else updated


# --- Pipelines and commands ----------------------------------------------------------------------------------------


def run_pipeline(ctx: Context, pipeline, out=None) -> list:
    """Run a pipeline object by object (pspipeline); what it outputs goes to `out` as it comes (a list, or the host's
    output at the top of the script), else it is collected and returned."""
    collected: list = []
    sink = collected if out is None else out
    expression = type(pipeline[0]) is not CommandCall  # `$x | ...`, `1..5 | ...` ($null is None)
    calls = pipeline[1:] if expression else pipeline
    if any(type(call) is not CommandCall for call in calls):
        raise RuntimeFailure("Expressions are only allowed as the first element of a pipeline.")
    if not calls:
        sink += _unrolled(evaluate(ctx, pipeline[0]))
        return collected
    stages = [_stage(ctx, call, not expression and position == 0) for position, call in enumerate(calls)]
    drive(stages, _source(ctx, pipeline[0]) if expression else None, sink.append)
    return collected


def _source(ctx: Context, node):
    """The objects an expression sends down a pipeline; a range is made as they are taken, so `1..100000 | select
    -First 2` makes two (PowerShell enumerates a range lazily too); it may still be at most max_steps long."""
    if type(node) is Chain and len(node.rest) == 1 and node.rest[0][0] == "..":
        first, last = int(to_number(evaluate(ctx, node.first))), int(to_number(evaluate(ctx, node.rest[0][1])))
        return _lazy_range(ctx, first, last)
    return _unrolled(evaluate(ctx, node))


def _lazy_range(ctx: Context, first: int, last: int):
    direction = 1 if last >= first else -1
    for count, number in enumerate(range(first, last + direction, direction)):
        if count >= ctx.max_steps:
            raise LimitReached(STEP_LIMIT.format(ctx.max_steps))
        if count & 4095 == 4095:  # a pipeline of cmdlets without script blocks takes no steps: time it here
            ctx.check_time()
        yield number


def _stage(ctx: Context, call: CommandCall, first: bool) -> Stage:
    """The running command: its arguments evaluated once, when the pipeline starts (as PowerShell binds them)."""
    if call.invocation:
        block = evaluate(ctx, call.elements[0])
        if not isinstance(block, Block):
            raise RuntimeFailure(
                f"{call.invocation} runs only script blocks in the exchsim console (line {call.line})."
            )
        arguments = [_argument(ctx, e) for e in call.elements[1:] if block.parameters or type(e) is not Parameter]

        def invoked(items):
            return call_block(ctx, block, items[0] if items else None, arguments, new_scope=call.invocation == "&")

        return Collecting(invoked, first)
    elements = []
    for element in call.elements:
        kind = type(element)
        if kind is Parameter:
            elements.append(Parameter(element.name, evaluate(ctx, element.value), True) if element.colon else element)
        elif kind is Splat:
            elements += _splatted(ctx.get(element.name), element)
        else:
            elements.append(evaluate(ctx, element))
    function = ctx.functions.get(call.name.casefold())
    if function is not None:
        if function.process is not None:
            return FunctionStage(ctx, function, elements, first)
        return Collecting(lambda items: call_function(ctx, function, elements, items), first)
    evaluated = CommandCall(call.name, elements, call.line)
    streaming = ctx.stages(ctx, evaluated, first) if ctx.stages is not None else None
    return streaming or Collecting(lambda items: ctx.commands(ctx, evaluated, items), first)


def _function_parameter(function: FunctionDef, written: str):
    wanted = written.casefold()
    exact = [p for p in function.parameters if p.name == wanted]
    matches = exact or [p for p in function.parameters if p.name.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(f"-{p.name}" for p in matches)
        raise RuntimeFailure(
            f"Parameter cannot be processed because the parameter name '{written}' is ambiguous. "
            f"Possible matches include: {names}."
        )
    raise RuntimeFailure(NO_PARAMETER.format(written))


def call_function(ctx: Context, function: FunctionDef, elements: list, items: list | None) -> list:
    """A function the script defined: its parameters bound by name (or unique prefix) and position, typed ones
    converted, the rest in $args; what came down the pipeline is $input. It runs in its own scope."""
    binding = _bind_function(function, elements)
    _require_mandatory(function, binding[0], piped=bool(items))
    _enter(ctx, function.line)
    out: list = []
    try:
        scope = _function_scope(ctx, function, binding, items)
        ctx.scopes.append(scope)
        try:
            run_block(ctx, function.body, out)
        finally:
            ctx.scopes.pop()
    except Return as returned:
        out += returned.values
    finally:
        ctx.depth -= 1
    return out


def _bind_function(function: FunctionDef, elements: list) -> tuple[dict, list, list]:
    bound, positional, i = {}, [], 0
    elements = [e.text if type(e) is Bareword else e for e in elements]  # a bare word is text to a function
    while i < len(elements):
        element = elements[i]
        i += 1
        if type(element) is not Parameter:
            positional.append(element)
            continue
        parameter = _function_parameter(function, element.name)
        if element.colon:
            bound[parameter.name] = element.value
        elif parameter.type_name.casefold() == "switch":
            bound[parameter.name] = True
        elif i < len(elements) and type(elements[i]) is not Parameter:
            bound[parameter.name] = elements[i]
            i += 1
        else:
            raise RuntimeFailure(
                f"Missing an argument for parameter '{parameter.name}'. Specify a parameter and try again."
            )
    free = [p for p in function.parameters if p.name not in bound and p.type_name.casefold() != "switch"]
    for parameter, value in zip(free, positional, strict=False):
        bound[parameter.name] = value
    return bound, positional, free


def _enter(ctx: Context, line: int) -> None:
    ctx.step()
    if ctx.depth >= MAX_CALL_DEPTH:
        raise LimitReached(CALL_DEPTH.format(line))
    ctx.depth += 1


def _function_scope(ctx: Context, function: FunctionDef, binding: tuple, items: list | None) -> dict:
    """The function's own scope: its parameters (defaults evaluated in it, at the call), $args and $input."""
    bound, positional, free = binding
    scope: dict = {"args": positional[len(free) :], "input": list(items or [])}
    ctx.scopes.append(scope)
    try:
        for parameter in function.parameters:
            if parameter.name in bound:
                value = bound[parameter.name]
            elif parameter.type_name.casefold() == "switch":
                value = False
            else:
                value = evaluate(ctx, parameter.default) if parameter.default is not None else None
            if parameter.type_name and parameter.type_name.casefold() != "switch" and value is not None:
                try:
                    value = cast(parameter.type_name, value)
                except RuntimeFailure:
                    pass  # a type the console doesn't know ([Microsoft.Exchange...]): the value as given
            scope[parameter.name] = value
    finally:
        ctx.scopes.pop()
    return scope


class FunctionStage(Stage):
    """A function with begin/process/end blocks (or a filter) in a pipeline: begin once, process once per object
    with $_ and its [Parameter(ValueFromPipeline)] parameter bound to it (once with $null when nothing is piped to
    it), end once, all in the function's one scope; what each block outputs goes down the pipeline as it comes.
    Without a process block, the end block's $input holds what came."""

    def __init__(self, ctx: Context, function: FunctionDef, elements: list, first: bool):
        self.ctx, self.function, self.first = ctx, function, first
        self.binding = _bind_function(function, elements)
        _require_mandatory(function, self.binding[0], piped=not first)  # a piped object binds the piped ones
        self.piped = [p for p in function.parameters if p.piped and p.name not in self.binding[0]]
        self.scope: dict = {}
        self.received: list = []

    def _run(self, statements, item=None, piped: bool = False) -> None:
        ctx = self.ctx
        _enter(ctx, self.function.line)
        ctx.scopes.append(self.scope)
        self.scope["_"] = self.scope["psitem"] = item
        self.scope["input"] = [item] if piped else self.received
        try:
            if piped:
                self._bind_piped(item)
            run_block(ctx, statements, Out(self.emit))
        except Return as returned:  # return ends the block it is in; the next object still comes
            for value in returned.values:
                self.emit(value)
        finally:
            ctx.depth -= 1
            ctx.scopes.pop()

    def _bind_piped(self, item) -> None:
        for parameter in self.piped:
            value = item if parameter.piped == "value" else _property_of(item, parameter.name)
            if value is None:
                continue
            if parameter.type_name and parameter.type_name.casefold() != "switch":
                try:
                    value = cast(parameter.type_name, value)
                except RuntimeFailure:
                    pass  # as for an argument: a type the console doesn't know keeps the value as given
            self.scope[parameter.name] = value

    def begin(self) -> None:
        self.scope = _function_scope(self.ctx, self.function, self.binding, None)
        self._run(self.function.begin)

    def process(self, item) -> None:
        if not self.function.process:
            self.received.append(item)
            return
        self._run(self.function.process, item, piped=True)

    def end(self) -> None:
        if self.first and self.function.process:
            self._run(self.function.process)
        self._run(self.function.body)


def _property_of(item, name: str):
    try:
        return get_member(item, name)
    except RuntimeFailure:
        return None


def _splatted(value, splat: Splat) -> list:
    if isinstance(value, PSHashtable):
        return [Parameter(str(k), v, True) for k, v in value.items()]
    if isinstance(value, list):
        return list(value)
    raise RuntimeFailure(f"Splatting @{splat.name} needs a hashtable or an array (line {splat.line}).")


def _argument(ctx: Context, element):
    """One argument of `& $block ...`, evaluated (a `-Name:value` parameter keeps its name)."""
    if type(element) is Parameter:
        return Parameter(element.name, evaluate(ctx, element.value), True) if element.colon else element
    return evaluate(ctx, element)


def call_block(ctx: Context, block: Block, item=None, arguments=(), new_scope: bool = False, out=None) -> list:
    """Run a script block with $_ (and $args, or the parameters of its param() block, bound as a function's are);
    ForEach-Object and Where-Object run theirs in the caller's scope. What it outputs is returned, or written to
    `out` as it comes (ForEach-Object streaming it down the pipeline)."""
    ctx.step()
    if ctx.depth >= MAX_CALL_DEPTH:
        raise LimitReached(CALL_DEPTH.format(block.line))
    ctx.depth += 1
    scope = {"_": item, "psitem": item, "args": list(arguments)}
    if block.parameters:
        try:
            declared = FunctionDef("", block.parameters, (), block.line)
            binding = _bind_function(declared, list(arguments))
            _require_mandatory(declared, binding[0], caller="the script block")
            bound = _function_scope(ctx, declared, binding, None)
        except BaseException:
            ctx.depth -= 1
            raise
        del bound["input"]
        scope |= bound
    saved = None if new_scope else {k: ctx.scopes[-1].get(k) for k in scope}
    if new_scope:
        ctx.scopes.append(scope)
    else:
        ctx.scopes[-1].update(scope)
    out = [] if out is None else out
    try:
        run_block(ctx, block.statements, out)
    except Return as returned:
        out += returned.values
    finally:
        ctx.depth -= 1
        if new_scope:
            ctx.scopes.pop()
        else:
            ctx.scopes[-1].update(saved)
    return out


# --- Expressions ---------------------------------------------------------------------------------------------------

_CONSTANT = (str, int, float, bool, type(None), Bareword)


def evaluate(ctx: Context, node):
    kind = type(node)
    if kind in _CONSTANT:
        return node
    handler = _EVALUATORS.get(kind)
    if handler is None:
        raise RuntimeFailure(f"The console can't evaluate {kind.__name__}.")
    return handler(ctx, node)


def _name(ctx: Context, name) -> str:
    return name if isinstance(name, str) else to_string(evaluate(ctx, name))


def _invoke(ctx: Context, node: Invoke):
    arguments = [evaluate(ctx, a) for a in node.arguments]
    if node.static:
        return static_member(node.static, _name(ctx, node.name), arguments)
    target = evaluate(ctx, node.target)
    if isinstance(target, Block) and _name(ctx, node.name).casefold() in ("invoke", "invokereturnasis"):
        return collapse(call_block(ctx, target, None, arguments, new_scope=True))
    name = _name(ctx, node.name)
    if isinstance(target, ArrayList) and arguments and isinstance(arguments[0], list):
        # AddRange/InsertRange cost a step per item they add, so a list that doubles itself in a loop stops at the
        # step limit while it is small, not in an out-of-memory worker
        ctx.steps += len(arguments[0])
        ctx.step()
    return call_method(target, name, arguments)


def _chain(ctx: Context, node: Chain):
    value = evaluate(ctx, node.first)
    for operator, operand in node.rest:
        if operator in ("-and", "-or"):
            held = to_bool(value)
            if (operator == "-and") != held:  # short-circuit: false -and ..., true -or ...
                value = held
                continue
            value = to_bool(evaluate(ctx, operand))
            continue
        value = _binary(ctx, operator, value, evaluate(ctx, operand))
    return value


def _binary(ctx: Context, operator: str, left, right):
    if operator in ("+", "-", "*", "/", "%"):
        if operator == "+" and isinstance(left, list):
            # `$a += $x` (or `$a = $a + $x`) copies the array, as PowerShell's does: a step per ARRAY_COPY items
            # copied, so a loop that grows an array without end stops at the step limit in seconds, not after the
            # quadratic copying of a million steps (minutes where there is no time limit: manage.py ems).
            ctx.steps += len(left) // ARRAY_COPY
            ctx.step()
        return arithmetic(operator, left, right, ctx.max_output)
    if operator == "-xor":
        return to_bool(left) != to_bool(right)
    if operator == "..":
        return _range(ctx, left, right)
    if operator == "-f":
        return format_operator(left, right)
    if operator in ("-replace", "-ireplace", "-creplace"):
        return replace(left, right)
    if operator in ("-split", "-isplit", "-csplit"):
        return split(left, right)
    if operator == "-join":
        return join(left, right)
    if operator in ("-is", "-isnot", "-as"):
        type_name = right.name if isinstance(right, TypeName) else to_string(right)
        if operator == "-as":
            try:
                return cast(type_name, left)
            except RuntimeFailure:
                return None
        return is_type(left, type_name) == (operator == "-is")
    if operator in ("-band", "-bor", "-bxor"):
        a, b = int(to_number(left)), int(to_number(right))
        return {"-band": a & b, "-bor": a | b, "-bxor": a ^ b}[operator]
    try:
        return compare(operator, left, right, ctx.scopes[0])
    except KeyError:
        raise RuntimeFailure(f"The operator {operator} is not run by the exchsim console.") from None


def _range(ctx: Context, left, right) -> list[int]:
    first, last = int(to_number(left)), int(to_number(right))
    if abs(last - first) + 1 > ctx.max_steps:
        raise LimitReached(STEP_LIMIT.format(ctx.max_steps))
    return list(range(first, last + 1)) if last >= first else list(range(first, last - 1, -1))


def _unary(ctx: Context, node: Unary):
    value = evaluate(ctx, node.operand)
    operator = node.operator
    if operator == "-not":
        return not to_bool(value)
    if operator == "-":
        return -to_number(value)
    if operator == "+":
        return to_number(value)
    if operator == ",":
        return [value]
    if operator == "-join":
        return join(value)
    if operator == "-split":
        return split(value)
    if operator == "-bnot":
        return ~int(to_number(value))
    raise RuntimeFailure(f"The operator {operator} is not run by the exchsim console (line {node.line}).")


def _expandable(ctx: Context, node: Expandable) -> str:
    text = "".join(part if type(part) is str else to_string(evaluate(ctx, part)) for part in node.parts)
    if len(text) > ctx.max_output:
        raise LimitReached(OUTPUT_LIMIT.format(ctx.max_output))
    return text


def _sub_expression(ctx: Context, node: SubExpression):
    out: list = []
    run_block(ctx, node.statements, out)
    if node.array:  # `$a = @($a; $a)` in a loop doubles an array as `+` does: the same size limit
        check_size(len(out), ctx.max_output, array=True)
    return out if node.array else collapse(out)


def _var(ctx: Context, node: Var):
    return ctx.scopes[0].get(node.name) if node.scope else ctx.get(node.name)


_EVALUATORS: dict = {
    list: lambda ctx, node: [item for part in node for item in _array_item(evaluate(ctx, part), part)],
    dict: lambda ctx, node: PSHashtable({k: value_of(ctx, v) for k, v in node.items()}),
    Var: _var,
    Member: lambda ctx, node: get_member(evaluate(ctx, node.target), _name(ctx, node.name)),
    Invoke: _invoke,
    StaticMember: lambda ctx, node: static_member(node.type_name, _name(ctx, node.name), None),
    Index: lambda ctx, node: index(evaluate(ctx, node.target), evaluate(ctx, node.index)),
    Unary: _unary,
    Cast: lambda ctx, node: cast(node.type_name, evaluate(ctx, node.operand)),
    TypeName: lambda ctx, node: node,
    Chain: _chain,
    Expandable: _expandable,
    Block: lambda ctx, node: node,
    SubExpression: _sub_expression,
    Pipeline: value_of,
    Step: _step,
    Assign: lambda ctx, node: _assign(ctx, node),
}


def _array_item(value, node) -> list:
    """An item of `a, b, c`: itself (an array item stays one item, as in PowerShell's comma operator)."""
    return [value]
