"""Every finding: a lab that raises it and the fixed lab that doesn't. Findings come from simulated sessions."""

import dataclasses
import time

import pytest

from connectors.exchange import ems
from connectors.exchange.acl import add_ad_permission
from connectors.exchange.addresses import MAX_REMOTE_IP_RANGES
from connectors.exchange.addressmap import is_public
from connectors.exchange.audit import OUTSIDE_ADDRESSES, audit, highest_severity, severity_rank
from connectors.exchange.model import AcceptedDomain, DomainType, TransportRole
from connectors.exchange.receive import new_receive_connector, set_receive_connector
from connectors.labtemplates import template_org

from .labs import ANONYMOUS, ANY_RECIPIENT, EX01, EX07, add, externally_secured_connector, lab, relay_connector, replace


def codes(org) -> list[str]:
    return [f.code for f in audit(org)]


def finding(org, code):
    found = [f for f in audit(org) if f.code == code]
    assert found, f"no {code} finding in {codes(org)}"
    return found[0]


@pytest.mark.parametrize("server", [EX01, EX07], ids=["2019", "2007"])
def test_a_clean_lab_has_no_findings(server):
    assert audit(lab(server)) == []


# --- open relay ----------------------------------------------------------------------------------------------------


def test_it_names_the_internet_address_that_relays_anonymously():
    org = lab()
    org = add(org, relay_connector(org, ["0.0.0.0-255.255.255.255"], bindings=["10.0.0.5:25"]))
    found = finding(org, "open-relay")
    assert found.severity == "error"
    assert found.address == OUTSIDE_ADDRESSES[4]
    assert "203.0.113.7" in found.title
    assert "anonymously" in found.title
    assert any("RCPT TO:<relay-test@outside.example>: 250 2.1.5 Recipient OK" in line for line in found.evidence)
    assert found.concerns("connector", "EX01\\Anonymous Relay")
    assert "Remove-ADPermission" in found.powershell
    assert ANY_RECIPIENT in found.powershell


def test_relay_granted_on_the_default_frontend_is_an_open_relay():
    org = lab()
    frontend = org.connector("EX01", "Default Frontend EX01")
    org = replace(org, frontend.with_changes(acl=add_ad_permission(frontend.acl, ANONYMOUS, ANY_RECIPIENT)))
    assert finding(org, "open-relay").concerns("connector", "EX01\\Default Frontend EX01")


def test_relay_allowed_only_to_specific_addresses_is_no_open_relay():
    org = lab()
    org = add(org, relay_connector(org, ["10.0.0.50", "10.0.0.51"]))
    assert "open-relay" not in codes(org)
    assert "wide-anonymous-relay" not in codes(org)


def test_relay_for_a_public_partner_range_is_an_open_relay_only_when_it_reaches_the_internet():
    org = lab()
    wide = add(org, relay_connector(org, ["198.51.100.0/24"]))
    assert finding(wide, "open-relay").address == "198.51.100.0"


def test_a_star_accepted_domain_is_an_open_relay_without_any_relay_right():
    star = AcceptedDomain("Everything", "*", DomainType.INTERNAL_RELAY)
    org = lab(domains=(lab().accepted_domains[0], star))
    found = finding(org, "open-relay")
    assert found.concerns("accepted-domain", "Everything")
    assert found.concerns("connector", "EX01\\Default Frontend EX01")
    assert "Remove-AcceptedDomain -Identity 'Everything'" in found.powershell
    assert found.evidence[0] == (
        'Health Checker: Error --- Accepted Domain "Everything" is set to a Wild Card (*) Domain Name with a domain '
        "type of InternalRelay. This is not recommended as this is an open relay for the entire environment."
    )
    assert "crash the transport services" in found.explanation
    assert "open-relay" not in codes(lab())


def test_externally_secured_for_the_internet_is_an_open_relay():
    org = lab()
    org = add(org, externally_secured_connector(org, ["0.0.0.0-255.255.255.255"], bindings=["10.0.0.5:25"]))
    found = finding(org, "open-relay")
    assert "MS Exchange\\Externally Secured Servers" in found.title
    assert "Set-ReceiveConnector" in found.powershell


def test_wide_anonymous_relay_is_a_warning_and_narrowing_it_clears_it():
    org = lab()
    wide = add(org, relay_connector(org, ["10.0.0.0/24"]))
    found = finding(wide, "wide-anonymous-relay")
    assert found.severity == "warning"
    assert "256" in found.title
    assert "open-relay" not in codes(wide)
    assert "wide-anonymous-relay" not in codes(add(org, relay_connector(org, ["10.0.0.50"])))
    assert "wide-anonymous-relay" not in [f.code for f in audit(wide, relay_threshold=512)]


def test_externally_secured_from_a_wide_range_is_flagged_and_a_few_hosts_are_not():
    org = lab()
    wide = add(org, externally_secured_connector(org, ["10.0.0.0/16"]))
    found = finding(wide, "externally-secured-wide")
    assert found.severity == "warning"
    assert "65,536" in found.title
    assert "externally-secured-wide" not in codes(add(org, externally_secured_connector(org, ["10.0.0.50"])))


# --- authentication and TLS ---------------------------------------------------------------------------------------


def test_basic_auth_offered_before_tls_is_found_from_the_ehlo_reply():
    org = lab()
    client = org.connector("EX01", "Client Frontend EX01")
    org = replace(org, client.with_changes(auth_mechanism=1 | 2 | 4))  # Tls, Integrated, BasicAuth
    found = finding(org, "basic-auth-before-tls")
    assert any("AUTH" in line and "LOGIN" in line for line in found.evidence)
    assert "BasicAuthRequireTLS" in found.powershell
    assert "basic-auth-before-tls" not in codes(lab())


@pytest.mark.parametrize("setting", ["require_tls", "domain_secure_enabled"])
def test_requiring_tls_without_offering_it_is_an_error(setting):
    org = lab()
    relay = relay_connector(org, ["10.0.0.50"])
    broken = add(org, relay.with_changes(auth_mechanism=0, **{setting: True}))
    found = finding(broken, "tls-required-without-tls")
    assert found.severity == "error"
    if setting == "require_tls":
        assert any("451 5.7.3 STARTTLS is required to send mail" in line for line in found.evidence)
    assert "tls-required-without-tls" not in codes(add(org, relay.with_changes(**{setting: True})))


# --- connectors that never work -----------------------------------------------------------------------------------


def test_a_connector_covered_by_more_specific_ones_is_never_selected():
    org = lab()
    org = add(org, relay_connector(org, ["10.0.0.50"], name="App A"))
    org = add(org, relay_connector(org, ["10.0.0.50"], name="App B", bindings=["10.0.0.5:25"]))
    found = finding(org, "never-selected")
    assert found.concerns("connector", "EX01\\App A")
    assert any("App A" in line for line in found.evidence)
    assert "never-selected" not in codes(add(lab(), relay_connector(lab(), ["10.0.0.50"])))


def test_a_connector_without_permission_groups_or_grants_accepts_nothing():
    org = lab()
    bare = new_receive_connector(
        org, "EX01", "Scanner", usage="Custom", transport_role="FrontendTransport",
        bindings=["0.0.0.0:25"], remote_ip_ranges=["10.0.0.60"],
    )  # fmt: skip
    found = finding(add(org, bare), "accepts-nothing")
    assert any("530 5.7.1 Client was not authenticated" in line for line in found.evidence)
    assert "PermissionGroups 'AnonymousUsers'" in found.powershell
    fixed = set_receive_connector(org, bare, permission_groups="AnonymousUsers")
    assert "accepts-nothing" not in codes(add(org, fixed))


# --- spoofing ------------------------------------------------------------------------------------------------------


def test_anonymous_senders_may_spoof_the_internal_domain_on_setups_frontend():
    from tests.engine.smtp_orgs import contoso

    found = finding(contoso(servers=(EX01,)), "anonymous-spoofing")
    assert found.address == OUTSIDE_ADDRESSES[4]
    assert any(line.startswith("DATA: 250 2.6.0") for line in found.evidence)
    assert "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender" in found.powershell
    assert "anonymous-spoofing" not in codes(lab())  # lab() has the Remove-ADPermission applied


def test_internal_relay_connectors_are_not_internet_facing_for_spoofing():
    org = lab()
    relay = relay_connector(org, ["10.0.0.50"])  # AnonymousUsers keeps Accept-Authoritative-Domain-Sender
    assert "anonymous-spoofing" not in codes(add(org, relay))


# --- accepted domains, servers, ports, limits ------------------------------------------------------------------


def test_an_authoritative_domain_nobody_lives_in_is_the_ndr_trap():
    fabrikam = AcceptedDomain("Fabrikam", "fabrikam.com", DomainType.AUTHORITATIVE)
    org = lab(domains=(lab().accepted_domains[0], fabrikam))
    org = add(org, relay_connector(org, ["10.0.0.50"]))
    found = finding(org, "authoritative-without-recipients")
    assert any("RESOLVER.ADR.RecipNotFound" in line for line in found.evidence)
    assert "-DomainType 'InternalRelay'" in found.powershell
    shared = AcceptedDomain("Fabrikam", "fabrikam.com", DomainType.INTERNAL_RELAY)
    fixed = lab(domains=(lab().accepted_domains[0], shared))
    fixed = add(fixed, relay_connector(fixed, ["10.0.0.50"]))
    assert "authoritative-without-recipients" not in codes(fixed)


def test_mailbox_servers_without_mapi_encryption_get_an_information_finding():
    org = lab().with_changes(servers=(dataclasses.replace(EX01, mapi_encryption_required=False),))
    found = finding(org, "mapi-encryption-not-required")
    assert found.severity == "info"
    assert found.powershell == "Set-MailboxServer -Identity 'EX01' -MAPIEncryptionRequired:$true"


def test_a_hub_connector_on_port_25_fights_the_front_end():
    org = lab()
    relay = relay_connector(org, ["10.0.0.50"])
    hub = relay.with_changes(transport_role=TransportRole.HUB)
    found = finding(add(org, hub), "port-fight")
    assert found.severity == "error"
    assert "TransportRole 'FrontendTransport'" in found.powershell
    assert any("Front End" in line for line in found.evidence)
    assert "port-fight" not in codes(add(org, relay))


def test_the_2007_hub_has_no_front_end_to_fight():
    org = lab(EX07)
    assert "port-fight" not in codes(add(org, relay_connector(org, ["10.0.0.50"], server="EX07")))


def test_remote_ranges_near_the_administrative_limit():
    org = lab()
    many = [f"10.{i // 250}.{i % 250}.1" for i in range(MAX_REMOTE_IP_RANGES - 10)]
    relay = relay_connector(org, many)
    found = finding(add(org, relay), "remote-ranges-near-limit")
    assert str(MAX_REMOTE_IP_RANGES - 10) in found.title
    assert "remote-ranges-near-limit" not in codes(add(org, relay_connector(org, many[:100])))


# --- API ---------------------------------------------------------------------------------------------------------


def test_findings_come_errors_first_and_serialise():
    org = lab()
    org = add(org, relay_connector(org, ["0.0.0.0-255.255.255.255"], bindings=["10.0.0.5:25"]))
    org = org.with_changes(servers=(dataclasses.replace(EX01, mapi_encryption_required=False),))
    findings = audit(org)
    ranks = [severity_rank(f.severity) for f in findings]
    assert ranks == sorted(ranks, reverse=True)
    assert highest_severity(findings) == "error"
    assert findings[0].to_json()["objects"][0] == {"kind": "connector", "identity": "EX01\\Anonymous Relay"}


def test_public_addresses_exclude_private_and_special_space():
    from connectors.exchange.addresses import parse_ip

    assert is_public(*parse_ip("203.0.113.7"))
    assert not is_public(*parse_ip("10.1.2.3"))
    assert not is_public(*parse_ip("fe80::1"))
    assert is_public(*parse_ip("2001:db8::7"))


def test_the_audit_is_fast_enough_for_a_lab_overview():
    org = lab()
    many = [f"10.{i // 250}.{i % 250}.1" for i in range(1000)]
    org = add(org, relay_connector(org, many))
    started = time.perf_counter()
    audit(org)
    assert time.perf_counter() - started < 1.0


def test_the_audit_can_be_limited_to_some_servers_of_a_large_lab():
    org = lab()
    org = add(org, relay_connector(org, ["0.0.0.0-255.255.255.255"], bindings=["10.0.0.5:25"]))
    assert "open-relay" not in [f.code for f in audit(org, servers=["EX02"])]
    assert "open-relay" in [f.code for f in audit(org, servers=["ex01"])]


# --- the fix's PowerShell, run in the console, clears the finding --------------------------------------------------


def _raising_labs():
    from tests.engine.smtp_orgs import contoso

    org = lab()
    star = AcceptedDomain("Everything", "*", DomainType.INTERNAL_RELAY)
    client = org.connector("EX01", "Client Frontend EX01")
    relay = relay_connector(org, ["10.0.0.50"])
    frontend = org.connector("EX01", "Default Frontend EX01")
    fabrikam = AcceptedDomain("Fabrikam", "fabrikam.com", DomainType.AUTHORITATIVE)
    bare = new_receive_connector(
        org, "EX01", "Scanner", usage="Custom", transport_role="FrontendTransport",
        bindings=["0.0.0.0:25"], remote_ip_ranges=["10.0.0.60"],
    )  # fmt: skip
    yield (
        "open-relay",
        replace(org, frontend.with_changes(acl=add_ad_permission(frontend.acl, ANONYMOUS, ANY_RECIPIENT))),
    )
    yield "open-relay", lab(domains=(org.accepted_domains[0], star))
    yield "wide-anonymous-relay", add(org, relay_connector(org, ["10.0.0.0/24"]))
    yield "basic-auth-before-tls", replace(org, client.with_changes(auth_mechanism=1 | 2 | 4))
    yield "tls-required-without-tls", add(org, relay.with_changes(auth_mechanism=0, require_tls=True))
    yield (
        "never-selected",
        add(add(org, relay), relay_connector(org, ["10.0.0.50"], name="B", bindings=["10.0.0.5:25"])),
    )
    yield "accepts-nothing", add(org, bare)
    yield "anonymous-spoofing", contoso(servers=(EX01,))  # Setup's Default Frontend, untouched
    yield "authoritative-without-recipients", lab(domains=(org.accepted_domains[0], fabrikam))
    yield (
        "mapi-encryption-not-required",
        org.with_changes(servers=(dataclasses.replace(EX01, mapi_encryption_required=False),)),
    )
    yield "port-fight", add(org, relay.with_changes(transport_role=TransportRole.HUB))


@pytest.mark.parametrize(("code", "org"), list(_raising_labs()), ids=lambda v: v if isinstance(v, str) else "")
def test_running_the_fix_in_the_console_clears_the_finding(code, org):
    from connectors.exchange.ems import run_script

    found = finding(org, code)
    result = run_script(org, found.powershell)
    assert result.error is None, (found.powershell, result.error)
    assert code not in codes(result.org), found.powershell


def test_a_console_binding_on_an_address_the_server_lacks_is_reported_and_the_fix_rebinds():
    script = (
        "New-ReceiveConnector Scanner -Custom -Bindings 192.0.2.99:25 -RemoteIPRanges 10.0.0.60 "
        "-TransportRole FrontendTransport"
    )
    result = ems.run_script(template_org("exchangese"), script)
    assert result.error is None  # the shell takes any address, as Set-/New-ReceiveConnector do
    [finding] = [f for f in audit(result.org) if f.code == "binding-not-on-server"]
    assert finding.severity == "warning"
    assert finding.title == ("EX01\\Scanner listens on 192.0.2.99:25, an address EX01 doesn't have")
    assert finding.powershell == "Set-ReceiveConnector -Identity 'EX01\\Scanner' -Bindings '0.0.0.0:25'"
    fixed = ems.run_script(result.org, finding.powershell).org
    assert not [f for f in audit(fixed) if f.code == "binding-not-on-server"]
