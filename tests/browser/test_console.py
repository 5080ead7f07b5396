"""End to end: the Exchange Management Shell console in the browser."""

from pathlib import Path

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


SHOTS = Path("/work/notes/shots")


def test_a_script_reads_an_uploaded_csv_and_its_export_downloads(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Files lab")
    page.goto(f"/labs/{lab.slug}/console/")
    csv = b"IP,Note\n10.0.0.60,printer\n10.0.0.61,scanner\n"
    page.set_input_files("#id_console_files", files=[{"name": "relays.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".console-files li")).to_contain_text("relays.csv")

    page.get_by_label("Dry run").check()
    _run(
        page,
        "Import-Csv C:\\temp\\relays.csv | ForEach-Object { "
        "Set-ReceiveConnector 'EX01\\Default EX01' -RemoteIPRanges @{Add=$_.IP} }",
    )
    expect(page.locator("#console-output")).to_contain_text("Plan of the whole script (dry run: nothing was changed)")
    expect(page.locator("#console-swap table")).not_to_contain_text("10.0.0.60")

    page.get_by_label("Dry run").uncheck()
    page.get_by_label("Run as one change").check()
    box = page.locator("#id_command")
    box.press("ArrowUp")
    box.press("Enter")
    expect(page.locator("#console-output .prompt").last).to_contain_text("history entry #")
    expect(page.locator("#console-swap table")).to_contain_text("10.0.0.60")

    _run(page, "Get-ReceiveConnector | Select-Object Identity,RemoteIPRanges | Export-Csv C:\\out\\connectors.csv")
    link = page.locator("#console-output a", has_text="connectors.csv")
    expect(link).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "console-web-files.png"))
    screenshot(page, "console-files")
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert "EX01\\Default EX01" in text
    assert "10.0.0.60" in text
