"""Property: whatever the script, the console answers with success or a clear error, never an exception, and an
error leaves the lab as it was (atomic), or with exactly the commands before the failing one applied."""

from hypothesis import HealthCheck, given, settings

from connectors.exchange import ems

from .hostile import scripts
from .orgs import template

ORG = template()
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def _assert_clear(result):
    assert all(isinstance(line, str) for line in result.output)
    if result.error is not None:
        assert result.error.strip()
        assert "Traceback" not in result.error
        assert len(result.error) < 5_000  # a hostile value is quoted, not echoed whole


@FUZZ
@given(scripts())
def test_an_atomic_script_succeeds_or_changes_nothing(script):
    result = ems.run_script(ORG, script, atomic=True)
    _assert_clear(result)
    if result.error is not None:
        assert result.org == ORG
        assert result.commands_applied == 0


@FUZZ
@given(scripts())
def test_a_script_stops_at_the_first_error_with_the_earlier_commands_applied(script):
    result = ems.run_script(ORG, script)
    _assert_clear(result)
    if result.error is not None and result.commands_applied == 0:
        assert result.org == ORG
