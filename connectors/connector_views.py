"""One receive connector's page and its edits: the tabs (General, Network, Authentication, Settings, Permission
Groups, Permissions, Effective permissions), each tab's form posting to its own view, and removal. Thin like every
view: load the connector's server into engine objects, let the engine change it, save inside store.locked_lab, render
(views.py for the conventions every view keeps).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from . import history, presenters, stale_edits, store
from .access import get_lab_for_user
from .exchange import powershell
from .exchange.acl import (
    add_ad_permission,
    read_permission_groups,
    remove_ad_permission,
    resolve_principal,
)
from .exchange.addressmap import relays_anonymously
from .exchange.catalogue import (
    ANONYMOUS_LOGON,
    RIGHTS,
    canonical_principal,
    format_permission_groups,
)
from .exchange.errors import ExchangeError, ValidationFailed
from .exchange.model import Organization, Principal, PrincipalKind, ReceiveConnector
from .exchange.receive import foreign_bindings, set_receive_connector
from .forms import (
    AuthForm,
    GeneralForm,
    GroupsForm,
    NetworkForm,
    PermissionForm,
    SettingsForm,
    add_engine_errors,
)
from .store import lab_to_org

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
    shown = presenters.tab_values(org, connector, groups)
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


def connector_url(lab, connector: ReceiveConnector, tab: str | None = None) -> str:
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
    url = connector_url(lab, updated, tab)
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


def refuse_foreign_bindings(org: Organization, connector: ReceiveConnector, before=()) -> None:
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
    refuse_foreign_bindings(org, updated, connector.bindings)
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
    options = data["options"] if data["action"] == "remove" else None  # the ACE's own, from its Remove button
    acl = operation(connector.acl, principal, data["rights"], deny=data["deny"], options=options)
    return connector.with_changes(acl=acl)


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
