"""What the endpoint accepted, on the lab's Received mail page; whether an endpoint runs, on the lab's overview;
the smtpserve command end to end (a real listener, a real client, the database)."""

import datetime as dt
import smtplib
import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from connectors import labs
from connectors.exchange.session import RecipientOutcome
from connectors.models import ReceivedMessage, SmtpEndpoint
from connectors.smtpserve import AcceptedMessage, Listener
from connectors.smtpstore import Heartbeat, prune, save_messages


def _message(n=1, **changes):
    fields = dict(
        message_id=f"id-{n}",
        received_at=dt.datetime.now(dt.UTC),
        server="EX01",
        connector="EX01\\Anonymous Relay",
        local_endpoint="10.0.0.10:25",
        remote_ip="10.0.0.50",
        helo="app.contoso.com",
        identity="NT AUTHORITY\\ANONYMOUS LOGON",
        mail_from="app@contoso.com",
        recipients=(
            RecipientOutcome("alice@contoso.com", "250 2.1.5 Recipient OK", "mailbox", "delivered to Mailbox 'Alice'."),
            RecipientOutcome("a@fabrikam.com", "250 2.1.5 Recipient OK", "relay-outside", "relayed outside."),
            RecipientOutcome(
                "x@contoso.com", "250 2.1.5 Recipient OK", "ndr", "no such recipient", "550 5.1.1 RESOLVER"
            ),
        ),
        size=64,
        content=b"From: App <app@contoso.com>\r\nSubject: Invoice 42\r\nTo: alice@contoso.com\r\n\r\nbody\r\n",
        truncated=False,
    )
    return AcceptedMessage(**{**fields, **changes})


@pytest.fixture
def demo(owner):
    return labs.create_demo_lab(owner=owner)


def test_the_received_mail_page_shows_envelope_headers_and_each_recipients_fate(signed_in, demo):
    save_messages(demo, [_message()], keep=10)
    page = signed_in.get(reverse("connectors:received-mail", args=[demo.slug])).content.decode()
    assert "Invoice 42" in page
    assert "&lt;app@contoso.com&gt;" in page
    assert "10.0.0.50" in page
    assert "EX01\\Anonymous Relay" in page
    assert "delivered to a mailbox" in page
    assert "relayed out" in page
    assert "NDR" in page
    assert "550 5.1.1 RESOLVER" in page
    assert "Subject: Invoice 42" in page  # the full header list
    assert "style=" not in page
    assert "<script>" not in page.split("</main>")[0].split("<main")[1]


def test_the_store_keeps_only_the_newest_messages_of_a_lab(demo):
    for n in range(5):
        save_messages(demo, [_message(n, received_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=n))], keep=3)
    assert list(ReceivedMessage.objects.filter(lab=demo).values_list("message_id", flat=True)) == [
        "id-4",
        "id-3",
        "id-2",
    ]
    prune(demo, 1)
    assert ReceivedMessage.objects.filter(lab=demo).count() == 1


def test_the_overview_says_whether_an_endpoint_runs_and_how_to_reach_it(signed_in, demo):
    url = reverse("connectors:lab-detail", args=[demo.slug])
    page = signed_in.get(url).content.decode()
    assert "No endpoint is running for this lab" in page
    assert "manage.py smtpserve demo --server EX01 --listen 127.0.0.1:2525=10.0.0.10:25" in page
    beat = Heartbeat(
        demo, "EX01", [Listener.parse("127.0.0.1:2525=10.0.0.10:25")], xclient=True, tls_fingerprint="AB:CD"
    )
    page = signed_in.get(url).content.decode()
    assert "Running" in page
    assert "127.0.0.1:2525" in page
    assert "EX01 10.0.0.10:25" in page
    assert "AB:CD" in page
    assert "swaks --server 127.0.0.1:2525 --xclient-addr 10.0.0.50" in page
    SmtpEndpoint.objects.filter(pk=beat.row.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    assert "No endpoint is running for this lab" in signed_in.get(url).content.decode()  # a killed process
    beat.stop()
    assert not SmtpEndpoint.objects.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_smtpserve_serves_keeps_the_message_and_cleans_up(tmp_path, settings, capsys):
    settings.EXCHSIM_SMTP_LOG_DIR = tmp_path
    lab = labs.create_demo_lab()
    port = _free_port()
    results = {}

    def serve():  # in a thread of its own: this worker's main thread may already run an event loop (Playwright)
        try:
            call_command(
                "smtpserve",
                lab.slug,
                "--server",
                "EX01",
                "--listen",
                f"127.0.0.1:{port}=10.0.0.10:25",
                "--remote-ip",
                "10.0.0.50",
                "--stop-after",
                "4",
            )
        except Exception as error:  # reported by the assertion below
            results["command"] = error

    thread = threading.Thread(target=serve)
    thread.start()
    for _ in range(200):  # the listener is up once a connection succeeds
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                results["refused"] = smtp.sendmail("app@contoso.com", ["a@fabrikam.com"], b"Subject: cmd\r\n\r\nx\r\n")
            break
        except ConnectionRefusedError:
            time.sleep(0.05)
    thread.join(20)
    out = capsys.readouterr().out
    assert results == {"refused": {}}
    assert f"Listening on 127.0.0.1:{port} as EX01 10.0.0.10:25 (EX01\\Anonymous Relay for 10.0.0.50)" in out
    assert "STARTTLS certificate SHA-256 fingerprint: " in out
    assert "XCLIENT: off" in out
    (message,) = ReceivedMessage.objects.filter(lab=lab)
    assert message.recipients[0]["fate"] == "relay-outside"
    assert message.connector == "EX01\\Anonymous Relay"
    assert not SmtpEndpoint.objects.exists()
    (log,) = (tmp_path / lab.slug / "SmtpReceive").iterdir()
    assert "RCPT TO:<a@fabrikam.com>" in log.read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--listen", "127.0.0.1=10.0.0.10:25"], "--listen: '127.0.0.1' in '127.0.0.1=10.0.0.10:25' is not HOST:PORT"),
        (["--listen", "127.0.0.1:2525=nowhere:25"], "is not an IP address"),
        (["--listen", "127.0.0.1:2525=10.0.0.10:25", "--remote-ip", "10.0.0.300"], "--remote-ip:"),
        (["--listen", "127.0.0.1:2525=10.0.0.10:25", "--tls-cert", "x.pem"], "--tls-cert and --tls-key go together"),
    ],
)
def test_smtpserve_refuses_bad_options_in_words(demo, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("smtpserve", demo.slug, "--server", "EX01", *args)
