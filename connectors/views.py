"""Dashboard views: the labs, a lab's overview, the simulator, the relay map and the plan (one connector's page and
its edits are connector_views.py; the other pages have their own *_views.py). Thin: load the lab into engine
objects, call the engine, render. One template per page; its partials serve htmx swaps. Every change goes through
the engine; a write loads what it changes and saves it inside store.locked_lab, so writers of one lab take turns and
none overwrites another's change (docs/decisions.md).

Every view, here and in the other *_views.py modules: typed (request: HttpRequest, ... -> HttpResponse), and
decorated @login_required, then one method decorator (@require_safe / @require_POST / @require_http_methods), with
@never_cache outermost where a page must not be cached (docs/decisions.md, "Architecture decisions")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from . import history, labfile, labs, labtemplates, models, presenters, store, traffic
from .access import get_lab_for_user, labs_for_user
from .connector_views import connector_url, refuse_foreign_bindings
from .convert import server_value
from .exchange import powershell
from .exchange.addressmap import server_maps
from .exchange.errors import ExchangeError, ValidationFailed
from .exchange.model import Organization
from .exchange.receive import new_receive_connector
from .exchange.smtp import Simulator
from .forms import (
    LabCreateForm,
    LabRenameForm,
    LabUploadForm,
    NewConnectorForm,
    ProbeForm,
    QuickCheckForm,
    add_engine_errors,
)
from .store import lab_to_org
from .uploads import oversized

# --- Loading --------------------------------------------------------------------------------------------


def _server_rows(lab) -> list[models.Server]:
    """The lab's servers, read once for the page: their names fill the server choices and the rows of the chosen
    ones go to lab_to_org as they are (the servers table is not read twice)."""
    return list(lab.servers.order_by("name"))


def _rows_named(rows: list[models.Server], *names: str) -> list[models.Server]:
    return [row for row in rows if row.name in names]


def _new_connector_form(rows: list[models.Server], data=None) -> NewConnectorForm:
    """-TransportRole is offered only when a server of the lab has it (2013 and later, not Edge)."""
    servers = [server_value(row) for row in rows]
    role = any(server.version.is_e15_or_later and not server.is_edge for server in servers)
    return NewConnectorForm(data, servers=[row.name for row in rows], transport_role=role)


def _server_or_404(org: Organization, name: str):
    server = org.server(name)
    if server is None:
        raise Http404(f"The operation couldn't be performed because object '{name}' couldn't be found.")
    return server


# --- Labs ----------------------------------------------------------------------------------------------------------


# When a lab last changed: its newest history entry (an edit to a connector leaves the Lab row itself untouched).
_LAST_CHANGE = Subquery(
    models.HistoryEntry.objects.filter(lab=OuterRef("pk")).order_by("-number").values("created")[:1]
)


def _lab_list_page(request, create_form=None, upload_form=None, rename_form=None, renamed=None, status=200):
    """The lab list; a refused create, upload or rename (of the lab `renamed`) shows its error beside its field."""
    context = {
        "section": "labs",
        "labs": labs_for_user(request.user)
        .select_related("baseline")
        .annotate(started_from=F("baseline_snapshot__origin"), last_change=_LAST_CHANGE)
        .order_by("name"),
        "create_form": create_form
        or LabCreateForm(templates=labtemplates.TEMPLATES, initial={"template": labtemplates.CURRENT_TEMPLATE}),
        "upload_form": upload_form or LabUploadForm(),
        "rename_form": rename_form,
        "renamed": renamed,
    }
    return render(request, "connectors/lab_list.html", context, status=status)


@login_required
@require_safe
def lab_list(request: HttpRequest) -> HttpResponse:
    return _lab_list_page(request)


@login_required
@require_POST
def lab_create(request: HttpRequest) -> HttpResponse:
    form = LabCreateForm(request.POST, templates=labtemplates.TEMPLATES)
    if not form.is_valid():
        return _lab_list_page(request, create_form=form, status=400)
    try:
        lab = labs.create_lab_from_template(
            form.cleaned_data["template"],
            owner=request.user,
            name=form.cleaned_data["name"],
            change=history.web_change(request),
        )
    except ExchangeError as error:
        add_engine_errors(form, [error])
        return _lab_list_page(request, create_form=form, status=400)
    return redirect("connectors:lab-detail", lab.slug)


@login_required
@require_POST
def lab_upload(request: HttpRequest) -> HttpResponse:
    form = LabUploadForm(request.POST, request.FILES, oversized=oversized(request, "file"))
    if form.is_valid():
        try:
            lab = labs.load_lab(
                form.cleaned_data["file"],
                owner=request.user,
                origin=f"the lab file {request.FILES['file'].name}",
                change=history.web_change(request),
            )
        except (ExchangeError, ValueError) as error:
            form.add_error("file", str(error))
        else:
            return redirect("connectors:lab-detail", lab.slug)
    return _lab_list_page(request, upload_form=form, status=400)


@login_required
@require_POST
def lab_copy(request: HttpRequest, slug: str) -> HttpResponse:
    with store.locked_lab(get_lab_for_user(request, slug)) as lab:  # copy what is committed, not a save half-seen
        copy = labs.copy_lab(lab, owner=request.user, change=history.web_change(request))
    messages.success(request, f"Copied {lab.name} to {copy.name}: change it freely, the original stays as it was.")
    return redirect("connectors:lab-detail", copy.slug)


@login_required
@require_POST
def lab_rename(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    form = LabRenameForm(request.POST)
    if form.is_valid():
        new_name, shown = form.cleaned_data["name"], request.POST.get("based_on")
        try:
            with store.locked_lab(lab) as lab:
                if shown is not None and lab.name not in (shown, new_name):
                    messages.error(
                        request,
                        f"Someone renamed the lab to {lab.name} while you were typing, so it wasn't renamed to "
                        f"{new_name}. Rename it again to replace their name with yours.",
                    )
                    return redirect("connectors:lab-list")
                labs.rename_lab(lab, new_name)
        except ExchangeError as error:
            form.add_error("name", error.message)
        else:
            return redirect("connectors:lab-detail", lab.slug)
    return _lab_list_page(request, rename_form=form, renamed=lab, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def lab_delete(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    if request.method == "POST":
        with store.locked_lab(lab) as lab:  # waits for a save in progress instead of deleting under it
            name = lab.name
            lab.delete()
        messages.success(request, f"Deleted the lab {name}.")
        return redirect("connectors:lab-list")
    return render(request, "connectors/lab_delete.html", {"section": "labs", "lab": lab})


@login_required
@require_safe
def lab_download(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    response = HttpResponse(labfile.dump_lab(lab), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{lab.slug}.json"'
    return response


# --- Lab overview --------------------------------------------------------------------------------------------------


SERVERS_PER_PAGE = 10


def _overview_context(lab, org: Organization, rows: list[models.Server], page, new_form=None) -> dict:
    cache: dict = {}
    servers = [
        (server, [presenters.connector_row(c, cache) for c in org.connectors_of(server.name)]) for server in org.servers
    ]
    return {
        "section": "overview",
        "lab": lab,
        "org": org,
        "servers": servers,
        "page": page,
        "check_form": QuickCheckForm(servers=[row.name for row in rows]),
        "new_form": new_form or _new_connector_form(rows),
        "recipients": org.recipients[:50],
    }


def _overview(request, slug: str, new_form=None):
    """The overview shows SERVERS_PER_PAGE servers at a time, so a 100-server lab stays readable and fast."""
    lab = get_lab_for_user(request, slug)
    rows = _server_rows(lab)
    page = Paginator(rows, SERVERS_PER_PAGE).get_page(request.GET.get("page"))
    org = lab_to_org(lab, list(page.object_list))
    return render(request, "connectors/lab_detail.html", _overview_context(lab, org, rows, page, new_form))


@login_required
@require_safe
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _overview(request, slug)


@login_required
@require_POST
def connector_create(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    form = _new_connector_form(_server_rows(lab), request.POST)
    if form.is_valid():
        server = form.cleaned_data["server"]
        try:
            with store.locked_lab(lab) as locked:
                org = lab_to_org(locked, [server])
                connector = new_receive_connector(org, server, form.cleaned_data["name"], **form.arguments())
                refuse_foreign_bindings(org, connector)
                created = org.with_changes(connectors=(*org.connectors, connector))
                store.save_org(locked, created, [server], change=history.web_change(request))
        except ValidationFailed as failure:
            add_engine_errors(form, failure.errors)
        except ExchangeError as error:
            add_engine_errors(form, [error])
        else:
            url = connector_url(lab, connector)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        return render(request, "connectors/lab_detail.html#new-connector", {"lab": lab, "new_form": form})
    return _overview(request, slug, form)


@login_required
@require_safe
def lab_check(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    rows = _server_rows(lab)
    form = QuickCheckForm(request.GET or None, servers=[row.name for row in rows])  # opened directly: an empty form
    context = {"lab": lab, "check_form": form, "section": "overview"}
    if form.is_valid():
        org = lab_to_org(lab, _rows_named(rows, form.cleaned_data["server"]))
        result = Simulator(org).simulate(form.probe())
        context["verdict"] = presenters.verdict(result)
        context["result"] = result
    template = "connectors/lab_detail.html#quick-check" if request.htmx else "connectors/lab_check.html"
    return render(request, template, context)


# --- What-if simulator ---------------------------------------------------------------------------------------------


@login_required
@require_safe
def simulator(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    rows = _server_rows(lab)
    servers = [row.name for row in rows]
    form = ProbeForm(request.GET or None, servers=servers, initial={"server": servers[0] if servers else None})
    context = {"section": "simulator", "lab": lab, "form": form}
    if form.is_bound and form.is_valid():
        # The form parsed the addresses; the probe carries the parsed values on to selection and session.
        org = lab_to_org(lab, _rows_named(rows, form.cleaned_data["server"]))
        try:
            result = Simulator(org).simulate(form.probe())
        except ExchangeError as error:
            add_engine_errors(form, [error])
        else:
            decisions = result.rights.decisions.values() if result.rights else ()
            context["result"] = result
            context["session_verdict"] = presenters.session_verdict(result)
            context["losers"] = [c for c in result.selection.candidates if not c.won]
            context["decided_rights"] = [d for d in decisions if d.allowed or d.ace]
            context["ungranted_rights"] = [d.right for d in decisions if not d.allowed and not d.ace]
    template = "connectors/simulator.html#probe" if request.htmx else "connectors/simulator.html"
    return render(request, template, context)


# --- Relay map -----------------------------------------------------------------------------------------------------


@login_required
@require_safe
def relay_map(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    rows = _server_rows(lab)
    names = [row.name for row in rows]
    server = request.GET.get("server") or (names[0] if names else "")
    org = lab_to_org(lab, _rows_named(rows, server))
    if names:
        _server_or_404(org, server)
    context = {
        "section": "relaymap",
        "lab": lab,
        "servers": names,
        "server": server,
        "maps": server_maps(org, server) if names else [],
    }
    return render(request, "connectors/relay_map.html", context)


# --- Plan ----------------------------------------------------------------------------------------------------------


SCRIPT_TITLES = {
    "plan": "Plan script",
    "rollback": "Rollback script",
    "lab": "Whole-lab script (from Setup's defaults)",  # what `manage.py exportps SLUG` prints
}
# Beyond this many connectors the page links to the whole-lab script instead of inlining it (a 1,000-connector lab's
# script is megabytes of highlighted HTML that nobody reads in the page).
WHOLE_LAB_INLINE_CONNECTORS = 200


def _script(kind: str, lab, org: Organization, baseline: Organization | None = None) -> str:
    if kind == "lab":
        return powershell.render_lab(org, lab.name)
    render = powershell.render_plan if kind == "plan" else powershell.render_rollback
    return render(baseline, org, lab.name, labs.baseline_name(lab))


@login_required
@require_safe
def plan(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    baseline, org = labs.baseline_org(lab), lab_to_org(lab)
    inline_lab = len(org.connectors) <= WHOLE_LAB_INLINE_CONNECTORS
    scripts = [
        (kind, title, _script(kind, lab, org, baseline) if kind != "lab" or inline_lab else None)
        for kind, title in SCRIPT_TITLES.items()
    ]
    context = {
        "section": "plan",
        "lab": lab,
        "steps": powershell.plan(baseline, org),
        "scripts": scripts,
        "connector_count": len(org.connectors),
        "snapshot": labs.baseline_snapshot(lab),
        "traffic": traffic.plan_impact(lab),  # stored, or worked out in the background for large logs
    }
    return render(request, "connectors/plan.html", context)


@login_required
@require_safe
def plan_download(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """A script as a .ps1 download, or with ?view shown in the browser as text."""
    lab = get_lab_for_user(request, slug)
    if kind not in SCRIPT_TITLES:
        raise Http404(f"No script called '{kind}'.")
    org = lab_to_org(lab)
    text = _script(kind, lab, org, None if kind == "lab" else labs.baseline_org(lab))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    disposition = "inline" if "view" in request.GET else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{lab.slug}-{kind}.ps1"'
    return response
