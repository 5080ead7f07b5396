"""Fixtures for the dashboard's view tests: a signed-in owner, a lab from a template, htmx requests."""

import pytest
from django.urls import reverse

from connectors import labs
from connectors.convert import lab_to_org


@pytest.fixture
def owner(db, django_user_model):
    return django_user_model.objects.create_user("trainee", password="secret-pass-1")


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def lab(owner):
    return labs.create_lab_from_template("exchange2007", owner=owner, name="Seed lab")


@pytest.fixture
def org(lab):
    return lab_to_org(lab)


HTMX = {"HTTP_HX_REQUEST": "true"}


def connector_url(lab, name, view="connectors:connector-detail", server="EX01", **extra):
    return reverse(view, args=[lab.slug, server, name, *extra.values()])
