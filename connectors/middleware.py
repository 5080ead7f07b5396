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
