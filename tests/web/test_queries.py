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


def _edits(slug: str) -> list[tuple[str, dict]]:
    """An htmx edit of each tab of EX001\\Relay 001, each valid on any generated lab."""
    url = lambda tab: reverse(f"connectors:connector-{tab}", args=[slug, "EX001", "Relay 001"])  # noqa: E731
    general = {"name": "Relay 001", "enabled": "on", "max_message_size": 36700160, "max_recipients_per_message": 200,
               "protocol_logging_level": "None", "comment": "edited"}  # fmt: skip
    return [
        (url("general"), general),
        (url("network"), {"action": "add-range", "value": "192.0.2.10"}),
        (url("auth"), {"mechanisms": ["1"], "require_tls": "on"}),
        (url("groups"), {"groups": ["1", "4"]}),
        (url("permissions"), {"action": "add", "principal": "CONTOSO\\alice", "rights": ["ms-Exch-SMTP-Submit"]}),
    ]


def _edit_queries(client, url: str, data: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, (url, response.content[:3000])
    assert b"errorlist" not in response.content, (url, response.content[:3000])
    return len(captured)


def test_each_connector_edit_costs_the_same_queries_on_a_small_and_a_large_lab(signed_in, small_and_large):
    small, large = small_and_large
    signed_in.get(reverse("connectors:lab-list"))  # the first request of a session pays for the session row
    for (small_url, data), (large_url, _) in zip(_edits(small.slug), _edits(large.slug), strict=True):
        assert _edit_queries(signed_in, small_url, data) == _edit_queries(signed_in, large_url, data), small_url


# A warm probe (the session row exists) reads: the session, the user, the lab (with its scenario link), the lab's
# servers once (the form's choices and the probed server's row), the probed server's connectors and their ACEs, and
# the lab-wide accepted domains, recipients and principals. Nothing in that list grows with the lab.
PROBE_QUERIES = 9


@pytest.mark.parametrize("servers", [2, 20])
def test_it_costs_a_warm_probe_the_same_nine_queries_on_2_and_20_servers(
    signed_in, owner, servers, django_assert_num_queries
):
    lab = labs.generate_lab(f"probe-{servers}", servers=servers, connectors_per_server=4, ranges_per_connector=3,
                            owner=owner)  # fmt: skip
    probe = {"server": "EX001", "remote_ip": "10.0.0.50", "port": 25, "mail_from": "a@contoso.com",
             "rcpts": "b@outside.example"}  # fmt: skip
    url = reverse("connectors:simulator", args=[lab.slug]) + "?" + urlencode(probe)
    signed_in.get(url)  # the first request of a session pays for the session row
    with django_assert_num_queries(PROBE_QUERIES) as captured:
        response = signed_in.get(url)
    result = response.context["result"]
    assert result.transcript, "the probe ran: a transcript is shown"
    assert result.connector.identity == "EX001\\Relay 001", result.selection.reason
    server_reads = [q["sql"] for q in captured.captured_queries if 'FROM "connectors_server"' in q["sql"]]
    assert len(server_reads) == 1, server_reads
