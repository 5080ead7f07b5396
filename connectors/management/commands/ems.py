import sys

from django.core.management.base import BaseCommand, CommandError

from connectors import console_run, history, store
from connectors.exchange.errors import ExchangeError
from connectors.management.commands.dumplab import lab_named


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
        change = history.Change(action="command", note=f"the script {file}" if file else text[:2000])
        try:
            # Runs on the lab as stored now, on the servers the script names, and saves under the lab's lock.
            run = console_run.run(lab_named(slug), text, change=change, atomic=atomic)
        except (ExchangeError, store.LabBusy) as error:
            raise CommandError(error.message) from error
        result = run.result
        _write_output(self, result)
        if run.refused is not None:
            raise CommandError("\n".join(e.message for e in run.refused.errors))
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
