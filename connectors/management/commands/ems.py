import sys

from django.core.management.base import BaseCommand, CommandError

from connectors import history, store
from connectors.exchange import ems
from connectors.exchange.errors import ExchangeError, ValidationFailed
from connectors.management.commands.dumplab import lab_named
from connectors.store import lab_to_org


class Command(BaseCommand):
    help = (
        "Run Exchange Management Shell commands against a lab, one after the other, as Exchange would. Stops at the "
        "first error with earlier commands applied (ErrorAction Stop); --atomic applies all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--file", help="Script file to run (default: standard input)")
        parser.add_argument("--atomic", action="store_true", help="Apply every command or none")

    def handle(self, *args, slug, file, atomic, **options):
        text = _read(file)
        result = None
        try:
            # Run on the lab as stored now and save before anyone else may write it (store.locked_lab).
            with store.locked_lab(lab_named(slug)) as lab:
                result = ems.run_script(lab_to_org(lab), text, atomic=atomic)
                if result.commands_applied:
                    change = history.Change(action="command", note=f"the script {file}" if file else text[:2000])
                    store.save_org(lab, result.org, change=change)
        except (ExchangeError, store.LabBusy) as error:
            if result is not None:
                _write_output(self, result)
            failures = error.errors if isinstance(error, ValidationFailed) else [error]
            raise CommandError("\n".join(e.message for e in failures)) from error
        _write_output(self, result)
        if result.error is not None:
            if not result.output:  # refused before anything ran
                raise CommandError(result.error)
            kept = "nothing was applied" if atomic or not result.commands_applied else "earlier commands stay applied"
            raise CommandError(f"Stopped at the first error; {kept}.")


def _write_output(command: BaseCommand, result) -> None:
    for line in result.output:
        command.stdout.write(line)


def _read(file: str | None) -> str:
    """The script as text: UTF-8, with or without a byte-order mark, from the file or standard input."""
    where = file or "standard input"
    try:
        if file is None:
            stream = getattr(sys.stdin, "buffer", None)  # a test may hand in a text stream
            data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogatepass")
        else:
            with open(file, "rb") as handle:
                data = handle.read()
    except OSError as error:
        raise CommandError(f"Can't read {where}: {error.strerror}.") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CommandError(f"Can't read {where}: it isn't UTF-8 text (byte {error.start + 1}).") from error
