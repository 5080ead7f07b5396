"""Sign-in is throttled per account and per address (django-axes): 60 wrong passwords can't be tried in a row, the
right password is refused until the cool-off has passed, the lockout page says so in words, failures are logged."""

import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import Client
from django.utils import timezone

from connectors import accounts
from connectors.signin import client_address

pytestmark = pytest.mark.usefixtures("multi_user")


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Hundreds of password checks here: the deliberately slow production hasher would take most of a minute."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sign_in(client, username, password, address="192.0.2.10"):
    return client.post("/signin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_sixty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(client, bob, settings):
    statuses = [sign_in(client, "bob", f"guess-{n}").status_code for n in range(60)]
    limit = settings.SIGNIN_ACCOUNT_LIMIT
    assert statuses[: limit - 1] == [200] * (limit - 1)  # the form again, "Please enter a correct…"
    assert set(statuses[limit - 1 :]) == {429}
    response = sign_in(client, "bob", "bob-pass-1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    body = response.content.decode()
    assert "Sign-in paused" in body
    assert f"{settings.SIGNIN_COOLOFF_MINUTES} minutes" in body
    assert "even the right password is refused" in body


def test_the_account_lock_holds_from_another_address(client, bob, settings):
    for n in range(settings.SIGNIN_ACCOUNT_LIMIT):
        sign_in(client, "bob", f"guess-{n}", address="192.0.2.10")
    assert sign_in(Client(), "bob", "bob-pass-1", address="198.51.100.7").status_code == 429


def test_after_the_cool_off_the_right_password_works(client, bob, settings):
    for n in range(settings.SIGNIN_ACCOUNT_LIMIT):
        sign_in(client, "bob", f"guess-{n}")
    assert sign_in(client, "bob", "bob-pass-1").status_code == 429
    past = timezone.now() - timedelta(minutes=settings.SIGNIN_COOLOFF_MINUTES, seconds=1)
    AccessAttempt.objects.update(attempt_time=past)
    response = sign_in(client, "bob", "bob-pass-1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_an_address_trying_many_accounts_is_locked_for_every_account(client, bob, settings):
    settings.SIGNIN_ADDRESS_LIMIT = 12
    for n in range(12):
        sign_in(client, f"nobody-{n}", "guess")
    assert sign_in(client, "bob", "bob-pass-1").status_code == 429
    assert sign_in(Client(), "bob", "bob-pass-1", address="198.51.100.7").status_code == 302


def test_a_classroom_behind_one_address_is_not_locked_by_a_few_typos_each(client, db, settings):
    people = [accounts.create_account(f"trainee{n}", password=f"classroom-{n}-secret")[0] for n in range(20)]
    for user in people:
        for _ in range(2):
            assert sign_in(Client(), user.username, "typo").status_code == 200
    assert 20 * 2 < settings.SIGNIN_ADDRESS_LIMIT
    for n, user in enumerate(people):
        assert sign_in(Client(), user.username, f"classroom-{n}-secret").status_code == 302


def test_failed_attempts_are_logged_with_account_and_address(client, bob, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        sign_in(client, "bob", "wrong", address="203.0.113.5")
    assert any("bob" in record.getMessage() and "203.0.113.5" in record.getMessage() for record in caplog.records)
    failure = AccessFailureLog.objects.get()
    assert failure.username == "bob"
    assert failure.ip_address == "203.0.113.5"
    assert "wrong" not in AccessAttempt.objects.get().post_data  # the password itself is masked


def test_the_test_clients_force_login_is_not_throttled(client, bob, settings):
    for n in range(settings.SIGNIN_ACCOUNT_LIMIT):
        sign_in(client, "bob", f"guess-{n}")
    client.force_login(bob)
    assert client.get("/labs/").status_code == 200


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy configured: X-Forwarded-For is the client's to forge
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the left entry was written by the client
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "", "10.0.0.1"),
    ],
)
def test_the_client_address_is_read_behind_the_configured_proxies(rf, settings, proxies, forwarded, expected):
    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
