"""The Traffic page: upload protocol logs to a lab, then see who uses what, where the model disagrees with the logs,
and (on a what-if copy, or a lab changed since it started) whose mail the change breaks or lets through."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from . import models, traffic
from .access import get_lab_for_user
from .forms import TrafficUploadForm
from .uploads import oversized

INVENTORY_ADDRESSES_SHOWN = 50  # per connector; the JSON download (manage.py replay --json) lists them all


def _traffic_page(request, lab, form=None, status=200):
    uploads = traffic.uploads_for(lab)
    upload = traffic.chosen_upload(lab, request.GET.get("upload"))
    reading = [u for u in uploads if u.state == models.TrafficUpload.READING]
    result = traffic.analysis(lab, upload) if upload else None
    for entry in result["inventory"] if result else ():
        entry["hidden"] = max(0, len(entry["by_address"]) - INVENTORY_ADDRESSES_SHOWN)
    context = {
        "section": "traffic",
        "lab": lab,
        "form": form or TrafficUploadForm(),
        "uploads": uploads,
        "upload": upload,
        "reading": reading,
        "result": result,
        "addresses_shown": INVENTORY_ADDRESSES_SHOWN,
        "can_upload": lab.owner_id == request.user.pk,
    }
    return render(request, "connectors/traffic.html", context, status=status)


@login_required
@require_safe
def traffic_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _traffic_page(request, get_lab_for_user(request, slug))


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@login_required
@require_POST
def traffic_upload(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    form = TrafficUploadForm(request.POST, request.FILES, oversized=oversized(request, "logs"))
    if not form.is_valid():
        return _traffic_page(request, lab, form, status=400)
    upload = traffic.start_upload(lab, request.user, form.cleaned_data["logs"])
    if upload.state == models.TrafficUpload.FAILED:
        form.add_error("logs", upload.error)
        return _traffic_page(request, lab, form, status=400)
    if upload.state == models.TrafficUpload.DONE:
        messages.success(
            request,
            f"Read {_count(upload.lines, 'line')}: {_count(upload.sessions, 'session')}, "
            f"{_count(upload.messages, 'message')}"
            + (f", {_count(upload.malformed_lines, 'malformed line')} skipped." if upload.malformed_lines else "."),
        )
    url = reverse("connectors:traffic", args=[lab.slug])
    return redirect(f"{url}?upload={upload.pk}" if upload.state == models.TrafficUpload.DONE else url)


@login_required
@require_safe
def traffic_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """How far the reading of an upload has got (polled by the page); once it is read, the page reloads."""
    lab = get_lab_for_user(request, slug)
    upload = next((u for u in traffic.uploads_for(lab) if u.pk == pk), None)
    if upload is None or upload.state != models.TrafficUpload.READING:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "connectors/traffic.html#reading", {"lab": lab, "item": upload})


@login_required
@require_safe
def traffic_replay_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Whether a replay working in the background is done (polled by the Traffic and Plan pages); then they reload."""
    lab = get_lab_for_user(request, slug)
    stored = models.TrafficReplay.objects.filter(pk=pk, lab=lab).first()
    if stored is None or stored.status != models.TrafficReplay.WORKING:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    return render(request, "connectors/traffic_impact.html#replaying", {"lab": lab, "impact": {"replay": stored}})
