"""A lab's baseline snapshot: the state it started in, kept as the field values of its rows (convert.*_fields), and
read back the way lab_to_org reads the rows themselves.

Not the lab-file format: reading a lab file checks every engine rule again (19 s for a 100-server, 100,000-range
lab), while a snapshot, like the lab's own rows, was written from an organisation that had passed them."""

from __future__ import annotations

from . import models
from .convert import (
    accepted_domain_fields,
    accepted_domain_value,
    ace_fields,
    ace_value,
    connector_fields,
    connector_value,
    lab_fields,
    lab_settings,
    principal_fields,
    principal_value,
    recipient_fields,
    recipient_value,
    server_fields,
    server_value,
    split_list,
)
from .exchange.model import Organization

FORMAT = "exchsim-baseline"
VERSION = 1


def snapshot_data(org: Organization) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "lab": lab_fields(org),
        "servers": [server_fields(s) for s in org.servers],
        "connectors": [
            {
                "server": c.server,
                "fields": connector_fields(c),
                "acl": [ace_fields(ace, position) for position, ace in enumerate(c.acl)],
            }
            for c in org.connectors
        ],
        "accepted_domains": [accepted_domain_fields(d) for d in org.accepted_domains],
        "recipients": [recipient_fields(r) for r in org.recipients],
        "principals": [principal_fields(p) for p in org.principals],
    }


def is_snapshot(data) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT and data.get("version") == VERSION


def snapshot_org(data: dict) -> Organization:
    """The organisation of snapshot_data(); KeyError or TypeError when the data isn't one."""
    lab = data["lab"]
    servers = tuple(server_value(models.Server(**fields)) for fields in data["servers"])
    return Organization(
        name=lab["organization_name"],
        domain_netbios=lab["domain_netbios"],
        servers=servers,
        connectors=tuple(
            connector_value(
                models.ReceiveConnector(**item["fields"]),
                item["server"],
                [ace_value(models.AccessControlEntry(**ace)) for ace in item["acl"]],
            )
            for item in data["connectors"]
        ),
        accepted_domains=tuple(accepted_domain_value(models.AcceptedDomain(**f)) for f in data["accepted_domains"]),
        recipients=tuple(recipient_value(models.Recipient(**f)) for f in data["recipients"]),
        principals=tuple(principal_value(models.Principal(**f)) for f in data["principals"]),
        recipient_validation_enabled=lab["recipient_validation_enabled"],
        tls_receive_domain_secure_list=split_list(lab["tls_receive_domain_secure_list"]),
        **lab_settings(models.Lab(properties=lab.get("properties", {})), servers),
    )
