"""The switch statement as PowerShell runs it (about_Switch): each item of the subject (an array's items one by one,
a -File's lines) is tested against every clause in order and every clause that matches runs, with $_ the item;
`default` runs when none did; `break` ends the whole switch, `continue` moves on to the next item.

Values compare as text ("the switch statement converts all values to strings before comparison"), without case
unless -CaseSensitive; -Wildcard matches as -like, -Regex as -match (setting $matches), both only for a text
condition; a script-block condition is tested with $_ set to the item.
"""

from __future__ import annotations

from . import psruntime
from .psast import Block, CommandCall, Pipeline
from .psvalues import as_list, match_table, regex, search, to_bool, to_string, wildcard


def _items(ctx, node) -> list:
    if node.file is not None:
        from .pscmdlets import plain, read_file  # pscmdlets imports psruntime, which imports this module

        return read_file(ctx, plain(psruntime.evaluate(ctx, node.file))).splitlines()
    subject = node.subject
    if type(subject) is Pipeline and any(type(e) is CommandCall for e in subject):
        return psruntime.run_pipeline(ctx, subject)  # a command's output; none is no item at all
    value = psruntime.value_of(ctx, subject)
    return [None] if value is None else list(as_list(value))


def _matches(ctx, node, condition, item) -> bool:
    if type(condition) is Block:
        return to_bool(psruntime.collapse(psruntime.call_block(ctx, condition, item)))
    wanted = psruntime.evaluate(ctx, condition)
    text, pattern = to_string(item), to_string(wanted)
    if node.mode == "regex" and isinstance(wanted, str):
        found = search(regex(pattern, node.case_sensitive), text)
        if found:
            ctx.set("matches", match_table(found))
        return found is not None
    if node.mode == "wildcard" and isinstance(wanted, str):
        return wildcard(pattern, node.case_sensitive).fullmatch(text)
    if node.case_sensitive:
        return text == pattern
    return text.casefold() == pattern.casefold()


def run(ctx, node, out: list) -> None:
    items = _items(ctx, node)
    saved = ctx.scopes[-1].get("_")
    try:
        for item in items:
            ctx.step()
            ctx.set("_", item)
            matched = False
            try:
                for condition, body in node.clauses:
                    ctx.set("_", item)  # a clause's body may have changed $_
                    if _matches(ctx, node, condition, item):
                        matched = True
                        psruntime.run_block(ctx, body, out)
                if not matched and node.default is not None:
                    psruntime.run_block(ctx, node.default, out)
            except psruntime.Continue:
                continue
    except psruntime.Break:
        pass
    finally:
        ctx.set("_", saved)
