import json

from django.core.management.base import BaseCommand, CommandError

from connectors.exchange.audit import SEVERITIES, audit
from connectors.exchange.log_files import LogFileError
from connectors.exchange.relay_use import traffic_summary
from connectors.exchange.replay import profile_of_paths
from connectors.management.commands.dumplab import lab_named
from connectors.store import lab_to_org


class Command(BaseCommand):
    help = (
        "Audit a lab by simulation: open relays, TLS and authentication mistakes, connectors that never work, "
        "spoofing, accepted-domain traps. Exits 1 when a finding reaches --fail-on (default: error)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--json", action="store_true", help="Print the findings as a JSON list")
        parser.add_argument("--fail-on", choices=SEVERITIES, default="error", help="Lowest severity that fails")
        parser.add_argument(
            "--logs",
            nargs="+",
            metavar="LOG",
            help="SMTP Receive protocol logs (files, folders, zip, gz): relay findings say whether they show them used",
        )

    def handle(self, *args, **options):
        org = lab_to_org(lab_named(options["slug"]))
        summary = None
        if options["logs"]:
            try:
                summary = traffic_summary(profile_of_paths(options["logs"]), org.accepted_domains)
            except LogFileError as error:
                raise CommandError(str(error)) from error
        findings = audit(org, traffic=summary)
        if options["json"]:
            self.stdout.write(json.dumps([f.to_json() for f in findings], indent=2))
        else:
            self.stdout.write(_render(findings))
        failing = [f for f in findings if f.reaches(options["fail_on"])]
        if failing:
            raise CommandError(f"{len(failing)} finding(s) at {options['fail_on']} or above.", returncode=1)


def _render(findings) -> str:
    if not findings:
        return "No findings."
    blocks = []
    for finding in findings:
        lines = [f"[{finding.severity.upper()}] {finding.code}: {finding.title}", f"  {finding.explanation}"]
        if finding.traffic:
            lines.append(f"  Traffic: {finding.traffic}")
        lines += ["  Evidence:", *(f"    {line}" for line in finding.evidence)]
        lines += [f"  Fix: {finding.fix}", *(f"    {line}" for line in finding.powershell.splitlines())]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
