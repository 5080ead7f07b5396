from django.core.management.base import BaseCommand, CommandError

from connectors import labs, labtemplates
from connectors.exchange.errors import ExchangeError
from connectors.management.cli import made, owner_named


class Command(BaseCommand):
    help = (
        f"Create a lab from a template (see --list-templates). The slug is the lab's address (/labs/SLUG/): "
        f"{labs.SLUG_RULES}. Without --owner the lab belongs to the local trainer 'local'."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help=f"The new lab's slug ({labs.SLUG_RULES})")
        parser.add_argument(
            "--template", default=labtemplates.CURRENT_TEMPLATE, help="Template name (default %(default)s)"
        )
        parser.add_argument("--name", help="Display name (default: the slug, numbered if the owner has one so named)")
        parser.add_argument("--owner", help="Username of the lab's owner (default: local, the demo's trainer)")
        parser.add_argument("--list-templates", action="store_true", help="List the templates and exit")

    def handle(self, *args, slug=None, template, name=None, owner=None, list_templates=False, **options):
        if list_templates:
            width = max(map(len, labtemplates.TEMPLATES))
            for item in labtemplates.TEMPLATES.values():
                self.stdout.write(f"{item.name:<{width}}  {item.description}")
            return
        if not slug:
            raise CommandError("Give the new lab's slug, e.g. createlab mylab --template exchange2019.")
        try:
            lab = labs.create_lab_from_template(template, slug=slug, owner=owner_named(owner), name=name)
        except ExchangeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(made("Created", lab))
        self.stdout.write(f"  '{lab.name}', from template {template}; its plan shows what you change from here.")
