"""Dashboard benchmark: server time of the lab overview, the connector page and the simulator on a big lab.

Run: .venv/bin/python benchmarks/web.py [--servers 100 --connectors-per-server 10 --ranges-per-connector 100]

The lab is the generated 100-server lab (100 servers × 10 connectors × 100 remote ranges, seed 1, as
benchmarks/app.py). Each page is requested through Django's full stack (middleware, session, login, templates)
with the test client; the figure is the median of --runs requests after one warm-up. Database: DATABASE_URL, or a
temporary SQLite file. Goals (median): overview < 300 ms, connector page < 150 ms, simulator < 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
GOALS_MS = {"lab overview": 300, "connector page": 150, "simulator": 100}


def _median_ms(client, url: str, runs: int) -> float:
    assert client.get(url).status_code == 200, url  # warm-up (and a check that the page works)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--connectors-per-server", type=int, default=10)
    parser.add_argument("--ranges-per-connector", type=int, default=100)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client, override_settings
    from django.urls import reverse

    from connectors import labs
    from connectors.models import Lab

    # DEBUG off as in production, but plain static storage: no collectstatic manifest needed to render pages.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=plain_static).enable()
    call_command("migrate", verbosity=0)
    Lab.objects.filter(slug="bench-web").delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench")
    started = time.perf_counter()
    lab = labs.generate_lab(
        "bench-web", args.servers, args.connectors_per_server, args.ranges_per_connector, seed=1, owner=owner
    )
    print(
        f"Generated {args.servers} servers × {args.connectors_per_server} connectors × "
        f"{args.ranges_per_connector} ranges in {time.perf_counter() - started:.1f} s "
        f"({os.environ['DATABASE_URL'].split(':', 1)[0]})"
    )

    client = Client(HTTP_HOST="127.0.0.1", secure=True)
    client.force_login(owner)
    server = "EX050" if args.servers >= 50 else "EX001"
    probe = {"server": server, "remote_ip": "203.0.113.7", "port": 25, "mail_from": "a@outside.example"}
    probe["rcpts"] = "alice@contoso.com\nsomeone@outside.example"
    urls = {
        "lab overview": reverse("connectors:lab-detail", args=[lab.slug]),
        "connector page": reverse("connectors:connector-detail", args=[lab.slug, server, "Relay 005"]),
        "simulator": reverse("connectors:simulator", args=[lab.slug]) + "?" + urlencode(probe),
    }
    for name, url in urls.items():
        median = _median_ms(client, url, args.runs)
        verdict = "ok" if median < GOALS_MS[name] else "OVER GOAL"
        print(f"{name:15} median {median:7.1f} ms   goal < {GOALS_MS[name]} ms   {verdict}")
    lab.delete()


if __name__ == "__main__":
    main()
