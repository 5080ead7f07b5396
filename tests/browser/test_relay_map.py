"""End to end: the relay map draws the address space and names who may relay."""

import pytest
from playwright.sync_api import expect

from connectors import labs, store
from connectors.exchange.acl import add_ad_permission
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from connectors.exchange.receive import new_receive_connector
from connectors.store import lab_to_org
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def test_relay_map_highlights_the_relaying_address(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Map lab")
    org = lab_to_org(lab)
    relay = new_receive_connector(
        org, "EX01", "Web app relay", usage="Custom", bindings=["0.0.0.0:25"], remote_ip_ranges=["10.0.0.50"],
        permission_groups="AnonymousUsers",
    )  # fmt: skip
    relay = relay.with_changes(acl=add_ad_permission(relay.acl, ANONYMOUS_LOGON, [ACCEPT_ANY_RECIPIENT]))
    store.save_org(lab, org.with_changes(connectors=(*org.connectors, relay)))

    page.goto(f"/labs/{lab.slug}/relay-map/")
    expect(page.locator("svg.relaymap")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("10.0.0.50 through Web app relay")
    relaying = page.locator("svg.relaymap rect.relay")
    expect(relaying).to_have_count(1)
    relaying.hover()
    expect(relaying.locator("title")).to_have_text("10.0.0.50 may relay anonymously through Web app relay")
    screenshot(page, "relay-map")
