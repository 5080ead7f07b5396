"""Issue 14, checked as a user tries it: community-style scripts run verbatim and leave the lab the plain commands
leave, and print what Windows PowerShell 5.1 (EMS's) prints. Each test is a gap the check found."""

import datetime as dt

from connectors.exchange import ems

from .orgs import two_servers

RELAY = (
    'New-ReceiveConnector -Name "Relay" -Server EX01 -TransportRole FrontendTransport -Custom -Bindings 0.0.0.0:25 '
    "-RemoteIPRanges 192.168.5.10 -PermissionGroups AnonymousUsers\n"
)


def lab():
    result = ems.run_script(two_servers(), RELAY)
    assert result.error is None, result.error
    return result.org


def run(script, org=None, files=None):
    result = ems.run_script(org or lab(), script, files=files or {})
    assert result.error is None, "\n".join(result.output)
    return result


def test_two_select_object_lines_with_a_name_then_a_calculated_property_both_run():
    script = (
        "Get-ReceiveConnector -Server EX01 | Select-Object Name,"
        '@{Name="Ranges";Expression={$_.RemoteIPRanges -join ","}}\n'
        "Get-ReceiveConnector -Server EX01 | Select-Object Name,"
        "@{n='Ports';e={($_.Bindings | % {$_.Port}) -join '/'}}\n"
    )
    output = run(script).output
    assert "Relay                        192.168.5.10" in output
    assert "Relay                        25" in output


def test_a_method_call_is_one_argument_of_a_command():
    script = '$c = Get-ReceiveConnector "EX01\\Relay"\nGet-ReceiveConnector $c.Guid.ToString() | ft Name\n'
    assert run(script).output == ["", "Name", "----", "Relay", ""]
    script = "Set-ReceiveConnector -Identity $c.Identity.ToString() -Comment $c.Name.ToUpper()"
    org = run('$c = Get-ReceiveConnector "EX01\\Relay"\n' + script).org
    assert org == run('Set-ReceiveConnector "EX01\\Relay" -Comment RELAY').org


def test_assigning_to_null_discards_the_value():
    script = """
$ranges = (Get-ReceiveConnector "EX01\\Relay").RemoteIPRanges
foreach ($ip in "10.0.0.1", "10.0.0.2") { $null = $ranges.Add($ip) }
$null = Get-ReceiveConnector
Set-ReceiveConnector "EX01\\Relay" -RemoteIPRanges $ranges
"$($null -eq $null) $($ranges.Count)"
"""
    result = run(script)
    assert result.output == ["True 3"]
    assert result.org == run('Set-ReceiveConnector "EX01\\Relay" -RemoteIPRanges @{Add="10.0.0.1","10.0.0.2"}').org


def test_a_hashtable_prints_in_powershells_name_value_view():
    assert run("@{Name='Ports'}, @{Expression={$_.Port}}").output == [
        "",
        "Name                           Value",
        "----                           -----",
        "Name                           Ports",
        "Expression                     $_.Port",
        "",
    ]
    assert run("@{ThisKeyIsLongerThanThirtyCharacters=1}").output[3] == "ThisKeyIsLongerThanThirtyCh... 1"


def test_a_column_of_numbers_is_right_aligned():
    assert run("Get-ReceiveConnector | Group-Object TransportRole | Select-Object Name,Count").output == [
        "",
        "Name              Count",
        "----              -----",
        "FrontendTransport     7",
        "HubTransport          4",
        "",
    ]
    lines = run('Get-ReceiveConnector "EX01\\Relay" | ft Name,MaxRecipientsPerMessage,MaxMessageSize').output
    assert lines[3] == "Relay                     200 36 MB (37,748,736 bytes)"  # a size is text, left-aligned


def test_dates_format_as_dotnet_formats_them_in_en_us():
    script = """
$d = Get-Date "2024-03-05 14:07:09"
$d.ToString("MMM d, yyyy h:mm tt")
Get-Date $d -Format "dddd HH:mm:ss.fff"
Get-Date $d -Format d
Get-Date $d -Format g
Get-Date $d -Format s
Get-Date -Date $d -UFormat "%Y%m%d-%H%M"
$d.ToString()
"$d"
$d.ToShortDateString()
$d.ToLongTimeString()
$d.AddMonths(11).ToString("D")
$d.DayOfYear
"""
    assert run(script).output == [
        "Mar 5, 2024 2:07 PM",
        "Tuesday 14:07:09.000",
        "3/5/2024",
        "3/5/2024 2:07 PM",
        "2024-03-05T14:07:09",
        "20240305-1407",
        "3/5/2024 2:07:09 PM",
        "03/05/2024 14:07:09",  # string expansion uses the invariant culture
        "3/5/2024",
        "2:07:09 PM",
        "Wednesday, February 5, 2025",
        "65",
    ]


def test_a_date_in_a_table_shows_as_its_tostring():
    script = '[pscustomobject]@{Name="x"; When=(Get-Date "3/5/2024 2:07:09 PM")}'
    assert run(script).output == ["", "Name When", "---- ----", "x    3/5/2024 2:07:09 PM", ""]


def test_a_date_minus_a_date_is_a_timespan():
    script = '$ts = (Get-Date "2024-03-05 14:07:09") - [datetime]"2024-03-01"\n"$ts"\n$ts.Days\n$ts.TotalHours'
    assert run(script).output == ["4.14:07:09", "4", "110.119166666667"]
    now = dt.datetime.now()
    script = f'((Get-Date) - (Get-Date "{now.year - 1}-01-01")).Days -gt 300'
    assert run(script).output == ["True"]


def test_doubles_print_with_fifteen_digits_as_windows_powershell():
    assert run("1/3; 0.1 + 0.2; 1e16; 2.5").output == ["0.333333333333333", "0.3", "1E+16", "2.5"]


def test_a_method_the_console_lacks_is_named_as_written():
    result = ems.run_script(lab(), "(Get-Date).ToFileTimeUtc()")
    assert (
        result.error
        == "Method invocation failed because [System.DateTime] does not contain a method named 'ToFileTimeUtc'."
    )


def test_export_csv_writes_the_type_line_unless_told_not_to():
    result = run('Get-ReceiveConnector "EX01\\Relay" | Select-Object Name | Export-Csv C:\\Temp\\relay.csv')
    assert result.files["relay.csv"] == (
        '#TYPE Selected.Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector\n"Name"\n"Relay"\n'
    )
    assert run("Import-Csv relay.csv | ft", files=result.files).output == ["", "Name", "----", "Relay", ""]


def test_export_csv_append_in_a_loop_writes_one_header():
    script = """
foreach ($c in Get-ReceiveConnector -Server EX01 | Sort-Object Name | Select-Object -First 2) {
    $c | Select-Object Name,Enabled | Export-Csv -Path .\\report.csv -Append -NoTypeInformation
}
"""
    result = run(script)
    assert result.files["report.csv"] == (
        '"Name","Enabled"\n"Client Frontend EX01","True"\n"Client Proxy EX01","True"\n'
    )


def test_sort_object_unique_with_a_property_keeps_one_object_per_value():
    script = "Get-ReceiveConnector | Sort-Object Server -Unique | Select-Object -ExpandProperty Server"
    assert run(script).output == ["EX01", "EX02"]
    assert run('"b", "a", "B" | Sort-Object -Unique').output == ["a", "b"]


def test_import_csv_keeps_a_line_break_inside_a_quoted_value_and_passes_over_blank_lines():
    files = {"notes.csv": '"Name","Note"\r\n"Relay","printer,\r\nsecond floor"\r\n\r\n"Other","x"\r\n'}
    result = run('$rows = Import-Csv notes.csv\n$rows.Count\n$rows[0].Note.Split("`n")[1]', files=files)
    assert result.output == ["2", "second floor"]


def test_write_warning_verbose_and_debug_print_as_the_host_shows_them():
    script = """
Write-Warning "Connector not found, creating it"
Write-Verbose "quiet by default"
Write-Verbose "asked for" -Verbose
$VerbosePreference = "Continue"
Write-Verbose "by preference"
Write-Debug "quiet"
"piped" | Write-Warning
"""
    assert run(script).output == [
        "WARNING: Connector not found, creating it",
        "VERBOSE: asked for",
        "VERBOSE: by preference",
        "WARNING: piped",
    ]


def test_write_error_is_an_error_the_error_action_and_try_catch_handle():
    org = lab()
    result = ems.run_script(org, 'Set-ReceiveConnector "EX01\\Relay" -Comment x\nWrite-Error "Stop here"\n"after"')
    assert result.error == "Stop here"
    assert "after" not in result.output
    script = 'Write-Error "quiet" -ErrorAction SilentlyContinue\ntry { Write-Error "caught" } catch { "got: $_" }'
    assert run(script).output == ["got: caught"]


def test_transcript_and_clear_host_lines_scripts_open_with_do_nothing():
    script = 'Start-Transcript -Path C:\\Logs\\relay.txt -Append\nClear-Host\n"working"\nStop-Transcript'
    assert run(script).output == [
        "NOTE: the exchsim console keeps its own transcript; Start-Transcript C:\\Logs\\relay.txt writes nothing.",
        "working",
    ]


def test_convertto_csv_and_convertfrom_csv_work_in_memory_and_get_content_raw_is_one_text():
    script = (
        'Get-ReceiveConnector "EX01\\Relay" | Select-Object Name,MaxMessageSize | ConvertTo-Csv -NoTypeInformation\n'
        '$rows = "IPAddress,Device", "10.0.0.1,printer" | ConvertFrom-Csv\n'
        "$rows[0].Device\n"
        "(Get-Content ips.txt -Raw).Length\n"
        "(Get-Content ips.txt).Count\n"
    )
    assert run(script, files={"ips.txt": "10.0.0.1\n10.0.0.2\n"}).output == [
        '"Name","MaxMessageSize"',
        '"Relay","36 MB (37,748,736 bytes)"',
        "printer",
        "18",
        "2",
    ]
