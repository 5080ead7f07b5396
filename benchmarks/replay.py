"""Protocol-log replay benchmark: a million SMTP Receive log lines through inventory, drift and impact.

Run: .venv/bin/python benchmarks/replay.py [--lines N]   (no database; about a minute, most of it generating)

From the generated 100-server lab (labtemplates.generated_org(100, 10, 100): 1,000 relay connectors, 100,000 remote
ranges) ~5,000 client addresses are drawn inside the connectors' RemoteIPRanges; each address's sessions are
written in the documented format (protocol-logging.md) with the replies the engine gives them, interleaved a few at
a time, one RECV file per server, ~1,000,000 lines (~90,000 sessions). Each measurement runs in a fresh process so
its peak memory (RSS) is its own: inventory (read + rebuild + who uses what), drift (that plus the model against
the logs and which of each connector's ranges the addresses fell in), impact (that plus a what-if copy with the
anonymous relay removed from ten connectors), and inventory on a quarter of the lines to show memory does not grow
with them. Printed: lines/s, sessions/s, distinct probes
simulated, peak memory. Goals: drift <= 10 s, impact <= 15 s, peak <= 300 MB and not growing with the lines.
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADDRESSES = 5_000
LINES = 1_000_000
OUTSIDE = [f"partner{n}.example" for n in range(20)]
SEED = 15


def _org():
    from connectors.labtemplates import generated_org

    return generated_org(100, 10, 100)


def _changed(org):
    """The what-if copy: ten connectors lose their anonymous relay ACE."""
    from connectors.exchange.acl import remove_ad_permission
    from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON

    changed, done = [], 0
    for connector in org.connectors:
        relays = any(a.principal == ANONYMOUS_LOGON and a.right == ACCEPT_ANY_RECIPIENT for a in connector.acl)
        if relays and done < 10:
            connector = connector.with_changes(
                acl=remove_ad_permission(connector.acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT)
            )
            done += 1
        changed.append(connector)
    return org.with_changes(connectors=tuple(changed))


def _csv(value: str) -> str:
    if "," not in value and '"' not in value:
        return value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([value])
    return out.getvalue()


def _events(sim, server, remote_ip: str, rng: random.Random):
    """The (event, data, context) lines of one kind of session from this address, with the engine's replies."""
    from connectors.exchange.protocol_log import permissions_data, reply_data
    from connectors.exchange.smtp import Probe

    rcpts = tuple(f"user{rng.randint(1, 50)}@{d}" for d in rng.sample(OUTSIDE, rng.choice((1, 1, 2))))
    if rng.random() < 0.3:
        rcpts += ("administrator@contoso.com",)
    probe = Probe(server.name, remote_ip, server.ip_addresses[0], 25, "app.example.com", mail_from="app@contoso.com",
                  rcpts=rcpts)  # fmt: skip
    result = sim.simulate(probe)
    if result.connector is None:
        return None, []
    lines = [("+", "", "")]
    steps = list(result.transcript)
    lines.append(("*", permissions_data(result.rights.allowed_rights) or "None", "Set Session Permissions"))
    for step in steps:
        if step.client is not None and step.client != "QUIT":
            lines.append(("<" if not step.client.startswith("From:") else "*", _csv(step.client), ""))
        if step.client != "QUIT":
            lines.append((">", _csv(reply_data(step.server)), ""))
    lines.append(("-", "", "Remote"))
    return result.connector.identity, lines


def _pick_addresses(org, rng: random.Random) -> list[tuple[object, str]]:
    from connectors.exchange.addresses import format_ip

    by_server = {s.name: s for s in org.servers}
    connectors = [c for c in org.connectors if c.name.startswith("Relay ")]
    picked = []
    for _ in range(ADDRESSES):
        connector = rng.choice(connectors)
        ip_range = rng.choice(connector.remote_ip_ranges)
        address = rng.randint(ip_range.first, min(ip_range.last, ip_range.first + 1000))
        picked.append((by_server[connector.server], format_ip(ip_range.version, address)))
    return picked


def write_logs(org, folder: Path, total_lines: int) -> tuple[int, int]:
    from connectors.exchange.protocol_log import header_lines
    from connectors.exchange.smtp import Simulator

    rng = random.Random(SEED)
    sim = Simulator(org)
    kinds = []  # (server, remote, connector id, events)
    for server, remote in _pick_addresses(org, rng):
        for _variant in range(2):
            connector, events = _events(sim, server, remote, rng)
            if connector:
                kinds.append((server, remote, connector, events))
    files = {}
    lines = sessions = 0
    session_id = 0x08DC000000000000
    while lines < total_lines:
        batch = [rng.choice(kinds) for _ in range(4)]  # four sessions at once, their lines interleaved
        cursors = []
        for server, remote, connector, events in batch:
            session_id += 1
            port = rng.randint(1024, 65535)
            prefix = f"{connector},{session_id:016X}"
            local = f"{server.ip_addresses[0]}:25"
            address = f"{remote}:{port}" if ":" not in remote else f"[{remote}]:{port}"
            cursors.append((server.name, prefix, local, address, events))
            sessions += 1
        second = 1704067200 + sessions // 20
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        longest = max(len(c[4]) for c in cursors)
        for seq in range(longest):
            for name, prefix, local, remote, events in cursors:
                if seq < len(events):
                    event, data, context = events[seq]
                    out = files.get(name)
                    if out is None:
                        out = files[name] = open(folder / f"{name}-RECV20240101-1.LOG", "w", newline="")  # noqa: SIM115
                        out.write("\r\n".join(header_lines()) + "\r\n")
                    out.write(f"{stamp}.{seq:03d}Z,{prefix},{seq},{local},{remote},{event},{data},{context}\r\n")
                    lines += 1
    for out in files.values():
        out.close()
    return lines, sessions


def _measure(job: str, folder: str, queue) -> None:
    from connectors.exchange.log_files import sources
    from connectors.exchange.replay import build_profile, inventory
    from connectors.exchange.replay_model import ModelReplay, drift, impact, range_use

    org = _org() if job != "inventory" and job != "inventory-quarter" else None
    changed = _changed(org) if job == "impact" else None
    items = sources([folder])
    if job == "inventory-quarter":
        items = items[: max(1, len(items) // 4)]
    started, cpu = time.perf_counter(), time.process_time()
    profile = build_profile(items)
    result = {"kinds": len(profile.kinds), "connectors": len(inventory(profile))}
    stages = {"read": time.perf_counter() - started}
    simulated = 0
    if job in ("drift", "impact"):
        begun = time.perf_counter()
        before = ModelReplay(org)
        result["drift"] = len(drift(profile, before))
        stages["drift"] = time.perf_counter() - begun
        simulated = before.simulated
        begun = time.perf_counter()  # which of the connectors' ranges the addresses fell in (manage.py replay)
        result["ranges used"] = sum(len(c["remote_ranges"]) for c in range_use(inventory(profile), org).values())
        stages["ranges"] = time.perf_counter() - begun
    if job == "impact":
        begun = time.perf_counter()
        after = ModelReplay(changed, baseline=before)
        result["impact"] = len(impact(profile, before, after))
        stages["impact"] = time.perf_counter() - begun
        simulated += after.simulated
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((job, seconds, cpu, stages, profile.report.lines, profile.sessions, simulated, peak, result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=LINES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="exchsim-replay-") as folder:
        started = time.perf_counter()
        lines, sessions = write_logs(_org(), Path(folder), args.lines)
        print(f"generated {lines:,} lines, {sessions:,} sessions in {time.perf_counter() - started:.1f} s")
        context = multiprocessing.get_context("spawn")
        for job in ("inventory-quarter", "inventory", "drift", "impact"):
            queue = context.Queue()
            child = context.Process(target=_measure, args=(job, folder, queue))
            child.start()
            job, seconds, cpu, stages, read, sessions, simulated, peak, result = queue.get()
            child.join()
            print(
                f"{job:18s} {seconds:6.2f} s (cpu {cpu:5.2f} s)  {read / seconds:9,.0f} lines/s  "
                f"{sessions / seconds:8,.0f} sessions/s  {simulated:6,} probes simulated  peak {peak:5.0f} MB  "
                + "  ".join(f"{stage} {taken:.2f} s" for stage, taken in stages.items())
                + f"  {result}"
            )
    print("goals: drift <= 10 s, impact <= 15 s, peak <= 300 MB, inventory peak the same for 1/4 and all lines")
    print("(wall time counts the other processes on a shared machine; cpu is this process's own)")


if __name__ == "__main__":
    main()
