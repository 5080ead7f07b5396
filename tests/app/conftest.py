"""Fixtures the app tests share."""

import pytest

from connectors import labs


@pytest.fixture
def demo_lab(db):
    """The demo lab (its EX01 relay connector is the one the ACE row tests change: ace_rows)."""
    return labs.create_demo_lab()
