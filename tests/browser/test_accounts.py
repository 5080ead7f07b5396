"""End to end: a trainer makes two trainee accounts on the people page; each trainee, in their own browser, opens the
session's join link, signs in on exchsim's sign-in page with the one-time password, chooses their own, joins, and the
trainer's board shows both."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from connectors.models import TrainingSession
from tests.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("multi_user")]


@pytest.fixture
def trainer_tab(chromium, live_server, alice):
    client = Client()
    client.force_login(alice)
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def test_a_trainer_makes_two_trainees_who_sign_in_join_and_show_on_the_board(chromium, live_server, trainer_tab):
    tab = trainer_tab
    tab.goto("/training/")
    tab.get_by_role("button", name="Start session").click()
    expect(tab.locator("#board")).to_contain_text("No trainee has joined yet")
    join_link = tab.locator("#join-link").inner_text()
    session = TrainingSession.objects.get()
    assert join_link == f"{live_server.url}/training/sessions/{session.pk}/"

    tab.get_by_role("link", name="Make trainee accounts").click()
    tab.get_by_label("User names").fill("erin\nfrank")
    tab.get_by_role("button", name="Make accounts").click()
    expect(tab.locator("#new-accounts")).to_be_visible()
    passwords = {
        name: tab.locator(f'tr[data-username="{name}"] .one-time-password').inner_text() for name in ("erin", "frank")
    }
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", p) for p in passwords.values())
    screenshot(tab, "people")

    for name, password in passwords.items():
        context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)  # no cookies
        trainee = context.new_page()
        trainee.set_default_timeout(10_000)
        trainee.goto(join_link)
        expect(trainee).to_have_url(re.compile(r"/signin/\?next="))
        expect(trainee.locator("h1")).to_have_text("Sign in to exchsim")
        assert "Django administration" not in trainee.content()
        if name == "erin":
            screenshot(trainee, "sign-in")
        trainee.get_by_label("Username").fill(name)
        trainee.get_by_label("Password").fill(password)
        trainee.get_by_role("button", name="Sign in").click()

        expect(trainee.locator("h1")).to_have_text("Choose your own password")
        trainee.locator("#id_old_password").fill(password)
        trainee.locator("#id_new_password1").fill(f"{name}-chose-this-7")
        trainee.locator("#id_new_password2").fill(f"{name}-chose-this-7")
        trainee.get_by_role("button", name="Change password").click()

        expect(trainee.get_by_role("button", name="Join and get my own lab")).to_be_visible()
        trainee.get_by_role("button", name="Join and get my own lab").click()
        expect(trainee).to_have_url(re.compile(r"/labs/[\w-]+/scenario/$"))
        trainee.goto("/admin/")
        expect(trainee.locator("h1")).to_have_text("Not allowed")
        context.close()

    tab.goto(join_link)
    expect(tab.locator("#board tr.trainee")).to_have_count(2)
    expect(tab.locator('#board tr[data-trainee="erin"]')).to_be_visible()
    expect(tab.locator('#board tr[data-trainee="frank"]')).to_be_visible()
    screenshot(tab, "board")
