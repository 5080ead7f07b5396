"""The importer reads the ACE options from Get-ADPermission exports (InheritanceType in Export-Clixml and CSV, the
object types where present) instead of dropping them; an export without them reads as the defaults."""

import io

from connectors.exchange import orgexport
from connectors.exchange.acl import ace_options, add_ad_permission
from connectors.exchange.catalogue import ANONYMOUS_LOGON, SUBMIT
from connectors.exchange.importmap import import_organization
from connectors.exchange.importsources import read_sources
from connectors.labtemplates import demo_org

RELAY = "Anonymous Relay"
ALICE = "CONTOSO\\alice"


def _org():
    org = demo_org()
    relay = org.connector("EX01", RELAY)
    acl = add_ad_permission(relay.acl, ALICE, [SUBMIT])
    acl = add_ad_permission(acl, ALICE, [SUBMIT], options=ace_options("Descendents", "ms-Exch-SmtpReceiveConnector"))
    changed = relay.with_changes(acl=acl)
    return org.with_changes(connectors=tuple(changed if c is relay else c for c in org.connectors))


def test_an_export_clixml_round_trip_keeps_the_options(tmp_path):
    org = _org()
    target = tmp_path / "collect.zip"
    orgexport.export(org, target)
    with open(target, "rb") as raw:
        imported = import_organization(list(read_sources([("collect.zip", raw)]))).org
    aces = [a for a in imported.connector("EX01", RELAY).acl if a.principal == ALICE]
    assert [a.options for a in aces] == [
        {},
        {"inheritance_type": "Descendents", "inherited_object_type": "ms-Exch-SmtpReceiveConnector"},
    ]
    assert aces[0].group is None and aces[1].group is None


CSV = """\
"Identity","User","ExtendedRights","Deny","IsInherited","InheritanceType"
"EX01\\Anonymous Relay","NT AUTHORITY\\ANONYMOUS LOGON","ms-Exch-SMTP-Submit","False","False","All"
"EX01\\Anonymous Relay","NT AUTHORITY\\ANONYMOUS LOGON","ms-Exch-SMTP-Accept-Any-Recipient","False","False","Children"
"""


def test_a_csv_export_gives_the_inheritance_type(tmp_path):
    org = demo_org()
    target = tmp_path / "collect.zip"
    orgexport.export(org, target)
    with open(target, "rb") as raw:
        sources = [s for s in read_sources([("collect.zip", raw)]) if s.kind != "ADPermission"]
    sources += list(read_sources([("ADPermission.csv", io.BytesIO(CSV.encode()))]))
    relay = import_organization(sources).org.connector("EX01", RELAY)
    assert [(a.principal, a.right, a.inheritance_type) for a in relay.acl] == [
        (ANONYMOUS_LOGON, "ms-Exch-SMTP-Submit", "All"),
        (ANONYMOUS_LOGON, "ms-Exch-SMTP-Accept-Any-Recipient", "Children"),
    ]
