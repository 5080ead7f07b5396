from django.core.management.base import BaseCommand, CommandError

from connectors import labs
from connectors.exchange.errors import ExchangeError
from connectors.management.cli import made, owner_named
from connectors.management.commands.dumplab import lab_named
from connectors.middleware import local_user


class Command(BaseCommand):
    help = "Copy a lab; the copy's baseline is the source, so its plan shows what was changed."

    def add_arguments(self, parser):
        parser.add_argument("source", help="Slug of the lab to copy")
        parser.add_argument("slug", help=f"Slug of the new lab ({labs.SLUG_RULES})")
        parser.add_argument("--name", help="Display name (default: the source's name + ' (copy)', numbered if taken)")
        parser.add_argument("--owner", help="Username of the new lab's owner (default: the source's, else local)")

    def handle(self, *args, source, slug, name=None, owner=None, **options):
        original = lab_named(source)
        new_owner = owner_named(owner) if owner else original.owner or local_user()
        try:
            lab = labs.copy_lab(original, slug, owner=new_owner, name=name)
        except ExchangeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(made("Copied", lab))
        self.stdout.write(f"  '{lab.name}', a copy of '{original.slug}' (its baseline: the plan shows your changes).")
