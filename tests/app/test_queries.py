"""Queries do not grow with the lab: loading a server or the whole lab takes a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors import labfile, labs, store
from connectors.models import Lab
from connectors.store import lab_to_org

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def small_and_large(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        small = labs.generate_lab("small", servers=1, connectors_per_server=1, ranges_per_connector=1)
        large = labs.generate_lab("large", servers=20, connectors_per_server=10, ranges_per_connector=50, seed=2)
        yield small, large
        Lab.objects.filter(pk__in=[small.pk, large.pk]).delete()


def count_queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def test_loading_one_server_into_the_engine_is_constant(small_and_large):
    small, large = small_and_large
    counts = [count_queries(lambda lab=lab: lab_to_org(lab, servers=["EX001"])) for lab in (small, large)]
    assert counts[0] == counts[1] <= 6
    org = lab_to_org(large, servers=["EX001"])
    assert len(org.connectors) == 10
    assert sum(len(c.remote_ip_ranges) for c in org.connectors) == 500
    assert all(c.acl for c in org.connectors)


def test_loading_the_whole_lab_is_constant(small_and_large):
    small, large = small_and_large
    assert count_queries(lambda: lab_to_org(small)) == count_queries(lambda: lab_to_org(large))


def test_listing_labs_is_constant(small_and_large):
    def listing():
        return [
            (lab.slug, lab.name, lab.owner, lab.baseline) for lab in Lab.objects.select_related("owner", "baseline")
        ]

    assert count_queries(listing) == 1


def test_dumping_and_saving_unchanged_are_constant(small_and_large):
    small, large = small_and_large
    assert count_queries(lambda: labfile.dump_lab(small)) == count_queries(lambda: labfile.dump_lab(large))
    small_org, large_org = lab_to_org(small), lab_to_org(large)
    assert count_queries(lambda: store.save_org(small, small_org)) == count_queries(
        lambda: store.save_org(large, large_org)
    )
