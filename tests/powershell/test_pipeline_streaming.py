"""Pipelines stream object by object, as PowerShell's do (docs/decisions.md, "Pipelines stream"): each object goes
through every command and reaches the host before the next is made, Write-Host writes straight to the host, the
cmdlets that need everything first still get everything, and Select-Object -First stops what comes before it."""

from connectors.exchange import ems

from .orgs import template

FRONTEND = "EX01\\Default Frontend EX01"
STEP_LIMIT = "The script stopped after 10,000 steps"
SETTING = 'Get-ReceiveConnector "Client*" | % { Write-Host "setting $($_.Name)"; $_ } | Set-ReceiveConnector'


def run(script, org=None, **options):
    return ems.run_script(org or template(), script, **options)


def out(script, org=None, **options) -> list[str]:
    result = run(script, org, **options)
    assert result.error is None, result.error
    return result.output


def names(org=None) -> list[str]:
    return [c.name for c in (org or template()).connectors]


# --- Object by object -----------------------------------------------------------------------------------------------


def test_it_interleaves_write_host_with_pipeline_output():
    output = out('Get-ReceiveConnector | ForEach-Object { Write-Host "checking $($_.Name)"; $_.Name }')
    expected = [line for name in names() for line in (f"checking {name}", name)]
    assert output == expected


def test_each_object_goes_through_the_whole_pipeline_before_the_next():
    script = '1..3 | ForEach-Object { Write-Host "a$_"; $_ } | ForEach-Object { Write-Host "b$_" }'
    assert out(script) == ["a1", "b1", "a2", "b2", "a3", "b3"]


def test_what_a_block_outputs_goes_on_before_the_rest_of_the_block_runs():
    script = '1..2 | % { Write-Host "before $_"; $_; Write-Host "after $_" } | % { Write-Host "got $_" }'
    assert out(script) == ["before 1", "got 1", "after 1", "before 2", "got 2", "after 2"]


def test_a_pipeline_inside_a_block_streams_into_the_outer_one():
    script = '1..2 | % { 1..2 | % { Write-Host "inner $_"; $_ } } | % { Write-Host "outer $_" }'
    assert out(script) == ["inner 1", "outer 1", "inner 2", "outer 2"] * 2


def test_write_host_takes_piped_objects_one_line_each():
    assert out('"a", "b" | Write-Host; 1..2 | % { "n$_" } | Write-Host') == ["a", "b", "n1", "n2"]


def test_a_pipeline_assigned_to_a_variable_still_streams_through_its_commands():
    script = '$x = 1..2 | % { Write-Host "make $_"; $_ * 10 } | % { Write-Host "got $_"; $_ }; $x -join ","'
    assert out(script) == ["make 1", "got 10", "make 2", "got 20", "10,20"]


# --- Begin, process, end --------------------------------------------------------------------------------------------


def test_every_begin_runs_first_then_each_object_then_every_end():
    script = (
        '1..2 | % -Begin { Write-Host b1 } -Process { Write-Host "p1 $_"; $_ } -End { Write-Host e1 } '
        '| % -Begin { Write-Host b2 } -Process { Write-Host "p2 $_" } -End { Write-Host e2 }'
    )
    assert out(script) == ["b1", "b2", "p1 1", "p2 1", "p1 2", "p2 2", "e1", "e2"]


def test_foreach_object_begin_and_end_output_go_down_the_pipeline():
    script = '1..3 | % -Begin { "start" } -Process { $_ * 2 } -End { "done" } | % { Write-Host "got $_" }'
    assert out(script) == ["got start", "got 2", "got 4", "got 6", "got done"]


def test_positional_blocks_are_begin_process_and_end():
    assert out('1..2 | % { $n = 0 } { $n += $_; Write-Host "p$_" } { "sum $n" }') == ["p1", "p2", "sum 3"]
    assert out('1..2 | % { "first" } { "item $_" }') == ["first", "item 1", "item 2"]


# --- Commands that need everything first ----------------------------------------------------------------------------


def test_sort_group_and_measure_take_every_object_before_they_output():
    script = '1..3 | % { Write-Host "make $_"; $_ } | Sort-Object -Descending | % { Write-Host "sorted $_" }'
    assert out(script) == ["make 1", "make 2", "make 3", "sorted 3", "sorted 2", "sorted 1"]
    measured = out('1..3 | % { Write-Host "make $_"; $_ } | Measure-Object -Sum | % { "sum $($_.Sum)" }')
    assert measured == ["make 1", "make 2", "make 3", "sum 6"]
    grouped = out('1..4 | % { Write-Host "make $_"; $_ % 2 } | Group-Object | % { "$($_.Name): $($_.Count)" }')
    assert grouped == ["make 1", "make 2", "make 3", "make 4", "1: 2", "0: 2"]


def test_select_last_unique_and_out_string_take_every_object_first():
    assert out('1..3 | % { Write-Host "m$_"; $_ } | select -Last 1') == ["m1", "m2", "m3", "3"]
    assert out('1, 1, 2 | % { Write-Host "m$_"; $_ } | select -Unique') == ["m1", "m1", "m2", "1", "2"]
    text = out('1..2 | % { Write-Host "m$_"; "line $_" } | Out-String')
    assert text == ["m1", "m2", "line 1\nline 2\n"]


# --- Select-Object -First stops what comes before it ---------------------------------------------------------------


def test_select_first_stops_the_commands_before_it():
    output = out("1..100000 | % { Write-Host $_; $_ } | Select -First 2")
    assert output == ["1", "1", "2", "2"]  # two Write-Host lines, two objects; the range never made the rest


def test_select_first_wait_lets_the_commands_before_it_run_to_the_end():
    assert out('1..3 | % { Write-Host "m$_"; $_ } | select -First 1 -Wait') == ["m1", "1", "m2", "m3"]


def test_select_first_skips_the_ends_before_it_and_runs_the_ones_after_it():
    script = (
        '1..5 | % -Process { $_ } -End { Write-Host "upstream end" } | select -First 2 '
        '| % -Process { "got $_" } -End { "downstream end" }'
    )
    assert out(script) == ["got 1", "got 2", "downstream end"]


def test_select_first_with_skip_and_zero():
    assert out("1..10 | % { $_ } | select -Skip 2 -First 2") == ["3", "4"]
    assert out('1..10 | % { Write-Host "m$_"; $_ } | select -First 0') == ["m1"]


def test_select_first_after_a_sort_takes_the_first_of_the_sorted():
    assert out("5, 3, 9, 1 | % { $_ } | Sort-Object | select -First 2") == ["1", "3"]


def test_a_select_first_inside_a_block_stops_only_its_own_pipeline():
    assert out('1..3 | % { 1..5 | % { $_ } | select -First 1 } | % { "got $_" }') == ["got 1"] * 3


def test_select_first_stops_a_pipeline_of_exchange_objects():
    script = 'Get-ReceiveConnector | % { Write-Host "read $($_.Name)"; $_ } | select -First 1 | % { $_.Name }'
    first = names()[0]
    assert out(script) == [f"read {first}", first]


# --- The host's output --------------------------------------------------------------------------------------------


def test_a_table_is_held_until_the_statement_ends_so_write_host_lines_come_first():
    output = out('Get-ReceiveConnector | % { Write-Host "checking $($_.Name)"; $_ }')
    count = len(names())
    assert output[:count] == [f"checking {name}" for name in names()]
    assert output[count + 1].split() == ["Identity", "Bindings", "Enabled"]
    assert output[count:] == out("Get-ReceiveConnector")  # the same table, its columns sized by every row


def test_format_table_output_is_held_as_the_default_table_is():
    script = 'foreach ($n in 1, 2) { Get-ReceiveConnector "Default*" | ft Name; Write-Host "after $n" }'
    output = out(script)
    assert output[:2] == ["after 1", "after 2"]
    assert [line for line in output[2:] if "Default" in line] == ["Default Frontend EX01", "Default EX01"] * 2


def test_format_list_prints_each_object_as_it_comes():
    script = 'Get-ReceiveConnector "Client*" | % { Write-Host "next $($_.Name)"; $_ } | fl Name'
    assert out(script) == [
        "next Client Frontend EX01",
        "",
        "Name : Client Frontend EX01",
        "",
        "next Client Proxy EX01",
        "Name : Client Proxy EX01",
        "",
    ]
    assert out('Get-ReceiveConnector "Client*" | fl Name') == [
        "",
        "Name : Client Frontend EX01",
        "",
        "Name : Client Proxy EX01",
        "",
    ]


def test_output_before_an_error_is_shown_above_it():
    script = (
        'Get-ReceiveConnector "Client*" | % { $_; if ($_.Name -like "Client Proxy*") '
        "{ Set-ReceiveConnector 'EX01\\Nope' -Comment x } }"
    )
    result = run(script)
    assert result.error is not None and "Nope" in result.error
    table = out('Get-ReceiveConnector "Client*"')
    assert result.output[: len(table)] == table
    assert result.output[len(table)] == result.error


# --- Exchange cmdlets in a streaming pipeline ----------------------------------------------------------------------


def test_an_exchange_cmdlet_runs_once_per_piped_object_as_it_comes():
    script = SETTING + " -Comment x -WhatIf"
    assert out(script) == [
        "setting Client Frontend EX01",
        'What if: Configuring Receive connector "EX01\\Client Frontend EX01".',
        "setting Client Proxy EX01",
        'What if: Configuring Receive connector "EX01\\Client Proxy EX01".',
    ]


def test_a_dry_run_prints_each_change_as_its_object_comes_and_changes_nothing():
    org = template()
    script = SETTING + " -Comment dry"
    result = run(script, org, dry_run=True)
    assert result.error is None
    assert result.output[:4] == [
        "setting Client Frontend EX01",
        'What if: Configuring Receive connector "EX01\\Client Frontend EX01".',
        "setting Client Proxy EX01",
        'What if: Configuring Receive connector "EX01\\Client Proxy EX01".',
    ]
    assert all(c.comment != "dry" for c in result.org.connectors)


def test_a_pipeline_failing_midway_keeps_the_earlier_changes_unless_atomic():
    script = "'EX01\\Default EX01', 'EX01\\Nope' | % { $_ } | Set-ReceiveConnector -Comment streamed"
    plain = run(script)
    assert plain.error is not None and "Nope" in plain.error
    assert plain.org.connector("EX01", "Default EX01").comment == "streamed"
    atomic = run(script, atomic=True)
    assert atomic.error == plain.error
    assert atomic.org.connector("EX01", "Default EX01").comment != "streamed"


def test_error_action_continue_goes_on_with_the_next_object():
    script = (
        "'EX01\\Nope', 'EX01\\Default EX01' | % { $_ } "
        "| Set-ReceiveConnector -Comment streamed -ErrorAction SilentlyContinue; 'done'"
    )
    result = run(script)
    assert result.error is None and result.output == ["done"]
    assert result.org.connector("EX01", "Default EX01").comment == "streamed"


# --- The sandbox's caps ---------------------------------------------------------------------------------------------


def test_the_step_limit_stops_a_streaming_pipeline_and_applies_nothing():
    result = run(f"1..900 | % {{ $_ }} | % {{ Set-ReceiveConnector '{FRONTEND}' -Comment $_ }}", max_steps=1_000)
    assert result.error.startswith("The script stopped after 1,000 steps")
    assert result.commands_applied == 0 and result.org.connector("EX01", "Default Frontend EX01").comment != "1"


def test_a_range_longer_than_the_step_limit_still_stops_when_it_is_all_taken():
    assert run("1..20000 | Out-Null", max_steps=10_000).error.startswith(STEP_LIMIT)
    assert run("1..20000 | % { $_ } | Measure-Object", max_steps=10_000).error.startswith(STEP_LIMIT)
    assert out("1..20000 | select -First 1", max_steps=10_000) == ["1"]


def test_the_time_limit_stops_a_range_piped_into_cmdlets_without_script_blocks():
    result = run("1..1000000 | Out-Null", max_seconds=0.01)
    assert result.error.startswith("The script ran longer than 0.01 seconds")


def test_the_output_cap_stops_a_streaming_pipeline():
    result = run('1..5000 | % { "x" * 1000 }', max_output=100_000)
    assert result.error.startswith("The script printed more than 100,000 characters")
    assert len(result.output) < 200


# --- Functions with begin/process/end, filters ----------------------------------------------------------------------


def test_a_function_runs_begin_once_process_per_piped_object_and_end_once():
    script = (
        'function Count-It { begin { $n = 0; Write-Host "begin" } process { $n++; "item $_" } end { "count $n" } }\n'
        '1..3 | Count-It | % { Write-Host "got $_" }'
    )
    assert out(script) == ["begin", "got item 1", "got item 2", "got item 3", "got count 3"]


def test_a_function_process_block_streams_with_the_commands_around_it():
    script = (
        'function Show { process { Write-Host "show $_"; $_ } }\n'
        '1..100000 | % { Write-Host "make $_"; $_ } | Show | select -First 2'
    )
    assert out(script) == ["make 1", "show 1", "1", "make 2", "show 2", "2"]


def test_a_filter_runs_its_body_once_per_piped_object():
    assert out('filter Double { $_ * 2 }\n1..3 | Double | % { "got $_" }') == ["got 2", "got 4", "got 6"]


def test_a_process_block_runs_once_when_nothing_is_piped():
    assert out('function F { begin { "b" } process { "p [$_]" } end { "e" } }\nF') == ["b", "p []", "e"]


def test_a_piped_object_binds_to_the_value_from_pipeline_parameters():
    script = (
        "function Add-Note {\n"
        "    param([Parameter(ValueFromPipeline=$true)][string]$Identity, $Note = 'note')\n"
        '    process { "$Note on $Identity" }\n'
        "}\n"
        "'a', 'b' | Add-Note -Note checked\n"
        "function Show-Name {\n"
        "    param([Parameter(ValueFromPipelineByPropertyName)]$Name)\n"
        '    process { "name $Name" }\n'
        "}\n"
        'Get-ReceiveConnector "Client*" | Show-Name'
    )
    assert out(script) == [
        "checked on a",
        "checked on b",
        "name Client Frontend EX01",
        "name Client Proxy EX01",
    ]


def test_return_in_a_process_block_goes_on_with_the_next_object():
    assert out("function F { process { if ($_ -eq 2) { return }; $_ } }\n1..3 | F") == ["1", "3"]


def test_an_end_block_without_a_process_block_reads_input():
    assert out("function Total { end { ($input | Measure-Object -Sum).Sum } }\n1..4 | Total") == ["10"]


def test_a_function_with_blocks_changes_the_lab_per_object_and_atomic_undoes_it():
    script = (
        "function Set-Note { process { Set-ReceiveConnector $_ -Comment 'noted' } }\n"
        "'EX01\\Default EX01', 'EX01\\Nope' | Set-Note"
    )
    plain = run(script)
    assert "Nope" in plain.error
    assert plain.org.connector("EX01", "Default EX01").comment == "noted"
    assert run(script, atomic=True).org.connector("EX01", "Default EX01").comment != "noted"


def test_what_a_function_block_calls_is_checked_before_anything_runs():
    org = template()
    result = run(
        f"Set-ReceiveConnector '{FRONTEND}' -Comment x\nfunction F {{ process {{ Invoke-Expression $_ }} }}", org
    )
    assert result.org is org and result.commands_applied == 0
    assert "Invoke-Expression is not run by the exchsim console" in result.error


def test_block_kinds_the_console_does_not_run_are_refused_by_name():
    assert run("function F { dynamicparam { } process { 1 } }").error.startswith("Dynamicparam blocks: not run")
    assert run("1, 2 | % { process { $_ } }").error.startswith("Begin/process/end blocks in a script block")


def test_recursion_through_a_process_block_stops_at_the_call_depth_cap():
    result = run("function Deep { process { $_ | Deep } }\n1 | Deep")
    assert result.error == "The script blocks call one another more than 50 deep (line 1); nothing was applied."
