"""Application benchmark: load the largest server of a big lab from the database into the engine, and simulate.

Run: .venv/bin/python benchmarks/app.py [--servers 100 --connectors-per-server 10 --ranges-per-connector 100]

The lab is 100 servers × 10 connectors × 100 remote ranges (1,000 connectors, 100,000 ranges), built by
`generatelab` (deterministic, seed 1). It is measured on SQLite (a temporary file) and on PostgreSQL: DATABASE_URL
when it points at PostgreSQL, else postgres://postgres@127.0.0.1:5432/exchsim_bench when that server answers.
Each database runs in its own process because settings read DATABASE_URL at start-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/exchsim_bench"
REPEAT = 5


def _timed(action, repeat: int = REPEAT) -> tuple[float, float, object]:
    """(first run, median of the later runs, result): the first run parses every range, later ones hit the cache."""
    timings, result = [], None
    for _ in range(repeat + 1):
        started = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - started)
    return timings[0], statistics.median(timings[1:]), result


def measure(args) -> None:
    """Runs inside a process whose DATABASE_URL is the database to measure."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from connectors import labs
    from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
    from connectors.exchange.model import ACE
    from connectors.exchange.smtp import Probe, simulate
    from connectors.models import Lab, ReceiveConnector
    from connectors.store import lab_to_org

    call_command("migrate", verbosity=0)
    Lab.objects.filter(slug="bench").delete()
    started = time.perf_counter()
    lab = labs.generate_lab("bench", args.servers, args.connectors_per_server, args.ranges_per_connector, seed=1)
    generated = time.perf_counter() - started
    connectors = ReceiveConnector.objects.filter(server__lab=lab)
    per_server = connectors.values("server__name").annotate(count=Count("id"))
    largest = min(per_server, key=lambda row: (-row["count"], row["server__name"]))["server__name"]
    cold, load, org = _timed(lambda: lab_to_org(lab, servers=[largest]))
    with CaptureQueriesContext(connection) as queries:
        lab_to_org(lab, servers=[largest])
    anonymous_relay = ACE(ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT)
    # Prefer a connector that lets anonymous senders relay, so the probe runs the whole session.
    relay = next((c for c in org.connectors if anonymous_relay in c.acl), org.connectors[0])
    remote_ip = relay.remote_ip_ranges[0].text.split("/")[0].split("-")[0]
    probe = Probe(largest, remote_ip, mail_from="app@contoso.com", rcpts=("someone@fabrikam.com",))
    _, answer, result = _timed(lambda: simulate(lab_to_org(lab, servers=[largest]), probe))
    _, engine_only, _ = _timed(lambda: simulate(org, probe))
    ranges = sum(len(c.remote_ip_ranges) for c in org.connectors)
    print(
        f"{connection.vendor}: generated {args.servers} servers × {args.connectors_per_server} connectors × "
        f"{args.ranges_per_connector} ranges in {generated:.1f} s"
    )
    print(
        f"  load {largest} ({len(org.connectors)} connectors, {ranges} ranges, "
        f"{sum(len(c.acl) for c in org.connectors)} ACEs) into the engine: {cold * 1000:.1f} ms first, "
        f"{load * 1000:.1f} ms again (ranges cached), "
        f"{len(queries)} queries"
    )
    print(
        f"  one simulate from {remote_ip}: {answer * 1000:.1f} ms with the load, {engine_only * 1000:.2f} ms engine "
        f"only -> {result.connector.identity if result.connector else 'no connector'}, "
        f"MAIL FROM {result.mail_from}, RCPT {result.recipients[0].reply or result.recipients[0].fate}"
    )
    Lab.objects.filter(pk=lab.pk).delete()


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    try:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3, autocommit=True) as db:
            if not db.execute("SELECT 1 FROM pg_database WHERE datname = 'exchsim_bench'").fetchone():
                db.execute("CREATE DATABASE exchsim_bench")
        return DEFAULT_POSTGRES
    except Exception as error:  # no server: report and measure SQLite only
        print(f"postgresql: skipped ({error.__class__.__name__}: {str(error).strip()[:80]})")
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--connectors-per-server", type=int, default=10)
    parser.add_argument("--ranges-per-connector", type=int, default=100)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return
    forwarded = sys.argv[1:]
    with tempfile.TemporaryDirectory() as folder:
        targets = [f"sqlite:///{folder}/bench.sqlite3", _postgres_url()]
        for url in filter(None, targets):
            env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true"}
            subprocess.run([sys.executable, __file__, "--measure", *forwarded], env=env, check=True)


if __name__ == "__main__":
    main()
