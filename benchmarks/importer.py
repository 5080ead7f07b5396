"""Import benchmark: the collector's zip of the generated 100-server lab, imported as a new lab.

Run: .venv/bin/python benchmarks/importer.py   (a temporary SQLite database unless DATABASE_URL is set; a few minutes,
most of it making the lab and its zip)

`manage.py generatelab` makes the 100-server, 1,000-connector, 100,000-range lab (seed 1; its ACLs hold what the
permission groups write plus the anonymous relay grants, ~29,000 ACEs), orgexport writes it as the collector's zip of
Export-Clixml files (ReceiveConnector.xml, ADPermission.xml, …), and a fresh process, so that its peak memory (RSS) is
its own, imports the zip the way importconfig does: read (importsources), map and validate (importmap), audit, save
in one transaction. Printed: the time of each phase and in all, the process's CPU time (what a loaded machine
inflates least), the peak RSS. Goals: <= 15 s and <= 500 MB.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_SECONDS, GOAL_MB = 15, 500


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")
    import django

    django.setup()


def _prepare(zip_path: str) -> None:
    _django()
    from django.core.management import call_command

    from connectors.exchange import orgexport
    from connectors.models import Lab
    from connectors.store import lab_to_org

    call_command("migrate", verbosity=0)
    Lab.objects.filter(slug__in=["bench-source", "bench-imported"]).delete()
    started = time.perf_counter()
    call_command("generatelab", "bench-source", servers=100, connectors_per_server=10, ranges_per_connector=100)
    org = lab_to_org(Lab.objects.get(slug="bench-source"))
    orgexport.export(org, zip_path)
    aces = sum(len(c.acl) for c in org.connectors)
    ranges = sum(len(c.remote_ip_ranges) for c in org.connectors)
    size = Path(zip_path).stat().st_size
    print(
        f"prepared in {time.perf_counter() - started:.1f} s: {len(org.servers)} servers, {len(org.connectors):,} "
        f"connectors, {ranges:,} ranges, {aces:,} ACEs; zip {size / 1_048_576:.1f} MB"
    )


def _measure(zip_path: str, queue) -> None:
    _django()
    from connectors import imports, labs
    from connectors.exchange.audit import audit

    usage = resource.getrusage(resource.RUSAGE_SELF)
    before, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    times = {}
    started = time.perf_counter()
    with open(zip_path, "rb") as stream:
        org, report = imports.read_organization([(Path(zip_path).name, stream)])
    times["read + map + validate"] = time.perf_counter() - started
    mark = time.perf_counter()
    findings = audit(org)
    times["audit"] = time.perf_counter() - mark
    mark = time.perf_counter()
    lab = labs.create_imported_lab(org, "the benchmark's zip", slug="bench-imported")
    times["save"] = time.perf_counter() - mark
    total = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime - cpu
    queue.put((times, total, cpu, peak, before, report.connectors, report.aces, len(findings), lab.slug))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/importer-bench.sqlite3"
        zip_path = str(Path(folder) / "Collect-Exchsim.zip")
        context = multiprocessing.get_context("spawn")
        prepare = context.Process(target=_prepare, args=(zip_path,))
        prepare.start()
        prepare.join()
        if prepare.exitcode:
            sys.exit(prepare.exitcode)
        queue = context.Queue()
        measure = context.Process(target=_measure, args=(zip_path, queue))
        measure.start()
        times, total, cpu, peak, before, connectors, aces, findings, slug = queue.get()
        measure.join()
    for phase, seconds in times.items():
        print(f"  {phase:<22} {seconds:6.1f} s")
    print(f"imported {connectors:,} connectors and {aces:,} ACEs into lab {slug} ({findings:,} findings)")
    print(f"total {total:.1f} s, {cpu:.1f} s of CPU (goal <= {GOAL_SECONDS} s)")
    print(f"peak RSS {peak:.0f} MB (goal <= {GOAL_MB} MB; {before:.0f} MB before the import)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: other work on the machine slows this down")


if __name__ == "__main__":
    main()
