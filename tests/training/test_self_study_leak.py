"""Self-study can't read ahead of a session: while bob is a trainee in a session of a scenario, his own labs of that
scenario show the hints and the model answer only as far as the trainer has revealed them."""

import pytest
from django.urls import reverse

from connectors import training
from connectors.models import ScenarioLab, TrainingSession

SCENARIO = "close-open-relay"


@pytest.fixture
def session(client, alice):
    client.force_login(alice)
    client.post(reverse("connectors:training-session-create"), {"scenario": SCENARIO})
    return TrainingSession.objects.get()


def _self_study_page(client, bob) -> str:
    client.force_login(bob)
    response = client.post(reverse("connectors:training-scenario-start", args=[SCENARIO]))
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def _reveal(client, alice, session, what: str) -> None:
    client.force_login(alice)
    client.post(reverse("connectors:training-reveal", args=[session.pk]), {"what": what})


def test_it_hides_the_hints_and_answer_of_self_study_while_bob_is_in_a_session_of_the_scenario(client, session, bob):
    client.force_login(bob)
    client.post(reverse("connectors:training-join", args=[session.pk]))
    scenario = training.get_scenario(SCENARIO)
    page = _self_study_page(client, bob)
    assert scenario.hints[0] not in page
    assert "Model answer" not in page
    assert scenario.answer not in page
    assert f'session "{session.title}" of this scenario' in page


def test_it_shows_in_self_study_what_the_trainer_has_revealed(client, session, alice, bob):
    client.force_login(bob)
    client.post(reverse("connectors:training-join", args=[session.pk]))
    _reveal(client, alice, session, "hint")
    scenario = training.get_scenario(SCENARIO)
    page = _self_study_page(client, bob)
    assert scenario.hints[0] in page
    assert scenario.hints[1] not in page
    assert "Model answer" not in page
    _reveal(client, alice, session, "answer")
    lab = ScenarioLab.objects.get(trainee=bob, session=None).lab
    client.force_login(bob)
    page = client.get(reverse("connectors:lab-scenario", args=[lab.slug])).content.decode()
    assert "Model answer" in page


def test_a_self_study_lab_started_before_joining_is_held_back_once_bob_joins(client, session, bob):
    scenario = training.get_scenario(SCENARIO)
    assert scenario.hints[0] in _self_study_page(client, bob)
    client.post(reverse("connectors:training-join", args=[session.pk]))
    lab = ScenarioLab.objects.get(trainee=bob, session=None).lab
    page = client.get(reverse("connectors:lab-scenario", args=[lab.slug])).content.decode()
    assert scenario.hints[0] not in page
    assert "Model answer" not in page


def test_self_study_of_another_scenario_and_without_a_session_shows_everything(client, session, bob):
    client.force_login(bob)
    client.post(reverse("connectors:training-join", args=[session.pk]))
    other = next(name for name in training.scenarios() if name != SCENARIO)
    response = client.post(reverse("connectors:training-scenario-start", args=[other]))
    page = client.get(response["Location"]).content.decode()
    assert "Hint 1" in page
    assert "Model answer" in page


def test_the_trainer_of_the_session_still_sees_everything_in_self_study(client, session, alice):
    page = _self_study_page(client, alice)
    assert "Hint 1" in page
    assert "Model answer" in page
