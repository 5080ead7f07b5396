"""The scenario file format: what is accepted and the errors for what isn't (docs/scenarios.md)."""

import pytest

from connectors.training import ScenarioError, parse_scenario

VALID = """
title = "T"
version = "Exchange Server SE"
template = "exchangese"
summary = "S"
briefing = "B"
hints = ["h"]
[answer]
script = "Set-MailboxServer -Identity EX01 -MAPIEncryptionRequired $true"
explanation = "E"
[[goals]]
title = "g"
probe = { server = "EX01", remote_ip = "10.0.0.50", rcpts = ["a@b.example"] }
expect = { rcpt = "250", fate = ["relay-outside", "ndr"], ehlo_has = ["STARTTLS"] }
[[goals]]
title = "no relay"
audit = { absent = "open-relay" }
"""


def test_it_reads_probe_and_audit_goals():
    scenario = parse_scenario("x", VALID)
    probe_goal, audit_goal = scenario.goals
    assert probe_goal.probe.rcpts == ("a@b.example",)
    assert dict(probe_goal.expect)["rcpt"] == "250"
    assert audit_goal.audit.code == "open-relay"
    assert not audit_goal.audit.present


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('template = "exchangese"', 'template = "nope"'), "template must be one of"),
        (("rcpts =", "rcpt ="), "unknown probe field(s) rcpt"),
        (('rcpt = "250"', 'rcpt_reply = "250"'), "unknown expectation 'rcpt_reply'"),
        (('absent = "open-relay"', 'missing = "open-relay"'), "exactly one of absent"),
        (('"relay-outside", "ndr"', '"lost"'), "fate must be one of"),
        (('title = "T"', "title = "), "not valid TOML"),
        (
            ('[answer]\nscript = "Set-MailboxServer -Identity EX01 -MAPIEncryptionRequired $true"', "[answer]"),
            "'script'",
        ),
    ],
)
def test_it_rejects_broken_files_naming_the_problem(change, message):
    with pytest.raises(ScenarioError) as error:
        parse_scenario("x", VALID.replace(*change))
    assert message in str(error.value)
