from django.core.management.base import BaseCommand, CommandError

from connectors import history
from connectors.exchange.errors import ExchangeError, ValidationFailed
from connectors.management.commands.dumplab import lab_named


def refused(error: ExchangeError) -> CommandError:
    if isinstance(error, ValidationFailed):
        return CommandError("\n".join(e.message for e in error.errors))
    return CommandError(str(error))


class Command(BaseCommand):
    help = "Undo one history entry of a lab (as a new entry), unless a later entry changed the same settings."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("entry", help="The entry's number, as `history SLUG` lists it")

    def handle(self, *args, slug, entry, **options):
        try:
            saved = history.undo(lab_named(slug), entry, history.Change(source=history.CLI))
        except ExchangeError as error:
            raise refused(error) from error
        self.stdout.write(f"Undid #{entry} as #{saved.number}: {saved.summary}")
