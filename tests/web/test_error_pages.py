"""exchsim's own page for a server error: Django renders it without a request context, so it must stand alone."""

from django.test import RequestFactory
from django.views.defaults import server_error


def test_it_answers_a_server_error_with_exchsims_page_not_djangos_plain_text():
    response = server_error(RequestFactory().get("/labs/demo/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in body
    assert "nothing was changed" in body
    assert "Traceback" not in body
