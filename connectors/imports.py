"""Importing what Exchange exported as a new lab (issue 13): the one path `manage.py importconfig` and the dashboard's
Import page share. The files are read (exchange/importsources.py) and mapped (exchange/importmap.py) before anything
is written; the lab is then created in one transaction, so an import either makes the whole lab or nothing.

The report says what came in (servers, connectors, ACEs, domains, each exported property the model doesn't use, with a
count) and the audit's findings on the imported lab. `baseline` makes an earlier lab the new lab's baseline, so its
plan shows what changed in production between the two collections (drift).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db.models import F

from . import history, labs, models
from .exchange.audit import audit
from .exchange.errors import ExchangeError
from .exchange.importmap import ImportRefused, ImportReport, Problem, import_organization
from .exchange.importsources import SourceError, read_sources
from .exchange.model import ExchangeVersion, Organization
from .uploads import fail_run, fail_run_unexpectedly, in_background, progress_saver, spool

logger = logging.getLogger(__name__)
FINDINGS_SHOWN = 20  # in the printed report; the lab's Findings page has them all


class ImportFailed(ExchangeError):
    """The import made no lab: the files don't read, or what they hold doesn't map or validate. `problems` lists each
    reason, naming the file, the object and the property."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Nothing was imported:\n" + "\n".join(problems))


@dataclass
class ImportOutcome:
    org: Organization
    report: ImportReport
    findings: list = field(default_factory=list)
    lab: models.Lab | None = None  # None after a dry run

    def to_json(self) -> dict:
        return {
            **self.report.to_json(),
            "lab": self.lab.slug if self.lab else None,
            "findings": [{"severity": f.severity, "code": f.code, "title": f.title} for f in self.findings],
        }


def too_large(size: int) -> ImportFailed | None:
    """The refusal for files of `size` bytes in all when EXCHSIM_IMPORT_MAX_BYTES is smaller, else None."""
    limit = settings.EXCHSIM_IMPORT_MAX_BYTES
    if size <= limit:
        return None
    return ImportFailed(
        [
            f"The files are {size / 1_048_576:.1f} MB; an import takes at most {limit / 1_048_576:.1f} MB "
            "(EXCHSIM_IMPORT_MAX_BYTES)."
        ]
    )


class _Counting:
    """A file that tells `progress` how many bytes have been read from it, for the Import page's progress bar."""

    def __init__(self, stream: BinaryIO, progress: Callable[[int], None]):
        self._stream, self._progress = stream, progress

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._progress(len(data))
        return data

    def __getattr__(self, name):
        return getattr(self._stream, name)


def read_organization(
    files: Iterable[tuple[str, BinaryIO]],
    version: ExchangeVersion | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Organization, ImportReport]:
    """The organisation the files describe and the report, or ImportFailed with every problem (nothing is saved)."""
    if progress is not None:
        files = [(name, _Counting(stream, progress)) for name, stream in files]
    try:
        objects = read_sources(files, max_unpacked_bytes=settings.EXCHSIM_IMPORT_MAX_UNPACKED_BYTES)
        result = import_organization(objects, version=version)
    except SourceError as error:
        raise ImportFailed([error.message]) from None
    except ImportRefused as refused:
        raise ImportFailed(_problem_lines(refused.problems)) from None
    return result.org, result.report


def _problem_lines(problems: list[Problem], shown: int = 50) -> list[str]:
    lines = [p.text for p in problems[:shown]]
    if len(problems) > shown:
        lines.append(f"… and {len(problems) - shown:,} more problems.")
    return lines


def import_lab(
    files: Iterable[tuple[str, BinaryIO]],
    *,
    slug: str | None = None,
    owner=None,
    name: str | None = None,
    baseline: models.Lab | None = None,
    version: ExchangeVersion | None = None,
    dry_run: bool = False,
    change: history.Change | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Read, map and validate the files, then (unless `dry_run`) create the lab in one transaction. ImportFailed (or
    ExchangeError for a slug or name that can't be used) when anything is wrong: then nothing was saved."""
    files = list(files)
    if slug is not None and (error := labs.slug_error(slug)):
        raise error
    if slug and models.Lab.objects.filter(slug=slug).exists():
        raise ExchangeError(f"A lab with the slug '{slug}' already exists.", "slug")
    if name and not dry_run and models.Lab.objects.filter(owner=owner, name__iexact=name).exists():
        raise ExchangeError(f"You already have a lab called '{name}'. Choose another name.", "Name")  # before reading
    org, report = read_organization(files, version, progress)
    outcome = ImportOutcome(org, report, audit(org))
    if not dry_run:
        outcome.lab = labs.create_imported_lab(
            org,
            _origin(report),
            slug=slug,
            owner=owner,
            name=name,
            baseline=baseline,
            description=f"Imported from {', '.join(report.files)}."[:2000],
            change=change,
        )
    return outcome


def _origin(report: ImportReport) -> str:
    names = ", ".join(report.files[:5]) + (f" and {len(report.files) - 5} more" if len(report.files) > 5 else "")
    return f"the import of {names}"


# --- The report in words ---------------------------------------------------------------------------------------------


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}" + ("" if number == 1 else "s")


def report_lines(outcome: ImportOutcome) -> list[str]:
    """The import report as the command prints it (the page shows the same, laid out)."""
    report = outcome.report
    lines = [
        f"Read {_count(len(report.files), 'file')}: {', '.join(report.files)}",
        "Imported: "
        + ", ".join(
            (
                _count(report.servers, "server"),
                _count(report.connectors, "receive connector"),
                _count(report.aces, "ACE"),
                _count(report.domains, "accepted domain"),
                _count(report.recipients, "recipient"),
                _count(report.principals, "principal"),
            )
        )
        + ".",
    ]
    lines += [f"Note: {note}" for note in report.notes]
    for kind, names in unused_properties(report):
        lines.append(f"Not used by exchsim ({kind}): " + ", ".join(f"{name} ({count:,})" for name, count in names))
    findings = outcome.findings
    lines.append(f"Audit: {_count(len(findings), 'finding')}" + (":" if findings else "."))
    for finding in findings[:FINDINGS_SHOWN]:
        lines.append(f"  [{finding.severity}] {finding.title}")
    if len(findings) > FINDINGS_SHOWN:
        lines.append(f"  … and {len(findings) - FINDINGS_SHOWN} more on the lab's Findings page.")
    return lines


def unused_properties(report: ImportReport) -> list[tuple[str, list[tuple[str, int]]]]:
    """(kind, [(property, objects that had it)]) for the exported properties the model doesn't use, by name."""
    return [
        (kind, sorted(names.items(), key=lambda item: item[0].casefold()))
        for kind, names in report.unused.items()
        if names
    ]


# --- The Import page: spooled uploads read now, or in the background with progress ----------------------------------


def start_import(user, uploads, *, name=None, version=None, baseline=None) -> models.ImportRun:
    """Spool the uploaded files and import them: at once when they are small (EXCHSIM_IMPORT_INLINE_BYTES), else in
    a background thread whose progress the page polls. The ImportRun says how it went."""
    folder, names, size = spool(uploads, "import-")
    run = models.ImportRun.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None, files="\n".join(names), size=size
    )
    options = {"name": name or None, "version": version, "baseline": baseline}
    if size <= settings.EXCHSIM_IMPORT_INLINE_BYTES:
        run_import(run.pk, folder, options)
    else:
        in_background(run_import, run.pk, folder, options)
    run.refresh_from_db()
    return run


def run_import(pk: int, folder: Path, options: dict) -> None:
    """Import the spooled files of run `pk` (import_lab, the command's path); the folder is removed either way."""
    run = models.ImportRun.objects.select_related("user").get(pk=pk)
    progress = progress_saver(models.ImportRun.objects.filter(pk=pk))

    paths = sorted(folder.iterdir())
    streams = []
    try:
        if options.get("baseline") is not None:  # a pk: the lab may have been deleted since the form was sent
            options = {**options, "baseline": models.Lab.objects.filter(pk=options["baseline"]).first()}
            if options["baseline"] is None:
                raise ExchangeError("The lab to compare with was deleted meanwhile; nothing was imported.")
        for path in paths:
            streams.append((path.name.split("-", 1)[-1], open(path, "rb")))  # noqa: SIM115 (closed below)
        outcome = import_lab(
            streams,
            owner=run.user,
            change=history.Change(user=run.user, source=history.PAGE),
            progress=progress,
            **options,
        )
    except ExchangeError as error:
        fail_run(models.ImportRun.objects.filter(pk=pk), str(error))
        return
    except Exception:
        rows = models.ImportRun.objects.filter(pk=pk)
        fail_run_unexpectedly(rows, "The files couldn't be imported", logger, "Import run %s failed", pk)
        return
    finally:
        for _, stream in streams:
            stream.close()
        shutil.rmtree(folder, ignore_errors=True)
    models.ImportRun.objects.filter(pk=pk).update(
        state=models.ImportRun.DONE,
        progress=F("size"),
        lab=outcome.lab,
        report={**outcome.to_json(), "lines": report_lines(outcome)},
    )


def runs_for(user) -> list[models.ImportRun]:
    return list(models.ImportRun.objects.filter(user=user).select_related("lab").defer("report")[:20])
