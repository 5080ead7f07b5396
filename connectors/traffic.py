"""A lab's traffic: protocol logs uploaded to it, read into a traffic profile (connectors/exchange/replay.py) and
kept with the lab; and what the Traffic and Plan pages show from it (the engine works it out; this module loads,
stores and hands over).

An upload is spooled to disk as it arrives, then read: at once when it is small (EXCHSIM_TRAFFIC_INLINE_BYTES),
otherwise in a background thread that records how far it has got, which the page polls. The files are deleted once
read; only the profile stays. A what-if copy uses its own uploads, else those of the lab it was copied from.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import F

from . import labs, models
from .exchange.log_files import LogFileError, sources
from .exchange.model import Organization
from .exchange.replay import Profile, build_profile, inventory
from .exchange.replay_model import ModelReplay, drift, impact
from .store import lab_to_org

logger = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5


def spool_root() -> Path:
    return Path(getattr(settings, "EXCHSIM_TRAFFIC_SPOOL", "") or Path(tempfile.gettempdir()) / "exchsim-traffic")


def start_upload(lab: models.Lab, user, files) -> models.TrafficUpload:
    """Spool the uploaded files and read them (now, or in the background when they are large)."""
    root = spool_root()
    root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{lab.slug}-", dir=root))
    size = 0
    names = []
    for number, upload in enumerate(files, 1):
        name = Path(upload.name or f"upload-{number}.LOG").name
        names.append(name)
        with open(folder / f"{number:03d}-{name}", "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
                size += len(chunk)
    upload = models.TrafficUpload.objects.create(
        lab=lab, user=user if getattr(user, "is_authenticated", False) else None, files="\n".join(names), size=size
    )
    if size <= settings.EXCHSIM_TRAFFIC_INLINE_BYTES:
        read_upload(upload.pk, folder)
    else:
        threading.Thread(target=_read_in_background, args=(upload.pk, folder), daemon=True).start()
    upload.refresh_from_db()
    return upload


def _read_in_background(pk: int, folder: Path) -> None:
    try:
        read_upload(pk, folder)
    finally:
        connection.close()


def read_upload(pk: int, folder: Path) -> None:
    """Read the spooled files of upload `pk` into its profile; a file that can't be read at all fails the upload
    with the reason. The spool folder is removed either way."""
    close_old_connections()
    done = [0, time.monotonic()]

    def progress(count: int) -> None:
        done[0] += count
        if time.monotonic() - done[1] >= PROGRESS_EVERY_SECONDS:
            done[1] = time.monotonic()
            models.TrafficUpload.objects.filter(pk=pk).update(progress=done[0])

    try:
        items = sources(sorted(folder.iterdir()))
        for item in items:  # the name as uploaded, without the spool folder and the order prefix
            item.name = item.name.replace(str(folder) + "/", "", 1).split("-", 1)[-1]
        profile = build_profile(items, progress=progress)
    except LogFileError as error:
        name = str(error).replace(str(folder) + "/", "")
        models.TrafficUpload.objects.filter(pk=pk).update(state=models.TrafficUpload.FAILED, error=name)
        return
    except Exception:  # the page must say it failed rather than poll for ever
        logger.exception("Reading traffic upload %s failed", pk)
        models.TrafficUpload.objects.filter(pk=pk).update(
            state=models.TrafficUpload.FAILED, error="The logs couldn't be read (an internal error was logged)."
        )
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
        own += list(models.TrafficUpload.objects.filter(lab_id=lab.baseline_id).defer("profile"))
    return own


def chosen_upload(lab: models.Lab, pk: str | None = None) -> models.TrafficUpload | None:
    """The upload asked for (one the lab can use), else the newest that was read."""
    usable = [u for u in uploads_for(lab) if u.state == models.TrafficUpload.DONE]
    if pk and str(pk).isdigit():
        usable = [u for u in usable if u.pk == int(pk)] or usable
    return usable[0] if usable else None


def has_traffic(lab: models.Lab) -> bool:
    done = models.TrafficUpload.objects.filter(state=models.TrafficUpload.DONE)
    return done.filter(lab=lab).exists() or (
        lab.baseline_id is not None and done.filter(lab_id=lab.baseline_id).exists()
    )


def profile_of(upload: models.TrafficUpload) -> Profile:
    data = models.TrafficUpload.objects.filter(pk=upload.pk).values_list("profile", flat=True).first()
    return Profile.from_json(data or {})


def analysis(lab: models.Lab, upload: models.TrafficUpload, org: Organization | None = None) -> dict:
    """Who uses what, drift and impact for the Traffic and Plan pages. Drift compares the logs with the lab they came
    from: the source of a what-if copy, else the lab itself. Impact replays them through the lab's baseline (what
    its plan starts from) and the lab as it is now."""
    profile = profile_of(upload)
    org = org if org is not None else lab_to_org(lab)
    baseline = labs.baseline_org(lab)
    before = ModelReplay(baseline)
    now = ModelReplay(org, baseline=before)
    rows = impact(profile, before, now)
    return {
        "profile": profile,
        "inventory": inventory(profile),
        "drift": drift(profile, before if lab.baseline_id is not None else now),
        "impact": rows,
        "breaks": [r for r in rows if r["direction"] == "breaks"],
        "opens": [r for r in rows if r["direction"] == "opens"],
        "changes": [r for r in rows if r["direction"] == "changes"],
        "probes_simulated": before.simulated + now.simulated,
    }
