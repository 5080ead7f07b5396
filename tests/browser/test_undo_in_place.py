"""Undo in place: a removed range comes back with one click, and the History page shows the change."""

import pytest
from playwright.sync_api import expect

from connectors import labs
from connectors.store import lab_to_org
from tests.helpers import screenshot

pytestmark = pytest.mark.browser

RELAY = (
    "New-ReceiveConnector -Name Relay -Server EX01 -Custom -Bindings 10.0.0.10:2525 -RemoteIPRanges 10.0.0.50,10.0.0.51"
)


def test_remove_a_range_click_undo_and_the_range_is_back(page, owner):
    lab = labs.create_lab_from_template("exchangese", owner=owner, name="Undo lab")
    page.goto(f"/labs/{lab.slug}/console/")
    page.fill("#id_command", RELAY)
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#console-output")).to_contain_text("created EX01\\Relay")
    page.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Relay/network/")
    page.get_by_role("button", name="Remove 10.0.0.51").click()
    expect(page.locator(".undo-notice")).to_contain_text("RemoteIPRanges (removed 10.0.0.51)")
    screenshot(page, "undo-in-place")
    assert [r.text for r in lab_to_org(lab).connector("EX01", "Relay").remote_ip_ranges] == ["10.0.0.50"]
    page.locator(".undo-notice").get_by_role("button", name="Undo").click()
    expect(page.locator(".messages")).to_contain_text("Undid #3")
    expect(page.get_by_role("button", name="Remove 10.0.0.51")).to_be_visible()
    assert [r.text for r in lab_to_org(lab).connector("EX01", "Relay").remote_ip_ranges] == ["10.0.0.50", "10.0.0.51"]
    page.get_by_role("link", name="History").click()
    expect(page.locator("#entry-4")).to_contain_text("Undo of #3")
    page.locator("#entry-3 summary").click()
    screenshot(page, "history")
