"""Pages fit the window: long PowerShell wraps inside its box instead of widening the page, a lab's menu is one line at
1280 px, and the Settings tab's fields stand in even columns."""

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


# Every item of the top bar: the brand, each menu link and the signed-in user's name and links.
TOPBAR_ITEMS = """[...document.querySelectorAll('.topbar .brand, .topbar nav a, .topbar .user > *')].map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent.trim(), top: r.top, bottom: r.bottom, right: r.right};
})"""


def _training_lab(owner, slug: str):
    """A lab started from a scenario (its menu has Goals too) with a long name."""
    lab = training.start(training.get_scenario("close-open-relay"), slug=slug, owner=owner)
    lab.name = "Open relay at Contoso: " + "ü" * 100
    lab.save(update_fields=["name"])
    return lab


def test_a_training_lab_s_menu_is_one_line_at_1280_pixels_even_with_a_long_lab_name(page, owner):
    lab = _training_lab(owner, "menu")
    page.goto(f"/labs/{lab.slug}/")
    page.locator("h1").wait_for()
    items = page.evaluate(TOPBAR_ITEMS)
    assert "Goals" in [item["text"] for item in items]
    assert "Sign out" in [item["text"] for item in items]
    # One line: some horizontal line crosses every item (an item wrapped below starts under another's bottom).
    line = min(item["bottom"] for item in items)
    assert [item["text"] for item in items if item["top"] >= line] == [], "wrapped onto a second line"
    # The lab's link is cut short, its full name kept in its title.
    name_link = page.get_by_role("navigation", name="Main").locator(f"a[title='{lab.name}']")
    assert name_link.evaluate("a => a.scrollWidth > a.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "menu-1280")


def test_on_a_narrow_window_the_menu_wraps_inside_the_window(page, owner):
    lab = _training_lab(owner, "narrow-menu")
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto(f"/labs/{lab.slug}/")
    page.locator("h1").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    assert [item["text"] for item in page.evaluate(TOPBAR_ITEMS) if item["right"] > 768] == []
    screenshot(page, "menu-768")


SETTINGS_FIELDS = """[...document.querySelectorAll('.settings-grid > div')].map(div => {
    const input = div.querySelector('input, select').getBoundingClientRect(), help = div.querySelector('.help');
    return {left: Math.round(div.getBoundingClientRect().left), input: input.bottom,
            help: help.getBoundingClientRect().top, name: div.querySelector('input, select').name};
})"""


def test_the_settings_tab_lines_its_fields_up_in_columns_with_each_help_under_its_input(page, owner):
    lab = labs.create_demo_lab("settings-grid", owner=owner)
    page.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Anonymous%20Relay/settings/")
    fields = page.evaluate(SETTINGS_FIELDS)
    assert len(fields) > 20
    # Even columns (at 1280 px, three), not each field wherever the one before it ended.
    assert len({field["left"] for field in fields}) == 3
    assert [field["name"] for field in fields if field["help"] < field["input"]] == []
    screenshot(page, "settings-grid")
    # On a narrow window the columns are narrower than the longest names: a label wraps inside its own column.
    page.set_viewport_size({"width": 768, "height": 900})
    wider = "labels => labels.filter(l => l.scrollWidth > l.clientWidth + 1).map(l => l.textContent.trim())"
    assert page.locator(".settings-grid label").evaluate_all(wider) == []


def test_a_wrapped_script_line_keeps_each_parameter_name_whole(page, owner):
    lab = labs.create_demo_lab("plan-wrap", owner=owner)
    page.goto(f"/labs/{lab.slug}/plan/")
    names = page.locator(".code-block .highlight .n")
    assert names.count() > 5
    # At some width a line ends on a parameter's "-" unless names are kept whole: try widths down to 900 px.
    # A name cut by a line break has two boxes, one on each line ("-" ... "Comment").
    split = "spans => spans.filter(s => s.getClientRects().length > 1).map(s => s.textContent)"
    for width in range(1280, 899, -20):
        page.set_viewport_size({"width": width, "height": 800})
        assert names.evaluate_all(split) == [], width


def test_a_binding_in_the_overview_stays_on_one_line(page, owner):
    """The "Listens on" column is wide enough for an address and a four-digit port: 10.0.0.10:2527 stays whole."""
    from connectors import console_run, history

    lab = labs.create_lab_from_template("exchange2019", owner=owner, name="Bindings")
    script = "New-ReceiveConnector 'App 2527' -Server EX01 -Custom -Bindings 10.0.0.10:2527 -RemoteIPRanges 10.9.0.0/16"
    assert console_run.run(lab, script, change=history.Change(user=owner)).saved is not None
    page.goto(f"/labs/{lab.slug}/")
    cell = page.locator("table.connectors tr", has_text="App 2527").locator("td.bindings")
    lines = cell.evaluate(
        "td => { const r = document.createRange(); r.selectNodeContents(td);"
        " return new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size; }"
    )
    assert lines == 1, cell.inner_text()
