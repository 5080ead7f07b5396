"""PowerShell's everyday cmdlets as streaming stages of a pipeline (pspipeline): the ones whose output for an object
doesn't wait for the next object run on each as it comes (Where-Object, ForEach-Object with its -Begin and -End,
Select-Object without -Last/-Unique, Format-List, Write-Output, Write-Host, Out-Null, Out-Default, Select-String on
pipeline input without -Context or -Quiet); the others take
all their input first (pscmdlets.run, through a Collecting stage).
"""

from __future__ import annotations

from . import psselectstring
from .psast import Block
from .pscmdlets import _no_op, _prepare, _select, foreach_member, format_list, where_object, write_host
from .pspipeline import Out, Stage, StopUpstream
from .psruntime import call_block
from .psvalues import Formatted, as_list, to_number


def stage(ctx, name: str, elements: list):
    """The cmdlet as a streaming stage of a pipeline it doesn't start (pspipeline), or None when it takes all its
    input first: Sort-Object, Group-Object, Measure-Object, Format-Table (-AutoSize or not: the host holds a table
    until the pipeline ends anyway, see docs/decisions.md), Select-Object -Last/-Unique, Out-String, the files."""
    canonical, bound = _prepare(name, elements)
    if "InputObject" in bound:
        return None  # PowerShell refuses both; the console keeps what run() does
    made = _STAGES.get(canonical)
    return made(ctx, bound) if made is not None else None


class _PerItem(Stage):
    """A cmdlet whose output for an object depends on that object only: its handler run on each one."""

    def __init__(self, ctx, handler, bound: dict):
        self.ctx, self.handler, self.bound = ctx, handler, bound

    def process(self, item) -> None:
        for made in self.handler(self.ctx, self.bound, [item]):
            self.emit(made)


class _ForEach(Stage):
    def __init__(self, ctx, bound: dict):
        self.ctx, self.bound = ctx, bound
        self.process_block = bound.get("Process") if isinstance(bound.get("Process"), Block) else None

    def _block(self, name: str, item=None) -> None:
        call_block(self.ctx, self.bound[name], item, out=Out(self.emit))

    def begin(self) -> None:
        if isinstance(self.bound.get("Begin"), Block):
            self._block("Begin")

    def process(self, item) -> None:
        if self.process_block is not None:
            call_block(self.ctx, self.process_block, item, out=Out(self.emit))
        elif self.bound.get("MemberName") is not None:
            for made in foreach_member(self.ctx, self.bound, item):
                self.emit(made)

    def end(self) -> None:
        if isinstance(self.bound.get("End"), Block):
            self._block("End")


class _Select(Stage):
    """Select-Object without -Last/-Unique: -Skip, then each object projected; once -First has its objects the
    commands before it stop (PowerShell stops them: a `| select -First 1` doesn't wait for the rest)."""

    def __init__(self, ctx, bound: dict):
        self.ctx = ctx
        self.skip = int(to_number(bound.get("Skip", 0)))
        self.first = int(to_number(bound["First"])) if "First" in bound else None
        self.projection = {k: v for k, v in bound.items() if k in ("Property", "ExpandProperty", "ExcludeProperty")}
        self.wait = bool(bound.get("Wait"))  # -Wait: "turn off this optimizing behavior" (Select-Object's page)
        self.taken = 0

    def process(self, item) -> None:
        if self.skip > 0:
            self.skip -= 1
            return
        if self.first is not None and self.taken >= self.first:
            self._enough()
            return
        for made in _select(self.ctx, self.projection, [item]):
            self.emit(made)
        self.taken += 1
        if self.first is not None and self.taken >= self.first:
            self._enough()

    def _enough(self) -> None:
        if not self.wait:
            raise StopUpstream(self)


class _FormatList(Stage):
    """Format-List prints each object as it comes (a list view has no column widths to wait for)."""

    def __init__(self, ctx, bound: dict):
        self.ctx, self.bound, self.started = ctx, bound, False

    def process(self, item) -> None:
        (lines,) = format_list(self.ctx, self.bound, [item])
        self.emit(lines if not self.started else Formatted(lines[1:]))  # one blank line between objects
        self.started = True


class _WriteHost(Stage):
    def __init__(self, ctx, bound: dict):
        self.ctx, self.bound = ctx, bound

    def process(self, item) -> None:
        write_host(self.ctx, {**self.bound, "Object": as_list(item)}, [])


def _select_stage(ctx, bound: dict):
    if "Last" in bound or bound.get("Unique"):
        return None
    return _Select(ctx, bound)


def _write_output_stage(ctx, bound: dict):
    return None if bound.get("InputObject") else Stage()  # objects pass through


def _write_host_stage(ctx, bound: dict):
    return None if bound.get("Object") else _WriteHost(ctx, bound)  # written arguments: printed once, as before


_STAGES = {
    "Where-Object": lambda ctx, bound: _PerItem(ctx, where_object, bound),
    "ForEach-Object": _ForEach,
    "Select-Object": _select_stage,
    "Format-List": _FormatList,
    "Write-Output": _write_output_stage,
    "Write-Host": _write_host_stage,
    "Out-Null": lambda ctx, bound: _PerItem(ctx, _no_op, bound),
    "Out-Default": lambda ctx, bound: Stage(),
    "Select-String": psselectstring.stage,
}
