"""PowerShell benchmark: the console applying a 1,000-command script, Add-ADPermission scripts of 1,000 and 10,000
lines, and the whole-lab script of a large lab.

Run: .venv/bin/python benchmarks/powershell.py   (no database; about twenty seconds)

Each console figure is printed as wall-clock and CPU time: on a machine shared with other work the wall clock
inflates, the CPU time is the script's own cost.

1. A script of 1,000 commands (New-ReceiveConnector, Set-ReceiveConnector, Add-ADPermission, Get-ReceiveConnector and
   accepted-domain cmdlets) run by the console on the exchangese template. Goal (issue 14): under 2 s.
1b. A 1,000-iteration foreach over the connectors of the generated lab of 100 servers × 10 connectors × 100 remote
   ranges, reading each one's properties and setting its Comment, as a community script does (issue 14). Goal: 2 s.
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


FOREACH = """
$count = 0
foreach ($c in Get-ReceiveConnector) {
    if ($c.RemoteIPRanges.Count -ge 100 -and $c.Enabled -and $c.Name -like "*") {
        $count++
        Set-ReceiveConnector $c.Identity -Comment "checked $($c.Name) on $($c.Server)"
    }
}
"$count connectors checked"
"""


def timed(call):
    """(result, wall seconds, CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def foreach_over_a_big_lab() -> None:
    lab = generated_org(100, 10, 100)
    result, wall, cpu = timed(lambda: ems.run_script(lab, FOREACH))  # the default step limit
    if result.error or result.output != [f"{len(lab.connectors):,} connectors checked".replace(",", "")]:
        raise SystemExit(f"The foreach benchmark failed: {result.error or result.output[-1:]}")
    print(
        f"console: foreach over the {len(lab.connectors):,} connectors of a 100-server lab, reading and setting each: "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU (goal < 2 s)"
    )


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
        # each line prints its new entry: 10,000 of them pass the web console's 1 MB output cap, so lift it here
        result = ems.run_script(org.with_changes(principals=org.principals + directory), script, max_output=1 << 26)
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
    result, wall, cpu = timed(lambda: ems.run_script(org, script))
    if result.error:
        raise SystemExit(f"The benchmark script failed: {result.error}")
    print(
        f"console: {result.commands_applied:,} commands applied to a lab in {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"({len(result.org.connectors):,} connectors after; goal < 2 s)"
    )

    foreach_over_a_big_lab()
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
