"""exchsim's own sign-in, sign-out and password change; the admin stays for staff; a generated password is changed at
the first sign-in; a trainee signs in, joins a session, works in the lab and can't open the admin."""

import pytest
from django.urls import reverse

from connectors import accounts
from connectors.models import ScenarioLab, TemporaryPassword, TrainingSession

pytestmark = pytest.mark.usefixtures("multi_user")

SIGN_IN = "/signin/"


def sign_in(client, username, password, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(SIGN_IN, data)


def test_the_sign_in_page_is_ours_not_the_admins(client):
    assert reverse("connectors:sign-in") == SIGN_IN
    body = client.get(SIGN_IN).content.decode()
    assert "Sign in to exchsim" in body
    assert 'class="topbar"' in body
    assert "Django administration" not in body
    assert "staff" not in body


def test_a_page_sends_an_anonymous_visitor_to_our_sign_in_and_back(client, bob):
    response = client.get("/labs/")
    assert response.status_code == 302
    assert response["Location"] == "/signin/?next=/labs/"
    response = sign_in(client, "bob", "bob-pass-1", next_url="/labs/")
    assert response.status_code == 302
    assert response["Location"] == "/labs/"


def test_a_wrong_password_is_refused_in_words(client, bob):
    response = sign_in(client, "bob", "not-his-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_trainee_who_is_not_staff_signs_in_on_our_page(client, bob):
    response = sign_in(client, "bob", "bob-pass-1")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_the_admin_refuses_a_signed_in_trainee_with_our_403_page(client, bob):
    client.force_login(bob)
    for url in ("/admin/", "/admin/login/", "/admin/connectors/lab/"):
        response = client.get(url, follow=True)
        body = response.content.decode()
        assert response.status_code == 403, url
        assert "Not allowed" in body
        assert "Django administration" not in body
        assert "staff account" not in body


def test_the_admin_sends_an_anonymous_visitor_to_our_sign_in(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/signin/?next=/admin/"
    assert "Django administration" not in response.content.decode()


def test_staff_sign_in_on_our_page_and_reach_the_admin(client, django_user_model):
    django_user_model.objects.create_user("carol", password="carol-pass-1", is_staff=True, is_superuser=True)
    response = sign_in(client, "carol", "carol-pass-1", next_url="/admin/")
    assert response["Location"] == "/admin/"
    assert "Django administration" in client.get("/admin/").content.decode()


def test_sign_out_is_a_post_and_ends_the_session(client, bob):
    client.force_login(bob)
    assert client.get("/signout/").status_code == 405
    response = client.post("/signout/")
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert client.get("/labs/").status_code == 302


def test_the_layout_offers_password_and_sign_out_but_not_in_single_user_mode(client, bob, settings):
    client.force_login(bob)
    body = client.get("/labs/").content.decode()
    assert 'action="/signout/"' in body
    assert 'href="/account/password/"' in body
    settings.EXCHSIM_SINGLE_USER = True
    body = client.get("/labs/").content.decode()
    assert 'action="/signout/"' not in body


def test_a_signed_in_user_changes_their_password(client, bob):
    client.force_login(bob)
    body = client.get("/account/password/").content.decode()
    assert "Change your password" in body
    assert "Django administration" not in body
    response = client.post(
        "/account/password/",
        {"old_password": "bob-pass-1", "new_password1": "a-new-pass-for-bob", "new_password2": "a-new-pass-for-bob"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password("a-new-pass-for-bob")
    assert client.get("/labs/").status_code == 200  # still signed in


def test_a_generated_password_must_be_changed_at_first_sign_in(client, db):
    user, password = accounts.create_account("dave")
    response = sign_in(client, "dave", password, next_url="/training/")
    assert response["Location"] == "/training/"
    response = client.get("/training/")
    assert response.status_code == 302
    assert response["Location"] == "/account/password/?next=/training/"
    assert "Choose your own password" in client.get(response["Location"]).content.decode()
    response = client.post(
        "/account/password/",
        {
            "old_password": password,
            "new_password1": "dave-own-pass-9",
            "new_password2": "dave-own-pass-9",
            "next": "/training/",
        },
    )
    assert response["Location"] == "/training/"
    assert not TemporaryPassword.objects.filter(user=user).exists()
    assert client.get("/training/").status_code == 200


def test_the_password_page_does_not_send_anyone_off_site(client, bob):
    client.force_login(bob)
    response = client.post(
        "/account/password/",
        {
            "old_password": "bob-pass-1",
            "new_password1": "a-new-pass-for-bob",
            "new_password2": "a-new-pass-for-bob",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


@pytest.fixture
def session(client, alice):
    client.force_login(alice)
    client.post(reverse("connectors:training-session-create"), {"scenario": "close-open-relay"})
    client.logout()
    return TrainingSession.objects.get()


def test_a_trainee_signs_in_joins_a_session_works_and_cannot_open_the_admin(client, bob, session):
    join_url = reverse("connectors:training-session", args=[session.pk])
    response = client.get(join_url)
    assert response["Location"] == f"/signin/?next={join_url}"
    response = sign_in(client, "bob", "bob-pass-1", next_url=join_url)
    assert response["Location"] == join_url
    assert "Join and get my own lab" in client.get(join_url).content.decode()
    client.post(reverse("connectors:training-join", args=[session.pk]))
    lab = ScenarioLab.objects.get(session=session, trainee=bob).lab
    console = reverse("connectors:console", args=[lab.slug])
    response = client.post(console, {"command": "Get-ReceiveConnector"})
    assert response.status_code == 200
    assert "Default" in response.content.decode()
    assert client.get("/admin/").status_code == 403


def test_the_board_offers_the_join_link_to_copy(client, alice, session):
    client.force_login(alice)
    body = client.get(reverse("connectors:training-session", args=[session.pk])).content.decode()
    assert f'<code id="join-link">http://testserver/training/sessions/{session.pk}/</code>' in body
    assert 'data-copy="#join-link"' in body
