"""History benchmark: what one change costs to keep, and how long undo, restore and diff take on the big lab.

Run: .venv/bin/python benchmarks/history.py [--servers 100 --connectors-per-server 10 --ranges-per-connector 100]
         [--changes 200]

Builds the 100-server lab (1,000 connectors, 100,000 ranges; generatelab, seed 1) in a temporary SQLite file (or the
database DATABASE_URL names), runs one console command on the whole lab as the console does, then `--changes` more
one-connector changes spread over the servers, and prints: the size of an entry against the size of the lab, the
time a save spends recording, and the time to undo the newest entry, to diff and to restore the lab to a point
`--changes` entries back (restores rebuild the past backwards from the current lab; no snapshots are kept).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def measure(args) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from connectors import history, labfile, labs, store
    from connectors.exchange import ems
    from connectors.models import HistoryEntry, Lab
    from connectors.store import lab_to_org

    call_command("migrate", verbosity=0)
    Lab.objects.filter(slug="history-bench").delete()
    generated, lab = _timed(
        lambda: labs.generate_lab(
            "history-bench", args.servers, args.connectors_per_server, args.ranges_per_connector, seed=1
        )
    )
    lab_bytes = len(labfile.dump_lab(lab).encode())
    created = lab.history.get()
    print(
        f"{connection.vendor}: {args.servers} servers × {args.connectors_per_server} connectors × "
        f"{args.ranges_per_connector} ranges generated in {generated:.1f} s; lab file {lab_bytes / 1e6:.1f} MB; "
        f"creation entry {history.entry_size(created):,} bytes"
    )

    # One console command on the whole lab, saved as the console saves it (only the servers it touched).
    middle = f"EX{(args.servers + 1) // 2:03d}"
    command = f"Set-ReceiveConnector '{middle}\\Relay 001' -RemoteIPRanges @{{Add='192.0.2.50'}}"
    org = lab_to_org(lab)
    result = ems.run_script(org, command)
    change = history.Change(source=history.CONSOLE, action="command", note=command)
    console_save, first = _timed(lambda: store.save_org(lab, result.org, [middle], change=change))
    print(
        f"  console command on the whole lab: entry #{first.number} is {history.entry_size(first):,} bytes "
        f"({history.entry_size(first) / lab_bytes:.4%} of the lab); saved and recorded in {console_save * 1000:.0f} ms"
    )

    # More changes, one connector each, spread over the servers.
    servers = [f"EX{index:03d}" for index in range(1, args.servers + 1)]
    record_times, save_times = [], []
    for number in range(args.changes):
        server = servers[number % len(servers)]
        name = f"Relay {number % args.connectors_per_server + 1:03d}"
        part = lab_to_org(lab, [server])
        script = f"Set-ReceiveConnector '{server}\\{name}' -Banner '220 change {number}'"
        after = ems.run_script(part, script).org
        started = time.perf_counter()
        store.save_org(lab, after, [server], change=history.Change(note=script))
        save_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        history.changes_between(part, after)
        record_times.append(time.perf_counter() - started)
    entries = HistoryEntry.objects.filter(lab=lab)
    total = sum(history.entry_size(e) for e in entries.exclude(number=1))
    save_times.sort()
    print(
        f"  {args.changes} more one-connector changes: median save {save_times[len(save_times) // 2] * 1000:.0f} ms "
        f"(of which diffing the change {sorted(record_times)[len(record_times) // 2] * 1000:.1f} ms); "
        f"{entries.count() - 1} change entries keep {total / 1e3:.0f} kB in all"
    )

    latest = entries.order_by("-number").first().number
    undo_time, _ = _timed(lambda: history.undo(lab, latest, history.Change()))
    diff_time, diff = _timed(lambda: history.diff(lab, first.number, latest))
    back = max(first.number, latest - 10)
    near_time, _ = _timed(lambda: history.restore(lab, back, history.Change()))
    far_time, _ = _timed(lambda: history.restore(lab, first.number, history.Change()))
    check = lab_to_org(lab, [middle]).connector(middle, "Relay 001")
    assert any(r.text == "192.0.2.50" for r in check.remote_ip_ranges) and check.banner == ""
    print(f"  undo of the newest entry: {undo_time * 1000:.0f} ms")
    print(f"  diff #{first.number} → #{latest} ({len(diff.steps)} steps): {diff_time * 1000:.0f} ms")
    print(f"  restore 10 entries back: {near_time * 1000:.0f} ms")
    print(f"  restore {latest + 2 - first.number} entries back (to #{first.number}): {far_time * 1000:.0f} ms")
    Lab.objects.filter(slug="history-bench").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--connectors-per-server", type=int, default=10)
    parser.add_argument("--ranges-per-connector", type=int, default=100)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    if os.environ.get("DATABASE_URL"):
        measure(args)
        return
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/history-bench.sqlite3"
        measure(args)


if __name__ == "__main__":
    main()
