"""Pipelines that stream, as PowerShell's do: every command's begin runs first (first to last), then each object
goes through the whole pipeline, to the host's output, before the next one is made; then every command's end.

A command of a running pipeline is a Stage (begin, process per object, end), which hands what it makes to the next
one with `emit`. Commands that need everything first (Sort-Object, Measure-Object, Format-Table, Out-String, a
function reading $input) are Collecting stages: they run once, at their end, over what they received. A command that
has all it wants (Select-Object -First) raises StopUpstream: the commands before it stop without their end (as
PowerShell's StopUpstreamCommandsException stops them), the ones after it finish normally.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


class StopUpstream(Exception):  # noqa: N818 (not an error: PowerShell's StopUpstreamCommandsException)
    """Raised by a stage that wants no more input; only the pipeline holding that stage catches it."""

    def __init__(self, stage: Stage):
        super().__init__("stop upstream")
        self.stage = stage


class Stage:
    """One command of a running pipeline. `emit(item)` hands an object to the next command (or the pipeline's
    output); the pipeline sets it before begin."""

    emit: Callable

    def begin(self) -> None:
        pass

    def process(self, item) -> None:
        self.emit(item)

    def end(self) -> None:
        pass


class Collecting(Stage):
    """A command run once over all its input, at its end; the first command of a pipeline gets None (no input)."""

    def __init__(self, run: Callable, first: bool):
        self.run = run  # (items | None) -> list
        self.items: list | None = None if first else []

    def process(self, item) -> None:
        self.items.append(item)

    def end(self) -> None:
        for item in self.run(self.items):
            self.emit(item)


class Out:
    """A statement's output written straight into the next command, object by object (what a script block inside
    ForEach-Object outputs), where a list would collect it: `out += items` and `out.append(item)` both push."""

    __slots__ = ("append",)

    def __init__(self, push: Callable):
        self.append = push

    def __iadd__(self, items):
        push = self.append
        for item in items:
            push(item)
        return self


def drive(stages: list[Stage], items: Iterable | None, sink: Callable) -> None:
    """Run the stages: their begins, then `items` (None when the first command makes its own output) one by one
    through them, then their ends; what the last stage emits goes to `sink`."""
    downstream = sink
    for stage in reversed(stages):
        stage.emit = downstream
        downstream = stage.process
    start = 0
    try:
        _begin(stages)
        if items is not None:
            process = stages[0].process
            for item in items:
                process(item)
    except StopUpstream as stop:
        start = _position(stages, stop)
    _end(stages, start)


def _begin(stages: list[Stage]) -> None:
    """Every begin, first to last; what a begin outputs (ForEach-Object -Begin {'x'}) waits until the commands after
    it have begun too, then goes down the pipeline, the latest begin's first."""
    made = []
    for stage in stages:
        emit, buffer = stage.emit, []
        stage.emit = buffer.append
        try:
            stage.begin()
        finally:
            stage.emit = emit
        made.append(buffer)
    for stage, buffer in reversed(list(zip(stages, made, strict=True))):
        for item in buffer:
            stage.emit(item)


def _end(stages: list[Stage], start: int) -> None:
    position = start
    while position < len(stages):
        stage = stages[position]
        position += 1
        try:
            stage.end()
        except StopUpstream as stop:  # a later stage stopped during this end: the ones between it and here stop
            position = _position(stages, stop)


def _position(stages: list[Stage], stop: StopUpstream) -> int:
    for position, stage in enumerate(stages):
        if stage is stop.stage:
            return position
    raise stop  # a stage of an enclosing pipeline: it stops this whole pipeline too
