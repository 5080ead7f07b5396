"""Protocol logs through the dashboard: upload them on the Traffic page, read who uses what, make a what-if copy,
remove the relay ACE, and see the application server named in the impact on the copy's Traffic and Plan pages."""

import pytest
from playwright.sync_api import expect

from connectors import labs
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from tests.helpers import open_tab, screenshot
from tests.replay.logs import FRONTEND_2019_FILES

pytestmark = pytest.mark.browser

BREAKS = (
    "10.0.0.50 sent 1 message to 1 outside domain through Anonymous Relay; after this change it gets "
    "550 5.7.1 Unable to relay"
)
REMOVE = (
    "Remove-ADPermission -Identity 'EX01\\Anonymous Relay' -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
    "-ExtendedRights 'ms-Exch-SMTP-Accept-Any-Recipient' -Confirm:$false"
)


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_logs_uploaded_show_who_uses_what_and_whom_removing_the_relay_ace_breaks(page, owner):
    demo = labs.create_demo_lab("demo", owner=owner)
    page.goto(f"/labs/{demo.slug}/traffic/")
    expect(page.locator("h1")).to_have_text("Traffic")
    page.get_by_label("Protocol logs").set_input_files([str(path) for path in FRONTEND_2019_FILES])
    page.get_by_role("button", name="Upload and replay").click()
    expect(page.locator(".messages")).to_contain_text(
        "Read 78 lines: 4 sessions, 4 messages, 1 malformed line skipped."
    )

    inventory = page.locator("table.traffic-inventory")
    relay = inventory.locator("tr", has_text="EX01\\Anonymous Relay")
    expect(relay).to_contain_text("10.0.0.50")
    expect(inventory.locator("tr", has_text="EX01\\Client Frontend EX01")).to_contain_text("CONTOSO\\alice")
    expect(page.locator("#drift + p")).to_contain_text("The model agrees with the logs")
    assert _fits(page)
    screenshot(page, "traffic-inventory")

    # A what-if copy, and in it the Anonymous Relay connector without its relay ACE.
    page.goto("/labs/")
    page.locator("tr", has_text=demo.name).get_by_role("button", name="What-if copy").click()
    expect(page.locator("h1")).to_contain_text("(copy)")
    copy_url = page.url
    page.get_by_role("link", name="Anonymous Relay", exact=True).click()
    open_tab(page, "Permissions")
    remove = page.get_by_role("button", name=f"Remove {ACCEPT_ANY_RECIPIENT} for {ANONYMOUS_LOGON}")
    remove.click()
    expect(remove).to_have_count(0)

    # The copy's Traffic page replays its source's logs through both labs.
    page.goto(copy_url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Traffic").click()
    expect(page.locator("h1")).to_have_text("Traffic")
    jump = page.get_by_role("navigation", name="On this page")
    jump.get_by_role("link", name="Impact (1 broken, 0 newly open)").click()
    impact = page.locator("section[aria-labelledby=impact]")
    expect(impact.locator("h3").first).to_have_text("Breaks (1 sender)")
    expect(impact.locator("li.verdict.bad")).to_have_count(1)
    expect(impact.locator("li.verdict.bad")).to_contain_text(BREAKS)
    expect(impact.locator("li.verdict.bad code")).to_have_text(REMOVE)
    assert _fits(page)
    screenshot(page, "traffic-what-if-impact")

    # And its Plan page shows the same beside the plan script.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Plan").click()
    expect(page.locator("h1")).to_have_text("Plan")
    aside = page.locator("aside.traffic-aside")
    expect(aside.get_by_role("heading", name="Who this change affects")).to_be_visible()
    expect(aside.locator("li.verdict.bad")).to_contain_text(BREAKS)
    expect(page.locator("#script-plan")).to_contain_text("Remove-ADPermission")
    script, panel = page.locator("#script-plan").bounding_box(), aside.bounding_box()
    assert panel["x"] > script["x"] + script["width"] - 1  # beside the script, not under it
    assert _fits(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "plan-traffic-impact")


def test_large_logs_are_read_and_replayed_in_the_background_while_the_page_follows(page, owner, settings):
    settings.EXCHSIM_TRAFFIC_INLINE_BYTES = 0  # every upload is "large": read, then replayed, in a thread
    demo = labs.create_demo_lab("demo", owner=owner)
    page.goto(f"/labs/{demo.slug}/traffic/")
    page.get_by_label("Protocol logs").set_input_files([str(path) for path in FRONTEND_2019_FILES])
    page.get_by_role("button", name="Upload and replay").click()
    # The page polls the reading, then the replay, and reloads itself when each is done.
    expect(page.locator("table.traffic-inventory")).to_contain_text("EX01\\Anonymous Relay", timeout=20_000)
    expect(page.locator("#drift + p")).to_contain_text("The model agrees with the logs", timeout=20_000)
    expect(page.locator("[id^=reading-], [id^=replaying-]")).to_have_count(0)
