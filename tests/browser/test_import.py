"""The Import page in a browser: choose exported files, import, read the report, open the lab."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from connectors.models import Lab

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent.parent / "importer" / "data"
SHOTS = Path("/work/notes/shots")


def test_import_from_the_labs_list_to_the_lab(page, owner):
    page.goto("/labs/")
    page.get_by_role("link", name="Import Exchange's exports").click()
    expect(page.locator("h1")).to_have_text("Import from Exchange")
    page.get_by_label("Exported files").set_input_files(
        [str(DATA / "ReceiveConnector-2019.xml"), str(DATA / "AcceptedDomain.xml")]
    )
    page.get_by_label("Lab name").fill("Production EX01")
    page.get_by_label("Exchange version").select_option("2019")
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#report")).to_have_text("Import report")
    expect(page.locator(".verdict.ok")).to_contain_text("Imported 1 server, 1 receive connector")
    expect(page.get_by_text("Audit of the imported lab")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "importer-map-import-report.png"), full_page=False)
    page.get_by_role("link", name="Open the lab").click()
    expect(page.locator("h1")).to_contain_text("Production EX01")
    assert Lab.objects.get(name="Production EX01").owner == owner


def test_import_refused_says_why_and_keeps_the_form(page):
    page.goto("/labs/import/")
    page.get_by_label("Exported files").set_input_files([str(DATA / "ReceiveConnector-2019.xml")])
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("or give the version: Exchange version on the Import page")
    expect(page.get_by_label("Exported files")).to_be_visible()
    assert not Lab.objects.exists()
