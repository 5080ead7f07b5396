from django.core.management.base import BaseCommand

from connectors import history
from connectors.exchange.errors import ExchangeError
from connectors.management.commands.dumplab import lab_named
from connectors.management.commands.undo import refused


class Command(BaseCommand):
    help = "Restore a lab to how it was right after one of its history entries (itself a new entry)."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("entry", help="The entry's number, as `history SLUG` lists it")

    def handle(self, *args, slug, entry, **options):
        try:
            saved = history.restore(lab_named(slug), entry, history.Change(source=history.CLI))
        except ExchangeError as error:
            raise refused(error) from error
        self.stdout.write(f"Restored the lab to #{entry} as #{saved.number}: {saved.summary}")
