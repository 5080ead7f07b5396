"""importmap: what each cmdlet's export becomes in the engine's Organization, and what refuses the import whole."""

from dataclasses import replace

import pytest

from connectors.exchange.acl import read_permission_groups
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON, PermissionGroup
from connectors.exchange.importmap import ImportRefused, import_organization
from connectors.exchange.model import ExchangeVersion, ServerRole
from connectors.labfile import org_to_data
from connectors.labtemplates import TEMPLATES, demo_org, template_org

from .handmade import SourceObject, collection


def _sorted(org):
    return org.with_changes(servers=tuple(sorted(org.servers, key=lambda s: s.name.casefold())))


def _relay(org):
    return org.connector("EX01", "Anonymous Relay")


def _with(objects, kind, identity, **changes):
    return [
        replace(o, properties={**o.properties, **changes})
        if o.kind == kind and o.properties.get("Identity") == identity
        else o
        for o in objects
    ]


@pytest.mark.parametrize("name", [*TEMPLATES, "demo"])
def test_it_maps_a_whole_collection_to_the_same_organisation(name):
    org = demo_org() if name == "demo" else template_org(name)
    result = import_organization(collection(org))
    assert org_to_data(result.org) == org_to_data(_sorted(org))


def test_it_reads_each_version_from_admin_display_version_not_the_schema_version():
    for version in ExchangeVersion:
        org = template_org(f"exchange{version.value.lower()}")
        imported = import_organization(collection(org)).org
        assert imported.server("EX01").version is version


def test_it_writes_the_permission_groups_acl_without_get_adpermission():
    result = import_organization(collection(demo_org(), permissions=False))
    relay = _relay(result.org)
    assert all(ace.group == "AnonymousUsers" for ace in relay.acl)
    assert ACCEPT_ANY_RECIPIENT not in {ace.right for ace in relay.acl}
    assert any("Custom" in note for note in result.report.notes)


def test_it_keeps_exactly_the_exported_aces_and_shows_custom():
    org = demo_org()
    objects = collection(org) + [
        SourceObject(
            "ADPermission.xml",
            "object 999",
            "ADPermission",
            (),
            {
                "Identity": "EX01\\Anonymous Relay",
                "User": "Everyone",
                "ExtendedRights": ["ms-Exch-SMTP-Submit"],
                "Deny": True,
                "IsInherited": True,
            },
        ),
        SourceObject(
            "ADPermission.xml",
            "object 1000",
            "ADPermission",
            (),
            {
                "Identity": "EX01\\Anonymous Relay",
                "User": "CONTOSO\\Domain Admins",
                "ExtendedRights": [],
                "AccessRights": ["GenericAll"],
                "Deny": False,
                "IsInherited": True,
            },
        ),
    ]
    result = import_organization(objects)
    relay, server = _relay(result.org), result.org.server("EX01")
    assert (ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT, None) in {(a.principal, a.right, a.group) for a in relay.acl}
    assert [(a.principal, a.deny, a.inherited) for a in relay.acl][-1] == ("Everyone", True, True)
    assert read_permission_groups(relay.acl, server, "CONTOSO") & PermissionGroup.CUSTOM
    assert relay.permission_groups_written == PermissionGroup.ANONYMOUS_USERS
    assert any("1 permission entries without a receive" in note for note in result.report.notes)


def test_it_makes_servers_from_connectors_and_asks_for_version_when_they_leave_it_open():
    org = demo_org()
    with pytest.raises(ImportRefused, match=r"ReceiveConnector.xml.*EX01.*--version"):
        import_organization(collection(org, servers=False))
    result = import_organization(collection(org, servers=False), version=ExchangeVersion.SE)
    server = result.org.server("EX01")
    assert (server.version, server.roles, server.fqdn) == (ExchangeVersion.SE, {ServerRole.MAILBOX}, "ex01.contoso.com")
    assert server.ip_addresses == ("10.0.0.10",)  # the relay binds to it


def test_it_settles_an_older_version_from_the_connectors_alone():
    result = import_organization(collection(template_org("exchange2010"), servers=False))
    assert result.org.server("EX01").version is ExchangeVersion.E2010
    with pytest.raises(ImportRefused, match="--version 2019 doesn't fit server EX01"):
        import_organization(collection(template_org("exchange2010"), servers=False), version=ExchangeVersion.E2019)


def test_it_refuses_two_files_that_disagree_about_a_connector():
    objects = collection(demo_org())
    relay = next(o for o in objects if o.kind == "ReceiveConnector" and o.properties["Name"] == "Anonymous Relay")
    objects.append(
        replace(
            relay, source="other.xml", properties={**relay.properties, "MaxMessageSize": "10 MB (10,485,760 bytes)"}
        )
    )
    with pytest.raises(ImportRefused) as refused:
        import_organization(objects)
    text = str(refused.value)
    assert "other.xml" in text
    assert "EX01\\Anonymous Relay" in text
    assert "MaxMessageSize" in text
    assert "ReceiveConnector.xml" in text


def test_it_takes_the_same_value_in_another_spelling_as_agreeing():
    objects = collection(demo_org())
    relay = next(o for o in objects if o.kind == "ReceiveConnector" and o.properties["Name"] == "Anonymous Relay")
    objects.append(replace(relay, source="other.csv", properties={**relay.properties, "MaxMessageSize": "37748736"}))
    assert import_organization(objects).org.connector("EX01", "Anonymous Relay")


def test_it_refuses_conflicting_ranges_in_exchanges_words():
    objects = collection(demo_org())
    relay = next(o for o in objects if o.kind == "ReceiveConnector" and o.properties["Name"] == "Anonymous Relay")
    twin = {**relay.properties, "Identity": "EX01\\Relay Twin", "Name": "Relay Twin"}
    objects.append(replace(relay, position="object 99", properties=twin))
    with pytest.raises(ImportRefused, match="unique combination of a local IP address & port bindings"):
        import_organization(objects)


def test_it_names_the_file_object_and_property_of_a_bad_value():
    objects = _with(collection(demo_org()), "ReceiveConnector", "EX01\\Anonymous Relay", MaxHopCount="lots")
    with pytest.raises(ImportRefused) as refused:
        import_organization(objects)
    assert refused.value.problems[0].text.startswith(
        "ReceiveConnector.xml, object 6 (EX01\\Anonymous Relay): MaxHopCount:"
    )
    assert 'Cannot convert value "lots"' in str(refused.value)


def test_it_refuses_a_value_out_of_range_with_exchanges_message():
    objects = _with(collection(demo_org()), "ReceiveConnector", "EX01\\Anonymous Relay", MaxHopCount=9999)
    with pytest.raises(ImportRefused, match=r"MaxHopCount: The value \"9999\" for MaxHopCount is out of range"):
        import_organization(objects)


def test_it_refuses_objects_of_a_cmdlet_it_does_not_import():
    objects = collection(demo_org()) + [SourceObject("mailbox.xml", "object 1", "Mailbox", (), {"Name": "x"})]
    with pytest.raises(ImportRefused, match="mailbox.xml, object 1: exchsim doesn't import Mailbox objects"):
        import_organization(objects)


def test_it_refuses_permissions_on_a_connector_it_was_not_given():
    objects = collection(demo_org()) + [
        SourceObject(
            "ADPermission.xml",
            "object 77",
            "ADPermission",
            (),
            {"Identity": "EX09\\Elsewhere", "User": "Everyone", "ExtendedRights": ["ms-Exch-SMTP-Submit"]},
        )
    ]
    with pytest.raises(ImportRefused, match=r"object 77 \(EX09\\Elsewhere\): Identity: .*no Get-ReceiveConnector"):
        import_organization(objects)


def test_it_lists_each_unused_property_once_with_a_count():
    org = demo_org()
    report = import_organization(collection(org)).report
    assert report.unused["ReceiveConnector"]["DistinguishedName"] == len(org.connectors)
    assert report.unused["ReceiveConnector"]["Guid"] == len(org.connectors)
    assert report.unused["ExchangeServer"]["ExchangeVersion"] == 1
    assert (report.servers, report.connectors, report.domains) == (1, len(org.connectors), 1)
    assert report.aces == sum(len(c.acl) for c in org.connectors)


def test_it_reads_recipients_smtp_addresses_primary_first():
    objects = [o for o in collection(demo_org()) if o.kind != "Recipient"] + [
        SourceObject(
            "Recipient.xml",
            "object 1",
            "Recipient",
            (),
            {
                "Name": "Carol",
                "RecipientType": "UserMailbox",
                "SamAccountName": "carol",
                "EmailAddresses": ["smtp:c@contoso.com", "X500:/o=Contoso/cn=carol", "SMTP:Carol@Contoso.com"],
            },
        )
    ]
    org = import_organization(objects).org
    assert org.recipients[0].addresses == ("carol@contoso.com", "c@contoso.com")
    carol = org.principal("CONTOSO\\carol")
    assert carol.email == "carol@contoso.com"


def test_it_refuses_a_bad_accepted_domain():
    objects = _with(collection(demo_org()), "AcceptedDomain", "contoso.com", DomainType="Sideways")
    with pytest.raises(ImportRefused, match=r"AcceptedDomain.xml, object 1 \(contoso.com\): DomainType: "):
        import_organization(objects)


@pytest.mark.parametrize(
    ("name", "version", "roles"),
    [
        ("ExchangeServer-2010.xml", ExchangeVersion.E2010, {"Mailbox", "ClientAccess", "HubTransport"}),
        ("ExchangeServer-2019.xml", ExchangeVersion.E2019, {"Mailbox"}),
    ],
)
def test_it_reads_a_real_get_exchangeserver_export(name, version, roles):
    from pathlib import Path

    from connectors.exchange.importsources import read_sources

    with open(Path(__file__).parent / "data" / name, "rb") as stream:
        result = import_organization(list(read_sources([(name, stream)])))
    (server,) = result.org.servers
    assert server.version is version
    assert {r.value for r in server.roles} == roles
    assert result.report.unused["ExchangeServer"]["ExchangeVersion"] == 1  # the schema's version, not read


def test_it_notes_that_admin_display_version_wins_over_version():
    result = import_organization(collection(demo_org()), version=ExchangeVersion.E2016)
    assert result.org.server("EX01").version is ExchangeVersion.SE
    assert any("--version 2016 only decides for servers the files don't settle" in n for n in result.report.notes)


def test_it_takes_admin_display_version_over_a_property_an_earlier_cu_lacks():
    # A 2016 CU's connectors may lack a property a later 2016 CU shows (here AcceptConsumerMail): no disagreement.
    org = template_org("exchange2016")
    objects = [
        replace(o, properties={k: v for k, v in o.properties.items() if k != "AcceptConsumerMail"})
        if o.kind == "ReceiveConnector"
        else o
        for o in collection(org)
    ]
    result = import_organization(objects)
    assert result.org.server("EX01").version is ExchangeVersion.E2016


def test_it_reads_smtp_utf8_and_bare_linefeed_rejection_on_2013_and_2016():
    # Set-ReceiveConnector parameters from 2013 and 2010 on (the Applicable lines; docs/decisions.md), so a 2013 or
    # 2016 export with Get-ExchangeServer shows them: they are the lab's values, not a sign of 2019.
    for name in ("exchange2013", "exchange2016"):
        org = template_org(name)
        objects = _with(
            collection(org),
            "ReceiveConnector",
            "EX01\\Default EX01",
            SmtpUtf8Enabled=False,
            BareLinefeedRejectionEnabled=True,
        )
        imported = import_organization(objects).org
        connector = imported.connector("EX01", "Default EX01")
        assert imported.server("EX01").version is org.server("EX01").version
        assert connector.smtp_utf8_enabled is False
        assert connector.bare_linefeed_rejection_enabled is True


def test_it_still_refuses_a_property_the_admin_display_version_cannot_have():
    org = template_org("exchange2010")
    objects = _with(collection(org), "ReceiveConnector", "EX01\\Default EX01", TransportRole="FrontendTransport")
    with pytest.raises(ImportRefused, match=r"Exchange Server 2010, but .*TransportRole FrontendTransport"):
        import_organization(objects)


def test_it_lists_a_property_the_servers_version_lacks_as_unused():
    # LongAddressesEnabled is the Mailbox servers' transport service's; an Edge connector's export has no use for it.
    org = template_org("exchangese-edge")
    identity = "EDGE01\\Default internal receive connector EDGE01"
    objects = _with(collection(org), "ReceiveConnector", identity, LongAddressesEnabled=True)
    result = import_organization(objects)
    assert result.report.unused["ReceiveConnector"]["LongAddressesEnabled"] == 1
    assert org_to_data(result.org) == org_to_data(_sorted(org))


def test_it_counts_a_recipients_unused_properties_once_and_not_those_it_reads():
    org = demo_org()
    objects = _with(collection(org), "Recipient", "Alice Jones", Alias="alice", SamAccountName="alice")
    report = import_organization(objects).report
    assert report.unused["Recipient"]["Alias"] == 1
    assert "PrimarySmtpAddress" not in report.unused["Recipient"]
    assert "SamAccountName" not in report.unused["Recipient"]


def _edge_collection(org, **changes):
    """The organisation's collection and the Edge server's own: Get-ExchangeServer there lists the Edge again, and
    EdgeSync gave it the same accepted domains. `changes` by kind: {"AcceptedDomain": {...}}."""
    objects = collection(org)
    edge = [
        replace(o, source=f"edge.zip/{o.source}", properties={**o.properties, **changes.get(o.kind, {})})
        for o in objects
        if o.kind == "AcceptedDomain" or (o.kind == "ExchangeServer" and o.properties["Name"] == "EDGE01")
    ]
    return objects + edge


def test_it_takes_the_same_server_and_accepted_domain_from_two_collections_as_one():
    org = template_org("exchangese-edge")
    result = import_organization(_edge_collection(org))
    assert org_to_data(result.org) == org_to_data(_sorted(org))


def test_it_refuses_two_collections_that_disagree_about_an_accepted_domain():
    with pytest.raises(ImportRefused, match=r"edge.zip/AcceptedDomain.xml.*disagree about the accepted domain"):
        import_organization(
            _edge_collection(template_org("exchangese-edge"), AcceptedDomain={"DomainType": "InternalRelay"})
        )


def test_it_refuses_two_collections_that_disagree_about_a_server():
    changes = {"ExchangeServer": {"AdminDisplayVersion": "Version 15.2 (Build 1748.10)"}}
    with pytest.raises(ImportRefused, match=r"edge.zip/ExchangeServer.xml.*disagree about server EDGE01"):
        import_organization(_edge_collection(template_org("exchangese-edge"), **changes))


def test_it_still_refuses_one_domain_twice_in_one_file():
    objects = collection(demo_org())
    (domain,) = [o for o in objects if o.kind == "AcceptedDomain"]
    objects.append(replace(domain, position="object 2"))
    with pytest.raises(ImportRefused, match="is already an accepted domain"):
        import_organization(objects)


def _recipient(position, name, address, sam):
    properties = {"Name": name, "RecipientType": "UserMailbox", "EmailAddresses": [f"SMTP:{address}"]}
    return SourceObject("Recipient.csv", position, "Recipient", (), {**properties, "SamAccountName": sam})


def test_it_keeps_two_recipients_of_one_name_apart_with_a_note():
    # Exchange keeps a recipient's Name unique per OU only; keeping one of the two would lose the other's address.
    objects = [o for o in collection(demo_org()) if o.kind != "Recipient"] + [
        _recipient("row 1", "John Smith", "john.smith@contoso.com", "jsmith"),
        _recipient("row 2", "John Smith", "john.smith2@contoso.com", "jsmith2"),
    ]
    result = import_organization(objects)
    assert [(r.name, r.addresses) for r in result.org.recipients] == [
        ("John Smith", ("john.smith@contoso.com",)),
        ("John Smith (2)", ("john.smith2@contoso.com",)),
    ]
    assert any("Two recipients are named John Smith (Recipient.csv, row 2)" in n for n in result.report.notes)


def test_it_takes_the_same_recipient_from_two_collections_once():
    objects = [o for o in collection(demo_org()) if o.kind != "Recipient"] + [
        _recipient("row 1", "John Smith", "john.smith@contoso.com", "jsmith"),
        replace(_recipient("row 1", "John Smith", "john.smith@contoso.com", "jsmith"), source="edge.csv"),
    ]
    result = import_organization(objects)
    assert [r.name for r in result.org.recipients] == ["John Smith"]
    assert result.report.recipients == 1


def test_it_keeps_the_first_files_setting_and_says_so_when_an_edges_differs():
    org = template_org("exchangese-edge").with_changes(recipient_validation_enabled=True)
    objects = collection(org)
    (config,) = [o for o in objects if o.kind == "RecipientFilterConfig"]
    edge = replace(
        config,
        source="edge.zip/RecipientFilterConfig.xml",
        properties={**config.properties, "RecipientValidationEnabled": False},
    )
    result = import_organization(objects + [edge])
    assert result.org.recipient_validation_enabled is True
    assert any(
        "RecipientValidationEnabled differs between RecipientFilterConfig.xml and edge.zip/" in note
        for note in result.report.notes
    )


def test_it_maps_the_organisation_settings_it_stores_from_the_config_exports():
    objects = _with(
        collection(demo_org()),
        "TransportConfig",
        "Transport Settings",
        MaxReceiveSize="25 MB (26,214,400 bytes)",
        MaxSendSize="Unlimited",
        MaxRecipientEnvelopeLimit=1000,
        InternalSMTPServers=["10.0.0.5"],
    )
    objects = _with(
        objects,
        "RecipientFilterConfig",
        "RecipientFilterConfig",
        BlockedRecipients=["ceo@contoso.com"],
        BlockListEnabled=True,
        Enabled=False,
    )
    result = import_organization(objects)
    org = result.org
    assert (org.max_receive_size, org.max_send_size, org.max_recipient_envelope_limit) == (26_214_400, None, 1000)
    assert [r.text for r in org.internal_smtp_servers] == ["10.0.0.5"]
    assert (org.blocked_recipients, org.block_list_enabled, org.recipient_filter_enabled) == (
        ("ceo@contoso.com",),
        True,
        False,
    )
    unused = {
        **result.report.unused.get("TransportConfig", {}),
        **result.report.unused.get("RecipientFilterConfig", {}),
    }
    assert not {"MaxReceiveSize", "MaxSendSize", "BlockedRecipients", "Enabled"} & set(unused)
