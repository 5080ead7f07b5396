"""The ACE options (Add-ADPermission's -InheritanceType, -InheritedObjectType, -ChildObjectTypes, -Properties) are
kept in the ACE row's JSON `properties`, defaults left out, and read back; an inherit-only ACE beside the normal one
for the same principal and right is another row (unique_ace_per_connector includes the options)."""

import pytest
from django.db import IntegrityError, transaction

from connectors import store
from connectors.exchange.acl import ace_options, add_ad_permission, remove_ad_permission
from connectors.exchange.catalogue import SUBMIT
from connectors.models import AccessControlEntry
from connectors.store import lab_to_org

from .ace_rows import RELAY, with_relay_acl

pytestmark = pytest.mark.django_db
ALICE = "CONTOSO\\alice"


def _save(lab, change):
    org, _ = with_relay_acl(lab, change)
    store.save_org(lab, org)
    return org


def _alice_rows(lab):
    rows = AccessControlEntry.objects.filter(connector__server__lab=lab, connector__name=RELAY, principal=ALICE)
    return list(rows.order_by("position").values_list("properties", flat=True))


def test_the_options_are_stored_in_properties_and_read_back(demo_lab):
    options = ace_options("Descendents", "ms-Exch-SmtpReceiveConnector", ["user", "group"], ["cn"])
    org = _save(demo_lab, lambda acl: add_ad_permission(acl, ALICE, [SUBMIT], options=options))
    assert lab_to_org(demo_lab) == org
    (ace,) = [a for a in lab_to_org(demo_lab).connector("EX01", RELAY).acl if a.principal == ALICE]
    assert (ace.inheritance_type, ace.inherited_object_type) == ("Descendents", "ms-Exch-SmtpReceiveConnector")
    assert (ace.child_object_types, ace.object_properties) == (("user", "group"), ("cn",))
    assert _alice_rows(demo_lab) == [
        {
            "inheritance_type": "Descendents",
            "inherited_object_type": "ms-Exch-SmtpReceiveConnector",
            "child_object_types": ["user", "group"],
            "object_properties": ["cn"],
        }
    ]


def test_default_options_are_left_out_of_the_row(demo_lab):
    _save(demo_lab, lambda acl: add_ad_permission(acl, ALICE, [SUBMIT]))
    assert _alice_rows(demo_lab) == [{}]


def test_an_inherit_only_ace_beside_the_normal_one_is_another_row_and_removing_one_keeps_the_other(demo_lab):
    def both(acl):
        acl = add_ad_permission(acl, ALICE, [SUBMIT])
        return add_ad_permission(acl, ALICE, [SUBMIT], options=ace_options("Children"))

    org = _save(demo_lab, both)
    assert lab_to_org(demo_lab) == org
    assert _alice_rows(demo_lab) == [{}, {"inheritance_type": "Children"}]
    _save(demo_lab, lambda acl: remove_ad_permission(acl, ALICE, [SUBMIT]))
    assert _alice_rows(demo_lab) == [{"inheritance_type": "Children"}]


def test_the_database_refuses_a_duplicate_with_the_same_options(demo_lab):
    _save(demo_lab, lambda acl: add_ad_permission(acl, ALICE, [SUBMIT], options=ace_options("Children")))
    row = AccessControlEntry.objects.get(connector__name=RELAY, principal=ALICE)
    fields = {f: getattr(row, f) for f in ("connector_id", "principal", "right", "deny", "inherited")}
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessControlEntry(**fields, properties={"inheritance_type": "Children"}, position=99).save()
    AccessControlEntry(**fields, properties={}, position=100).save()  # InheritanceType All is another ACE
