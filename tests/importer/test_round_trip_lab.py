"""Round trip through the database: every template and the demo lab, stored as labs, written out as the collector's
Export-Clixml zip (orgexport), imported with import_lab (importconfig's path) give an identical lab (the same dumplab
output) that answers a set of probes as the original does (test_round_trip.py checks the engine half alone)."""

import io
import json
import zipfile

import pytest

from connectors import imports, labfile, labs
from connectors.exchange import orgexport
from connectors.exchange.smtp import Probe, Simulator
from connectors.labtemplates import TEMPLATES
from connectors.store import lab_to_org

REMOTES = ("10.0.0.50", "10.0.0.99", "203.0.113.7", "2001:db8::7")
PORTS = (25, 587, 2525)


def _zip(org) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in orgexport.export_bytes(org).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _dump(lab) -> dict:
    data = json.loads(labfile.dump_lab(lab))
    data.pop("name"), data.pop("description")
    return data


def _probes(org):
    for server in org.servers:
        for remote in REMOTES:
            for port in PORTS:
                for rcpt in ("alice@contoso.com", "someone@fabrikam.example"):
                    yield Probe(server.name, remote, port=port, mail_from="app@contoso.com", rcpts=(rcpt,))


def _answers(org) -> list:
    simulator = Simulator(org)
    return [simulator.simulate(probe).to_json() for probe in _probes(org)]


@pytest.mark.parametrize("name", [*TEMPLATES, "demo"])
def test_it_imports_an_identical_lab_from_the_collectors_zip(db, name):
    original = labs.create_demo_lab() if name == "demo" else labs.create_lab_from_template(name, slug=name)
    outcome = imports.import_lab([(f"{name}.zip", io.BytesIO(_zip(lab_to_org(original))))], slug=f"{name}-imported")
    assert _dump(outcome.lab) == _dump(original)
    assert _answers(lab_to_org(outcome.lab)) == _answers(lab_to_org(original))
