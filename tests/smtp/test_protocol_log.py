"""Every live session lands in a protocol log in Exchange's SMTP Receive format, which the reader parses back."""

import base64
import smtplib

from connectors import labtemplates
from connectors.exchange.protocol_log import (
    FIELDS,
    LogEvent,
    ProtocolLogWriter,
    format_event,
    header_lines,
    parse,
    reply_data,
)
from tests.engine.smtp_orgs import PASSWORD, contoso
from tests.smtp.live import RawClient, live_endpoint


def _events(folder):
    (path,) = sorted(folder.iterdir())
    return path, list(parse(path.read_text().splitlines()))


def test_a_session_is_logged_with_exchanges_header_fields_and_events(tmp_path):
    writer = ProtocolLogWriter(tmp_path)
    with live_endpoint(labtemplates.demo_org(), remote_ip="10.0.0.51", log_writer=writer) as live:
        with smtplib.SMTP("127.0.0.1", live.ports[25], timeout=10) as client:
            client.ehlo("app.contoso.com")
            client.mail("app@contoso.com")
            assert client.rcpt("a@fabrikam.com") == (550, b"5.7.1 Unable to relay")
    writer.close()
    path, events = _events(tmp_path)
    assert path.name.startswith("RECV")
    assert path.name.endswith("-1.LOG")
    text = path.read_text()
    assert text.splitlines()[:3] == [
        "#Software: Microsoft Exchange Server",
        "#Version: 15.0.0.0",
        "#Log-type: SMTP Receive Protocol Log",
    ]
    assert text.splitlines()[4] == "#Fields: " + ",".join(FIELDS)
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert {e.session_id for e in events} == {events[0].session_id}
    assert len(events[0].session_id) == 16
    assert {e.connector_id for e in events} == {"EX01\\Default Frontend EX01"}
    assert {e.local_endpoint for e in events} == {"10.0.0.10:25"}
    assert all(e.remote_endpoint.startswith("10.0.0.51:") for e in events)
    kinds = [(e.event, e.data, e.context) for e in events]
    assert kinds[0] == ("+", "", "")
    assert kinds[1][0] == ">"
    assert kinds[1][1].startswith("220 ex01.contoso.com Microsoft ESMTP MAIL Service ready at")
    assert kinds[2][0] == "*"
    assert kinds[2][2] == "Set Session Permissions"
    assert "SMTPSubmit" in kinds[2][1]
    assert ("<", "EHLO app.contoso.com", "") in kinds
    assert any(k[0] == ">" and k[1].startswith("250  ex01.contoso.com Hello [10.0.0.51] SIZE") for k in kinds)
    assert ("<", "RCPT TO:<a@fabrikam.com>", "") in kinds
    assert (">", "550 5.7.1 Unable to relay", "") in kinds
    assert kinds[-1][0] == "-"


def test_passwords_never_reach_the_log(tmp_path):
    writer = ProtocolLogWriter(tmp_path)
    with live_endpoint(contoso(), remote_ip="192.0.2.7", log_writer=writer) as live:
        client = RawClient(live.ports[587])
        client.reply()
        client.command("EHLO a.example.com")
        client.command("STARTTLS")
        client.starttls()
        client.command("EHLO a.example.com")
        assert client.command("AUTH LOGIN " + base64.b64encode(b"CONTOSO\\alice").decode()) == ["334 UGFzc3dvcmQ6"]
        assert client.command(base64.b64encode(PASSWORD.encode()).decode()) == ["235 2.7.0 Authentication successful"]
        client.command("QUIT")
    writer.close()
    path, events = _events(tmp_path)
    assert base64.b64encode(PASSWORD.encode()).decode() not in path.read_text()
    assert ("<", "********") in [(e.event, e.data) for e in events]
    assert any("TLS protocol" in e.context and "negotiation succeeded" in e.context for e in events)


def test_values_with_commas_and_quotes_are_quoted_as_csv_and_read_back():
    event = LogEvent(
        "2024-01-01T09:00:00.000Z",
        "EX01\\Relay",
        "08D675E58CA1DA38",
        3,
        "10.0.0.10:25",
        "10.0.0.50:5000",
        ">",
        '220 a, "b"',
        "",
    )
    line = format_event(event)
    assert (
        line == '2024-01-01T09:00:00.000Z,EX01\\Relay,08D675E58CA1DA38,3,10.0.0.10:25,10.0.0.50:5000,>,"220 a, ""b""",'
    )
    assert list(parse([*header_lines(), line])) == [event]


def test_a_multiline_reply_is_one_event_as_exchange_logs_ehlo():
    assert (
        reply_data(["250-ex01 Hello [1.2.3.4]", "250-SIZE 10", "250 XRDST"])
        == "250  ex01 Hello [1.2.3.4] SIZE 10 XRDST"
    )


def test_a_full_file_rolls_over_to_the_next_instance(tmp_path):
    writer = ProtocolLogWriter(tmp_path, max_file_size=500)
    event = LogEvent("2024-01-01T09:00:00.000Z", "EX01\\R", "1", 0, "a:1", "b:2", "*", "x" * 200, "")
    for _ in range(6):
        writer.write([event])
    writer.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) >= 2
    assert names[0].endswith("-1.LOG")
    assert names[1].endswith("-2.LOG")
    for path in tmp_path.iterdir():
        assert path.read_text().startswith("#Software: Microsoft Exchange Server")
