"""Fixtures for the dashboard's view tests: a lab from a template (the signed-in owner is tests/conftest.py's; the
helpers, tests/helpers.py)."""

import pytest

from connectors import labs
from connectors.store import lab_to_org


@pytest.fixture
def lab(owner):
    return labs.create_lab_from_template("exchange2007", owner=owner, name="Seed lab")


@pytest.fixture
def org(lab):
    return lab_to_org(lab)
