"""The documented recipes run verbatim in the console (only server and connector names adapted to the lab) and do
what the documents say: the seed article's two commands, the §9.3 ADPermission recipes and the §9.6 relay methods."""

import pytest

from connectors.exchange import acl, ems
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, EXTERNALLY_SECURED_SERVERS
from connectors.exchange.smtp import Probe, simulate

from .orgs import template

ANONYMOUS = acl.SessionIdentity.anonymous()
# D-RELAY's connector, as §9.1 quotes it.
D_RELAY = (
    'New-ReceiveConnector -Name "Anonymous Relay" -TransportRole FrontendTransport -Custom -Bindings 0.0.0.0:25 '
    "-RemoteIpRanges 192.168.5.10,192.168.5.11\n"
)
METHOD_A = (
    'Set-ReceiveConnector "Anonymous Relay" -PermissionGroups AnonymousUsers\n'
    'Get-ReceiveConnector "Anonymous Relay" | Add-ADPermission -User "NT AUTHORITY\\ANONYMOUS LOGON" '
    '-ExtendedRights "Ms-Exch-SMTP-Accept-Any-Recipient"\n'
)
METHOD_B = (
    'Set-ReceiveConnector "Anonymous Relay" -AuthMechanism ExternalAuthoritative -PermissionGroups ExchangeServers\n'
)
# §9.3's verification filter, as D-RC writes it.
NOT_INHERITED_ALLOWS = (
    "where {($_.Deny -eq $false) -and ($_.IsInherited -eq $false)} | Format-Table User,ExtendedRights"
)


def run(script, org=None):
    result = ems.run_script(org or template(), script)
    assert result.error is None, "\n".join(result.output)
    return result


def rights(org, connector, identity=ANONYMOUS):
    return acl.effective_rights(org.connector("EX01", connector).acl, identity)


def relay_reply(org, remote_ip, size=None):
    probe = Probe("EX01", remote_ip, mail_from="app@contoso.com", rcpts=("someone@fabrikam.com",), message_size=size)
    return simulate(org, probe).recipients[0]


# --- The seed article (Exchange 2007) ------------------------------------------------------------------------------


def test_seed_add_adpermission_with_typographic_quotes_grants_relay_on_exchange_2007():
    org = run(
        "New-ReceiveConnector -Name 'Receive Connector Name' -Custom -Bindings 0.0.0.0:25 "
        "-RemoteIPRanges 192.168.5.10\n"
        "Set-ReceiveConnector 'Receive Connector Name' -PermissionGroups AnonymousUsers\n",
        template("exchange2007"),
    ).org
    result = run(
        "Get-ReceiveConnector “Receive Connector Name” | Add-ADPermission -User “NT AUTHORITY\\ANONYMOUS LOGON” "
        "-ExtendedRights “Ms-Exch-SMTP-Accept-Any-Recipient”",
        org,
    )
    assert rights(result.org, "Receive Connector Name").has(ACCEPT_ANY_RECIPIENT)
    assert result.output[-2] == "EX01\\Receive Connector Name NT AUTHORITY\\ANONYMOUS LOGON False False"
    assert relay_reply(result.org, "192.168.5.10").fate == "relay-outside"


@pytest.mark.parametrize("template_name", ["exchange2007", "exchangese"])
def test_seed_set_mailboxserver_with_a_colon_bound_true(template_name):
    result = run("Set-MailboxServer EX01 -MAPIEncryptionRequired:$true", template(template_name))
    assert result.org.server("EX01").mapi_encryption_required is True
    assert result.output == []


# --- §9.3 ADPermission recipes -------------------------------------------------------------------------------------


def test_generic_add_adpermission_with_quoted_rights_list():
    result = run(
        D_RELAY + 'Add-ADPermission -Identity "Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        '-ExtendedRights "ms-Exch-SMTP-Submit","ms-Exch-SMTP-Accept-Any-Recipient"'
    )
    granted = rights(result.org, "Anonymous Relay")
    assert granted.has("ms-Exch-SMTP-Submit")
    assert granted.has(ACCEPT_ANY_RECIPIENT)


def test_generic_remove_adpermission_with_quoted_rights_list():
    result = run(
        D_RELAY + METHOD_A + 'Remove-ADPermission -Identity "Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        '-ExtendedRights "Ms-Exch-SMTP-Accept-Any-Recipient","ms-Exch-SMTP-Submit" -Confirm:$false'
    )
    left = rights(result.org, "Anonymous Relay")
    assert not left.has(ACCEPT_ANY_RECIPIENT)
    assert not left.has("ms-Exch-SMTP-Submit")


def test_generic_get_adpermission_filtered_to_explicit_allows():
    result = run(
        D_RELAY
        + METHOD_A
        + 'Get-ADPermission -Identity "Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" | '
        + NOT_INHERITED_ALLOWS
    )
    rows = [line for line in result.output if line.startswith("NT AUTHORITY")]
    assert "NT AUTHORITY\\ANONYMOUS LOGON {ms-Exch-SMTP-Accept-Any-Recipient}" in rows
    assert len(rows) == 5  # AnonymousUsers' four rights and the added one


def test_cmdlet_example_ip_secured_inbound_add_and_remove():
    create = D_RELAY.replace("Anonymous Relay", "IP Secured Inbound")
    add = (
        'Add-AdPermission "IP Secured Inbound" -User "NT AUTHORITY\\ANONYMOUS LOGON" -ExtendedRights '
        "ms-Exch-SMTP-Submit,ms-Exch-SMTP-Accept-Any-Recipient,ms-Exch-Bypass-Anti-Spam\n"
    )
    added = run(create + add)
    assert rights(added.org, "IP Secured Inbound").allowed_rights == (
        "ms-Exch-SMTP-Submit",
        "ms-Exch-SMTP-Accept-Any-Recipient",
        "ms-Exch-Bypass-Anti-Spam",
    )
    removed = run(add.replace("Add-AdPermission", "Remove-ADPermission"), added.org)
    assert rights(removed.org, "IP Secured Inbound").allowed_rights == ()


def test_anti_spoofing_pipeline_removes_the_matching_ace():
    result = run(
        'Get-ReceiveConnector "Default Frontend EX01" | Get-ADPermission -User "NT AUTHORITY\\Anonymous Logon" | '
        'where {$_.ExtendedRights -like "ms-exch-smtp-accept-authoritative-domain-sender"} | Remove-ADPermission'
    )
    left = rights(result.org, "Default Frontend EX01")
    assert not left.has("ms-Exch-SMTP-Accept-Authoritative-Domain-Sender")
    assert left.has("ms-Exch-SMTP-Submit")


def test_localised_anonymous_logon_name():
    result = run(
        D_RELAY + 'Add-ADPermission "Anonymous Relay" -User "NT-AUTORITÄT\\ANONYMOUS-ANMELDUNG" '
        '-ExtendedRights "Ms-Exch-SMTP-Accept-Any-Recipient"'
    )
    assert rights(result.org, "Anonymous Relay").has(ACCEPT_ANY_RECIPIENT)


# --- §9.6 the two anonymous relay methods and their verification ---------------------------------------------------


def test_method_a_relays_for_the_listed_hosts_only():
    org = run(D_RELAY + METHOD_A).org
    assert relay_reply(org, "192.168.5.10").reply.startswith("250 2.1.5")
    assert relay_reply(org, "192.168.5.99").reply == "550 5.7.1 Unable to relay"


def test_method_b_runs_as_externally_secured_servers_and_bypasses_the_size_limit():
    org = run(D_RELAY + METHOD_B).org
    secured = rights(org, "Anonymous Relay", acl.SessionIdentity.externally_secured())
    assert secured.has(ACCEPT_ANY_RECIPIENT)
    assert secured.has("ms-Exch-Bypass-Message-Size-Limit")
    assert relay_reply(org, "192.168.5.11", size=100 * 1024 * 1024).fate == "relay-outside"
    method_a = run(D_RELAY + METHOD_A).org
    assert relay_reply(method_a, "192.168.5.11", size=100 * 1024 * 1024).fate == "not-sent"  # over 36 MB


@pytest.mark.parametrize(
    ("method", "user"),
    [(METHOD_A, "NT AUTHORITY\\ANONYMOUS LOGON"), (METHOD_B, EXTERNALLY_SECURED_SERVERS)],
)
def test_verification_lists_the_relay_right(method, user):
    result = run(D_RELAY + method + f'Get-ADPermission "Anonymous Relay" -User "{user}" | ' + NOT_INHERITED_ALLOWS)
    assert f"{user} {{{ACCEPT_ANY_RECIPIENT}}}" in [line.rstrip() for line in result.output]
