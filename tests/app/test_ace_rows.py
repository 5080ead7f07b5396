"""The ACL is stored as the difference to what is there: adding or removing one ACE writes one row, never the whole
ACL again; a duplicate ACE row is impossible (unique_ace_per_connector); the stored order is the engine's."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from connectors import store
from connectors.exchange.acl import add_ad_permission, apply_permission_groups, remove_ad_permission
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON, SUBMIT, PermissionGroup
from connectors.exchange.model import ACE
from connectors.models import AccessControlEntry
from connectors.store import lab_to_org

from .ace_rows import RELAY, with_relay_acl

pytestmark = pytest.mark.django_db


def _save_acl(lab, change):
    """Save the relay connector with change(acl); the SQL statements that touched ACE rows, by verb."""
    org, _ = with_relay_acl(lab, change)
    with CaptureQueriesContext(connection) as queries:
        store.save_org(lab, org)
    assert lab_to_org(lab) == org  # the stored ACL, order included, is the engine's
    writes = [q["sql"].split()[0] for q in queries if "connectors_accesscontrolentry" in q["sql"]]
    return [verb for verb in writes if verb != "SELECT"]


def _rows(lab):
    return dict(
        AccessControlEntry.objects.filter(connector__server__lab=lab, connector__name=RELAY).values_list(
            "pk", "position"
        )
    )


def test_adding_one_ace_inserts_one_row_and_rewrites_nothing(demo_lab):
    before = _rows(demo_lab)
    writes = _save_acl(demo_lab, lambda acl: add_ad_permission(acl, "CONTOSO\\alice", [SUBMIT]))
    assert writes == ["INSERT"]
    after = _rows(demo_lab)
    assert len(after) == len(before) + 1
    assert {pk: after[pk] for pk in before} == before


def test_removing_one_ace_deletes_one_row_and_keeps_the_others(demo_lab):
    before = _rows(demo_lab)
    writes = _save_acl(demo_lab, lambda acl: remove_ad_permission(acl, ANONYMOUS_LOGON, [ACCEPT_ANY_RECIPIENT]))
    assert writes == ["DELETE"]
    after = _rows(demo_lab)
    assert len(after) == len(before) - 1
    assert all(before[pk] == position for pk, position in after.items())


def test_a_reordered_acl_is_stored_in_its_new_order(demo_lab):
    writes = _save_acl(demo_lab, lambda acl: (*acl[1:], acl[0]))
    assert writes == ["UPDATE"]


def test_writing_permission_groups_again_keeps_the_acl_in_the_engines_order(demo_lab):
    server = lab_to_org(demo_lab).server("EX01")
    _save_acl(demo_lab, lambda acl: apply_permission_groups(acl, PermissionGroup.EXCHANGE_USERS, server, "CONTOSO"))
    _save_acl(demo_lab, lambda acl: apply_permission_groups(acl, PermissionGroup.ANONYMOUS_USERS, server, "CONTOSO"))


def test_a_repeated_ace_in_an_acl_is_stored_once(demo_lab):
    twice = ACE("CONTOSO\\alice", SUBMIT)
    org, relay = with_relay_acl(demo_lab, lambda acl: (*acl, twice, twice))
    store.save_org(demo_lab, org)
    assert lab_to_org(demo_lab).connector("EX01", RELAY).acl == (*relay.acl, twice)


def test_the_database_refuses_a_duplicate_ace_row_whatever_the_case(demo_lab):
    row = AccessControlEntry.objects.filter(connector__name=RELAY).first()
    duplicate = AccessControlEntry(
        connector_id=row.connector_id,
        principal=row.principal.upper(),
        right=row.right,
        deny=row.deny,
        inherited=row.inherited,
        position=99,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    denied = AccessControlEntry(**{**{f: getattr(duplicate, f) for f in ("connector_id", "principal", "right")}})
    denied.deny = not row.deny
    denied.save()  # the same right denied is another ACE
