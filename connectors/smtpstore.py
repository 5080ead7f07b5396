"""Where the live SMTP endpoint meets the database: accepted messages (capped per lab) and the heartbeat row.

The endpoint's event loop never waits for the database: messages go through a queue to one writer thread, which
saves them in batches and drops the lab's oldest beyond EXCHSIM_SMTP_MAX_STORED_MESSAGES.
"""

from __future__ import annotations

import os
import queue
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from . import models
from .smtpserve import AcceptedMessage, Listener

HEARTBEAT_SECONDS = 10
STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS


def message_row(lab: models.Lab, message: AcceptedMessage) -> models.ReceivedMessage:
    return models.ReceivedMessage(
        lab=lab,
        received_at=message.received_at,
        message_id=message.message_id,
        server=message.server,
        connector=message.connector,
        local_endpoint=message.local_endpoint,
        remote_ip=message.remote_ip,
        helo=message.helo[:255],
        identity=message.identity,
        mail_from=message.mail_from[:320],
        recipients=[
            {"address": r.address, "reply": r.reply, "fate": r.fate, "reason": r.reason, "ndr": r.ndr}
            for r in message.recipients
        ],
        size=message.size,
        content=message.content,
        truncated=message.truncated,
    )


def prune(lab: models.Lab, keep: int) -> None:
    """Drop the lab's oldest messages beyond `keep`."""
    stale = models.ReceivedMessage.objects.filter(lab=lab).values_list("pk", flat=True)[keep:]
    models.ReceivedMessage.objects.filter(pk__in=list(stale)).delete()


def save_messages(lab: models.Lab, messages: list[AcceptedMessage], keep: int) -> None:
    with transaction.atomic():
        models.ReceivedMessage.objects.bulk_create([message_row(lab, m) for m in messages])
        prune(lab, keep)


class MessageStore:
    """Saves accepted messages from a background thread; `put` is safe to call from the event loop."""

    def __init__(self, lab: models.Lab, keep: int | None = None):
        self.lab = lab
        self.keep = keep or settings.EXCHSIM_SMTP_MAX_STORED_MESSAGES
        self.saved = 0
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="smtp-message-store", daemon=True)
        self._thread.start()

    def put(self, message: AcceptedMessage) -> None:
        self._queue.put(message)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while True:
                batch = [self._queue.get()]
                while not self._queue.empty() and len(batch) < 200:
                    batch.append(self._queue.get())
                done = None in batch
                messages = [m for m in batch if m is not None]
                if messages:
                    save_messages(self.lab, messages, self.keep)
                    self.saved += len(messages)
                if done:
                    return
        finally:
            connection.close()


def _drop_stale_connection() -> None:
    """The endpoint runs for hours: drop a connection the database has timed out. Inside a transaction (a test's)
    there is nothing stale to drop, and closing would break the transaction's connection."""
    if not connection.in_atomic_block:
        close_old_connections()


class Heartbeat:
    """The dashboard's "an endpoint is running" row: written at start, refreshed, deleted at exit."""

    def __init__(self, lab: models.Lab, server: str, listeners: list[Listener], **details):
        self.row = models.SmtpEndpoint.objects.create(
            lab=lab,
            server=server,
            listeners="\n".join(str(listener) for listener in listeners),
            host=socket.gethostname(),
            pid=os.getpid(),
            heartbeat_at=timezone.now(),
            **details,
        )

    def beat(self, sessions: int) -> None:
        _drop_stale_connection()
        models.SmtpEndpoint.objects.filter(pk=self.row.pk).update(heartbeat_at=timezone.now(), sessions=sessions)

    def stop(self) -> None:
        _drop_stale_connection()
        models.SmtpEndpoint.objects.filter(pk=self.row.pk).delete()


def running_endpoints(lab: models.Lab):
    """The lab's endpoints whose heartbeat is fresh."""
    fresh = timezone.now() - timezone.timedelta(seconds=STALE_AFTER_SECONDS)
    return lab.smtp_endpoints.filter(heartbeat_at__gte=fresh)
