"""Dashboard benchmark: server time of the main pages and of a connector edit on a big lab.

Run: .venv/bin/python benchmarks/web.py [--servers 100 --connectors-per-server 10 --ranges-per-connector 100]

The lab is the generated 100-server lab (100 servers × 10 connectors × 100 remote ranges, seed 1, as
benchmarks/app.py). Each page is requested through Django's full stack (middleware, session, login, templates)
with the test client; the figure is the median of --runs requests after one warm-up. Database: DATABASE_URL, or a
temporary SQLite file. Goals (median): overview < 300 ms, connector page < 150 ms, simulator < 100 ms, an htmx edit
of a connector (each tab) < 300 ms, the console < 150 ms, a console command naming one server <= 100 ms, the
findings of one connector < 300 ms.
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
GOALS_MS = {
    "lab overview": 300,
    "connector page": 150,
    "simulator": 100,
    "console": 150,
    "findings (1 conn)": 300,
    "findings page": 1000,
}
EDIT_GOAL_MS = 300
CONSOLE_COMMAND_GOAL_MS = 100  # issue 12: a console command naming one server, on the 100-server lab


def _median_ms(client, url: str, runs: int) -> float:
    assert client.get(url).status_code == 200, url  # warm-up (and a check that the page works)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _median_edit_ms(client, url: str, forms: list[dict], runs: int) -> float:
    """POST the forms in turn (each undoes the one before, so the lab ends as it began), as htmx does."""
    timings = []
    for run in range(runs + 1):
        started = time.perf_counter()
        response = client.post(url, forms[run % len(forms)], HTTP_HX_REQUEST="true")
        if run:  # the first is the warm-up
            timings.append((time.perf_counter() - started) * 1000)
        refused = b"errorlist" in response.content or b'class="err"' in response.content
        assert response.status_code == 200 and not refused, (url, response.content[:2000])
    return statistics.median(timings)


def _edits(lab, server: str, name: str) -> dict[str, tuple[str, list[dict]]]:
    """Per tab: the edit URL and forms that toggle one setting of the connector back and forth."""
    from django.urls import reverse

    from connectors.exchange.acl import read_permission_groups
    from connectors.exchange.catalogue import AuthMechanism, PermissionGroup
    from connectors.forms import GeneralForm
    from connectors.store import lab_to_org

    org = lab_to_org(lab, [server])
    connector = org.connector(server, name)
    general = {field: getattr(connector, field) for field in GeneralForm.base_fields}
    general = {key: value for key, value in general.items() if value not in (None, False)}
    first_range = connector.remote_ip_ranges[0].text
    mechanisms = [str(m.value) for m in AuthMechanism if m and m & connector.auth_mechanism]
    groups = read_permission_groups(connector.acl, org.server(server), org.domain_netbios)
    group_values = [str(g.value) for g in PermissionGroup if g and g is not PermissionGroup.CUSTOM and g & groups]
    anonymous = str(PermissionGroup.ANONYMOUS_USERS.value)
    toggled_groups = (
        [g for g in group_values if g != anonymous] if anonymous in group_values else [*group_values, anonymous]
    )
    rights = {"principal": "CONTOSO\\alice", "rights": "ms-Exch-SMTP-Submit"}
    tabs = {
        "general": [{**general, "comment": "benchmark"}, {**general, "comment": connector.comment}],
        "network": [{"action": "remove-range", "value": first_range}, {"action": "add-range", "value": first_range}],
        "auth": [{"mechanisms": mechanisms, "require_tls": "on"}, {"mechanisms": mechanisms}],
        "groups": [{"groups": toggled_groups}, {"groups": group_values}],
        "permissions": [{**rights, "action": "add"}, {**rights, "action": "remove"}],
    }
    args = [lab.slug, server, name]
    return {tab: (reverse(f"connectors:connector-{tab}", args=args), forms) for tab, forms in tabs.items()}


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
        "console": reverse("connectors:console", args=[lab.slug]),
        "findings (1 conn)": reverse("connectors:lab-findings", args=[lab.slug])
        + "?"
        + urlencode({"connector": f"{server}\\Relay 005"}),
        "findings page": reverse("connectors:lab-findings", args=[lab.slug]),
    }
    for name, url in urls.items():
        median = _median_ms(client, url, args.runs)
        verdict = "ok" if median < GOALS_MS[name] else "OVER GOAL"
        print(f"{name:17} median {median:7.1f} ms   goal < {GOALS_MS[name]} ms   {verdict}")
    for tab, (url, forms) in _edits(lab, server, "Relay 005").items():
        median = _median_edit_ms(client, url, forms, args.runs)
        verdict = "ok" if median < EDIT_GOAL_MS else "OVER GOAL"
        print(f"{'edit ' + tab:17} median {median:7.1f} ms   goal < {EDIT_GOAL_MS} ms   {verdict}")
    identity = f"{server}\\Relay 005"
    commands = [{"command": f"Set-ReceiveConnector '{identity}' -Comment '{text}'"} for text in ("benchmark", "")]
    median = _median_edit_ms(client, urls["console"], commands, args.runs)
    verdict = "ok" if median <= CONSOLE_COMMAND_GOAL_MS else "OVER GOAL"
    from django.db import connection

    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        client.post(urls["console"], commands[0], HTTP_HX_REQUEST="true")
    client.post(urls["console"], commands[1], HTTP_HX_REQUEST="true")
    print(
        f"{'console command':17} median {median:7.1f} ms   goal <= {CONSOLE_COMMAND_GOAL_MS} ms   {verdict}"
        f"   ({len(queries)} queries: loads, checks and saves the one server it names)"
    )
    everywhere = [{"command": "Get-ReceiveConnector | Measure-Object"}]
    median = _median_edit_ms(client, urls["console"], everywhere, max(3, args.runs // 3))
    print(f"{'console, all':17} median {median:7.1f} ms   (Get-ReceiveConnector | Measure-Object: the whole lab)")
    lab.delete()


if __name__ == "__main__":
    main()
