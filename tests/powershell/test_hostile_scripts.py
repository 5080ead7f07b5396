"""Hostile console input (issue 11): each script that crashed the console ends in a clear error, with PowerShell's or
Exchange's wording, and the lab unchanged; odd line endings and NUL behave as in PowerShell."""

from unittest import mock

import pytest

from connectors.exchange import acl, ems, psparse
from connectors.exchange.model import Principal

from .orgs import template

FRONTEND = "'EX01\\Default Frontend EX01'"


def refused(script: str, *fragments: str) -> str:
    """Run `script` atomically; assert it fails with every fragment in its message and changes nothing."""
    org = template()
    result = ems.run_script(org, script, atomic=True)
    assert result.error is not None, result.output
    assert result.org == org
    assert result.commands_applied == 0
    for fragment in fragments:
        assert fragment in result.error
    return result.error


def test_it_reads_83_nested_parentheses_and_refuses_a_hundred_and_one():
    script = "Get-ReceiveConnector " + "(" * 83 + "'x'" + ")" * 83
    assert len(script) < 300
    refused(script, "object 'x' couldn't be found")
    refused("Get-ReceiveConnector " + "(" * 101 + "'x'" + ")" * 101, "nested too deeply")


@pytest.mark.parametrize("opening", ["@(", "$("])
def test_it_refuses_a_hundred_and_one_nested_arrays_or_subexpressions(opening):
    script = "Get-ReceiveConnector " + opening * 101 + "'x'" + ")" * 101
    error = refused(script)
    assert "nested too deeply" in error or "subexpression" in error


def test_it_reads_arrays_nested_to_the_documented_limit():
    script = f"Set-ReceiveConnector {FRONTEND} -RemoteIPRanges " + "@(" * psparse.MAX_NESTING + "'10.1.1.1'"
    result = ems.run_script(template(), script + ")" * psparse.MAX_NESTING)
    assert result.error is None
    assert [r.text for r in result.org.connector("EX01", "Default Frontend EX01").remote_ip_ranges] == ["10.1.1.1"]


def test_it_refuses_too_many_nested_nots_in_a_filter():
    script = "Get-ReceiveConnector | where {" + "-not " * (psparse.MAX_NESTING + 1) + "$_.Enabled}"
    refused(script, "nested too deeply", f"at most {psparse.MAX_NESTING} levels")


def test_a_where_block_of_a_thousand_and_terms_filters_without_recursing():
    block = " -and ".join(["$_.Enabled -eq $true"] * 1000)
    result = ems.run_script(template(), "Get-ReceiveConnector | where {" + block + "} | ft Name")
    assert result.error is None
    assert any("Default Frontend EX01" in line for line in result.output)
    mixed = " -and ".join(["$_.Enabled -eq $true"] * 999) + " -and $_.Name -like 'Client*' -or $_.Name -eq 'none'"
    result = ems.run_script(template(), "Get-ReceiveConnector | where {" + mixed + "} | ft Name")
    names = [line.strip() for line in result.output[3:] if line.strip()]
    assert names == ["Client Frontend EX01", "Client Proxy EX01"]


@pytest.mark.parametrize(
    "value",
    [
        "'.'",
        "','",
        "'1.2.3MB'",
        "'" + "9" * 400 + " MB'",
        "'12 parsecs'",
        "'-5MB'",
    ],
)
def test_it_refuses_malformed_sizes_with_the_conversion_error(value):
    error = refused(
        f"Set-ReceiveConnector {FRONTEND} -MaxMessageSize {value}",
        "Cannot process argument transformation on parameter 'MaxMessageSize'. Cannot convert value",
        'to type "Microsoft.Exchange.Data.ByteQuantifiedSize". Error: "Input string was not in a correct format."',
    )
    assert len(error) < 300  # a huge value is quoted cut short


def test_a_size_beyond_uint64_is_too_large():
    refused(
        f"Set-ReceiveConnector {FRONTEND} -MaxMessageSize '99999999999999 TB'",
        'Error: "Value was either too large or too small for a UInt64."',
    )


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("10l", None),  # a long literal: PowerShell's 10, which the engine's range then refuses
        ("'10MB'", 10 << 20),
        ("'1.5 MB'", 1572864),
        ("'36 MB (37,748,736 bytes)'", 37748736),
        ("64kb", 65536),
        ("0x10000", 65536),
        ("'10,485,760'", 10485760),
    ],
)
def test_sizes_parse_as_byte_quantified_sizes(value, stored):
    result = ems.run_script(template(), f"Set-ReceiveConnector {FRONTEND} -MaxMessageSize {value}")
    if stored is None:
        assert (
            result.error
            == 'The value "10" for MaxMessageSize is out of range. Specify a value from 65536 to 2147483647.'
        )
    else:
        assert result.error is None
        assert result.org.connector("EX01", "Default Frontend EX01").max_message_size == stored


def test_it_refuses_a_5000_digit_number_as_an_invalid_numeric_constant():
    error = refused(f"Set-ReceiveConnector {FRONTEND} -MaxRecipientsPerMessage " + "9" * 5000, "is not valid.")
    assert error.startswith("At line:1 char:")
    assert "The numeric constant 9999" in error
    assert len(error) < 200


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        (
            "MaxRecipientsPerMessage",
            "'lots'",
            'to type "System.Int32". Error: "Input string was not in a correct format."',
        ),
        ("MaxRecipientsPerMessage", "'99999999999'", 'Error: "Value was either too large or too small for an Int32."'),
        ("MessageRateLimit", "'fast'", 'to type "Microsoft.Exchange.Data.Unlimited`1[System.Int32]"'),
        ("MaxRecipientsPerMessage", "1.5e300", 'Error: "Value was either too large or too small for an Int32."'),
    ],
)
def test_it_refuses_malformed_integers_with_the_conversion_error(parameter, value, message):
    refused(f"Set-ReceiveConnector {FRONTEND} -{parameter} {value}", f"parameter '{parameter}'", message)


def test_a_real_literal_with_a_multiplier_is_a_number():
    result = ems.run_script(template(), f"Set-ReceiveConnector {FRONTEND} -MaxMessageSize 1.5mb")
    assert result.error is None
    assert result.org.connector("EX01", "Default Frontend EX01").max_message_size == 1572864


def test_it_refuses_a_real_literal_beyond_a_double():
    refused(f"Set-ReceiveConnector {FRONTEND} -MaxMessageSize 1e999", "The numeric constant 1e999 is not valid.")


def test_it_refuses_a_hashtable_as_the_user_of_a_permission():
    refused(
        f"Add-ADPermission {FRONTEND} -User @{{a=1}} -ExtendedRights ms-Exch-SMTP-Submit",
        "Cannot bind parameter 'User'. Cannot convert the \"System.Collections.Hashtable\" value of type "
        '"System.Collections.Hashtable" to type "Microsoft.Exchange.Configuration.Tasks.SecurityPrincipalIdParameter".',
    )


@pytest.mark.parametrize(
    "script",
    [
        "New-ReceiveConnector -Name @('a','b') -Custom -Bindings 0.0.0.0:2525 -RemoteIPRanges 10.0.0.1",
        "New-ReceiveConnector @('a','b') -Custom -Bindings 0.0.0.0:2525 -RemoteIPRanges 10.0.0.1",
        f"Set-ReceiveConnector {FRONTEND} -Name 'a','b'",
    ],
)
def test_it_refuses_an_array_as_a_connector_name(script):
    refused(
        script,
        "Cannot convert 'System.Object[]' to the type 'System.String' required by parameter 'Name'. "
        "Specified method is not supported.",
    )


def test_it_refuses_an_array_for_a_single_valued_setting():
    refused(f"Set-ReceiveConnector {FRONTEND} -Banner '220 a','220 b'", "required by parameter 'Banner'")


def test_a_lone_cr_ends_a_line_as_in_powershell():
    result = ems.run_script(
        template(), "Get-ReceiveConnector -Server EX01 | ft Name\rGet-AcceptedDomain # a\rGet-ExchangeServer"
    )
    assert result.error is None
    assert result.commands_applied == 3


@pytest.mark.parametrize("ending", ["\r\n", "\r", "\n"])
def test_a_line_ending_inside_a_string_literal_is_kept(ending):
    script = f"Set-ReceiveConnector {FRONTEND} -Comment 'first{ending}second'{ending}Get-ExchangeServer"
    result = ems.run_script(template(), script)
    assert result.error is None
    assert result.commands_applied == 2
    assert result.org.connector("EX01", "Default Frontend EX01").comment == f"first{ending}second"


@pytest.mark.parametrize("ending", ["\r\n", "\r", "\n"])
def test_a_here_string_keeps_its_inner_line_endings_and_drops_the_last(ending):
    script = f"Set-ReceiveConnector {FRONTEND} -Comment @'{ending}one{ending}two{ending}'@{ending}"
    result = ems.run_script(template(), script)
    assert result.error is None
    inner = "\n" if ending == "\r" else ending  # a lone CR inside a here-string reads as LF (docs/decisions.md)
    assert result.org.connector("EX01", "Default Frontend EX01").comment == f"one{inner}two"


def test_a_lone_surrogate_is_refused_in_words():
    refused("Get-ReceiveConnector '\ud800'", "isn't valid Unicode")


def test_a_long_add_adpermission_script_costs_each_line_its_own_aces_not_the_whole_acl():
    org = template()
    users = tuple(Principal(f"CONTOSO\\user{n}") for n in range(300))
    org = org.with_changes(principals=org.principals + users)
    script = "".join(
        f"Add-ADPermission {FRONTEND} -User 'CONTOSO\\user{n}' -ExtendedRights ms-Exch-SMTP-Submit\n"
        for n in range(300)
    )
    before = len(org.connector("EX01", "Default Frontend EX01").acl)
    with (
        mock.patch.object(acl, "ace_identity", wraps=acl.ace_identity) as keys,
        mock.patch.object(acl, "_directory_names", wraps=acl._directory_names) as directories,
    ):
        result = ems.run_script(org, script)
    assert result.error is None
    assert result.commands_applied == 300
    assert len(result.org.connector("EX01", "Default Frontend EX01").acl) == before + 300
    assert directories.call_count == 1  # the lab's directory is read once, not once per line
    assert keys.call_count <= before + 2 * 300  # each line keys its own ACE (quadratic was ~45,000 + 300 × before)


def test_a_large_broken_script_stops_reading_at_the_time_limit():
    # Each rewrite that might make a broken script readable parses it again: 1 MB of unclosed hashtables took
    # minutes before the rewrites were linear, and still takes seconds; the script's time limit covers reading it.
    org = template()
    script = "Set-ReceiveConnector a -Comment @{x=(1,2,\n" * 15_000
    result = ems.run_script(org, script, max_seconds=0.01)
    assert result.error == "The script ran longer than 0.01 seconds, the limit for one script; nothing was applied."
    assert result.org is org
    broken = ems.run_script(org, script[:40_000])  # without a limit: the grammar's error, as before
    assert broken.error.startswith("At line:1 char:1: the script can't be parsed near 'Set-ReceiveConnector a")


@pytest.mark.parametrize("script", ["()", "$x = ()", "Get-ReceiveConnector | % { () }", "if ($true) { ( ) }"])
def test_empty_parentheses_are_a_parse_error_not_a_crash(script):
    # The grammar recovers from `()` with an empty command of no name, which crashed the cmdlet lookup.
    refused(script, "can't be parsed (something is missing)")


@pytest.mark.parametrize("operand", ["[int]", "-", "!", "$x.a", "$x[0]", "$x.a()"])
def test_long_chains_of_casts_operators_and_members_are_refused_as_too_deep(operand):
    # Each of these crashed the reader with Python's RecursionError at a few thousand levels.
    script = operand * 5000 + "1" if not operand.startswith("$x") else "$x" + operand[2:] * 5000
    refused(script, "nested too deeply")


def test_ninety_nine_casts_or_members_still_read():
    assert ems.run_script(template(), "[int]" * 99 + "'1'").output == ["1"]
    assert ems.run_script(template(), "$x = 'abc'; $x" + ".Length.ToString()" * 40).error is None


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        ("('a' * 40 + '!') -match '^(a+)+$'", "repeats a part that itself repeats"),
        ("'x' * 40 -replace '(\\w+\\s?)+$', ''", "repeats a part that itself repeats"),
        ("'a' -match '*'", 'parsing "*" - nothing to repeat.'),
        ("'a,b' -split '('", 'parsing "(" - missing ).'),
        ("'abc' -replace 'b', '$2'", 'The replacement "$2" is not valid'),
        ("[math]::Round( )", 'Cannot find an overload for "Round" and the argument count: "0".'),
        ("[int]::$('x')", "[int]::x is not run by the exchsim console."),
    ],
)
def test_regexes_and_static_calls_fail_in_words(script, fragment):
    # Each crashed the console with a Python exception; the nested repeat ran for minutes past the time limit.
    refused(script, fragment)


def test_the_regexes_admins_write_still_run():
    script = (
        "'10.0.0.1' -match '^(\\d{1,3}\\.){3}\\d{1,3}$'\n"
        "'mail.contoso.com' -match '^([a-z0-9]+\\.)+[a-z]{2,}$'\n"
        "'AnonymousUsers, Custom' -replace ',?\\s*Custom', ''\n"
    )
    assert ems.run_script(template(), script).output == ["True", "True", "AnonymousUsers"]


def test_return_outside_a_function_ends_the_script_after_its_value():
    result = ems.run_script(template(), "'a'; return 'b'; 'c'")
    assert result.error is None
    assert result.output == ["a", "b"]


def test_a_case_the_interpreter_does_not_handle_ends_in_words_with_nothing_applied():
    org = template()
    script = f"Set-ReceiveConnector {FRONTEND} -Comment first\n'next'"
    real = ems.psruntime.run_statement
    calls = []

    def second_fails(ctx, statement, out):
        calls.append(statement)
        if len(calls) == 2:
            raise IndexError("list index out of range")
        return real(ctx, statement, out)

    with mock.patch.object(ems.psruntime, "run_statement", second_fails):
        result = ems.run_script(org, script)
    assert result.error == ems.UNRUNNABLE.format(2)
    assert result.org == org


def test_like_with_many_stars_on_a_long_text_answers_at_once():
    # A regex of several `.*` backtracked polynomially: 2,000 characters against four stars took seconds past the
    # time limit; the stars are now found in turn.
    result = ems.run_script(template(), "('a' * 100000) -like ('*a' * 20 + 'b'); 'xaybz' -like '*a*b?'", max_seconds=2)
    assert result.output == ["False", "True"]


def test_an_invalid_wildcard_class_is_refused_as_powershell_words_it():
    refused("'a' -like '[b-a]'", "The specified wildcard character pattern is not valid: [b-a]")


@pytest.mark.parametrize(
    "script", ["'{0,2000000000}' -f 1", "'a'.PadLeft(2000000000)", "'a'.PadRight(2000000000, 'x')"]
)
def test_a_padding_wider_than_any_output_is_refused_before_it_is_made(script):
    refused(script, "The value would be 2,000,000,000 characters long")
