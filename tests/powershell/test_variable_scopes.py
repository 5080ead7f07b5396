"""Assignments as PowerShell scopes them: a function or `& { }` writes its own variable and leaves the caller's alone;
$script: and $global: write the script's (the console's outermost) scope; ForEach-Object's block and dot-sourcing
run in the caller's scope."""

from connectors.exchange import ems

from .orgs import template


def out(script) -> list[str]:
    result = ems.run_script(template(), script)
    assert result.error is None, result.error
    return result.output


def test_a_function_assigns_its_own_variable_and_the_callers_stays():
    assert out("$c = 'outer'; function F { $c = 'inner'; $c }; F; $c") == ["inner", "outer"]
    assert out("function F { $made = 5 }; F; $null -eq $made") == ["True"]


def test_a_function_still_reads_the_callers_variable_and_adds_to_its_own_copy():
    assert out("$n = 1; function F { $n += 1; $n }; F; $n") == ["2", "1"]


def test_script_and_global_prefixes_write_the_outer_variable():
    assert out("$n = 0; function Inc { $script:n++ }; Inc; Inc; $n") == ["2"]
    assert out("function Set-It { $global:done = $true }; Set-It; $done") == ["True"]
    assert out("$x = 'outer'; function F { $x = 'inner'; $global:x }; F") == ["outer"]


def test_foreach_object_and_dot_sourcing_run_in_the_callers_scope_and_a_call_does_not():
    assert out("$t = 0; 1..3 | ForEach-Object { $t += $_ }; $t") == ["6"]
    assert out("$sb = { $z = 9 }; & $sb; $null -eq $z; . $sb; $z") == ["True", "9"]
