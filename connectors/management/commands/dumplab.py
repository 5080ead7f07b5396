from django.core.management.base import BaseCommand, CommandError

from connectors import labfile, store
from connectors.exchange import orgexport
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
    help = (
        "Print a lab as a lab file (JSON, docs/lab-format.md) on standard output, or with --clixml write it as the "
        "collector's Export-Clixml files (a folder, or a zip when the name ends in .zip)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--clixml",
            metavar="DIR-or-ZIP",
            help="Write the collector's files (ReceiveConnector.xml, ADPermission.xml, ...) here instead.",
        )

    def handle(self, *args, slug, clixml=None, **options):
        lab = lab_named(slug)
        if clixml is None:
            self.stdout.write(labfile.dump_lab(lab), ending="")
            return
        try:
            names = orgexport.export(store.lab_to_org(lab), clixml)
        except OSError as error:
            raise CommandError(f"{clixml}: {error.strerror or error}.") from error
        self.stdout.write(f"Wrote {', '.join(names)} to {clixml} (Export-Clixml, as the collector writes them).")
