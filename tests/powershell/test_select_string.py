"""Select-String (sls) over pipeline strings, Get-Content's lines and uploaded files: regex and simple matches, case,
-NotMatch, -AllMatches, -Quiet, -List, -Context, and MatchInfo objects printed and read as PowerShell's."""

import time

from connectors.exchange import ems

from .orgs import template

LOG = (
    "2024-01-01 EHLO ex01\n2024-01-01 MAIL FROM:<a@contoso.com>\n2024-01-02 RCPT TO:<b@fabrikam.com>\n2024-01-02 QUIT\n"
)
FILES = {"smtp.log": LOG, "relay.log": "quit now\nMAIL FROM:<printer@contoso.com>\n"}


def run(script, org=None, **options):
    return ems.run_script(org or template(), script, files=FILES, **options)


def out(script) -> list[str]:
    result = run(script)
    assert result.error is None, result.error
    return result.output


def test_it_prints_just_the_matching_lines_of_pipeline_strings():
    assert out('Get-Content smtp.log | Select-String "MAIL|RCPT"') == [
        "2024-01-01 MAIL FROM:<a@contoso.com>",
        "2024-01-02 RCPT TO:<b@fabrikam.com>",
    ]


def test_it_prints_path_number_and_line_for_a_file():
    assert out("Select-String -Path smtp.log -Pattern quit") == ["smtp.log:4:2024-01-02 QUIT"]


def test_a_wildcard_path_reads_every_uploaded_file_it_matches_in_name_order():
    assert out("Select-String -Path C:\\logs\\*.log -Pattern quit") == [
        "C:\\logs\\relay.log:1:quit now",
        "C:\\logs\\smtp.log:4:2024-01-02 QUIT",
    ]


def test_the_pattern_ignores_case_unless_case_sensitive():
    assert out('"QUIT", "quit" | sls quit') == ["QUIT", "quit"]
    assert out('"QUIT", "quit" | sls quit -CaseSensitive') == ["quit"]


def test_simple_match_reads_the_pattern_as_text():
    assert out('"a.b", "axb" | sls -SimpleMatch "a.b"') == ["a.b"]
    assert out('"a.b", "axb" | sls "a.b"') == ["a.b", "axb"]


def test_not_match_keeps_the_lines_that_do_not_match():
    assert out('Get-Content smtp.log | sls -NotMatch "2024-01-01"') == [
        "2024-01-02 RCPT TO:<b@fabrikam.com>",
        "2024-01-02 QUIT",
    ]


def test_several_patterns_match_a_line_when_any_does():
    assert out("Get-Content smtp.log | sls -Pattern EHLO, QUIT | % Pattern") == ["EHLO", "QUIT"]


def test_match_info_has_line_number_line_and_matches():
    script = (
        '$m = Get-Content smtp.log | sls "<(\\w+)@([\\w.]+)>"\n'
        "$m.Count; $m[0].LineNumber; $m[0].Line; $m[1].Matches[0].Groups[2].Value; $m.Matches.Value\n"
        "$m[0].Filename; $m[0].GetType().FullName"
    )
    assert out(script) == [
        "2",
        "2",
        "2024-01-01 MAIL FROM:<a@contoso.com>",
        "fabrikam.com",
        "<a@contoso.com>",
        "<b@fabrikam.com>",
        "InputStream",
        "Microsoft.PowerShell.Commands.MatchInfo",
    ]


def test_all_matches_finds_every_match_in_a_line():
    assert out('"a1b2c3" | sls "\\d" -AllMatches | % { $_.Matches.Value -join "," }') == ["1,2,3"]
    assert out('"a1b2c3" | sls "\\d" | % { $_.Matches.Count }') == ["1"]


def test_quiet_answers_true_or_false():
    assert out('"abc" | sls b -Quiet; "abc" | sls z -Quiet') == ["True", "False"]


def test_list_stops_at_the_first_match_of_each_file():
    assert out("Select-String -Path *.log -Pattern MAIL -List") == [
        "relay.log:2:MAIL FROM:<printer@contoso.com>",
        "smtp.log:2:2024-01-01 MAIL FROM:<a@contoso.com>",
    ]


def test_context_marks_the_match_and_shows_the_lines_around_it():
    assert out("Get-Content smtp.log | sls fabrikam -Context 1") == [
        "  2024-01-01 MAIL FROM:<a@contoso.com>",
        "> 2024-01-02 RCPT TO:<b@fabrikam.com>",
        "  2024-01-02 QUIT",
    ]
    assert out("Select-String -Path smtp.log -Pattern fabrikam -Context 1,0") == [
        "  smtp.log:2:2024-01-01 MAIL FROM:<a@contoso.com>",
        "> smtp.log:3:2024-01-02 RCPT TO:<b@fabrikam.com>",
    ]


def test_a_match_info_in_a_string_is_its_line():
    assert out('$m = "abc" | sls b; "got: $m"; $m | fl Line, Matches') == [
        "got: abc",
        "",
        "Line    : abc",
        "Matches : {b}",
        "",
    ]


def test_objects_are_matched_by_their_text():
    assert out('Get-ReceiveConnector | sls "Client"') == ["EX01\\Client Frontend EX01", "EX01\\Client Proxy EX01"]


def test_raw_gives_the_matching_strings():
    assert out('"abc", "xyz" | sls x -Raw | % { $_.ToUpper() }') == ["XYZ"]


def test_a_file_not_uploaded_is_not_found():
    result = run("Select-String -Path C:\\Windows\\win.ini -Pattern x")
    assert result.error.startswith("Cannot find path 'C:\\Windows\\win.ini' because it does not exist.")


def test_an_invalid_regex_is_refused_in_words():
    error = run('"x" | sls "["').error
    assert error.startswith('The string [ is not a valid regular expression: parsing "["')


def test_a_missing_pattern_is_powershells_missing_parameter_error():
    assert run('"x" | sls').error == (
        "Cannot process command because of one or more missing mandatory parameters: Pattern."
    )


def test_a_backtracking_pattern_stops_at_the_time_limit_and_applies_nothing():
    org = template()
    started = time.monotonic()
    script = "Set-ReceiveConnector 'EX01\\Default EX01' -Comment changed\n('a' * 3000) | sls '(.*a){8}b' -AllMatches"
    result = run(script, org, max_seconds=0.5)
    assert "ran longer than 0.5 seconds" in result.error
    assert time.monotonic() - started < 10  # minutes without the limit
    assert result.org is org


def test_pipeline_input_streams_so_select_first_stops_the_commands_before_it():
    script = '1..100000 | % { Write-Host "made $_"; "line $_" } | sls "line 2" | select -First 1'
    assert out(script) == ["made 1", "made 2", "line 2"]


def test_streamed_lines_are_numbered_in_turn_and_list_keeps_the_first_match():
    assert out('Get-Content smtp.log | sls "MAIL|RCPT" | % LineNumber') == ["2", "3"]
    assert out('"a1", "b", "a2" | sls a -List') == ["a1"]
