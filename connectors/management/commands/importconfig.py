from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from connectors import imports, labs
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import ExchangeVersion
from connectors.management.cli import made, owner_named
from connectors.management.commands.dumplab import lab_named


def _expanded(paths) -> list[Path]:
    """The files named, a folder standing for the files in it: where Compress-Archive is missing (PowerShell 2.0,
    Exchange 2010's shell) the collector leaves its folder of .xml files unzipped."""
    result = []
    for path in paths:
        if path.is_dir():
            result += sorted((p for p in path.iterdir() if p.is_file()), key=lambda p: p.name.casefold())
        else:
            result.append(path)
    return result


class Command(BaseCommand):
    help = (
        "Create a lab from what Exchange exported: Export-Clixml files of Get-ExchangeServer, Get-ReceiveConnector, "
        "Get-ADPermission, Get-AcceptedDomain, Get-TransportConfig, Get-MailboxServer, Get-RecipientFilterConfig, "
        "Get-Recipient (or the collector's zip: manage.py collector), Format-List text or Export-Csv files. All or "
        "nothing: on any error nothing is saved. Files larger than EXCHSIM_IMPORT_MAX_BYTES in all are refused."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version is the name for the Exchange version; Django's own --version (its release) gives way.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("slug", help=f"Slug of the new lab ({labs.SLUG_RULES})")
        parser.add_argument("files", nargs="+", metavar="FILE", help="An export, the collector's zip, or its folder")
        parser.add_argument(
            "--version",
            dest="exchange_version",
            help="The Exchange version (2007, 2010, 2013, 2016, 2019, SE) of servers the files don't settle",
        )
        parser.add_argument("--owner", help="Username of the new lab's owner (default: local, the demo's trainer)")
        parser.add_argument("--name", help="The new lab's name (default: 'Imported: <organisation>')")
        parser.add_argument("--baseline", help="Slug of an earlier lab or import: the new lab's plan shows the drift")
        parser.add_argument("--dry-run", action="store_true", help="Print the report; save nothing")

    def handle(self, *args, slug, files, exchange_version=None, owner=None, name=None, baseline=None, **options):
        try:
            version = ExchangeVersion.parse(exchange_version) if exchange_version else None
        except ValueError as error:
            raise CommandError(str(error)) from None
        owner_user = owner_named(owner)
        baseline_lab = lab_named(baseline) if baseline else None
        paths = _expanded(Path(file) for file in files)
        try:
            sizes = [path.stat().st_size for path in paths]
        except OSError as error:
            raise CommandError(f"Can't read {error.filename}: {error.strerror}.") from None
        if refusal := imports.too_large(sum(sizes)):
            raise CommandError(str(refusal))
        streams = []
        try:
            for path in paths:
                streams.append((path.name, open(path, "rb")))  # noqa: SIM115 (closed below, all together)
            outcome = imports.import_lab(
                streams,
                slug=slug,
                owner=owner_user,
                name=name,
                baseline=baseline_lab,
                version=version,
                dry_run=options["dry_run"],
            )
        except OSError as error:
            raise CommandError(f"Can't read {error.filename or 'a file'}: {error.strerror or error}.") from None
        except ExchangeError as error:
            raise CommandError(str(error)) from None
        except Exception as error:  # a reader's bug: said in words (and logged), never a traceback
            imports.logger.exception("importconfig %s failed", slug)
            raise CommandError(
                f"The files couldn't be imported: an internal error ({type(error).__name__}) stopped the import; "
                "nothing was saved."
            ) from None
        finally:
            for _, stream in streams:
                stream.close()
        for line in imports.report_lines(outcome):
            self.stdout.write(line)
        if outcome.lab is None:
            self.stdout.write("Dry run: nothing was saved.")
        else:
            self.stdout.write(made("Imported", outcome.lab))
            if baseline_lab is not None:
                self.stdout.write(f"  Its plan shows what changed since {baseline_lab.name} ({baseline_lab.slug}).")
