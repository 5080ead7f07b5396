"""The issue's round trip end to end: a lab written as the collector's files (orgexport), read back from the zip
(importsources) and imported (importmap) is the same lab, and the simulator answers the same probes."""

import io

import pytest

from connectors.exchange import orgexport
from connectors.exchange.importmap import import_organization
from connectors.exchange.importsources import read_sources
from connectors.exchange.smtp import Probe, Simulator
from connectors.labfile import org_to_data
from connectors.labtemplates import DEMO_RELAY_IP, TEMPLATES, demo_org, template_org

ORGS = [*TEMPLATES, "demo"]


def _org(name):
    return demo_org() if name == "demo" else template_org(name)


def _sorted(org):
    return org.with_changes(servers=tuple(sorted(org.servers, key=lambda s: s.name.casefold())))


def _without_passwords(data):
    # Exchange has no password to export: the simulator's SMTP AUTH passwords stay with the lab, not the files.
    for principal in data.get("principals", []):
        principal.pop("smtp_password", None)
    return data


def imported(org, tmp_path):
    target = tmp_path / "collect.zip"
    orgexport.export(org, target)
    with open(target, "rb") as raw:
        return import_organization(list(read_sources([("collect.zip", raw)]))).org


@pytest.mark.parametrize("name", ORGS)
def test_it_imports_the_collectors_zip_of_a_lab_as_the_same_lab(name, tmp_path):
    org = _org(name)
    assert _without_passwords(org_to_data(imported(org, tmp_path))) == _without_passwords(org_to_data(_sorted(org)))


def test_it_answers_the_same_probes_after_the_round_trip(tmp_path):
    org = demo_org()
    back = imported(org, tmp_path)
    probes = [
        Probe("EX01", DEMO_RELAY_IP, rcpts=("someone@fabrikam.com",), mail_from="app@contoso.com"),
        Probe("EX01", "192.0.2.10", rcpts=("alice@contoso.com",), mail_from="x@example.com"),
        Probe("EX01", "192.0.2.10", rcpts=("someone@fabrikam.com",), mail_from="x@example.com"),
        Probe("EX01", DEMO_RELAY_IP, port=587, rcpts=("alice@contoso.com",)),
    ]
    before, after = Simulator(org), Simulator(back)
    for probe in probes:
        assert after.simulate(probe).to_json() == before.simulate(probe).to_json(), probe


def test_it_reads_the_files_from_a_folder_too(tmp_path):
    org = template_org("exchange2013")
    names = orgexport.export(org, tmp_path / "folder")
    files = [(name, io.BytesIO((tmp_path / "folder" / name).read_bytes())) for name in names]
    back = import_organization(list(read_sources(files))).org
    assert org_to_data(back) == org_to_data(_sorted(org))
