"""Every cross-user read and write is refused (403 or 404): pages, htmx fragments, downloads and the console.

The URLs are taken from the URL configuration itself, so a page added later is covered without editing this file.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import URLResolver, get_resolver, reverse

from connectors import labs, training
from connectors.middleware import TRAINERS_GROUP
from connectors.models import TrainingSession
from connectors.store import lab_to_org

HTMX = {"HTTP_HX_REQUEST": "true"}
# A view that takes both a slug and a pk (a lab's traffic upload) gets the sample of the one not under test.
SAMPLE = {
    "server": "EX01",
    "name": "Default Frontend EX01",
    "tab": "permissions",
    "kind": "plan",
    "number": 1,
    "pk": 1,
    "slug": "no-such-lab",
}


def _connectors_names() -> dict[str, list[str]]:
    """Every named URL of the connectors namespace with its keyword arguments."""
    namespace = next(
        r for r in get_resolver().url_patterns if isinstance(r, URLResolver) and r.namespace == "connectors"
    )
    found = {}
    for name, possibilities in namespace.reverse_dict.lists():
        if isinstance(name, str):
            found[name] = list(possibilities[0][0][0][1])
    return found


def _urls(key: str, value) -> list[str]:
    """The URL of every view taking `key` (slug or pk), filled with `value` and sample values for the rest."""
    return [
        reverse(f"connectors:{name}", kwargs={k: value if k == key else SAMPLE[k] for k in kwargs})
        for name, kwargs in sorted(_connectors_names().items())
        if key in kwargs
    ]


def _assert_refused(client, url, data=None, **headers):
    """Both methods refused, and the view itself refuses at least one (405 alone would prove nothing)."""
    statuses = {client.get(url, **headers).status_code, client.post(url, data or {}, **headers).status_code}
    assert statuses <= {403, 404, 405}, (url, statuses)
    assert statuses & {403, 404}, (url, statuses)


@pytest.fixture
def carol(db, django_user_model):
    return django_user_model.objects.create_user("carol", password="carol-pass-1")


@pytest.fixture
def dave(db, django_user_model):
    """A second trainer who runs no session of these trainees."""
    user = django_user_model.objects.create_user("dave", password="dave-pass-1")
    user.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    return user


@pytest.fixture
def session(alice):
    return TrainingSession.objects.create(scenario="close-open-relay", title="Relay class", trainer=alice)


@pytest.fixture
def bob_lab(bob, session):
    return training.start(training.get_scenario(session.scenario), slug="bob-lab", owner=bob, session=session)


@pytest.fixture
def carol_lab(carol, session):
    return training.start(training.get_scenario(session.scenario), slug="carol-lab", owner=carol, session=session)


@pytest.fixture
def alice_lab(alice):
    return labs.create_lab_from_template("exchangese", slug="alice-lab", owner=alice)


def test_the_lab_urls_cover_pages_fragments_downloads_and_the_console():
    urls = _urls("slug", "x")
    for expected in ("/console/", "/download/", "/plan/plan.ps1", "/scenario/", "/findings/", "/simulate/"):
        assert any(url.endswith(expected) for url in urls), expected
    assert len(urls) >= 15


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_a_trainee_can_neither_read_nor_change_another_trainees_lab(client, bob, carol_lab, htmx):
    client.force_login(bob)
    before = lab_to_org(carol_lab)
    headers = HTMX if htmx else {}
    for url in _urls("slug", carol_lab.slug):
        _assert_refused(client, url, {"command": "Remove-ReceiveConnector 'EX01\\Default Frontend EX01'"}, **headers)
    assert lab_to_org(carol_lab) == before


def test_a_trainee_cannot_open_the_trainers_own_lab(client, bob, alice_lab):
    client.force_login(bob)
    for url in _urls("slug", alice_lab.slug):
        _assert_refused(client, url)


def test_the_trainer_sees_the_labs_of_their_session_but_changes_none(client, alice, bob_lab):
    client.force_login(alice)
    before = lab_to_org(bob_lab)
    assert client.get(reverse("connectors:lab-detail", args=[bob_lab.slug])).status_code == 200
    assert client.get(reverse("connectors:lab-scenario", args=[bob_lab.slug])).status_code == 200
    assert client.get(reverse("connectors:lab-download", args=[bob_lab.slug])).status_code == 200
    for url in _urls("slug", bob_lab.slug):
        response = client.post(url, {"command": "Remove-ReceiveConnector 'EX01\\Default Frontend EX01'"})
        assert response.status_code in (403, 404, 405), url
    assert lab_to_org(bob_lab) == before


def test_another_trainer_sees_neither_the_session_nor_its_labs(client, dave, session, bob_lab):
    client.force_login(dave)
    for url in _urls("slug", bob_lab.slug):
        _assert_refused(client, url)
    for url in _urls("pk", session.pk):
        if not url.endswith(("/join/", f"/{session.pk}/")):  # anyone signed in may see a join page and join
            _assert_refused(client, url, {"what": "answer"})
    session.refresh_from_db()
    assert not session.answer_revealed


def test_a_trainee_can_neither_watch_the_board_nor_reveal_nor_start_sessions(client, bob, session, bob_lab):
    client.force_login(bob)
    assert client.get(reverse("connectors:training-board", args=[session.pk])).status_code == 404
    assert client.post(reverse("connectors:training-reveal", args=[session.pk]), {"what": "answer"}).status_code == 404
    create = client.post(reverse("connectors:training-session-create"), {"scenario": "close-open-relay"})
    assert create.status_code == 403
    session.refresh_from_db()
    assert not session.answer_revealed


def test_everything_requires_sign_in(client, bob_lab, session, settings):
    settings.EXCHSIM_SINGLE_USER = False
    for url in _urls("slug", bob_lab.slug) + _urls("pk", session.pk) + [reverse("connectors:training-home")]:
        response = client.get(url)
        assert response.status_code in (302, 403, 404, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("connectors:sign-in")), url
