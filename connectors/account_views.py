"""Sign-in, sign-out and password change (Django's auth views in exchsim's layout), and the trainer's people page,
where a trainer makes trainee accounts with generated one-time passwords."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import accounts
from .access import is_trainer
from .middleware import PASSWORD_CHANGE_REQUIRED, TRAINERS_GROUP
from .models import TemporaryPassword

PEOPLE_SHOWN = 500


class SignInView(auth_views.LoginView):
    template_name = "registration/sign_in.html"
    redirect_authenticated_user = True
    extra_context = {"section": "sign-in"}

    def dispatch(self, request, *args, **kwargs):
        if getattr(request, "single_user", False):  # everyone is local (SingleUserMiddleware): say so, don't bounce
            return render(request, "registration/single_user.html", {"section": "sign-in"})
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        if TemporaryPassword.objects.filter(user=form.get_user()).exists():
            self.request.session[PASSWORD_CHANGE_REQUIRED] = True
        return response


class SignOutView(auth_views.LogoutView):
    next_page = settings.LOGIN_URL


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    extra_context = {"section": "password"}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["required"] = self.request.session.get(PASSWORD_CHANGE_REQUIRED, False)
        context["next"] = self._next()
        return context

    def _next(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(target, {self.request.get_host()}, self.request.is_secure())
        return target if safe else ""

    def form_valid(self, form):
        response = super().form_valid(form)
        TemporaryPassword.objects.filter(user=self.request.user).delete()
        self.request.session.pop(PASSWORD_CHANGE_REQUIRED, None)
        messages.success(self.request, "Your password is changed.")
        return response

    def get_success_url(self) -> str:
        return self._next() or settings.LOGIN_REDIRECT_URL


class PeopleForm(forms.Form):
    names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        label="User names",
        help_text="One name, or a list pasted one a line. Letters, digits and @.+-_ only.",
    )

    def clean_names(self) -> list[str]:
        return accounts.parse_names(self.cleaned_data["names"])


def _trainees():
    return (
        get_user_model()
        .objects.filter(is_staff=False, is_superuser=False)
        .exclude(groups__name=TRAINERS_GROUP)
        .select_related("temporary_password")
        .order_by("username")
    )


def _people(request, form, created=(), status=200, reset=False):
    trainees = _trainees()
    context = {
        "section": "training",
        "form": form,
        "created": created,
        "reset": reset,
        "trainees": trainees[:PEOPLE_SHOWN],
        "trainee_count": trainees.count(),
        "sign_in_url": request.build_absolute_uri(reverse("connectors:sign-in")),
    }
    return render(request, "training/people.html", context, status=status)


def _trainer_only(request):
    if not is_trainer(request.user):
        raise PermissionDenied("Only trainers manage trainee accounts.")


@never_cache  # the page shows one-time passwords: no copy in any cache, and Back doesn't show them again
@login_required
@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    _trainer_only(request)
    if request.method != "POST":
        return _people(request, PeopleForm())
    form = PeopleForm(request.POST)
    if not form.is_valid():
        return _people(request, form, status=400)
    try:
        with transaction.atomic():
            created = [accounts.create_account(name) for name in form.cleaned_data["names"]]
    except ValidationError as error:  # a name taken between the check and the insert
        form.add_error("names", error)
        return _people(request, form, status=400)
    return _people(request, PeopleForm(), created=created)


@never_cache
@login_required
@require_POST
def person_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """A trainee forgot their password or is locked out: a new one-time password, and the lockout lifted.
    Only for trainees: a trainer can't take over another trainer's or a staff account this way."""
    _trainer_only(request)
    trainee = get_object_or_404(_trainees(), pk=pk)
    password = accounts.reset_password(trainee)
    return _people(request, PeopleForm(), created=[(trainee, password)], reset=True)
