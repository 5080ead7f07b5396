"""Writers of one lab at once, for real: several threads, each with its own database connection and its own
transactions, post to the same connector at the same moment (a barrier releases them together). Afterwards every
change reported saved is there, every refused one was reported refused (503 "busy, try again") and nothing else
changed. Runs on SQLite and on PostgreSQL alike (CI runs the suite on both); on SQLite no request ends in a 500."""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from connectors import connector_views, labs, models, store
from connectors.access import get_lab_for_user
from connectors.exchange.catalogue import SUBMIT
from connectors.exchange.model import Principal
from connectors.store import lab_to_org

CLIENTS = 8
SERVER, RELAY = "EX01", "Anonymous Relay"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shared_database(transactional_db, tmp_path):
    """The test database as every thread sees it, with committed transactions (transactional_db). PostgreSQL's
    already is; SQLite's in-memory test database is a shared-cache database whose locks don't wait (another
    connection fails at once with "database table is locked"), which no real deployment uses, so the test runs on a
    file copy of it instead, as the dashboard does."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    connection.ensure_connection()
    path = str(tmp_path / "shared.sqlite3")
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    in_memory, name = connection.connection, connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = path  # the same dict every new connection is made from
    connection.connection = None
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        connection.connection = in_memory


@pytest.fixture
def team_lab(shared_database, django_user_model):
    user = django_user_model.objects.create_user("team", password="team-pass-1")
    lab = labs.create_demo_lab(owner=user)
    org = lab_to_org(lab)
    accounts = [Principal(f"CONTOSO\\{name}{i}") for name in ("app", "svc") for i in range(CLIENTS)]
    store.save_org(lab, org.with_changes(principals=(*org.principals, *accounts)))
    signed_in = Client()
    signed_in.force_login(user)
    return lab, signed_in.cookies


@dataclass
class Reply:
    status: int
    body: str


def _at_once(cookies, requests: list[tuple[str, dict]]) -> list[Reply]:
    """POST each (url, data) from its own thread and connection, all released together; the replies in order."""
    barrier = threading.Barrier(len(requests))
    replies: list[Reply | BaseException | None] = [None] * len(requests)

    def send(index: int, url: str, data: dict) -> None:
        client = Client()
        client.cookies = cookies
        try:
            barrier.wait(timeout=10)
            response = client.post(url, data, **HTMX)
            replies[index] = Reply(response.status_code, response.content.decode())
        except BaseException as error:  # reported below, in the test's thread
            replies[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i, url, data)) for i, (url, data) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for reply in replies:
        if isinstance(reply, BaseException):
            raise reply
    assert all(isinstance(reply, Reply) for reply in replies), "a client thread did not finish in time"
    return replies  # type: ignore[return-value]


def _edit_url(lab, tab: str, name: str = RELAY) -> str:
    return reverse(f"connectors:connector-{tab}", args=[lab.slug, SERVER, name])


def _saved_or_refused(replies: list[Reply]) -> list[bool]:
    """True for "Saved", False for "busy, try again"; anything else (a 500, an error) fails the test."""
    outcomes = []
    for reply in replies:
        if reply.status == 503:
            assert store.BUSY_MESSAGE in reply.body
            outcomes.append(False)
        else:
            assert reply.status == 200, (reply.status, reply.body[:2000])
            assert "Saved EX01" in reply.body, (reply.status, reply.body[:2000])
            outcomes.append(True)
    return outcomes


def test_concurrent_range_adds_all_survive_or_are_reported_refused(team_lab):
    lab, cookies = team_lab
    before = lab_to_org(lab).connector(SERVER, RELAY)
    ranges = [f"192.0.2.{10 + i}" for i in range(CLIENTS)]
    replies = _at_once(cookies, [(_edit_url(lab, "network"), {"action": "add-range", "value": r}) for r in ranges])
    saved = [r for r, ok in zip(ranges, _saved_or_refused(replies), strict=True) if ok]
    after = lab_to_org(lab).connector(SERVER, RELAY)
    assert [r.text for r in after.remote_ip_ranges][:1] == ["10.0.0.50"]
    assert sorted(r.text for r in after.remote_ip_ranges[1:]) == sorted(saved)
    assert after.with_changes(remote_ip_ranges=before.remote_ip_ranges) == before  # nothing else changed
    assert saved, "every client was refused: the lock timeout is far too short"


def test_concurrent_add_adpermission_leaves_one_row_per_ace_and_loses_none(team_lab):
    lab, cookies = team_lab
    before = lab_to_org(lab).connector(SERVER, RELAY)
    principals = [f"CONTOSO\\app{i}" for i in range(CLIENTS)]
    grants = [{"action": "add", "principal": p, "rights": [SUBMIT]} for p in principals]
    replies = _at_once(cookies, [(_edit_url(lab, "permissions"), grant) for grant in grants])
    saved = [p for p, ok in zip(principals, _saved_or_refused(replies), strict=True) if ok]
    after = lab_to_org(lab).connector(SERVER, RELAY)
    assert after.acl[: len(before.acl)] == before.acl
    assert sorted(ace.principal for ace in after.acl[len(before.acl) :]) == sorted(saved)
    rows = models.AccessControlEntry.objects.filter(connector__name=RELAY, connector__server__lab=lab)
    assert rows.count() == len(before.acl) + len(saved)


def test_concurrent_console_grants_on_one_connector_are_all_kept(team_lab):
    """The issue's measurement in small: clients sending Add-ADPermission to the console of one lab at once."""
    lab, cookies = team_lab
    before = lab_to_org(lab).connector(SERVER, RELAY)
    url = reverse("connectors:console", args=[lab.slug])
    commands = [
        f'Add-ADPermission -Identity "{SERVER}\\{RELAY}" -User "CONTOSO\\svc{i}" -ExtendedRights ms-Exch-SMTP-Submit'
        for i in range(CLIENTS)
    ]
    replies = _at_once(cookies, [(url, {"command": command}) for command in commands])
    saved = []
    for i, reply in enumerate(replies):
        assert reply.status in (200, 503), (reply.status, reply.body[:2000])
        if reply.status == 200:
            assert f"changed {SERVER}\\{RELAY}" in reply.body, reply.body[:3000]
            saved.append(f"CONTOSO\\svc{i}")
    after = lab_to_org(lab).connector(SERVER, RELAY)
    assert sorted(ace.principal for ace in after.acl[len(before.acl) :]) == sorted(saved)
    assert models.AccessControlEntry.objects.filter(connector__name=RELAY).count() == len(before.acl) + len(saved)


def test_concurrent_connector_creations_on_one_server_are_all_kept(team_lab):
    lab, cookies = team_lab
    url = reverse("connectors:connector-create", args=[lab.slug])
    names = [f"Relay {i}" for i in range(CLIENTS)]
    data = [
        {
            "server": SERVER,
            "name": name,
            "usage": "Custom",
            "bindings": f"10.0.0.10:{2600 + i}",
            "remote_ip_ranges": f"192.0.2.{i}",
        }
        for i, name in enumerate(names)
    ]
    replies = _at_once(cookies, [(url, item) for item in data])
    created = []
    for name, reply in zip(names, replies, strict=True):
        assert reply.status in (200, 503), (reply.status, reply.body[:2000])
        if reply.status == 200:
            assert "errorlist" not in reply.body, reply.body[:2000]  # HX-Redirect to the new connector
            created.append(name)
    stored = {c.name for c in lab_to_org(lab).connectors}
    assert set(created) <= stored
    assert {n for n in names if n in stored} == set(created)


def _hold_the_lock(lab, held: threading.Event, release: threading.Event) -> threading.Thread:
    def hold():
        try:
            with store.locked_lab(lab):
                held.set()
                release.wait(timeout=20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(timeout=10)
    return thread


def _short_lock_timeout() -> None:
    """This thread's connection waits 0.2 s for a lock instead of EXCHSIM_LOCK_TIMEOUT."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        connection.cursor().execute("SET lock_timeout = 200")
    else:
        connection.connection.execute("PRAGMA busy_timeout = 200")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "full-page"])
def test_a_writer_that_cant_get_the_lock_in_time_is_told_busy_not_500(team_lab, htmx):
    lab, cookies = team_lab
    held, release = threading.Event(), threading.Event()
    holder = _hold_the_lock(lab, held, release)
    result: dict = {}

    def post():
        try:
            _short_lock_timeout()
            client = Client()
            client.cookies = cookies
            extra = HTMX if htmx else {}
            result["response"] = client.post(
                _edit_url(lab, "network"), {"action": "add-range", "value": "192.0.2.99"}, **extra
            )
        finally:
            connections.close_all()

    try:
        poster = threading.Thread(target=post)
        poster.start()
        poster.join(timeout=20)
    finally:
        release.set()
        holder.join(timeout=20)
    response = result["response"]
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert "<h1>Busy, try again</h1><p>" + store.BUSY_MESSAGE in body  # base.html shows this paragraph for htmx
    assert "192.0.2.99" not in [r.text for r in lab_to_org(lab).connector(SERVER, RELAY).remote_ip_ranges]


def test_an_edit_that_waited_for_a_lab_deleted_meanwhile_is_told_so(team_lab, monkeypatch):
    lab, cookies = team_lab
    found = threading.Event()

    def get_lab_then_say_so(*args, **kwargs):
        found_lab = get_lab_for_user(*args, **kwargs)
        found.set()  # from here the edit waits for the lock
        return found_lab

    monkeypatch.setattr(connector_views, "get_lab_for_user", get_lab_then_say_so)
    held, release = threading.Event(), threading.Event()

    def delete_while_holding():
        try:
            with store.locked_lab(lab) as locked:
                held.set()
                release.wait(timeout=20)
                locked.delete()
        finally:
            connections.close_all()

    deleter = threading.Thread(target=delete_while_holding)
    deleter.start()
    assert held.wait(timeout=10)
    result: dict = {}

    def post():
        try:
            client = Client()
            client.cookies = cookies
            url = _edit_url(lab, "network")
            result["response"] = client.post(url, {"action": "add-range", "value": "192.0.2.98"}, **HTMX)
        finally:
            connections.close_all()

    poster = threading.Thread(target=post)
    poster.start()
    assert found.wait(timeout=10)
    time.sleep(0.2)  # the edit is now waiting for the lock
    release.set()
    deleter.join(timeout=20)
    poster.join(timeout=20)
    response = result["response"]
    assert response.status_code == 404
    body = response.content.decode()
    assert f"The lab &#x27;{lab.slug}&#x27; was deleted meanwhile; nothing was saved." in body
