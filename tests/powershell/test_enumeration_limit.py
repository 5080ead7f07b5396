"""List and table views cut a collection at $FormatEnumerationLimit, which EMS sets to 16, as PowerShell's formatter
does; scripts set it to -1 to see every value, and files are never cut."""

from connectors.exchange import ems

from .orgs import template

RANGES = ",".join(f"10.0.0.{i}" for i in range(1, 21))
SET = f"Set-ReceiveConnector 'EX01\\Default EX01' -RemoteIPRanges {RANGES}; "
SHOW = "Get-ReceiveConnector 'EX01\\Default EX01' | Format-List RemoteIPRanges"


def run(script):
    result = ems.run_script(template(), script)
    assert result.error is None, result.error
    return result


def test_ems_starts_at_sixteen_and_cuts_with_dots():
    result = run(SET + "$FormatEnumerationLimit; " + SHOW)
    assert result.output[0] == "16"
    (line,) = [line for line in result.output if line.startswith("RemoteIPRanges")]
    assert line.endswith("10.0.0.15, 10.0.0.16...}")
    assert "10.0.0.17" not in line


def test_minus_one_shows_every_value_and_a_small_limit_cuts_a_table_and_a_hashtable():
    every = run(SET + "$FormatEnumerationLimit = -1; " + SHOW).output
    assert any(line.endswith("10.0.0.19, 10.0.0.20}") for line in every)
    table = run(
        SET + "$FormatEnumerationLimit = 2; Get-ReceiveConnector 'EX01\\Default EX01' | ft Name, RemoteIPRanges"
    )
    assert table.output[3] == "Default EX01 {10.0.0.1, 10.0.0.2...}"
    assert run("$FormatEnumerationLimit = 0; @{a = 1..3}").output[3].endswith("{...}")


def test_files_and_member_access_keep_every_value():
    result = run(
        SET + "$c = Get-ReceiveConnector 'EX01\\Default EX01'; $c.RemoteIPRanges.Count; "
        "$c | Select Name, RemoteIPRanges | Export-Csv all.csv"
    )
    assert result.output[0] == "20"
    assert "10.0.0.20}" in result.files["all.csv"]


def test_a_limit_that_is_no_int32_gives_powershells_default_of_four():
    # InnerFormatShapeCommand.FormatEnumerationLimit: `enumLimitVal is int ? (int)enumLimitVal : 4`
    for value in ("'2'", "2.0", "$null", "'abc'"):
        table = run(f"$FormatEnumerationLimit = {value}; @{{a = 1..6}}").output
        assert table[3].endswith("{1, 2, 3, 4...}"), value
    assert run("$FormatEnumerationLimit = 2; @{a = 1..6}").output[3].endswith("{1, 2...}")
