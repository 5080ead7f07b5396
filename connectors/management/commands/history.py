import json

from django.core.management.base import BaseCommand

from connectors.management.commands.dumplab import lab_named


def entry_data(entry) -> dict:
    return {
        "number": entry.number,
        "created": entry.created.isoformat(),
        "user": entry.user.get_username() if entry.user else None,
        "source": entry.source,
        "action": entry.action,
        "note": entry.note,
        "summary": entry.summary,
        "refers_to": entry.refers_to,
        "commands": entry.commands,
        "undo_commands": entry.undo_commands,
    }


class Command(BaseCommand):
    help = "List a lab's history, newest first: each change with who, when, from where, and its EMS commands."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--json", action="store_true", help="Print the entries as JSON")

    def handle(self, *args, slug, json: bool = False, **options):
        entries = lab_named(slug).history.select_related("user").defer("changes", "touched")
        if json:
            self.stdout.write(_dumps([entry_data(e) for e in entries]))
            return
        for entry in entries:
            who = entry.user.get_username() if entry.user else "(no account)"
            self.stdout.write(
                f"#{entry.number}  {entry.created:%Y-%m-%d %H:%M:%S} UTC  {who}  {entry.source}  {entry.action}"
            )
            self.stdout.write(f"    {entry.summary}")
            if entry.note:
                self.stdout.write(f"    ({entry.note})")


def _dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
