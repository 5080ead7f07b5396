"""How a finding of the audit is written: the evidence lines read off a simulated session, and the fix as a
PowerShell command whose every value is quoted (exchange/powershell.py).
"""

from __future__ import annotations

import ipaddress

from . import powershell
from .addresses import IPRange, format_ip
from .addressmap import public_part
from .model import ReceiveConnector
from .reach import Reach, Route
from .smtp import SessionResult


def rcpt_reply(result: SessionResult) -> str | None:
    return result.recipients[0].reply if result.recipients else None


def identity_words(result: SessionResult) -> str:
    return "anonymously" if result.identity.kind == "anonymous" else f"as {result.identity.name}"


def steps(result: SessionResult, *commands: str) -> list[str]:
    """'RCPT TO:<x>: 250 2.1.5 Recipient OK' for the transcript steps whose command starts with one of `commands`."""
    return [f"{s.client}: {s.server[0]}" for s in result.transcript if (s.client or "").startswith(commands)]


def first_ehlo(result: SessionResult) -> tuple[str, ...]:
    return next((s.server for s in result.transcript if (s.client or "").startswith("EHLO")), ())


def relay_evidence(reach: Reach, route: Route, result: SessionResult) -> list[str]:
    where = f"{route.local_ip}:{route.port}" if route.local_ip else f"port {route.port}"
    lines = [f"{route.remote_ip} -> {reach.connector.server} {where}: {result.selection.reason}"]
    lines += steps(result, "MAIL", "RCPT")
    lines.append(result.recipients[0].reason)
    return lines


def collapsed_ranges(ranges: tuple[IPRange, ...]) -> list[str]:
    networks = []
    for ip_range in ranges:
        first = ipaddress.ip_address(format_ip(ip_range.version, ip_range.first))
        last = ipaddress.ip_address(format_ip(ip_range.version, ip_range.last))
        networks += ipaddress.summarize_address_range(first, last)
    merged = []
    for version in (4, 6):
        merged += [str(n) for n in ipaddress.collapse_addresses(n for n in networks if n.version == version)]
    return merged


def ps_command(cmdlet: str, identity: str, **parameters) -> str:
    """`Set-ReceiveConnector -Identity 'EX01\\Relay' -RemoteIPRanges '10.0.0.50'`; booleans as `-Confirm:$false`."""
    words = [cmdlet, "-Identity", powershell.quote(identity)]
    for name, value in parameters.items():
        if isinstance(value, bool):
            words.append(f"-{name}:{powershell.literal(value)}")
        else:
            words += [f"-{name}", powershell.literal(value)]
    return " ".join(words)


def narrow_script(connector: ReceiveConnector, example_ip: str) -> str:
    return "# List only the hosts that must relay, for example:\n" + ps_command(
        "Set-ReceiveConnector", connector.identity, RemoteIPRanges=[example_ip]
    )


def narrow_or_disable(connector: ReceiveConnector) -> str:
    private = [r.text for r in connector.remote_ip_ranges if not _touches_public(r)]
    if private:
        return ps_command("Set-ReceiveConnector", connector.identity, RemoteIPRanges=private)
    return ps_command("Set-ReceiveConnector", connector.identity, Enabled=False)


def _touches_public(ip_range: IPRange) -> bool:
    return public_part(ip_range.version, ip_range.first, ip_range.last)[0] > 0
