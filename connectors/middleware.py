"""Single-user mode: the local dashboard signs every request in as the trainer "local" (EXCHSIM_SINGLE_USER)."""

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import Group

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
        if settings.EXCHSIM_SINGLE_USER and not request.user.is_authenticated:
            login(request, local_user(), backend="django.contrib.auth.backends.ModelBackend")
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
