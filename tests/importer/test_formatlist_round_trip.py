"""Format-List text of a lab, as EMS prints it into a console 80 or 120 columns wide (wrapped the way PowerShell's
list writer wraps), imports back to the same servers, connectors, ACLs and accepted domains."""

import io

import pytest

from connectors.exchange.ems import run_script
from connectors.exchange.importmap import import_organization
from connectors.exchange.importsources import read_sources
from connectors.labfile import org_to_data
from connectors.labtemplates import demo_org, template_org

COMMANDS = (
    "Get-ExchangeServer | Format-List",
    "Get-ReceiveConnector | Format-List",
    "Get-ReceiveConnector | Get-ADPermission | Format-List",
    "Get-AcceptedDomain | Format-List",
)


def wrapped(line: str, width: int, word_wrap: bool) -> list[str]:
    """One `Name : value` line as PowerShell's ListWriter prints it in a console `width` wide: the value cut into
    lines of the value column's width, at the end of a word (which keeps its trailing space) in the cultures that
    word-wrap, else at the width; continuation lines indented to the value column."""
    name, sep, value = line.partition(" : ")
    if not sep or len(line) < width:
        return [line]
    column = len(name) + len(sep)
    room = width - 1 - column
    pieces, current = [], ""
    words = [w + " " for w in value.split(" ")] if word_wrap else [value]
    words[-1] = words[-1].rstrip(" ") if word_wrap else words[-1]
    for word in words:
        if word_wrap and len(word) <= room:
            if len(current) + len(word) > room:
                pieces.append(current)
                current = ""
            current += word
            continue
        for char in word:  # a word longer than the line, or no word wrap: cut at the width
            if len(current) == room:
                pieces.append(current)
                current = ""
            current += char
    pieces.append(current)
    return [name + sep + pieces[0]] + [" " * column + piece for piece in pieces[1:]]


def listing(org, width: int, word_wrap: bool, trim: bool) -> list[tuple[str, io.BytesIO]]:
    files = []
    for command in COMMANDS:
        result = run_script(org, command)
        assert result.error is None
        lines = [piece for line in result.output for piece in wrapped(line, width, word_wrap)]
        if trim:  # pasted from a console window: trailing spaces gone
            lines = [line.rstrip() for line in lines]
        files.append((command.split()[-3] + ".txt", io.BytesIO("\r\n".join(lines).encode("utf-16"))))
    return files


def essentials(org):
    data = org_to_data(org.with_changes(servers=tuple(sorted(org.servers, key=lambda s: s.name.casefold()))))
    for server in data["servers"]:  # connectors and their ACLs are in their server's entry
        # Get-ExchangeServer shows no IP addresses: from text, a server has those its connectors bind (none here)
        server.pop("ip_addresses")
    return {key: data[key] for key in ("servers", "accepted_domains")}


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("word_wrap", [True, False])
@pytest.mark.parametrize("name", ["demo", "exchange2010", "exchangese-edge"])
def test_it_imports_wrapped_format_list_text_as_the_same_lab(name, width, word_wrap):
    org = demo_org() if name == "demo" else template_org(name)
    back = import_organization(list(read_sources(listing(org, width, word_wrap, trim=False)))).org
    assert essentials(back) == essentials(org)


def test_it_reads_text_pasted_without_trailing_spaces():
    org = demo_org()
    back = import_organization(list(read_sources(listing(org, 80, True, trim=True)))).org
    assert essentials(back) == essentials(org)
