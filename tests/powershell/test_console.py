"""The console runs EMS commands as Exchange would: defaults, validation, error texts, output, -WhatIf, refusals."""

import pytest

from connectors.exchange import acl, ems
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, PermissionGroup
from connectors.exchange.model import TransportRole

from .orgs import template, two_servers

# The seed document's two commands, verbatim (typographic quotes included).
SEED = (
    "Get-ReceiveConnector “Anonymous Relay” | Add-ADPermission -User “NT AUTHORITY\\ANONYMOUS LOGON” "
    "-ExtendedRights “Ms-Exch-SMTP-Accept-Any-Recipient”\n"
    "Set-MailboxServer EX01 -MAPIEncryptionRequired:$true\n"
)
RELAY = (
    'New-ReceiveConnector -Name "Anonymous Relay" -TransportRole FrontendTransport -Custom -Bindings 0.0.0.0:25 '
    "-RemoteIpRanges 192.168.5.10,192.168.5.11,192.168.5.12\n"
    'Set-ReceiveConnector "Anonymous Relay" -PermissionGroups AnonymousUsers\n'
)


def run(script, org=None, **options):
    return ems.run_script(org or template(), script, **options)


def relay(org):
    return org.connector("EX01", "Anonymous Relay")


def test_the_seed_commands_grant_relay_and_require_mapi_encryption():
    result = run(RELAY + SEED)
    assert result.error is None
    assert result.commands_applied == 4
    rights = acl.effective_rights(relay(result.org).acl, acl.SessionIdentity.anonymous())
    assert rights.has(ACCEPT_ANY_RECIPIENT)
    assert result.org.server("EX01").mapi_encryption_required is True


def test_new_connector_gets_the_usage_preset_and_the_lab_first_server():
    result = run('New-ReceiveConnector "Internet In" -Internet -Bindings 10.0.0.10:25 -TransportRole Frontend')
    connector = result.org.connector("EX01", "Internet In")
    assert connector.usage == "Internet"
    assert connector.transport_role is TransportRole.FRONTEND
    assert connector.permission_groups_written == PermissionGroup.ANONYMOUS_USERS
    assert [r.text for r in connector.remote_ip_ranges] == ["0.0.0.0-255.255.255.255"]


def test_it_prints_exchange_errors_and_stops_with_earlier_commands_applied():
    script = (
        RELAY
        + "Set-ReceiveConnector 'Anonymous Relay' -AuthMechanism BasicAuthRequireTLS\n"
        + "Set-MailboxServer EX01 -MAPIEncryptionRequired $true"
    )
    result = run(script)
    assert result.error.startswith(
        "If BasicAuthRequireTLS is set, TLS must also be set as an authentication mechanism."
    )
    assert result.commands_applied == 2
    assert relay(result.org) is not None
    assert result.org.server("EX01").mapi_encryption_required is False
    assert result.output[-2] == result.error  # the whole message is one entry, CategoryInfo follows
    assert "If BasicAuthRequireTLS is set, BasicAuth must also be set as an authentication mechanism." in (
        result.error.splitlines()
    )


def test_atomic_applies_nothing_when_a_command_fails():
    org = template()
    result = run(RELAY + "Remove-ReceiveConnector Nope", org, atomic=True)
    assert result.org is org
    assert result.commands_applied == 0
    assert result.error == "The operation couldn't be performed because object 'Nope' couldn't be found."


def test_whatif_changes_nothing_but_still_validates():
    org = template()
    result = run(RELAY.splitlines()[0] + " -WhatIf", org)
    assert result.org == org
    assert result.output == ['What if: Creating Receive connector "Anonymous Relay" on server "EX01".']
    failing = run("New-ReceiveConnector X -Custom -Bindings 0.0.0.0:25 -WhatIf", org)
    assert failing.error == "Provide values for the Bindings and RemoteIPRanges parameters."


def test_parameters_are_case_insensitive_prefixes_and_ambiguity_is_reported():
    result = run(RELAY + "set-receiveconnector 'Anonymous Relay' -comm 'hello' -maxmessage 10MB -enabled:$false")
    connector = relay(result.org)
    assert (connector.comment, connector.max_message_size, connector.enabled) == ("hello", 10 * 1024 * 1024, False)
    ambiguous = run(RELAY + "Set-ReceiveConnector 'Anonymous Relay' -Max 5")
    assert ambiguous.error.startswith("Parameter cannot be processed because the parameter name 'Max' is ambiguous.")
    unknown = run(RELAY + "Set-ReceiveConnector 'Anonymous Relay' -Colour red")
    assert unknown.error == "A parameter cannot be found that matches parameter name 'Colour'."


def test_boolean_parameters_refuse_text_as_powershell_does():
    result = run("Set-MailboxServer EX01 -MAPIEncryptionRequired 'yes'")
    assert "Boolean parameters accept only Boolean values and numbers" in result.error


def test_ambiguous_and_server_qualified_identities():
    org = two_servers()
    script = (
        "New-ReceiveConnector Relay -Server {0} -Custom -Bindings 0.0.0.0:26 -RemoteIPRanges 10.0.0.1 "
        "-TransportRole FrontendTransport\n"
    )
    org = run(script.format("EX01") + script.format("EX02"), org).org
    assert run("Get-ReceiveConnector Relay", org).error == (
        "The operation couldn't be performed because 'Relay' matches multiple entries."
    )
    result = run("Set-ReceiveConnector EX02\\Relay -Comment two", org)
    assert result.org.connector("EX02", "Relay").comment == "two"
    assert result.org.connector("EX01", "Relay").comment == ""


def test_multi_valued_add_and_remove_keep_the_other_values():
    result = run(
        RELAY + "Set-ReceiveConnector 'Anonymous Relay' -RemoteIPRanges @{Add='10.0.0.0/8'; Remove='192.168.5.12'}"
    )
    assert [r.text for r in relay(result.org).remote_ip_ranges] == ["192.168.5.10", "192.168.5.11", "10.0.0.0/8"]


def test_deny_ace_and_get_adpermission_columns():
    script = RELAY + (
        "Add-ADPermission 'Anonymous Relay' -User 'CONTOSO\\Printers' -ExtendedRights ms-Exch-SMTP-Submit -Deny\n"
        "Get-ADPermission 'Anonymous Relay' -User 'CONTOSO\\Printers' | ft User,ExtendedRights,Deny,IsInherited"
    )
    result = run(script)
    assert result.output[-4:] == [
        "User             ExtendedRights        Deny IsInherited",
        "----             --------------        ---- -----------",
        "CONTOSO\\Printers {ms-Exch-SMTP-Submit} True False",
        "",
    ]


def test_get_receive_connector_default_table_and_format_list():
    result = run(
        RELAY
        + "Get-ReceiveConnector -Server EX01\nGet-ReceiveConnector 'Anonymous Relay' | fl Name,PermissionGroups,Max*"
    )
    assert result.output[1].split() == ["Identity", "Bindings", "Enabled"]
    assert "EX01\\Anonymous Relay              {0.0.0.0:25}              True" in result.output
    # Format-List pads every name to the longest one shown: MaxInboundConnectionPercentagePerSource (39).
    assert "PermissionGroups".ljust(39) + " : AnonymousUsers" in result.output
    assert "MaxMessageSize".ljust(39) + " : 36 MB (37,748,736 bytes)" in result.output
    assert "MaxHopCount".ljust(39) + " : 30" in result.output


def test_accepted_domain_cmdlets_warn_and_keep_one_default():
    result = run("New-AcceptedDomain -Name Star -DomainName * -DomainType InternalRelay\nGet-AcceptedDomain")
    assert (
        "WARNING: Configuring '*' as an accepted domain creates an open relay that isn't recommended." in result.output
    )
    assert any(line.startswith("Star ") for line in result.output)
    refused = run("Remove-AcceptedDomain contoso.com")
    assert refused.error
    assert refused.commands_applied == 0


@pytest.mark.parametrize(
    ("script", "named"),
    [
        ("Get-Mailbox", "'Get-Mailbox' is not recognized"),
        ("Invoke-Expression 'Get-ReceiveConnector'", "Invoke-Expression is not run by the exchsim console"),
        ("Start-Process notepad", "Start-Process is not run"),
        ("Get-ReceiveConnector | where { Remove-Item x }", "Remove-Item is not run"),
        (
            'Set-ReceiveConnector "Default EX01" -Comment "$(Invoke-WebRequest http://x)"',
            "Invoke-WebRequest is not run",
        ),
        ("[System.IO.File]::ReadAllText('C:\\x')", ".NET type access [System.IO.File]::ReadAllText"),
        ("& 'C:\\tools\\x.exe'", "& of a path or program ('C:\\tools\\x.exe'): not run"),
        (". .\\helpers.ps1", ". of a path or program"),
        ("Add-PSSnapin Quest.ActiveRoles", "Add-PSSnapin of anything but Microsoft.Exchange*"),
        ("$env:PATH", "environment and provider variables"),
        ("workflow f { 1 }", "Workflow definitions: not run by the exchsim console"),
        ("1, 2 | % { process { $_ } }", "Begin/process/end blocks in a script block: not run"),
        ("Get-ReceiveConnector && Get-ExchangeServer", "&&"),
        ("Get-ReceiveConnector > out.txt", "Redirection (> and >>): not run"),
    ],
)
def test_what_the_console_does_not_run_is_refused_by_name_before_anything_runs(script, named):
    org = template()
    result = run("Set-MailboxServer EX01 -MAPIEncryptionRequired $true\n" + script, org)
    assert result.org is org
    assert result.commands_applied == 0
    assert result.output == []
    assert named in result.error


def test_the_seed_document_commands_run_verbatim():
    create = (
        "New-ReceiveConnector -Name 'Receive Connector Name' -TransportRole FrontendTransport -Custom `\n"
        "    -Bindings 0.0.0.0:25 -RemoteIPRanges @('192.168.5.10', '192.168.5.11')  # the relay hosts\n"
        "Set-ReceiveConnector 'Receive Connector Name' -PermissionGroups:'AnonymousUsers'\n"
    )
    seed_grant = (
        "Get-ReceiveConnector “Receive Connector Name” | Add-ADPermission -User “NT AUTHORITY\\ANONYMOUS LOGON” "
        "-ExtendedRights “Ms-Exch-SMTP-Accept-Any-Recipient”\n"
    )
    result = run(create + seed_grant)
    assert result.error is None
    assert result.commands_applied == 3
    connector = result.org.connector("EX01", "Receive Connector Name")
    assert [r.text for r in connector.remote_ip_ranges] == ["192.168.5.10", "192.168.5.11"]
    assert acl.effective_rights(connector.acl, acl.SessionIdentity.anonymous()).has(ACCEPT_ANY_RECIPIENT)
    placeholder = run("Set-MailboxServer ServerName -MAPIEncryptionRequired:$true", result.org)
    assert placeholder.error == "The operation couldn't be performed because object 'ServerName' couldn't be found."


def test_access_rights_and_script_block_arguments_are_refused_before_anything_runs():
    org = template()
    script = "Set-MailboxServer EX01 -MAPIEncryptionRequired $true\n"
    refused = run(script + "Add-ADPermission 'Default EX01' -User 'CONTOSO\\bob' -AccessRights GenericAll", org)
    assert refused.org is org
    assert "-AccessRights other than ExtendedRight isn't supported" in refused.error
    refused = run(script + "Set-ReceiveConnector 'Default EX01' -Comment {x}", org)
    assert refused.org is org
    assert "script block as an argument of Set-ReceiveConnector" in refused.error


def test_mailbox_and_exchange_server_views():
    result = run(
        "Set-MailboxServer -Identity EX01 -MAPIEncryptionRequired $true\nGet-MailboxServer EX01 | fl Name,MAPI*"
    )
    assert result.output[-3:-1] == ["Name                   : EX01", "MAPIEncryptionRequired : True"]
    servers = run("Get-ExchangeServer", template("exchangese-edge"))
    assert servers.output[1].split() == ["Name", "ServerRole", "AdminDisplayVersion", "MAPIEncryptionRequired"]
    assert any(line.startswith("EDGE01 Edge") for line in servers.output)
    assert run("Set-MailboxServer EDGE01 -MAPIEncryptionRequired $true", template("exchangese-edge")).error == (
        "The operation couldn't be performed because object 'EDGE01' couldn't be found."
    )


# --- Issue 9: the console refuses what the forms and lab files refuse -------------------------------------------


def test_add_adpermission_for_a_principal_the_lab_does_not_have_is_refused_and_nothing_changes():
    grant = "Add-ADPermission 'Anonymous Relay' -User 'contoso\\nosuchuser' -ExtendedRights ms-Exch-SMTP-Submit"
    result = run(RELAY + grant)
    assert result.error == "The operation couldn't be performed because object 'contoso\\nosuchuser' couldn't be found."
    assert result.commands_applied == 2
    assert not any(ace.principal.casefold() == "contoso\\nosuchuser" for ace in relay(result.org).acl)


@pytest.mark.parametrize(
    "user",
    [
        "NT AUTHORITY\\ANONYMOUS LOGON",
        "MS Exchange\\Externally Secured Servers",
        "NT AUTHORITY\\Authenticated Users",
        "CONTOSO\\Exchange Servers",
        "CONTOSO\\Domain Users",  # a group the lab's users are members of
        "alice",  # CONTOSO\alice, one of the lab's principals
    ],
)
def test_well_known_and_lab_principals_always_resolve(user):
    result = run(RELAY + f"Add-ADPermission 'Anonymous Relay' -User '{user}' -ExtendedRights ms-Exch-SMTP-Submit")
    assert result.error is None, result.output


def test_a_remote_range_added_twice_is_refused_in_exchange_words():
    result = run(RELAY + "Set-ReceiveConnector 'Anonymous Relay' -RemoteIPRanges @{Add='192.168.5.10'}")
    assert result.error == 'The value "192.168.5.10" is already present in the collection.'
    assert [r.text for r in relay(result.org).remote_ip_ranges] == ["192.168.5.10", "192.168.5.11", "192.168.5.12"]


def test_an_fqdn_that_is_not_a_domain_name_is_refused():
    result = run(RELAY + "Set-ReceiveConnector 'Anonymous Relay' -Fqdn 'not a fqdn!!'")
    assert result.error.startswith('Cannot convert value "not a fqdn!!" to type "Microsoft.Exchange.Data.Fqdn".')
    assert relay(result.org).fqdn == "ex01.contoso.com"
