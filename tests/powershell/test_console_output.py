"""What the console prints after a change, as EMS does: New-ReceiveConnector and New-AcceptedDomain print the new
object's default table, Add-ADPermission the entries it wrote; Set- and Remove- cmdlets print nothing; -WhatIf
prints only its "What if:" line."""

from connectors.exchange import ems

from .orgs import template

RELAY = (
    'New-ReceiveConnector -Name "Anonymous Relay" -TransportRole FrontendTransport -Custom -Bindings 0.0.0.0:25 '
    "-RemoteIpRanges 192.168.5.10,192.168.5.11\n"
)
GRANT = (
    'Add-ADPermission "Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
    '-ExtendedRights "ms-Exch-SMTP-Submit","Ms-Exch-SMTP-Accept-Any-Recipient"'
)


def run(script, org=None):
    result = ems.run_script(org or template(), script)
    assert result.error is None, "\n".join(result.output)
    return result


def test_new_receive_connector_prints_its_get_receive_connector_row():
    assert run(RELAY).output == [
        "",
        "Identity             Bindings     Enabled",
        "--------             --------     -------",
        "EX01\\Anonymous Relay {0.0.0.0:25} True",
        "",
    ]


def test_add_adpermission_prints_identity_user_deny_inherited_for_each_entry_written():
    output = run(RELAY + GRANT).output
    assert output[5:] == [
        "",
        "Identity             User                         Deny  Inherited",
        "--------             ----                         ----  ---------",
        "EX01\\Anonymous Relay NT AUTHORITY\\ANONYMOUS LOGON False False",
        "EX01\\Anonymous Relay NT AUTHORITY\\ANONYMOUS LOGON False False",
        "",
    ]
    chosen = run(RELAY + GRANT + " | ft ExtendedRights").output
    assert chosen[-3:-1] == ["{ms-Exch-SMTP-Submit}", "{ms-Exch-SMTP-Accept-Any-Recipient}"]


def test_a_deny_entry_prints_deny_true():
    output = run(
        RELAY + "Add-ADPermission 'Anonymous Relay' -User CONTOSO\\Printers -ExtendedRights ms-Exch-SMTP-Submit -Deny"
    )
    assert output.output[-2] == "EX01\\Anonymous Relay CONTOSO\\Printers True False"


def test_set_and_remove_cmdlets_print_nothing():
    script = (
        RELAY + GRANT + "\n"
        'Remove-ADPermission "Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        "-ExtendedRights ms-Exch-SMTP-Submit -Confirm:$false\n"
        "Set-ReceiveConnector 'Anonymous Relay' -Comment relay\n"
        "Set-AcceptedDomain contoso.com -AddressBookEnabled $true\n"
        "Remove-ReceiveConnector 'Anonymous Relay' -Confirm:$false\n"
    )
    assert len(run(script).output) == 5 + 6


def test_new_accepted_domain_prints_its_row_after_the_open_relay_warning():
    output = run("New-AcceptedDomain -Name Star -DomainName * -DomainType InternalRelay").output
    assert output == [
        "WARNING: Configuring '*' as an accepted domain creates an open relay that isn't recommended.",
        "",
        "Name DomainName DomainType    Default",
        "---- ---------- ----------    -------",
        "Star *          InternalRelay False",
        "",
    ]


def test_the_new_connector_can_be_piped_on_as_in_ems():
    result = run(RELAY.strip() + " | Set-ReceiveConnector -PermissionGroups AnonymousUsers")
    assert result.output == []
    assert result.org.connector("EX01", "Anonymous Relay").permission_groups_written == 1


def test_whatif_prints_only_the_what_if_line_in_exchange_words():
    org = run(RELAY).org
    lines = {
        RELAY.replace("Anonymous Relay", "Second").replace("192.168.5.1", "10.0.0.").strip(): (
            'What if: Creating Receive connector "Second" on server "EX01".'
        ),
        "Set-ReceiveConnector 'Anonymous Relay' -Comment x": (
            'What if: Configuring Receive connector "EX01\\Anonymous Relay".'
        ),
        "Remove-ReceiveConnector 'Anonymous Relay'": 'What if: Removing Receive connector "EX01\\Anonymous Relay".',
        GRANT: (
            'What if: Adding Active Directory permission for "NT AUTHORITY\\ANONYMOUS LOGON" '
            'on "EX01\\Anonymous Relay".'
        ),
        'New-AcceptedDomain -Name "Contoso Domain" -DomainName "contoso.net"': (
            'What if: Creating Accepted Domain "Contoso Domain" with domain name "contoso.net".'
        ),
        "Set-AcceptedDomain contoso.com -MakeDefault $true": 'What if: Configuring Accepted Domain "contoso.com".',
        "Set-MailboxServer EX01 -MAPIEncryptionRequired $true": 'What if: Configuring Mailbox server "EX01".',
        "Set-TransportConfig -TLSReceiveDomainSecureList fabrikam.com": (
            'What if: Configuring Transport Config "Transport Settings".'
        ),
    }
    for command, line in lines.items():
        result = ems.run_script(org, command + " -WhatIf")
        assert (result.error, result.output, result.org) == (None, [line], org), command


def test_format_list_shows_an_unknown_name_empty_but_a_pattern_matching_nothing_not_at_all():
    output = run('Get-ReceiveConnector "Default EX01" | Format-List Name,NoSuchThing,NoSuch?,Max[Z]*').output
    assert output == ["", "Name        : Default EX01", "NoSuchThing : ", ""]


def test_a_connector_and_its_server_print_their_distinguished_names():
    org = template()
    output = run('Get-ReceiveConnector "Default EX01" | Format-List DistinguishedName', org).output
    server = org.servers[0]
    assert output[1] == (
        "DistinguishedName : CN=Default EX01,CN=SMTP Receive Connectors,CN=Protocols,CN=EX01,CN=Servers,"
        f"CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN={org.name},"
        "CN=Microsoft Exchange,CN=Services,CN=Configuration,"
        + ",".join(f"DC={part}" for part in server.fqdn.split(".")[1:])
    )
    assert run("(Get-ExchangeServer EX01).Domain", org).output == [server.fqdn.partition(".")[2]]


def test_a_hashtables_entries_print_in_its_name_value_view():
    # $h.GetEnumerator() gives DictionaryEntry objects: DotNetTypes.format.ps1xml shows them as Name and Value (its
    # Key isn't a column), the hashtable's own view; Format-Table -AutoSize sizes that view, left-aligned.
    script = (
        "$sizes = @{}\nGet-ReceiveConnector | % { $sizes[$_.Name] = $_.MaxRecipientsPerMessage }\n"
        "$sizes.GetEnumerator() | Sort-Object Name | Select-Object -First 2\n"
        "$sizes.GetEnumerator() | Sort-Object Value -Descending | Select-Object -First 1 | Format-Table -AutoSize\n"
    )
    assert run(script).output == [
        "",
        "Name                           Value",
        "----                           -----",
        "Client Frontend EX01           200",
        "Client Proxy EX01              200",
        "",
        "",
        "Name         Value",
        "----         -----",
        "Default EX01 5000",
        "",
    ]


def test_a_server_shows_its_ad_site_as_an_inventory_script_reads_it():
    assert run("Get-ExchangeServer | Select-Object Name,Site").output[3] == (
        "EX01 contoso.com/Configuration/Sites/Default-First-Site-Name"
    )
