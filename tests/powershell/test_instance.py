"""Editing an object read from the lab and handing it back (docs/decisions.md, "Edited objects and -Instance"): an
assignment converts as the property's type does or fails in PowerShell's words, and a piped or -Instance object is
bound by its Identity with a note that its edits are not applied, as Exchange 2010 and later document."""

from connectors.exchange import ems

from .orgs import template

RELAY = "EX01\\Default EX01"
READ = f'$c = Get-ReceiveConnector "{RELAY}"\n'


def run(script, org=None, **options):
    return ems.run_script(org or template(), script, **options)


def size(org):
    return org.connector("EX01", "Default EX01").max_message_size


def test_an_assigned_size_converts_to_a_byte_quantified_size():
    result = run(READ + '$c.MaxMessageSize = "20MB"; $c.MaxMessageSize; $c.MaxMessageSize.ToMB()')
    assert result.output == ["20 MB (20,971,520 bytes)", "20"]


def test_assigned_ranges_and_bindings_keep_their_members():
    script = READ + '$c.RemoteIPRanges += "10.0.0.99"; $c.RemoteIPRanges[-1].LowerBound; $c.Bindings = "0.0.0.0:2525"'
    result = run(script + "; $c.Bindings[0].Port")
    assert result.output == ["10.0.0.99", "2525"]


def test_it_refuses_a_value_the_property_type_does_not_take():
    org = template()
    result = run("Set-ReceiveConnector 'EX01\\Default EX01' -Comment x\n" + READ + '$c.Enabled = "banana"', org)
    assert result.error == (
        'Exception setting "Enabled": "Cannot convert value "banana" to type "System.Boolean". Boolean parameters '
        'accept only Boolean values and numbers, such as $True, $False, 1 or 0."'
    )
    assert run(READ + '$c.MaxMessageSize = "huge"').error.startswith(
        'Exception setting "MaxMessageSize": "Cannot convert value "huge" to type '
        '"Microsoft.Exchange.Data.ByteQuantifiedSize".'
    )


def test_it_refuses_an_assignment_to_a_read_only_property():
    assert run(READ + '$c.Identity = "EX01\\Other"').error == "'Identity' is a ReadOnly property."
    assert run("$s = @(Get-ExchangeServer)[0]; $s.Name = 'EX99'").error == "'Name' is a ReadOnly property."


def test_it_refuses_an_assignment_to_a_property_the_object_does_not_have():
    assert run(READ + "$c.Nope = 1").error == (
        "The property 'Nope' cannot be found on this object. Verify that the property exists and can be set."
    )


def test_a_piped_edited_object_is_bound_by_identity_and_the_edit_is_not_applied():
    org = template()
    result = run(READ + '$c.MaxMessageSize = "20MB"; $c | Set-ReceiveConnector -Comment piped', org)
    assert result.error is None
    assert result.output == [
        "NOTE: Set-ReceiveConnector takes a piped object by its Identity, as EMS does; the change made to "
        "MaxMessageSize of 'EX01\\Default EX01' in the script is not applied. Pass it as a parameter: "
        "Set-ReceiveConnector -Identity 'EX01\\Default EX01' -MaxMessageSize $object.MaxMessageSize"
    ]
    assert size(result.org) == size(org)
    assert result.org.connector("EX01", "Default EX01").comment == "piped"


def test_instance_is_bound_by_identity_with_a_note_that_it_is_exchange_2007s():
    org = template()
    result = run(READ + '$c.MaxMessageSize = "20MB"; Set-ReceiveConnector -Instance $c -Comment instance', org)
    assert result.error is None
    assert result.output == [
        "NOTE: -Instance is Exchange 2007's parameter of Set-ReceiveConnector; Exchange 2010 and later don't document "
        "it and bind an object by its Identity, as the console does here.",
        "NOTE: Set-ReceiveConnector takes the -Instance object by its Identity, as EMS does; the change made to "
        "MaxMessageSize of 'EX01\\Default EX01' in the script is not applied. Pass it as a parameter: "
        "Set-ReceiveConnector -Identity 'EX01\\Default EX01' -MaxMessageSize $object.MaxMessageSize",
    ]
    assert size(result.org) == size(org)
    assert result.org.connector("EX01", "Default EX01").comment == "instance"


def test_the_edit_is_applied_when_passed_as_a_parameter():
    script = '$c.MaxMessageSize = "20MB"; Set-ReceiveConnector $c.Identity -MaxMessageSize $c.MaxMessageSize'
    result = run(READ + script)
    assert result.error is None
    assert size(result.org) == 20 * 1024 * 1024


def test_instance_and_identity_together_are_refused_as_powershell_refuses_two_parameter_sets():
    result = run(READ + f'Set-ReceiveConnector -Identity "{RELAY}" -Instance $c -Comment x')
    assert result.error == "Parameter set cannot be resolved using the specified named parameters."


def test_instance_without_a_value_is_a_missing_argument():
    result = run(READ + "Set-ReceiveConnector -Instance")
    assert result.error == "Missing an argument for parameter 'Instance'. Specify a parameter and try again."


def test_instance_with_what_if_changes_nothing():
    org = template()
    result = run(READ + "Set-ReceiveConnector -Instance $c -Comment x -WhatIf", org)
    assert result.output[-1] == 'What if: Configuring Receive connector "EX01\\Default EX01".'
    assert result.org.connector("EX01", "Default EX01").comment == org.connector("EX01", "Default EX01").comment


def test_assignments_to_the_organisations_and_a_mailbox_servers_settings_convert_too():
    script = '$t = Get-TransportConfig; $t.MaxReceiveSize = "20MB"; $t.MaxReceiveSize.ToMB()\n'
    script += "$m = @(Get-MailboxServer)[0]; $m.AutoDagServerConfigured = 1; $m.AutoDagServerConfigured"
    assert run(script).output == ["20", "True"]
    assert run("$m = @(Get-MailboxServer)[0]; $m.Name = 'EX99'").error == "'Name' is a ReadOnly property."
