"""Training and audit pages: scenarios, team sessions with a live board, a lab's goals, and a lab's findings.

Trainers (Django group "trainers") start sessions and watch the board; every trainee works in their own copy of the
starting lab. Who may open which lab is decided in access.py; this module only adds the session rules.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from . import history, labs, traffic, training
from .access import get_lab_for_user, is_trainer
from .exchange.audit import audit
from .models import ScenarioLab, TrainingSession
from .store import lab_to_org
from .views import SERVERS_PER_PAGE


class SessionForm(forms.Form):
    scenario = forms.ChoiceField()
    title = forms.CharField(max_length=200, required=False, help_text="Default: the scenario's title")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = [(name, s.title) for name, s in training.scenarios().items()]


def _own_session(request, pk: int) -> TrainingSession:
    """The session when the signed-in user is its trainer; 404 for everyone else (don't reveal other sessions)."""
    return get_object_or_404(TrainingSession, pk=pk, trainer=request.user)


def _board_rows(session: TrainingSession) -> list[dict]:
    scenario = training.get_scenario(session.scenario)
    rows = []
    for enrolment in session.enrolments.select_related("lab", "trainee"):
        results = training.grade(scenario, lab_to_org(enrolment.lab))
        passed = sum(r.passed for r in results)
        rows.append({"enrolment": enrolment, "results": results, "passed": passed, "done": passed == len(results)})
    return rows


def _home(request, form: SessionForm, status: int = 200):
    trainer = is_trainer(request.user)
    sessions = TrainingSession.objects.filter(trainer=request.user) if trainer else TrainingSession.objects.all()
    context = {
        "section": "training",
        "trainer": trainer,
        "scenarios": training.scenarios().values(),
        "sessions": sessions.select_related("trainer"),
        "my_labs": ScenarioLab.objects.filter(lab__owner=request.user).select_related("lab", "session"),
        "form": form,
    }
    return render(request, "training/home.html", context, status=status)


@login_required
@require_safe
def training_home(request: HttpRequest) -> HttpResponse:
    return _home(request, SessionForm())


@login_required
@require_POST
def session_create(request: HttpRequest) -> HttpResponse:
    if not is_trainer(request.user):
        raise PermissionDenied("Only trainers start training sessions.")
    form = SessionForm(request.POST)
    if not form.is_valid():
        return _home(request, form, status=400)
    scenario = training.get_scenario(form.cleaned_data["scenario"])
    session = TrainingSession.objects.create(
        scenario=scenario.name, title=form.cleaned_data["title"] or scenario.title, trainer=request.user
    )
    return redirect("connectors:training-session", session.pk)


@login_required
@require_safe
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    if session.trainer_id == request.user.pk:
        context = {"section": "training", "session": session, "scenario": training.get_scenario(session.scenario)}
        join_url = request.build_absolute_uri(reverse("connectors:training-session", args=[session.pk]))
        return render(request, "training/board.html", {**context, "rows": _board_rows(session), "join_url": join_url})
    enrolment = session.enrolments.filter(trainee=request.user).select_related("lab").first()
    if enrolment is not None:
        return redirect("connectors:lab-scenario", enrolment.lab.slug)
    scenario = training.get_scenario(session.scenario)
    return render(request, "training/join.html", {"section": "training", "session": session, "scenario": scenario})


@login_required
@require_safe
def session_board(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own_session(request, pk)
    context = {"session": session, "scenario": training.get_scenario(session.scenario), "rows": _board_rows(session)}
    return render(request, "training/board.html#board", context)


@login_required
@require_POST
def session_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    session = _own_session(request, pk)
    scenario = training.get_scenario(session.scenario)
    if request.POST.get("what") == "answer":
        session.answer_revealed = True
    else:
        session.hints_revealed = min(session.hints_revealed + 1, len(scenario.hints))
    session.save(update_fields=["answer_revealed", "hints_revealed"])
    return redirect("connectors:training-session", session.pk)


@login_required
@require_POST
def session_join(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(TrainingSession, pk=pk)
    if session.trainer_id == request.user.pk:
        return redirect("connectors:training-session", session.pk)
    enrolment = session.enrolments.filter(trainee=request.user).select_related("lab").first()
    if enrolment is None:
        scenario = training.get_scenario(session.scenario)
        slug = labs.unique_slug(f"{scenario.name}-{request.user.get_username()}")
        change = history.web_change(request)
        lab = training.start(scenario, slug=slug, owner=request.user, session=session, change=change)
    else:
        lab = enrolment.lab
    return redirect("connectors:lab-scenario", lab.slug)


@login_required
@require_POST
def scenario_start(request: HttpRequest, name: str) -> HttpResponse:
    """Self-study: a lab of one's own in the scenario's starting state, with every hint and the answer on request."""
    if name not in training.scenarios():
        raise Http404(f"There's no scenario called '{name}'.")
    scenario = training.get_scenario(name)
    lab = training.start(
        scenario,
        slug=labs.unique_slug(f"{name}-{request.user.get_username()}"),
        owner=request.user,
        change=history.web_change(request),
    )
    return redirect("connectors:lab-scenario", lab.slug)


@login_required
@require_safe
def lab_scenario(request: HttpRequest, slug: str) -> HttpResponse:
    lab = get_lab_for_user(request, slug)
    link = ScenarioLab.objects.filter(lab=lab).select_related("session").first()
    if link is None:
        raise Http404(f"The lab '{slug}' was not started from a scenario.")
    scenario = training.get_scenario(link.scenario)
    help = training.visible_help(scenario, link, request.user)
    context = {
        "section": "scenario",
        "lab": lab,
        "scenario": scenario,
        "session": link.session,
        "results": training.grade(scenario, lab_to_org(lab)),
        "hints": help.hints,
        "answer": help.answer,
        "held_back_by": help.held_back_by,
    }
    template = "training/scenario.html#goals" if request.htmx else "training/scenario.html"
    return render(request, template, context)


@login_required
@require_safe
def lab_findings(request: HttpRequest, slug: str) -> HttpResponse:
    """The findings page; as an htmx fragment, the findings about some servers (?server=, repeatable: the servers a
    paginated overview shows) or one connector (?connector=SERVER\\Name), loaded after those pages are shown.
    The page audits SERVERS_PER_PAGE servers at a time, as the overview shows them: auditing simulates every
    connector's sessions, which takes seconds on a 100-server lab."""
    lab = get_lab_for_user(request, slug)
    connector = request.GET.get("connector", "")
    servers = request.GET.getlist("server") or ([connector.partition("\\")[0]] if connector else None)
    page = None
    if servers is None and not request.htmx:
        names = list(lab.servers.order_by("name").values_list("name", flat=True))
        page = Paginator(names, SERVERS_PER_PAGE).get_page(request.GET.get("page"))
        servers = list(page.object_list) if page.paginator.num_pages > 1 else None
    org = lab_to_org(lab, servers)
    findings = audit(org, servers=servers, traffic=traffic.audit_traffic(lab, org))
    if connector:
        findings = [f for f in findings if f.concerns("connector", connector)]
    context = {
        "section": "findings",
        "lab": lab,
        "findings": findings,
        "connector": connector,
        "servers": servers,
        "page": page,
    }
    template = "training/findings.html#panel" if request.htmx else "training/findings.html"
    return render(request, template, context)
