"""What the lab-making commands share: whose a new lab is, and the line that says where it opens."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.urls import reverse

from connectors.middleware import local_user


def owner_named(username: str | None):
    """The user for --owner; without one the local trainer `local` (the one `manage.py demo` signs in), so the
    dashboard shows the lab. CommandError when there's no such user."""
    if not username:
        return local_user()
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There's no user called '{username}'.")
    return user


def lab_url(lab, base_url: str | None = None) -> str:
    """Where the lab opens in the dashboard (EXCHSIM_BASE_URL, unless `base_url` is given)."""
    return (base_url or settings.EXCHSIM_BASE_URL).rstrip("/") + reverse("connectors:lab-detail", args=[lab.slug])


def made(verb: str, lab, base_url: str | None = None) -> str:
    """ "Created lab 'mylab' (owner local): http://127.0.0.1:8000/labs/mylab/" """
    owner = lab.owner.get_username() if lab.owner else "nobody: only the admin shows it"
    return f"{verb} lab '{lab.slug}' (owner {owner}): {lab_url(lab, base_url)}"
