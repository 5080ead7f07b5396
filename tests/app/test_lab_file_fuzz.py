"""Fuzzing: hostile lab files (wrong types, deep nesting, huge strings, NUL, unknown keys, broken JSON) never raise
anything but LabFileError from load_lab, or CommandError from loadlab, and never change the labs already there.
Bounded examples, so each test takes a few seconds on SQLite and PostgreSQL."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import labfile, labs
from connectors.labfile import LabFileError, org_to_data
from connectors.labtemplates import demo_org
from connectors.models import Lab
from tests.hostile import hostile_json, hostile_text

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _demo() -> dict:
    return {"format": "exchsim-lab", "version": 1, "name": "Fuzzed", "description": "", **org_to_data(demo_org())}


def _containers(obj, found=None):
    """Every object and list of the demo file, to mutate one of them."""
    found = [] if found is None else found
    found.append(obj)
    for value in obj.values() if isinstance(obj, dict) else obj:
        if isinstance(value, dict | list):
            _containers(value, found)
    return found


@st.composite
def hostile_lab_files(draw) -> str:
    data = _demo()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        container = draw(st.sampled_from(_containers(data)))
        if isinstance(container, dict) and container:
            key = draw(st.sampled_from(sorted(container)))
            action = draw(st.sampled_from(["replace", "delete", "unknown key"]))
            if action == "replace":
                container[key] = draw(hostile_json)
            elif action == "delete":
                del container[key]
            else:
                container[draw(hostile_text)] = draw(hostile_json)
        elif isinstance(container, list):
            container.append(draw(hostile_json))
    text = json.dumps(data, ensure_ascii=draw(st.booleans()))
    damage = draw(st.sampled_from(["none", "truncate", "bom", "deep"]))
    if damage == "truncate":
        text = text[: draw(st.integers(min_value=0, max_value=len(text)))]
    elif damage == "bom":
        text = "\ufeff" + text
    elif damage == "deep":
        text = text[:-1] + ', "extra": ' + "[" * 50_000 + "]" * 50_000 + "}"
    return text


class _Rollback(Exception):
    pass


@pytest.fixture
def seed():
    return labs.create_demo_lab(slug="seed")


@FUZZ
@given(text=hostile_lab_files())
def test_load_lab_refuses_hostile_files_with_a_lab_file_error_and_changes_nothing(seed, text):
    before = labfile.dump_lab(seed)
    try:
        with transaction.atomic():
            try:
                labs.load_lab(text, "fuzzed")
            except LabFileError as error:
                assert str(error)
            raise _Rollback
    except _Rollback:
        pass
    assert labfile.dump_lab(seed) == before
    assert list(Lab.objects.values_list("slug", flat=True)) == ["seed"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_lab_files())
def test_loadlab_answers_hostile_files_with_a_command_error(seed, tmp_path, text):
    path = tmp_path / "fuzzed.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    before = labfile.dump_lab(seed)
    try:
        with transaction.atomic():
            try:
                call_command("loadlab", str(path), "--slug", "fuzzed", stdout=StringIO())
            except CommandError as error:
                assert "wasn't loaded" in str(error) or "Can't read" in str(error)
            raise _Rollback
    except _Rollback:
        pass
    assert labfile.dump_lab(seed) == before
