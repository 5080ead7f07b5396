"""The trainer's people page: trainee accounts one by one or from a pasted list, each with a one-time password shown
once; trainers only; nothing made when any name is bad; a new one-time password for a trainee who forgot theirs."""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

from connectors.models import TemporaryPassword

pytestmark = pytest.mark.usefixtures("multi_user")

PEOPLE = "/training/people/"


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def passwords_on(body: str) -> dict[str, str]:
    rows = re.findall(
        r'<tr data-username="([^"]+)"><td>[^<]+</td><td class="mono one-time-password">([^<]+)</td>', body
    )
    return dict(rows)


def test_only_trainers_open_the_people_page(client, bob):
    client.force_login(bob)
    assert client.get(PEOPLE).status_code == 403
    assert client.post(PEOPLE, {"names": "mallory"}).status_code == 403
    assert not User.objects.filter(username="mallory").exists()


def test_the_training_page_links_trainers_to_it(client, alice, bob):
    client.force_login(alice)
    assert f'href="{PEOPLE}"' in client.get("/training/").content.decode()
    client.force_login(bob)
    assert f'href="{PEOPLE}"' not in client.get("/training/").content.decode()


def test_a_trainer_makes_one_account_and_sees_its_password_once(client, alice):
    client.force_login(alice)
    response = client.post(PEOPLE, {"names": "trainee01"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    passwords = passwords_on(response.content.decode())
    assert list(passwords) == ["trainee01"]
    user = User.objects.get(username="trainee01")
    assert user.check_password(passwords["trainee01"])
    assert TemporaryPassword.objects.filter(user=user).exists()
    assert passwords["trainee01"] not in client.get(PEOPLE).content.decode()  # shown once, never stored in clear


def test_a_pasted_list_makes_an_account_for_each_name(client, alice):
    client.force_login(alice)
    body = client.post(PEOPLE, {"names": "ann\r\nben, cara\n\n  dan  \n"}).content.decode()
    passwords = passwords_on(body)
    assert sorted(passwords) == ["ann", "ben", "cara", "dan"]
    assert len(set(passwords.values())) == 4
    assert "4 accounts made" in body
    listed = client.get(PEOPLE).content.decode()
    assert "Trainees (4)" in listed
    assert listed.count("one-time, not yet changed") == 4


def test_one_bad_name_makes_nothing_and_says_which(client, alice, bob):
    client.force_login(alice)
    response = client.post(PEOPLE, {"names": "ann\nbob\nno spaces?\nann"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "There is already an account called &#x27;bob&#x27;." in body
    assert "&#x27;ann&#x27; is in the list twice." in body
    assert "&#x27;spaces?&#x27;: Enter a valid username." in body  # spaces separate names in a pasted list
    assert not User.objects.filter(username="ann").exists()


def test_an_empty_list_is_refused(client, alice):
    client.force_login(alice)
    response = client.post(PEOPLE, {"names": "  \n "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_new_account_signs_in_and_must_choose_its_password(client, alice):
    client.force_login(alice)
    password = passwords_on(client.post(PEOPLE, {"names": "ann"}).content.decode())["ann"]
    trainee = Client()
    assert trainee.post("/signin/", {"username": "ann", "password": password}).status_code == 302
    assert trainee.get("/labs/")["Location"] == "/account/password/?next=/labs/"


def test_a_forgotten_password_is_replaced_and_the_lockout_lifted(client, alice, settings):
    client.force_login(alice)
    old = passwords_on(client.post(PEOPLE, {"names": "ann"}).content.decode())["ann"]
    trainee = Client()
    for _ in range(settings.SIGNIN_ACCOUNT_LIMIT):
        trainee.post("/signin/", {"username": "ann", "password": "forgot"})
    assert trainee.post("/signin/", {"username": "ann", "password": old}).status_code == 429
    ann = User.objects.get(username="ann")
    body = client.post(f"{PEOPLE}{ann.pk}/reset/").content.decode()
    new = passwords_on(body)["ann"]
    assert "A new one-time password" in body
    assert "account made" not in body
    assert new != old
    assert not AccessAttempt.objects.filter(username="ann").exists()
    assert trainee.post("/signin/", {"username": "ann", "password": new}).status_code == 302


def test_a_trainer_cannot_reset_a_trainer_or_staff_account(client, alice, django_user_model):
    boss = django_user_model.objects.create_user("boss", password="boss-pass-1", is_staff=True)
    client.force_login(alice)
    assert client.post(f"{PEOPLE}{alice.pk}/reset/").status_code == 404
    assert client.post(f"{PEOPLE}{boss.pk}/reset/").status_code == 404
    boss.refresh_from_db()
    assert boss.check_password("boss-pass-1")
