"""Single-user mode: the local dashboard signs every request in as the trainer "local" (EXCHSIM_SINGLE_USER)."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

LOCAL_USERNAME = "local"
TRAINERS_GROUP = "trainers"


def local_user():
    """The local trainer, created on first use."""
    user, created = get_user_model().objects.get_or_create(username=LOCAL_USERNAME)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    return user


class SingleUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.EXCHSIM_SINGLE_USER:
            request.single_user = True  # the layout hides "Sign out": the next request would sign in again
            if not request.user.is_authenticated:
                login(request, local_user(), backend="django.contrib.auth.backends.ModelBackend")
        return self.get_response(request)


PASSWORD_CHANGE_REQUIRED = "password_change_required"  # session key, set at sign-in when the password was generated


class PasswordChangeRequiredMiddleware:
    """Until an account that signed in with a generated password has chosen its own, every page leads to the
    password-change page (and back to where the trainee was going once done)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(PASSWORD_CHANGE_REQUIRED) and request.user.is_authenticated:
            allowed = {reverse("connectors:password-change"), reverse("connectors:sign-out")}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                return redirect_to_login(request.get_full_path(), reverse("connectors:password-change"))
        return self.get_response(request)


class BusyMiddleware:
    """A write that couldn't get its lab's lock in time (store.LabBusy, or the database saying it is locked) is
    answered 503 with a "busy, try again" page, not a 500: nothing was saved and trying again will work. htmx shows
    the page's first paragraph in the request-error box (base.html)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.shortcuts import render

        from .store import BUSY_MESSAGE, is_busy_error

        if not is_busy_error(exception):
            return None
        response = render(request, "503.html", {"message": BUSY_MESSAGE}, status=503)
        response["Retry-After"] = "1"
        return response


class MethodNotAllowedMiddleware:
    """Django answers a GET to a form's address (/labs/new/, a connector's delete) with an empty 405; someone who
    typed or bookmarked the address gets a page saying what it is for instead. The status and the Allow header stay,
    so clients and tests still see the 405."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # a streamed answer has no .content to look at, and was made on purpose
        if response.status_code != 405 or response.streaming or response.content:
            return response
        from django.shortcuts import render

        allowed = [method.strip() for method in response.get("Allow", "").split(",") if method.strip()]
        page = render(request, "405.html", {"method": request.method, "allowed": allowed}, status=405)
        page["Allow"] = response.get("Allow", "")
        return page
