"""The Exchange Management Shell console page."""

from django.urls import reverse

from connectors.store import lab_to_org
from tests.helpers import HTMX


def _run(client, lab, command, **extra):
    return client.post(reverse("connectors:console", args=[lab.slug]), {"command": command}, **extra)


def test_a_command_changes_the_lab_and_the_page_reflects_it(signed_in, lab):
    command = 'New-ReceiveConnector -Name "Relay" -Server EX01 -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 10.0.0.50'
    body = _run(signed_in, lab, command, **HTMX).content.decode()
    assert body.lstrip().startswith('<div id="console-swap">')
    assert "EX01\\Relay" in body
    assert "# created EX01\\Relay" in body
    assert lab_to_org(lab).connector("EX01", "Relay") is not None


def test_errors_print_as_ems_prints_them_and_change_nothing(signed_in, lab):
    before = lab_to_org(lab)
    body = _run(signed_in, lab, "Set-ReceiveConnector -Identity 'EX01\\Nope' -Enabled $false", **HTMX).content.decode()
    assert '<span class="err">' in body
    assert "CategoryInfo" in body
    assert lab_to_org(lab) == before


def test_history_is_kept_between_requests(signed_in, lab):
    _run(signed_in, lab, "Get-ReceiveConnector")
    body = signed_in.get(reverse("connectors:console", args=[lab.slug])).content.decode()
    assert "Get-ReceiveConnector" in body
    assert "Default EX01" in body
    assert 'data-history="Get-ReceiveConnector"' in body


def test_without_javascript_the_form_posts_the_whole_page(signed_in, lab):
    response = _run(signed_in, lab, "Get-AcceptedDomain")
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_a_change_is_named_in_the_transcript(signed_in, lab):
    body = _run(signed_in, lab, "Set-ReceiveConnector -Identity 'EX01\\Client EX01' -Enabled $false", **HTMX)
    assert "# changed EX01\\Client EX01" in body.content.decode()


def test_an_unknown_cmdlet_or_a_parse_error_is_printed_not_swallowed(signed_in, lab):
    body = _run(signed_in, lab, "Frobnicate-Thing -x", **HTMX).content.decode()
    assert '<span class="err">The term &#x27;Frobnicate-Thing&#x27; is not recognized' in body
    body = _run(signed_in, lab, 'Get-ReceiveConnector "Relay', **HTMX).content.decode()
    assert "the script can&#x27;t be parsed" in body


def test_html_a_script_writes_shows_as_text_not_markup(signed_in, lab):
    body = _run(signed_in, lab, "1 | ConvertTo-Html -PreContent '<script>alert(1)</script>' -Fragment", **HTMX)
    text = body.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)</script>" not in text
