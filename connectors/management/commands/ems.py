import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from connectors import console_run, history, store
from connectors.exchange.errors import ExchangeError
from connectors.management.commands.dumplab import lab_named


class Command(BaseCommand):
    help = (
        "Run Exchange Management Shell commands against a lab, one after the other, as Exchange would. Stops at the "
        "first error with earlier commands applied (ErrorAction Stop); --atomic applies all or nothing; --dry-run "
        "prints what each command would do and the plan of the whole script, and changes nothing. Scripts read and "
        "write files (Import-Csv, Get-Content, Export-Csv, Out-File) in the --files folder only."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--file", help="Script file to run (default: standard input)")
        parser.add_argument("--atomic", action="store_true", help="Apply every command or none")
        parser.add_argument("--dry-run", action="store_true", help="Show what the script would do; change nothing")
        parser.add_argument(
            "--files",
            metavar="DIR",
            help="The folder scripts read files from and write files to (only its own files: no subfolder, no link)",
        )

    def handle(self, *args, slug, file, atomic, dry_run, files, **options):
        text = _read(file)
        folder = _folder(files) if files else None
        inputs = _read_folder(self, folder) if folder else {}
        change = history.Change(action="command", note=f"the script {file}" if file else text[:2000])
        try:
            # Runs on the lab as stored now, on the servers the script names, and saves under the lab's lock.
            run = console_run.run(lab_named(slug), text, change=change, atomic=atomic, dry_run=dry_run, files=inputs)
        except (ExchangeError, store.LabBusy) as error:
            raise CommandError(error.message) from error
        result = run.result
        _write_output(self, result)
        failed = run.refused is not None or (atomic and result.error is not None)
        for name, written in result.files.items():
            if dry_run or failed or folder is None:
                why = "a dry run writes nothing" if dry_run else "nothing was applied" if failed else "no --files DIR"
                self.stderr.write(f"{name} was written by the script but not saved: {why}.")
            else:
                _write_file(self, folder, name, written)
        if run.refused is not None:
            raise CommandError("\n".join(e.message for e in run.refused.errors))
        if result.error is not None:
            if not result.output:  # refused before anything ran
                raise CommandError(result.error)
            kept = "nothing was applied" if atomic or not result.commands_applied else "earlier commands stay applied"
            raise CommandError(f"Stopped at the first error; {kept}.")


def _folder(path: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise CommandError(f"--files {path}: there's no such folder.")
    return folder.resolve()


def _read_folder(command: BaseCommand, folder: Path) -> dict[str, str]:
    """The folder's own files as text, by name. Subfolders and links are left out, so a script reaches nothing
    beyond the folder; a file that isn't text is left out with a warning."""
    files = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            try:
                text = console_run.file_text(Path(entry.path).read_bytes())
            except OSError as error:
                command.stderr.write(f"{entry.name} is left out: {error.strerror}.")
                continue
            if text is None:
                command.stderr.write(
                    f"{entry.name} is left out: it isn't text (UTF-8, or UTF-16 with a byte-order mark)."
                )
                continue
            files[entry.name] = text
    return files


def _write_file(command: BaseCommand, folder: Path, name: str, text: str) -> None:
    """Write what the script wrote into the folder, never beside it or through a link."""
    target = folder / name
    if name in ("", ".", "..") or any(c in name for c in "/\\\0") or target.parent != folder or target.is_symlink():
        command.stderr.write(f"{name!r} was written by the script but not saved: it can't be a file name in {folder}.")
        return
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        command.stderr.write(f"{name} was written by the script but not saved: {error.strerror}.")
        return
    command.stderr.write(f"wrote {target} ({len(text.encode()):,} bytes)")


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
