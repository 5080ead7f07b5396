"""Every routed view keeps the house conventions (docs/decisions.md, "Architecture decisions"): typed signatures,
and sign-in checked before the method, so an anonymous visitor is sent to sign in whatever method they use.

The views are taken from the URL configuration itself, so a view added later is covered without editing this file.
"""

import inspect
import typing

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, get_resolver, resolve, reverse

SAMPLE = {"slug": "some-lab", "server": "EX01", "name": "Relay", "tab": "network", "kind": "plan", "pk": 1,
          "number": 1}  # fmt: skip


def _function_views() -> list[tuple[str, str, object]]:
    """(URL name, a URL, the view function) for each function view of the connectors namespace."""
    namespace = next(
        r for r in get_resolver().url_patterns if isinstance(r, URLResolver) and r.namespace == "connectors"
    )
    found = []
    for name, possibilities in namespace.reverse_dict.lists():
        if not isinstance(name, str):
            continue
        url = reverse(f"connectors:{name}", kwargs={k: SAMPLE[k] for k in possibilities[0][0][0][1]})
        view = resolve(url).func
        if not hasattr(view, "view_class"):  # class-based views (sign-in, sign-out, password) are Django's
            found.append((name, url, view))
    return sorted(found, key=lambda found: found[0])


def test_it_finds_the_views_to_check():
    names = {name for name, _url, _view in VIEWS}
    assert {"lab-list", "simulator", "console", "traffic", "training-home", "training-people"} <= names


VIEWS = _function_views()


@pytest.mark.parametrize(("name", "url", "view"), VIEWS, ids=[name for name, _url, _view in VIEWS])
def test_it_types_each_views_signature(name, url, view):
    function = inspect.unwrap(view)
    hints = typing.get_type_hints(function)
    assert hints.get("request") is HttpRequest, name
    assert hints.get("return") is HttpResponse, name
    untyped = [p for p in inspect.signature(function).parameters if p not in hints]
    assert not untyped, (name, untyped)


@pytest.mark.parametrize("method", ["get", "post", "put"])
def test_it_sends_an_anonymous_visitor_to_sign_in_whatever_the_method(client, settings, db, method):
    settings.EXCHSIM_SINGLE_USER = False
    sign_in = reverse("connectors:sign-in")
    for name, url, _view in VIEWS:
        response = getattr(client, method)(url)
        assert response.status_code == 302, (name, method, response.status_code)
        assert response["Location"].startswith(sign_in), (name, response["Location"])
