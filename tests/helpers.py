"""Helpers test modules share (plain functions and constants; the fixtures are in the conftest.py files, which no test
module imports): dashboard requests and URLs, the seed relay recipe, and browser steps."""

from pathlib import Path
from urllib.parse import urlencode

from django.urls import reverse

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

HTMX = {"HTTP_HX_REQUEST": "true"}

RELAY = "Web app relay"


def connector_url(lab, name, view="connectors:connector-detail", server="EX01", **extra):
    return reverse(view, args=[lab.slug, server, name, *extra.values()])


def build_seed_relay(client, lab, *, anonymous_on_default=True):
    """The seed's recipe through the dashboard: a Custom connector for the web application at 10.0.0.50,
    AnonymousUsers, then Ms-Exch-SMTP-Accept-Any-Recipient for ANONYMOUS LOGON. With anonymous_on_default the
    Default connector also takes anonymous Internet mail (as a 2007 Hub receiving from the Internet does)."""
    create = reverse("connectors:connector-create", args=[lab.slug])
    data = {
        "server": "EX01",
        "name": RELAY,
        "usage": "Custom",
        "bindings": "0.0.0.0:25",
        "remote_ip_ranges": "10.0.0.50",
    }
    assert client.post(create, data).status_code == 302
    assert client.post(connector_url(lab, RELAY, "connectors:connector-groups"), {"groups": ["1"]}).status_code == 302
    grant = {
        "action": "add",
        "principal": "NT AUTHORITY\\ANONYMOUS LOGON",
        "rights": ["ms-Exch-SMTP-Accept-Any-Recipient"],
    }
    assert client.post(connector_url(lab, RELAY, "connectors:connector-permissions"), grant).status_code == 302
    if anonymous_on_default:
        groups = {"groups": ["1", "2", "4", "8"]}
        assert client.post(connector_url(lab, "Default EX01", "connectors:connector-groups"), groups).status_code == 302


def probe_url(lab, remote_ip, rcpt="someone@outside.example", **extra):
    query = {"server": "EX01", "remote_ip": remote_ip, "port": "25", "mail_from": "app@contoso.com", "rcpts": rcpt}
    query.update(extra)
    return reverse("connectors:simulator", args=[lab.slug]) + "?" + urlencode(query)


# --- Browser steps (tests/browser; Playwright is imported only when a browser test runs) ---------------------------


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot to test-artifacts/ (gitignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def open_tab(page, name: str) -> None:
    """A tab of the connector page, waiting until it is the current one."""
    from playwright.sync_api import expect

    # Click once the page's own requests (htmx, the findings fragment) are done: on a loaded CI machine a click made
    # while they are in flight could be answered after the 5 s default.
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.locator('.tabs a[aria-current="page"]')).to_have_text(name, timeout=15_000)


def new_custom_connector(page, name: str, remote_ip_ranges: str, bindings: str = "0.0.0.0:25") -> None:
    """New-ReceiveConnector -Custom on EX01 from the overview's form, landing on the new connector's page."""
    from playwright.sync_api import expect

    page.get_by_text("New receive connector").click()
    new = page.locator("#new-connector")
    new.get_by_label("Server").select_option("EX01")
    new.get_by_label("Name").fill(name)
    new.get_by_label("Usage").select_option("Custom")
    new.get_by_label("Bindings").fill(bindings)
    new.get_by_label("Remote IP ranges").fill(remote_ip_ranges)
    page.get_by_role("button", name="New-ReceiveConnector").click()
    expect(page.locator("h1")).to_contain_text(name)
