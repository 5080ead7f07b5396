"""A lab's traffic: protocol logs uploaded to it, read into a traffic profile (connectors/exchange/replay.py) and
kept with the lab; and what the Traffic and Plan pages show from it (the engine works it out; this module loads,
stores and hands over).

An upload is spooled to disk as it arrives, then read: at once when it is small (EXCHSIM_TRAFFIC_INLINE_BYTES),
otherwise in a background thread that records how far it has got, which the page polls. The files are deleted once
read; only the profile stays. A what-if copy uses its own uploads, else those of the lab it was copied from.

Replaying a profile through a lab (drift, and the impact of the lab's changes) is kept too, as a TrafficReplay for
the lab's state (state_key): the pages show the stored answer, and work it out when the lab has changed since, the
same way an upload is read (at once for a small upload, else in the background while the page polls).
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from . import labs, models
from .exchange.log_files import LogFileError, in_log_order, sources
from .exchange.model import Organization
from .exchange.relay_use import TrafficSummary, traffic_summary
from .exchange.replay import Profile, build_profile, inventory
from .exchange.replay_model import ModelReplay, drift, impact, range_use, with_ranges
from .store import lab_to_org
from .uploads import (
    fail_run,
    fail_run_unexpectedly,
    in_background,
    progress_saver,
    spool,
    spool_root,  # noqa: F401 (where tests look)
)

logger = logging.getLogger(__name__)


def start_upload(lab: models.Lab, user, files) -> models.TrafficUpload:
    """Spool the uploaded files and read them (now, or in the background when they are large)."""
    folder, names, size = spool(files, f"{lab.slug}-", "upload.LOG")
    upload = models.TrafficUpload.objects.create(
        lab=lab, user=user if getattr(user, "is_authenticated", False) else None, files="\n".join(names), size=size
    )
    if size <= settings.EXCHSIM_TRAFFIC_INLINE_BYTES:
        read_upload(upload.pk, folder)
    else:
        in_background(read_upload, upload.pk, folder)
    upload.refresh_from_db()
    return upload


def read_upload(pk: int, folder: Path) -> None:
    """Read the spooled files of upload `pk` into its profile; a file that can't be read at all fails the upload
    with the reason. The spool folder is removed either way."""
    progress = progress_saver(models.TrafficUpload.objects.filter(pk=pk))

    try:
        items = sources(sorted(folder.iterdir()))
        for item in items:  # the name as uploaded, without the spool folder and the order prefix
            item.name = item.name.replace(str(folder) + "/", "", 1).split("-", 1)[-1]
        profile = build_profile(in_log_order(items), progress=progress)
    except LogFileError as error:
        name = str(error).replace(str(folder) + "/", "")
        fail_run(models.TrafficUpload.objects.filter(pk=pk), name)
        return
    except Exception:
        rows = models.TrafficUpload.objects.filter(pk=pk)
        fail_run_unexpectedly(rows, "The logs couldn't be read", logger, "Reading traffic upload %s failed", pk)
        return
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    data = profile.to_json()
    models.TrafficUpload.objects.filter(pk=pk).update(
        state=models.TrafficUpload.DONE,
        progress=F("size"),
        sessions=profile.sessions,
        messages=profile.messages,
        lines=profile.report.lines,
        malformed_lines=profile.report.malformed_count,
        profile=data,
    )


def uploads_for(lab: models.Lab) -> list[models.TrafficUpload]:
    """The uploads the lab can use: its own, then those of the lab it was copied from (newest first)."""
    own = list(models.TrafficUpload.objects.filter(lab=lab).defer("profile"))
    if lab.baseline_id is not None:
        own += list(models.TrafficUpload.objects.filter(lab_id=lab.baseline_id).select_related("lab").defer("profile"))
    for upload in own:
        if upload.lab_id == lab.pk:
            upload.lab = lab  # (the pages name an upload's lab: no query per upload)
    return own


def chosen_upload(lab: models.Lab, pk: str | None = None) -> models.TrafficUpload | None:
    """The upload asked for (one the lab can use), else the newest that was read."""
    usable = [u for u in uploads_for(lab) if u.state == models.TrafficUpload.DONE]
    if pk and str(pk).isdigit():
        usable = [u for u in usable if u.pk == int(pk)] or usable
    return usable[0] if usable else None


def profile_of(upload: models.TrafficUpload) -> Profile:
    data = models.TrafficUpload.objects.filter(pk=upload.pk).values_list("profile", flat=True).first()
    return Profile.from_json(data or {})


# --- Replays: the profile through the lab as it stands ----------------------------------------------------------

REPLAY_FORMAT = 2  # in every state key: an exchsim that stores or answers differently works the replays out again
# A replay still working after this long lost its thread (the server restarted): it is started again, not polled.
REPLAY_STALE_SECONDS = 600


def state_key(lab: models.Lab) -> str:
    """Which state of the lab, and of the lab it was copied from, a replay answers for: each one's newest history
    entry (every saved change records one in the same transaction). Read it before loading the labs: a change saved
    in between makes the stored answer newer than its key, never older, and that key is never current again."""
    ids = [lab.pk] if lab.baseline_id is None else [lab.pk, lab.baseline_id]
    newest = dict(
        models.HistoryEntry.objects.filter(lab_id__in=ids)
        .values("lab_id")
        .annotate(newest=Max("pk"))
        .values_list("lab_id", "newest")
    )
    baseline = "start" if lab.baseline_id is None else f"{lab.baseline_id}@{newest.get(lab.baseline_id, 0)}"
    return f"v{REPLAY_FORMAT}:{lab.pk}@{newest.get(lab.pk, 0)}:{baseline}"


def replay(lab: models.Lab, upload: models.TrafficUpload) -> models.TrafficReplay:
    """The upload's traffic through the lab as it is now: the stored replay, else a new one worked out at once
    (an upload small enough to have been read at once) or in the background (status `working` until it is done)."""
    key = state_key(lab)
    found = models.TrafficReplay.objects.filter(upload=upload, lab=lab, state=key).first()
    if found is not None and not _stale(found):
        return found
    try:
        with transaction.atomic():
            row = models.TrafficReplay.objects.create(upload=upload, lab=lab, state=key)
    except IntegrityError:  # another request began the same replay a moment ago
        return models.TrafficReplay.objects.get(upload=upload, lab=lab, state=key)
    # The lab's earlier states are never current again: their replays go (a thread still on one saves nothing).
    models.TrafficReplay.objects.filter(upload=upload, lab=lab).exclude(pk=row.pk).delete()
    if upload.size <= settings.EXCHSIM_TRAFFIC_INLINE_BYTES:
        work_out(row.pk)
    else:
        in_background(work_out, row.pk)
    row.refresh_from_db()
    return row


def _stale(stored: models.TrafficReplay) -> bool:
    if stored.status != models.TrafficReplay.WORKING:
        return False
    if stored.created > timezone.now() - timedelta(seconds=REPLAY_STALE_SECONDS):
        return False
    stored.delete()
    return True


def work_out(pk: int) -> None:
    """Replay the upload of TrafficReplay `pk` through its lab and store the answer (or why there is none)."""
    row = models.TrafficReplay.objects.select_related("upload", "lab__baseline").filter(pk=pk).first()
    if row is None:  # its lab changed again meanwhile, or was deleted
        return
    try:
        result = replayed(row.lab, profile_of(row.upload))
    except Exception:  # the page must say it failed rather than poll for ever
        logger.exception("Replaying traffic upload %s through lab %s failed", row.upload_id, row.lab_id)
        models.TrafficReplay.objects.filter(pk=pk).update(
            status=models.TrafficReplay.FAILED, error="The replay failed (an internal error was logged)."
        )
        return
    models.TrafficReplay.objects.filter(pk=pk).update(status=models.TrafficReplay.DONE, result=result)


def replayed(lab: models.Lab, profile: Profile) -> dict:
    """Drift, impact and which of the lab's connector ranges the logs used, as stored. Drift compares the logs
    with the lab they came from: the source of a what-if copy, else the lab itself. Impact replays them through the
    lab's baseline (what its plan starts from) and the lab as it is now; the ranges are the lab's as it is now."""
    before = ModelReplay(labs.baseline_org(lab))
    now = ModelReplay(lab_to_org(lab), baseline=before)
    rows = impact(profile, before, now)
    return {
        "drift": drift(profile, before if lab.baseline_id is not None else now),
        "impact": rows,
        "ranges": range_use(inventory(profile), now.org),  # which of this lab's connector ranges the logs used
        "probes_simulated": before.simulated + now.simulated,
    }


def impact_lists(stored: models.TrafficReplay) -> dict:
    """A replay as the pages show it: its status, and once done the drift and the impact split three ways."""
    result = stored.result if stored.status == models.TrafficReplay.DONE else {}
    rows = result.get("impact", [])
    return {
        "replay": stored,
        "drift": result.get("drift", []),
        "impact": rows,
        "breaks": [r for r in rows if r["direction"] == "breaks"],
        "opens": [r for r in rows if r["direction"] == "opens"],
        "changes": [r for r in rows if r["direction"] == "changes"],
        "probes_simulated": result.get("probes_simulated", 0),
    }


def analysis(lab: models.Lab, upload: models.TrafficUpload) -> dict:
    """The Traffic page's answer: the profile, who uses what, and the stored (or started) replay."""
    profile = profile_of(upload)
    stored = replay(lab, upload)
    ranges = stored.result.get("ranges", {}) if stored.status == models.TrafficReplay.DONE else {}
    return {"profile": profile, "inventory": with_ranges(inventory(profile), ranges), **impact_lists(stored)}


def plan_impact(lab: models.Lab) -> dict | None:
    """The Plan page's answer: the impact of the lab's changes on its newest traffic, None without traffic."""
    upload = chosen_upload(lab)
    if upload is None:
        return None
    return {"upload": upload, **impact_lists(replay(lab, upload))}


def audit_traffic(lab: models.Lab, org: Organization) -> TrafficSummary | None:
    """Who the lab's newest traffic shows relaying, judged against `org`'s accepted domains, for the audit; None
    without traffic. Read from the profile, nothing simulated (the audit is slow enough on a large lab)."""
    upload = chosen_upload(lab)
    return None if upload is None else traffic_summary(profile_of(upload), org.accepted_domains)
