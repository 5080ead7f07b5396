"""A function's or script block's [Parameter(Mandatory)] parameter the call doesn't give makes PowerShell prompt; the
console can't, so the call stops with PowerShell's non-interactive error, naming the parameter as declared."""

from connectors.exchange import ems

from .orgs import template

ADD_RELAY = (
    "function Add-Relay { param([Parameter(Mandatory=$true)][string]$Identity, [string]$IP) "
    "Set-ReceiveConnector $Identity -RemoteIPRanges @{Add=$IP} }; "
)


def run(script):
    return ems.run_script(template(), script)


def test_a_function_called_without_its_mandatory_parameter_stops_before_its_body_runs():
    org = template()
    result = ems.run_script(org, ADD_RELAY + "Add-Relay -IP 10.0.0.9; 'after'")
    assert result.error == (
        "Cannot process command because of one or more missing mandatory parameters: Identity. PowerShell would "
        "prompt for them; the console can't, so pass them when calling Add-Relay."
    )
    assert "after" not in result.output
    assert result.org == org


def test_given_by_name_or_position_it_runs():
    result = run(ADD_RELAY + "Add-Relay 'EX01\\Default EX01' 10.0.0.9")
    assert result.error is None
    ranges = [r.text for r in result.org.connector("EX01", "Default EX01").remote_ip_ranges]
    assert "10.0.0.9" in ranges


def test_a_piped_mandatory_parameter_is_bound_by_each_object_and_nothing_piped_asks_for_nothing():
    script = 'function F { param([Parameter(Mandatory, ValueFromPipeline)]$Item) process { "got $Item" } }; '
    assert run(script + "1, 2 | F; @() | F; 'ok'").output == ["got 1", "got 2", "ok"]
    assert "missing mandatory parameters: Item." in run(script + "F").error


def test_a_script_block_is_held_to_its_mandatory_parameters_too():
    result = run("$sb = { param([Parameter(Mandatory)]$Count) $Count * 2 }; & $sb 5; & $sb")
    assert result.output[0] == "10"
    assert result.error.startswith("Cannot process command because of one or more missing mandatory parameters: Count.")
    assert result.error.endswith("pass them when calling the script block.")
