"""End to end: the findings box on a connector page follows an htmx edit without a page reload."""

import pytest
from playwright.sync_api import expect

from connectors import training

pytestmark = pytest.mark.browser


def test_closing_the_open_relay_clears_its_finding_without_a_reload(page, owner):
    lab = training.start(training.get_scenario("close-open-relay"), slug="relay", owner=owner)
    page.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Default%20Frontend%20EX01/permissions/")
    findings = page.locator("#findings")
    expect(findings.locator('[data-code="open-relay"]')).to_have_count(1)
    page.evaluate("window.notReloaded = true")
    page.get_by_role(
        "button", name="Remove ms-Exch-SMTP-Accept-Any-Recipient for NT AUTHORITY\\ANONYMOUS LOGON"
    ).click()
    expect(findings.locator('[data-code="open-relay"]')).to_have_count(0)
    expect(findings.locator('[data-code="anonymous-spoofing"]')).to_have_count(1)  # what the relay finding hid
    assert page.evaluate("window.notReloaded") is True
