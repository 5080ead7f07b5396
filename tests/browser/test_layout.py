"""Pages fit the window: long PowerShell wraps inside its box instead of widening the page."""

import pytest

from connectors import labs, training
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def test_findings_with_a_long_fix_do_not_scroll_the_page_sideways(page, owner):
    lab = training.start(training.get_scenario("close-open-relay"), slug="wide", owner=owner)
    page.goto(f"/labs/{lab.slug}/findings/")
    page.locator("li[data-code='open-relay']").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "findings")


def test_a_hundred_character_lab_name_does_not_scroll_the_page_sideways(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="ü" * 100)
    for url in ("/labs/", f"/labs/{lab.slug}/"):
        page.goto(url)
        page.locator("h1").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, url
    screenshot(page, "long-lab-name")


def test_field_labels_on_the_connector_tabs_sit_above_their_inputs(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Labels")
    page.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Client%20EX01/general/")
    label, field = page.locator("label[for=id_name]").bounding_box(), page.locator("#id_name").bounding_box()
    assert label["y"] + label["height"] <= field["y"]


def test_on_a_narrow_window_wide_tables_scroll_inside_the_page(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Narrow")
    page.set_viewport_size({"width": 768, "height": 900})
    for url in ("/labs/", f"/labs/{lab.slug}/", f"/labs/{lab.slug}/console/"):
        page.goto(url)
        page.locator("table").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, url
