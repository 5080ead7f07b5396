"""Fixtures shared by every test module: alice the trainer, bob the trainee, and one headless Chromium per process
(Playwright's sync API allows a single instance per thread, so every browser test shares this fixture)."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group

from connectors.middleware import TRAINERS_GROUP

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def alice(db, django_user_model):
    """A trainer (member of the "trainers" group)."""
    user = django_user_model.objects.create_user("alice", password="alice-pass-1")
    user.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    return user


@pytest.fixture
def bob(db, django_user_model):
    """A trainee (no group)."""
    return django_user_model.objects.create_user("bob", password="bob-pass-1")


@pytest.fixture
def owner(db, django_user_model):
    """The owner of the dashboard tests' lab (tests/browser overrides it with a transactional one)."""
    return django_user_model.objects.create_user("trainee", password="secret-pass-1")


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def multi_user(settings):
    """Sign-in as in production: `manage.py demo` (run by the command tests) turns single-user mode on for the rest
    of its process, which would sign every anonymous request in as `local`."""
    settings.EXCHSIM_SINGLE_USER = False


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
