"""Who may see which lab. One place, so training sessions can widen it (trainers see their trainees' labs)."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from .middleware import TRAINERS_GROUP
from .models import Lab

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def is_trainer(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=TRAINERS_GROUP).exists()


def labs_for_user(user):
    """The labs a user may open: their own, and a trainer's view of the labs of their training sessions."""
    return Lab.objects.filter(Q(owner=user) | Q(scenario_link__session__trainer=user)).distinct()


def get_lab_for_user(request, slug: str) -> Lab:
    """The lab, or 404 when it doesn't exist or belongs to someone else (404, not 403: don't reveal its name).
    A trainer sees their trainees' labs but changes only their own: requests that write need the owner."""
    allowed = labs_for_user(request.user) if request.method in _SAFE_METHODS else Lab.objects.filter(owner=request.user)
    # The scenario link comes along: every lab page's navigation asks whether the lab has one (base.html).
    lab = allowed.filter(slug=slug).select_related("scenario_link").first()
    if lab is None:
        raise Http404(f"No lab called '{slug}'.")
    return lab
