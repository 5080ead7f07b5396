"""Scripts written the way admins copy them from blogs (issue 14): variables, foreach, ForEach-Object, Where-Object,
Select-Object, Sort-Object, Import-Csv/Export-Csv. Each gives the same lab as the plain commands it stands for."""

from connectors.exchange import ems

from .orgs import two_servers

RELAY = (
    'New-ReceiveConnector -Name "Anonymous Relay" -Server EX01 -TransportRole FrontendTransport -Custom '
    "-Bindings 0.0.0.0:25 -RemoteIPRanges 192.168.5.10 -PermissionGroups AnonymousUsers\n"
    'Get-ReceiveConnector "EX01\\Anonymous Relay" | Add-ADPermission -User "NT AUTHORITY\\ANONYMOUS LOGON" '
    '-ExtendedRights "Ms-Exch-SMTP-Accept-Any-Recipient"\n'
    'New-ReceiveConnector -Name "Partner TLS" -Server EX01 -Partner -Bindings 0.0.0.0:2526 '
    "-RemoteIPRanges 17.17.17.0/24 -RequireTLS $true -Comment 'fabrikam'\n"
)
IPS = "IPAddress,Device\n192.168.5.11,printer\n192.168.5.12,scanner\n192.168.5.10,already there\n"


def lab_with_relays():
    result = ems.run_script(two_servers(), RELAY)
    assert result.error is None, result.error
    return result.org


def run(script, org, files=None):
    result = ems.run_script(org, script, files=files or {})
    assert result.error is None, "\n".join(result.output)
    return result


def test_add_ips_to_a_relay_connector_from_a_csv():
    org = lab_with_relays()
    script = r"""
# Add the IP addresses in RelayIPs.csv to the relay connector (skips the ones already there)
$Connector = "EX01\Anonymous Relay"
$IPs = Import-Csv "C:\Scripts\RelayIPs.csv"
$RecvConn = Get-ReceiveConnector $Connector
foreach ($IP in $IPs) {
    if ($RecvConn.RemoteIPRanges -notcontains $IP.IPAddress) {
        $RecvConn.RemoteIPRanges += $IP.IPAddress
        Write-Host "Adding $($IP.IPAddress) ($($IP.Device))"
    } else {
        Write-Host "$($IP.IPAddress) is already on $Connector"
    }
}
Set-ReceiveConnector $Connector -RemoteIPRanges $RecvConn.RemoteIPRanges
Write-Host "$Connector now has $($RecvConn.RemoteIPRanges.Count) remote IP ranges"
"""
    scripted = run(script, org, {"RelayIPs.csv": IPS})
    plain = run(
        'Set-ReceiveConnector "EX01\\Anonymous Relay" -RemoteIPRanges @{Add="192.168.5.11"}\n'
        'Set-ReceiveConnector "EX01\\Anonymous Relay" -RemoteIPRanges @{Add="192.168.5.12"}\n',
        org,
    )
    assert scripted.org == plain.org
    assert scripted.output == [
        "Adding 192.168.5.11 (printer)",
        "Adding 192.168.5.12 (scanner)",
        "192.168.5.10 is already on EX01\\Anonymous Relay",
        "EX01\\Anonymous Relay now has 3 remote IP ranges",
    ]


def test_add_ips_from_a_text_file_with_foreach_object_and_add():
    org = lab_with_relays()
    script = r"""
Get-Content .\ips.txt | ForEach-Object {
    Set-ReceiveConnector -Identity "EX01\Anonymous Relay" -RemoteIPRanges @{Add = $_}
}
"""
    scripted = run(script, org, {"ips.txt": "192.168.5.11\n192.168.5.12\n"})
    plain = run(
        'Set-ReceiveConnector "EX01\\Anonymous Relay" -RemoteIPRanges @{Add="192.168.5.11","192.168.5.12"}', org
    )
    assert scripted.org == plain.org


COPY = r"""
# Copy every custom receive connector of EX01 to EX02, with its settings and its explicit permissions
$Source = "EX01"
$Target = "EX02"
$Connectors = Get-ReceiveConnector -Server $Source | Where-Object { $_.Name -notlike "*$Source" } | Sort-Object Name
foreach ($c in $Connectors) {
    $params = @{
        Name             = $c.Name
        Server           = $Target
        TransportRole    = $c.TransportRole
        Bindings         = $c.Bindings
        RemoteIPRanges   = $c.RemoteIPRanges
        # EMS reads the relay's extra ACE back as Custom, which New-ReceiveConnector refuses: copy the groups only
        PermissionGroups = $c.PermissionGroups -replace ', Custom', ''
        AuthMechanism    = $c.AuthMechanism
        RequireTLS       = $c.RequireTLS
        MaxMessageSize   = $c.MaxMessageSize
        Comment          = $c.Comment
    }
    New-ReceiveConnector @params -Custom | Out-Null
    Get-ADPermission -Identity $c.Identity |
        Where-Object { -not $_.IsInherited -and $_.User -like "NT AUTHORITY\ANONYMOUS LOGON" } |
        ForEach-Object {
            Add-ADPermission -Identity "$Target\$($c.Name)" -User $_.User -ExtendedRights $_.ExtendedRights
        } |
        Out-Null
    Write-Host "Copied $($c.Name) to $Target"
}
"""


def test_copy_every_receive_connector_of_one_server_to_another():
    org = lab_with_relays()
    scripted = run(COPY, org)
    plain = run(
        'New-ReceiveConnector -Name "Anonymous Relay" -Server EX02 -TransportRole FrontendTransport -Custom '
        "-Bindings 0.0.0.0:25 -RemoteIPRanges 192.168.5.10 -PermissionGroups AnonymousUsers "
        "-AuthMechanism Tls -RequireTLS $false -MaxMessageSize 36MB\n"
        'Add-ADPermission "EX02\\Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        "-ExtendedRights ms-Exch-SMTP-Submit\n"
        'Add-ADPermission "EX02\\Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        "-ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient\n"
        'Add-ADPermission "EX02\\Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        "-ExtendedRights ms-Exch-SMTP-Accept-Any-Sender\n"
        'Add-ADPermission "EX02\\Anonymous Relay" -User "NT AUTHORITY\\ANONYMOUS LOGON" '
        "-ExtendedRights ms-Exch-SMTP-Accept-Authoritative-Domain-Sender\n"
        'New-ReceiveConnector -Name "Partner TLS" -Server EX02 -Custom -Bindings 0.0.0.0:2526 '
        "-RemoteIPRanges 17.17.17.0/24 -PermissionGroups Partners -AuthMechanism Tls -RequireTLS $true "
        "-MaxMessageSize 36MB -Comment fabrikam -TransportRole HubTransport\n",
        org,
    )
    assert scripted.output == ["Copied Anonymous Relay to EX02", "Copied Partner TLS to EX02"]
    assert scripted.org == plain.org
    for name in ("Anonymous Relay", "Partner TLS"):
        source, copy = org.connector("EX01", name), scripted.org.connector("EX02", name)
        assert copy.remote_ip_ranges == source.remote_ip_ranges
        assert {(a.principal, a.right, a.deny) for a in copy.acl if not a.inherited} <= {
            (a.principal, a.right, a.deny) for a in source.acl if not a.inherited
        } | {(a.principal, a.right, a.deny) for a in copy.acl if a.group}


def test_export_connectors_to_csv():
    org = lab_with_relays()
    script = r"""
$file = "C:\Temp\ReceiveConnectors-$((Get-Date -Date '2026-12-02').ToString('yyyyMMdd')).csv"
Get-ReceiveConnector -Server EX01 |
    Sort-Object Name |
    Select-Object Server, Name, TransportRole, Enabled,
        @{Name = "Bindings"; Expression = { $_.Bindings -join ";" }},
        @{Name = "RemoteIPRanges"; Expression = { $_.RemoteIPRanges -join ";" }},
        @{n = "MaxMessageSizeMB"; e = { $_.MaxMessageSize.ToMB() }} |
    Export-Csv -Path $file -NoTypeInformation
Write-Host "Exported $((Import-Csv $file).Count) connectors to $file"
"""
    result = run(script, org)
    assert result.org == org
    assert result.output == ["Exported 7 connectors to C:\\Temp\\ReceiveConnectors-20261202.csv"]
    lines = result.files["ReceiveConnectors-20261202.csv"].splitlines()
    assert lines[0] == '"Server","Name","TransportRole","Enabled","Bindings","RemoteIPRanges","MaxMessageSizeMB"'
    assert lines[1] == ('"EX01","Anonymous Relay","FrontendTransport","True","0.0.0.0:25","192.168.5.10","36"')
    assert len(lines) == 8


def test_list_anonymous_relay_permissions():
    org = lab_with_relays()
    script = r"""
Get-ReceiveConnector | Get-ADPermission |
    where { ($_.ExtendedRights -like "ms-Exch-SMTP-Accept-Any-Recipient") -and
            ($_.User -like "NT AUTHORITY\ANONYMOUS LOGON") } |
    Select-Object Identity, User, @{n = "Right"; e = { $_.ExtendedRights -join "," }} |
    Format-Table -AutoSize
"""
    result = run(script, org)
    assert result.org == org
    assert result.output == [
        "",
        "Identity             User                         Right",
        "--------             ----                         -----",
        "EX01\\Anonymous Relay NT AUTHORITY\\ANONYMOUS LOGON ms-Exch-SMTP-Accept-Any-Recipient",
        "",
    ]


def test_a_community_script_in_a_dry_run_changes_nothing_and_prints_the_plan():
    org = lab_with_relays()
    result = ems.run_script(org, COPY, dry_run=True)
    assert result.error is None
    assert result.org is org
    assert "Plan of the whole script (dry run: nothing was changed):" in result.output


def test_a_dry_run_that_fails_midway_prints_the_plan_of_what_came_before():
    org = lab_with_relays()
    script = (
        'Set-ReceiveConnector "EX01\\Anonymous Relay" -MaxMessageSize 20MB\n'
        'Set-ReceiveConnector "EX01\\Nope" -Banner "x"\n'
    )
    result = ems.run_script(org, script, dry_run=True)
    assert result.error == "The operation couldn't be performed because object 'EX01\\Nope' couldn't be found."
    assert result.org is org
    at = result.output.index("Plan of the whole script (dry run, up to the error: nothing was changed):")
    assert result.output[at - 2].startswith("    + CategoryInfo")
    assert "Anonymous Relay" in result.output[at + 1]
    assert [step.summary for step in result.plan] == [result.output[at + 1].strip()]


def test_a_bulk_change_across_the_servers_a_role_filter_picks():
    # Get-ExchangeServer's Is…Server properties pick the servers: without them the filter picks none and the script
    # silently changes nothing.
    org = two_servers()
    script = (
        "Get-ExchangeServer | Where-Object {$_.IsMailboxServer -eq $true} | ForEach-Object {\n"
        '    Set-ReceiveConnector -Identity "$($_.Name)\\Client Frontend $($_.Name)" -MaxMessageSize 25MB\n'
        "}\n"
        "foreach ($s in Get-ExchangeServer | where {$_.IsHubTransportServer -and $_.IsFrontendTransportServer}) {\n"
        '    Set-ReceiveConnector "$($s.Name)\\Default Frontend $($s.Name)" -ProtocolLoggingLevel None\n'
        "}\n"
    )
    plain = run(
        'Set-ReceiveConnector "EX01\\Client Frontend EX01" -MaxMessageSize 25MB\n'
        'Set-ReceiveConnector "EX02\\Client Frontend EX02" -MaxMessageSize 25MB\n'
        'Set-ReceiveConnector "EX01\\Default Frontend EX01" -ProtocolLoggingLevel None\n'
        'Set-ReceiveConnector "EX02\\Default Frontend EX02" -ProtocolLoggingLevel None\n',
        org,
    )
    assert run(script, org).org == plain.org
    assert run("Get-ExchangeServer EX01 | fl Is*Server", org).output[1:7] == [
        "IsEdgeServer              : False",
        "IsHubTransportServer      : True",
        "IsClientAccessServer      : True",
        "IsMailboxServer           : True",
        "IsUnifiedMessagingServer  : False",
        "IsFrontendTransportServer : True",
    ]


def test_a_report_built_with_new_object_psobject_and_write_progress():
    org = lab_with_relays()
    script = (
        "$connectors = Get-ReceiveConnector -Server EX01\n$i = 0\n"
        "$report = foreach ($c in $connectors) {\n    $i++\n"
        '    Write-Progress -Activity "Connectors" -Status $c.Name -PercentComplete ($i / $connectors.Count * 100)\n'
        "    New-Object PSObject -Property ([ordered]@{ Connector = $c.Identity; Ranges = $c.RemoteIPRanges.Count })\n"
        "}\n$report | Where-Object { $_.Ranges -lt 2 } | Format-Table -AutoSize\n"
    )
    assert run(script, org).output == [
        "",
        "Connector            Ranges",
        "---------            ------",
        "EX01\\Anonymous Relay      1",
        "EX01\\Partner TLS          1",
        "",
    ]
    refused = ems.run_script(org, "New-Object System.Net.WebClient")
    assert refused.error.startswith("New-Object of anything but a custom object (PSObject) is not run")


def test_compare_the_connectors_of_two_servers():
    # Compare-Object's output as its reference shows it: == (with -IncludeEqual), then =>, then <=
    org = lab_with_relays()
    script = (
        "$a = Get-ReceiveConnector -Server EX01 | % { $_.Name -replace 'EX01','' }\n"
        "$b = Get-ReceiveConnector -Server EX02 | % { $_.Name -replace 'EX02','' }\n"
        "Compare-Object -ReferenceObject $a -DifferenceObject $b\n"
        "@(Compare-Object $a $b -IncludeEqual -ExcludeDifferent).Count\n"
    )
    big = ems.run_script(org, "$a = 1..900000; @(Compare-Object $a $a).Count", max_steps=1_000_000)
    assert big.error.startswith("The script stopped after 1,000,000 steps")  # two big sets can't hold a worker
    assert run(script, org).output == [
        "",
        "InputObject     SideIndicator",
        "-----------     -------------",
        "Anonymous Relay <=",
        "Partner TLS     <=",
        "",
        "5",
    ]


def test_an_open_relay_audit_filters_on_the_users_and_rights_raw_identity():
    # Get-ADPermission's User (SecurityPrincipalIdParameter) and ExtendedRights (ExtendedRightIdParameter[]) have the
    # .RawIdentity audit scripts compare, the text each prints (ExchangeDsc's receive connector resource does so).
    script = r"""
$open = Get-ADPermission "EX01\Anonymous Relay" | where {$_.ExtendedRights -like "ms-Exch-SMTP-Accept-Any-Recipient" `
    -and $_.User.RawIdentity -eq "NT AUTHORITY\ANONYMOUS LOGON"}
"open relay entries: $(@($open).Count)"
$open | % { "$($_.User.RawIdentity) $($_.ExtendedRights.RawIdentity)" }
@(Get-ADPermission "EX01\Anonymous Relay" | where {$_.ExtendedRights.RawIdentity -eq "ms-Exch-SMTP-Submit"}).Count
$open[0].User.GetType().FullName
$open[0].ExtendedRights[0].GetType().FullName
"""
    result = run(script, lab_with_relays())
    assert result.output == [
        "open relay entries: 1",
        "NT AUTHORITY\\ANONYMOUS LOGON ms-Exch-SMTP-Accept-Any-Recipient",
        "1",
        "Microsoft.Exchange.Configuration.Tasks.SecurityPrincipalIdParameter",
        "Microsoft.Exchange.Management.RecipientTasks.ExtendedRightIdParameter",
    ]
