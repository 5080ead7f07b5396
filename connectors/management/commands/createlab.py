from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from connectors import labs
from connectors.exchange.errors import ExchangeError


def owner_named(username: str | None):
    """The user for --owner, or None; CommandError when there's no such user."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There's no user called '{username}'.")
    return user


class Command(BaseCommand):
    help = "Create a lab from a template (see --list-templates)."

    def add_arguments(self, parser):
        parser.add_argument("slug", nargs="?", help="The new lab's slug (letters, digits, hyphens)")
        parser.add_argument("--template", default=labs.CURRENT_TEMPLATE, help="Template name (default %(default)s)")
        parser.add_argument("--name", help="Display name (default: the slug)")
        parser.add_argument("--owner", help="Username of the lab's owner")
        parser.add_argument("--list-templates", action="store_true", help="List the templates and exit")

    def handle(self, *args, slug=None, template, name=None, owner=None, list_templates=False, **options):
        if list_templates:
            width = max(map(len, labs.TEMPLATES))
            for item in labs.TEMPLATES.values():
                self.stdout.write(f"{item.name:<{width}}  {item.description}")
            return
        if not slug:
            raise CommandError("Give the new lab's slug, e.g. createlab mylab --template exchange2019.")
        try:
            lab = labs.create_lab_from_template(template, slug=slug, owner=owner_named(owner), name=name or slug)
        except ExchangeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created lab '{lab.slug}' from template {template}.")
