"""The Plan page beside the script: whose mail the lab's changes break or let through, from the lab's traffic; the
replay is kept for the lab's state and worked out in the background for large logs."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from connectors import labs, models, traffic
from connectors.exchange.acl import add_ad_permission, remove_ad_permission
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from connectors.store import lab_to_org, save_org
from tests.replay.logs import FRONTEND_2019_FILES

BREAKS = (
    "10.0.0.50 sent 1 message to 1 outside domain through Anonymous Relay; after this change it gets "
    "550 5.7.1 Unable to relay"
)


@pytest.fixture
def demo(bob):
    return labs.create_demo_lab("demo", owner=bob)


@pytest.fixture
def signed_in(client, bob):
    client.force_login(bob)
    return client


def _upload(client, lab, name="RECV"):
    files = [SimpleUploadedFile(f"{name}-{path.name}", path.read_bytes()) for path in FRONTEND_2019_FILES]
    client.post(reverse("connectors:traffic-upload", args=[lab.slug]), {"logs": files})


def _change_acl(lab, name, change):
    org = lab_to_org(lab)
    connector = org.connector("EX01", name)
    changed = connector.with_changes(acl=change(connector.acl))
    save_org(lab, org.with_changes(connectors=tuple(changed if c is connector else c for c in org.connectors)))


def _remove_relay(lab):
    _change_acl(lab, "Anonymous Relay", lambda acl: remove_ad_permission(acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT))


@pytest.fixture
def what_if(signed_in, demo, bob):
    _upload(signed_in, demo)
    copy = labs.copy_lab(demo, "demo-what-if", owner=bob)
    _remove_relay(copy)
    return copy


def _plan(client, lab) -> str:
    return client.get(reverse("connectors:plan", args=[lab.slug])).content.decode()


def test_it_names_the_sender_the_change_breaks_beside_the_script_with_the_plan_line(signed_in, demo, what_if):
    page = _plan(signed_in, what_if)
    aside = page[page.index('<aside class="panel soft traffic-aside"') :]
    assert page.index('id="script-plan"') < page.index("<aside")  # beside the plan script
    assert "Who this change affects" in aside
    assert "Breaks (1 sender)" in aside
    assert BREAKS in aside
    assert "(was 250 2.1.5 Recipient OK)" in aside
    assert "Remove-ADPermission -Identity &#x27;EX01\\Anonymous Relay&#x27;" in aside
    assert f"uploaded to {escape(demo.name)} on " in aside
    assert ": 2 files, 4 sessions, 4 messages." in aside


def test_it_lists_what_the_change_newly_opens(signed_in, what_if):
    _change_acl(
        what_if,
        "Default Frontend EX01",
        lambda acl: add_ad_permission(acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT),
    )
    page = _plan(signed_in, what_if)
    opens = page[page.index("Newly opens (1 sender)") :]
    assert "203.0.113.5 sent 1 message to 1 outside domain through Default Frontend EX01; after this change it gets " \
        "250 2.1.5 Recipient OK" in opens  # fmt: skip
    assert "Add-ADPermission -Identity &#x27;EX01\\Default Frontend EX01&#x27;" in opens
    assert BREAKS in page[: page.index("Newly opens")]


def test_it_shows_no_traffic_panel_for_a_lab_without_logs(signed_in, demo, bob):
    copy = labs.copy_lab(demo, "demo-what-if", owner=bob)
    _remove_relay(copy)
    page = _plan(signed_in, copy)
    assert "Remove-ADPermission" in page
    assert "Who this change affects" not in page


def test_it_keeps_the_replay_for_the_labs_state_and_replays_again_after_a_change(signed_in, what_if, monkeypatch):
    worked = []
    replayed = traffic.replayed
    monkeypatch.setattr(traffic, "replayed", lambda lab, profile: worked.append(lab.slug) or replayed(lab, profile))
    _plan(signed_in, what_if)
    signed_in.get(reverse("connectors:traffic", args=[what_if.slug]))
    assert worked == ["demo-what-if"]  # the Traffic page shows the replay the Plan page stored
    (kept,) = models.TrafficReplay.objects.filter(lab=what_if)
    assert kept.status == "done"
    assert kept.result["impact"][0]["remote_ip"] == "10.0.0.50"
    _change_acl(what_if, "Anonymous Relay", lambda acl: add_ad_permission(acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT))
    page = _plan(signed_in, what_if)
    assert worked == ["demo-what-if"] * 2
    assert BREAKS not in page
    assert "No sender seen in the logs gets a different answer" in page
    (fresh,) = models.TrafficReplay.objects.filter(lab=what_if)  # the earlier state's replay is gone
    assert fresh.pk != kept.pk
    assert fresh.result["impact"] == []


def test_a_change_to_the_lab_it_was_copied_from_replays_again(signed_in, demo, what_if):
    first = _plan(signed_in, what_if)
    _remove_relay(demo)  # the baseline now lacks the relay too: nothing left to break
    assert BREAKS in first
    assert BREAKS not in _plan(signed_in, what_if)


def test_its_queries_do_not_grow_with_the_uploads_or_the_senders(signed_in, demo, what_if):
    _plan(signed_in, what_if)  # the replay is stored
    with CaptureQueriesContext(connection) as one:
        _plan(signed_in, what_if)
    for number in range(3):
        _upload(signed_in, demo, name=f"more{number}")
        _upload(signed_in, what_if, name=f"own{number}")
    _plan(signed_in, what_if)
    with CaptureQueriesContext(connection) as seven:
        page = _plan(signed_in, what_if)
    assert BREAKS in page
    assert len(seven) == len(one)


def test_a_large_upload_is_replayed_in_the_background_while_the_page_polls(signed_in, what_if, settings, monkeypatch):
    settings.EXCHSIM_TRAFFIC_INLINE_BYTES = 0
    started = []
    monkeypatch.setattr(traffic, "in_background", lambda work, *args: started.append((work, args)))
    page = _plan(signed_in, what_if)
    (stored,) = models.TrafficReplay.objects.filter(lab=what_if)
    status = reverse("connectors:traffic-replay-status", args=[what_if.slug, stored.pk])
    assert stored.status == "working"
    assert f'hx-get="{status}"' in page
    assert "Replaying the logs" in page
    assert BREAKS not in page
    assert "Replaying the logs" in signed_in.get(status, HTTP_HX_REQUEST="true").content.decode()
    ((target, args),) = started
    assert target is traffic.work_out
    traffic.work_out(*args)  # what the thread does (without closing the test's connection)
    assert signed_in.get(status, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert BREAKS in _plan(signed_in, what_if)
    assert len(started) == 1  # done: not started again


def test_a_replay_that_fails_says_so_instead_of_polling(signed_in, what_if, monkeypatch):
    def broken(lab, profile):
        raise RuntimeError("boom")

    monkeypatch.setattr(traffic, "replayed", broken)
    page = _plan(signed_in, what_if)
    assert "The replay failed (an internal error was logged)." in page
    assert "hx-get" not in page.split("<aside")[1]


def test_another_trainee_cant_poll_a_labs_replay(client, what_if, signed_in, django_user_model):
    _plan(signed_in, what_if)
    stored = models.TrafficReplay.objects.get(lab=what_if)
    client.force_login(django_user_model.objects.create_user("mallory", password="secret-pass-1"))
    status = reverse("connectors:traffic-replay-status", args=[what_if.slug, stored.pk])
    assert client.get(status, HTTP_HX_REQUEST="true").status_code == 404


def test_a_replay_whose_thread_was_lost_is_started_again(signed_in, what_if, settings, monkeypatch):
    settings.EXCHSIM_TRAFFIC_INLINE_BYTES = 0
    started = []
    monkeypatch.setattr(traffic, "in_background", lambda work, *args: started.append(args))
    _plan(signed_in, what_if)
    _plan(signed_in, what_if)
    assert len(started) == 1  # working: polled, not started twice
    models.TrafficReplay.objects.update(created=timezone.now() - timedelta(seconds=traffic.REPLAY_STALE_SECONDS + 1))
    assert "Replaying the logs" in _plan(signed_in, what_if)
    assert len(started) == 2
    assert models.TrafficReplay.objects.filter(lab=what_if).count() == 1
