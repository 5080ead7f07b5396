"""PowerShell benchmark: the console applying a 1,000-command script, Add-ADPermission scripts of 1,000 and 10,000
lines, and the whole-lab script of a large lab.

Run: .venv/bin/python benchmarks/powershell.py   (no database; about twenty seconds)

1. A script of 1,000 commands (New-ReceiveConnector, Set-ReceiveConnector, Add-ADPermission, Get-ReceiveConnector and
   accepted-domain cmdlets) run by the console on the exchangese template. Goal: under 5 s.
2. Scripts of 1,000 and 10,000 lines, each an Add-ADPermission of another of the lab's users on one connector
   (issue 11: 0.7 s and 61 s, quadratic). Goal: linear, 10,000 lines under 5 s.
3. The whole-lab script of the generated lab of 100 servers × 10 connectors × 100 remote ranges (1,000 connectors,
   100,000 ranges), as `manage.py exportps` writes it. Goal: under 2 s.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")

import django  # noqa: E402

django.setup()  # the lab templates live in connectors.labs, which imports the models

from connectors.exchange import ems, powershell  # noqa: E402
from connectors.exchange.model import Principal  # noqa: E402
from connectors.labtemplates import generated_org, template_org  # noqa: E402

COMMANDS = 1_000


def console_script() -> str:
    lines = []
    for number in range(COMMANDS // 4):
        name = f"Relay {number:03d}"
        a, b = divmod(number, 250)
        lines += [
            f"New-ReceiveConnector '{name}' -TransportRole FrontendTransport -Custom -Bindings 0.0.0.0:25 "
            f"-RemoteIPRanges 172.{16 + a}.{b}.0/24",
            f"Set-ReceiveConnector 'EX01\\{name}' -PermissionGroups AnonymousUsers -Comment 'relay {number}'",
            f"Get-ReceiveConnector '{name}' | Add-ADPermission -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
            "-ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient",
            f"Get-ReceiveConnector 'EX01\\{name}' | fl Name,PermissionGroups",
        ]
    return "\n".join(lines) + "\n"


def permission_script(lines: int) -> str:
    return "".join(
        f"Add-ADPermission 'EX01\\Default Frontend EX01' -User 'CONTOSO\\user{number}' "
        "-ExtendedRights ms-Exch-SMTP-Submit\n"
        for number in range(lines)
    )


def permission_scripts() -> None:
    timings = {}
    for lines in (1_000, 10_000):
        script = permission_script(lines)
        started = time.perf_counter()
        org = template_org("exchangese")
        directory = tuple(Principal(f"CONTOSO\\user{number}") for number in range(lines))  # -User must exist
        result = ems.run_script(org.with_changes(principals=org.principals + directory), script)
        timings[lines] = time.perf_counter() - started
        if result.error or result.commands_applied != lines:
            raise SystemExit(f"The Add-ADPermission script failed: {result.error}")
    print(
        f"console: Add-ADPermission scripts of 1,000 lines {timings[1_000]:.2f} s, 10,000 lines "
        f"{timings[10_000]:.2f} s (x{timings[10_000] / timings[1_000]:.1f} for 10x the lines; goal < 5 s, linear)"
    )


def main() -> None:
    org = template_org("exchangese")
    script = console_script()
    started = time.perf_counter()
    result = ems.run_script(org, script)
    console = time.perf_counter() - started
    if result.error:
        raise SystemExit(f"The benchmark script failed: {result.error}")
    print(
        f"console: {result.commands_applied:,} commands applied to a lab in {console:.2f} s "
        f"({len(result.org.connectors):,} connectors after; goal < 5 s)"
    )

    permission_scripts()

    lab = generated_org(100, 10, 100)
    started = time.perf_counter()
    text = powershell.render_lab(lab, "generated")
    export = time.perf_counter() - started
    commands = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    print(
        f"exportps: whole-lab script of {len(lab.connectors):,} connectors "
        f"({sum(len(c.remote_ip_ranges) for c in lab.connectors):,} ranges): {export:.2f} s, "
        f"{commands:,} lines, {len(text) / 1e6:.1f} MB (goal < 2 s)"
    )


if __name__ == "__main__":
    main()
