from django.core.management.base import BaseCommand, CommandError

from connectors import labs
from connectors.models import Lab


def lab_named(slug: str) -> Lab:
    lab = Lab.objects.filter(slug=slug).first()
    if lab is None:
        raise CommandError(f"There's no lab called '{slug}'.")
    return lab


class Command(BaseCommand):
    help = "Print a lab as a lab file (JSON, docs/lab-format.md) on standard output."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        self.stdout.write(labs.dump_lab(lab_named(slug)), ending="")
