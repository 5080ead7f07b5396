"""The what-if simulator page."""

from django.urls import reverse

from connectors import labs
from connectors.exchange import addresses
from tests.helpers import HTMX, build_seed_relay, probe_url


def test_the_seed_relay_lets_only_the_web_application_relay(signed_in, lab):
    build_seed_relay(signed_in, lab)
    allowed = signed_in.get(probe_url(lab, "10.0.0.50")).content.decode()
    refused = signed_in.get(probe_url(lab, "10.0.0.51")).content.decode()
    assert "250 2.1.5 Recipient OK" in allowed
    assert "EX01\\Web app relay takes the connection.</strong>" in allowed
    assert "550 5.7.1 Unable to relay" in refused
    assert "EX01\\Default EX01 takes the connection.</strong>" in refused


def test_it_shows_rights_with_their_provenance(signed_in, lab):
    build_seed_relay(signed_in, lab)
    page = signed_in.get(probe_url(lab, "10.0.0.50")).content.decode()
    assert "granted by Add-ADPermission to NT AUTHORITY\\ANONYMOUS LOGON" in page
    assert "granted by permission group AnonymousUsers" in page


def test_it_colours_replies_by_class(signed_in, lab):
    build_seed_relay(signed_in, lab)
    page = signed_in.get(probe_url(lab, "10.0.0.51")).content.decode()
    assert '<span class="r5">S: 550 5.7.1 Unable to relay</span>' in page
    assert '<span class="r2">S: 250 2.1.0 Sender OK</span>' in page


def test_the_url_holds_the_probe(signed_in, lab):
    page = signed_in.get(probe_url(lab, "10.0.0.77", rcpt="alice@contoso.com")).content.decode()
    assert 'value="10.0.0.77"' in page
    assert "alice@contoso.com</textarea>" in page


def test_htmx_gets_only_the_form_and_result(signed_in, lab):
    response = signed_in.get(probe_url(lab, "10.0.0.50"), **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="probe"')
    assert "<html" not in body


def test_a_bad_address_is_refused_in_exchange_words(signed_in, lab):
    body = signed_in.get(probe_url(lab, "10.0.0.999")).content.decode()
    assert "SMTP transcript" not in body
    assert "10.0.0.999" in body
    assert "errorlist" in body


def test_an_unknown_server_is_a_form_error_not_a_crash(signed_in, lab):
    response = signed_in.get(probe_url(lab, "10.0.0.50", server="NOPE"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_empty_form_shows_no_result(signed_in, lab):
    body = signed_in.get(probe_url(lab, "1.1.1.1").split("?")[0]).content.decode()
    assert "Simulate" in body
    assert "SMTP transcript" not in body


def test_a_session_without_rights_says_so_and_why_mail_from_fails(signed_in, lab):
    page = signed_in.get(probe_url(lab, "10.0.0.51")).content.decode()
    assert "No rights at all on this connector" in page
    assert '<span class="r5">S: 530 5.7.1 Client was not authenticated</span>' in page
    assert "never sent" in page


def test_addresses_in_angle_brackets_are_sent_as_typed_in_smtp(signed_in, lab):
    build_seed_relay(signed_in, lab)
    page = signed_in.get(probe_url(lab, "10.0.0.50", rcpt="<bob@contoso.com>", mail_from="<app@contoso.com>"))
    body = page.content.decode()
    assert "MAIL FROM:&lt;app@contoso.com&gt;" in body
    assert "RCPT TO:&lt;bob@contoso.com&gt;" in body
    assert "&lt;&lt;" not in body


def test_the_null_sender_is_written_as_empty_angle_brackets(signed_in, lab):
    build_seed_relay(signed_in, lab)
    body = signed_in.get(probe_url(lab, "10.0.0.50", rcpt="bob@contoso.com", mail_from="<>")).content.decode()
    assert "MAIL FROM:&lt;&gt;</span>" in body
    assert "501 5.1.7" not in body


def test_a_hand_typed_url_without_a_port_probes_port_25(signed_in, lab):
    url = probe_url(lab, "10.0.0.51")
    body = signed_in.get(url.replace("&port=25", "")).content.decode()
    assert "EX01\\Default EX01 takes the connection.</strong>" in body


def test_a_lab_without_servers_says_there_is_nothing_to_probe(signed_in, owner):
    empty = labs.create_lab_from_template("empty", owner=owner, name="Nothing here")
    body = signed_in.get(reverse("connectors:simulator", args=[empty.slug])).content.decode()
    assert "This lab has no servers, so there is nothing to probe." in body


def test_it_parses_the_probes_addresses_once_and_hands_the_parsed_values_on(signed_in, lab, monkeypatch):
    parsed = []
    parse = addresses._address
    monkeypatch.setattr(addresses, "_address", lambda text: parsed.append(text.strip()) or parse(text))
    response = signed_in.get(probe_url(lab, "203.0.113.9", local_ip="10.0.0.1"))
    session_start = response.context["result"].transcript[1].server[0]
    assert parsed.count("203.0.113.9") == 1, parsed
    assert parsed.count("10.0.0.1") == 1, parsed
    assert "Hello [203.0.113.9]" in session_start


def test_a_probe_without_recipients_says_the_sender_was_accepted_and_nothing_more_was_tried(signed_in, lab):
    """MAIL FROM accepted and no RCPT TO typed: not a refusal ("Not accepted" above "MAIL FROM … accepted" read as a
    contradiction), but a session that stopped before any recipient."""
    build_seed_relay(signed_in, lab)
    page = signed_in.get(probe_url(lab, "10.0.0.50", rcpt="")).content.decode()
    assert '<span class="r2">S: 250 2.1.0 Sender OK</span>' in page
    assert "Not accepted" not in page
    assert "Sender accepted; no recipient given" in page
    assert "The probe has no RCPT TO, so the session stops after MAIL FROM." in page
