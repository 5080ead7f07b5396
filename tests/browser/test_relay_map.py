"""End to end: the relay map draws the address space and names who may relay."""

import pytest
from playwright.sync_api import expect

from connectors import labs, store
from connectors.exchange.acl import add_ad_permission
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from connectors.exchange.receive import new_receive_connector
from connectors.store import lab_to_org
from connectors.templatetags import relaymap
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


def test_no_connector_name_runs_into_its_lane_s_colour_swatch(page, owner):
    lab = labs.create_demo_lab("map-labels", owner=owner)  # "Outbound Proxy Frontend EX01" once ran into it
    org = lab_to_org(lab)
    wide = new_receive_connector(
        org, "EX01", "W" * 64, usage="Custom", bindings=["10.0.0.10:2526"], remote_ip_ranges=["10.0.0.0/24"]
    )
    store.save_org(lab, org.with_changes(connectors=(*org.connectors, wide)))
    page.goto(f"/labs/{lab.slug}/relay-map/")
    texts = page.locator("svg.relaymap svg.label text")
    assert texts.count() > 10
    # In the map's own units, where each label's text ends (unclipped), by the name on hover.
    ends = "texts => texts.map(t => [t.querySelector('title').textContent, t.getBBox().x + t.getBBox().width])"
    ordinary = [(name, end) for name, end in texts.evaluate_all(ends) if name != wide.name]
    assert "Outbound Proxy Frontend EX01" in [name for name, _end in ordinary]
    assert [name for name, end in ordinary if end > relaymap.LABEL_WIDTH] == []
    # A name too wide even when cut is clipped by its label's box, which ends before the swatch.
    box = page.locator("svg.relaymap svg.label", has_text="WWW").first
    assert box.evaluate("b => b.width.baseVal.value") < relaymap.LEFT - 16
