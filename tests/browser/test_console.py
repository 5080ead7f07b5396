"""End to end: the Exchange Management Shell console in the browser."""

import pytest
from playwright.sync_api import expect

from connectors import labs
from tests.helpers import screenshot

pytestmark = pytest.mark.browser


def _run(page, command: str) -> None:
    box = page.locator("#id_command")
    box.fill(command)
    box.press("Enter")
    expect(page.locator("#console-output")).to_contain_text(command)


def test_console_runs_commands_keeps_history_and_updates_the_page(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Console lab")
    page.goto(f"/labs/{lab.slug}/console/")

    _run(page, "Get-ReceiveConnector")
    expect(page.locator("#console-output")).to_contain_text("Default EX01")

    _run(page, "New-ReceiveConnector -Name Relay -Server EX01 -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 10.0.0.50")
    expect(page.locator("#console-swap table")).to_contain_text("EX01\\Relay")

    _run(page, "Set-ReceiveConnector -Identity 'EX01\\Nope' -Enabled $false")
    expect(page.locator("#console-output .err").last).to_be_visible()

    box = page.locator("#id_command")
    box.press("ArrowUp")
    expect(box).to_have_value("Set-ReceiveConnector -Identity 'EX01\\Nope' -Enabled $false")
    box.press("ArrowUp")
    box.press("ArrowUp")
    expect(box).to_have_value("Get-ReceiveConnector")
    screenshot(page, "console")


def test_a_script_over_the_size_limit_and_a_hostile_one_answer_in_words(page, owner, settings):
    settings.EXCHSIM_CONSOLE_MAX_BYTES = 100
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Limits lab")
    page.goto(f"/labs/{lab.slug}/console/")
    box = page.locator("#id_command")
    box.fill("Get-ReceiveConnector # " + "x" * 120)
    box.press("Enter")
    expect(page.locator("#id_command_error")).to_contain_text(
        "The script is 143 bytes; the console runs scripts of up to 100 bytes (EXCHSIM_CONSOLE_MAX_BYTES)."
    )
    screenshot(page, "console-size-limit")
    _run(page, "Get-ReceiveConnector @(@(@('x')))) -MaxMessageSize '1.2.3MB'")
    expect(page.locator("#console-output .err").last).to_be_visible()
    _run(page, "Set-ReceiveConnector 'EX01\\Client EX01' -MaxMessageSize '1.2.3MB'")
    expect(page.locator("#console-output .err").last).to_contain_text(
        'Cannot convert value "1.2.3MB" to type "Microsoft.Exchange.Data.ByteQuantifiedSize"'
    )
    screenshot(page, "console-limits")
