"""Browser tabs on pytest-django's live_server; the session-wide `chromium` fixture is in tests/conftest.py."""

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


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


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot to test-artifacts/ (gitignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_tab(page, name: str) -> None:
    """A tab of the connector page, waiting until it is the current one."""
    from playwright.sync_api import expect

    page.get_by_role("link", name=name, exact=True).click()
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text(name)


def new_custom_connector(page, name: str, remote_ip_ranges: str, bindings: str = "0.0.0.0:25") -> None:
    """New-ReceiveConnector -Custom on EX01 from the overview's form, landing on the new connector's page."""
    from playwright.sync_api import expect

    page.get_by_text("New receive connector").click()
    new = page.locator("#new-connector")
    new.get_by_label("Server").select_option("EX01")
    new.get_by_label("Name").fill(name)
    new.get_by_label("Usage").select_option("Custom")
    new.get_by_label("Bindings").fill(bindings)
    new.get_by_label("Remote IP ranges").fill(remote_ip_ranges)
    page.get_by_role("button", name="New-ReceiveConnector").click()
    expect(page.locator("h1")).to_contain_text(name)
