"""save_org: an edited engine Organization is stored in one transaction, only what changed, never when invalid."""

from dataclasses import replace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connectors import labfile, labs, store
from connectors.exchange.acl import add_ad_permission
from connectors.exchange.addresses import parse_remote_ranges
from connectors.exchange.errors import ValidationFailed
from connectors.exchange.model import (
    AcceptedDomain,
    DomainType,
    ExchangeVersion,
    Recipient,
    RecipientKind,
    ServerRole,
)
from connectors.models import AccessControlEntry, ReceiveConnector
from connectors.store import lab_to_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab():
    return labs.create_demo_lab()


def replace_connector(org, connector_name, **changes):
    return org.with_changes(
        connectors=tuple(c.with_changes(**changes) if c.name == connector_name else c for c in org.connectors)
    )


def test_saving_an_unchanged_org_changes_nothing(lab, django_assert_max_num_queries):
    before = labfile.dump_lab(lab)
    org = lab_to_org(lab)
    with django_assert_max_num_queries(15):  # the lab lock, 12 SELECTs and a savepoint: nothing to write
        store.save_org(lab, org)
    assert labfile.dump_lab(lab) == before


def test_it_saves_a_changed_connector_and_its_acl(lab):
    org = lab_to_org(lab)
    relay = org.connector("EX01", "Anonymous Relay")
    acl = add_ad_permission(relay.acl, "CONTOSO\\Printers", ["ms-Exch-SMTP-Submit"])
    org = replace_connector(org, relay.name, remote_ip_ranges=parse_remote_ranges("10.0.0.50, 10.0.0.51"), acl=acl)
    store.save_org(lab, org)
    row = ReceiveConnector.objects.get(name="Anonymous Relay")
    assert row.remote_ip_ranges == "10.0.0.50, 10.0.0.51"
    assert row.aces.filter(principal="CONTOSO\\Printers").exists()
    assert lab_to_org(lab) == org


def test_it_adds_renames_and_removes(lab):
    org = lab_to_org(lab)
    org = org.with_changes(
        connectors=tuple(c.with_changes(name="App relay") if c.name == "Anonymous Relay" else c for c in org.connectors)
    )
    org = org.with_changes(
        connectors=tuple(c for c in org.connectors if c.name != "Client Proxy EX01"),
        recipients=(*org.recipients, Recipient("Printers", RecipientKind.CONTACT, ("printers@contoso.com",))),
    )
    store.save_org(lab, org)
    names = set(ReceiveConnector.objects.filter(server__lab=lab).values_list("name", flat=True))
    assert "App relay" in names
    assert "Anonymous Relay" not in names
    assert "Client Proxy EX01" not in names
    assert lab_to_org(lab) == org


def test_an_invalid_connector_saves_nothing_of_the_change(lab):
    before = labfile.dump_lab(lab)
    org = lab_to_org(lab)
    org = replace_connector(org, "Anonymous Relay", comment="changed")
    org = replace_connector(org, "Client Frontend EX01", banner="Hello")  # not 220: Exchange refuses
    with pytest.raises(ValidationFailed) as caught:
        store.save_org(lab, org)
    assert caught.value.errors[0].message.startswith("The banner must start with a status code of 220")
    assert labfile.dump_lab(lab) == before


def test_invalid_accepted_domains_save_nothing(lab):
    before = labfile.dump_lab(lab)
    org = lab_to_org(lab)
    second = AcceptedDomain("fabrikam.com", "fabrikam.com", DomainType.AUTHORITATIVE, default=True)
    with pytest.raises(ValidationFailed):
        store.save_org(lab, org.with_changes(accepted_domains=(*org.accepted_domains, second)))
    assert labfile.dump_lab(lab) == before


def test_a_failure_while_writing_rolls_everything_back(lab, monkeypatch):
    before = labfile.dump_lab(lab)
    acl = add_ad_permission((), "CONTOSO\\Printers", ["ms-Exch-SMTP-Submit"])  # every stored ACE goes, one is new
    org = replace_connector(lab_to_org(lab), "Anonymous Relay", comment="changed", acl=acl)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(AccessControlEntry.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        store.save_org(lab, org)
    assert labfile.dump_lab(lab) == before


def test_copy_then_edit_leaves_the_baseline_alone(lab):
    copy = labs.copy_lab(lab, "copy")
    store.save_org(copy, replace_connector(lab_to_org(copy), "Anonymous Relay", enabled=False))
    assert lab_to_org(lab).connector("EX01", "Anonymous Relay").enabled is True
    assert labs.baseline_org(copy) == lab_to_org(lab)


def test_changing_a_server_revalidates_its_connectors(lab):
    before = labfile.dump_lab(lab)
    org = lab_to_org(lab)
    roles = frozenset({ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX})
    downgraded = replace(org.servers[0], version=ExchangeVersion.E2010, roles=roles)
    with pytest.raises(ValidationFailed) as caught:
        store.save_org(lab, org.with_changes(servers=(downgraded,)))
    assert any(error.field == "TransportRole" for error in caught.value.errors)
    assert labfile.dump_lab(lab) == before


# --- Saving some servers only ---------------------------------------------------------------------------------------


@pytest.fixture
def generated():
    return labs.generate_lab("generated", servers=3, connectors_per_server=2, ranges_per_connector=3)


def _count_queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_a_server_scoped_save_writes_that_server_and_leaves_the_others_alone(generated):
    whole = lab_to_org(generated)
    org = replace_connector(lab_to_org(generated, ["EX002"]), "Relay 001", comment="changed")
    org = org.with_changes(connectors=tuple(c for c in org.connectors if c.name != "Relay 002"))
    store.save_org(generated, org, ["EX002"])
    expected = tuple(
        c.with_changes(comment="changed") if (c.server, c.name) == ("EX002", "Relay 001") else c
        for c in whole.connectors
        if (c.server, c.name) != ("EX002", "Relay 002")
    )
    assert lab_to_org(generated) == whole.with_changes(connectors=expected)


def test_a_server_scoped_save_ignores_the_other_servers_of_a_whole_org(generated):
    before = lab_to_org(generated)
    org = replace_connector(before, "Relay 001", comment="changed")  # on every server
    store.save_org(generated, org, ["EX001"])
    after = lab_to_org(generated)
    assert after.connector("EX001", "Relay 001").comment == "changed"
    assert after.connector("EX003", "Relay 001") == before.connector("EX003", "Relay 001")


def test_a_server_scoped_save_still_validates_in_the_engine_and_saves_nothing_when_invalid(generated):
    before = labfile.dump_lab(generated)
    org = replace_connector(lab_to_org(generated, ["EX001"]), "Relay 001", comment="changed")
    org = replace_connector(org, "Relay 002", remote_ip_ranges=org.connector("EX001", "Relay 001").remote_ip_ranges)
    with pytest.raises(ValidationFailed):
        store.save_org(generated, org, ["EX001"])
    assert labfile.dump_lab(generated) == before


def test_a_server_scoped_save_costs_the_same_queries_on_a_small_and_a_large_lab():
    small = labs.generate_lab("small", servers=1, connectors_per_server=1, ranges_per_connector=1)
    large = labs.generate_lab("large", servers=12, connectors_per_server=3, ranges_per_connector=4)
    counts = []
    for lab in (small, large):
        org = replace_connector(lab_to_org(lab, ["EX001"]), "Relay 001", comment="changed", acl=())
        counts.append(_count_queries(lambda lab=lab, org=org: store.save_org(lab, org, ["EX001"])))
    assert counts[0] == counts[1]
