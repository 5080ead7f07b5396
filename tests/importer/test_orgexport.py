"""The writer of the collector's files from a lab, read back by the importer's reader: every property survives."""

import io
import zipfile

import pytest
from django.core.management import call_command

from connectors import labs, labtemplates, store
from connectors.exchange import orgexport
from connectors.exchange.importsources import read_sources
from connectors.exchange.organization_properties import ACCEPTED_DOMAIN, RECIPIENT_FILTER, TRANSPORT_SETTINGS
from connectors.exchange.receive_connector_properties import RECEIVE_CONNECTOR
from connectors.exchange.server_properties import SERVER

ORGS = {name: (lambda name=name: labtemplates.template_org(name)) for name in labtemplates.TEMPLATES}
ORGS["demo"] = labtemplates.demo_org


def plain(value):
    return getattr(value, "value", value)  # DomainType.AUTHORITATIVE and "Authoritative" alike


def read_back(org):
    files = orgexport.export_bytes(org)
    objects = list(read_sources([(name, io.BytesIO(data)) for name, data in files.items()]))
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    return by_kind


@pytest.mark.parametrize("name", sorted(ORGS))
def test_it_preserves_every_connector_property_through_the_catalogue(name):
    org = ORGS[name]()
    connectors = {o.properties["Identity"]: o.properties for o in read_back(org).get("ReceiveConnector", [])}
    assert set(connectors) == {c.identity for c in org.connectors}
    for connector in org.connectors:
        exported = connectors[connector.identity]
        version = org.server(connector.server).version
        for prop in RECEIVE_CONNECTOR.for_version(version, org.server(connector.server).is_edge):
            if prop.field in ("identity", "permission_groups_written"):
                continue
            assert prop.parse(exported[prop.name]) == getattr(connector, prop.field), (connector.identity, prop.name)


@pytest.mark.parametrize("name", sorted(ORGS))
def test_it_preserves_servers_aces_domains_recipients_and_principals(name):
    org = ORGS[name]()
    read = read_back(org)
    servers = {o.properties["Name"]: o.properties for o in read.get("ExchangeServer", [])}
    for server in org.servers:
        for field in ("name", "fqdn", "ip_addresses"):
            prop = SERVER.by_field(field)
            assert prop.parse(servers[server.name][prop.name]) == getattr(server, field)
    mailbox = {o.properties["Name"]: o.properties["MAPIEncryptionRequired"] for o in read.get("MailboxServer", [])}
    assert mailbox == {s.name: s.mapi_encryption_required for s in org.servers if s.has_mailbox}
    aces = [
        (p["Identity"], p["User"], tuple(p["ExtendedRights"]), p["Deny"], p["IsInherited"])
        for p in (o.properties for o in read.get("ADPermission", []))
    ]
    expected = [(c.identity, a.principal, (a.right,), a.deny, a.inherited) for c in org.connectors for a in c.acl]
    assert aces == expected
    domains = [o.properties for o in read.get("AcceptedDomain", [])]
    shown = [prop for prop in ACCEPTED_DOMAIN if prop.in_organization(org.servers)]  # as Get-AcceptedDomain shows
    assert [tuple(plain(prop.parse(d[prop.name])) for prop in shown) for d in domains] == [
        tuple(plain(getattr(d, prop.field)) for prop in shown) for d in org.accepted_domains
    ]
    (transport,) = read["TransportConfig"]
    assert tuple(transport.properties["TLSReceiveDomainSecureList"]) == org.tls_receive_domain_secure_list
    (recipient_filter,) = read["RecipientFilterConfig"]
    assert recipient_filter.properties["RecipientValidationEnabled"] is org.recipient_validation_enabled
    recipients = [(o.properties["Name"], o.properties["EmailAddresses"]) for o in read.get("Recipient", [])]
    assert [(n, [a.split(":", 1)[1] for a in addresses]) for n, addresses in recipients] == [
        (r.name, list(r.addresses)) for r in org.recipients
    ]
    members = {}
    for obj in read.get("GroupMember", []):
        p = obj.properties
        members.setdefault(p["Member"], (p["MemberType"], p["MemberEmail"], []))[2].append(p["Group"])
    assert members == {p.name: (p.kind.value, p.email or None, list(p.member_of) or [None]) for p in org.principals}


def test_it_writes_what_exchange_writes_for_a_2010_server():
    org = labtemplates.template_org("exchange2010")
    (server,) = read_back(org)["ExchangeServer"]
    assert server.properties["AdminDisplayVersion"] == "Version 14.3 (Build 123.4)"
    assert server.type_names[0] == "Deserialized.Microsoft.Exchange.Data.Directory.Management.ExchangeServer"
    assert server.properties["ExchangeVersion"] == "0.1 (8.0.535.0)"


def test_it_escapes_what_xml_cannot_hold():
    org = labtemplates.demo_org()
    connector = org.connectors[0].with_changes(comment="a <b> & 'c'\r\nline _x0041_ end\x01")
    org = org.with_changes(connectors=(connector, *org.connectors[1:]))
    exported = {o.properties["Identity"]: o for o in read_back(org)["ReceiveConnector"]}
    assert exported[connector.identity].properties["Comment"] == "a <b> & 'c'\r\nline _x0041_ end\x01"


@pytest.mark.django_db
def test_it_dumps_a_lab_as_a_collector_zip_and_folder(tmp_path):
    lab = labs.create_demo_lab("demo")
    out = io.StringIO()
    call_command("dumplab", "demo", "--clixml", str(tmp_path / "collect.zip"), stdout=out)
    names = zipfile.ZipFile(tmp_path / "collect.zip").namelist()
    assert "ReceiveConnector.xml" in names
    assert "ADPermission.xml" in names
    assert "collect.zip" in out.getvalue()
    call_command("dumplab", "demo", "--clixml", str(tmp_path / "folder"), stdout=out)
    with open(tmp_path / "folder" / "ReceiveConnector.xml", "rb") as raw:
        read = list(read_sources([("ReceiveConnector.xml", raw)]))
    assert len(read) == len(store.lab_to_org(lab).connectors)


def test_it_exports_the_stored_organisation_settings_as_get_transportconfig_prints_them():
    org = labtemplates.demo_org().with_changes(
        max_receive_size=26_214_400, max_send_size=None, blocked_recipients=("ceo@a.com",), block_list_enabled=True
    )
    read = read_back(org)
    for kind, rows in (("TransportConfig", TRANSPORT_SETTINGS), ("RecipientFilterConfig", RECIPIENT_FILTER)):
        (exported,) = read[kind]
        for prop in rows:
            if not prop.in_organization(org.servers):  # a setting no server's version has isn't shown
                assert prop.name not in exported.properties, prop.name
                continue
            assert prop.parse(exported.properties[prop.name]) == getattr(org, prop.field), prop.name
