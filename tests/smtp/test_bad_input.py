"""Bad clients get Exchange's reply (or protocol error) and the endpoint keeps serving everyone else."""

import smtplib
import time

import pytest

from connectors import labtemplates
from tests.smtp.live import RawClient, live_endpoint

RELAY_IP = "10.0.0.50"
MB = 1024 * 1024


@pytest.fixture
def demo():
    with live_endpoint(labtemplates.demo_org(), remote_ip=RELAY_IP, inactivity_timeout=1.0) as live:
        yield live


def greeted(live) -> RawClient:
    client = RawClient(live.ports[25])
    assert client.reply()[0].startswith("220 ")
    assert client.command("EHLO app.contoso.com")[-1] == "250 XRDST"
    return client


def a_good_session_works(live) -> None:
    with smtplib.SMTP("127.0.0.1", live.ports[25], timeout=10) as client:
        assert client.sendmail("app@contoso.com", ["a@fabrikam.com"], b"Subject: ok\r\n\r\nok\r\n") == {}


def test_an_overlong_line_is_a_protocol_error_and_the_session_goes_on(demo):
    client = greeted(demo)
    assert client.command("NOOP " + "x" * 600) == ["500 5.5.2 Line too long"]
    assert client.command("MAIL FROM:<" + "a" * 100_000 + "@contoso.com>") == ["500 5.5.2 Line too long"]
    assert client.command("MAIL FROM:<app@contoso.com>") == ["250 2.1.0 Sender OK"]
    a_good_session_works(demo)


def test_binary_junk_gets_unrecognized_command_then_too_many_errors_and_a_drop(demo):
    client = greeted(demo)
    junk = bytes(range(256)).replace(b"\n", b"").replace(b"\r", b"")
    replies = [client.command(junk) for _ in range(6)]
    assert replies[:5] == [["500 5.3.3 Unrecognized command"]] * 5
    assert replies[5] == ["421 4.7.0 Too many errors on this connection, closing transmission channel"]
    assert client.closed()
    a_good_session_works(demo)


def test_a_client_that_never_quits_gets_the_inactivity_timeout(demo):
    silent = greeted(demo)
    a_good_session_works(demo)  # served while the silent one waits
    started = time.monotonic()
    assert silent.reply() == ["451 4.7.0 Timeout waiting for client input"]
    assert silent.closed()
    assert time.monotonic() - started < 5
    a_good_session_works(demo)


def test_a_thousand_recipients_get_200_accepted_then_452_each(demo):
    client = greeted(demo)
    assert client.command("MAIL FROM:<app@contoso.com>") == ["250 2.1.0 Sender OK"]
    client.sock.sendall(b"".join(f"RCPT TO:<user{i}@fabrikam.com>\r\n".encode() for i in range(1000)))
    replies = [client.reply() for _ in range(1000)]
    assert replies[:200] == [["250 2.1.5 Recipient OK"]] * 200  # MaxRecipientsPerMessage 200
    assert replies[200:] == [["452 4.5.3 Too many recipients"]] * 800
    assert client.command("DATA") == ["354 Start mail input; end with <CRLF>.<CRLF>"]
    client.sock.sendall(b"Subject: many\r\n\r\nx\r\n.\r\n")
    assert client.reply()[0].endswith("Queued mail for delivery")
    a_good_session_works(demo)


def test_a_50_mb_message_against_the_36_mb_limit_is_refused_at_mail_and_at_end_of_data(demo):
    client = greeted(demo)
    assert client.command(f"MAIL FROM:<app@contoso.com> SIZE={50 * MB}") == [
        "552 5.3.4 Message size exceeds fixed maximum message size"
    ]
    assert client.command("MAIL FROM:<app@contoso.com>") == ["250 2.1.0 Sender OK"]
    assert client.command("RCPT TO:<a@fabrikam.com>") == ["250 2.1.5 Recipient OK"]
    assert client.command("DATA")[0].startswith("354")
    line = b"x" * 998 + b"\r\n"
    block = line * 1024  # 1 MB
    client.sock.sendall(b"Subject: big\r\n\r\n")
    for _ in range(50):
        client.sock.sendall(block)
    client.sock.sendall(b".\r\n")
    assert client.reply() == ["552 5.3.4 Message size exceeds fixed maximum message size"]
    assert client.command("QUIT") == ["221 2.0.0 Service closing transmission channel"]
    a_good_session_works(demo)


def test_a_pipelined_burst_gets_every_reply_in_order(demo):
    client = RawClient(demo.ports[25])
    client.reply()
    burst = [
        "EHLO app.contoso.com",
        "MAIL FROM:<app@contoso.com>",
        "RCPT TO:<a@fabrikam.com>",
        "RCPT TO:<alice@contoso.com>",
        "RCPT TO:<not an address>",
        "DATA",
    ]
    client.sock.sendall("".join(f"{line}\r\n" for line in burst).encode() + b"Subject: burst\r\n\r\nx\r\n.\r\nQUIT\r\n")
    replies = [client.reply() for _ in range(len(burst) + 2)]
    assert [r[-1] for r in replies] == [
        "250 XRDST",
        "250 2.1.0 Sender OK",
        "250 2.1.5 Recipient OK",
        "250 2.1.5 Recipient OK",
        "501 5.1.3 Invalid address",
        "354 Start mail input; end with <CRLF>.<CRLF>",
        replies[6][0],
        "221 2.0.0 Service closing transmission channel",
    ]
    assert replies[6][0].endswith("Queued mail for delivery")
    a_good_session_works(demo)


def test_out_of_sequence_commands_get_exchanges_5_5_2_replies(demo):
    client = RawClient(demo.ports[25])
    client.reply()
    assert client.command("MAIL FROM:<app@contoso.com>") == ["503 5.5.2 Send hello first"]
    client.command("EHLO app.contoso.com")
    assert client.command("RCPT TO:<a@fabrikam.com>") == ["503 5.5.2 Need mail command"]
    assert client.command("MAIL FROM:<app@contoso.com>") == ["250 2.1.0 Sender OK"]
    assert client.command("MAIL FROM:<app@contoso.com>") == ["503 5.5.2 Sender already specified"]
    assert client.command("DATA") == ["503 5.5.2 Need rcpt command"]
    assert client.command("RSET") == ["250 2.0.0 Resetting"]
    assert client.command("MAIL FROM:<app@contoso.com>") == ["250 2.1.0 Sender OK"]
