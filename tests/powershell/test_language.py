"""The PowerShell the console runs (issue 14, "What the console runs"): one test per construct admins write."""

import pytest

from connectors.exchange import ems

from .orgs import template

FRONTEND = "EX01\\Default Frontend EX01"
CSV = "IP,Note\n10.9.9.1,printer\n10.9.9.2,scanner\n"


def run(script, org=None, **options):
    options.setdefault("files", {"relays.csv": CSV})
    return ems.run_script(org or template(), script, **options)


def out(script, org=None, **options) -> list[str]:
    result = run(script, org, **options)
    assert result.error is None, result.error
    return result.output


def ranges(org, identity=FRONTEND):
    server, _, name = identity.partition("\\")
    return [r.text for r in org.connector(server, name).remote_ip_ranges]


# --- Variables, assignment, values ---------------------------------------------------------------------------------


def test_it_assigns_variables_and_reads_them_back_without_case():
    assert out('$Name = "Relay"; $name; $NAME.Length') == ["Relay", "5"]


def test_it_appends_to_an_array_with_plus_equals():
    assert out("$a = @(1, 2); $a += 3; $a += @(4, 5); $a.Count; $a -join ','") == ["5", "1,2,3,4,5"]


def test_it_appends_to_a_multi_valued_property_then_sets_it():
    script = (
        f'$x = Get-ReceiveConnector "{FRONTEND}"\n'
        '$x.RemoteIPRanges += "10.0.0.60"\n'
        "Set-ReceiveConnector $x.Identity -RemoteIPRanges $x.RemoteIPRanges\n"
        "$x.RemoteIPRanges.Count\n"
    )
    result = run(script)
    assert result.error is None
    assert result.output == ["3"]
    assert ranges(result.org)[-1] == "10.0.0.60"


def test_it_knows_the_current_object_as_underscore_and_psitem():
    assert out("1, 2 | % { $_ * 10 }; 3 | ForEach-Object { $PSItem + 1 }") == ["10", "20", "4"]


def test_it_has_true_false_and_null():
    assert out("$true; $false; $null -eq $nothing; [string]::IsNullOrEmpty($null)") == ["True", "False", "True", "True"]


def test_it_builds_arrays_with_at_parentheses_even_from_one_item():
    assert out('@(Get-ReceiveConnector "Client Frontend*").Count; @().Count; @(1..3).Count') == ["1", "0", "3"]


def test_it_builds_hashtables_and_reads_their_keys_without_case():
    assert out("$h = @{Name='Relay'; Port=25}; $h.name; $h['PORT']; $h.Count") == ["Relay", "25", "2"]


def test_it_edits_a_multi_valued_property_with_add_and_remove_hashtables():
    script = (
        f'Set-ReceiveConnector "{FRONTEND}" -RemoteIPRanges @{{Add="10.0.0.5","10.0.0.6"}}\n'
        f'Set-ReceiveConnector "{FRONTEND}" -RemoteIPRanges @{{Remove="10.0.0.5"; Add="10.0.0.7"}}\n'
    )
    result = run(script)
    assert result.error is None
    assert ranges(result.org)[2:] == ["10.0.0.6", "10.0.0.7"]


def test_it_splats_a_hashtable_into_named_parameters_and_an_array_into_positional_ones():
    script = (
        f'$p = @{{Identity = "{FRONTEND}"; Comment = "splatted"; MaxMessageSize = "20MB"}}\n'
        "Set-ReceiveConnector @p\n"
        f'$a = @("{FRONTEND}")\n'
        "(Get-ReceiveConnector @a).Comment\n"
    )
    result = run(script)
    assert result.error is None
    assert result.output == ["splatted"]
    assert result.org.connector("EX01", "Default Frontend EX01").max_message_size == 20 << 20


def test_it_expands_variables_members_and_subexpressions_in_strings():
    script = '$name = "Relay"; $c = @{Port = 25}; "Connector $name on $($c.Port), $(1 + 2) $($name.ToUpper())"'
    assert out(script) == ["Connector Relay on 25, 3 RELAY"]
    assert out("$name = 'x'; 'no $name here'; \"escaped `$name\"") == ["no $name here", "escaped $name"]


def test_it_reads_here_strings_expanding_only_the_double_quoted_ones():
    script = '$who = "Relay"\n$a = @"\nHello $who\n  line two\n"@\n$b = @\'\nHello $who\n\'@\n$a\n$b\n'
    assert out(script) == ["Hello Relay\n  line two", "Hello $who"]


def test_it_skips_comments_and_joins_lines_ending_with_a_backtick():
    script = (
        "# a comment line\n"
        "<# a block\n   comment #>\n"
        f'Set-ReceiveConnector "{FRONTEND}" `\n'
        '    -Comment "continued" `\n'
        "    -MaxRecipientsPerMessage 100  # trailing comment\n"
    )
    result = run(script)
    assert result.error is None
    connector = result.org.connector("EX01", "Default Frontend EX01")
    assert (connector.comment, connector.max_recipients_per_message) == ("continued", 100)


# --- Objects as EMS's ----------------------------------------------------------------------------------------------


def test_it_reads_properties_of_a_lab_object_without_case():
    script = f'$c = Get-ReceiveConnector "{FRONTEND}"; $c.name; $c.TRANSPORTROLE; $c.maxMessageSize'
    assert out(script) == ["Default Frontend EX01", "FrontendTransport", "36 MB (37,748,736 bytes)"]


def test_it_reads_a_member_of_a_parenthesised_command():
    assert out(f'(Get-ReceiveConnector "{FRONTEND}").Bindings') == ["0.0.0.0:25", "[::]:25"]


def test_it_treats_multi_valued_properties_as_collections():
    script = (
        f'$c = Get-ReceiveConnector "{FRONTEND}"\n'
        "$c.RemoteIPRanges.Count\n"
        "$c.RemoteIPRanges.Add('10.0.0.61')\n"
        "$c.RemoteIPRanges.Remove('0.0.0.0-255.255.255.255')\n"
        "$c.RemoteIPRanges -contains '10.0.0.61'\n"
        "$c.RemoteIPRanges -notcontains '0.0.0.0-255.255.255.255'\n"
        "Set-ReceiveConnector $c -RemoteIPRanges $c.RemoteIPRanges\n"
    )
    result = run(script)
    assert result.error is None
    assert result.output == ["2", "True", "True", "True"]
    assert ranges(result.org) == ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "10.0.0.61"]


def test_it_refuses_a_value_already_in_a_collection_as_exchange_does():
    result = run(f'$c = Get-ReceiveConnector "{FRONTEND}"; $c.Bindings.Add("0.0.0.0:25")')
    assert result.error == 'The value "0.0.0.0:25" is already present in the collection.'


def test_it_compares_ranges_bindings_and_sizes_as_ems_does():
    script = (
        "New-ReceiveConnector Relay -Custom -Bindings 10.0.0.1:2526 "
        "-RemoteIPRanges 10.0.0.5/32,192.168.1.0/24 | Out-Null\n"
        '$c = Get-ReceiveConnector "EX01\\Relay"\n'
        "$c.RemoteIPRanges -contains '10.0.0.5'\n"  # the right converts to an IPRange: 10.0.0.5 is 10.0.0.5/32
        "$c.RemoteIPRanges -contains '192.168.1.0-192.168.1.255'\n"
        "$c.Bindings -contains '10.0.0.1:2526'\n"
        "$c.MaxMessageSize -gt 10MB\n"
        "$c.MaxMessageSize -eq 37748736\n"
        "$c.MaxMessageSize.ToMB()\n"
        "$c.Bindings[0].Port\n"
        "$c.RemoteIPRanges[1].LowerBound\n"
        "$c.RemoteIPRanges[1].CIDRLength\n"
        "$c.RemoteIPRanges\n"
    )
    assert out(script) == [
        *["True"] * 5,
        "36",
        "2526",
        "192.168.1.0",
        "24",
        "10.0.0.5/32",
        "192.168.1.0/24",
    ]


def test_format_table_and_select_read_the_members_of_ranges_and_bindings():
    # The community check after adding IPs: `select -ExpandProperty RemoteIPRanges | ft LowerBound,UpperBound,...`
    script = (
        "Set-ReceiveConnector 'EX01\\Default EX01' -RemoteIPRanges 10.0.0.0/24,10.2.0.1-10.2.0.9\n"
        "Get-ReceiveConnector 'EX01\\Default EX01' | select -ExpandProperty RemoteIPRanges | "
        "ft LowerBound,UpperBound,RangeFormat -AutoSize\n"
        "(Get-ReceiveConnector 'EX01\\Default EX01').Bindings | select Address,Port |"
        ' % { "$($_.Address) $($_.Port)" }'
    )
    assert out(script) == [
        "",
        "LowerBound UpperBound RangeFormat",
        "---------- ---------- -----------",
        "10.0.0.0   10.0.0.255 CIDR",
        "10.2.0.1   10.2.0.9   LoHi",
        "",
        "0.0.0.0 2525",
        ":: 2525",
    ]


def test_it_pipes_lab_objects_into_set_and_remove_by_identity():
    script = (
        'Get-ReceiveConnector "EX01\\Client*" | Set-ReceiveConnector -Comment "clients"\n'
        'Get-ReceiveConnector "Outbound Proxy*" | Remove-ReceiveConnector -Confirm:$false\n'
    )
    result = run(script)
    assert result.error is None
    comments = {c.name: c.comment for c in result.org.connectors}
    assert comments["Client Frontend EX01"] == comments["Client Proxy EX01"] == "clients"
    assert comments["Default EX01"] == ""
    assert "Outbound Proxy Frontend EX01" not in comments


def test_it_pipes_connectors_and_permission_rows_into_add_and_remove_adpermission():
    script = (
        f'Get-ReceiveConnector "{FRONTEND}" | Add-ADPermission -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        '-ExtendedRights "ms-Exch-SMTP-Accept-Any-Recipient" | Out-Null\n'
        f'Get-ADPermission "{FRONTEND}" -User "NT AUTHORITY\\ANONYMOUS LOGON" | '
        'where {$_.ExtendedRights -like "*Any-Recipient"} | Remove-ADPermission -Confirm:$false\n'
    )
    org = template()
    result = run(script, org)
    assert result.error is None
    assert (
        result.org.connector("EX01", "Default Frontend EX01").acl == org.connector("EX01", "Default Frontend EX01").acl
    )


def test_it_says_so_when_an_edited_object_is_piped_into_set():
    script = f'$c = Get-ReceiveConnector "{FRONTEND}"; $c.Comment = "edited"; $c | Set-ReceiveConnector'
    result = run(script)
    assert result.error is None
    assert result.org.connector("EX01", "Default Frontend EX01").comment == ""
    assert result.output[0].startswith("NOTE: Set-ReceiveConnector takes a piped object by its Identity")


# --- Control flow and operators ------------------------------------------------------------------------------------


def test_it_runs_foreach_over_the_lab_and_if_elseif_else():
    script = (
        "foreach ($c in Get-ReceiveConnector) {\n"
        '  if ($c.Name -like "Client*") { "client $($c.Name)" }\n'
        '  elseif ($c.TransportRole -eq "HubTransport") { "hub" }\n'
        '  else { "other" }\n'
        "}\n"
    )
    assert out(script) == ["other", "other", "client Client Frontend EX01", "hub", "client Client Proxy EX01"]


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1 -eq 1", "True"),
        ("'a' -eq 'A'", "True"),
        ("1 -ne 2", "True"),
        ("2 -gt 1", "True"),
        ("1 -lt 2", "True"),
        ("2 -ge 2", "True"),
        ("3 -le 2", "False"),
        ("'Relay01' -like 'relay*'", "True"),
        ("'Relay01' -notlike 'x*'", "True"),
        ("'Relay01' -match '^rel'", "True"),
        ("'Relay01' -notmatch '\\d{3}'", "True"),
        ("@(1, 2) -contains 2", "True"),
        ("@(1, 2) -notcontains 3", "True"),
        ("2 -in 1..3", "True"),
        ("5 -notin 1..3", "True"),
        ("$true -and $false", "False"),
        ("$false -or $true", "True"),
        ("-not $true", "False"),
        ("!$false", "True"),
        ("'a','b','c' -join ';'", "a;b;c"),
        ("('a,b' -split ',').Count", "2"),
        ("(1..5).Count", "5"),
        ("1..5 -join ''", "12345"),
    ],
)
def test_it_applies_the_operators_admins_write(expression, value):
    assert out(expression) == [value]


def test_a_comparison_with_an_array_on_the_left_filters_it():
    assert out("1, 2, 3, 4 -gt 2") == ["3", "4"]


# --- Everyday cmdlets ----------------------------------------------------------------------------------------------


def test_where_object_takes_a_script_block_in_every_spelling():
    names = ["Client Frontend EX01", "Client Proxy EX01"]
    for spelling in ("Where-Object {", "where {", "? {", "where{", "?{"):
        script = f'Get-ReceiveConnector | {spelling}$_.Name -like "Client*"}} | % {{ $_.Name }}'
        assert out(script) == names, spelling


def test_where_object_takes_the_property_operator_value_form():
    assert out('Get-ReceiveConnector | ? Name -like "Client*" | % Name') == [
        "Client Frontend EX01",
        "Client Proxy EX01",
    ]
    assert out("Get-ReceiveConnector | where -Property TransportRole -eq -Value HubTransport | % Name") == [
        "Default EX01",
        "Client Proxy EX01",
    ]
    assert out("Get-ReceiveConnector | where Enabled | measure | % Count") == ["5"]


def test_foreach_object_takes_a_block_begin_process_end_or_a_member_name():
    assert out("1..3 | % { 'begin' } { $_ } { 'end' }") == ["begin", "1", "2", "3", "end"]
    assert out("'a', 'b' | ForEach-Object ToUpper") == ["A", "B"]
    assert out("Get-ReceiveConnector | % Name | select -First 1") == ["Default Frontend EX01"]


def test_select_object_with_calculated_properties_expand_first_last_unique():
    script = 'Get-ReceiveConnector | Select Name,@{n="Ranges";e={$_.RemoteIPRanges.Count}} -First 1 | fl'
    assert out(script) == ["", "Name   : Default Frontend EX01", "Ranges : 2", ""]
    assert out("Get-ReceiveConnector | Select-Object -ExpandProperty Name -Last 1") == ["Client Proxy EX01"]
    assert out("'b', 'a', 'b' | Select-Object -Unique") == ["b", "a"]
    script = "Get-ReceiveConnector | Select @{Label='Role'; Expression={$_.TransportRole}} -Unique -First 1 | % Role"
    assert out(script) == ["FrontendTransport"]


def test_a_wildcard_after_a_calculated_property_reads_whole():
    lines = out("Get-ReceiveConnector 'EX01\\Default EX01' | Select-Object @{e='Name'}, MaxM* | fl")
    assert lines[1:3] == ["Name           : Default EX01", "MaxMessageSize : 36 MB (37,748,736 bytes)"]


def test_several_barewords_after_a_calculated_property_read_as_an_array():
    # The export scripts' `Select-Object Identity,@{...},PermissionGroups,AuthMechanism` failed to parse.
    script = (
        "Get-ReceiveConnector 'EX01\\Default EX01' | "
        "Select-Object Identity,@{n='Ports';e={$_.Bindings.Count}},PermissionGroups,AuthMechanism | fl"
    )
    assert out(script)[1:4] == [
        "Identity         : EX01\\Default EX01",
        "Ports            : 2",
        "PermissionGroups : ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
    ]
    assert out("Write-Output @{n=2},b,c,d | Select-Object -Skip 1") == ["b", "c", "d"]


def test_select_object_unique_applies_to_what_is_selected_case_sensitively():
    # Select-Object's reference page: -Unique selects after the other parameters, and is case-sensitive.
    assert out("Get-ReceiveConnector | select -ExpandProperty TransportRole -Unique") == [
        "FrontendTransport",
        "HubTransport",
    ]
    assert out("Get-ReceiveConnector | select TransportRole -Unique | % TransportRole") == [
        "FrontendTransport",
        "HubTransport",
    ]
    assert out("'a', 'a', 'b', 'A' | Select-Object -Unique") == ["a", "b", "A"]
    assert len(out("Get-ReceiveConnector | select -Unique | % Name")) == 5  # five connectors, each its own


def test_sort_object_by_property_and_expression():
    assert out("Get-ReceiveConnector | Sort-Object Name | % Name")[0] == "Client Frontend EX01"
    script = "Get-ReceiveConnector | Sort-Object @{e={$_.Name.Length}} -Descending | select -First 1 -Expand Name"
    assert out(script) == ["Outbound Proxy Frontend EX01"]
    assert out("3, 1, 2 | sort -Descending") == ["3", "2", "1"]


def test_group_object_and_measure_object():
    assert out('Get-ReceiveConnector | Group-Object TransportRole | % { "$($_.Name)=$($_.Count)" }') == [
        "FrontendTransport=3",
        "HubTransport=2",
    ]
    script = "Get-ReceiveConnector | Measure-Object -Property MaxRecipientsPerMessage -Sum -Maximum"
    assert out(script + ' | % { "$($_.Count) $($_.Sum) $($_.Maximum)" }') == ["5 5800 5000"]


def test_format_list_and_format_table_autosize_wrap():
    script = 'Get-ReceiveConnector "EX01\\Client*" | Format-List Name,Bindings'
    assert out(script) == [
        "",
        "Name     : Client Frontend EX01",
        "Bindings : {0.0.0.0:587, [::]:587}",
        "",
        "Name     : Client Proxy EX01",
        "Bindings : {0.0.0.0:465, [::]:465}",
        "",
    ]
    table = out('Get-ReceiveConnector "EX01\\Client*" | Format-Table Name,Enabled -AutoSize -Wrap')
    assert table == [
        "",
        "Name                 Enabled",
        "----                 -------",
        "Client Frontend EX01 True",
        "Client Proxy EX01    True",
        "",
    ]


def test_out_string_write_host_and_write_output():
    script = (
        '$text = Get-ReceiveConnector "EX01\\Client Proxy EX01" | Out-String\n'
        "$text.Contains('Client Proxy EX01')\n"
        'Write-Host "host" -ForegroundColor Green\n'
        'Write-Output "one" "two"\n'
    )
    assert out(script) == ["True", "host", "one", "two"]


def test_get_date_formats_a_date():
    assert out("(Get-Date -Date '2026-03-04 05:06:07' -Format 'yyyy-MM-dd HH:mm')") == ["2026-03-04 05:06"]
    assert out("(Get-Date).Year -gt 2000") == ["True"]


def test_files_are_read_from_the_mapping_and_written_back_to_it():
    script = (
        "$rows = Import-Csv C:\\temp\\relays.csv\n"
        "$rows.Count\n"
        "$rows[1].Note\n"
        "(Get-Content relays.csv)[0]\n"
        "Get-ReceiveConnector | Select-Object Name,Enabled | Export-Csv connectors.csv -NoTypeInformation\n"
        "Get-ReceiveConnector | % Name | Out-File names.txt\n"
    )
    result = run(script)
    assert result.error is None
    assert result.output == ["2", "scanner", "IP,Note"]
    assert result.files["connectors.csv"].splitlines()[:2] == ['"Name","Enabled"', '"Default Frontend EX01","True"']
    assert result.files["names.txt"].splitlines()[0] == "Default Frontend EX01"
    missing = run("Import-Csv D:\\elsewhere.csv")
    assert missing.error.startswith("Cannot find path 'D:\\elsewhere.csv' because it does not exist.")


# --- Errors --------------------------------------------------------------------------------------------------------


def test_error_action_silently_continue_turns_a_failed_lookup_into_nothing():
    script = (
        'if (!(Get-ReceiveConnector "EX01\\Relay" -ErrorAction SilentlyContinue)) {\n'
        "  New-ReceiveConnector Relay -Custom -Bindings 10.0.0.1:2526 -RemoteIPRanges 10.0.0.5 | Out-Null\n"
        "}\n"
        'Get-ReceiveConnector "EX01\\Nope" -ea 0 -ev problem\n'
        '"kept: $problem"\n'
        "Import-Csv missing.csv -ErrorAction Ignore\n"
    )
    result = run(script)
    assert result.error is None
    assert result.org.connector("EX01", "Relay") is not None
    assert result.output == ["kept: The operation couldn't be performed because object 'EX01\\Nope' couldn't be found."]


def test_error_action_continue_prints_the_error_and_goes_on_and_stop_is_the_default():
    result = run('Get-ReceiveConnector "EX01\\Nope" -ErrorAction Continue; "went on"')
    assert result.error is None
    assert result.output[0] == "The operation couldn't be performed because object 'EX01\\Nope' couldn't be found."
    assert result.output[-1] == "went on"
    stopped = run('Get-ReceiveConnector "EX01\\Nope"; "never"')
    assert stopped.error == "The operation couldn't be performed because object 'EX01\\Nope' couldn't be found."
    assert "never" not in stopped.output


def test_error_action_preference_is_every_commands_error_action_when_the_script_sets_it():
    script = (
        '$ErrorActionPreference = "SilentlyContinue"\nGet-ReceiveConnector "EX01\\Nope"\n"went on"\n'
        'try { Get-ReceiveConnector "EX01\\Nope" -ErrorAction Stop } catch { "caught" }\n'
        '$ErrorActionPreference = "Stop"\nGet-ReceiveConnector "EX01\\Nope"\n"never"\n'
    )
    result = run(script)
    assert result.output[:2] == ["went on", "caught"]
    assert result.error == "The operation couldn't be performed because object 'EX01\\Nope' couldn't be found."
    assert "never" not in result.output


def test_error_action_does_not_lift_the_sandbox_caps():
    result = run("foreach ($i in 1..20000) { Get-ReceiveConnector x -ErrorAction SilentlyContinue }", max_steps=10_000)
    assert result.error.startswith("The script stopped after 10,000 steps")


def test_a_size_compares_with_text_as_ems_converts_it():
    script = (
        f'$c = Get-ReceiveConnector "{FRONTEND}"\n'
        '$c.MaxMessageSize -eq "36 MB"\n'
        '$c.MaxMessageSize -gt "10MB"\n'
        '$c.MaxMessageSize -eq "36 MB (37,748,736 bytes)"\n'
        '$c.MaxMessageSize -lt "1GB"\n'
    )
    assert out(script) == ["True"] * 4
    refused = run(f'(Get-ReceiveConnector "{FRONTEND}").MaxMessageSize -gt "abc"')
    assert refused.error == (
        'Cannot convert value "abc" to type "Microsoft.Exchange.Data.ByteQuantifiedSize". '
        'Error: "Input string was not in a correct format."'
    )


def test_a_cast_may_start_a_statement():
    assert out('[int]"5" + 2; [string]5 + 2; [int]"7"') == ["7", "52", "7"]


def test_indexing_one_object_gives_the_object():
    assert out("Get-ReceiveConnector -Server (Get-ExchangeServer)[0] | measure | % Count") == ["5"]


def test_format_table_and_list_take_calculated_properties():
    script = 'Get-ReceiveConnector "EX01\\Client*" | ft Name, @{l="Ranges"; e={$_.RemoteIPRanges.Count}} -AutoSize'
    assert out(script) == [
        "",
        "Name                 Ranges",
        "----                 ------",
        "Client Frontend EX01      2",  # a column of numbers is right-aligned, as PowerShell aligns it
        "Client Proxy EX01         2",
        "",
    ]
    script = 'Get-ReceiveConnector "EX01\\Client Proxy*" | fl Name, @{n="Role"; e={$_.TransportRole}}'
    assert out(script) == ["", "Name : Client Proxy EX01", "Role : HubTransport", ""]


def test_try_catch_finally_catches_the_consoles_errors_and_throw_raises_one():
    script = (
        'foreach ($n in "Default EX01", "Nope") {\n'
        '  try { Set-ReceiveConnector "EX01\\$n" -Comment tried -ErrorAction Stop; "ok $n" }\n'
        '  catch { "Failed: $_"; "message: $($_.Exception.Message)" }\n'
        '  finally { "done $n" }\n'
        "}\n"
        'try { throw "custom" } catch [System.Exception] { "caught $_" }\n'
    )
    result = run(script)
    assert result.error is None
    assert result.output == [
        "ok Default EX01",
        "done Default EX01",
        "Failed: The operation couldn't be performed because object 'EX01\\Nope' couldn't be found.",
        "message: The operation couldn't be performed because object 'EX01\\Nope' couldn't be found.",
        "done Nope",
        "caught custom",
    ]
    assert result.org.connector("EX01", "Default EX01").comment == "tried"
    assert run('throw "stop here"; "never"').error == "stop here"


def test_a_catch_block_never_catches_the_sandbox_caps():
    result = run("try { while ($true) { } } catch { 'caught' }", max_steps=10_000)
    assert result.error.startswith("The script stopped after 10,000 steps")
    assert "caught" not in result.output


def test_write_host_and_output_print_in_the_order_the_script_makes_them():
    script = 'foreach ($n in 1, 2) { "output $n"; Write-Host "host $n" }; "last"'
    assert out(script) == ["output 1", "host 1", "output 2", "host 2", "last"]
    whatif = out(f'foreach ($n in 1, 2) {{ "before $n"; Set-ReceiveConnector "{FRONTEND}" -Comment $n -WhatIf }}')
    assert whatif == [
        "before 1",
        f'What if: Configuring Receive connector "{FRONTEND}".',
        "before 2",
        f'What if: Configuring Receive connector "{FRONTEND}".',
    ]


def test_functions_bind_parameters_by_name_prefix_and_position():
    script = (
        "function Add-RelayIP {\n"
        "    param([Parameter(Mandatory=$true)][string]$Identity, [string[]]$IPs, [switch]$Quiet, $Count = 5)\n"
        "    foreach ($ip in $IPs) {\n"
        "        Set-ReceiveConnector $Identity -RemoteIPRanges @{Add=$ip}\n"
        '        if (-not $Quiet) { "added $ip" }\n'
        "    }\n"
        '    "count default $Count"\n'
        "}\n"
        "function Sum($a, $b) { return $a + $b }\n"
        f'Add-RelayIP -Identity "{FRONTEND}" -IPs 10.5.5.1,10.5.5.2\n'
        f'Add-RelayIP "{FRONTEND}" 10.5.5.3 -Quiet -Count 7\n'
        "Sum 2 3; Sum -b 4 -a 1; Sum -B 1 2\n"
        'function Show { "args: $args; input: $($input.Count)" }; 1, 2 | Show a b\n'
    )
    result = run(script)
    assert result.error is None
    assert result.output == [
        "added 10.5.5.1",
        "added 10.5.5.2",
        "count default 5",
        "count default 7",
        "5",
        "5",
        "3",
        "args: a b; input: 2",
    ]
    assert ranges(result.org)[2:] == ["10.5.5.1", "10.5.5.2", "10.5.5.3"]


def test_a_param_block_may_share_its_line_with_the_body():
    script = (
        'function Show-It { param($x) Write-Output "x=$x" }; Show-It 5\n'
        "function Twice { param([int]$n = 2) $n * 2 }; Twice; Twice -n 4\n"
    )
    assert out(script) == ["x=5", "4", "8"]
    # the rewrite that makes that readable leaves text alone: a string or comment saying param(...) stays as written
    texts = "function Show { param($x) $x }; Show 1; 'call param(1) here'; \"and param(2) there\" # param(3) x"
    assert out(texts) == ["1", "call param(1) here", "and param(2) there"]


def test_a_script_block_binds_its_param_block_as_a_function_does():
    script = (
        '$sb = { param($a, $b = 7) "a=$a b=$b args=$args" }\n'
        "& $sb 3; & $sb 3 4 5; & $sb -b 1 -a 2; $sb.Invoke(9, 8)\n"
        "$double = { param([int]$c) $c * 2 }\n"
        '1..3 | ForEach-Object { & $double $_ }; & $double "21"\n'
    )
    assert out(script) == ["a=3 b=7 args=", "a=3 b=4 args=5", "a=2 b=1 args=", "a=9 b=8 args=", "2", "4", "6", "42"]
    assert run("$sb = { param($a) $a }; & $sb -c 1").error == (
        "A parameter cannot be found that matches parameter name 'c'."
    )


def test_a_script_blocks_parameter_defaults_are_checked_before_anything_runs():
    org = template()
    refused = run(f'Set-ReceiveConnector "{FRONTEND}" -Comment x\n$sb = {{ param($a = (Remove-Item x)) $a }}', org)
    assert refused.org is org
    assert refused.error.startswith("Remove-Item is not run by the exchsim console (line 2)")


def test_a_typed_assignment_converts_the_value():
    # `[int]$count = …` and `[string[]]$ips = …` open many scripts; the value is converted as the cast converts it.
    script = (
        "[int]$count = (Get-ReceiveConnector).Count\n"
        '[string]$label = 42\n[string[]]$ips = "10.9.9.1"\n[array]$relays = Get-ReceiveConnector "Default EX01"\n'
        '"$count $($label + 1) $($ips.Count) $($relays.Count) $(([string[]]"a,b".Split(",")).Count)"\n'
    )
    assert out(script) == ["5 421 1 1 2"]
    assert run('[int]$n = "abc"').error == (
        'Cannot convert value "abc" to type "System.Int32". Error: "Input string was not in a correct format."'
    )


def test_scripts_build_lists_in_an_arraylist_or_a_generic_list():
    script = (
        "$names = New-Object System.Collections.ArrayList\n"
        "foreach ($c in Get-ReceiveConnector) { $names.Add($c.Name) | Out-Null }\n"
        '$names.Remove("Default EX01"); $names.Count; $names.Add("x")\n'
        "[System.Collections.ArrayList]$ips = @()\n[void]$ips.Add('10.9.9.1'); $ips.AddRange(@('10.9.9.2'))\n"
        '$list = New-Object "System.Collections.Generic.List[string]"\n$list.Add("a"); $list.Count\n'
        f'Set-ReceiveConnector "{FRONTEND}" -RemoteIPRanges $ips\n'
    )
    result = run(script)
    assert result.error is None, result.error
    assert result.output == ["4", "4", "1"]
    assert ranges(result.org) == ["10.9.9.1", "10.9.9.2"]


def test_a_scripts_own_param_block_binds_its_defaults():
    # Scripts saved as .ps1 open with param(): run without arguments, each parameter takes its (typed) default.
    script = (
        "<# .SYNOPSIS\n Adds relay IPs #>\n[CmdletBinding()]\nparam(\n"
        '    [string]$Connector = "EX01\\Default Frontend EX01",\n'
        '    [string[]]$IPs = @("10.9.9.1", "10.9.9.2"),\n    [int]$Limit = "2",\n    [switch]$Report,\n    $Unset\n)\n'
        "$rc = Get-ReceiveConnector $Connector\n"
        "foreach ($ip in $IPs | Select-Object -First $Limit) { $rc.RemoteIPRanges += $ip }\n"
        "Set-ReceiveConnector $Connector -RemoteIPRanges $rc.RemoteIPRanges\n"
        '"report=$Report unset=[$Unset] limit=$($Limit + 1)"\n'
    )
    result = run(script)
    assert result.error is None, result.error
    assert result.output == ["report=False unset=[] limit=3"]
    assert ranges(result.org)[-2:] == ["10.9.9.1", "10.9.9.2"]


def test_a_scripts_mandatory_parameter_without_a_default_stops_it_before_anything_runs():
    org = template()
    script = "param(\n    [Parameter(Mandatory=$true)][string]$Connector,\n    [Parameter(Mandatory)]$IP\n)\n"
    result = run(script + f'Set-ReceiveConnector "{FRONTEND}" -Comment x', org)
    assert result.org.connector("EX01", "Default Frontend EX01").comment != "x"
    assert result.error.startswith(
        "Cannot process command because of one or more missing mandatory parameters: Connector IP."
    )
    assert run("param($x = (Invoke-Expression 'whoami'))\n$x", org).error.startswith(
        "Invoke-Expression is not run by the exchsim console (line 1)"
    )


def test_a_function_is_checked_like_the_script_and_its_recursion_is_capped():
    org = template()
    refused = run(
        "function F {\n  param($x)\n  Remove-Item $x\n}\n" + f'Set-ReceiveConnector "{FRONTEND}" -Comment x', org
    )
    assert refused.org is org
    assert refused.error.startswith("Remove-Item is not run by the exchsim console (line 3)")
    capped = run("function Loop { Loop }; Loop", org)
    assert capped.error.startswith("The script blocks call one another more than 50 deep")
    assert run("function F { 1 }; G").error.startswith("The term 'G' is not recognized")


def test_select_object_exclude_property_drops_what_it_names_from_the_selection():
    script = (
        f'Get-ReceiveConnector "{FRONTEND}" | Select-Object Name,Max*Size,MaxHop* -ExcludeProperty MaxHeader*\n'
        "Get-ReceiveConnector | Select-Object -Last 1 Name,Enabled -ExcludeProperty Enabled\n"
    )
    assert out(script) == [
        "",
        "Name                  MaxMessageSize           MaxHopCount",
        "----                  --------------           -----------",
        "Default Frontend EX01 36 MB (37,748,736 bytes)          60",
        "",
        "",
        "Name",
        "----",
        "Client Proxy EX01",
        "",
    ]


def test_a_list_that_doubles_itself_stops_at_the_step_limit_while_small():
    script = "$l = New-Object System.Collections.ArrayList; [void]$l.Add(1)\nforeach ($i in 1..60) { $l.AddRange($l) }"
    assert run(script, max_steps=100_000).error.startswith("The script stopped after 100,000 steps")


def test_a_csv_field_longer_than_pythons_limit_reads_as_powershell_reads_it():
    assert out('$s = "x" * 200000; ($s | ConvertFrom-Csv -Header a).a.Length') == ["200000"]


def test_what_a_statement_printed_before_exit_is_shown():
    result = run("foreach ($c in Get-ReceiveConnector) { $c | Select-Object Name; exit }\n'not reached'")
    assert result.error is None
    assert [line for line in result.output if line.strip()] == ["Name", "----", "Default Frontend EX01"]


def test_error_variable_keeps_the_error_of_every_piped_object():
    script = '"nope1", "nope2" | Get-ReceiveConnector -ErrorAction SilentlyContinue -ErrorVariable e; $e.Count; $e[0]'
    assert out(script) == ["2", "The operation couldn't be performed because object 'nope1' couldn't be found."]


def test_a_scripts_mandatory_parameter_stops_it_even_with_a_default():
    # PowerShell never uses a mandatory parameter's default: it prompts (PSScriptAnalyzer's
    # AvoidDefaultValueForMandatoryParameter), so a script run without arguments can't go on.
    org = template()
    script = "param([Parameter(Mandatory=$true)][string]$Connector = 'EX01\\Relay')\n"
    result = run(script + f'Set-ReceiveConnector "{FRONTEND}" -Comment x', org)
    assert result.error.startswith(
        "Cannot process command because of one or more missing mandatory parameters: Connector."
    )
    assert "drop [Parameter(Mandatory)]" in result.error
    assert result.org.connector("EX01", "Default Frontend EX01").comment != "x"
    # Mandatory=$false is no mandatory parameter, whatever its HelpMessage says
    optional = (
        "param([Parameter(Mandatory=$false, HelpMessage='Mandatory in production')][string]$Note)\n'[' + $Note + ']'"
    )
    assert run(optional, org).output == ["[]"]
    assert run("param([Parameter(Mandatory = 0)]$n)\n'ran'", org).output == ["ran"]


def test_value_from_pipeline_is_read_from_its_own_attribute_argument():
    # ValueFromPipeline=$false with the words in its HelpMessage takes nothing from the pipeline; the next one does
    script = (
        'function F { param([Parameter(ValueFromPipeline=$false, HelpMessage="not ValueFromPipeline")]$x,\n'
        '    [Parameter(ValueFromPipeline)]$y) process { "x=$x y=$y" } }\n1, 2 | F\n'
    )
    assert out(script) == ["x= y=1", "x= y=2"]
