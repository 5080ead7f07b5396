"""Hand-made SourceObjects, as importsources.read_sources gives them for an Export-Clixml collection of an engine
Organization: what the mapping tests feed importmap (the Clixml writer and reader are importer-read's)."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.exchange.acl import read_permission_groups
from connectors.exchange.catalogue import format_permission_groups
from connectors.exchange.model import Organization, ServerRole
from connectors.exchange.receive_connector_properties import RECEIVE_CONNECTOR


@dataclass(frozen=True)
class SourceObject:
    source: str
    position: str
    kind: str
    type_names: tuple[str, ...]
    properties: dict


_SE = "Version 15.2 (Build 2562.17)"
DISPLAY_VERSIONS = {
    "2007": "Version 8.3 (Build 83.6)",
    "2010": "Version 14.3 (Build 123.4)",
    "2013": "Version 15.0 (Build 1497.2)",
    "2016": "Version 15.1 (Build 2507.6)",
    "2019": "Version 15.2 (Build 1544.4)",
    "SE": _SE,
}
DN = (
    "CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN={org},"
    "CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=com"
)


def _objects(source: str, kind: str, items):
    return [
        SourceObject(source, f"object {i}", kind, (f"Microsoft.Exchange.{kind}",), p) for i, p in enumerate(items, 1)
    ]


def connector_properties(org: Organization, connector) -> dict:
    server = org.server(connector.server)
    props = {"Identity": connector.identity, "Server": server.name}
    for prop in RECEIVE_CONNECTOR.for_version(server.version, server.is_edge):
        if prop.field in ("identity", "server"):
            continue
        if prop.name == "PermissionGroups":
            props[prop.name] = format_permission_groups(
                read_permission_groups(connector.acl, server, org.domain_netbios)
            )
            continue
        props[prop.name] = prop.shown(getattr(connector, prop.field))
    props["DistinguishedName"] = (
        f"CN={connector.name},CN=SMTP Receive Connectors,CN=Protocols,CN={server.name}," + DN.format(org=org.name)
    )
    props["Guid"] = "0f6c3d2a-0000-0000-0000-000000000000"
    return props


def collection(org: Organization, *, permissions=True, servers=True, directory=True) -> list[SourceObject]:
    """Every object the collector exports for `org`, one 'file' per cmdlet."""
    objects = []
    if servers:
        objects += _objects(
            "ExchangeServer.xml",
            "ExchangeServer",
            [
                {
                    "Identity": s.name,
                    "Name": s.name,
                    "Fqdn": s.fqdn,
                    "AdminDisplayVersion": DISPLAY_VERSIONS[s.version.value],
                    "ServerRole": ", ".join(r.value for r in ServerRole if r in s.roles),
                    "IsEdgeServer": s.is_edge,
                    "IPAddresses": list(s.ip_addresses),
                    "ExchangeVersion": "0.1 (8.0.535.0)",
                    "DistinguishedName": f"CN={s.name}," + DN.format(org=org.name),
                }
                for s in org.servers
            ],
        )
        objects += _objects(
            "MailboxServer.xml",
            "MailboxServer",
            [
                {"Identity": s.name, "Name": s.name, "MAPIEncryptionRequired": s.mapi_encryption_required}
                for s in org.servers
                if s.has_mailbox
            ],
        )
    objects += _objects(
        "ReceiveConnector.xml", "ReceiveConnector", [connector_properties(org, c) for c in org.connectors]
    )
    if permissions:
        objects += _objects(
            "ADPermission.xml",
            "ADPermission",
            [
                {
                    "Identity": c.identity,
                    "User": a.principal,
                    "ExtendedRights": [a.right],
                    "Deny": a.deny,
                    "IsInherited": a.inherited,
                    "AccessRights": ["ExtendedRight"],
                }
                for c in org.connectors
                for a in c.acl
            ],
        )
    objects += _objects(
        "AcceptedDomain.xml",
        "AcceptedDomain",
        [
            {
                "Identity": d.name,
                "Name": d.name,
                "DomainName": d.domain_name,
                "DomainType": d.domain_type.value,
                "Default": d.default,
                "AddressBookEnabled": d.address_book_enabled,
                "MatchSubDomains": d.match_subdomains,
            }
            for d in org.accepted_domains
        ],
    )
    objects += _objects(
        "TransportConfig.xml",
        "TransportConfig",
        [{"Identity": "Transport Settings", "TLSReceiveDomainSecureList": list(org.tls_receive_domain_secure_list)}],
    )
    objects += _objects(
        "RecipientFilterConfig.xml",
        "RecipientFilterConfig",
        [{"Identity": "RecipientFilterConfig", "RecipientValidationEnabled": org.recipient_validation_enabled}],
    )
    if directory:
        objects += _objects(
            "Recipient.xml",
            "Recipient",
            [
                {
                    "Identity": r.name,
                    "Name": r.name,
                    "RecipientType": {
                        "Mailbox": "UserMailbox",
                        "DistributionGroup": "MailUniversalDistributionGroup",
                    }.get(r.kind.value, r.kind.value),
                    "EmailAddresses": [("SMTP:" if i == 0 else "smtp:") + a for i, a in enumerate(r.addresses)],
                    "PrimarySmtpAddress": r.primary_address,
                }
                for r in org.recipients
            ],
        )
        objects += _objects(
            "GroupMember.xml",
            "GroupMember",
            [
                {"Group": group, "Member": p.name, "MemberType": p.kind.value, "MemberEmail": p.email or None}
                for p in org.principals
                for group in p.member_of or (None,)
            ],
        )
    return objects
