"""Team sessions through the dashboard: start, join, the live board, hints and answer, a lab's goals and findings."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from connectors import labs, training
from connectors.models import ScenarioLab, TrainingSession

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def session(client, alice):
    client.force_login(alice)
    response = client.post(reverse("connectors:training-session-create"), {"scenario": "close-open-relay"})
    assert response.status_code == 302
    return TrainingSession.objects.get()


def _join(client, user, session):
    client.force_login(user)
    response = client.post(reverse("connectors:training-join", args=[session.pk]))
    assert response.status_code == 302
    return ScenarioLab.objects.get(session=session, trainee=user).lab


def test_a_trainer_starts_a_session_named_after_the_scenario(session, alice):
    assert session.trainer == alice
    assert session.title == "Find and close an open relay"


def test_joining_gives_each_trainee_their_own_lab_once(client, session, bob, django_user_model):
    lab = _join(client, bob, session)
    assert lab.owner == bob
    assert _join(client, bob, session) == lab
    carol = django_user_model.objects.create_user("carol")
    assert _join(client, carol, session) != lab
    assert client.get(reverse("connectors:training-session", args=[session.pk])).status_code == 302


def test_the_board_shows_each_trainees_goals_and_turns_green_when_solved(client, session, alice, bob):
    lab = _join(client, bob, session)
    client.force_login(alice)
    board = client.get(reverse("connectors:training-board", args=[session.pk]), **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in board
    assert "bob" in board
    assert "2 / 5" in board
    assert "all met" not in board
    training.solve(lab)
    board = client.get(reverse("connectors:training-board", args=[session.pk]), **HTMX).content.decode()
    assert "5 / 5 · all met" in board
    assert 'class="trainee done"' in board


def test_hints_and_the_answer_appear_for_trainees_only_when_revealed(client, session, alice, bob):
    lab = _join(client, bob, session)
    scenario_url = reverse("connectors:lab-scenario", args=[lab.slug])
    scenario = training.get_scenario(session.scenario)
    page = client.get(scenario_url).content.decode()
    assert scenario.hints[0] not in page
    assert "Model answer" not in page
    client.force_login(alice)
    client.post(reverse("connectors:training-reveal", args=[session.pk]), {"what": "hint"})
    client.post(reverse("connectors:training-reveal", args=[session.pk]), {"what": "answer"})
    client.force_login(bob)
    page = client.get(scenario_url).content.decode()
    assert scenario.hints[0] in page
    assert scenario.hints[1] not in page
    assert "Model answer" in page


def test_the_scenario_page_grades_the_lab_and_refreshes_its_goals_by_htmx(client, session, bob):
    lab = _join(client, bob, session)
    fragment = client.get(reverse("connectors:lab-scenario", args=[lab.slug]), **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="goals"')
    assert "Not met: The Internet (203.0.113.7) cannot relay" in fragment
    assert "expected &#x27;550 5.7.1 Unable to relay&#x27;" in fragment


def test_a_lab_not_started_from_a_scenario_has_no_scenario_page(client, bob):
    lab = labs.create_lab_from_template("exchangese", owner=bob)
    client.force_login(bob)
    assert client.get(reverse("connectors:lab-scenario", args=[lab.slug])).status_code == 404


def test_the_findings_page_lists_the_open_relay_with_its_address_and_fix(client, bob):
    lab = training.start(training.get_scenario("close-open-relay"), slug="mine", owner=bob)
    client.force_login(bob)
    page = client.get(reverse("connectors:lab-findings", args=[lab.slug])).content.decode()
    assert 'data-code="open-relay"' in page
    assert "203.0.113.7" in page
    assert "Remove-ADPermission" in page


def test_the_training_page_lists_the_library_and_offers_trainers_a_start_form(client, alice, bob):
    client.force_login(alice)
    page = client.get(reverse("connectors:training-home")).content.decode()
    assert "Start session" in page
    assert "overlapping-ranges" in page
    client.force_login(bob)
    assert "Start session" not in client.get(reverse("connectors:training-home")).content.decode()


def test_the_overview_and_each_connector_load_their_findings_by_htmx(client, bob):
    lab = training.start(training.get_scenario("close-open-relay"), slug="mine", owner=bob)
    client.force_login(bob)
    findings_url = reverse("connectors:lab-findings", args=[lab.slug])
    assert f'hx-get="{findings_url}"' in client.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    connector_page = client.get(
        reverse("connectors:connector-detail", args=[lab.slug, "EX01", "Default Frontend EX01"])
    ).content.decode()
    assert f'hx-get="{findings_url}?connector=EX01%5CDefault%20Frontend%20EX01"' in connector_page
    fragment = client.get(findings_url, {"connector": "EX01\\Default Frontend EX01"}, **HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="findings"')
    assert 'data-code="open-relay"' in fragment
    assert 'data-code="mapi-encryption-not-required"' not in fragment
    other = client.get(findings_url, {"connector": "EX01\\Client Frontend EX01"}, **HTMX).content.decode()
    assert "No findings" in other


def test_a_paginated_overview_audits_only_the_servers_it_shows(client, bob):
    lab = labs.generate_lab("big", servers=12, connectors_per_server=1, ranges_per_connector=2, owner=bob)
    client.force_login(bob)
    overview = client.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    findings_url = reverse("connectors:lab-findings", args=[lab.slug])
    assert f'hx-get="{findings_url}?server=EX001&amp;server=EX002' in overview
    fragment = client.get(findings_url, {"server": ["EX001", "EX002"]}, **HTMX).content.decode()
    assert "EX001 accepts unencrypted MAPI" in fragment
    assert "EX003" not in fragment


def test_starting_a_session_for_an_unknown_scenario_shows_the_form_again(client, alice):
    client.force_login(alice)
    response = client.post(reverse("connectors:training-session-create"), {"scenario": "nope"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Scenario library" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_an_info_finding_is_styled_as_information_not_as_success(client, bob):
    lab = training.start(training.get_scenario("close-open-relay"), slug="mine", owner=bob)
    client.force_login(bob)
    page = client.get(reverse("connectors:lab-findings", args=[lab.slug])).content.decode()
    assert '<li class="verdict info" data-code="mapi-encryption-not-required">' in page
    assert '<li class="verdict bad" data-code="open-relay">' in page


def test_a_trainer_sees_a_trainees_lab_with_its_editing_controls_disabled(client, session, alice, bob):
    lab = _join(client, bob, session)
    connector = reverse("connectors:connector-tab", args=[lab.slug, "EX01", "Default Frontend EX01", "permissions"])
    console = reverse("connectors:console", args=[lab.slug])
    overview = reverse("connectors:lab-detail", args=[lab.slug])
    assert '<fieldset class="plain" >' in client.get(connector).content.decode()  # the owner edits
    client.force_login(alice)
    assert '<fieldset class="plain" disabled>' in client.get(connector).content.decode()
    assert '<fieldset class="plain console-input" disabled' in client.get(console).content.decode()
    assert 'id="new-connector"' not in client.get(overview).content.decode()


def test_the_board_folds_the_hints_so_a_projected_board_does_not_give_them_away(client, session, alice):
    client.force_login(alice)
    client.post(reverse("connectors:training-reveal", args=[session.pk]), {"what": "hint"})
    page = client.get(reverse("connectors:training-session", args=[session.pk])).content.decode()
    hints = training.get_scenario(session.scenario).hints
    assert f'<details><summary>Hints ({len(hints)})</summary><ol><li class="muted">{hints[0]} <span' in page


def test_every_page_of_a_scenario_lab_links_back_to_its_goals(client, bob):
    lab = training.start(training.get_scenario("close-open-relay"), slug="mine", owner=bob)
    client.force_login(bob)
    goals = f'<a href="{reverse("connectors:lab-scenario", args=[lab.slug])}" >Goals</a>'
    assert goals in client.get(reverse("connectors:console", args=[lab.slug])).content.decode()
    plain = labs.create_lab_from_template("exchange2007", owner=bob, name="Plain")
    assert ">Goals</a>" not in client.get(reverse("connectors:console", args=[plain.slug])).content.decode()


def test_check_again_is_a_link_so_it_works_without_javascript(client, bob):
    lab = training.start(training.get_scenario("close-open-relay"), slug="mine", owner=bob)
    client.force_login(bob)
    url = reverse("connectors:lab-scenario", args=[lab.slug])
    assert f'<a class="button" href="{url}" hx-get="{url}"' in client.get(url).content.decode()


def test_anyone_can_try_a_scenario_on_their_own_from_the_library(client, bob):
    client.force_login(bob)
    home = client.get(reverse("connectors:training-home")).content.decode()
    start = reverse("connectors:training-scenario-start", args=["close-open-relay"])
    assert f'action="{start}"' in home
    response = client.post(start)
    link = ScenarioLab.objects.get(trainee=bob)
    assert response["Location"] == reverse("connectors:lab-scenario", args=[link.lab.slug])
    assert link.session is None
    assert link.lab.owner == bob
    page = client.get(response["Location"]).content.decode()
    assert "Hint 1" in page
    assert "Model answer" in page  # self-study shows every hint on request
    assert client.post(reverse("connectors:training-scenario-start", args=["no-such"])).status_code == 404


def test_the_briefing_reads_as_paragraphs_not_as_the_files_wrapped_lines(client, session, bob):
    """The scenario files wrap their prose at 120 columns: a line end inside a paragraph is a space on the page, a
    blank line a new paragraph (no <br> mid-sentence)."""
    lab = _join(client, bob, session)
    page = client.get(reverse("connectors:lab-scenario", args=[lab.slug])).content.decode()
    briefing = training.get_scenario("close-open-relay").briefing.strip()
    first, *rest = briefing.split("\n\n")
    assert f"<p>{escape(' '.join(first.split()))}</p>" in page
    assert "<br>" not in page.split('id="briefing-title"')[1].split("</section>")[0]
