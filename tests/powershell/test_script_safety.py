"""Every generated script parses with the PowerShell grammar and holds exactly the intended commands and values."""

import tree_sitter_powershell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Parser

from connectors.exchange import acl, powershell, receive
from connectors.exchange.model import AcceptedDomain, DomainType
from connectors.exchange.psparse import Parameter, parse_script

from .orgs import template

PARSER = Parser(Language(tree_sitter_powershell.language()))
NASTY = [
    "it's",
    "‘quoted’",
    "a‚b‛c",
    "`backtick`",
    "$(Remove-Item C:\\)",
    "x; Remove-ReceiveConnector y",
    "a | b",
    "line\nbreak",
    'dq "x"',
    "“typo”",
    "Zürich Ångström",
    "#not a comment",
    "@{a=1}",
    "-WhatIf",
    "$env:PATH",
]


def error_nodes(script: str) -> list:
    found = []

    def walk(node):
        if node.type == "ERROR" or (node.is_missing and node.type.strip()):
            found.append(node)
        for child in node.children:
            walk(child)

    walk(PARSER.parse(script.encode()).root_node)
    return found


def commands(script: str):
    return [call for pipeline in parse_script(script) for call in pipeline]


def arguments(call) -> dict:
    """-Name value pairs of a parsed command (switches map to True)."""
    result, pending = {}, None
    for element in call.elements:
        if isinstance(element, Parameter):
            if pending:
                result[pending] = True
            pending = element.name
            if element.colon:
                result[pending], pending = element.value, None
        elif pending:
            result[pending], pending = element, None
    if pending:
        result[pending] = True
    return result


def relay_org(name: str, comment: str = ""):
    org = template()
    relay = receive.new_receive_connector(
        org,
        "EX01",
        name,
        usage="Custom",
        bindings="0.0.0.0:25",
        remote_ip_ranges="10.0.0.5",
        transport_role="FrontendTransport",
        permission_groups="AnonymousUsers",
        comment=comment,
    )
    relay = relay.with_changes(acl=acl.add_ad_permission(relay.acl, "CONTOSO\\Printers", ["ms-Exch-SMTP-Submit"], True))
    return org.with_changes(connectors=(*org.connectors, relay))


def test_quote_doubles_every_single_quote_character():
    assert powershell.quote("it's ‘a’ ‚b‛") == "'it''s ‘‘a’’ ‚‚b‛‛'"
    assert powershell.quote("$(x) `n") == "'$(x) `n'"


def test_comment_keeps_user_text_on_one_line():
    assert powershell.comment("lab\nRemove-Item x\r\u2028y") == "# lab Remove-Item x  y"


def test_the_nasty_names_stay_one_string_each():
    for nasty in NASTY:
        name = nasty.replace("\\", "/")[:60]
        script = powershell.render_lab(relay_org(name, comment=nasty), nasty)
        assert error_nodes(script) == [], nasty
        calls = commands(script)
        new = next(c for c in calls if c.name == "New-ReceiveConnector")
        args = arguments(new)
        assert args["Name"] == name
        assert args["Comment"] == nasty
        assert [c.name for c in calls] == ["New-ReceiveConnector", "Add-ADPermission"]
        grant = arguments(calls[1])
        assert grant["Identity"] == f"EX01\\{name}"
        assert grant["Deny"] is True


names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\") | st.sampled_from("'‘’‚‛\"“”`$();|\n#"),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip() == text and text.strip())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=names, comment=names, domain_label=names)
def test_adversarial_names_parse_and_round_trip_as_literals(name, comment, domain_label):
    org = relay_org(name, comment)
    domain = AcceptedDomain(domain_label, "fabrikam.com", DomainType.INTERNAL_RELAY, address_book_enabled=False)
    org = org.with_changes(accepted_domains=(*org.accepted_domains, domain))
    script = powershell.render_lab(org, comment)
    assert error_nodes(script) == []
    calls = commands(script)
    assert [c.name for c in calls] == ["New-AcceptedDomain", "New-ReceiveConnector", "Add-ADPermission"]
    assert arguments(calls[0])["Name"] == domain_label
    assert arguments(calls[1])["Name"] == name
    assert arguments(calls[1])["Comment"] == comment
    assert arguments(calls[2])["Identity"] == f"EX01\\{name}"


def test_whatif_is_added_to_changes_only():
    script = powershell.render_rollback(template(), relay_org("Relay"), "b", "a", whatif=True)
    for line in script.splitlines():
        if line.startswith(("Remove-", "Set-", "New-", "Add-")):
            assert line.endswith(" -WhatIf")
        if "Export-Clixml" in line:
            assert "-WhatIf" not in line
