"""An upload handler that stops receiving a lab file once it passes EXCHSIM_LAB_FILE_MAX_BYTES: the rest of the body
is read and dropped, never held in memory or written to disk, and the upload view says in words why it was refused."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import close_old_connections, connection

PROGRESS_EVERY_SECONDS = 0.5  # a background run saves its progress at most this often (not a query per chunk)
OVERSIZED = "oversized_uploads"  # request attribute: {field name: bytes received before giving up}
# File fields with their own limit (the setting's name); every other file field is a lab file.
FIELD_LIMITS = {
    "console_files": "EXCHSIM_CONSOLE_FILES_MAX_BYTES",
    "logs": "EXCHSIM_TRAFFIC_MAX_BYTES",
    "exports": "EXCHSIM_IMPORT_MAX_BYTES",
}


class LabFileSizeLimit(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        self.limit = getattr(settings, FIELD_LIMITS.get(self.field_name, "EXCHSIM_LAB_FILE_MAX_BYTES"))

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            getattr(self.request, OVERSIZED).setdefault(self.field_name, self.received)
            raise SkipFile
        return raw_data

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        setattr(self.request, OVERSIZED, {})

    def file_complete(self, file_size):
        return None  # the next handler (memory, or a temporary file above FILE_UPLOAD_MAX_MEMORY_SIZE) keeps it


def oversized(request, field: str) -> bool:
    """Whether the limit stopped the file of `field` from arriving."""
    return field in getattr(request, OVERSIZED, {})


def spool_root() -> Path:
    """Where uploads wait to be read in the background (EXCHSIM_TRAFFIC_SPOOL, else the system's temporary folder)."""
    return Path(getattr(settings, "EXCHSIM_TRAFFIC_SPOOL", "") or Path(tempfile.gettempdir()) / "exchsim-traffic")


def spool(files, prefix: str, default_name: str = "upload") -> tuple[Path, list[str], int]:
    """Write uploaded files, as they arrive in chunks, into a new folder of their own under spool_root(), numbered
    in upload order (001-name): (the folder, the names as uploaded, the bytes written). The reader deletes it."""
    root = spool_root()
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    names, size = [], 0
    for number, upload in enumerate(files, 1):
        name = Path(upload.name or f"{default_name}-{number}").name
        names.append(name)
        with open(folder / f"{number:03d}-{name}", "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
                size += len(chunk)
    return folder, names, size


def progress_saver(rows) -> Callable[[int], None]:
    """A progress callback for a background run: adds up what was read and saves the total to `rows` (a queryset of
    the run's one row, with a progress field) at most every PROGRESS_EVERY_SECONDS."""
    done = [0, time.monotonic()]

    def progress(count: int) -> None:
        done[0] += count
        if time.monotonic() - done[1] >= PROGRESS_EVERY_SECONDS:
            done[1] = time.monotonic()
            rows.update(progress=done[0])

    return progress


def fail_run(rows, error: str) -> None:
    """Mark the background run in `rows` (a queryset of its one row, with state and error fields) FAILED, saying why."""
    rows.update(state=rows.model.FAILED, error=error)


def fail_run_unexpectedly(rows, failed_to: str, logger: logging.Logger, *log) -> None:
    """Call from the except block of an unexpected error: log it with its traceback (`log`: the message and its
    arguments) and fail the run saying only that it `failed_to` -- the page must say so rather than poll for ever."""
    logger.exception(*log)
    fail_run(rows, f"{failed_to} (an internal error was logged).")


def in_background(work: Callable[..., None], *args) -> None:
    """Run work(*args) in a daemon thread of its own, on a database connection of its own: a large upload's reading,
    import or replay, which the page polls while the request returns."""

    def run() -> None:
        close_old_connections()  # the thread's connection (never the request's: inside its transaction it would go)
        try:
            work(*args)
        finally:
            connection.close()

    threading.Thread(target=run, daemon=True).start()
