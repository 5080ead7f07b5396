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


def test_it_answers_a_get_to_a_form_address_with_a_page_and_keeps_the_405(client, alice):
    client.force_login(alice)
    response = client.get("/labs/new/")
    body = response.content.decode()
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "<h1>This address isn't a page</h1>" in body
    assert "(POST), not a GET request, so nothing was done" in body


def test_it_names_the_methods_a_page_that_only_reads_takes(client, alice):
    client.force_login(alice)
    response = client.generic("PATCH", "/labs/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert "(GET or HEAD), not a PATCH request, so nothing was done" in response.content.decode()


def test_it_passes_a_streamed_405_through_untouched():
    from django.http import StreamingHttpResponse

    from connectors.middleware import MethodNotAllowedMiddleware

    streamed = StreamingHttpResponse(iter([b"streamed"]), status=405)
    response = MethodNotAllowedMiddleware(lambda request: streamed)(RequestFactory().get("/labs/new/"))
    assert response is streamed
    assert b"".join(response.streaming_content) == b"streamed"
