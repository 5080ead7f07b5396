"""Single-user mode signs every request in as the local trainer; without it, requests stay anonymous."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from connectors.middleware import SingleUserMiddleware

pytestmark = pytest.mark.django_db


def request_through_middleware():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    SingleUserMiddleware(lambda request: HttpResponse())(request)
    return request


def test_single_user_mode_signs_in_the_local_trainer(settings):
    settings.EXCHSIM_SINGLE_USER = True
    request = request_through_middleware()
    assert request.user.username == "local"
    assert request.user.groups.filter(name="trainers").exists()
    request_through_middleware()
    assert User.objects.filter(username="local").count() == 1


def test_without_single_user_mode_nobody_is_signed_in(settings):
    settings.EXCHSIM_SINGLE_USER = False
    assert not request_through_middleware().user.is_authenticated
    assert not User.objects.filter(username="local").exists()


def test_the_fixtures_are_a_trainer_and_a_trainee(alice, bob):
    assert alice.groups.filter(name="trainers").exists()
    assert not bob.groups.exists()
