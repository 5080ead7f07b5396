"""The simulated SMTP session (reference §7): every key reply of §7.2, the EHLO rules of §7.3, recipient fates."""

import pytest

from connectors.exchange.acl import add_ad_permission, remove_ad_permission
from connectors.exchange.catalogue import ANONYMOUS_LOGON, EXTERNALLY_SECURED_SERVERS, AuthMechanism
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import AcceptedDomain, DomainType, Principal, PrincipalKind
from connectors.exchange.selection import SelectionIndex
from connectors.exchange.smtp import Probe, Simulator, simulate
from tests.engine.smtp_orgs import (
    CLIENT_FRONTEND,
    CONTOSO,
    DEFAULT_FRONTEND,
    EDGE_DEFAULT,
    PASSWORD,
    connector,
    contoso,
    edge_org,
    replies,
    run,
    step,
    with_connector,
)

SUBMIT = "ms-Exch-SMTP-Submit"
AUTHORITATIVE_SENDER = "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender"
ANY_RECIPIENT = "ms-Exch-SMTP-Accept-Any-Recipient"
QUEUED_PREFIX = "250 2.6.0 <"


def changed(org, name, **changes):
    return with_connector(org, connector(org, name).with_changes(**changes))


def ehlo_lines(result, occurrence=0):
    return [s for s in result.transcript if (s.client or "").startswith("EHLO")][occurrence].server


def client_587(**probe):
    """A client submitting on the Client Frontend port."""
    return dict(port=587, **probe)


# --- banner and EHLO ------------------------------------------------------------------------------------------------


def test_the_banner_names_the_fqdn_and_a_fixed_date():
    result = run(contoso())
    assert result.transcript[0].client is None
    assert result.transcript[0].server == (
        "220 ex01.contoso.com Microsoft ESMTP MAIL Service ready at Mon, 1 Jan 2024 09:00:00 +0000",
    )


def test_a_custom_banner_replaces_the_default_one():
    org = changed(contoso(), DEFAULT_FRONTEND, banner="220 mail.contoso.com ready")
    assert run(org).transcript[0].server == ("220 mail.contoso.com ready",)


def test_the_connector_fqdn_is_advertised_instead_of_the_server_fqdn():
    org = changed(contoso(), DEFAULT_FRONTEND, fqdn="mail.contoso.com")
    assert ehlo_lines(run(org))[0] == "250-mail.contoso.com Hello [203.0.113.7]"


def test_default_frontend_advertises_exactly_the_documented_extensions():
    assert ehlo_lines(run(contoso())) == (
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


@pytest.mark.parametrize(("size_enabled", "expected"), [("EnabledWithoutValue", ["250-SIZE"]), ("Disabled", [])])
def test_size_advertisement_follows_size_enabled(size_enabled, expected):
    lines = ehlo_lines(run(changed(contoso(), DEFAULT_FRONTEND, size_enabled=size_enabled)))
    assert [line for line in lines if "SIZE" in line] == expected


def test_client_frontend_offers_login_only_after_starttls():
    before = run(contoso(), **client_587())
    assert "250-AUTH GSSAPI NTLM" in ehlo_lines(before)
    assert not any("LOGIN" in line for line in ehlo_lines(before))
    after = run(contoso(), **client_587(starttls=True))
    assert step(after, "STARTTLS").server == ("220 2.0.0 SMTP server ready",)
    second = ehlo_lines(after, 1)
    assert "250-AUTH GSSAPI NTLM LOGIN" in second
    assert "250-STARTTLS" not in second


def test_basic_auth_without_require_tls_offers_login_before_tls():
    org = changed(contoso(), CLIENT_FRONTEND, auth_mechanism=AuthMechanism.TLS | AuthMechanism.BASIC_AUTH)
    assert "250-AUTH LOGIN" in ehlo_lines(run(org, **client_587()))


def test_x_anonymoustls_disappears_after_starttls():
    result = run(contoso(), starttls=True)
    assert "250-X-ANONYMOUSTLS" in ehlo_lines(result, 0)
    assert "250-X-ANONYMOUSTLS" not in ehlo_lines(result, 1)
    assert "250-X-EXPS GSSAPI NTLM" in ehlo_lines(result, 1)


def test_a_connector_without_integrated_or_exchange_server_advertises_no_auth():
    org = changed(contoso(), DEFAULT_FRONTEND, auth_mechanism=AuthMechanism.TLS)
    lines = ehlo_lines(run(org))
    assert not any(line.startswith(("250-AUTH", "250-X-EXPS", "250-X-ANONYMOUSTLS")) for line in lines)


def test_edge_offers_only_ntlm_for_exchange_server_auth():
    result = run(edge_org(), server="EDGE01")
    assert result.connector.name == EDGE_DEFAULT
    assert "250-X-EXPS NTLM" in ehlo_lines(result)


def test_an_invalid_ehlo_domain_is_refused_and_mail_needs_hello_first():
    result = run(contoso(), helo="bad domain!", mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",))
    assert step(result, "EHLO").server == ("501 5.5.4 Invalid domain name",)
    assert result.mail_from == "503 5.5.2 Send hello first"
    assert result.recipients[0].fate == "not-sent"


def test_starttls_on_a_connector_without_tls_is_an_unrecognized_command():
    org = changed(contoso(), DEFAULT_FRONTEND, auth_mechanism=AuthMechanism.INTEGRATED)
    result = run(org, starttls=True)
    assert step(result, "STARTTLS").server == ("500 5.3.3 Unrecognized command",)
    assert len([s for s in result.transcript if (s.client or "").startswith("EHLO")]) == 1


# --- AUTH -------------------------------------------------------------------------------------------------------------


def test_auth_login_before_tls_is_an_unrecognized_authentication_type():
    result = run(contoso(), **client_587(auth_mechanism="LOGIN", auth_user="CONTOSO\\alice"))
    assert step(result, "AUTH LOGIN").server == ("504 5.7.4 Unrecognized authentication type",)
    assert "BasicAuthRequireTLS" in " ".join(result.reasons)
    assert result.identity.kind == "anonymous"


def test_auth_login_after_tls_succeeds_with_the_base64_dialogue():
    result = run(contoso(), **client_587(starttls=True, auth_mechanism="LOGIN", auth_user="CONTOSO\\alice"))
    assert step(result, "AUTH LOGIN").server == ("334 VXNlcm5hbWU6",)
    assert "235 2.7.0 Authentication successful" in replies(result)
    assert result.identity.kind == "account"
    assert result.rights.has(SUBMIT)
    assert result.rights.has(ANY_RECIPIENT)


@pytest.mark.parametrize(
    ("user", "password"), [("CONTOSO\\alice", "wrong"), ("CONTOSO\\mallory", None), ("nobody@contoso.com", None)]
)
def test_bad_credentials_get_authentication_unsuccessful(user, password):
    result = run(contoso(), **client_587(auth_mechanism="NTLM", auth_user=user, auth_password=password))
    assert step(result, "AUTH NTLM").server == ("535 5.7.3 Authentication unsuccessful",)
    assert result.identity.kind == "anonymous"


@pytest.mark.parametrize("user", ["alice", "alice@contoso.com", "CONTOSO\\Alice"])
def test_a_user_may_sign_in_with_any_of_its_names(user):
    result = run(contoso(), **client_587(auth_mechanism="NTLM", auth_user=user, auth_password=PASSWORD))
    assert "235 2.7.0 Authentication successful" in replies(result)


def test_valid_credentials_without_submit_fail_authentication():
    result = run(contoso(), auth_mechanism="NTLM", auth_user="CONTOSO\\bob", mail_from="bob@contoso.com")
    assert step(result, "AUTH NTLM").server == ("535 5.7.3 Authentication unsuccessful",)
    assert SUBMIT in " ".join(result.reasons)
    assert result.identity.kind == "anonymous"


def test_gssapi_needs_enable_auth_gssapi():
    result = run(contoso(), auth_mechanism="GSSAPI", auth_user="CONTOSO\\alice")
    assert step(result, "AUTH GSSAPI").server == ("504 5.7.4 Unrecognized authentication type",)
    assert "EnableAuthGSSAPI" in " ".join(result.reasons)


def test_x_exps_with_an_exchange_server_gives_the_server_identity():
    result = run(
        contoso(), auth_mechanism="X-EXPS", auth_user="EX02", mail_from="x@fabrikam.com", rcpts=("y@tailspin.com",)
    )
    assert step(result, "X-EXPS").server == ("235 2.7.0 Authentication successful",)
    assert result.identity.kind == "exchange_server"
    assert result.recipients[0].fate == "relay-outside"


def test_x_exps_with_something_that_is_not_an_exchange_server_fails():
    result = run(contoso(), auth_mechanism="X-EXPS", auth_user="printer01")
    assert step(result, "X-EXPS").server == ("535 5.7.3 Authentication unsuccessful",)


# --- MAIL FROM -------------------------------------------------------------------------------------------------------


def test_anonymous_without_submit_is_not_authenticated_and_dropped():
    result = run(contoso(), **client_587(mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",)))
    assert result.mail_from == "530 5.7.1 Client was not authenticated"
    assert result.disconnected
    assert result.transcript[-1].client.startswith("MAIL FROM")
    assert result.recipients[0].fate == "not-sent"


def test_a_non_anonymous_identity_without_submit_has_no_permission_to_submit():
    org = contoso()
    relay = connector(org, DEFAULT_FRONTEND)
    acl = add_ad_permission(relay.acl, EXTERNALLY_SECURED_SERVERS, [SUBMIT], deny=True)
    org = with_connector(org, relay.with_changes(auth_mechanism=AuthMechanism.EXTERNAL_AUTHORITATIVE, acl=acl))
    result = run(org, mail_from="app@contoso.com")
    assert result.identity.kind == "externally_secured"
    assert result.mail_from == "550 5.7.1 Client does not have permissions to submit to this server"
    assert result.disconnected


@pytest.mark.parametrize("sender", ["postmaster", "a@"])
def test_a_sender_that_is_not_an_address_is_invalid(sender):
    result = run(contoso(), mail_from=sender, rcpts=("bob@contoso.com",))
    assert result.mail_from == "501 5.1.7 Invalid address"
    assert not result.disconnected


def test_the_null_sender_is_accepted():
    result = run(contoso(), mail_from="", rcpts=("bob@contoso.com",))
    assert step(result, "MAIL FROM").client == "MAIL FROM:<>"
    assert result.data.startswith(QUEUED_PREFIX)


def test_require_tls_without_starttls_refuses_mail_and_drops():
    org = changed(contoso(), DEFAULT_FRONTEND, require_tls=True)
    result = run(org, mail_from="a@fabrikam.com")
    assert result.mail_from == "451 5.7.3 STARTTLS is required to send mail"
    assert result.disconnected
    assert run(org, mail_from="a@fabrikam.com", starttls=True).mail_from == "250 2.1.0 Sender OK"


def test_declared_size_over_the_limit_is_refused_at_mail_from():
    result = run(contoso(), mail_from="a@fabrikam.com", size=40_000_000, rcpts=("bob@contoso.com",))
    assert result.mail_from == "552 5.3.4 Message size exceeds fixed maximum message size"
    assert not result.disconnected
    assert result.recipients[0].fate == "not-sent"


def test_declared_size_over_the_limit_passes_with_bypass_message_size_limit():
    result = run(contoso(), auth_mechanism="X-EXPS", auth_user="EX02", mail_from="a@contoso.com", size=40_000_000)
    assert result.mail_from == "250 2.1.0 Sender OK"


def test_a_domain_secure_sender_must_use_tls_and_then_becomes_the_partner():
    org = edge_org(tls_receive_domain_secure_list=("fabrikam.com",))
    refused = run(org, server="EDGE01", mail_from="a@fabrikam.com")
    assert refused.mail_from == "530 5.7.1 Not authenticated"
    partner = run(org, server="EDGE01", mail_from="a@fabrikam.com", starttls=True, rcpts=("bob@contoso.com",))
    assert partner.mail_from == "250 2.1.0 Sender OK"
    assert partner.identity.kind == "partner"
    assert partner.data.startswith(QUEUED_PREFIX)


# --- RCPT TO ---------------------------------------------------------------------------------------------------------


def test_relay_to_a_domain_that_is_not_accepted_is_refused_with_the_reason():
    result = run(contoso(), mail_from="a@fabrikam.com", rcpts=("x@fabrikam.com",))
    outcome = result.recipients[0]
    assert (outcome.reply, outcome.fate) == ("550 5.7.1 Unable to relay", "rejected")
    assert any(
        r.startswith("RCPT x@fabrikam.com refused: fabrikam.com is not an accepted domain and")
        and "ANONYMOUS LOGON has no ms-Exch-SMTP-Accept-Any-Recipient on this connector" in r
        for r in result.reasons
    )
    assert result.data is None


def test_too_many_recipients_are_deferred():
    org = changed(contoso(), DEFAULT_FRONTEND, max_recipients_per_message=2)
    result = run(org, mail_from="a@fabrikam.com", rcpts=("alice@contoso.com", "bob@contoso.com", "ceo@contoso.com"))
    assert [r.reply for r in result.recipients][-1] == "452 4.5.3 Too many recipients"
    assert [r.fate for r in result.recipients] == ["mailbox", "mailbox", "rejected"]


def test_an_address_without_a_domain_is_invalid():
    result = run(contoso(), mail_from="a@fabrikam.com", rcpts=("bob",))
    assert result.recipients[0].reply == "501 5.1.3 Invalid address"


def test_recipient_lookup_refuses_unknown_recipients_of_authoritative_domains():
    org = contoso(recipient_validation_enabled=True)
    result = run(org, mail_from="a@fabrikam.com", rcpts=("nobody@contoso.com", "bob@contoso.com"))
    assert [r.reply for r in result.recipients] == ["550 5.1.1 User unknown", "250 2.1.5 Recipient OK"]


def test_recipient_lookup_is_skipped_for_sessions_that_bypass_anti_spam():
    org = contoso(recipient_validation_enabled=True)
    result = run(
        org, auth_mechanism="X-EXPS", auth_user="EX02", mail_from="a@contoso.com", rcpts=("nobody@contoso.com",)
    )
    assert result.recipients[0].reply == "250 2.1.5 Recipient OK"
    assert result.recipients[0].fate == "ndr"


# --- DATA and fates ------------------------------------------------------------------------------------------------


def test_each_accepted_recipient_gets_its_fate():
    domains = (
        CONTOSO,
        AcceptedDomain("Fabrikam shared", "fabrikam.com", DomainType.INTERNAL_RELAY),
        AcceptedDomain("Tailspin", "tailspin.com", DomainType.EXTERNAL_RELAY),
    )
    rcpts = ("a.smith@contoso.com", "nobody@contoso.com", "x@fabrikam.com", "y@tailspin.com")
    result = run(contoso(domains=domains), mail_from="a@northwind.com", rcpts=rcpts)
    assert step(result, "DATA").server == ("354 Start mail input; end with <CRLF>.<CRLF>",)
    assert result.data.startswith(QUEUED_PREFIX)
    assert result.data.endswith("Queued mail for delivery")
    assert [r.fate for r in result.recipients] == ["mailbox", "ndr", "internal-relay", "external-relay"]
    assert result.recipients[1].ndr == "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"
    assert all(r.reply == "250 2.1.5 Recipient OK" for r in result.recipients)


def test_an_oversized_message_is_refused_at_the_end_of_data():
    result = run(contoso(), mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",), message_size=50_000_000)
    assert result.data == "552 5.3.4 Message size exceeds fixed maximum message size"
    assert result.recipients[0].fate == "not-sent"


def anti_spoofed(org, name=DEFAULT_FRONTEND, server="EX01"):
    target = connector(org, name, server)
    return with_connector(
        org, target.with_changes(acl=remove_ad_permission(target.acl, ANONYMOUS_LOGON, [AUTHORITATIVE_SENDER]))
    )


def test_a_spoofed_from_header_fails_the_p2_check():
    result = run(
        anti_spoofed(contoso()), mail_from="a@fabrikam.com", from_header="ceo@contoso.com", rcpts=("bob@contoso.com",)
    )
    assert result.mail_from == "250 2.1.0 Sender OK"
    assert result.data == "550 5.7.1 Client does not have permissions to send as this sender"
    assert any("P2 (From header)" in r for r in result.reasons)


def test_a_signed_in_user_may_send_as_itself_only():
    base = client_587(starttls=True, auth_mechanism="LOGIN", auth_user="CONTOSO\\alice", rcpts=("x@fabrikam.com",))
    own = run(contoso(), mail_from="a.smith@contoso.com", **base)
    assert own.data.startswith(QUEUED_PREFIX)
    assert own.recipients[0].fate == "relay-outside"
    other = run(contoso(), mail_from="ceo@contoso.com", **base)
    assert other.data == "550 5.7.1 Client does not have permissions to send as this sender"
    external = run(contoso(), mail_from="alice@gmail.com", **base)
    assert external.data == "550 5.7.1 Client does not have permissions to send as this sender"


def test_a_failed_logon_lends_the_session_nothing_of_the_account():
    org = anti_spoofed(contoso())
    result = run(
        org, auth_mechanism="NTLM", auth_user="CONTOSO\\bob", mail_from="bob@contoso.com", rcpts=("alice@contoso.com",)
    )
    assert result.identity.kind == "anonymous"
    assert result.data == "550 5.7.1 Client does not have permissions to send as this sender"


def test_edge_refuses_an_anonymous_external_spoof_with_the_anonymous_wording():
    org = edge_org()
    edge = connector(org, EDGE_DEFAULT, "EDGE01")
    denied = remove_ad_permission(edge.acl, ANONYMOUS_LOGON, ["ms-Exch-SMTP-Accept-Any-Sender"])
    org = with_connector(org, edge.with_changes(acl=denied))
    result = run(org, server="EDGE01", mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",))
    assert result.data == "550 5.7.1 Anonymous client does not have permissions to send as this sender"


# --- selection, errors, output --------------------------------------------------------------------------------------


def test_no_connector_means_no_banner_and_an_explicit_result():
    result = run(contoso(), port=2526, mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",))
    assert result.connector is None
    assert result.transcript == ()
    assert result.disconnected
    assert result.recipients[0].fate == "not-sent"
    assert result.to_json()["connector"] is None
    assert "no banner" in result.reasons[-1]


def test_an_unknown_server_is_an_exchange_error():
    with pytest.raises(ExchangeError, match="couldn't be found"):
        simulate(contoso(), Probe(server="EX99", remote_ip="1.2.3.4"))


def test_to_json_has_the_documented_shape():
    data = run(contoso(), mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",)).to_json()
    assert data["connector"] == "EX01\\" + DEFAULT_FRONTEND
    assert data["identity"]
    assert SUBMIT in data["rights"]
    assert data["transcript"][1]["client"] == "EHLO client.example.com"
    assert data["mail_from"] == "250 2.1.0 Sender OK"
    assert data["recipients"][0] == {
        "address": "bob@contoso.com",
        "reply": "250 2.1.5 Recipient OK",
        "fate": "mailbox",
        "reason": data["recipients"][0]["reason"],
        "ndr": None,
    }
    assert all(isinstance(r, str) and r for r in data["reasons"])


def test_a_simulator_gives_the_same_answers_as_simulate():
    org = contoso()
    probe = Probe(server="EX01", remote_ip="198.51.100.1", mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",))
    simulator = Simulator(org)
    assert simulator.simulate(probe) == simulator.simulate(probe) == simulate(org, probe)


def test_a_prebuilt_selection_index_is_used_as_given():
    org = contoso()
    only_client = SelectionIndex([connector(org, CLIENT_FRONTEND)])
    result = simulate(org, Probe(server="EX01", remote_ip="198.51.100.1", port=25), index=only_client)
    assert result.connector is None
    assert simulate(
        org, Probe(server="EX01", remote_ip="198.51.100.1", port=587), index=only_client
    ).connector.name == (CLIENT_FRONTEND)


def test_on_edge_a_known_recipient_is_relayed_into_the_organisation_not_delivered_there():
    result = run(edge_org(), server="EDGE01", mail_from="a@fabrikam.com", rcpts=("bob@contoso.com",))
    assert result.recipients[0].fate == "mailbox"
    assert result.recipients[0].reason == (
        "relayed by the Edge Transport server into the organisation and delivered to Mailbox 'Bob'."
    )


def test_a_group_cannot_sign_in():
    org = contoso()
    org = org.with_changes(principals=(*org.principals, Principal("CONTOSO\\Printers", PrincipalKind.GROUP)))
    result = run(org, **client_587(starttls=True, auth_mechanism="NTLM", auth_user="Printers"))
    assert step(result, "AUTH").server == ("535 5.7.3 Authentication unsuccessful",)
    assert result.identity.kind == "anonymous"
    assert any("CONTOSO\\Printers is a group" in reason for reason in result.reasons)
