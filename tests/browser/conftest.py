"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against pytest-django's live_server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _chromium_or_skip() -> str:
    if shutil.which(CHROMIUM):
        return CHROMIUM
    message = f"Browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)."
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " CI=true, so this is an error, not a skip.")
    print(message + " Skipping.")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which trips Django's async check for the
    # test's own (synchronous) ORM calls.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        browser.close()


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
