import json
import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from connectors.exchange.log_files import LogFileError, sources
from connectors.exchange.replay import build_profile
from connectors.exchange.replay_model import report
from connectors.management.commands.dumplab import lab_named
from connectors.store import lab_to_org


class Command(BaseCommand):
    help = (
        "Replay SMTP Receive protocol logs (.LOG files, folders, zip, gzip) against a lab: who uses which connector, "
        "where the model disagrees with what Exchange logged, and with --against a what-if lab, whose mail a change "
        "breaks or lets through. Exits 0 unless a log can't be read at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The lab the logs are compared with (the baseline for --against)")
        parser.add_argument("logs", nargs="+", metavar="LOG", help="A .LOG file, a folder of them, a zip or a .gz")
        parser.add_argument("--against", metavar="LAB", help="A what-if lab: list the senders whose outcome changes")
        parser.add_argument("--json", action="store_true", help="Print one JSON object")
        parser.add_argument("--since", metavar="T", help="Only sessions that start at or after T (ISO 8601, UTC)")
        parser.add_argument("--until", metavar="T", help="Only sessions that start at or before T")

    def handle(self, *args, **options):
        org = lab_to_org(lab_named(options["slug"]))
        against = lab_to_org(lab_named(options["against"])) if options["against"] else None
        try:
            items = sources(options["logs"])
            window = {"since": options["since"], "until": options["until"]}
            with tqdm(total=sum(i.size for i in items), unit="B", unit_scale=True, desc="Reading logs",
                      file=sys.stderr, disable=None, leave=False) as bar:  # fmt: skip
                profile = build_profile(items, progress=bar.update, **window)
        except LogFileError as error:
            raise CommandError(str(error)) from error
        except ValueError as error:  # --since / --until
            raise CommandError(f"Cannot convert the value of --since/--until to a date and time: {error}") from error
        result = report(profile, org, against)
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
        else:
            self.stdout.write(render(result))


def render(result: dict) -> str:
    lines = [
        f"{result['sessions']:,} sessions, {result['messages']:,} messages, {result['lines']:,} lines read, "
        f"{result['malformed_lines']:,} malformed, {result['probes_simulated']:,} probes simulated.",
        *(f"  malformed: {m['file']}:{m['line']}: {m['problem']}" for m in result["malformed"]),
        "",
        "Who uses what:",
    ]
    for entry in result["connectors"]:
        lines.append(
            f"  {entry['connector']}: {len(entry['remote_addresses'])} address(es), {entry['sessions']:,} sessions, "
            f"{entry['messages']:,} messages, {entry['recipients']:,} recipients, "
            f"{entry['first_seen']} – {entry['last_seen']}"
        )
        lines += _range_lines(entry)
        for address in entry["by_address"][:20]:
            accounts = f" as {', '.join(address['accounts'])}" if address["accounts"] else ""
            counts = f"{address['sessions']:,} sessions, {address['messages']:,} messages"
            lines.append(f"    {address['address']}: {counts}{accounts}")
        if len(entry["by_address"]) > 20:
            lines.append(f"    … and {len(entry['by_address']) - 20:,} more (--json lists them all)")
    lines += ["", "Drift (the model against the logs):" if result["drift"] else "Drift: none, the model agrees."]
    for row in result["drift"]:
        lines.append(f"  [{row['kind']}] {row['remote_ip']} on {row['connector']} ({row['sessions']:,} sessions)")
        lines += [f"    logged: {row['logged']}", f"    model:  {row['model']}", f"    why:    {row['reason']}"]
        lines.append(f"    e.g.    {row['example_session']}")
    if "impact" in result:
        lines += ["", "Impact of the change:" if result["impact"] else "Impact: no observed sender's outcome changes."]
        for row in result["impact"]:
            lines.append(f"  [{row['direction']}] {row['summary']} (was {row['before']})")
            lines += [f"    because: {cause}" for cause in row["cause"]]
    return "\n".join(lines)


def _range_lines(entry: dict) -> list[str]:
    """Which of the lab connector's RemoteIPRanges the addresses fell in (replay_model.range_use)."""
    if not entry["in_lab"]:
        return ["    (the lab has no such connector: its ranges are unknown)"]
    lines = [
        f"    range {row['range']}: {len(row['addresses']):,} address(es), {row['sessions']:,} sessions, "
        f"{row['messages']:,} messages"
        for row in entry["remote_ranges"]
    ]
    if entry["outside_ranges"]:
        shown = ", ".join(entry["outside_ranges"][:10])
        more = f" … and {len(entry['outside_ranges']) - 10:,} more" if len(entry["outside_ranges"]) > 10 else ""
        lines.append(f"    outside the lab connector's ranges: {shown}{more}")
    return lines
