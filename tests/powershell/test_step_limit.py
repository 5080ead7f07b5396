"""The default step limit (EXCHSIM_CONSOLE_MAX_STEPS): honest scripts over a big lab run, an endless loop still stops
quickly, by the steps or by the web console's time limit."""

import time

import pytest

from connectors.exchange import ems, psruntime
from connectors.labtemplates import generated_org
from exchsim import settings

from .orgs import template

# Ten statements per connector, as an admin's report over every connector writes them.
REPORT = """
$n = 0
foreach ($c in Get-ReceiveConnector) {
  $name = $c.Name
  $server = $c.Server
  $ranges = $c.RemoteIPRanges
  $count = $ranges.Count
  if ($count -gt 50) { $n++ }
  $bindings = $c.Bindings
  $enabled = $c.Enabled
  $size = $c.MaxMessageSize
  $line = "$name on $server"
  $upper = $line.ToUpper()
}
"$n connectors with more than 50 ranges"
"""


def test_the_default_is_the_same_for_the_engine_and_the_settings():
    assert settings.EXCHSIM_CONSOLE_MAX_STEPS == psruntime.DEFAULT_MAX_STEPS == 1_000_000


def test_it_runs_a_ten_statement_loop_over_the_thousand_connectors_of_a_big_lab():
    lab = generated_org(100, 10, 100)
    result = ems.run_script(lab, REPORT)
    assert result.error is None
    assert result.output == ["1000 connectors with more than 50 ranges"]


def test_it_runs_a_loop_over_every_range_of_a_big_lab():
    lab = generated_org(100, 10, 100)
    script = "$n = 0; foreach ($c in Get-ReceiveConnector) { foreach ($r in $c.RemoteIPRanges) { $n++ } }; $n"
    assert ems.run_script(lab, script).output == ["100000"]


def test_it_stops_an_endless_loop_at_the_default_step_limit_within_seconds():
    org = template()
    started = time.process_time()  # CPU time: a loaded machine slows the wall clock, not the work
    result = ems.run_script(org, "Set-ReceiveConnector 'EX01\\Default EX01' -Comment x; while ($true) { }")
    assert result.error.startswith("The script stopped after 1,000,000 steps")
    assert result.org is org
    assert time.process_time() - started < 10


def test_the_time_limit_stops_an_endless_loop_before_the_default_step_limit():
    started = time.monotonic()
    result = ems.run_script(template(), "while ($true) { $i++ }", max_seconds=0.3)
    assert result.error == "The script ran longer than 0.3 seconds, the limit for one script; nothing was applied."
    assert time.monotonic() - started < 3


def test_a_range_past_the_default_step_limit_is_refused_before_it_is_built():
    result = ems.run_script(template(), "foreach ($i in 1..2000000) { }")
    assert result.error.startswith("The script stopped after 1,000,000 steps")


@pytest.mark.parametrize("grow", ["$a += 1", "$a = $a + 1", "$a = $a + @(1, 2)"])
def test_an_array_grown_without_end_stops_at_the_step_limit_without_a_time_limit(grow):
    started = time.process_time()  # CPU time: a loaded machine slows the wall clock, not the work
    result = ems.run_script(template(), f"$a = @(); while ($true) {{ {grow} }}")
    assert result.error.startswith("The script stopped after 1,000,000 steps")
    assert time.process_time() - started < 30  # minutes when each copy cost one step


def test_an_array_built_from_every_connectors_ranges_still_runs():
    lab = generated_org(100, 10, 100)
    script = "$all = @(); foreach ($c in Get-ReceiveConnector) { $all += $c.RemoteIPRanges }; $all.Count"
    assert ems.run_script(lab, script).output == ["100000"]


def test_an_array_that_doubles_itself_stops_while_small():
    # `$a += $a` doubles the array: a step per item added stops it near the limit's size, not at a billion items
    result = ems.run_script(template(), "$a = @(1)\nforeach ($i in 1..60) { $a += $a }", max_steps=100_000)
    assert result.error.startswith("The script stopped after 100,000 steps")
