"""Back and Forward show a pushed probe with its own form values, not a snapshot's stale ones."""

import pytest
from playwright.sync_api import expect

from connectors import console_run, history, labs

pytestmark = pytest.mark.browser


def test_back_after_two_probes_shows_the_first_probe_in_the_form_and_the_result(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="History")
    page.goto(f"/labs/{lab.slug}/simulate/")
    for ip in ("10.0.0.50", "203.0.113.5"):
        page.fill("#id_remote_ip", ip)
        page.get_by_role("button", name="Simulate").click()
        expect(page.locator("#result")).to_contain_text(f"Hello [{ip}]")
    page.go_back()
    expect(page.locator("#result")).to_contain_text("Hello [10.0.0.50]")
    expect(page.locator("#id_remote_ip")).to_have_value("10.0.0.50")


def test_a_console_script_in_the_history_keeps_its_lines(page, owner):
    """A multi-line script is shown line by line, as typed: run together on one line it reads as another script."""
    lab = labs.create_lab_from_template("exchange2016", owner=owner, name="Script history")
    script = (
        '$c = Get-ReceiveConnector "EX01\\Default EX01"\n'
        '$c.RemoteIPRanges += "10.0.0.60"\n'
        "Set-ReceiveConnector $c.Identity -RemoteIPRanges $c.RemoteIPRanges"
    )
    change = history.Change(user=owner, source=history.CONSOLE, action="command", note=script)
    assert console_run.run(lab, script, change=change).saved is not None
    page.goto(f"/labs/{lab.slug}/history/")
    shown = page.locator(".history-entry").first.locator("code")
    expect(shown).to_contain_text('$c.RemoteIPRanges += "10.0.0.60"')
    assert shown.inner_text().splitlines() == script.splitlines()
