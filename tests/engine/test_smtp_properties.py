"""The simulator follows the connector properties that change SMTP behaviour (issue 12): the EHLO keywords,
X-ANONYMOUSTLS suppression, RequireEHLODomain, MaxLogonFailures, MaxProtocolErrors, ConnectionInactivityTimeout."""

import datetime

import pytest

from connectors.exchange.smtp import Simulator
from tests.engine.smtp_orgs import DEFAULT_FRONTEND, connector, contoso, edge_org, run, with_connector

DEFAULT_EHLO = (
    "250-ex01.contoso.com Hello [203.0.113.7]",
    "250-SIZE 37748736",
    "250-PIPELINING",
    "250-DSN",
    "250-ENHANCEDSTATUSCODES",
    "250-STARTTLS",
    "250-X-ANONYMOUSTLS",
    "250-AUTH NTLM",
    "250-X-EXPS GSSAPI NTLM",
    "250-8BITMIME",
    "250-BINARYMIME",
    "250-CHUNKING",
    "250 XRDST",
)


def changed(**changes):
    org = contoso()
    return with_connector(org, connector(org, DEFAULT_FRONTEND).with_changes(**changes))


def ehlo(org) -> tuple[str, ...]:
    return next(s for s in run(org).transcript if (s.client or "").startswith("EHLO")).server


def without(*keywords) -> tuple[str, ...]:
    lines = [line for line in DEFAULT_EHLO if line[4:] not in keywords]
    return (*lines[:-1], lines[-1].replace("250-", "250 ", 1))


@pytest.mark.parametrize(
    ("field", "keyword"),
    [
        ("pipelining_enabled", "PIPELINING"),
        ("delivery_status_notification_enabled", "DSN"),
        ("enhanced_status_codes_enabled", "ENHANCEDSTATUSCODES"),
        ("eight_bit_mime_enabled", "8BITMIME"),
        ("binary_mime_enabled", "BINARYMIME"),
        ("suppress_x_anonymous_tls", "X-ANONYMOUSTLS"),
    ],
)
def test_each_ehlo_keyword_follows_its_property(field, keyword):
    value = field == "suppress_x_anonymous_tls"  # the one that removes its keyword when $true
    assert ehlo(changed(**{field: value})) == without(keyword)


def test_chunking_disabled_takes_binarymime_with_it():
    # BINARYMIME needs CHUNKING (P-NRC); the engine refuses that pair, so the session is built from the value itself.
    assert ehlo(changed(chunking_enabled=False, binary_mime_enabled=False)) == without("BINARYMIME", "CHUNKING")


def test_size_disabled_and_without_value():
    assert ehlo(changed(size_enabled="Disabled")) == without("SIZE 37748736")
    assert ehlo(changed(size_enabled="EnabledWithoutValue"))[1] == "250-SIZE"


def test_long_addresses_and_orar_are_advertised_before_xrdst():
    org = contoso()
    default = next(c for c in org.connectors if c.name == "Default EX01")
    org = with_connector(org, default.with_changes(long_addresses_enabled=True, orar_enabled=True))
    lines = ehlo_on(org, port=2525, remote_ip="10.0.0.6")
    assert lines[-3:] == ("250-XLONGADDR", "250-XORAR", "250 XRDST")


def ehlo_on(org, **probe):
    return next(s for s in run(org, **probe).transcript if (s.client or "").startswith("EHLO")).server


def test_long_addresses_are_not_advertised_by_the_front_end_service():
    assert "250-XLONGADDR" not in ehlo(changed(long_addresses_enabled=True))


def session(org, port=25):
    smtp = Simulator(org).session("EX01", "203.0.113.7", port=port)
    smtp.connect()
    return smtp


@pytest.mark.parametrize("helo", ["", "[203.0.113.7]"])
def test_require_ehlo_domain_refuses_an_ehlo_without_a_domain_and_closes(helo):
    smtp = session(changed(require_ehlo_domain=True))
    reply = smtp.command(f"EHLO {helo}".strip())
    assert reply.lines == ("501 5.0.0 EHLO requires domain address",)
    assert reply.close


def test_require_ehlo_domain_takes_an_ehlo_with_a_domain():
    smtp = session(changed(require_ehlo_domain=True))
    assert smtp.command("EHLO client.example.com").lines == DEFAULT_EHLO


def test_without_require_ehlo_domain_an_address_literal_is_greeted():
    assert session(contoso()).command("EHLO [203.0.113.7]").lines[0] == "250-ex01.contoso.com Hello [203.0.113.7]"


def failed_logons(org, attempts: int) -> list[str]:
    smtp = Simulator(org).session("EX01", "203.0.113.7", port=587)
    smtp.connect()
    smtp.command("EHLO client.example.com")
    smtp.tls = True  # the client has done STARTTLS, so AUTH LOGIN is offered
    lines = []
    for _ in range(attempts):
        smtp.command("AUTH LOGIN")
        smtp.command("YWxpY2U=")  # alice
        lines.append(smtp.command("d3Jvbmc=").lines[0])  # a wrong password
    return lines


def client_frontend(org, **changes):
    return with_connector(org, connector(org, "Client Frontend EX01").with_changes(**changes))


def test_max_logon_failures_closes_after_that_many_failures():
    lines = failed_logons(client_frontend(contoso(), max_logon_failures=1), 2)
    assert lines == [
        "535 5.7.3 Authentication unsuccessful",
        "421 4.7.0 Too many errors on this connection, closing transmission channel",
    ]


def test_max_logon_failures_zero_never_closes():
    lines = failed_logons(client_frontend(contoso(), max_logon_failures=0), 6)
    assert lines == ["535 5.7.3 Authentication unsuccessful"] * 6


def test_max_protocol_errors_unlimited_never_closes():
    smtp = session(changed(max_protocol_errors=None))
    assert [smtp.command("FOO").lines[0] for _ in range(8)] == ["500 5.3.3 Unrecognized command"] * 8


def test_max_protocol_errors_closes_after_that_many():
    smtp = session(changed(max_protocol_errors=1))
    assert [smtp.command("FOO").lines[0] for _ in range(2)] == [
        "500 5.3.3 Unrecognized command",
        "421 4.7.0 Too many errors on this connection, closing transmission channel",
    ]


def test_the_inactivity_timeout_is_the_connector_s():
    assert session(changed(connection_inactivity_timeout=datetime.timedelta(seconds=42))).inactivity_timeout == 42
    edge = edge_org()
    smtp = Simulator(edge).session("EDGE01", "203.0.113.7", port=25)
    assert smtp.inactivity_timeout == 60, "an Edge Transport server's connectors: 00:01:00"


@pytest.mark.parametrize("value", [True, False])
def test_smtp_utf8_enabled_is_kept_but_never_advertised(value):
    # SmtpUtf8Enabled is "reserved for internal Microsoft use" (P-SRC) and no on-premises EHLO shows SMTPUTF8 (D-TEL):
    # docs/decisions.md, "SmtpUtf8Enabled".
    assert ehlo(changed(smtp_utf8_enabled=value)) == DEFAULT_EHLO
