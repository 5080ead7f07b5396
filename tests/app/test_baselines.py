"""Baseline snapshots: what each lab started from, read back exactly and without re-checking every rule."""

import json

import pytest

from connectors import baselines, labfile, labs, labtemplates
from connectors.exchange.model import Organization
from connectors.models import BaselineSnapshot
from connectors.store import lab_to_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    return labs.create_lab_from_template("exchange2007", slug="seed")


@pytest.mark.parametrize(
    "org",
    [
        *(labtemplates.template_org(name) for name in labtemplates.TEMPLATES),
        labtemplates.demo_org(),
        labtemplates.generated_org(servers=3, connectors_per_server=4, ranges_per_connector=5, seed=3),
    ],
    ids=[*labtemplates.TEMPLATES, "demo", "generated"],
)
def test_a_snapshot_reads_back_as_the_same_organisation(org):
    data = json.loads(json.dumps(baselines.snapshot_data(org)))  # as the JSON column stores it
    assert baselines.snapshot_org(data) == org


def test_every_way_of_making_a_lab_keeps_its_starting_state(alice):
    lab = labs.create_lab_from_template("exchange2010", owner=alice, name="From a template")
    assert labs.baseline_org(lab) == lab_to_org(lab)
    assert BaselineSnapshot.objects.get(lab=lab).origin == "the exchange2010 template"
    loaded = labs.load_lab(
        labfile.dump_lab(labs.create_demo_lab(owner=alice)), owner=alice, origin="the lab file x.json"
    )
    assert labs.baseline_org(loaded) == lab_to_org(loaded)
    copy = labs.copy_lab(lab)
    lab.delete()
    copy.refresh_from_db()
    assert labs.baseline_org(copy) == lab_to_org(copy)


def test_a_snapshot_in_the_lab_file_format_still_reads(lab):
    BaselineSnapshot.objects.filter(lab=lab).update(data=json.loads(labfile.dump_lab(lab)))
    assert labs.baseline_org(lab) == lab_to_org(lab)


def test_a_snapshot_that_does_not_read_plans_from_an_empty_organisation(lab, caplog):
    BaselineSnapshot.objects.filter(lab=lab).update(data={"format": baselines.FORMAT, "version": 1, "lab": {}})
    assert labs.baseline_org(lab) == Organization(name=lab.organization_name, domain_netbios=lab.domain_netbios)
    assert "doesn't read" in caplog.text
