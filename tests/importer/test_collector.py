"""The collector script: read-only, parses with the PowerShell grammar, values quoted, the files the import reads."""

import io
import re

import pytest
import tree_sitter_powershell
from django.core.management import call_command
from tree_sitter import Language, Parser

from connectors.exchange import collector, orgexport

PARSER = Parser(Language(tree_sitter_powershell.language()))
# Every command the script may run: reading cmdlets, output, and writing only its own folder, files and zip.
ALLOWED = {
    "Get-ExchangeServer",
    "Get-MailboxServer",
    "Get-ReceiveConnector",
    "Get-ADPermission",
    "Get-AcceptedDomain",
    "Get-TransportConfig",
    "Get-RecipientFilterConfig",
    "Get-Recipient",
    "Get-Group",
    "Get-User",
    "Get-Location",
    "Get-Command",
    "Export-Clixml",
    "Compress-Archive",
    "New-Item",  # the output folder, once
    "New-Object",
    "Join-Path",
    "Select-Object",
    "Where-Object",
    "ForEach-Object",
    "Sort-Object",
    "Write-Host",
    "Write-Warning",
    # the script's own functions
    "Save-ExchsimStep",
    "Get-ExchsimGroupMember",
    "New-ExchsimMember",
}


def nodes(script: str, kind: str) -> list:
    found = []

    def walk(node):
        if node.type == kind:
            found.append(node)
        for child in node.children:
            walk(child)

    walk(PARSER.parse(script.encode()).root_node)
    return found


def errors(script: str) -> list:
    tree = PARSER.parse(script.encode())
    found = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            found.append(node)
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return found


def command_names(script: str) -> set[str]:
    return {node.text.decode() for node in nodes(script, "command_name")}


def test_it_parses_cleanly_with_tree_sitter_powershell():
    assert errors(collector.collector_script()) == []


def test_it_only_runs_reading_commands():
    names = command_names(collector.collector_script())
    assert {"Get-ReceiveConnector", "Get-ADPermission", "Export-Clixml", "Compress-Archive"} <= names
    assert names <= ALLOWED, names - ALLOWED
    assert not {n for n in names if re.match(r"(Set|Remove|Add|Enable|Disable|Invoke|Start|Stop|Move)-", n)}


def test_it_collects_every_cmdlet_the_issue_names_into_the_importers_files():
    script = collector.collector_script()
    for pipeline in (
        "Get-ExchangeServer",
        "Get-MailboxServer",
        "Get-ReceiveConnector | Get-ADPermission",
        "Get-AcceptedDomain",
        "Get-TransportConfig",
        "Get-RecipientFilterConfig",
    ):
        assert f"{{ {pipeline} }}" in script
    written = set(re.findall(r"Save-ExchsimStep '([^']+)'", script))
    assert written == set(orgexport.FILES)  # the same files dumplab --clixml writes
    assert "Export-Clixml -Path $path -Encoding UTF8" in script


def test_it_collects_recipients_only_with_the_switch():
    script = collector.collector_script()
    assert "[switch]$IncludeRecipients" in script
    recipients = script.index("Save-ExchsimStep 'Recipient.xml'")
    assert script.rindex("if ($IncludeRecipients) {", 0, recipients) > script.index("Save-ExchsimStep 'GroupMember")


def test_it_collects_group_members_addresses_only_with_the_switch():
    script = collector.collector_script()
    (function,) = [n.text.decode() for n in nodes(script, "function_statement") if b"New-ExchsimMember(" in n.text]
    assert "if (-not $IncludeRecipients -or -not $MemberEmail) { $MemberEmail = $null }" in function


def test_its_header_says_it_only_reads_and_holds_nothing_secret():
    header = collector.collector_script().split("#>")[0]
    assert "It only reads" in header
    assert "Nothing secret is collected" in header
    assert "2010 to Exchange Server SE" in header


def test_it_falls_back_when_compress_archive_is_missing():
    script = collector.collector_script()
    assert "if (Get-Command Compress-Archive -ErrorAction SilentlyContinue)" in script
    assert "Compress-Archive needs PowerShell 5" in script


@pytest.mark.parametrize("folder", ["it's", "$(Remove-Item C:\\)", "a‘b’c", "x'; Remove-ReceiveConnector y #"])
def test_it_quotes_the_folder_so_it_stays_one_string(folder):
    script = collector.collector_script(folder)
    assert errors(script) == []
    assert command_names(script) <= ALLOWED
    (param,) = [n for n in nodes(script, "param_block")]
    strings = [n for n in nodes(param.text.decode(), "verbatim_string_characters")]
    assert len(strings) == 1


def test_the_command_prints_the_script():
    out = io.StringIO()
    call_command("collector", stdout=out)
    assert out.getvalue() == collector.collector_script()
