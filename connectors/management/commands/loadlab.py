import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from connectors import labs
from connectors.exchange.errors import ExchangeError
from connectors.management.commands.createlab import owner_named


class Command(BaseCommand):
    help = "Create a lab from a lab file (docs/lab-format.md), all or nothing. Use - to read standard input."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--slug", help="Slug of the new lab (default: made from the file's name)")
        parser.add_argument("--owner", help="Username of the new lab's owner")

    def handle(self, *args, file, slug=None, owner=None, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Can't read {file}: {error}") from None
        try:
            lab = labs.load_lab(text, slug or None, owner=owner_named(owner))
        except (ExchangeError, ValueError) as error:
            raise CommandError(f"{file} wasn't loaded:\n{error}") from None
        self.stdout.write(f"Loaded lab '{lab.slug}' from {file}.")
