"""The lab overview: the connector table with risk badges, domains, recipients, the quick check, new connectors."""

from urllib.parse import urlencode

from django.urls import reverse

from connectors import labs
from connectors.exchange.model import FieldError
from connectors.forms import NewConnectorForm, add_engine_errors
from connectors.models import ReceiveConnector
from connectors.templatetags.exchsim import break_after_domain
from tests.helpers import HTMX, RELAY, build_seed_relay


def _check(client, lab, ip, rcpt="x@outside.example", **extra):
    query = urlencode({"server": "EX01", "remote_ip": ip, "mail_from": "app@contoso.com", "rcpt": rcpt})
    return client.get(reverse("connectors:lab-check", args=[lab.slug]) + "?" + query, **extra).content.decode()


def test_it_lists_servers_connectors_and_their_state(signed_in, lab):
    body = signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    assert "Exchange Server 2007" in body
    assert "Default EX01" in body
    assert "Client EX01" in body
    assert "0.0.0.0:587" in body
    assert "all IPv4 addresses" in body
    assert "Tls, Integrated, BasicAuth, BasicAuthRequireTLS" in body
    assert "contoso.com" in body
    assert "alice@contoso.com" in body


def test_it_badges_the_anonymous_relay(signed_in, lab):
    build_seed_relay(signed_in, lab)
    body = signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    assert '<span class="badge bad">anonymous relay</span>' in body
    assert '<span class="badge warn">anonymous submit</span>' in body  # Default EX01 now takes Internet mail


def test_the_quick_check_answers_inline_with_verdict_and_reason(signed_in, lab):
    build_seed_relay(signed_in, lab)
    yes = _check(signed_in, lab, "10.0.0.50", **HTMX)
    assert yes.lstrip().startswith('<section id="quick-check"')
    assert "Yes — 250 2.1.5 Recipient OK" in yes
    assert "EX01\\Web app relay" in yes
    no = _check(signed_in, lab, "10.0.0.51", **HTMX)
    assert "No — 550 5.7.1 Unable to relay" in no


def test_the_quick_check_says_why_a_client_is_refused_before_rcpt(signed_in, lab):
    no = _check(signed_in, lab, "10.0.0.51")
    assert "No — 530 5.7.1 Client was not authenticated" in no
    assert "<html" in no  # full page without htmx


def test_the_quick_check_validates_the_address(signed_in, lab):
    body = _check(signed_in, lab, "not-an-ip", **HTMX)
    assert "errorlist" in body
    assert "verdict" not in body


def test_new_receive_connector_uses_the_engines_rules(signed_in, lab):
    url = reverse("connectors:connector-create", args=[lab.slug])
    body = signed_in.post(
        url, {"server": "EX01", "name": "Bad", "usage": "Custom", "bindings": "0.0.0.0:25"}, **HTMX
    ).content.decode()
    assert "Provide values for the Bindings and RemoteIPRanges parameters." in body
    assert not ReceiveConnector.objects.filter(name="Bad").exists()
    ok = signed_in.post(
        url,
        {"server": "EX01", "name": RELAY, "usage": "Custom", "bindings": "0.0.0.0:25", "remote_ip_ranges": "10.0.0.50"},
        **HTMX,
    )
    assert ok["HX-Redirect"].endswith("/connectors/Web%20app%20relay/")


def test_new_connector_on_an_unknown_server_is_a_form_error(signed_in, lab):
    url = reverse("connectors:connector-create", args=[lab.slug])
    body = signed_in.post(url, {"server": "EX99", "name": "X", "usage": "Custom"}, **HTMX).content.decode()
    assert "Select a valid choice. EX99 is not one of the available choices." in body


def test_transport_role_is_offered_only_where_a_server_has_it(signed_in, lab, owner):
    assert (
        'name="transport_role"' not in signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    )
    current = labs.create_lab_from_template("exchangese", owner=owner, name="SE")
    assert (
        'name="transport_role"' in signed_in.get(reverse("connectors:lab-detail", args=[current.slug])).content.decode()
    )


def test_without_javascript_the_findings_placeholder_links_to_the_findings(signed_in, lab):
    body = signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    findings_url = reverse("connectors:lab-findings", args=[lab.slug])
    assert f'Auditing the lab by simulation… <a href="{findings_url}">open the findings</a>' in body
    assert '<link rel="icon" href="data:,">' in body  # no favicon 404 in the browser console


def test_a_principal_may_wrap_after_its_domain_rather_than_inside_its_name(signed_in, lab):
    body = signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    assert "CONTOSO\\<wbr>ExchangeLegacyInterop" in body


def test_the_wrap_point_escapes_both_halves_of_a_principal():
    assert break_after_domain("<b>EVIL\\x<script>") == "&lt;b&gt;EVIL\\<wbr>x&lt;script&gt;"
    assert break_after_domain("Authenticated Users") == "Authenticated Users"


def test_an_engine_error_lands_on_the_new_connector_field_its_parameter_names():
    form = NewConnectorForm({"server": "EX01", "name": "X", "usage": "Custom"}, servers=["EX01"])
    assert form.is_valid(), form.errors
    names = {"Bindings": "bindings", "RemoteIPRanges": "remote_ip_ranges", "TransportRole": "transport_role"}
    add_engine_errors(form, [FieldError(parameter, f"bad {parameter}") for parameter in [*names, "Usage", "Server"]])
    for parameter, field in {**names, "Usage": "usage", "Server": "server"}.items():
        assert form.errors[field] == [f"bad {parameter}"], parameter


def test_the_new_connector_form_says_how_to_write_bindings_and_ranges(signed_in, lab):
    """The help the fields point to (aria-describedby) is on the page: how a binding and a remote range are written."""
    body = signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    for field in ("bindings", "remote_ip_ranges"):
        assert f'aria-describedby="id_new_{field}_helptext"' in body
        assert f'id="id_new_{field}_helptext"' in body
    assert "Local IP address and port: 0.0.0.0:25, [::]:25." in body
    assert "10.0.0.50, 10.0.0.1-10.0.0.9, 10.0.0.0/24" in body
