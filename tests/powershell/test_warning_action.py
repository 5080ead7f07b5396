"""Warnings follow -WarningAction and $WarningPreference, and -ErrorVariable +name appends, as in PowerShell."""

from connectors.exchange import ems

from .orgs import template

STAR = "New-AcceptedDomain -Name Star -DomainName * -DomainType InternalRelay"


def run(script):
    return ems.run_script(template(), script)


def test_write_warning_prints_by_default_and_not_when_silenced():
    assert run("Write-Warning 'careful'").output == ["WARNING: careful"]
    assert run("Write-Warning 'careful' -WarningAction SilentlyContinue; 'after'").output == ["after"]
    assert run("Write-Warning 'careful' -wa 0; 'after'").output == ["after"]


def test_warning_preference_silences_every_warning_until_a_command_says_otherwise():
    script = "$WarningPreference = 'SilentlyContinue'; Write-Warning 'a'; Write-Warning 'b' -WarningAction Continue"
    assert run(script).output == ["WARNING: b"]


def test_warning_action_stop_prints_the_warning_then_stops_the_script():
    result = run("Write-Warning 'careful' -WarningAction Stop; 'after'")
    assert result.output[0] == "WARNING: careful"
    assert "after" not in result.output
    assert result.error.endswith('"WarningPreference" or common parameter is set to Stop: careful')


def test_an_exchange_cmdlets_own_warning_follows_warning_action():
    warned = run(STAR).output
    assert any(line.startswith("WARNING: Configuring '*' as an accepted domain") for line in warned)
    result = run(STAR + " -WarningAction SilentlyContinue")
    assert result.error is None
    assert not any(line.startswith("WARNING:") for line in result.output)
    assert [d.name for d in result.org.accepted_domains if d.name == "Star"] == ["Star"]


def test_warning_stop_on_an_exchange_cmdlet_makes_the_script_fail_after_the_change_as_powershell_does():
    result = run(STAR + " -WarningAction Stop")
    assert "set to Stop: Configuring '*'" in result.error


def test_error_variable_with_a_plus_appends_to_what_it_held():
    script = (
        "Get-ReceiveConnector nope1 -ErrorAction SilentlyContinue -ErrorVariable e; "
        "Get-ReceiveConnector nope2 -ErrorAction SilentlyContinue -ErrorVariable +e; $e.Count; "
        "Get-ReceiveConnector nope3 -ErrorAction SilentlyContinue -ErrorVariable e; $e.Count"
    )
    assert run(script).output == ["2", "1"]


def test_error_action_preference_holds_for_a_streaming_cmdlet_too():
    script = "$ErrorActionPreference = 'SilentlyContinue'; 1, 0, 2 | ForEach-Object { 10 / $_ }; 'after'"
    result = run(script)
    assert result.error is None
    assert result.output[-1] == "after"


def test_an_action_preference_actionpreference_lacks_is_refused_as_the_binder_refuses_it():
    # a typo in -WarningAction printed the warning as Continue would; PowerShell refuses to bind the value
    for script in ("Write-Warning 'careful' -WarningAction SilentlyContinu; 'after'", STAR + " -ea Bogus; 'after'"):
        result = run(script)
        assert "after" not in result.output
        assert "Cannot convert value" in result.error and 'to type "System.Management.Automation.ActionPreference"' in (
            result.error
        )
        assert result.error.endswith('try again:\nSilentlyContinue, Stop, Continue, Inquire, Ignore, Suspend"')
    assert [d.name for d in run(STAR + " -ea Bogus").org.accepted_domains if d.name == "Star"] == []
    assert run("Write-Warning 'careful' -WarningAction:silentlycontinue -ea 1; 'after'").output == ["after"]


def test_error_variable_with_a_plus_keeps_a_value_that_is_no_list_as_its_first_item():
    # MshCommandRuntime.SetupVariable: a value that isn't an IList starts the new list (a text whole, not by letter)
    script = (
        "$e = 5; Get-ReceiveConnector nope -ea 0 -ev +e; $e.Count; "
        "$t = 'xy'; Get-ReceiveConnector nope -ea 0 -ev +t; $t.Count; $t[0]"
    )
    assert run(script).output == ["2", "2", "xy"]


def test_warning_variable_keeps_silenced_warnings_and_plus_appends():
    script = "Write-Warning a -WarningAction SilentlyContinue -WarningVariable w; Write-Warning b -wv +w -wa 0; $w"
    assert run(script).output == ["a", "b"]
    assert run("Write-Warning a -WarningAction Ignore -WarningVariable w; $w.Count").output == ["0"]
    kept = run(STAR + " -WarningVariable w -WarningAction SilentlyContinue | Out-Null; $w").output
    assert kept == ["Configuring '*' as an accepted domain creates an open relay that isn't recommended."]


def test_write_warning_without_a_message_is_a_missing_mandatory_parameter():
    assert run("Write-Warning").error == (
        "Cannot process command because of one or more missing mandatory parameters: Message."
    )
