"""Every page costs the same number of SQL queries on a one-server lab and on a generated many-server lab."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connectors import labs


def _pages(slug: str) -> list[str]:
    connector = reverse("connectors:connector-detail", args=[slug, "EX001", "Relay 001"])
    probe = urlencode({"server": "EX001", "remote_ip": "10.0.0.50", "port": 25, "mail_from": "a@contoso.com",
                       "rcpts": "b@outside.example"})  # fmt: skip
    return [
        reverse("connectors:lab-list"),
        reverse("connectors:lab-detail", args=[slug]),
        connector,
        connector + "permissions/",
        reverse("connectors:simulator", args=[slug]) + "?" + probe,
        reverse("connectors:lab-check", args=[slug]) + "?server=EX001&remote_ip=10.0.0.50&mail_from=a@b.c&rcpt=d@e.f",
        reverse("connectors:relay-map", args=[slug]),
        reverse("connectors:plan", args=[slug]),
        reverse("connectors:console", args=[slug]),
    ]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


@pytest.fixture
def small_and_large(owner):
    small = labs.generate_lab("small", servers=1, connectors_per_server=1, ranges_per_connector=1, owner=owner)
    large = labs.generate_lab("large", servers=12, connectors_per_server=3, ranges_per_connector=4, owner=owner)
    return small, large


def test_query_counts_do_not_grow_with_the_lab(signed_in, small_and_large, django_assert_num_queries):
    small, large = small_and_large
    for small_url, large_url in zip(_pages(small.slug), _pages(large.slug), strict=True):
        _queries(signed_in, small_url)  # the first request of a session pays for the session row
        with django_assert_num_queries(_queries(signed_in, small_url)):
            assert signed_in.get(large_url).status_code == 200


def test_the_lab_list_costs_the_same_for_one_lab_and_for_many_copies(signed_in, lab, django_assert_num_queries):
    url = reverse("connectors:lab-list")
    _queries(signed_in, url)
    one = _queries(signed_in, url)
    for _ in range(3):
        labs.copy_lab(lab)
    with django_assert_num_queries(one):
        signed_in.get(url)
