"""The console is a sandbox (issue 14): what isn't modelled is refused by name before anything runs, the scripts
the web copies open with load nothing, and hostile scripts stop within the caps with nothing changed."""

import time

import pytest

from connectors.exchange import ems

from .orgs import template

CHANGE = "Set-ReceiveConnector 'EX01\\Default EX01' -Comment changed\n"
NOT_RUN = "is not run by the exchsim console"


def run(script, org=None, **options):
    return ems.run_script(org or template(), script, **options)


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("Invoke-Expression 'Get-Date'", "Invoke-Expression"),
        ("iex 'Get-Date'", "iex"),
        ("Start-Process notepad.exe", "Start-Process"),
        ("Remove-Item C:\\temp\\x.txt", "Remove-Item"),
        ("Invoke-WebRequest https://example.com/x.ps1", "Invoke-WebRequest"),
        ("New-Object System.Net.WebClient", "New-Object"),
        ("Get-ChildItem C:\\", "Get-ChildItem"),
        ("Add-PSSnapin SqlServerCmdletSnapin100", "Add-PSSnapin of anything but Microsoft.Exchange*"),
        ("[System.IO.File]::ReadAllText('C:\\boot.ini')", ".NET type access [System.IO.File]::ReadAllText"),
        ("[IO.File]::WriteAllText('C:\\x', 'y')", ".NET type access [IO.File]::WriteAllText"),
        ("[Environment]::Exit(1)", ".NET type access [Environment]::Exit"),
        ("& 'C:\\scripts\\evil.ps1'", "& of a path or program"),
        (". .\\profile.ps1", ". of a path or program"),
        ("& $env:ComSpec /c dir", "The variable $env:ComSpec"),
        ('"$(Invoke-Expression whoami)"', "Invoke-Expression"),
    ],
)
def test_what_isnt_modelled_is_refused_by_name_before_anything_runs(line, named):
    org = template()
    result = run(CHANGE + line, org)
    assert result.org is org
    assert result.commands_applied == 0
    assert result.output == []
    assert named in result.error
    assert "not run by the exchsim console" in result.error


def test_the_lines_scripts_open_with_are_accepted_as_no_ops_with_a_note():
    script = (
        "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\n"
        "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010\n"
        "Import-Module ActiveDirectory\n" + CHANGE
    )
    result = run(script)
    assert result.error is None
    assert [line.split(";")[0] for line in result.output] == [
        "NOTE: the exchsim console is the Exchange Management Shell already",
        "NOTE: the exchsim console is the Exchange Management Shell already",
        "NOTE: the exchsim console has Exchange's cmdlets already",
    ]
    assert result.org.connector("EX01", "Default EX01").comment == "changed"


def test_an_exchange_snap_in_line_with_error_action_or_name_is_a_no_op():
    # Scripts open with `Add-PSSnapin … -ErrorAction SilentlyContinue` (or -EA 0) so they also run inside EMS:
    # the action's value is no snap-in, and -Name names one.
    script = (
        "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010 -ErrorAction SilentlyContinue\n"
        "Add-PSSnapin -Name Microsoft.Exchange.Management.PowerShell.SnapIn -EA 0\n"
        "Import-Module ActiveDirectory -ErrorAction Stop\n" + CHANGE
    )
    result = run(script)
    assert result.error is None
    assert result.output == [
        "NOTE: the exchsim console is the Exchange Management Shell already; "
        "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.E2010 loads nothing.",
        "NOTE: the exchsim console is the Exchange Management Shell already; "
        "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn loads nothing.",
        "NOTE: the exchsim console has Exchange's cmdlets already; Import-Module ActiveDirectory loads nothing.",
    ]
    refused = run("Add-PSSnapin -ErrorAction SilentlyContinue Quest.ActiveRoles")
    assert "Add-PSSnapin of anything but Microsoft.Exchange*" in refused.error


def test_the_remote_exchange_opening_of_scheduled_scripts_is_a_no_op_with_a_note():
    script = (
        ". $env:ExchangeInstallPath\\bin\\RemoteExchange.ps1\n"
        "Connect-ExchangeServer -auto -ClientApplication:ManagementShell\n"
        "Set-StrictMode -Version Latest\n" + CHANGE
    )
    result = run(script)
    assert result.error is None
    assert [line.split(";")[0] for line in result.output] == [
        "NOTE: the exchsim console is the Exchange Management Shell already",
        "NOTE: the exchsim console runs on the lab already",
        "NOTE: the exchsim console doesn't apply Set-StrictMode",
    ]
    quoted = run(". 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\RemoteExchange.ps1'\n" + CHANGE)
    assert quoted.error is None
    assert "of a path or program" in run("& $env:ExchangeInstallPath\\bin\\RemoteExchange.ps1").error


def _stopped(script, org, **options):
    result = run(CHANGE + script, org, **options)
    assert result.org is org, "a cap applies nothing, atomic or not"
    assert result.commands_applied == 0
    assert result.error.endswith("nothing was applied.")
    assert result.output[-1] == result.error
    return result


def test_a_ten_thousand_iteration_loop_stops_at_the_step_limit():
    org = template()
    result = _stopped("foreach ($i in 1..10000) { $x = $i }", org, max_steps=10_000)
    assert result.error.startswith("The script stopped after 10,000 steps")
    assert run("foreach ($i in 1..100) { $x = $i }; $x", org).output == ["100"]


def test_an_endless_loop_stops_at_the_step_limit_or_the_time_limit():
    org = template()
    endless = _stopped("while ($true) { }", org, max_steps=10_000)
    assert endless.error.startswith("The script stopped after 10,000 steps")
    started = time.monotonic()
    timed = _stopped("while ($true) { $i++ }", org, max_steps=10**9, max_seconds=0.2)
    assert timed.error == "The script ran longer than 0.2 seconds, the limit for one script; nothing was applied."
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "script",
    [
        "$b = { & $b }; & $b",
        "$b = { $b.Invoke() }; $b.Invoke()",
        "$b = { 1 | % { & $b } }; & $b",
    ],
)
def test_recursion_through_script_blocks_stops_at_the_call_depth(script):
    result = _stopped(script, template())
    assert result.error.startswith("The script blocks call one another more than 50 deep")


def test_deep_nesting_is_refused_before_anything_runs():
    org = template()
    result = run(CHANGE + "$x = " + "(" * 150 + "1" + ")" * 150, org)
    assert result.org is org
    assert "nested too deeply" in result.error


def test_a_megabyte_of_output_stops_at_the_output_limit():
    result = _stopped('$s = "x" * 1000; foreach ($i in 1..2000) { $s }', template())
    assert result.error.startswith("The script printed more than 1,048,576 characters")
    assert sum(len(line) for line in result.output) <= (1 << 20) + 1000


def test_a_string_doubled_past_the_limit_stops_before_it_is_built():
    result = _stopped('$s = "a"; 1..30 | % { $s += $s }', template())
    assert result.error.startswith("The value would be 2,097,152 characters long")


@pytest.mark.parametrize("doubling", ["$a = $a + $a", "$a = @($a; $a)", "$a += $a"])
def test_an_array_doubled_in_a_loop_stops_before_it_fills_the_memory(doubling):
    result = _stopped(f"$a = @(1)\nforeach ($i in 1..60) {{ {doubling} }}", template())
    assert result.error.startswith(("The array would hold 2,097,152 items", "The script stopped after"))


def test_subexpressions_in_strings_are_bounded_like_any_other_code():
    org = template()
    result = _stopped('"$(foreach ($i in 1..20000) { $i })"', org, max_steps=10_000)
    assert result.error.startswith("The script stopped after 10,000 steps")
    nested = run('"$("$("$(1 + 1)")")"', org)
    assert nested.output == ["2"]


def test_the_console_keeps_serving_after_a_hostile_script():
    org = template()
    for script in ("while ($true) { }", "$b = { & $b }; & $b", '"x" * 2MB', "$x = " + "@(" * 150 + ")" * 150):
        assert run(script, org).error is not None
    assert run("(Get-ReceiveConnector).Count", org).output == ["5"]
