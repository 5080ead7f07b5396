"""Issue 9: Add-ADPermission for a principal the lab doesn't have is refused beside the User box, which offers to
add the principal; one click adds it and grants."""

import pytest
from playwright.sync_api import expect

from connectors import labs
from tests.helpers import open_tab, screenshot

pytestmark = pytest.mark.browser


def test_the_permissions_tab_offers_to_add_an_unknown_principal(page, owner):
    lab = labs.create_demo_lab("principal-offer", owner=owner)
    page.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Anonymous%20Relay/")
    open_tab(page, "Permissions")
    page.get_by_label("User", exact=True).fill("contoso\\nosuchuser")
    page.get_by_label("ExtendedRights").select_option("ms-Exch-SMTP-Submit")
    page.get_by_role("button", name="Add permission").click()
    expect(page.locator("#id_principal_error")).to_contain_text("object 'contoso\\nosuchuser' couldn't be found")
    screenshot(page, "unknown-principal")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.get_by_role("button", name="Add it as a user and grant").click()
    expect(page.locator("table.acl").last).to_contain_text("CONTOSO\\nosuchuser")
    assert lab.principals.filter(name="CONTOSO\\nosuchuser").exists()
    open_tab(page, "Network")
    screenshot(page, "network-binding-choices")
