"""The seed's recipe on a fresh exchange2007 template lab, through the dashboard: its Plan holds exactly the
recipe's commands (the template is the lab's baseline), with the rollback and its backups."""

import pytest
from playwright.sync_api import expect

from tests.helpers import new_custom_connector, open_tab, screenshot

pytestmark = pytest.mark.browser

RELAY = "Web app relay"


def _script_commands(page, key: str) -> list[str]:
    text = page.locator(f"#script-{key}").inner_text()
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_seed_recipe_on_a_fresh_template_lab_plans_exactly_its_commands(page):
    page.goto("/labs/")
    page.get_by_label("Name").fill("Relay 2007")
    page.get_by_label("Template").select_option("exchange2007")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_contain_text("Relay 2007")

    # 1. A new Custom receive connector for the web application's address.
    new_custom_connector(page, RELAY, "10.0.0.50")

    # 2. Permission Groups: Anonymous users.
    open_tab(page, "Permission Groups")
    page.get_by_label("AnonymousUsers").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#badges")).to_contain_text("PermissionGroups: AnonymousUsers")

    # 3. Add-ADPermission -User "NT AUTHORITY\ANONYMOUS LOGON" -ExtendedRights Ms-Exch-SMTP-Accept-Any-Recipient.
    open_tab(page, "Permissions")
    page.get_by_label("User", exact=True).fill("NT AUTHORITY\\ANONYMOUS LOGON")
    page.get_by_label("ExtendedRights").select_option("ms-Exch-SMTP-Accept-Any-Recipient")
    page.get_by_role("button", name="Add permission").click()
    expect(page.locator("#badges")).to_contain_text("anonymous relay: any client in the remote ranges may relay")

    page.get_by_role("link", name="Plan").click()
    expect(page.locator("h1")).to_have_text("Plan")
    expect(page.locator("main")).to_contain_text("since Relay 2007 started from the exchange2007 template")
    steps = page.locator("main ol > li")
    expect(steps).to_have_count(1)
    expect(steps.first).to_contain_text(f"Create receive connector EX01\\{RELAY}")
    assert _script_commands(page, "plan") == [
        f"New-ReceiveConnector -Name '{RELAY}' -Server 'EX01' -Custom -Bindings '0.0.0.0:25' "
        "-RemoteIPRanges '10.0.0.50' -PermissionGroups 'AnonymousUsers'",
        f"Add-ADPermission -Identity 'EX01\\{RELAY}' -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
        "-ExtendedRights 'ms-Exch-SMTP-Accept-Any-Recipient'",
    ]
    rollback = _script_commands(page, "rollback")
    assert [line.split(" | ")[1].split(" -Path")[0] for line in rollback[:2]] == ["Export-Clixml"] * 2
    assert rollback[2:] == [f"Remove-ReceiveConnector -Identity 'EX01\\{RELAY}' -Confirm:$false"]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    screenshot(page, "plan-recipe")

    # The whole-lab script is there too, folded, and opens on a click.
    expect(page.locator("#script-lab")).to_be_hidden()
    page.locator("#whole-lab summary").click()
    expect(page.locator("#script-lab")).to_contain_text("# Whole-lab script for lab Relay 2007 (from Setup's defaults)")
    expect(page.get_by_role("link", name="Download relay-2007-lab.ps1")).to_be_visible()
    screenshot(page, "plan-recipe-whole-lab")
