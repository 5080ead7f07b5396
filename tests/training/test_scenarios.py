"""Every scenario: the model answer meets all goals and the starting lab misses at least one (simulator verdicts)."""

import pytest

from connectors import labtemplates, training
from connectors.exchange.model import ExchangeVersion

NAMES = sorted(training.scenarios())


def test_the_library_has_the_eight_required_topics_and_more():
    assert len(NAMES) >= 8
    assert {
        "secure-client-submission-2007",
        "anonymous-relay-least-privilege",
        "anonymous-relay-externally-secured",
        "relay-separate-domains-2007",
        "mapi-encryption-2007",
        "partner-domain-security",
        "stop-anonymous-spoofing",
        "close-open-relay",
        "overlapping-ranges",
    } <= set(NAMES)


def test_scenarios_cover_exchange_2007_and_a_current_version():
    versions = {labtemplates.template_org(s.template).servers[0].version for s in training.scenarios().values()}
    assert ExchangeVersion.E2007 in versions
    assert versions & {ExchangeVersion.E2019, ExchangeVersion.SE}


@pytest.mark.parametrize("name", NAMES)
def test_the_starting_lab_misses_at_least_one_goal(name):
    scenario = training.get_scenario(name)
    results = training.grade(scenario, training.starting_org(scenario))
    assert not all(r.passed for r in results)


@pytest.mark.parametrize("name", NAMES)
def test_the_model_answer_meets_every_goal(name):
    scenario = training.get_scenario(name)
    results = training.grade(scenario, training.solved_org(scenario, training.starting_org(scenario)))
    assert [(r.goal.title, r.detail) for r in results if not r.passed] == []


@pytest.mark.parametrize("name", NAMES)
def test_every_scenario_has_a_briefing_hints_and_an_explained_answer(name):
    scenario = training.get_scenario(name)
    assert scenario.briefing
    assert scenario.hints
    assert scenario.explanation
    assert scenario.goals


# --- grading is the simulator's verdict, not configuration text --------------------------------------------------


def _answer(name: str, script: str):
    scenario = training.get_scenario(name)
    return training.grade(scenario, training.run_script(training.starting_org(scenario), script, "test script"))


def test_anonymous_users_without_the_relay_right_does_not_relay():
    results = _answer(
        "anonymous-relay-least-privilege",
        "New-ReceiveConnector -Name 'Relay' -Server EX01 -TransportRole FrontendTransport -Custom "
        "-Bindings '0.0.0.0:25' -RemoteIPRanges '10.0.0.50' -PermissionGroups AnonymousUsers",
    )
    relay = next(r for r in results if r.goal.title.startswith("10.0.0.50 relays"))
    assert not relay.passed
    assert "550 5.7.1 Unable to relay" in relay.detail


def test_externally_secured_relay_doesnt_pass_the_least_privilege_scenario():
    results = _answer(
        "anonymous-relay-least-privilege",
        "New-ReceiveConnector -Name 'Relay' -Server EX01 -TransportRole FrontendTransport -Custom "
        "-Bindings '0.0.0.0:25' -RemoteIPRanges '10.0.0.50' -AuthMechanism ExternalAuthoritative "
        "-PermissionGroups ExchangeServers",
    )
    relay = next(r for r in results if r.goal.title.startswith("10.0.0.50 relays"))
    assert not relay.passed
    assert "externally_secured" in relay.detail


def test_a_different_but_working_answer_passes_every_goal():
    """Grading probes behaviour: any connector name and range notation that behaves right is right."""
    results = _answer(
        "close-open-relay",
        "Remove-ADPermission -Identity 'EX01\\Default Frontend EX01' -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
        "-ExtendedRights 'ms-Exch-SMTP-Accept-Any-Recipient'\n"
        "New-ReceiveConnector -Name 'MFP' -Server EX01 -TransportRole FrontendTransport -Custom "
        "-Bindings '0.0.0.0:25' -RemoteIPRanges '10.0.0.60-10.0.0.60' -PermissionGroups AnonymousUsers\n"
        "Add-ADPermission -Identity 'EX01\\MFP' -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
        "-ExtendedRights 'ms-Exch-SMTP-Accept-Any-Recipient'",
    )
    assert all(r.passed for r in results)


def test_widening_the_kiosk_range_further_does_not_win():
    results = _answer("overlapping-ranges", "Set-ReceiveConnector -Identity 'EX01\\Kiosk' -RemoteIPRanges '10.0.0.0/8'")
    assert not next(r for r in results if r.goal.title == "10.0.1.66 lands on EX01\\Kiosk").passed


def test_a_failed_goal_says_what_the_simulator_answered():
    scenario = training.get_scenario("close-open-relay")
    first = training.grade(scenario, training.starting_org(scenario))[0]
    assert "got '250 2.1.5 Recipient OK', expected '550 5.7.1 Unable to relay'" in first.detail
    assert first.reasons  # the simulator's why, for the trainee
