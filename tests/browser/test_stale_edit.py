"""Two people on one connector's General tab: the second save, of a field the first changed meanwhile, is refused on
the page with what the field is now and a Reload link that brings the current values."""

import pytest
from playwright.sync_api import expect

from connectors import labs, store
from connectors.store import lab_to_org
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def test_a_stale_save_is_refused_in_place_and_reload_shows_the_current_values(page, owner):
    lab = labs.create_lab_from_template("exchange2016", owner=owner, name="Shared lab")
    page.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Default%20Frontend%20EX01/general/")
    org = lab_to_org(lab)  # meanwhile, a colleague saves another banner
    org = org.with_changes(
        connectors=tuple(
            c.with_changes(banner="220 theirs") if c.name == "Default Frontend EX01" else c for c in org.connectors
        )
    )
    store.save_org(lab, org)
    page.get_by_label("Banner").fill("220 mine")
    page.get_by_role("button", name="Save").click()
    alert = page.locator(".tabpanel [role=alert]")
    expect(alert).to_contain_text("Not saved: someone else changed this connector while you were editing.")
    expect(alert).to_contain_text("Banner is now 220 theirs.")
    expect(page.get_by_label("Banner")).to_have_value("220 mine")
    screenshot(page, "stale-edit-refused")
    alert.get_by_role("link", name="Reload").click()
    expect(page.get_by_label("Banner")).to_have_value("220 theirs")
    expect(page.locator(".tabpanel [role=alert]")).to_have_count(0)
    page.wait_for_load_state("networkidle")  # the findings box loads after the page; let it finish before teardown
