"""The History page of a lab: its entries newest first with their commands, a diff between any two points, Undo of an
entry and Restore to any point (connectors/history.py does the work; these views load, call and render)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from . import history
from .access import get_lab_for_user
from .exchange.errors import ExchangeError, ValidationFailed

ENTRIES_PER_PAGE = 20


class DiffForm(forms.Form):
    first = forms.IntegerField(label="From the lab after #", min_value=1)
    second = forms.IntegerField(label="to the lab after #", min_value=1)


@login_required
@require_safe
def lab_history(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    entries = lab.history.select_related("user").defer("changes", "touched")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    latest = page.object_list[0].number if page.number == 1 and page.object_list else _latest(lab)
    form = DiffForm(
        request.GET if "first" in request.GET else None, initial={"first": max(latest - 1, 1), "second": latest}
    )
    context = {"section": "history", "lab": lab, "page": page, "latest": latest, "diff_form": form}
    if form.is_bound and form.is_valid():
        try:
            context["diff"] = history.diff(lab, form.cleaned_data["first"], form.cleaned_data["second"])
        except ExchangeError as error:
            form.add_error(None, str(error))
    template = "connectors/history.html#diff" if request.htmx else "connectors/history.html"
    return render(request, template, context)


def _latest(lab) -> int:
    return lab.history.order_by("-number").values_list("number", flat=True).first() or 0


def _back(request, lab) -> str:
    """Where to go after an undo or restore: the page that asked (a local URL only), else the History page."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("connectors:lab-history", args=[lab.slug])


def _refused(request, what: str, error: ExchangeError) -> None:
    reasons = [e.message for e in error.errors] if isinstance(error, ValidationFailed) else [str(error)]
    messages.error(request, f"{what}: {' '.join(reasons)}" if isinstance(error, ValidationFailed) else reasons[0])


@login_required
@require_POST
def history_undo(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    lab = get_lab_for_user(request, slug)  # a write: the owner only
    try:
        entry = history.undo(lab, number, history.web_change(request))
    except ExchangeError as error:
        _refused(request, f"Can't undo #{number}", error)
    else:
        messages.success(request, f"Undid #{number} (now #{entry.number}): {entry.summary}.")
    return redirect(_back(request, lab))


@login_required
@require_POST
def history_restore(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    try:
        entry = history.restore(lab, number, history.web_change(request))
    except ExchangeError as error:
        _refused(request, f"Can't restore the lab to #{number}", error)
    else:
        messages.success(request, f"Restored the lab to #{number} (now #{entry.number}): {entry.summary}.")
    return redirect(_back(request, lab))
