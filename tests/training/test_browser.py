"""End to end in headless Chromium: a trainer starts a session, a trainee solves the anonymous relay scenario in
the dashboard (forms for the connector and its groups, the console for the extended right), the board turns green."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from connectors.middleware import TRAINERS_GROUP
from connectors.models import ScenarioLab
from tests.helpers import screenshot

pytestmark = pytest.mark.browser

RELAY = "Web shop relay"


def _tab(chromium, live_server, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.fixture
def trainer(transactional_db, django_user_model):
    user = django_user_model.objects.create_user("tina", password="tina-pass-1")
    user.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    return user


@pytest.fixture
def trainee(transactional_db, django_user_model):
    return django_user_model.objects.create_user("theo", password="theo-pass-1")


def test_a_trainee_solves_anonymous_relay_and_the_board_turns_green(chromium, live_server, trainer, trainee):
    board = _tab(chromium, live_server, trainer)
    board.goto("/training/")
    board.get_by_label("Scenario").select_option("anonymous-relay-least-privilege")
    board.get_by_role("button", name="Start session").click()
    expect(board.locator("h1")).to_have_text("Anonymous relay for a web application (least privilege)")
    expect(board.locator("#board")).to_contain_text("No trainee has joined yet.")
    session_url = board.url

    desk = _tab(chromium, live_server, trainee)
    desk.goto(session_url)
    desk.get_by_role("button", name="Join and get my own lab").click()
    expect(desk.locator("#goals")).to_contain_text("Not met: 10.0.0.50 relays anonymously to fabrikam.com")
    lab = ScenarioLab.objects.get(trainee=trainee).lab
    expect(board.locator("tr.trainee")).to_contain_text("theo")
    expect(board.locator("tr.trainee")).not_to_have_class("trainee done")

    # The dashboard: New-ReceiveConnector in the Front End, then the AnonymousUsers group.
    desk.get_by_role("link", name="dashboard").click()
    desk.get_by_text("New receive connector").click()
    new = desk.locator("#new-connector")
    new.get_by_label("Server").select_option("EX01")
    new.get_by_label("Name").fill(RELAY)
    new.get_by_label("Usage").select_option("Custom")
    new.get_by_label("Bindings").fill("0.0.0.0:25")
    new.get_by_label("Remote IP ranges").fill("10.0.0.50")
    new.get_by_label("Transport role (2013 and later)").select_option("FrontendTransport")
    desk.get_by_role("button", name="New-ReceiveConnector").click()
    expect(desk.locator("h1")).to_contain_text(RELAY)
    desk.get_by_role("link", name="Permission Groups", exact=True).click()
    desk.get_by_label("AnonymousUsers").check()
    desk.get_by_role("button", name="Save").click()
    expect(desk.locator("#badges")).to_contain_text("AnonymousUsers")

    # The console: the extended right that makes it a relay.
    desk.goto(f"/labs/{lab.slug}/console/")
    desk.locator("#id_command").fill(
        f"Add-ADPermission -Identity 'EX01\\{RELAY}' -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
        "-ExtendedRights 'ms-Exch-SMTP-Accept-Any-Recipient'"
    )
    desk.get_by_role("button", name="Run").click()
    expect(desk.locator("main")).to_contain_text("ms-Exch-SMTP-Accept-Any-Recipient")

    desk.goto(f"/labs/{lab.slug}/scenario/")
    expect(desk.locator("li.goal[data-passed='false']")).to_have_count(0)
    screenshot(desk, "training-trainee-solved")

    # The trainer's board polls every 2 s and turns green without a reload.
    expect(board.locator("tr.trainee.done")).to_contain_text("all met", timeout=20_000)
    screenshot(board, "training-board-green")
    board.context.close()
    desk.context.close()
