"""Who may see which lab. One place, so training sessions can widen it (trainers see their trainees' labs)."""

from __future__ import annotations

from django.http import Http404

from .models import Lab


def labs_for_user(user):
    """The labs a user may open: their own."""
    return Lab.objects.filter(owner=user)


def get_lab_for_user(request, slug: str) -> Lab:
    """The lab, or 404 when it doesn't exist or belongs to someone else (404, not 403: don't reveal its name)."""
    lab = labs_for_user(request.user).filter(slug=slug).first()
    if lab is None:
        raise Http404(f"No lab called '{slug}'.")
    return lab
