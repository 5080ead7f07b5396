"""SMTP endpoint benchmark: full sessions (EHLO, MAIL, 3 RCPT, DATA 10 kB, QUIT) from concurrent smtplib clients.

Run: .venv/bin/python benchmarks/smtp.py   (about a minute; loopback only)

The endpoint (connectors.smtpserve, protocol log on) serves the demo lab's EX01 in a child process on 127.0.0.1;
client threads in this process relay from the application server 10.0.0.50 (--remote-ip) to three outside
addresses. Printed: sessions/s and errors at 1, 10 and 100 concurrent clients, 100 connections held open at once,
and the server's memory (RSS) after 1,000 and 10,000 sessions. Goals: >= 300 sessions/s at 10 clients,
100 concurrent connections with 0 errors, memory flat (growth < 10 MB) over 10,000 sessions.
"""

from __future__ import annotations

import multiprocessing
import os
import smtplib
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exchsim.settings")

MESSAGE = b"From: app@contoso.com\r\nSubject: benchmark\r\n\r\n" + (b"x" * 998 + b"\r\n") * 10
RECIPIENTS = ["a@fabrikam.com", "b@fabrikam.com", "c@fabrikam.com"]
SESSIONS_PER_LEVEL = {1: 500, 10: 3000, 100: 3000}
MEMORY_SESSIONS = 10_000
TIME_LIMIT = 120  # seconds per measurement, whatever the count


def _serve(port_queue, command_queue, log_dir):
    import asyncio

    import django

    django.setup()
    from connectors import labtemplates
    from connectors.exchange.protocol_log import ProtocolLogWriter
    from connectors.exchange.smtp import Simulator
    from connectors.smtpserve import Endpoint, Listener, start_listeners, tls_context

    org = labtemplates.demo_org()
    context, _ = tls_context([org.server("EX01").fqdn])
    kept = []
    config = Endpoint(
        Simulator(org),
        "EX01",
        remote_ip="10.0.0.50",
        tls_context=context,
        log_writer=ProtocolLogWriter(log_dir),
        on_message=lambda message: kept.append(message.size) if len(kept) < 1 else None,
    )

    async def main():
        (server,) = await start_listeners(config, [Listener("127.0.0.1", 0, "10.0.0.10", 25)])
        port_queue.put(server.sockets[0].getsockname()[1])
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, command_queue.get)
            if command == "stop":
                break
            port_queue.put((_rss_mb(), config.sessions, config.errors))
        server.close()

    asyncio.run(main())


def _rss_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _session(port: int) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo("app.contoso.com")
        refused = client.sendmail("app@contoso.com", RECIPIENTS, MESSAGE)
        if refused:
            raise RuntimeError(f"refused: {refused}")


def run_clients(port: int, clients: int, sessions: int) -> tuple[float, int, int]:
    """`clients` threads share `sessions` sessions; returns (sessions/s, done, errors)."""
    remaining = [sessions]
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + TIME_LIMIT

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if remaining[0] == 0:
                    return
                remaining[0] -= 1
            try:
                _session(port)
            except Exception:  # counted, not raised: the error count is the figure
                with lock:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done = sessions - remaining[0]
    return done / elapsed, done, errors[0]


def hold_connections(port: int, count: int) -> int:
    """Open `count` connections at once, keep them all open, then finish a session on each; returns errors."""
    clients, errors = [], 0
    for _ in range(count):
        try:
            client = smtplib.SMTP("127.0.0.1", port, timeout=30)
            client.ehlo("app.contoso.com")
            clients.append(client)
        except Exception:
            errors += 1
    for client in clients:
        try:
            if client.noop()[0] != 250 or client.sendmail("app@contoso.com", RECIPIENTS, MESSAGE):
                errors += 1
            client.quit()
        except Exception:
            errors += 1
    return errors + count - len(clients)


def main() -> None:
    context = multiprocessing.get_context("spawn")
    ports, commands = context.Queue(), context.Queue()
    with tempfile.TemporaryDirectory() as log_dir:
        server = context.Process(target=_serve, args=(ports, commands, log_dir), daemon=True)
        server.start()
        port = ports.get(timeout=60)

        def server_stats():
            commands.put("stats")
            return ports.get(timeout=30)

        _session(port)  # warm-up
        print("SMTP endpoint benchmark (demo lab, EX01 10.0.0.10:25, relay from 10.0.0.50; protocol log on)")
        print("full session = EHLO, MAIL, 3 RCPT, DATA 10 kB, QUIT; smtplib clients on loopback")
        for clients, sessions in SESSIONS_PER_LEVEL.items():
            rate, done, errors = run_clients(port, clients, sessions)
            goal = "  (goal >= 300)" if clients == 10 else ""
            print(
                f"{clients:>4} concurrent clients: {rate:7.0f} sessions/s over {done} sessions, {errors} errors{goal}"
            )
        errors = hold_connections(port, 100)
        print(f" 100 connections held open at once, then each finished: {errors} errors (goal 0)")
        base = server_stats()[1]
        run_clients(port, 10, 1000)
        rss_1k, _, _ = server_stats()
        run_clients(port, 10, MEMORY_SESSIONS - 1000)
        rss_10k, total, server_errors = server_stats()
        print(
            f"server memory: {rss_1k:.1f} MB after 1,000 sessions, {rss_10k:.1f} MB after "
            f"{total - base:,} (growth {rss_10k - rss_1k:+.1f} MB; goal flat, < 10 MB)"
        )
        print(f"sessions served in all: {total:,}; sessions that failed inside the endpoint: {server_errors}")
        commands.put("stop")
        server.join(30)


if __name__ == "__main__":
    main()
