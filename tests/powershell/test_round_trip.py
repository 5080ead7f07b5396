"""Scripts and the console agree: the whole-lab script rebuilds the lab from Setup's defaults, a plan turns its
baseline into the lab, and the rollback turns the lab back — compared object by object and by simulation."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.exchange import acl, domains, ems, powershell, receive
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import DomainType
from connectors.exchange.smtp import Probe, simulate

from .orgs import SCRIPTABLE_TEMPLATES, template
from .test_script_safety import error_nodes

PRINCIPALS = ["NT AUTHORITY\\ANONYMOUS LOGON", "CONTOSO\\Printers", "NT AUTHORITY\\Authenticated Users"]
RIGHTS = ["ms-Exch-SMTP-Submit", "ms-Exch-SMTP-Accept-Any-Recipient", "ms-Exch-SMTP-Accept-Any-Sender"]
RANGES = ["10.0.0.5", "10.0.0.0/24", "192.168.1.1-192.168.1.20", "172.16.0.0/16", "2001:db8::/64"]
SECURE_DOMAINS = ["fabrikam.com", "tailspin.com", "partner.example"]
REMOTE_IPS = ["10.0.0.5", "10.0.0.77", "192.168.1.9", "172.16.3.3", "203.0.113.9"]


def body(script: str) -> list[str]:
    return [line for line in script.splitlines() if line and not line.startswith("#")]


def canonical(org):
    """The organisation as sets: order of connectors, ranges and ACEs and who wrote an ACE don't matter, nor whether
    a connector is Setup's own (a rollback re-creates a removed Setup connector as an ordinary one)."""
    connectors = {}
    for c in org.connectors:
        fields = {
            name: getattr(c, name)
            for name in c.__dataclass_fields__
            if name not in ("acl", "bindings", "remote_ip_ranges", "created_by_setup")
        }
        fields["bindings"] = frozenset(b.text for b in c.bindings)
        fields["remote_ip_ranges"] = frozenset(r.text for r in c.remote_ip_ranges)
        fields["acl"] = frozenset((a.principal.casefold(), a.right, a.deny, a.inherited) for a in c.acl)
        connectors[(c.server.casefold(), c.name.casefold())] = fields
    settings = (org.tls_receive_domain_secure_list, org.recipient_validation_enabled)
    return connectors, frozenset(org.accepted_domains), org.servers, settings


def transcripts(org):
    results = []
    for server in org.servers:
        for remote_ip in REMOTE_IPS:
            for port in (25, 587, 2525):
                probe = Probe(
                    server.name,
                    remote_ip,
                    port=port,
                    mail_from="ceo@contoso.com",
                    rcpts=("alice@contoso.com", "nobody@contoso.com", "x@external.example"),
                )
                result = simulate(org, probe)
                results.append((tuple(result.transcript), tuple((r.address, r.fate) for r in result.recipients)))
    return results


def assert_same_lab(actual, expected):
    assert canonical(actual) == canonical(expected)
    assert transcripts(actual) == transcripts(expected)


def run_clean(org, script):
    result = ems.run_script(org, script)
    assert result.error is None, "\n".join(result.output)
    return result.org


def assert_whole_lab_round_trip(org, template_name):
    script = powershell.render_lab(org, "lab")
    assert not body(script) or error_nodes(script) == []
    rebuilt = run_clean(template(template_name), script)
    assert body(powershell.render_lab(rebuilt, "lab")) == body(script)
    assert_same_lab(rebuilt, org)


@pytest.mark.parametrize("template_name", SCRIPTABLE_TEMPLATES)
def test_a_fresh_template_needs_no_commands(template_name):
    org = template(template_name)
    assert body(powershell.render_lab(org, "lab")) == []
    assert_whole_lab_round_trip(org, template_name)


# --- Random valid labs, built through the engine ------------------------------------------------------------------
# A seeded random.Random drives the edits, so Hypothesis only has to show (and shrink) small values.


def _name(rng) -> str:
    return "".join(rng.choice("abcXYZ '‘$`;|\"é-") for _ in range(rng.randint(1, 12))).strip() or "x"


def _settings(rng) -> dict:
    choices = {
        "enabled": lambda: rng.random() < 0.5,
        "comment": lambda: _name(rng),
        "banner": lambda: "220 Welcome",
        "max_message_size": lambda: rng.choice([10_485_760, 52_428_800]),
        "message_rate_limit": lambda: rng.choice([None, 50]),
        "protocol_logging_level": lambda: rng.choice(["None", "Verbose"]),
        "permission_groups": lambda: rng.choice(
            ["AnonymousUsers", "ExchangeUsers", "AnonymousUsers, ExchangeServers", "None"]
        ),
    }
    return {name: choices[name]() for name in rng.sample(sorted(choices), rng.randint(0, 3))}


def _new_connector(rng, org):
    server = rng.choice(org.servers)
    role = rng.choice(["FrontendTransport", "HubTransport"]) if powershell._has_transport_role(server) else None
    connector = receive.new_receive_connector(
        org,
        server.name,
        "R " + _name(rng),
        usage=rng.choice(["Custom", "Internet", "Internal", "Partner", None]),
        bindings=f"{rng.choice(['0.0.0.0', server.ip_addresses[0]])}:{rng.choice([25, 26, 10025])}",
        remote_ip_ranges=rng.sample(RANGES, rng.randint(1, 3)),
        transport_role=role,
        **_settings(rng),
    )
    return org.with_changes(connectors=(*org.connectors, connector))


def _edit(rng, org):
    kind = rng.choice(["new", "set", "ace", "remove", "domain", "set-domain", "mapi", "organization"])
    if kind == "organization":
        return org.with_changes(
            tls_receive_domain_secure_list=tuple(rng.sample(SECURE_DOMAINS, rng.randint(0, 2))),
            recipient_validation_enabled=rng.random() < 0.5,
        )
    if kind == "new" or not org.connectors:
        return _new_connector(rng, org)
    if kind == "mapi":
        server = rng.choice([s for s in org.servers if s.has_mailbox])
        changed = replace(server, mapi_encryption_required=not server.mapi_encryption_required)
        return org.with_changes(servers=tuple(changed if s is server else s for s in org.servers))
    if kind == "domain":
        domain_name = rng.choice(["fabrikam.com", "*.tailspin.com"])
        change = domains.new_accepted_domain(
            org.accepted_domains, _name(rng), domain_name, rng.choice(list(DomainType))
        )
        return org.with_changes(accepted_domains=change.domains)
    if kind == "set-domain":
        change = domains.set_accepted_domain(
            org.accepted_domains,
            rng.choice(org.accepted_domains).name,
            name=rng.choice([None, _name(rng)]),
            domain_type=rng.choice([None, *DomainType]),
            make_default=rng.choice([None, True]),
            address_book_enabled=rng.choice([None, True, False]),
            match_subdomains=rng.choice([None, True]),
        )
        return org.with_changes(accepted_domains=change.domains)
    connector = rng.choice(org.connectors)
    if kind == "remove":
        return org.with_changes(connectors=tuple(c for c in org.connectors if c is not connector))
    if kind == "set":
        changes = _settings(rng)
        if rng.random() < 0.5:
            changes["remote_ip_ranges"] = [r.text for r in connector.remote_ip_ranges[:1]] + [rng.choice(RANGES)]
        updated = receive.set_receive_connector(org, connector, **changes)
    else:
        change = rng.choice([acl.add_ad_permission, acl.remove_ad_permission])
        rights = [rng.choice(RIGHTS)]
        updated = connector.with_changes(
            acl=change(connector.acl, rng.choice(PRINCIPALS), rights, deny=rng.random() < 0.3)
        )
    return org.with_changes(connectors=tuple(updated if c is connector else c for c in org.connectors))


def edited(rng, org, edits: int):
    for _ in range(edits):
        try:
            org = _edit(rng, org)
        except ExchangeError:
            continue
    return org


ROUND_TRIP = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
template_names = st.sampled_from(SCRIPTABLE_TEMPLATES)


@ROUND_TRIP
@given(template_names, st.randoms(use_true_random=False), st.integers(1, 6))
def test_the_whole_lab_script_rebuilds_a_random_lab(template_name, rng, edits):
    assert_whole_lab_round_trip(edited(rng, template(template_name), edits), template_name)


@ROUND_TRIP
@given(template_names, st.randoms(use_true_random=False), st.integers(0, 5), st.integers(1, 4))
def test_a_plan_gives_the_lab_and_its_rollback_gives_the_baseline_back(template_name, rng, before, after):
    baseline = edited(rng, template(template_name), before)
    org = edited(rng, baseline, after)
    reached = run_clean(baseline, powershell.render_plan(baseline, org, "lab", "baseline"))
    assert_same_lab(reached, org)
    back = run_clean(org, powershell.render_rollback(baseline, org, "lab", "baseline"))
    assert_same_lab(back, baseline)


def test_setup_connectors_are_changed_never_recreated():
    org = template()
    default = org.connector("EX01", "Default Frontend EX01")
    changed = receive.set_receive_connector(org, default, permission_groups="AnonymousUsers", comment="edge only")
    org = org.with_changes(connectors=tuple(changed if c is default else c for c in org.connectors))
    script = powershell.render_lab(org, "lab")
    assert "New-ReceiveConnector" not in script
    assert "Remove-ReceiveConnector" not in script
    assert (
        "# -PermissionGroups replaces the whole set (was: AnonymousUsers, ExchangeServers, ExchangeLegacyServers)"
        in script
    )
    assert "Get-ReceiveConnector -Identity 'EX01\\Default Frontend EX01' | Export-Clixml" in script
    assert_whole_lab_round_trip(org, "exchangese")
