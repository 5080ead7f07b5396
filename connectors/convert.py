"""Rows <-> engine values. The engine's parsers and validators are the only place Exchange's rules live.

The `*_value` functions turn one row into its engine value, the `*_fields` functions turn a value back into model
field values, and the `*_errors` functions are the models' clean(). Loading a whole lab (lab_to_org) and saving one
(save_org) is connectors/store.py. This module doesn't import the models (they import it): it reaches other rows
through the row's own relations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from .exchange.acl import read_permission_groups
from .exchange.catalogue import canonical_right, format_permission_groups
from .exchange.directory_properties import ACE_OPTIONS, PRINCIPAL, RECIPIENT
from .exchange.domains import validate_accepted_domains
from .exchange.errors import ExchangeError
from .exchange.model import (
    ACE,
    AcceptedDomain,
    DomainType,
    ExchangeVersion,
    FieldError,
    Organization,
    Principal,
    PrincipalKind,
    ReceiveConnector,
    Recipient,
    RecipientKind,
    Server,
    ServerRole,
)
from .exchange.organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG, organization_defaults
from .exchange.property_rows import PropertySet
from .exchange.receive import validate_receive_connector
from .exchange.receive_connector_properties import COMPUTED, RECEIVE_CONNECTOR
from .exchange.server_properties import MAILBOX_SETTINGS
from .exchange.servers import parse_server_roles, validate_server
from .exchange.syntax import validate_recipient

if TYPE_CHECKING:
    from . import models


def split_list(text: str) -> tuple[str, ...]:
    """`a, b,c` -> ("a", "b", "c"): how multi-valued properties are stored."""
    return tuple(item.strip() for item in (text or "").replace("\n", ",").split(",") if item.strip())


def join_list(items) -> str:
    return ", ".join(items)


# --- Rows -> values ------------------------------------------------------------------------------------------------


def parse_roles(text) -> frozenset[ServerRole]:
    return parse_server_roles(split_list(text) if isinstance(text, str) else text)


def format_roles(roles: Iterable[ServerRole]) -> str:
    return join_list(role.value for role in ServerRole if role in set(roles))


def server_value(row: models.Server) -> Server:
    """The engine value of a server row; ExchangeError when a stored setting doesn't parse. A mailbox setting missing
    from the JSON column (a row saved before it was catalogued) has its default for the server's version."""
    return Server(
        name=row.name,
        fqdn=row.fqdn,
        version=ExchangeVersion.parse(row.version),
        roles=parse_roles(row.roles),
        ip_addresses=split_list(row.ip_addresses),
        mapi_encryption_required=row.mapi_encryption_required,
        **server_settings(row),
    )


def server_settings(row: models.Server) -> dict:
    """The engine values of the mailbox settings (MAILBOX_SETTINGS) the row's JSON column holds."""
    stored = row.properties if isinstance(row.properties, dict) else {}
    return {p.field: p.parse(stored[p.field]) for p in MAILBOX_SETTINGS if p.field in stored}


def ace_value(row: models.AccessControlEntry) -> ACE:
    return ACE(
        row.principal,
        row.right,
        deny=row.deny,
        inherited=row.inherited,
        group=row.group or None,
        **ace_options(row.properties),
    )


def ace_options(stored) -> dict:
    """The engine values of the ACE options a row's JSON `properties` holds (the defaults are left out of it)."""
    stored = stored if isinstance(stored, dict) else {}
    return {p.field: p.parse(stored[p.field]) for p in ACE_OPTIONS if stored.get(p.field) not in (None, "", [])}


# The catalogue's connector properties a row stores: in a column of their own or in its JSON `properties`.
_STORED = tuple(p for p in RECEIVE_CONNECTOR if p.field not in COMPUTED and p.field != "server")


@lru_cache(maxsize=4096)
def _from_text(field: str, text: str):
    """A "text" column's engine value; immutable, so the same stored text (a 100,000-range list) is parsed once."""
    prop = RECEIVE_CONNECTOR.by_field(field)
    return prop.parse(text if not prop.kind.multi else split_list(text))


def connector_value(row: models.ReceiveConnector, server_name: str, acl: Iterable[ACE] = ()) -> ReceiveConnector:
    """The engine value of a connector row; ExchangeError when a stored text doesn't parse. A property missing from
    the JSON column (a row saved before it was catalogued) has its catalogue default."""
    stored = row.properties or {}
    values = {}
    for prop in _STORED:
        if prop.column == "text":
            values[prop.field] = _from_text(prop.field, getattr(row, prop.field))
        elif prop.column:
            values[prop.field] = getattr(row, prop.field)
        elif prop.field in stored:
            values[prop.field] = prop.parse(stored[prop.field])
    return ReceiveConnector(
        server=server_name,
        usage=row.usage,
        created_by_setup=row.created_by_setup,
        acl=tuple(acl),
        **values,
    )


# An accepted domain's settings without a column of their own: in its JSON `properties` (PendingRemoval, ...).
_DOMAIN_JSON = tuple(p for p in ACCEPTED_DOMAIN if not p.column)


def accepted_domain_value(row: models.AcceptedDomain) -> AcceptedDomain:
    """The engine's domain; a setting missing from the JSON column (a row saved before it was catalogued) has its
    catalogue default."""
    stored = row.properties if isinstance(row.properties, dict) else {}
    values = {p.field: getattr(row, p.field) for p in ACCEPTED_DOMAIN if p.column}
    values.update({p.field: p.parse(stored[p.field]) for p in _DOMAIN_JSON if p.field in stored})
    return AcceptedDomain(**{**values, "domain_type": DomainType(row.domain_type)})


def recipient_value(row: models.Recipient) -> Recipient:
    return Recipient(row.name, RecipientKind(row.kind), tuple(a.lower() for a in split_list(row.addresses)))


def principal_value(row: models.Principal) -> Principal:
    return Principal(
        name=row.name,
        kind=PrincipalKind(row.kind),
        member_of=split_list(row.member_of),
        smtp_password=row.smtp_password or None,
        email=row.email,
    )


# --- Values -> rows ------------------------------------------------------------------------------------------------


def _catalogued_fields(properties: PropertySet, obj, skip=()) -> dict:
    """The model field values of an object's catalogued properties: each in its JSON form (the catalogue's data),
    a multi-valued one comma-joined as it is stored."""
    fields = {}
    for prop in properties:
        if prop.field not in skip and prop.field not in COMPUTED and hasattr(obj, prop.field):
            data = prop.data(getattr(obj, prop.field))
            fields[prop.field] = join_list(data) if prop.kind.multi else data
    return fields


# The organisation's settings without a Lab column of their own: in the lab's JSON `properties`.
_IN_LAB_JSON = tuple(p for p in TRANSPORT_CONFIG if not p.column)


def lab_fields(org: Organization) -> dict:
    return {
        "organization_name": org.name,
        "domain_netbios": org.domain_netbios,
        **_catalogued_fields(TRANSPORT_CONFIG, org, skip={p.field for p in _IN_LAB_JSON}),
        "properties": {p.field: p.data(getattr(org, p.field)) for p in _IN_LAB_JSON},
    }


def lab_settings(lab: models.Lab, servers: Iterable[Server] | Callable[[], Iterable[Server]]) -> dict:
    """The engine values of the organisation's settings kept in the lab's JSON column; a setting missing from it (a
    lab saved before it was catalogued) has the default the versions of all the lab's servers give it
    (organization_defaults), as Setup left it, so that no plan shows a change nobody made. `servers` is every server
    of the lab, or a callable giving them, called only when a setting is missing (a load of some servers)."""
    stored = lab.properties if isinstance(lab.properties, dict) else {}
    if all(p.field in stored for p in _IN_LAB_JSON):
        return {p.field: p.parse(stored[p.field]) for p in _IN_LAB_JSON}
    defaults = organization_defaults(servers() if callable(servers) else servers)
    return {p.field: p.parse(stored[p.field]) if p.field in stored else defaults[p.field] for p in _IN_LAB_JSON}


def server_fields(server: Server) -> dict:
    return {
        "name": server.name,
        "fqdn": server.fqdn,
        "version": server.version.value,
        "roles": format_roles(server.roles),
        "ip_addresses": join_list(server.ip_addresses),
        "mapi_encryption_required": server.mapi_encryption_required,
        # the settings the server's version has (the others keep their defaults and are never shown)
        "properties": {p.field: p.data(getattr(server, p.field)) for p in server.mailbox_settings()},
    }


def connector_fields(connector: ReceiveConnector) -> dict:
    """The model field values of a connector: each catalogued property in its column, or in `properties`."""
    fields = {"usage": connector.usage, "created_by_setup": connector.created_by_setup, "properties": {}}
    for prop in _STORED:
        value = getattr(connector, prop.field)
        if prop.column == "text":
            data = prop.data(value)
            fields[prop.field] = join_list(data) if prop.kind.multi else data
        elif prop.column:
            fields[prop.field] = value
        else:
            fields["properties"][prop.field] = prop.data(value)
    return fields


def ace_fields(ace: ACE, position: int) -> dict:
    return {
        "position": position,
        "principal": ace.principal,
        "right": ace.right,
        "deny": ace.deny,
        "inherited": ace.inherited,
        "group": ace.group or "",
        "properties": ace.options,  # only the options that differ from Add-ADPermission's defaults
    }


def accepted_domain_fields(domain: AcceptedDomain) -> dict:
    """The model field values of a domain: the simulator's in their columns, the others in `properties`."""
    return {
        **_catalogued_fields(ACCEPTED_DOMAIN, domain, skip={p.field for p in _DOMAIN_JSON}),
        "properties": {p.field: p.data(getattr(domain, p.field)) for p in _DOMAIN_JSON},
    }


def recipient_fields(recipient: Recipient) -> dict:
    return _catalogued_fields(RECIPIENT, recipient)


def principal_fields(principal: Principal) -> dict:
    # no password is stored as the empty text (the engine's None)
    return {**_catalogued_fields(PRINCIPAL, principal), "smtp_password": principal.smtp_password or ""}


# --- Validation of single rows (used by Model.clean) ----------------------------------------------------------------


def _caught(build, field: str = "") -> tuple[object, list[FieldError]]:
    """(build(), []) or (None, the engine's errors); a ValueError (bad enum text) is reported at `field`."""
    try:
        return build(), []
    except ExchangeError as error:
        return None, getattr(error, "errors", None) or [FieldError(error.field or field, error.message)]
    except ValueError as error:
        return None, [FieldError(field, str(error))]


def server_errors(row: models.Server) -> list[FieldError]:
    def build():
        version = ExchangeVersion.parse(row.version)
        return Server(
            row.name,
            row.fqdn,
            version,
            parse_roles(row.roles),
            split_list(row.ip_addresses),
            mapi_encryption_required=row.mapi_encryption_required,
        )

    server, errors = _caught(build, "Version")
    stored = row.properties if isinstance(row.properties, dict) else {}
    for prop in MAILBOX_SETTINGS:
        if prop.field in stored:
            value, found = _caught(lambda prop=prop: prop.parse(stored[prop.field]), prop.name)
            errors += found or [FieldError(prop.name, message) for message in prop.problems(value)]
    if errors:
        return errors
    return validate_server(server)


def connector_errors(row: models.ReceiveConnector) -> list[FieldError]:
    """Exchange's errors for a connector row as it would be saved, checked against the other connectors of its
    server (conflicts, duplicate names). The row's stored ACEs are kept: PermissionGroups rules read them."""
    if row.server_id is None:
        return [FieldError("Server", "Select the server the connector belongs to.")]
    server, errors = _caught(lambda: server_value(row.server), "Server")
    stored = row.properties if isinstance(row.properties, dict) else {}
    for prop in _STORED:
        if prop.column == "text":
            errors += _caught(lambda prop=prop: _from_text(prop.field, getattr(row, prop.field)), prop.name)[1]
        elif not prop.column and prop.field in stored:
            errors += _caught(lambda prop=prop: prop.parse(stored[prop.field]), prop.name)[1]
    if errors:
        return errors
    acl = tuple(map(ace_value, row.aces.all())) if row.pk else ()
    candidate = connector_value(row, server.name, acl)
    other_rows = row.server.receive_connectors.exclude(pk=row.pk).order_by("id").prefetch_related("aces")
    others = [connector_value(other, server.name, map(ace_value, other.aces.all())) for other in other_rows]
    org = Organization(domain_netbios=row.server.lab.domain_netbios, servers=(server,), connectors=(*others, candidate))
    return validate_receive_connector(org, candidate)


def ace_errors(row: models.AccessControlEntry) -> list[FieldError]:
    errors = []
    if not row.principal.strip():
        errors.append(FieldError("User", "Cannot bind argument to parameter 'User' because it is an empty string."))
    errors += _caught(lambda: canonical_right(row.right), "ExtendedRights")[1]
    return [FieldError(e.field or "ExtendedRights", e.message) for e in errors]


def accepted_domain_errors(row: models.AcceptedDomain) -> list[FieldError]:
    """Validate the lab's whole set of accepted domains with this row saved; -MakeDefault clears the others' flag."""
    candidate = accepted_domain_value(row)
    others = [
        accepted_domain_value(other)
        for other in type(row).objects.filter(lab_id=row.lab_id).order_by("id")
        if other.pk != row.pk
    ]
    if candidate.default:
        others = [replace(other, default=False) for other in others]
    return validate_accepted_domains([*others, candidate])


def recipient_errors(row: models.Recipient) -> list[FieldError]:
    """The engine's recipient rules (syntax.validate_recipient), reported on the model's `addresses` field."""
    try:
        kind = RecipientKind(row.kind)
    except ValueError:
        kind = RecipientKind.MAILBOX  # the field's own choices report a bad kind
    recipient = Recipient(row.name, kind, tuple(split_list(row.addresses)))
    return [FieldError("addresses", error.message) for error in validate_recipient(recipient)]


def permission_groups_text(row: models.ReceiveConnector) -> str:
    """PermissionGroups read back from the stored ACL, as Get-ReceiveConnector shows it."""
    acl = [ace_value(ace) for ace in row.aces.all()]
    return format_permission_groups(
        read_permission_groups(acl, server_value(row.server), row.server.lab.domain_netbios)
    )
