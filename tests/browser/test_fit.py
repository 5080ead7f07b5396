"""Issue 9, "at 1280 px and on a projector": the overview, every connector tab and the simulator fit a 1280x800
window without a horizontal scroll bar, for the demo lab and for a lab whose names are as long as Exchange allows."""

from urllib.parse import quote

import pytest

from connectors import labs, store
from connectors.connector_views import TABS
from connectors.exchange.limits import NAME as MAX_NAME_LENGTH
from connectors.exchange.receive import new_receive_connector
from tests.helpers import screenshot

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
SCROLLING_BOXES = """[...document.querySelectorAll('.table-scroll')]
    .filter(box => box.scrollWidth > box.clientWidth + 1).map(box => box.querySelector('table').className)"""


def _long_names_lab(owner):
    """The demo lab plus a connector with a 64-character name and a long principal in its ACL."""
    lab = labs.create_lab_from_template("exchangese", owner=owner, name="Long names " + "x" * 80)
    org = store.lab_to_org(lab)
    long_principal = "CONTOSO\\svc-" + "scanner-relay-account-" * 3
    from connectors.exchange.acl import add_ad_permission
    from connectors.exchange.model import Principal

    org = org.with_changes(principals=(*org.principals, Principal(long_principal)))
    connector = new_receive_connector(
        org,
        "EX01",
        "R" * MAX_NAME_LENGTH,
        usage="Custom",
        bindings=["10.0.0.10:2526"],
        remote_ip_ranges=["10.0.0.0/24", "192.168.100.1-192.168.100.254", "2001:db8::/32"],
        transport_role="FrontendTransport",
        permission_groups="AnonymousUsers, ExchangeUsers",
        comment="A connector whose name is as long as Exchange allows.",
    )
    connector = connector.with_changes(acl=add_ad_permission(connector.acl, long_principal, ["ms-Exch-SMTP-Submit"]))
    store.save_org(lab, org.with_changes(connectors=(*org.connectors, connector)))
    return lab, connector


def _assert_fits(page, url: str, name: str) -> None:
    page.goto(url)
    page.locator("h1").wait_for()
    screenshot(page, name)
    assert page.evaluate(FITS), f"{url} scrolls sideways: {page.evaluate('document.documentElement.scrollWidth')} px"
    # Nor does any table scroll inside its own box at 1280 px (the box is for narrow windows).
    assert page.evaluate(SCROLLING_BOXES) == [], url


@pytest.mark.parametrize("which", ["demo", "long"])
def test_the_overview_connector_tabs_and_simulator_fit_1280_pixels(page, owner, which):
    if which == "demo":
        lab = labs.create_demo_lab("fit-demo", owner=owner)
        connector_path = "servers/EX01/connectors/Anonymous%20Relay"
    else:
        lab, connector = _long_names_lab(owner)
        connector_path = f"servers/EX01/connectors/{quote(connector.name)}"
    _assert_fits(page, f"/labs/{lab.slug}/", f"fit-{which}-overview")
    # The widest grid: Setup's Default Frontend, where every permission group's principals hold rights.
    _assert_fits(
        page, f"/labs/{lab.slug}/servers/EX01/connectors/Default%20Frontend%20EX01/effective/", f"fit-{which}-grid"
    )
    for tab, _label in TABS:
        _assert_fits(page, f"/labs/{lab.slug}/{connector_path}/{tab}/", f"fit-{which}-{tab}")
    probe = "?server=EX01&remote_ip=10.0.0.50&mail_from=app%40contoso.com&rcpts=someone%40fabrikam.com"
    _assert_fits(page, f"/labs/{lab.slug}/simulate/{probe}", f"fit-{which}-simulator")


def test_every_risk_badge_on_the_overview_is_whole(page, owner):
    lab, _connector = _long_names_lab(owner)
    page.goto(f"/labs/{lab.slug}/")
    page.locator("h1").wait_for()
    badges = page.locator("table .badge")
    assert badges.count() > 0
    for index in range(badges.count()):
        badge = badges.nth(index)
        # A badge broken over two lines is twice its one-line height; one cut by its cell overflows it.
        box = badge.bounding_box()
        line = badge.evaluate("b => parseFloat(getComputedStyle(b).lineHeight) || 20")
        assert box["height"] < 2 * line + 8, badge.inner_text()
        assert badge.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), badge.inner_text()
