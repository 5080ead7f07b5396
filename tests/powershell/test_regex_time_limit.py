"""-match, -replace and -split run under the script's time limit: a pattern that backtracks for minutes on some text
stops with the time-limit error and applies nothing, and the worker is free again within the limit."""

import time

import pytest

from connectors.exchange import ems, psvalues

from .orgs import template

CHANGE = "Set-ReceiveConnector 'EX01\\Default EX01' -Comment changed\n"
SLOW = "'(.*a){8}b'"  # bounded repeats (not refused up front), polynomial backtracking: minutes on 3,000 characters


@pytest.mark.parametrize(
    "expression",
    [
        f"('a' * 3000) -match {SLOW}",
        f"('a' * 3000) -notmatch {SLOW}",
        f"('a' * 3000) -replace {SLOW}, 'x'",
        f"('a' * 3000) -split {SLOW}",
        f"@('x', ('a' * 3000)) -match {SLOW}",
    ],
)
def test_it_stops_a_backtracking_pattern_at_the_time_limit_and_applies_nothing(expression):
    org = template()
    started = time.monotonic()
    result = ems.run_script(org, CHANGE + expression, max_seconds=0.5)
    elapsed = time.monotonic() - started
    assert "ran longer than 0.5 seconds" in result.error
    assert elapsed < 10  # minutes without the limit; generous for a loaded CI machine
    assert result.org.connector("EX01", "Default EX01").comment == org.connector("EX01", "Default EX01").comment


def test_it_leaves_no_deadline_behind_for_the_next_script():
    ems.run_script(template(), "'a' -match 'a'", max_seconds=0.01)
    time.sleep(0.02)
    assert psvalues.REGEX_DEADLINE.get() is None
    assert ems.run_script(template(), "'abc' -match 'b'").output == ["True"]


def test_it_reads_dotnet_named_groups():
    result = ems.run_script(template(), "if ('EX01\\Relay' -match '^(?<server>[^\\\\]+)\\\\') { $matches.server }")
    assert result.error is None
    assert result.output == ["EX01"]
