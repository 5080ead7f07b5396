from django.core.management.base import BaseCommand, CommandError

from connectors import labfile
from connectors.models import Lab, Server


def lab_named(slug: str) -> Lab:
    lab = Lab.objects.filter(slug=slug).first()
    if lab is None:
        raise CommandError(f"There's no lab called '{slug}'.")
    return lab


def server_named(lab: Lab, name: str) -> Server:
    """The lab's server called `name` (case aside), or Exchange's not-found error."""
    server = lab.servers.filter(name__iexact=name).first()
    if server is None:
        raise CommandError(f"The operation couldn't be performed because object '{name}' couldn't be found.")
    return server


class Command(BaseCommand):
    help = "Print a lab as a lab file (JSON, docs/lab-format.md) on standard output."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        self.stdout.write(labfile.dump_lab(lab_named(slug)), ending="")
