"""The Import page: bring what Exchange exported in as a new lab (connectors/imports.py does it, as
manage.py importconfig does), see the report, open the lab; and the collector script to download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from . import imports, models
from .access import labs_for_user
from .exchange import collector
from .forms import ImportForm
from .uploads import oversized


def _baselines(request):
    return labs_for_user(request.user).order_by("name")


def _import_page(request, form=None, status=200):
    runs = imports.runs_for(request.user)
    chosen = request.GET.get("run", "")
    run = next((r for r in runs if str(r.pk) == chosen), None)
    if run is not None:
        run = models.ImportRun.objects.select_related("lab").get(pk=run.pk)  # with its report
    context = {
        "section": "labs",
        "form": form or ImportForm(baselines=_baselines(request)),
        "runs": runs,
        "run": run,
        "reading": [r for r in runs if r.state == models.ImportRun.READING],
    }
    return render(request, "connectors/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lab_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request)
    baselines = _baselines(request)
    form = ImportForm(request.POST, request.FILES, oversized=oversized(request, "exports"), baselines=baselines)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    baseline = next((lab for lab in baselines if lab.slug == form.cleaned_data["baseline"]), None)
    run = imports.start_import(
        request.user,
        form.cleaned_data["exports"],
        name=form.cleaned_data["name"],
        version=form.cleaned_data["version"],
        baseline=baseline.pk if baseline else None,
    )
    if run.state == models.ImportRun.FAILED:
        form.add_error("exports", run.error)
        return _import_page(request, form, status=400)
    url = reverse("connectors:lab-import")
    return redirect(f"{url}?run={run.pk}" if run.state == models.ImportRun.DONE else url)


@login_required
@require_safe
def lab_import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """How far the reading of an import has got (polled by the page); once it is done, the page shows its report."""
    run = models.ImportRun.objects.filter(pk=pk, user=request.user).defer("report").first()
    if run is None:
        raise Http404("There's no such import of yours.")
    if run.state != models.ImportRun.READING:
        response = HttpResponse()
        response["HX-Redirect"] = reverse("connectors:lab-import") + f"?run={pk}"
        return response
    return render(request, "connectors/import.html#reading", {"item": run})


@login_required
@require_safe
def collector_script(request: HttpRequest) -> HttpResponse:
    """The read-only collector script (Collect-Exchsim.ps1) to run in the Exchange Management Shell."""
    response = HttpResponse(collector.collector_script(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="Collect-Exchsim.ps1"'
    return response
