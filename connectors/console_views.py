"""The web console: Exchange Management Shell commands on a lab (connectors/console_run.py runs them, as manage.py ems
does), with a dry-run switch and "run as one change", and the files scripts read and write.

Files live in the session, per lab, within EXCHSIM_CONSOLE_FILES_MAX_BYTES together: a script reads only what was
uploaded and writes only there (pscmdlets keeps a path's last part: C:\\temp\\x.csv is x.csv), so nothing on the
server's disk is reachable. They go when the session ends.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import console_run, history, presenters
from .access import get_lab_for_user
from .forms import ConsoleFilesForm, ConsoleForm
from .store import lab_to_org
from .uploads import oversized

HISTORY_LIMIT = 50
HISTORY_ENTRY_CHARS = 10_000
CONSOLE_TABLE_ROWS = 50  # beyond that the overview pages the servers; each command also lists what it changed


# --- The session's files -------------------------------------------------------------------------------------------


def _files_key(lab) -> str:
    return f"console-files:{lab.pk}"


def _history_key(lab) -> str:
    return f"console:{lab.pk}"


def _files(request: HttpRequest, lab) -> dict[str, str]:
    return dict(request.session.get(_files_key(lab), {}))


def _without(files: dict[str, str], name: str) -> dict[str, str]:
    """The files but `name` (file names compare without case, as Import-Csv finds them)."""
    return {key: text for key, text in files.items() if key.casefold() != name.casefold()}


def _keep(request: HttpRequest, lab, new: dict[str, str]) -> tuple[list[str], list[str]]:
    """Keep `new` files (replacing same-named ones) while they fit in the limit: the names kept, and a note for
    each that didn't fit."""
    files, kept_names, notes = _files(request, lab), [], []
    limit = settings.EXCHSIM_CONSOLE_FILES_MAX_BYTES
    for name, text in new.items():
        others = _without(files, name)
        if sum(len(t.encode()) for t in others.values()) + len(text.encode()) > limit:
            notes.append(
                f"{name} ({len(text.encode()):,} bytes) was not kept: the console keeps up to {limit:,} bytes of files "
                "per lab (EXCHSIM_CONSOLE_FILES_MAX_BYTES); remove some files and run the script again."
            )
            continue
        files = {**others, name: text}
        kept_names.append(name)
    request.session[_files_key(lab)] = files
    return kept_names, notes


def _file_rows(lab, files: dict[str, str]) -> list[dict]:
    return [
        {"name": name, "size": len(text.encode()), "url": reverse("connectors:console-file", args=[lab.slug, name])}
        for name, text in sorted(files.items(), key=lambda item: item[0].casefold())
    ]


# --- Running a command ---------------------------------------------------------------------------------------------


def _console_entry(command: str, result) -> dict:
    """One history entry: what the shell printed, with the error block (the failure and its CategoryInfo) apart.
    The session keeps fifty entries, so a long script or its output is kept cut to HISTORY_ENTRY_CHARS."""
    lines = list(result.output)
    cut = lines.index(result.error) if result.error in lines else len(lines)
    error = "\n".join(lines[cut:]) if cut < len(lines) else result.error or ""
    return {"command": _cut(command), "output": _cut("\n".join(lines[:cut])), "error": _cut(error)}


def _cut(text: str) -> str:
    if len(text) <= HISTORY_ENTRY_CHARS:
        return text
    return text[:HISTORY_ENTRY_CHARS] + f"\n… ({len(text) - HISTORY_ENTRY_CHARS:,} more characters not kept)"


def _run_console(request: HttpRequest, lab, form: ConsoleForm) -> tuple:
    """Run the command on the servers it names (the whole lab when it reaches further), save what it changed and
    keep the files it wrote; the org it ran on (None when it loaded no server), its console entry and its history
    entry (None: nothing saved)."""
    command, atomic, dry_run = (form.cleaned_data[key] for key in ("command", "atomic", "dry_run"))
    run = console_run.run(
        lab,
        command,
        change=history.web_change(request, history.CONSOLE, command),
        atomic=atomic,
        dry_run=dry_run,
        files=_files(request, lab),
        max_seconds=settings.EXCHSIM_CONSOLE_MAX_SECONDS,
    )
    entry = _console_entry(command, run.result)
    entry["options"] = [label for label, on in (("dry run", dry_run), ("as one change", atomic)) if on]
    entry["changes"], entry["written"] = [], []
    if run.refused is not None:
        entry["error"] = "\n".join(e.message for e in run.refused.errors)
    else:
        entry["changes"] = [f"{verb} {c.identity}" for verb, c in run.changes]
        if atomic and not dry_run and run.result.error is not None:
            # say so, as manage.py ems --atomic does: the commands before the error don't stay either
            entry["changes"].append("stopped at the first error; nothing was applied (run as one change)")
        if run.saved is not None:
            entry["changes"].append(f"history entry #{run.saved.number}")
    written = run.result.files
    if written and (dry_run or run.refused is not None or (atomic and run.result.error is not None)):
        why = "a dry run keeps nothing" if dry_run else "nothing was applied"
        entry["changes"] += [f"{name} was written by the script but not kept: {why}" for name in written]
    elif written:
        entry["written"], notes = _keep(request, lab, written)
        entry["changes"] += notes
    return (None if run.servers == [] else run.org), entry, run.saved


def _table_servers(lab) -> tuple[list[str], int]:
    """The first servers (by name, as lab_to_org orders connectors) whose connectors fill the console's table, and
    the lab's number of connectors, in one query: the page then loads a few servers, not the whole lab."""
    counts = lab.servers.order_by("name").annotate(count=Count("receive_connectors")).values_list("name", "count")
    names, total = [], 0
    for name, count in counts:
        if total < CONSOLE_TABLE_ROWS:
            names.append(name)
        total += count
    return names, total


def _page(request: HttpRequest, lab, form=None, files_form=None, org=None, saved=None, status=200) -> HttpResponse:
    """The console page (its #console-swap part for htmx). The table shows the servers the last command worked on
    (`org`), else the lab's first servers."""
    servers, connector_count = _table_servers(lab)
    if org is None:
        org = lab_to_org(lab, servers)
    cache: dict = {}
    rows = [(c, presenters.connector_row(c, cache)) for c in org.connectors[:CONSOLE_TABLE_ROWS]]
    context = {
        "section": "console",
        "lab": lab,
        "form": form or ConsoleForm(),
        "files_form": files_form or ConsoleFilesForm(),
        "files": _file_rows(lab, _files(request, lab)),
        "files_limit": settings.EXCHSIM_CONSOLE_FILES_MAX_BYTES,
        "history": request.session.get(_history_key(lab), []),
        "rows": rows,
        "connector_count": connector_count,
        "undo_entry": saved,
        "undo_next": reverse("connectors:console", args=[lab.slug]),
    }
    if request.htmx:
        return render(request, "connectors/console.html#console-swap", context)
    return render(request, "connectors/console.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    form = ConsoleForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _page(request, lab, form if request.method == "POST" else None)
    org, entry, saved = _run_console(request, lab, form)
    key = _history_key(lab)
    request.session[key] = [*request.session.get(key, []), entry][-HISTORY_LIMIT:]
    # The switches stay as they were set; the command box is empty for the next command.
    options = ConsoleForm(initial={"atomic": form.cleaned_data["atomic"], "dry_run": form.cleaned_data["dry_run"]})
    return _page(request, lab, options, org=org, saved=saved)


# --- The files -----------------------------------------------------------------------------------------------------


@login_required
@require_POST
def console_upload(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload files for scripts to read; a refused upload keeps nothing and says why beside the box."""
    lab = get_lab_for_user(request, slug)
    files = _files(request, lab)
    form = ConsoleFilesForm(request.POST, request.FILES, oversized=oversized(request, "console_files"), existing=files)
    if not form.is_valid():
        return _page(request, lab, files_form=form, status=400)
    request.session[_files_key(lab)] = form.cleaned_data["console_files"]
    if not request.htmx:
        return redirect("connectors:console", lab.slug)
    return _page(request, lab)


@login_required
@require_safe
def console_file(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """A file of the session as a download (what Export-Csv or Out-File wrote, or an upload)."""
    lab = get_lab_for_user(request, slug)
    text = _files(request, lab).get(name)
    if text is None:
        raise Http404(f"No file called '{name}' in this lab's console.")
    kind = "text/csv" if name.casefold().endswith(".csv") else "text/plain"
    response = HttpResponse(text.encode(), content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_POST
def console_file_remove(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    request.session[_files_key(lab)] = _without(_files(request, lab), name)
    if not request.htmx:
        return redirect("connectors:console", lab.slug)
    return _page(request, lab)
