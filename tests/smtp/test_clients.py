"""Real clients against the live endpoint: Python's smtplib (STARTTLS, AUTH LOGIN, sendmail, XCLIENT via docmd)."""

import smtplib
import ssl

import pytest

from connectors import labtemplates
from tests.engine.smtp_orgs import PASSWORD, contoso
from tests.smtp.live import RawClient, live_endpoint


def _insecure():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def test_smtplib_signs_in_after_starttls_and_the_message_is_kept_with_each_recipients_fate():
    kept = []
    with live_endpoint(contoso(), ip="10.0.0.5", remote_ip="192.0.2.7", on_message=kept.append) as live:
        with smtplib.SMTP("127.0.0.1", live.ports[587], timeout=10) as client:
            client.ehlo("app.example.com")
            assert client.esmtp_features["auth"].split() == ["GSSAPI", "NTLM"]  # BasicAuthRequireTLS: no LOGIN yet
            client.starttls(context=_insecure())
            client.ehlo("app.example.com")
            assert client.esmtp_features["auth"].split() == ["GSSAPI", "NTLM", "LOGIN"]
            assert client.login("CONTOSO\\alice", PASSWORD) == (235, b"2.7.0 Authentication successful")
            refused = client.sendmail(
                "alice@contoso.com",
                ["bob@contoso.com", "partner@fabrikam.com"],
                b"From: Alice <alice@contoso.com>\r\nSubject: report\r\n\r\nHello.\r\n",
            )
    assert refused == {}
    (message,) = kept
    assert message.identity == "CONTOSO\\alice"
    assert message.connector == "EX01\\Client Frontend EX01"
    assert message.mail_from == "alice@contoso.com"
    assert [(r.address, r.fate) for r in message.recipients] == [
        ("bob@contoso.com", "mailbox"),
        ("partner@fabrikam.com", "relay-outside"),
    ]
    assert b"Subject: report" in message.content
    assert not message.truncated


def test_smtplib_gets_535_for_a_wrong_password():
    with live_endpoint(contoso(), remote_ip="192.0.2.7") as live:
        with smtplib.SMTP("127.0.0.1", live.ports[587], timeout=10) as client:
            client.starttls(context=_insecure())
            with pytest.raises(smtplib.SMTPAuthenticationError) as error:
                client.login("CONTOSO\\alice", "not-the-password")
    assert error.value.smtp_code == 535
    assert error.value.smtp_error == b"5.7.3 Authentication unsuccessful"


def test_ntlm_is_advertised_as_modelled_but_answered_as_not_supported_here():
    with live_endpoint(contoso(), remote_ip="192.0.2.7") as live:
        client = RawClient(live.ports[587])
        client.reply()
        assert "250-AUTH GSSAPI NTLM" in client.command("EHLO app.example.com")
        assert client.command("AUTH NTLM") == [
            "504 5.7.4 NTLM is not supported by this test endpoint (exchsim); use AUTH LOGIN"
        ]
        assert client.command("QUIT") == ["221 2.0.0 Service closing transmission channel"]


def test_a_refused_relay_raises_in_smtplib_with_exchanges_words():
    with live_endpoint(labtemplates.demo_org(), remote_ip="10.0.0.51") as live:
        with smtplib.SMTP("127.0.0.1", live.ports[25], timeout=10) as client:
            with pytest.raises(smtplib.SMTPRecipientsRefused) as error:
                client.sendmail("app@contoso.com", ["someone@fabrikam.com"], b"Subject: x\r\n\r\nx\r\n")
    assert error.value.recipients == {"someone@fabrikam.com": (550, b"5.7.1 Unable to relay")}


def test_xclient_is_off_by_default_and_with_it_a_local_client_stands_for_any_address():
    with live_endpoint(labtemplates.demo_org()) as live:
        with smtplib.SMTP("127.0.0.1", live.ports[25], timeout=10) as client:
            assert client.docmd("XCLIENT", "ADDR=10.0.0.50") == (500, b"5.3.3 Unrecognized command")
    with live_endpoint(labtemplates.demo_org(), xclient=True) as live:
        with smtplib.SMTP("127.0.0.1", live.ports[25], timeout=10) as client:
            code, banner = client.docmd("XCLIENT", "ADDR=10.0.0.50")
            assert code == 220
            assert b"XCLIENT is on" in banner
            client.ehlo("app.contoso.com")
            assert "xclient" in client.esmtp_features
            assert client.sendmail("app@contoso.com", ["someone@fabrikam.com"], b"Subject: x\r\n\r\nx\r\n") == {}


def test_the_live_banner_carries_the_current_date_and_each_message_a_fresh_id():
    kept = []
    with live_endpoint(
        labtemplates.demo_org(), remote_ip="10.0.0.50", deterministic=False, on_message=kept.append
    ) as live:
        for _ in range(2):
            with smtplib.SMTP("127.0.0.1", live.ports[25], timeout=10) as client:
                client.sendmail("app@contoso.com", ["someone@fabrikam.com"], b"Subject: x\r\n\r\nx\r\n")
        banner = RawClient(live.ports[25]).reply()[0]
    assert "Mon, 1 Jan 2024" not in banner
    assert banner.startswith("220 ex01.contoso.com Microsoft ESMTP MAIL Service")
    assert len({m.message_id for m in kept}) == 2
