"""The Exchange Management Shell console over an `Organization`.

`run_script(org, text)` parses the script with the PowerShell grammar (psparse), refuses anything it doesn't run
before running anything, then runs each pipeline as Exchange would: the same parameters (case-insensitive, unique
prefixes), the same defaults, the engine's validation and Exchange's error texts, -WhatIf changing nothing. It stops
at the first error with earlier commands applied (ErrorAction Stop), or applies nothing when `atomic`.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import cmdletdocs, emsinstance, pscmdlets, psformat, psruntime, psstages, psvalues

# The binding and the cmdlets live in their own modules; their names stay importable from here (emsscope, tests).
from .emsbind import (  # noqa: F401 (re-exported)
    _COMMON,
    Spec,
    _bind,
    _text,
    _texts,
    find_connector,
    find_connectors,
)
from .emscmdlets import _CMDLETS, _UNMODELLED, ACCESS_RIGHTS  # noqa: F401 (re-exported)
from .errors import ExchangeError
from .model import AcceptedDomain, Organization, ReceiveConnector, Server
from .powershell import plan
from .psast import Bareword, Block, CommandCall, Parameter
from .psast import commands as psast_walk
from .psast import functions as psast_functions
from .psformat import (
    ENGINE_OBJECTS,
    Host,
    MailboxServer,
    Permission,
    RecipientFilterConfig,
    TransportConfig,
    cell,
    format_default,
    format_list,
    format_table,
    properties,
    property_names,
    property_value,
    render,
)
from .psparse import Unsupported, parse_script
from .pspipeline import Stage, StopUpstream
from .psvalues import PSObject

_SCRIPT_BLOCK_ARGUMENT = "The console doesn't support a script block as an argument of {0} (line {1})."
UNKNOWN_COMMAND = "The term '{0}' is not recognized as the name of a cmdlet the exchsim console runs. Supported: {1}."


@dataclass
class ConsoleResult:
    org: Organization
    output: list[str]
    error: str | None
    commands_applied: int
    files: dict = field(default_factory=dict)  # name -> text the script wrote (Export-Csv, Out-File)
    plan: list = field(default_factory=list)  # a dry run's steps (powershell.Step)


_NO_OPS = {
    "add-pssnapin": "the exchsim console is the Exchange Management Shell already; Add-PSSnapin {0} loads nothing.",
    "import-module": "the exchsim console has Exchange's cmdlets already; Import-Module {0} loads nothing.",
    # the other way scripts load EMS (scheduled tasks): dot-source RemoteExchange.ps1, then connect
    "remoteexchange.ps1": (
        "the exchsim console is the Exchange Management Shell already; RemoteExchange.ps1 loads nothing."
    ),
    "connect-exchangeserver": "the exchsim console runs on the lab already; Connect-ExchangeServer connects nothing.",
    "set-strictmode": "the exchsim console doesn't apply Set-StrictMode; the script runs as without it.",
    "export-clixml": "",  # a backup file: the plan's backups; nothing to show, nothing changes in the lab
    # the console keeps its own transcript (the page, the command's output); a script's opening lines do nothing
    "start-transcript": "the exchsim console keeps its own transcript; Start-Transcript {0} writes nothing.",
    "stop-transcript": "",
    "clear-host": "",
    "cls": "",
}
# What scripts found on the web call that the console never runs: named when refused, before anything runs.
_REFUSED = {
    "invoke-expression",
    "iex",
    "start-process",
    "saps",
    "remove-item",
    "rm",
    "del",
    "ri",
    "invoke-webrequest",
    "iwr",
    "curl",
    "wget",
    "invoke-restmethod",
    "irm",
    "add-type",
    "set-content",
    "add-content",
    "new-item",
    "copy-item",
    "move-item",
    "rename-item",
    "invoke-command",
    "icm",
    "start-job",
    "enter-pssession",
    "new-pssession",
    "import-pssession",
    "set-executionpolicy",
    "get-wmiobject",
    "get-ciminstance",
    "start-sleep",
    "invoke-item",
    "set-item",
    "set-variable",
    "remove-variable",
    "get-childitem",
    "dir",
    "ls",
    "get-item",
    "test-path",
    "send-mailmessage",
    "restart-service",
    "stop-service",
    "start-service",
    "stop-process",
    "restart-computer",
    "stop-computer",
    "get-credential",
    "read-host",
    "powershell",
    "pwsh",
    "cmd",
}
NOT_RUN = (
    "{0} is not run by the exchsim console (line {1}): it runs Exchange's cmdlets and PowerShell's everyday ones "
    "on the lab, nothing on a computer."
)


def _cmdlet(name: str):
    wanted = name.casefold()
    for key, value in _CMDLETS.items():
        if key.casefold() == wanted:
            return key, value
    return None, None


def _supported() -> str:
    return ", ".join([*_CMDLETS, *sorted(set(pscmdlets.CMDLETS.values()))])


def check(statements: list) -> None:
    """Refuse what the console doesn't run, by name, before anything runs: unknown or refused commands, a snap-in
    other than Exchange's, -AccessRights, script blocks given to Exchange cmdlets."""
    defined = psast_functions(statements)  # the script's own functions run as it defines them
    for call in psast_walk(statements):
        lowered = call.name.casefold()
        if lowered == "new-object" and lowered not in defined and not _custom_object(call):
            raise Unsupported(NOT_RUN.format("New-Object of anything but a custom object (PSObject)", call.line))
        if not call.name or lowered in pscmdlets.CMDLETS or lowered in defined:
            continue
        if lowered == "add-pssnapin":
            named = _snapin_names(call)
            if not named or not all(
                isinstance(e, str | Bareword) and _text(e).casefold().startswith("microsoft.exchange") for e in named
            ):
                raise Unsupported(NOT_RUN.format("Add-PSSnapin of anything but Microsoft.Exchange*", call.line))
            continue
        if lowered in _NO_OPS:
            continue
        if lowered in _REFUSED:
            raise Unsupported(NOT_RUN.format(call.name, call.line))
        name, entry = _cmdlet(call.name)
        if name is None:
            raise Unsupported(UNKNOWN_COMMAND.format(call.name, _supported()) + f" (line {call.line})")
        if "AccessRights" in _written_parameters(call, entry[1]) and not _only_extended_right(call, entry[1]):
            raise Unsupported(ACCESS_RIGHTS.format(call.line))
        for element in call.elements:
            if isinstance(element, Block) or isinstance(getattr(element, "value", None), Block):
                raise Unsupported(_SCRIPT_BLOCK_ARGUMENT.format(call.name, call.line))


# The switches of Add-PSSnapin and Import-Module and the common ones; their other parameters take a value.
_SWITCHES = ("passthru", "verbose", "debug", "force", "global", "ascustomobject", "noclobber", "disablenamechecking")


def _snapin_names(call: CommandCall) -> list:
    """What an Add-PSSnapin or Import-Module line loads: its positional arguments and -Name's, not the values of its
    other parameters (`Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010 -ErrorAction SilentlyContinue`)."""
    names, elements, position = [], call.elements, 0
    while position < len(elements):
        element = elements[position]
        position += 1
        if not isinstance(element, Parameter):
            names.append(element)
            continue
        wanted = element.name.casefold()
        is_name = "name".startswith(wanted)
        if element.colon:
            names += _texts(element.value) if is_name else []
        elif not any(switch.startswith(wanted) for switch in _SWITCHES) and position < len(elements):
            if not isinstance(elements[position], Parameter):
                names += _texts(elements[position]) if is_name else []
                position += 1
    return names


def _custom_object(call: CommandCall) -> bool:
    """Whether a New-Object line makes a custom object (New-Object PSObject -Property @{…}), the one kind the console
    makes; a type named by a variable is checked when it runs."""
    elements, named = call.elements, None
    for position, element in enumerate(elements):
        if isinstance(element, Parameter):
            wanted = element.name.casefold()
            if "comobject".startswith(wanted) and len(wanted) > 1:
                return False
            if "typename".startswith(wanted):
                following = elements[position + 1] if position + 1 < len(elements) else None
                named = element.value if element.colon else following
                break
    if named is None:
        named = next((e for e in elements if not isinstance(e, Parameter)), None)
    if not isinstance(named, str | Bareword):
        return named is not None
    text = _text(named).strip()
    return text.casefold() in pscmdlets.OBJECT_TYPES or pscmdlets.is_list_type(text)


def _positional(call: CommandCall) -> list:
    return [e for e in call.elements if not isinstance(e, Parameter)]


def _only_extended_right(call: CommandCall, spec: Spec) -> bool:
    """`-AccessRights ExtendedRight -ExtendedRights ...` (the docs' own example) only names what -ExtendedRights
    grants; any other access right is outside the model. A variable is checked when the command runs."""
    bound = _literal_arguments(call, spec)
    value = bound.get("AccessRights")
    return value is None or all(_text(v).strip().casefold() == "extendedright" for v in _texts(value))


def _literal_arguments(call: CommandCall, spec: Spec) -> dict:
    try:
        return {k: v for k, v in _bind(call, spec).items() if isinstance(v, str | Bareword | list)}
    except ExchangeError:
        return {}


def _written_parameters(call: CommandCall, spec: Spec) -> set[str]:
    """The parameters a call names, by full name, leaving binding errors to the run (where EMS reports them)."""
    names, known = set(), {**spec.parameters, **_COMMON}
    for element in call.elements:
        if isinstance(element, Parameter):
            try:
                names.add(pscmdlets.parameter_name(element.name, known))
            except ExchangeError:
                continue
    return names


def _error_action(call: CommandCall) -> tuple[str, str | None, bool]:
    """The command's -ErrorAction (alias -ea) and -ErrorVariable (-ev) as written ("" and None when not given), and
    whether the variable is appended to (`-ErrorVariable +e`) rather than emptied first."""
    action, variable, append, elements = "", None, False, call.elements
    for position, element in enumerate(elements):
        if not isinstance(element, Parameter):
            continue
        name = element.name.casefold()
        if element.colon:
            value = element.value
        else:
            following = elements[position + 1] if position + 1 < len(elements) else None
            value = None if isinstance(following, Parameter) else following
        if name == "ea" or (len(name) > 6 and "erroraction".startswith(name)):
            action = pscmdlets.action_preference(_text(value))
        elif name == "ev" or (len(name) > 6 and "errorvariable".startswith(name)):
            written = _text(value).strip()
            variable, append = written.lstrip("+").casefold(), written.startswith("+")
    return action, variable, append


def _commands(ctx, call: CommandCall, items: list | None, fresh_error_variable: bool = True) -> list:
    """Run one command, with -ErrorAction: Stop (the console's default, EMS's in scripts that must not go on
    after a failed change) ends the script at an error; SilentlyContinue and Ignore swallow it (the command gives
    nothing, as `if (Get-ReceiveConnector X -ErrorAction SilentlyContinue)` expects); Continue prints it and goes
    on. -ErrorVariable keeps the messages (of every piped object: a streaming stage empties it once)."""
    action, variable = _error_handling(ctx, call, fresh_error_variable)
    try:
        return _command(ctx, call, items)
    except psruntime.LimitReached:
        raise
    except ExchangeError as failure:
        _caught(ctx, call, action, variable, failure)
        return []


def _error_handling(ctx, call: CommandCall, fresh_error_variable: bool = True) -> tuple[str, str | None]:
    """The command's error action, its own or else $ErrorActionPreference's (when the script sets it), and its
    -ErrorVariable, emptied as the command starts unless written `+name` (which appends, as in PowerShell)."""
    action, variable, append = _error_action(call)
    if not action:
        action = pscmdlets.action_preference(ctx.get("erroractionpreference"))
    if variable and fresh_error_variable and not append:
        ctx.set(variable, [])
    return action, variable


def _caught(ctx, call: CommandCall, action: str, variable: str | None, failure: ExchangeError) -> None:
    if action not in ("silentlycontinue", "ignore", "continue"):
        raise failure
    if variable:
        held = ctx.get(variable)  # a list is added to; any other value (`+e` after `$e = 'x'`) is its first item
        ctx.set(variable, [*(held if isinstance(held, list) else [] if held is None else [held]), str(failure)])
    if action == "continue":
        ctx.print([str(failure), f"    + CategoryInfo          : NotSpecified: (:) [{call.name}], exchsim"])


def _stage(ctx, call: CommandCall, first: bool):
    """A command in a pipeline as a streaming stage (pspipeline), or None to run it once over all its input.
    PowerShell's cmdlets that stream do (psstages); an Exchange cmdlet after another command runs once per piped
    object, as its process block does, so each change is made (and its What if: printed) as the object comes."""
    if first:
        return None
    lowered = call.name.casefold()
    if lowered in pscmdlets.CMDLETS:
        inner = psstages.stage(ctx, call.name, call.elements)
        return None if inner is None else _NamedStage(ctx, call, inner)
    if lowered in _NO_OPS or _cmdlet(call.name)[0] is None:
        return None
    return _ExchangeStage(ctx, call)


class _NamedStage(Stage):
    """A streaming PowerShell cmdlet under the call's -ErrorAction, naming itself in an error's CategoryInfo."""

    def __init__(self, ctx, call: CommandCall, inner: Stage):
        self.ctx, self.call, self.inner = ctx, call, inner
        self.action, self.variable = _error_handling(ctx, call)

    def _phase(self, run, *item) -> None:
        self.ctx.running = self.call.name
        self.inner.emit = self.emit
        try:
            run(*item)
        except StopUpstream as stop:
            if stop.stage is self.inner:  # the pipeline knows this stage, not what it wraps
                raise StopUpstream(self) from None
            raise
        except psruntime.LimitReached:
            raise
        except ExchangeError as failure:
            _caught(self.ctx, self.call, self.action, self.variable, failure)

    def begin(self) -> None:
        self._phase(self.inner.begin)

    def process(self, item) -> None:
        self._phase(self.inner.process, item)

    def end(self) -> None:
        self._phase(self.inner.end)


class _ExchangeStage(Stage):
    def __init__(self, ctx, call: CommandCall):
        self.ctx, self.call, self.seen = ctx, call, False
        _error_handling(ctx, call)  # -ErrorVariable emptied once for the pipeline: each piped object's error is added

    def process(self, item) -> None:
        self.seen = True
        for made in self.ctx.commands(self.ctx, self.call, [item], fresh_error_variable=False):
            self.emit(made)

    def end(self) -> None:
        # nothing came: run once with no input, which changes nothing unless -Instance names the object
        if not self.seen:
            self.ctx.commands(self.ctx, self.call, [], fresh_error_variable=False)


def _command(ctx, call: CommandCall, items: list | None) -> list:
    """Run one command of a pipeline: PowerShell's own cmdlets, the no-ops, then Exchange's."""
    ctx.running = call.name  # the CategoryInfo line of an error names it
    lowered = call.name.casefold()
    if lowered in pscmdlets.CMDLETS:
        return pscmdlets.run(ctx, call.name, call.elements, items)
    if lowered in _NO_OPS:
        named = _snapin_names(call) if lowered in ("add-pssnapin", "import-module") else _positional(call)
        note = _NO_OPS[lowered].format(" ".join(_text(e) for e in named))
        if note:
            ctx.print([f"NOTE: {note}"])
        return []
    name, (handler, spec) = _cmdlet(call.name)
    via = "a piped object"
    if name in emsinstance.INSTANCE_CMDLETS:
        call, instance = emsinstance.split_instance(call)
        if instance is not None:  # Exchange 2007's -Instance: bound as a piped object is, by its Identity
            note = emsinstance.INSTANCE_NOTE.format(name)
            if note not in ctx.notes:
                ctx.notes.append(note)
                ctx.print([note])
            items, via = psvalues.as_list(instance), "the -Instance object"
    if items is not None and not items:
        return []  # nothing came down the pipeline: the cmdlet's process block never runs
    for element in call.elements:
        if isinstance(element, Block) or isinstance(getattr(element, "value", None), Block):
            raise Unsupported(_SCRIPT_BLOCK_ARGUMENT.format(call.name, call.line))
    if items is not None and not spec.pipeline_input:
        raise ExchangeError(f"The input object cannot be bound to any parameters for the command {name}.")
    bound = _bind(call, spec)
    for parameter in [p for p in bound if p in _UNMODELLED[name] or p in cmdletdocs.STORED.get(name, ())]:
        template = cmdletdocs.NOTE if parameter in _UNMODELLED[name] else cmdletdocs.STORED_NOTE
        note = template.format(parameter, name)
        if note not in ctx.notes:
            ctx.notes.append(note)
            ctx.print([note])
    if items and name.startswith("Set-"):
        _note_unapplied(ctx, name, items, via)
    piped = None if items is None else [_as_piped(name, _pipeline_object(item)) for item in items]
    if piped is None or "Identity" in bound:
        return [_shown(ctx, obj) for obj in handler(ctx, bound, piped)]
    found = []
    for obj in piped:  # the process block runs once per object
        if not isinstance(obj, _PIPED_TYPES.get(name, ())):
            # A string, or an object of another type, binds to -Identity by its text / Identity property, as
            # PowerShell binds ValueFromPipelineByPropertyName (an accepted domain piped into
            # Remove-ReceiveConnector is looked up as a connector named after it).
            found += handler(ctx, {**bound, "Identity": _piped_identity(ctx, name, obj)}, None)
        else:
            found += handler(ctx, bound, [obj])
    return [_shown(ctx, obj) for obj in found]


# The engine objects each cmdlet takes from the pipeline as themselves; anything else binds by its Identity.
_PIPED_TYPES = {
    "Get-ReceiveConnector": (Server,),
    "Set-ReceiveConnector": (ReceiveConnector,),
    "Remove-ReceiveConnector": (ReceiveConnector,),
    "Add-ADPermission": (ReceiveConnector, Permission),
    "Remove-ADPermission": (ReceiveConnector, Permission),
    "Get-ADPermission": (ReceiveConnector, Permission),
    "Set-AcceptedDomain": (AcceptedDomain,),
    "Remove-AcceptedDomain": (AcceptedDomain,),
    "Set-MailboxServer": (Server,),
}
NO_PIPELINE_BINDING = (
    "The input object cannot be bound to any parameters for the command either because the command does not take "
    "pipeline input or the input and its properties do not match any of the parameters that take pipeline input."
)


def _as_piped(cmdlet: str, obj):
    """A Get-MailboxServer row reaches a cmdlet that takes servers from the pipeline as its server."""
    if isinstance(obj, MailboxServer) and Server in _PIPED_TYPES.get(cmdlet, ()):
        return obj.server
    return obj


def _pipeline_object(item):
    """What a cmdlet receives from the pipeline: the engine object an EMS object shows, the Identity column of a
    row read with Import-Csv (bound by property name), else the item itself."""
    if isinstance(item, PSObject) and item.source is None and item.get("Identity") is not None:
        return _text(item.get("Identity"))
    return _engine_object(item)


def _piped_identity(ctx, cmdlet: str, obj) -> str:
    if isinstance(obj, str):
        return obj
    identity = properties(obj, ctx.org).get("Identity") if isinstance(obj, ENGINE_OBJECTS) else None
    if identity is None:
        raise ExchangeError(NO_PIPELINE_BINDING)
    return str(identity)


PIPED_BY_IDENTITY = (
    "NOTE: {0} takes {4} by its Identity, as EMS does; the change made to {1} of '{2}' in the script "
    "is not applied. Pass it as a parameter: {0} -Identity '{2}' -{3} $object.{3}"
)


def _note_unapplied(ctx, cmdlet: str, items: list, via: str = "a piped object") -> None:
    """A trainee who edits $c.RemoteIPRanges and pipes $c into Set- expects the edit to be saved; EMS binds only the
    Identity, so the console says so instead of silently dropping the edit."""
    for item in items:
        if not isinstance(item, PSObject) or item.source is None or not item.loaded:
            continue
        read = item.read_properties()  # only what the script read can differ
        changed = [n for n, v in read.items() if cell(v) != cell(_fresh_value(ctx, item.source, n))]
        if changed:
            ctx.print([PIPED_BY_IDENTITY.format(cmdlet, ", ".join(changed), str(item), changed[0], via)])


def _fresh_value(ctx, obj, name: str):
    try:
        return property_value(obj, ctx.org, name)
    except (KeyError, AttributeError):
        return None  # a property the script added to the object


def _engine_object(item):
    return (
        item.source
        if isinstance(item, PSObject) and item.source is not None
        else (item if not isinstance(item, PSObject) else str(item))
    )


_TYPE_NAMES = {
    ReceiveConnector: "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector",
    Permission: "Microsoft.Exchange.Management.RecipientTasks.ADAcePresentationObject",
    AcceptedDomain: "Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain",
    Server: "Microsoft.Exchange.Data.Directory.Management.ExchangeServer",
    MailboxServer: "Microsoft.Exchange.Data.Directory.Management.MailboxServer",
    TransportConfig: "Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer",
    RecipientFilterConfig: "Microsoft.Exchange.Data.Directory.SystemConfiguration.RecipientFilterConfig",
}


def _shown(ctx, obj) -> PSObject:
    org = ctx.org
    return PSObject(
        _TYPE_NAMES.get(type(obj), type(obj).__name__),
        source=obj,
        load=lambda: properties(obj, org),
        names=lambda: property_names(obj, org),
        one=lambda name: property_value(obj, org, name),
        check=lambda name, value: emsinstance.assigned(obj, org, name, value),
    )


def _render(ctx, values: list) -> list[str]:
    return render(values, ctx.org)


RECURSION = "The script is nested too deeply to run (line {0}); nothing was applied."
UNRUNNABLE = (
    "The exchsim console couldn't run line {0}: it holds a case its PowerShell interpreter doesn't handle. "
    "Nothing was applied."
)
UNREADABLE = (
    "The exchsim console can't read this script: it holds a construct its PowerShell reader doesn't know. "
    "Nothing was run."
)


def run_script(
    org: Organization,
    text: str,
    atomic: bool = False,
    max_seconds: float | None = None,
    *,
    max_steps: int = psruntime.DEFAULT_MAX_STEPS,
    max_output: int = 1 << 20,
    files: dict | None = None,
    dry_run: bool = False,
    guard: Callable | None = None,
    started: float | None = None,
) -> ConsoleResult:
    """Run an EMS script against `org`. Stops at the first error; with `atomic`, an error leaves `org` unchanged.
    The caps (max_seconds, max_steps, max_output characters) stop the script and apply nothing, atomic or not.
    `files` (name -> text) are what Import-Csv and Get-Content read; ConsoleResult.files holds what the script
    wrote. With `dry_run` every change prints its "What if:" line and the plan of the whole script, and `org` is
    returned unchanged. `guard(ctx, call, items)` sees every command before it runs (emsscope's scoped runs);
    `started` is when the time limit began counting (default: now)."""
    started = time.monotonic() if started is None else started
    deadline = None if max_seconds is None else (started + max_seconds, max_seconds)
    token = psvalues.REGEX_DEADLINE.set(deadline)
    limit = psformat.ENUMERATION_LIMIT.set(None)  # _run_script points it at the script's variable
    try:
        return _run_script(org, text, atomic, max_seconds, max_steps, max_output, files, dry_run, guard, started)
    finally:
        psformat.ENUMERATION_LIMIT.reset(limit)
        psvalues.REGEX_DEADLINE.reset(token)


def _run_script(org, text, atomic, max_seconds, max_steps, max_output, files, dry_run, guard, started):
    try:
        statements = parse_script(text)
        check(statements)
    except Unsupported as refusal:
        return ConsoleResult(org, [], str(refusal), 0)
    except (IndexError, AttributeError, TypeError, ValueError, KeyError, RecursionError):
        # A shape of the grammar's tree the reader doesn't know: refuse the script in words, never a traceback.
        return ConsoleResult(org, [], UNREADABLE, 0)
    ctx = psruntime.Context(
        org,
        _commands if guard is None else _guarded(guard),
        _render,
        _stage,
        max_steps=max_steps,
        max_seconds=max_seconds,
        max_output=max_output,
        files=dict(files or {}),
        dry_run=dry_run,
        started=started,
        scopes=[{"formatenumerationlimit": psformat.EMS_ENUMERATION_LIMIT}],  # as EMS's RemoteExchange.ps1 sets it
    )
    psformat.ENUMERATION_LIMIT.set(lambda: ctx.get("formatenumerationlimit"))
    applied = 0
    for statement in statements:
        out = Host(ctx.org, ctx.print)  # each object printed as it reaches the host, between Write-Host's lines
        ctx.running = None
        try:
            ctx.check_time()
            try:
                psruntime.run_statement(ctx, statement, out)
            except (psruntime.Break, psruntime.Continue):
                pass  # outside a loop they end the statement, as in PowerShell
            out.flush()
        except psruntime.LimitReached as limit:
            return ConsoleResult(org, [*ctx.output, str(limit)], str(limit), 0)
        except RecursionError:
            error = RECURSION.format(getattr(statement, "line", 0) or 1)
            return ConsoleResult(org, [*ctx.output, error], error, 0)
        except (ExchangeError, Unsupported) as failure:  # EMS with ErrorAction Stop
            _flush_before_error(out)
            ctx.output.append(str(failure))  # one entry, equal to ConsoleResult.error, even when several lines
            ctx.output.append(
                f"    + CategoryInfo          : NotSpecified: (:) [{_failed_command(ctx, statement)}], exchsim"
            )
            if dry_run:
                steps = _dry_run_plan(ctx, org, "dry run, up to the error: nothing was changed")
                return ConsoleResult(org, ctx.output, str(failure), 0, dict(ctx.written), steps)
            final = org if atomic else ctx.org
            return ConsoleResult(final, ctx.output, str(failure), 0 if atomic else applied, dict(ctx.written))
        except psruntime.Return as returned:  # `return` outside a function ends the script, after its value
            try:
                out += returned.values
                out.flush()
            except psruntime.LimitReached as limit:
                return ConsoleResult(org, [*ctx.output, str(limit)], str(limit), 0)
            applied += 1
            break
        except (IndexError, AttributeError, TypeError, ValueError, KeyError, OverflowError, csv.Error):
            # A case the interpreter doesn't handle: end the script in words, applying nothing, never a traceback.
            error = UNRUNNABLE.format(getattr(statement, "line", 0) or 1)
            return ConsoleResult(org, [*ctx.output, error], error, 0)
        except psruntime.Exit:
            try:
                out.flush()  # what the statement printed before `exit`
            except psruntime.LimitReached as limit:
                return ConsoleResult(org, [*ctx.output, str(limit)], str(limit), 0)
            applied += 1
            break
        applied += 1
    if dry_run:
        steps = _dry_run_plan(ctx, org, "dry run: nothing was changed")
        return ConsoleResult(org, ctx.output, None, 0, dict(ctx.written), steps)
    return ConsoleResult(ctx.org, ctx.output, None, applied, dict(ctx.written))


def _dry_run_plan(ctx, org: Organization, said: str) -> list:
    """The plan of what the dry run did to its copy of the lab, printed at the end of its output."""
    steps = plan(org, ctx.org)
    ctx.output += ["", f"Plan of the whole script ({said}):"]
    ctx.output += [f"  {step.summary}" for step in steps] if steps else ["  no change to the lab"]
    return steps


def _flush_before_error(out: Host) -> None:
    """What the statement made before it failed is shown above the error (a table the host was holding too)."""
    try:
        out.flush()
    except psruntime.LimitReached:
        out.held = []


def _guarded(guard: Callable) -> Callable:
    def commands(ctx, call: CommandCall, items: list | None, **options) -> list:
        guard(ctx, call, items)
        return _commands(ctx, call, items, **options)

    return commands


def _failed_command(ctx, statement) -> str:
    if getattr(ctx, "running", None):
        return ctx.running
    calls = [call.name for call in psast_walk([statement]) if call.name]
    return calls[-1] if calls else type(statement).__name__


__all__ = [
    "ConsoleResult",
    "Permission",
    "RecipientFilterConfig",
    "TransportConfig",
    "check",
    "find_connector",
    "format_default",
    "format_list",
    "format_table",
    "run_script",
]
