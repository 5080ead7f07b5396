"""`manage.py scenario` and `manage.py audit`: output, JSON and exit codes for CI."""

import json

import pytest
from django.core.management import CommandError, call_command

from connectors import labs, training


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_scenario_list_prints_one_name_per_line_then_its_title():
    lines = run("scenario", "list").splitlines()
    assert len(lines) == len(training.scenarios())
    name, title = lines[0].split(None, 1)
    assert training.get_scenario(name).title == title


@pytest.mark.django_db
def test_start_check_and_solve_from_the_command_line():
    assert "Started" in run("scenario", "start", "stop-anonymous-spoofing", "--slug", "spoof")
    with pytest.raises(CommandError) as failed:
        run("scenario", "check", "spoof")
    assert failed.value.returncode == 1
    solved = run("scenario", "solve", "spoof")
    assert "FAIL" not in solved
    assert "All 4 goals met." in solved
    assert "PASS  A stranger can't send as administrator@contoso.com" in run("scenario", "check", "spoof")


@pytest.mark.django_db
def test_scenario_errors_are_worded_not_tracebacks():
    with pytest.raises(CommandError, match="There's no scenario called 'nope'"):
        run("scenario", "start", "nope", "--slug", "x")
    labs.create_lab_from_template("exchangese", slug="plain")
    with pytest.raises(CommandError, match="was not started from a scenario"):
        run("scenario", "check", "plain")


@pytest.mark.django_db
def test_audit_fails_at_the_requested_level_and_prints_json():
    training.start(training.get_scenario("close-open-relay"), slug="relay")
    findings = json.loads(_json("relay"))
    assert findings[0]["code"] == "open-relay"
    assert findings[0]["address"] == "203.0.113.7"
    with pytest.raises(CommandError) as failed:
        run("audit", "relay")
    assert failed.value.returncode == 1


@pytest.mark.django_db
def test_a_clean_lab_passes_at_warning_and_fails_at_info():
    training.start(training.get_scenario("mapi-encryption-2007"), slug="mapi")
    assert "mapi-encryption-not-required" in run("audit", "mapi", "--fail-on", "warning")
    with pytest.raises(CommandError):
        run("audit", "mapi", "--fail-on", "info")


def _json(slug: str) -> str:
    """--json output even though the command then exits 1 (the JSON is printed before the exit)."""
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", slug, "--json", stdout=out)
    return out.getvalue()
