"""The collector: a read-only PowerShell script that brings a real organisation's configuration to the import.

`manage.py collector > Collect-Exchsim.ps1` and the Import page's download write it (`collector_script`). Run in the
Exchange Management Shell, it reads with Get- cmdlets only, writes one Export-Clixml file per cmdlet into a folder
(the names orgexport.FILES gives, so `dumplab --clixml` and the collector produce the same set), and zips the folder
with Compress-Archive. Apart from that folder and its zip it changes nothing, in Exchange or anywhere else.

What it reads: Get-ExchangeServer, Get-MailboxServer, Get-ReceiveConnector, `Get-ReceiveConnector | Get-ADPermission`
(every ACE, inherited ones included: Get-ADPermission's default), Get-AcceptedDomain, Get-TransportConfig,
Get-RecipientFilterConfig, the group memberships of the principals that appear in receive-connector ACEs (Get-Group,
Get-User; objects marked "Exchsim.GroupMember") and, only with -IncludeRecipients, each recipient's name, type and
SMTP addresses (and the members' addresses). None of these objects holds a password or key.

Versions: PowerShell 2.0 syntax only (Exchange 2010 runs on it; Exchange 2007 with PowerShell 2.0 where its cmdlets
exist); each step that fails (a cmdlet 2007 lacks, Get-RecipientFilterConfig without the anti-spam agents) is
skipped with a warning. Compress-Archive needs PowerShell 5: without it the script says so and leaves the folder,
whose .xml files the import reads as they are.

The steps are fixed text written here; the only values put into the script (file names, the default folder) go
through powershell.quote, so the script stays the same code whatever they hold.
"""

from __future__ import annotations

from .orgexport import FILES
from .powershell import comment, quote

FILE_NAME = "Collect-Exchsim.ps1"
DEFAULT_FOLDER = "Exchsim-Collect"
# A bound on the group walk (principals named in ACEs and their nested groups), so one odd forest can't loop.
MAX_PRINCIPALS = 5000

# file -> (what the summary calls it, the pipeline that reads it). Keep these read-only: tests check every command.
STEPS: dict[str, tuple[str, str]] = {
    "ExchangeServer.xml": ("Exchange servers", "Get-ExchangeServer"),
    "MailboxServer.xml": ("Mailbox servers (MAPIEncryptionRequired)", "Get-MailboxServer"),
    "ReceiveConnector.xml": ("receive connectors", "Get-ReceiveConnector"),
    "ADPermission.xml": ("receive connector permissions (every ACE)", "Get-ReceiveConnector | Get-ADPermission"),
    "AcceptedDomain.xml": ("accepted domains", "Get-AcceptedDomain"),
    "TransportConfig.xml": ("transport settings", "Get-TransportConfig"),
    "RecipientFilterConfig.xml": ("recipient filter settings", "Get-RecipientFilterConfig"),
    "GroupMember.xml": ("group memberships of the principals in those permissions", "Get-ExchsimGroupMember"),
}
# Only what the simulator's recipient checks need: no other attribute of a person leaves the organisation.
RECIPIENT_PROPERTIES = ("Name", "RecipientType", "PrimarySmtpAddress", "EmailAddresses", "SamAccountName")
RECIPIENTS = (
    "Recipient.xml",
    "recipients' SMTP addresses",
    "Get-Recipient -ResultSize Unlimited | Select-Object -Property "
    + ", ".join(quote(name) for name in RECIPIENT_PROPERTIES),
)

_HEADER = """\
<#
.SYNOPSIS
    Collects the configuration exchsim imports, read-only, into one folder and a zip.
.DESCRIPTION
    Run in the Exchange Management Shell, Exchange 2010 to Exchange Server SE (Exchange 2007 with PowerShell 2.0:
    the cmdlets it has). On an Edge Transport server run it there too: its connectors are not in Active Directory.

    It only reads: Get- cmdlets, Export-Clixml (one file per cmdlet) and Compress-Archive (the zip). It changes
    nothing in Exchange or Active Directory; it writes only the output folder and its zip.

    Nothing secret is collected: servers, receive connectors, their permissions, accepted domains and these
    settings hold no passwords or keys (a connector names its certificate; the certificate is not exported).
    Recipients' names and SMTP addresses are collected only with -IncludeRecipients (off by default: privacy);
    without it the group memberships name accounts, not their addresses.

    Then import the zip: python manage.py importconfig SLUG Exchsim-Collect.zip, or the dashboard's Import page.
.PARAMETER OutputFolder
    Where the files go (created if missing); the zip is written beside it.
.PARAMETER IncludeRecipients
    Also collect each recipient's name, type and SMTP addresses, for the simulator's recipient checks.
#>"""

_BODY = """\
[CmdletBinding()]
param(
    [string]$OutputFolder = (Join-Path -Path (Get-Location).Path -ChildPath {folder}),
    [switch]$IncludeRecipients
)

$script:collected = @()
$script:skipped = @()
[void](New-Item -ItemType Directory -Path $OutputFolder -Force)

function Save-ExchsimStep([string]$FileName, [string]$What, [scriptblock]$Read) {{
    $path = Join-Path -Path $OutputFolder -ChildPath $FileName
    try {{
        $objects = @(& $Read)
        $objects | Export-Clixml -Path $path -Encoding UTF8 -Depth 2
        Write-Host ('{{0,6}} {{1}} -> {{2}}' -f $objects.Count, $What, $FileName)
        $script:collected += $FileName
    }} catch {{
        Write-Warning ('Not collected: {{0}} ({{1}})' -f $What, $_.Exception.Message)
        $script:skipped += $FileName
    }}
}}

function Get-ExchsimGroupMember {{
    # The principals that appear in receive-connector ACEs, then the members of each one that is a group (nested
    # groups followed); built-in principals (NT AUTHORITY, MS Exchange, Everyone) have no members to read.
    $queue = New-Object System.Collections.Queue
    Get-ReceiveConnector | Get-ADPermission | Where-Object {{ $_.ExtendedRights }} |
        ForEach-Object {{ [string]$_.User }} | Sort-Object -Unique | ForEach-Object {{ $queue.Enqueue($_) }}
    $seen = @{{}}
    while ($queue.Count -gt 0 -and $seen.Count -lt {max_principals}) {{
        $name = [string]$queue.Dequeue()
        if ($seen.ContainsKey($name) -or $name -notlike '*\\*') {{ continue }}
        if ($name -like 'NT AUTHORITY\\*' -or $name -like 'MS Exchange\\*' -or $name -like 'BUILTIN\\*') {{ continue }}
        $seen[$name] = $true
        $domain = $name.Split('\\')[0]
        $group = Get-Group -Identity $name -ErrorAction SilentlyContinue
        if (-not $group) {{
            $user = Get-User -Identity $name -ErrorAction SilentlyContinue
            $kind = 'User'
            if ($name.EndsWith('$')) {{ $kind = 'Computer' }}
            New-ExchsimMember $null $name $kind ([string]$user.WindowsEmailAddress)
            continue
        }}
        foreach ($member in @($group.Members)) {{
            $memberGroup = Get-Group -Identity $member -ErrorAction SilentlyContinue
            $memberUser = $null
            if (-not $memberGroup) {{ $memberUser = Get-User -Identity $member -ErrorAction SilentlyContinue }}
            if ($memberGroup) {{
                $memberName = '{{0}}\\{{1}}' -f $domain, $memberGroup.SamAccountName
                New-ExchsimMember $name $memberName 'Group' ([string]$memberGroup.WindowsEmailAddress)
                $queue.Enqueue($memberName)
            }} elseif ($memberUser) {{
                $memberName = '{{0}}\\{{1}}' -f $domain, $memberUser.SamAccountName
                New-ExchsimMember $name $memberName 'User' ([string]$memberUser.WindowsEmailAddress)
            }} else {{
                # neither a user nor a group Exchange knows: a computer account (an Exchange server, a device)
                New-ExchsimMember $name ('{{0}}\\{{1}}$' -f $domain, ([string]$member).Split('/')[-1]) 'Computer' $null
            }}
        }}
        New-ExchsimMember $null $name 'Group' ([string]$group.WindowsEmailAddress)
    }}
}}

function New-ExchsimMember($Group, $Member, $MemberType, $MemberEmail) {{
    if (-not $IncludeRecipients -or -not $MemberEmail) {{ $MemberEmail = $null }}  # addresses: only when asked
    $row = New-Object PSObject -Property @{{
        Group = $Group; Member = $Member; MemberType = $MemberType; MemberEmail = $MemberEmail
    }}
    $row.PSObject.TypeNames.Insert(0, 'Exchsim.GroupMember')
    $row
}}

{steps}
if ($IncludeRecipients) {{
{recipients}
}} else {{
    Write-Host '     - recipients not collected (run with -IncludeRecipients to add their SMTP addresses)'
}}

$zip = $OutputFolder.TrimEnd('\\') + '.zip'
if (Get-Command Compress-Archive -ErrorAction SilentlyContinue) {{
    Compress-Archive -Path (Join-Path -Path $OutputFolder -ChildPath '*.xml') -DestinationPath $zip -Force
    Write-Host ('Collected {{0}} files into {{1}}; import that zip into exchsim.' -f $script:collected.Count, $zip)
}} else {{
    Write-Host ('Collected {{0}} files into {{1}}.' -f $script:collected.Count, $OutputFolder)
    Write-Host 'Compress-Archive needs PowerShell 5: zip that folder yourself, or import its .xml files as they are.'
}}
if ($script:skipped.Count -gt 0) {{
    Write-Host ('Skipped (see the warnings above): {{0}}' -f ($script:skipped -join ', '))
}}
"""


def _step(file_name: str, what: str, pipeline: str, indent: str = "") -> str:
    return f"{indent}Save-ExchsimStep {quote(file_name)} {quote(what)} {{ {pipeline} }}"


def collector_script(folder: str = DEFAULT_FOLDER) -> str:
    """The collector script's text. `folder` is the default output folder's name (under the current directory)."""
    missing = set(STEPS) | {RECIPIENTS[0]}
    assert missing <= set(FILES), "every step writes one of orgexport's files"
    steps = "\n".join(_step(name, what, pipeline) for name, (what, pipeline) in STEPS.items())
    recipients = _step(*RECIPIENTS, indent="    ")
    body = _BODY.format(folder=quote(folder), max_principals=MAX_PRINCIPALS, steps=steps, recipients=recipients)
    generated = comment(f"Written by exchsim ({FILE_NAME}); read it before you run it: it only reads.")
    return f"{_HEADER}\n{generated}\n{body}"
