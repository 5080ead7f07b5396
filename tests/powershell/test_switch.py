"""The switch statement (about_Switch): every matching clause runs, default when none did, break and continue,
-Wildcard / -Regex / -Exact / -CaseSensitive, script-block conditions, array input, -File over an uploaded file."""

import time

from connectors.exchange import ems, psrewrites

from .orgs import template

FILES = {"servers.txt": "EX01\nEX02 retired\nMBX03\n"}


def run(script, org=None):
    return ems.run_script(org or template(), script, files=FILES)


def out(script, org=None) -> list[str]:
    result = run(script, org)
    assert result.error is None, result.error
    return result.output


def test_it_runs_every_matching_clause_in_order():
    assert out('switch ("b") { "a" {"A"} "B" {"upper"} "b" {"lower"} }') == ["upper", "lower"]


def test_it_runs_the_default_branch_when_nothing_matches():
    assert out('switch ("z") { "a" {"A"} default {"nothing matched"} }') == ["nothing matched"]


def test_it_skips_the_default_branch_when_a_clause_matched():
    assert out('switch (2) { 2 {"two"} default {"other"} }') == ["two"]


def test_break_ends_the_whole_switch():
    script = 'switch (1, 2, 3) { 2 {"two"; break} default {"d$_"} }; "after"'
    assert out(script) == ["d1", "two", "after"]


def test_continue_moves_on_to_the_next_item():
    script = 'switch (1, 2) { {$_ -ge 1} {"first $_"; continue} 2 {"never"} }'
    assert out(script) == ["first 1", "first 2"]


def test_break_in_a_switch_inside_a_loop_leaves_only_the_switch():
    script = 'foreach ($i in 1, 2) { switch ($i) { 1 { break } 2 {"two"} }; "loop $i" }'
    assert out(script) == ["loop 1", "two", "loop 2"]


def test_it_tests_each_item_of_an_array_with_the_item_in_dollar_underscore():
    script = """
switch (1, 5, 9) {
    {$_ -gt 4} { "big $_" }
    5 { "five" }
    default { "small $_" }
}
"""
    assert out(script) == ["small 1", "big 5", "five", "big 9"]


def test_values_compare_as_text_without_case():
    assert out('switch (5) { "5" {"text five"} }; switch ("EX01") { ex01 {"bare word"} }') == ["text five", "bare word"]


def test_case_sensitive_keeps_case():
    assert out('switch -CaseSensitive ("EX01") { "ex01" {"lower"} "EX01" {"upper"} }') == ["upper"]


def test_wildcard_matches_as_like():
    script = 'switch -Wildcard ("Client Frontend EX01") { "client*" {"client"} "*EX02" {"ex02"} "?lient*" {"any"} }'
    assert out(script) == ["client", "any"]


def test_wildcard_case_sensitive_matches_as_clike():
    assert out('switch -Wildcard -CaseSensitive ("EX01") { "ex*" {"lower"} "EX*" {"upper"} }') == ["upper"]


def test_regex_matches_as_match_and_sets_matches():
    script = 'switch -Regex ("EX01") { "^ex(\\d+)$" {"server $($matches[1])"} "^mbx" {"mailbox"} }'
    assert out(script) == ["server 01"]


def test_regex_case_sensitive_matches_as_cmatch():
    assert out('switch -Regex -CaseSensitive ("EX01") { "^ex" {"lower"} "^EX" {"upper"} }') == ["upper"]


def test_exact_does_not_read_wildcards_or_regexes():
    assert out('switch -Exact ("a*") { "A*" {"exact"} "a.*" {"regex"} }') == ["exact"]


def test_the_last_of_regex_wildcard_and_exact_counts():
    assert out('switch -Regex -Wildcard ("abc") { "a*" {"wildcard"} "^a" {"regex"} }') == ["wildcard"]


def test_a_switch_on_null_runs_once_and_on_an_empty_array_not_at_all():
    assert out('switch ($null) { $null {"null"} default {"d"} }; switch (@()) { default {"never"} }') == ["null"]


def test_its_output_can_be_assigned():
    assert out('$kind = switch ("FrontendTransport") { "FrontendTransport" {"FE"} default {"HUB"} }; "is $kind"') == [
        "is FE"
    ]


def test_it_switches_on_the_connectors_of_the_lab():
    script = """
foreach ($c in Get-ReceiveConnector -Server EX01) {
    switch -Wildcard ($c.Name) {
        "Default*" { "default: $($c.Name)" }
        "Client*"  { "client: $($c.Name)" }
        default    { "other: $($c.Name)" }
    }
}
"""
    assert out(script) == [
        "default: Default Frontend EX01",
        "other: Outbound Proxy Frontend EX01",
        "client: Client Frontend EX01",
        "default: Default EX01",
        "client: Client Proxy EX01",
    ]


def test_clauses_may_be_written_on_one_line_with_quoted_conditions_of_any_text():
    script = "switch ('Client Frontend EX01') { 'client frontend ex01' {1} 'it''s' {2} \"x (y)\" {3} default {4} }"
    assert out(script) == ["1"]


def test_an_expandable_condition_is_expanded():
    assert out('$n = "01"; switch ("EX01") { "EX$n" {"expanded"} }') == ["expanded"]


def test_file_reads_the_lines_of_an_uploaded_file():
    script = 'switch -Wildcard -File servers.txt { "*retired" {"skip $_"} "EX*" {"exchange $_"} }'
    assert out(script) == ["exchange EX01", "skip EX02 retired", "exchange EX02 retired"]


def test_file_names_only_uploaded_files():
    result = run("switch -File C:\\Windows\\win.ini { default { $_ } }")
    assert result.error.startswith("Cannot find path 'C:\\Windows\\win.ini' because it does not exist.")


def test_a_second_default_clause_is_refused_before_anything_runs():
    org = template()
    result = run("Set-ReceiveConnector 'EX01\\Default EX01' -Comment x\nswitch (1) { default {1} default {2} }", org)
    assert result.error == "At line:2: A switch statement can have only one default clause."
    assert result.org is org


def test_switch_parallel_is_refused_by_name():
    assert run("switch -Parallel (1) { 1 {1} }").error == "Switch -Parallel: not run by the exchsim console (line 1)."


def test_a_switch_inside_an_endless_loop_still_stops_at_the_step_limit():
    result = ems.run_script(template(), "while ($true) { switch (1) { 1 { } } }", max_steps=10_000)
    assert result.error.startswith("The script stopped after 10,000 steps")


def test_script_block_conditions_may_share_a_line_with_other_clauses():
    script = 'switch (1, 5, 9) { {$_ -gt 4} {"big $_"} 5 {"five"; continue} default {"other $_"} }'
    assert out(script) == ["other 1", "big 5", "five", "big 9"]


def test_return_in_a_switch_leaves_the_function():
    script = 'function Kind($n) { switch ($n) { 1 { return "one" } default { "other" } }; "never" }; Kind 1; Kind 2'
    assert out(script) == ["one", "other", "never"]


def test_a_backtracking_regex_condition_stops_at_the_time_limit():
    org = template()
    script = "Set-ReceiveConnector 'EX01\\Default EX01' -Comment x\nswitch -Regex ('a' * 3000) { '(.*a){8}b' { 1 } }"
    result = ems.run_script(org, script, max_seconds=0.5)
    assert "ran longer than 0.5 seconds" in result.error
    assert result.org is org


def test_deeply_nested_switches_are_not_rescanned_for_each_level():
    depth = 1500  # a script's nesting is refused later, after this rewrite; each level rescanned the ones inside
    text = "switch (1) { 1 { " * depth + "}}" * depth + ' switch (2) { "a" {1} "b(" {2} }'
    root = psrewrites._PARSER.parse(text.encode()).root_node
    started = time.monotonic()
    assert psrewrites._separate_switch_clauses(text, root) is None
    assert time.monotonic() - started < 2  # 5 s unbounded on an idle machine, quadratic in the depth
