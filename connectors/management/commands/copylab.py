from django.core.management.base import BaseCommand, CommandError

from connectors import labs
from connectors.exchange.errors import ExchangeError
from connectors.management.commands.createlab import owner_named
from connectors.management.commands.dumplab import lab_named


class Command(BaseCommand):
    help = "Copy a lab; the copy's baseline is the source, so its plan shows what was changed."

    def add_arguments(self, parser):
        parser.add_argument("source", help="Slug of the lab to copy")
        parser.add_argument("slug", help="Slug of the new lab")
        parser.add_argument("--name", help="Display name (default: the source's name + ' (copy)')")
        parser.add_argument("--owner", help="Username of the new lab's owner (default: the source's)")

    def handle(self, *args, source, slug, name=None, owner=None, **options):
        original = lab_named(source)
        try:
            lab = labs.copy_lab(original, slug, owner=owner_named(owner), name=name)
        except ExchangeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Copied lab '{original.slug}' to '{lab.slug}' (baseline: {original.slug}).")
