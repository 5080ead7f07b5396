"""Browser tabs on pytest-django's live_server; the session-wide `chromium` fixture is in tests/conftest.py."""

import pytest


@pytest.fixture
def owner(transactional_db, django_user_model):
    return django_user_model.objects.create_user("trainee", password="secret-pass-1")


@pytest.fixture
def page(chromium, live_server, owner, client):
    """A browser tab signed in as `owner` (the test client's session cookie handed to the browser)."""
    client.force_login(owner)
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
