"""Get-Member (gm): the TypeName line and the Name / MemberType / Definition table PowerShell prints, for the lab's
objects (their catalogued properties and .NET types) and for plain values, with -MemberType and -Name."""

import pytest

from connectors.exchange import ems

from .orgs import template

CONNECTOR = "EX01\\Default Frontend EX01"
RC_TYPE = "Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector"


def run(script):
    return ems.run_script(template(), script)


def out(script) -> list[str]:
    result = run(script)
    assert result.error is None, result.error
    return result.output


def rows(lines: list[str]) -> dict[str, tuple[str, str]]:
    """Name -> (MemberType, Definition) of a printed Get-Member table."""
    found = {}
    for line in lines:
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[1] in ("Method", "Property", "NoteProperty", "AliasProperty"):
            found[parts[0]] = (parts[1], parts[2])
    return found


def test_it_prints_the_type_name_line_and_the_member_table_of_a_receive_connector():
    lines = out(f'Get-ReceiveConnector "{CONNECTOR}" | Get-Member')
    assert lines[:3] == ["", f"   TypeName: {RC_TYPE}", ""]
    assert lines[3].split() == ["Name", "MemberType", "Definition"]
    assert lines[4].split() == ["----", "----------", "----------"]
    members = rows(lines)
    assert members["GetType"] == ("Method", "type GetType()")
    assert members["Enabled"] == ("Property", "bool Enabled {get;set;}")
    assert members["MaxMessageSize"] == (
        "Property",
        "Microsoft.Exchange.Data.ByteQuantifiedSize MaxMessageSize {get;set;}",
    )
    assert members["RemoteIPRanges"] == (
        "Property",
        "Microsoft.Exchange.Data.MultiValuedProperty[IPRange] RemoteIPRanges {get;set;}",
    )
    assert members["Identity"] == ("Property", "Microsoft.Exchange.Data.ObjectId Identity {get;}")


def test_it_lists_methods_then_properties_each_by_name():
    lines = out(f'Get-ReceiveConnector "{CONNECTOR}" | gm')
    names = [line.split()[0] for line in lines[5:] if line]
    kinds = [line.split()[1] for line in lines[5:] if line]
    assert kinds == sorted(kinds)
    methods = [n for n, k in zip(names, kinds, strict=True) if k == "Method"]
    assert methods == ["Equals", "GetHashCode", "GetType", "ToString"]
    properties = [n for n, k in zip(names, kinds, strict=True) if k == "Property"]
    assert properties == sorted(properties, key=str.casefold)
    assert {"Bindings", "PermissionGroups", "AuthMechanism", "Guid"} <= set(properties)


def test_member_type_property_and_name_filter_the_members():
    script = '$c = Get-ReceiveConnector "EX01\\Default Frontend EX01"; $c | gm -MemberType Property -Name *Size, Bind*'
    assert [line.split()[0] for line in out(script)[5:] if line] == ["Bindings", "MaxHeaderSize", "MaxMessageSize"]


def test_its_output_is_member_definitions_a_script_can_read():
    script = (
        f'Get-ReceiveConnector "{CONNECTOR}" | gm -MemberType Property | ? {{ $_.Definition -like "bool *" }} | % Name'
    )
    names = out(script)
    assert "Enabled" in names and "RequireTLS" in names and "Bindings" not in names
    assert out(f'(Get-ReceiveConnector "{CONNECTOR}" | gm Enabled).TypeName') == [RC_TYPE]


def test_every_type_in_the_pipeline_is_described_once():
    lines = out('"a", "b", 1 | gm -Name Length, ToString')
    assert [line for line in lines if "TypeName" in line] == ["   TypeName: System.String", "   TypeName: System.Int32"]
    assert out('"a", 1 | gm -MemberType Property') == [
        "",
        "   TypeName: System.String",
        "",
        "Name   MemberType Definition",
        "----   ---------- ----------",
        "Length Property   int Length {get;}",
        "",
    ]


def test_a_custom_object_shows_its_note_properties_with_their_values():
    assert out('[pscustomobject]@{Name="Relay"; Count=2; Note=$null} | gm -MemberType NoteProperty') == [
        "",
        "   TypeName: System.Management.Automation.PSCustomObject",
        "",
        "Name  MemberType   Definition",
        "----  ----------   ----------",
        "Count NoteProperty int Count=2",
        "Name  NoteProperty string Name=Relay",
        "Note  NoteProperty object Note=null",
        "",
    ]


def test_select_object_rows_keep_the_type_they_came_from():
    lines = out(f'Get-ReceiveConnector "{CONNECTOR}" | select Name, Enabled | gm -MemberType NoteProperty')
    assert lines[1] == f"   TypeName: Selected.{RC_TYPE}"
    assert rows(lines)["Enabled"] == ("NoteProperty", "bool Enabled=True")


def test_input_object_describes_the_array_itself():
    lines = out("Get-Member -InputObject @(1, 2) -Name Count, Length")
    assert lines[1] == "   TypeName: System.Object[]"
    assert rows(lines) == {"Count": ("AliasProperty", "Count = Length"), "Length": ("Property", "int Length {get;}")}


@pytest.mark.parametrize(
    ("expression", "type_name", "member"),
    [
        ("$c.MaxMessageSize", "Microsoft.Exchange.Data.ByteQuantifiedSize", "ToMB"),
        ("$c.RemoteIPRanges[0]", "Microsoft.Exchange.Data.IPRange", "LowerBound"),
        ("$c.Bindings[0]", "Microsoft.Exchange.Data.IPBinding", "Port"),
        ("(Get-Date)", "System.DateTime", "AddDays"),
        ("@{a=1}", "System.Collections.Hashtable", "ContainsKey"),
        ("{ 1 }", "System.Management.Automation.ScriptBlock", "Invoke"),
    ],
)
def test_the_values_of_lab_objects_show_the_members_the_console_runs(expression, type_name, member):
    lines = out(f'$c = Get-ReceiveConnector "{CONNECTOR}"; {expression} | gm')
    assert lines[1] == f"   TypeName: {type_name}"
    assert member in rows(lines)


def test_every_method_listed_for_a_string_runs():
    methods = out('"Relay" | gm -MemberType Method | % Name')
    assert "ToUpper" in methods and "Split" in methods
    for method in methods:
        arguments = {"Contains": "'R'", "EndsWith": "'y'", "IndexOf": "'l'", "Insert": "0, 'x'", "LastIndexOf": "'l'"}
        arguments |= {"PadLeft": "8", "PadRight": "8", "Remove": "1", "Replace": "'R', 'r'", "Split": "'l'"}
        arguments |= {"StartsWith": "'R'", "Substring": "1", "Equals": "'Relay'"}
        assert run(f'"Relay".{method}({arguments.get(method, "")})').error is None, method


def test_the_lab_objects_of_other_cmdlets_have_their_exchange_type_names():
    assert out("Get-AcceptedDomain | gm -MemberType Property -Name DomainType") == [
        "",
        "   TypeName: Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomain",
        "",
        "Name       MemberType Definition",
        "----       ---------- ----------",
        "DomainType Property   Microsoft.Exchange.Data.Directory.SystemConfiguration.AcceptedDomainType DomainType "
        "{get;set;}",
        "",
    ]
    assert out("(Get-ExchangeServer)[0].GetType().FullName") == [
        "Microsoft.Exchange.Data.Directory.Management.ExchangeServer"
    ]


def test_nothing_to_describe_is_powershells_error():
    assert run("$null | Get-Member").error == "You must specify an object for the Get-Member cmdlet."


def test_an_unknown_member_type_is_refused_with_the_enumerators():
    error = run('"a" | gm -MemberType Field').error
    assert error.startswith(
        "Cannot bind parameter 'MemberType'. Cannot convert value \"Field\" to type "
        '"System.Management.Automation.PSMemberTypes".'
    )
    assert "AliasProperty, CodeProperty, Property, NoteProperty" in error


def test_a_mailbox_server_row_types_its_settings_from_the_catalogue():
    lines = out("@(Get-MailboxServer)[0] | gm -MemberType Property -Name AutoDagServerConfigured, Name")
    assert lines[1] == "   TypeName: Microsoft.Exchange.Data.Directory.Management.MailboxServer"
    assert rows(lines) == {
        "AutoDagServerConfigured": ("Property", "bool AutoDagServerConfigured {get;set;}"),
        "Name": ("Property", "string Name {get;}"),
    }


def test_gethashcode_is_the_same_in_every_process_and_follows_equals():
    import ast
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'exchsim.settings'; django.setup();"
        "from connectors.exchange import ems; from tests.powershell.orgs import template;"
        "print(ems.run_script(template(), \"'Relay'.GetHashCode(); 'relay'.GetHashCode()\").output)"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1
    first, second = ast.literal_eval(runs.pop())
    assert first != second  # a text's Equals is case-sensitive, so its hash code is too


def test_gethashcode_of_a_number_or_boolean_is_dotnets():
    # Int32.GetHashCode is the number; Int64's XORs its halves; Double's XORs its bits' halves; Boolean's is 1 or 0
    script = "(25).GetHashCode(); (-1).GetHashCode(); (5000000000).GetHashCode(); (1.5).GetHashCode(); " + (
        "(0.0).GetHashCode(); $true.GetHashCode(); $false.GetHashCode()"
    )
    assert ems.run_script(template(), script).output == ["25", "-1", "705032705", "1073217536", "0", "1", "0"]
