import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connectors import labfile, labs
from connectors.exchange.errors import ExchangeError
from connectors.management.cli import made, owner_named


def _read_limited(file: str) -> bytes:
    """The file's bytes, refusing one larger than EXCHSIM_LAB_FILE_MAX_BYTES before reading it (or, from standard
    input, as soon as one byte more has arrived)."""
    limit = settings.EXCHSIM_LAB_FILE_MAX_BYTES
    if file == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise labfile.lab_file_too_large()
        return data
    path = Path(file)
    size = path.stat().st_size
    if size > limit:
        raise labfile.lab_file_too_large(size)
    return path.read_bytes()


class Command(BaseCommand):
    help = (
        "Create a lab from a lab file (docs/lab-format.md), all or nothing. Use - to read standard input. "
        "The file's state stays the lab's baseline, so its plan shows what you change. "
        "Files larger than EXCHSIM_LAB_FILE_MAX_BYTES are refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--slug", help=f"Slug of the new lab ({labs.SLUG_RULES}; default: made from its name)")
        parser.add_argument("--owner", help="Username of the new lab's owner (default: local, the demo's trainer)")

    def handle(self, *args, file, slug=None, owner=None, **options):
        try:
            # utf-8-sig: the byte-order mark Windows Notepad writes is dropped, as the upload drops it.
            text = _read_limited(file).decode("utf-8-sig")
        except labfile.LabFileError as error:
            raise CommandError(f"{file} wasn't loaded:\n{error}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Can't read {file}: {error}") from None
        where = "standard input" if file == "-" else Path(file).name
        try:
            lab = labs.load_lab(text, slug or None, owner=owner_named(owner), origin=f"the lab file {where}")
        except (ExchangeError, ValueError) as error:
            raise CommandError(f"{file} wasn't loaded:\n{error}") from None
        self.stdout.write(made("Loaded", lab))
        self.stdout.write(f"  '{lab.name}', from {file}.")
