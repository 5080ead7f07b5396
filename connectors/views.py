"""Dashboard views. Thin: load the lab into engine objects, call the engine, render. One template per page; its
partials serve htmx swaps. Every change goes through the engine; a write loads what it changes and saves it inside
store.locked_lab, so writers of one lab take turns and none overwrites another's change (docs/decisions.md).

Every view, here and in the other *_views.py modules: typed (request: HttpRequest, ... -> HttpResponse), and
decorated @login_required, then one method decorator (@require_safe / @require_POST / @require_http_methods), with
@never_cache outermost where a page must not be cached (docs/decisions.md, "Architecture decisions: views")."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from . import history, labfile, labs, labtemplates, models, presenters, stale_edits, store, traffic
from .access import get_lab_for_user, labs_for_user
from .convert import server_value
from .exchange import powershell
from .exchange.acl import (
    add_ad_permission,
    read_permission_groups,
    remove_ad_permission,
    resolve_principal,
)
from .exchange.addressmap import relays_anonymously, server_maps
from .exchange.catalogue import (
    ANONYMOUS_LOGON,
    RIGHTS,
    canonical_principal,
    format_permission_groups,
)
from .exchange.errors import ExchangeError, ValidationFailed
from .exchange.model import Organization, Principal, PrincipalKind, ReceiveConnector
from .exchange.receive import foreign_bindings, new_receive_connector, set_receive_connector
from .exchange.smtp import Simulator
from .forms import (
    AuthForm,
    GeneralForm,
    GroupsForm,
    LabCreateForm,
    LabRenameForm,
    LabUploadForm,
    NetworkForm,
    NewConnectorForm,
    PermissionForm,
    ProbeForm,
    QuickCheckForm,
    SettingsForm,
    add_engine_errors,
)
from .store import lab_to_org
from .uploads import oversized

# --- Loading and saving --------------------------------------------------------------------------------------------


def _lab_and_org(request, slug: str, servers: list[str] | None = None):
    """The lab and its Organization; `servers` loads only those servers' connectors (pages and edits that concern
    one server stay fast on a 100-server lab; save such an org with the same `servers`)."""
    lab = get_lab_for_user(request, slug)
    return lab, lab_to_org(lab, servers)


def _connector_or_404(org: Organization, server: str, name: str) -> ReceiveConnector:
    connector = org.connector(server, name)
    if connector is None:
        raise Http404(f"The operation couldn't be performed because object '{server}\\{name}' couldn't be found.")
    return connector


def _replace(org: Organization, old: ReceiveConnector, new: ReceiveConnector) -> Organization:
    return org.with_changes(connectors=tuple(new if c is old else c for c in org.connectors))


def _save(lab, org: Organization, servers: list[str] | None = None, *, change):
    """Save inside the store.locked_lab block in which `org` was loaded and changed, recording the change (a
    history.Change); the history entry, None when nothing changed."""
    return store.save_org(lab, org, servers, change=change)


def _undo_notice(request, entry, next_url: str) -> str:
    """A removal's message with an Undo button posting to its history entry's undo (safe HTML, kept by messages)."""
    return mark_safe(
        render_to_string("connectors/undo_notice.html", {"entry": entry, "next": next_url}, request).strip()
    )


# The findings boxes reload on this htmx event, which every saved edit sends (an HX-Trigger response header).
FINDINGS_CHANGED = "findings-changed"


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


def _lab_list_page(request, create_form=None, upload_form=None, rename_form=None, renamed=None, status=200):
    """The lab list; a refused create, upload or rename (of the lab `renamed`) shows its error beside its field."""
    context = {
        "section": "labs",
        "labs": labs_for_user(request.user)
        .select_related("baseline")
        .annotate(started_from=F("baseline_snapshot__origin"))
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
                _refuse_foreign_bindings(org, connector)
                created = org.with_changes(connectors=(*org.connectors, connector))
                _save(locked, created, [server], change=history.web_change(request))
        except ValidationFailed as failure:
            add_engine_errors(form, failure.errors)
        except ExchangeError as error:
            add_engine_errors(form, [error])
        else:
            url = _connector_url(lab, connector)
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


# --- Connector page ------------------------------------------------------------------------------------------------

TABS = (
    ("general", "General"),
    ("network", "Network"),
    ("auth", "Authentication"),
    ("settings", "Settings"),
    ("groups", "Permission Groups"),
    ("permissions", "Permissions"),
    ("effective", "Effective permissions"),
)


def _connector_context(lab, org: Organization, connector: ReceiveConnector, tab: str, **forms) -> dict:
    server = org.server(connector.server)
    groups = read_permission_groups(connector.acl, server, org.domain_netbios)
    shown = presenters.tab_values(org, connector)
    context = {
        "section": "overview",
        "lab": lab,
        "org": org,
        "server": server,
        "connector": connector,
        "tab": tab,
        "tabs": TABS,
        "groups_text": format_permission_groups(groups),
        "relays_anonymously": relays_anonymously(connector),
        "general_form": GeneralForm(initial=shown["general"], server=server),
        "network_sections": presenters.network_sections(connector, forms.get("network_form"), server),
        "auth_form": AuthForm(initial=shown["auth"], server=server),
        "settings_form": SettingsForm(initial=shown["settings"], server=server),
        "groups_form": GroupsForm(initial=shown["groups"]),
        "based_on": {name: stale_edits.based_on(values) for name, values in shown.items()},
        "permission_form": PermissionForm(initial={"action": "add"}),
        "rights": RIGHTS,
        **dict(zip(("matrix", "matrix_rights", "unheld_rights"), presenters.matrix(connector), strict=True)),
        "matrix_key": presenters.MATRIX_KEY,
        "script": powershell.render_connector(org, connector),
        "principal_names": sorted({p.name for p in org.principals} | {ANONYMOUS_LOGON}),
    }
    context.update(forms)
    return context


def _connector_url(lab, connector: ReceiveConnector, tab: str | None = None) -> str:
    args = [lab.slug, connector.server, connector.name]
    return (
        reverse("connectors:connector-tab", args=[*args, tab])
        if tab
        else reverse("connectors:connector-detail", args=args)
    )


def _render_connector(request, context: dict):
    """The full page, or for htmx the edited tab panel plus out-of-band updates of the script and badges."""
    if not request.htmx:
        return render(request, "connectors/connector.html", context)
    parts = [render_to_string("connectors/connector.html#panel", context, request)]
    oob = {**context, "oob": True}
    for name in ("badges", "powershell"):
        parts.append(render_to_string(f"connectors/connector.html#{name}", oob, request))
    return HttpResponse("".join(parts))


@login_required
@require_safe
def connector_detail(request: HttpRequest, slug: str, server: str, name: str, tab: str = "general") -> HttpResponse:
    lab, org = _lab_and_org(request, slug, [server])
    connector = _connector_or_404(org, server, name)
    context = _connector_context(lab, org, connector, tab)
    template = "connectors/connector.html#panel" if request.htmx else "connectors/connector.html"
    return render(request, template, context)


def _engine_change(form, change, org: Organization, connector: ReceiveConnector) -> ReceiveConnector | None:
    """change(org, connector, form), or None with Exchange's errors attached to the form."""
    try:
        return change(org, connector, form)
    except ValidationFailed as failure:
        add_engine_errors(form, failure.errors)
    except ExchangeError as error:
        add_engine_errors(form, [error])
    return None


def _for_server(form, org: Organization, server: str) -> None:
    """A catalogue form offers only the properties the connector's server has (PropertyForm.for_server)."""
    if hasattr(form, "for_server") and org.server(server) is not None:
        form.for_server(org.server(server))


def _apply_connector_changes(request, slug, server, name, tab, form_name, form, change, prepare=None):
    """The shared POST flow: validate the form, let the engine apply `change(org, connector, form)`, save, re-render.
    On any error nothing is saved and the tab comes back with Exchange's message beside the field. A POST with
    `check` (the Authentication tab, as boxes are ticked) only validates and answers with the verdict.
    Only the connector's server is loaded and saved: its rules involve no other server's connectors.

    The connector is read, changed and saved under the lab's lock, so the change applies to what is stored now:
    adding or removing one entry merges with what others did meanwhile, and a whole-value tab that others changed
    since it was shown is reconciled field by field (stale_edits.reconcile) or refused, never saved over their change.
    `prepare(org, form)` may first change the lab-wide parts (a principal added to the lab), saved with the edit."""
    lab = get_lab_for_user(request, slug)
    prepare = prepare or (lambda org, form: org)
    if request.POST.get("check"):
        org = lab_to_org(lab, [server])
        _for_server(form, org, server)
        if form.is_valid():
            _engine_change(form, change, prepare(org, form), _connector_or_404(org, server, name))
        return render(request, "connectors/connector.html#auth-check", {"form": form, "checked": True})
    updated, stale, entry = None, [], None
    with store.locked_lab(lab) as locked:
        org = lab_to_org(locked, [server])
        connector = _connector_or_404(org, server, name)
        _for_server(form, org, server)
        if form.is_valid():
            if tab in stale_edits.WHOLE_VALUE_TABS and request.POST.get("based_on"):
                stale = stale_edits.reconcile(
                    form, request.POST["based_on"], presenters.tab_values(org, connector)[tab]
                )
            if not stale:
                prepared = prepare(org, form)
                updated = _engine_change(form, change, prepared, connector)
        if updated is not None and updated != connector:
            org = _replace(prepared, connector, updated)
            try:
                entry = _save(locked, org, [connector.server], change=history.web_change(request))
            except ValidationFailed as failure:
                add_engine_errors(form, failure.errors)
                updated, org = None, _replace(org, updated, connector)
    if updated is None:
        context = _connector_context(lab, org, connector, tab, stale=stale, **{form_name: form})
        return _render_connector(request, context)
    url = _connector_url(lab, updated, tab)
    removal = entry is not None and request.POST.get("action", "").startswith("remove")
    if updated.name != connector.name or not request.htmx:
        messages.success(request, _undo_notice(request, entry, url) if removal else f"Saved {updated.identity}.")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    undo = {"undo_entry": entry, "undo_next": url} if removal else {}
    response = _render_connector(request, _connector_context(lab, org, updated, tab, saved=True, **undo))
    return trigger_client_event(response, FINDINGS_CHANGED)


@login_required
@require_POST
def connector_remove(request: HttpRequest, slug: str, server: str, name: str) -> HttpResponse:
    """Remove-ReceiveConnector."""
    with store.locked_lab(get_lab_for_user(request, slug)) as lab:
        org = lab_to_org(lab, [server])
        connector = _connector_or_404(org, server, name)
        remaining = tuple(c for c in org.connectors if c is not connector)
        entry = _save(
            lab, org.with_changes(connectors=remaining), [connector.server], change=history.web_change(request)
        )
    url = reverse("connectors:lab-detail", args=[lab.slug])
    messages.success(request, _undo_notice(request, entry, url))
    return redirect(url)


def _set_change(org: Organization, connector: ReceiveConnector, form) -> ReceiveConnector:
    """Set-ReceiveConnector with the form's changes: the engine validates every rule."""
    return set_receive_connector(org, connector, **form.changes(connector))


@login_required
@require_POST
def connector_general(request: HttpRequest, slug: str, server: str, name: str) -> HttpResponse:
    form = GeneralForm(request.POST)
    return _apply_connector_changes(request, slug, server, name, "general", "general_form", form, _set_change)


def _refuse_foreign_bindings(org: Organization, connector: ReceiveConnector, before=()) -> None:
    """The dashboard, like EAC, binds only the server's own addresses or all available ones (the shell and lab files
    may bind any, which the audit reports). Bindings already there (`before`) stay allowed."""
    foreign = [b for b in foreign_bindings(org.server(connector.server), connector) if b not in before]
    if foreign:
        raise ExchangeError(
            f"{', '.join(dict.fromkeys(b.ip_text for b in foreign))} isn't an address of server {connector.server}. "
            "Bind one of the server's own addresses, or all available (0.0.0.0 or [::]).",
            "Bindings",
        )


def _network_change(org: Organization, connector: ReceiveConnector, form: NetworkForm) -> ReceiveConnector:
    updated = _set_change(org, connector, form)
    _refuse_foreign_bindings(org, updated, connector.bindings)
    return updated


@login_required
@require_POST
def connector_network(request: HttpRequest, slug: str, server: str, name: str) -> HttpResponse:
    form = NetworkForm(request.POST)
    return _apply_connector_changes(request, slug, server, name, "network", "network_form", form, _network_change)


@login_required
@require_POST
def connector_auth(request: HttpRequest, slug: str, server: str, name: str) -> HttpResponse:
    form = AuthForm(request.POST)
    return _apply_connector_changes(request, slug, server, name, "auth", "auth_form", form, _set_change)


@login_required
@require_POST
def connector_settings(request: HttpRequest, slug: str, server: str, name: str) -> HttpResponse:
    form = SettingsForm(request.POST)
    return _apply_connector_changes(request, slug, server, name, "settings", "settings_form", form, _set_change)


@login_required
@require_POST
def connector_groups(request: HttpRequest, slug: str, server: str, name: str) -> HttpResponse:
    form = GroupsForm(request.POST)
    return _apply_connector_changes(request, slug, server, name, "groups", "groups_form", form, _set_change)


def _with_requested_principal(org: Organization, form: PermissionForm) -> Organization:
    """The lab with the principal the "add it to the lab" button asked for (the grant then resolves it)."""
    data = form.cleaned_data
    if data["action"] != "add" or not data["add_principal"]:
        return org
    name = canonical_principal(data["principal"], org.domain_netbios)
    if org.principal(name) is not None:
        return org
    added = Principal(name, PrincipalKind(data["add_principal"]))
    return org.with_changes(principals=(*org.principals, added))


def _permission_change(org: Organization, connector: ReceiveConnector, form: PermissionForm) -> ReceiveConnector:
    data = form.cleaned_data
    principal = canonical_principal(data["principal"], org.domain_netbios)
    if data["action"] == "add":
        try:
            principal = resolve_principal(org, data["principal"])
        except ExchangeError:
            form.missing_principal = principal
            raise
    operation = add_ad_permission if data["action"] == "add" else remove_ad_permission
    return connector.with_changes(acl=operation(connector.acl, principal, data["rights"], deny=data["deny"]))


@login_required
@require_POST
def connector_permissions(request: HttpRequest, slug: str, server: str, name: str) -> HttpResponse:
    form = PermissionForm(request.POST)
    return _apply_connector_changes(
        request,
        slug,
        server,
        name,
        "permissions",
        "permission_form",
        form,
        _permission_change,
        prepare=_with_requested_principal,
    )


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
