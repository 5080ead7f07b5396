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


def test_the_sign_in_page_says_why_nobody_else_can_sign_in_here(client, settings, bob):
    """manage.py demo signs everyone in as local: the sign-in page used to bounce back to the labs without a word, so
    a trainee given an account (Training → People) couldn't tell why their sign-in never appeared."""
    settings.EXCHSIM_SINGLE_USER = True
    page = client.get("/signin/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "everyone is signed in as the local trainer local" in body
    assert "EXCHSIM_SINGLE_USER" in body
    assert 'name="password"' not in body
    refused = client.post("/signin/", {"username": "bob", "password": "bob-pass-1"})
    assert refused.status_code == 200
    assert client.get("/labs/").context["user"].username == "local"
