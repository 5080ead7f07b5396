"""Property: for any generated lab, dumping it and loading the file gives an identical lab."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import labfile, labs
from connectors.store import lab_to_org

pytestmark = pytest.mark.django_db


class _Rollback(Exception):
    pass


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    servers=st.integers(min_value=1, max_value=3),
    connectors=st.integers(min_value=1, max_value=4),
    ranges=st.integers(min_value=1, max_value=12),
)
def test_dump_then_load_is_identical_for_generated_labs(seed, servers, connectors, ranges):
    try:
        with transaction.atomic():
            original = labs.generate_lab("original", servers, connectors, ranges, seed=seed)
            dumped = labfile.dump_lab(original)
            loaded = labs.load_lab(dumped, "loaded")
            assert loaded.name == f"{original.name} (2)"  # the owner already has a lab of the file's name
            assert labfile.dump_lab(loaded).replace(loaded.name, original.name) == dumped
            assert lab_to_org(loaded) == lab_to_org(original)
            raise _Rollback
    except _Rollback:
        pass
