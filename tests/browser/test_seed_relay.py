"""End to end, as a trainee would: the seed's anonymous relay for a web application, built through the UI."""

import re

import pytest
from playwright.sync_api import expect

from connectors.models import Lab
from tests.helpers import new_custom_connector, open_tab, screenshot

pytestmark = pytest.mark.browser

RELAY = "Web app relay"


def _simulate(page, remote_ip: str) -> None:
    page.get_by_label("Remote IP").fill(remote_ip)
    page.get_by_label("MAIL FROM").fill("webapp@contoso.com")
    page.get_by_label("RCPT TO (one per line or comma-separated)").fill("customer@outside.example")
    page.get_by_role("button", name="Simulate").click()
    expect(page.locator("#result h2").first).to_have_text("Connector")


def _tick_group(page, group: str) -> None:
    open_tab(page, "Permission Groups")
    page.get_by_label(group).check()
    page.get_by_role("button", name="Save").click()


def test_seed_relay_from_template_to_plan(page, owner):
    # A lab from the exchange2007 template, then a what-if copy to work in.
    page.goto("/labs/")
    page.get_by_label("Name").fill("Seed 2007")
    page.get_by_label("Template").select_option("exchange2007")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_contain_text("Seed 2007")
    page.goto("/labs/")
    screenshot(page, "labs")
    page.get_by_role("button", name="What-if copy").click()
    expect(page.locator(".breadcrumb")).to_contain_text("what-if copy of Seed 2007")
    copy = Lab.objects.get(baseline__name="Seed 2007")
    screenshot(page, "overview")

    # New-ReceiveConnector -Custom for the web application at 10.0.0.50.
    new_custom_connector(page, RELAY, "10.0.0.50")

    # Permission Groups: AnonymousUsers; the badges follow without a reload, the grid on its own tab.
    _tick_group(page, "AnonymousUsers")
    expect(page.locator("#badges")).to_contain_text("PermissionGroups: AnonymousUsers")
    expect(page.locator("#badges")).to_contain_text("no anonymous relay")
    open_tab(page, "Effective permissions")
    expect(page.locator("#effective")).to_contain_text("NT AUTHORITY\\ANONYMOUS LOGON")

    # Add-ADPermission ... -ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient for ANONYMOUS LOGON.
    open_tab(page, "Permissions")
    page.get_by_label("User", exact=True).fill("NT AUTHORITY\\ANONYMOUS LOGON")
    page.get_by_label("ExtendedRights").select_option("ms-Exch-SMTP-Accept-Any-Recipient")
    page.get_by_role("button", name="Add permission").click()
    expect(page.locator("#badges")).to_contain_text("anonymous relay: any client in the remote ranges may relay")
    expect(page.locator("#powershell")).to_contain_text("Add-ADPermission")
    screenshot(page, "connector")

    # The Hub also takes anonymous Internet mail on its Default connector (so others reach RCPT TO).
    page.goto(f"/labs/{copy.slug}/servers/EX01/connectors/Default%20EX01/")
    _tick_group(page, "AnonymousUsers")
    expect(page.locator("#badges")).to_contain_text("AnonymousUsers")

    # The simulator: the web application relays, its neighbour doesn't.
    page.get_by_role("link", name="What-if").click()
    _simulate(page, "10.0.0.50")
    expect(page.locator("#result")).to_contain_text("250 2.1.5 Recipient OK")
    expect(page.locator("#result")).to_contain_text(f"EX01\\{RELAY} takes the connection")
    assert "remote_ip=10.0.0.50" in page.url  # the probe is in the address, to share
    screenshot(page, "simulator")
    _simulate(page, "10.0.0.51")
    expect(page.locator("#result")).to_contain_text("550 5.7.1 Unable to relay")
    expect(page.locator(".transcript .r5")).to_contain_text("550 5.7.1 Unable to relay")

    # The plan against the original lab holds the matching Add-ADPermission line.
    page.get_by_role("link", name="Plan").click()
    script = page.locator("#script-plan")
    expect(script).to_contain_text("New-ReceiveConnector")
    expect(script).to_contain_text(re.compile(r"Add-ADPermission .*ANONYMOUS LOGON.*ms-Exch-SMTP-Accept-Any-Recipient"))
    screenshot(page, "plan")
