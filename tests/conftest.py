"""Fixtures shared by every test module: alice the trainer and bob the trainee."""

import pytest
from django.contrib.auth.models import Group

from connectors.middleware import TRAINERS_GROUP


@pytest.fixture
def alice(db, django_user_model):
    """A trainer (member of the "trainers" group)."""
    user = django_user_model.objects.create_user("alice", password="alice-pass-1")
    user.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    return user


@pytest.fixture
def bob(db, django_user_model):
    """A trainee (no group)."""
    return django_user_model.objects.create_user("bob", password="bob-pass-1")
