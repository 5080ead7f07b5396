"""Load test: the dashboard under gunicorn (4 workers) on PostgreSQL, read by 8 clients at once and edited by them at
once, then checked for lost updates.

Run: .venv/bin/python benchmarks/load.py [--clients 8 --reads 30 --edits 12 --workers 4 --time-limit 240]
     [--database-url postgres://postgres@127.0.0.1:5432/exchsim_load] [--app DIR]

What it does, bounded in count (clients × requests) and in time (--time-limit; every request times out after 60 s),
talking only to 127.0.0.1 on a free port:
1. Makes the database anew (it is DROPPED first: give it a database of its own), migrates, and loads a lab: Exchange
   Server SE with Setup's connectors and the "Anonymous Relay" connector of the demo, plus an account per edit so
   each Add-ADPermission grants a different ACE.
2. Starts gunicorn (exchsim.wsgi, --workers, DEBUG off, single-user mode so no sign-in is needed).
3. Reads: each client GETs the overview, the relay connector's page and a simulator probe in turn (--reads each).
4. Edits: each client runs, --edits times, the issue's console `Add-ADPermission` on the relay connector (its own
   account each time), adds its own remote range on the Network tab, and reloads the connector page.
5. Prints requests/s, latency percentiles per kind of request, the error count (5xx other than 503 "busy", refused
   connections, timeouts), the edits refused as busy, and checks that no update was lost: every ACE and range whose
   request reported it saved is stored, nothing refused is, and the connector holds no duplicate ACE row.
Goal: 0 errors and no lost update (exit status 1 otherwise).

`--app DIR` serves another checkout of exchsim (e.g. an older commit unpacked with `git archive`) with the same load,
for before/after figures; the setup then runs that checkout's manage.py, and the check reads the database directly.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/exchsim_load"
SLUG, SERVER, RELAY = "load", "EX01", "Anonymous Relay"
REQUEST_TIMEOUT = 60


# --- Setup ---------------------------------------------------------------------------------------------------------


def _manage(app: Path, env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=app, env=env, input=stdin, capture_output=True, text=True, timeout=300
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = dict(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname="postgres")
    with psycopg.connect(**admin, autocommit=True) as db:
        db.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def accounts(clients: int, edits: int) -> list[list[str]]:
    """The account each client grants on each edit (CONTOSO\\load-C-E)."""
    return [[f"CONTOSO\\load-{c}-{e}" for e in range(edits)] for c in range(clients)]


def remote_range(client: int, edit: int) -> str:
    return f"10.{100 + client}.{edit // 250}.{edit % 250 + 1}"


def setup(app: Path, env: dict, clients: int, edits: int) -> None:
    _manage(app, env, "migrate", "--no-input", "-v", "0")
    _manage(app, env, "collectstatic", "--no-input", "-v", "0")
    _manage(app, env, "shell", "-c", "from connectors.middleware import local_user; local_user()")
    _manage(app, env, "createlab", "load-base", "--template", "exchangese")
    data = json.loads(_manage(app, env, "dumplab", "load-base"))
    relay = {
        "name": RELAY,
        "usage": "Custom",
        "transport_role": "FrontendTransport",
        "bindings": ["10.0.0.10:25"],
        "remote_ip_ranges": ["10.0.0.50"],
        "permission_groups_written": "AnonymousUsers",
        "acl": [],
    }
    data["name"] = "Load test"
    data["servers"][0]["receive_connectors"].append(relay)
    data["principals"] += [{"name": name, "kind": "User"} for row in accounts(clients, edits) for name in row]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(data, file)
    try:
        _manage(app, env, "loadlab", file.name, "--slug", SLUG, "--owner", "local")
    finally:
        os.unlink(file.name)
    # The relay's permission group ACEs are what -PermissionGroups writes; let the console write them as an admin does.
    _manage(app, env, "ems", SLUG, stdin=f'Set-ReceiveConnector "{SERVER}\\{RELAY}" -PermissionGroups AnonymousUsers\n')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(app: Path, env: dict, workers: int) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "exchsim.wsgi:application", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"],
        cwd=app, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited at start-up") from None
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- Clients -------------------------------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float
    body: str = ""


@dataclass
class Client:
    """One browser: its own keep-alive connection and cookies (session, CSRF)."""

    port: int
    deadline: float
    cookies: dict = field(default_factory=dict)
    results: list = field(default_factory=list)
    connection: http.client.HTTPConnection | None = None

    def request(self, kind: str, method: str, path: str, form: dict | None = None, htmx: bool = False) -> Result:
        if time.monotonic() > self.deadline:
            result = Result(kind, -1, 0.0)  # not sent: the time limit passed
            self.results.append(result)
            return result
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}, doseq=True)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{self.port}",
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            }
        if htmx:
            headers["HX-Request"] = "true"
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            result = Result(kind, response.status, time.perf_counter() - started, text)
            if response.getheader("Connection", "").lower() == "close":
                self._reset()
        except (OSError, http.client.HTTPException):
            self._reset()
            result = Result(kind, 0, time.perf_counter() - started)
        self.results.append(result)
        return result

    def _reset(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def _lab_path(*parts: str) -> str:
    return f"/labs/{SLUG}/" + "".join(f"{quote(part, safe='')}/" for part in parts)


OVERVIEW = _lab_path()
CONNECTOR = _lab_path("servers", SERVER, "connectors", RELAY)
PROBE = _lab_path("simulate") + "?" + urlencode(
    {"server": SERVER, "remote_ip": "10.0.0.50", "port": "25", "mail_from": "app@contoso.com",
     "rcpts": "someone@fabrikam.com"}
)  # fmt: skip
CONSOLE = _lab_path("console")
NETWORK = _lab_path("servers", SERVER, "connectors", RELAY, "edit", "network")


def read_load(client: Client, reads: int) -> None:
    client.request("sign-in", "GET", "/labs/")
    pages = (("overview", OVERVIEW), ("connector page", CONNECTOR), ("simulator", PROBE))
    for number in range(reads):
        kind, path = pages[number % len(pages)]
        client.request(kind, "GET", path)


@dataclass
class Edits:
    saved_aces: set = field(default_factory=set)
    refused_aces: set = field(default_factory=set)
    saved_ranges: set = field(default_factory=set)
    refused_ranges: set = field(default_factory=set)
    unexpected: list = field(default_factory=list)


def edit_load(client: Client, index: int, grants: list[str], edits: Edits, lock: threading.Lock) -> None:
    client.request("sign-in", "GET", CONSOLE)
    for number, account in enumerate(grants):
        command = (
            f'Add-ADPermission -Identity "{SERVER}\\{RELAY}" -User "{account}" -ExtendedRights ms-Exch-SMTP-Submit'
        )
        console = client.request("console Add-ADPermission", "POST", CONSOLE, {"command": command}, htmx=True)
        address = remote_range(index, number)
        network = client.request(
            "network add-range", "POST", NETWORK, {"action": "add-range", "value": address}, htmx=True
        )
        client.request("connector page", "GET", CONNECTOR)
        with lock:
            _sort(console, f"changed {SERVER}\\{RELAY}", account, edits.saved_aces, edits.refused_aces, edits)
            _sort(network, f"Saved {SERVER}\\{RELAY}", address, edits.saved_ranges, edits.refused_ranges, edits)


def _sort(result: Result, saved_text: str, item: str, saved: set, refused: set, edits: Edits) -> None:
    if result.status == 200 and saved_text in result.body:
        saved.add(item)
    elif result.status in (503, -1):
        refused.add(item)
    else:
        refused.add(item)
        edits.unexpected.append((result.kind, result.status, item))


def run_clients(targets: list) -> float:
    threads = [threading.Thread(target=target, args=args) for target, args in targets]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


# --- Report --------------------------------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(title: str, results: list[Result], seconds: float) -> int:
    """Print the phase's figures; returns its error count."""
    sent = [r for r in results if r.status != -1 and r.kind != "sign-in"]
    errors = [r for r in sent if r.status == 0 or (r.status >= 500 and r.status != 503)]
    busy = [r for r in sent if r.status == 503]
    skipped = sum(1 for r in results if r.status == -1)
    print(f"\n{title}: {len(sent)} requests in {seconds:.1f} s = {len(sent) / seconds:.1f} requests/s; "
          f"errors {len(errors)}, busy (503) {len(busy)}, not sent (time limit) {skipped}")  # fmt: skip
    print(f"  {'request':26} {'n':>5} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in dict.fromkeys(r.kind for r in sent):
        times = [r.seconds * 1000 for r in sent if r.kind == kind]
        print(f"  {kind:26} {len(times):5d} {statistics.median(times):8.0f} {_percentile(times, 0.9):8.0f} "
              f"{_percentile(times, 0.99):8.0f} {max(times):8.0f}")  # fmt: skip
    statuses: dict[int, int] = {}
    for r in sent:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    print("  statuses: " + ", ".join(f"{status or 'no answer'}: {count}" for status, count in sorted(statuses.items())))
    return len(errors)


def stored_state(url: str) -> tuple[list[tuple], str]:
    """The relay connector's ACE rows (principal, right, deny, inherited) and its RemoteIPRanges text, read directly."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres", dbname=parts.path.lstrip("/")
    ) as db:
        connector = db.execute(
            "SELECT c.id, c.remote_ip_ranges FROM connectors_receiveconnector c "
            "JOIN connectors_server s ON s.id = c.server_id JOIN connectors_lab l ON l.id = s.lab_id "
            "WHERE l.slug = %s AND s.name = %s AND c.name = %s",
            [SLUG, SERVER, RELAY],
        ).fetchone()
        aces = db.execute(
            'SELECT principal, "right", deny, inherited FROM connectors_accesscontrolentry WHERE connector_id = %s',
            [connector[0]],
        ).fetchall()
    return aces, connector[1]


def check_lost_updates(url: str, edits: Edits, aces_before: list[tuple], ranges_before: str) -> bool:
    aces, ranges_text = stored_state(url)
    principals = [principal for principal, _right, _deny, _inherited in aces]
    before = {principal for principal, *_ in aces_before}
    added = [p for p in principals if p not in before]
    ranges = {item.strip() for item in ranges_text.split(",") if item.strip()}
    old_ranges = {item.strip() for item in ranges_before.split(",") if item.strip()}
    lost_aces = edits.saved_aces - set(added)
    lost_ranges = edits.saved_ranges - ranges
    phantom = (set(added) - edits.saved_aces) | (ranges - old_ranges - edits.saved_ranges)
    duplicates = len(aces) - len({(p.casefold(), r, d, i) for p, r, d, i in aces})
    print(f"\nLost-update check on {SERVER}\\{RELAY}:")
    print(f"  ACE rows {len(aces_before)} -> {len(aces)} (duplicate rows: {duplicates}); "
          f"Add-ADPermission saved {len(edits.saved_aces)}, refused or not sent {len(edits.refused_aces)}, "
          f"saved but missing {len(lost_aces)}")  # fmt: skip
    print(f"  remote ranges {len(old_ranges)} -> {len(ranges)}; add-range saved {len(edits.saved_ranges)}, "
          f"refused or not sent {len(edits.refused_ranges)}, saved but missing {len(lost_ranges)}")  # fmt: skip
    print(f"  stored without a saved reply: {len(phantom)}; unexpected replies: {len(edits.unexpected)} "
          f"{edits.unexpected[:5]}")  # fmt: skip
    ok = not (lost_aces or lost_ranges or phantom or duplicates or edits.unexpected)
    print("  no lost update" if ok else "  LOST OR DUPLICATED UPDATES")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--reads", type=int, default=30, help="GETs per client in the read phase")
    parser.add_argument("--edits", type=int, default=12, help="console grants (and range adds) per client")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=240, help="seconds for the whole run's requests")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument("--app", type=Path, default=ROOT, help="the exchsim checkout to serve (default: this one)")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the load test runs on PostgreSQL: give --database-url postgres://…")
    if not 1 <= args.clients <= 64 or not 0 <= args.reads <= 1000 or not 0 <= args.edits <= 1000:
        parser.error("at most 64 clients and 1,000 requests of each kind per client")

    app = args.app.resolve()
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "false", "SECRET_KEY": secrets.token_hex(32),
           "EXCHSIM_SINGLE_USER": "true", "SECURE_SSL_REDIRECT": "false", "ALLOWED_HOSTS": "127.0.0.1"}  # fmt: skip
    print(f"exchsim at {app} under gunicorn ({args.workers} workers), PostgreSQL {args.database_url}")
    _recreate_database(args.database_url)
    setup(app, env, args.clients, args.edits)
    aces_before, ranges_before = stored_state(args.database_url)
    server, port = start_gunicorn(app, env, args.workers)
    deadline = time.monotonic() + args.time_limit
    try:
        readers = [Client(port, deadline) for _ in range(args.clients)]
        seconds = run_clients([(read_load, (client, args.reads)) for client in readers])
        errors = report(f"Reads ({args.clients} clients)", [r for c in readers for r in c.results], seconds)

        edits, lock = Edits(), threading.Lock()
        editors = [Client(port, deadline) for _ in range(args.clients)]
        grants = accounts(args.clients, args.edits)
        seconds = run_clients([(edit_load, (c, i, grants[i], edits, lock)) for i, c in enumerate(editors)])
        errors += report(
            f"Concurrent edits ({args.clients} clients: console Add-ADPermission, Network add-range, connector page)",
            [r for c in editors for r in c.results],
            seconds,
        )
    finally:
        stop(server)
    ok = check_lost_updates(args.database_url, edits, aces_before, ranges_before)
    print(f"\nGoal: 0 errors and no lost update -> errors {errors}, {'no lost update' if ok else 'LOST UPDATES'}")
    return 0 if errors == 0 and ok else 1


if __name__ == "__main__":
    sys.exit(main())
