"""A lab file carries the ACE options (optional keys inheritance_type, inherited_object_type, child_object_types,
object_properties; the defaults left out) and reads them back."""

from connectors import labfile, labtemplates
from connectors.exchange.acl import ace_options, add_ad_permission
from connectors.exchange.catalogue import SUBMIT

RELAY = "Anonymous Relay"
ALICE = "CONTOSO\\alice"


def _file(org) -> dict:
    return {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, **labfile.org_to_data(org)}


def _with_grant(options=None):
    org = labtemplates.demo_org()
    relay = org.connector("EX01", RELAY)
    changed = relay.with_changes(acl=add_ad_permission(relay.acl, ALICE, [SUBMIT], options=options))
    return org.with_changes(connectors=tuple(changed if c is relay else c for c in org.connectors))


def _aces(data):
    relay = next(c for c in data["servers"][0]["receive_connectors"] if c["name"] == RELAY)
    return relay["acl"]


def test_the_options_round_trip_through_a_lab_file():
    org = _with_grant(ace_options("Children", "ms-Exch-SmtpReceiveConnector", ["user"], ["cn", "mail"]))
    data = _file(org)
    (written,) = [ace for ace in _aces(data) if ace["principal"] == ALICE]
    assert written["inheritance_type"] == "Children"
    assert written["object_properties"] == ["cn", "mail"]
    assert labfile.data_to_org(data) == org


def test_default_options_are_left_out_and_an_old_file_reads_as_the_defaults():
    data = _file(_with_grant())
    assert all("inheritance_type" not in ace and "object_properties" not in ace for ace in _aces(data))
    (alice,) = [a for a in labfile.data_to_org(data).connector("EX01", RELAY).acl if a.principal == ALICE]
    assert alice.inheritance_type == "All" and alice.options == {}


def test_the_inheritance_type_is_any_case_and_a_bad_one_is_refused_at_its_path():
    data = _file(_with_grant())
    (alice,) = [ace for ace in _aces(data) if ace["principal"] == ALICE]
    alice["inheritance_type"] = "descendents"
    (read,) = [a for a in labfile.data_to_org(data).connector("EX01", RELAY).acl if a.principal == ALICE]
    assert read.inheritance_type == "Descendents"
    alice["inheritance_type"] = "Desc"
    try:
        labfile.data_to_org(data)
    except labfile.LabFileError as error:
        (problem,) = error.problems
        assert problem[0].endswith(".inheritance_type")
        assert '"Descendents"' in problem[1]
    else:
        raise AssertionError("a bad inheritance type loaded")
