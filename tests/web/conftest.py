"""Fixtures for the dashboard's view tests: a signed-in owner, a lab from a template, htmx requests."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from connectors import labs
from connectors.store import lab_to_org


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


RELAY = "Web app relay"


def build_seed_relay(client, lab, *, anonymous_on_default=True):
    """The seed's recipe through the dashboard: a Custom connector for the web application at 10.0.0.50,
    AnonymousUsers, then Ms-Exch-SMTP-Accept-Any-Recipient for ANONYMOUS LOGON. With anonymous_on_default the
    Default connector also takes anonymous Internet mail (as a 2007 Hub receiving from the Internet does)."""
    create = reverse("connectors:connector-create", args=[lab.slug])
    data = {
        "server": "EX01",
        "name": RELAY,
        "usage": "Custom",
        "bindings": "0.0.0.0:25",
        "remote_ip_ranges": "10.0.0.50",
    }
    assert client.post(create, data).status_code == 302
    assert client.post(connector_url(lab, RELAY, "connectors:connector-groups"), {"groups": ["1"]}).status_code == 302
    grant = {
        "action": "add",
        "principal": "NT AUTHORITY\\ANONYMOUS LOGON",
        "rights": ["ms-Exch-SMTP-Accept-Any-Recipient"],
    }
    assert client.post(connector_url(lab, RELAY, "connectors:connector-permissions"), grant).status_code == 302
    if anonymous_on_default:
        groups = {"groups": ["1", "2", "4", "8"]}
        assert client.post(connector_url(lab, "Default EX01", "connectors:connector-groups"), groups).status_code == 302


def probe_url(lab, remote_ip, rcpt="someone@outside.example", **extra):
    query = {"server": "EX01", "remote_ip": remote_ip, "port": "25", "mail_from": "app@contoso.com", "rcpts": rcpt}
    query.update(extra)
    return reverse("connectors:simulator", args=[lab.slug]) + "?" + urlencode(query)
