"""New-ReceiveConnector and Set-ReceiveConnector semantics, every validation rule, and Setup's default connectors.

Reference §3 (usage types), §4 (auth rules and texts), §5.2 (uniqueness, default TransportRole), §8 (Setup's
connectors), §9.1-9.2 (parameters and ranges).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from itertools import compress, repeat
from operator import is_not

from .acl import apply_permission_groups, read_permission_groups
from .addresses import (
    MAX_REMOTE_IP_RANGES,
    Binding,
    duplicates,
    parse_bindings,
    parse_ip,
    parse_remote_ranges,
)
from .catalogue import (
    AuthMechanism,
    PermissionGroup,
    parse_auth_mechanism,
    parse_permission_groups,
    usage_preset,
)
from .conflicts import find_conflicts
from .errors import NO_PARAMETER, ExchangeError, ValidationFailed
from .limits import text_errors
from .model import FieldError, Organization, ReceiveConnector, Server, TransportRole
from .receive_connector_properties import RECEIVE_CONNECTOR
from .syntax import ALREADY_PRESENT, fqdn_error

ALL_IPV6_TEXT = "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

NO_SUCH_SERVER = "The operation couldn't be performed because object '{0}' couldn't be found."
TRANSPORT_ROLE_ON_EDGE = "The TransportRole parameter can't be used on Edge Transport servers."
EDGE_GROUPS = (
    "The Exchange Legacy Servers and Exchange Users permission groups aren't supported for the Edge Transport "
    "server role."
)
BASIC_REQUIRE_TLS_NEEDS_TLS = "If BasicAuthRequireTLS is set, TLS must also be set as an authentication mechanism."
BASIC_REQUIRE_TLS_NEEDS_BASIC = (
    "If BasicAuthRequireTLS is set, BasicAuth must also be set as an authentication mechanism."
)
REQUIRE_TLS_NEEDS_TLS = "If RequireTLS is set, TLS must also be set as an authentication mechanism."
EXTERNAL_AUTHORITATIVE_ALONE = (
    "ExternalAuthoritative cannot be set with BasicAuth, BasicAuthRequireTLS, ExchangeServer, or Integrated "
    "authentication mechanisms."
)
EXTERNAL_AUTHORITATIVE_GROUP = (
    "You must set the value for the PermissionGroups parameter to ExchangeServers when you set the AuthMechanism "
    "parameter to a value of ExternalAuthoritative."
)
DOMAIN_SECURE_NEEDS_TLS = (
    "The DomainSecureEnabled parameter can't be set to $True unless Transport Layer Security (TLS) is set on the "
    "AuthMechanism parameter."
)
DOMAIN_SECURE_NOT_EXTERNAL = (
    "The DomainSecureEnabled parameter can't be set to $True if the AuthMechanism parameter is set to "
    "ExternalAuthoritative."
)
EXCHANGE_SERVER_FQDN = (
    "If the AuthMechanism attribute on a Receive connector contains the value ExchangeServer, you must set the FQDN "
    'parameter on the Receive connector to one of the following values: the FQDN of the transport server "{0}", the '
    'NetBIOS name of the transport server "{1}", or $null.'
)
ADMIN_LIMIT = "The administrative limit for this request was exceeded."

INACTIVITY_NOT_LESS = "The value of ConnectionInactivityTimeout must be less than the value of ConnectionTimeout."
BINARY_MIME_NEEDS_CHUNKING = "BinaryMimeEnabled can be $true only when ChunkingEnabled is $true."
# exchsim's own fields beside Exchange's properties: written by New-ReceiveConnector and Setup, not by a parameter.
_NOT_PARAMETERS = frozenset({"server", "usage", "created_by_setup", "acl"})


def _unknown_parameter(field: str) -> ExchangeError:
    prop = RECEIVE_CONNECTOR.by_field(field)
    name = prop.name if prop else "".join(part.capitalize() for part in field.split("_"))
    return ExchangeError(NO_PARAMETER.format(name), name)


def role_defaults(server: Server) -> dict:
    """The documented defaults that differ on this server from the catalogue's (Edge timeouts, Edge rate limit)."""
    changes = {}
    for prop in RECEIVE_CONNECTOR:
        value = prop.default_for(server.version, edge=server.is_edge)
        if value != prop.default:
            changes[prop.field] = value
    return changes


# --- TransportRole (§5.2 "Practical hazard") -----------------------------------------------------------------------


def default_transport_role(server: Server) -> TransportRole:
    """2013+ rule when -TransportRole is omitted: Edge -> Hub; a server with the Hub (Transport) service -> Hub, which
    puts a port-25 connector in a fight with the Front End service; otherwise FrontendTransport (X-NEW)."""
    if server.is_edge or server.has_hub_transport or not server.version.is_e15_or_later:
        return TransportRole.HUB
    return TransportRole.FRONTEND


def parse_transport_role(value, server: Server) -> TransportRole:
    if server.is_edge:
        raise ExchangeError(TRANSPORT_ROLE_ON_EDGE, "TransportRole")
    if not server.version.is_e15_or_later:
        raise ExchangeError(NO_PARAMETER.format("TransportRole"), "TransportRole")
    return RECEIVE_CONNECTOR.by_field("transport_role").parse(value)


# --- Coercing parameter values -------------------------------------------------------------------------------------


def _coerce(field: str, value, server: Server):
    """A parameter value in the engine's type, parsed by its catalogue row; a property the server's version (or
    role) doesn't have is no parameter at all, as in EMS."""
    prop = RECEIVE_CONNECTOR.by_field(field)
    if prop is None or not prop.settable or field in _NOT_PARAMETERS:
        raise _unknown_parameter(field)
    if field == "transport_role":
        return parse_transport_role(value, server)
    if not prop.has(server.version, server.is_edge):
        raise _unknown_parameter(field)
    return prop.parse(value)


def _server(org: Organization, server_name: str) -> Server:
    server = org.server(server_name)
    if server is None:
        raise ExchangeError(NO_SUCH_SERVER.format(server_name), "Server")
    return server


def _settings(changes: dict, server: Server) -> dict:
    """Model-field changes; `permission_groups` (-PermissionGroups) is stored as permission_groups_written."""
    renamed = {"permission_groups": "permission_groups_written"}
    return {
        renamed.get(field, field): _coerce(renamed.get(field, field), value, server) for field, value in changes.items()
    }


def _with_groups(connector: ReceiveConnector, server: Server, domain_netbios: str) -> ReceiveConnector:
    acl = apply_permission_groups(connector.acl, connector.permission_groups_written, server, domain_netbios)
    return connector.with_changes(acl=acl)


def _raise_if_invalid(org: Organization, connector: ReceiveConnector) -> ReceiveConnector:
    errors = validate_receive_connector(org, connector)
    if errors:
        raise ValidationFailed(errors)
    return connector


# --- New- and Set-ReceiveConnector ---------------------------------------------------------------------------------


def new_receive_connector(
    org: Organization,
    server_name: str,
    name: str,
    *,
    usage: str | None = None,
    bindings=None,
    remote_ip_ranges=None,
    transport_role=None,
    **settings,
) -> ReceiveConnector:
    """The connector New-ReceiveConnector would create (not yet added to `org`); ValidationFailed / ExchangeError."""
    server = _server(org, server_name)
    preset = usage_preset(usage, server)
    given = {"Bindings": bindings, "RemoteIPRanges": remote_ip_ranges}
    missing = [parameter for parameter in preset.required if not given[parameter]]
    if missing:
        # PowerShell's binder names only the mandatory parameters that are missing.
        raise ExchangeError(preset.missing_message.format(" ".join(missing)), missing[0])
    role = default_transport_role(server) if transport_role is None else parse_transport_role(transport_role, server)
    fields = {
        **role_defaults(server),
        "auth_mechanism": int(preset.auth_mechanism),
        "permission_groups_written": int(preset.permission_groups),
        **preset.settings,
        **_settings(dict(settings), server),
    }
    connector = ReceiveConnector(
        server=server.name,
        name=str(name).strip(),
        usage=preset.usage,
        transport_role=role,
        bindings=_coerce("bindings", bindings or preset.default_bindings, server),
        remote_ip_ranges=_coerce("remote_ip_ranges", remote_ip_ranges or preset.default_remote_ranges, server),
        fqdn=server.fqdn,
        created_by_setup=False,
    ).with_changes(**fields)
    return _raise_if_invalid(org, _with_groups(connector, server, org.domain_netbios))


def set_receive_connector(org: Organization, connector: ReceiveConnector, **changes) -> ReceiveConnector:
    """Set-ReceiveConnector: field changes by model name; `permission_groups` rewrites the ACL's preset ACEs."""
    server = _server(org, connector.server)
    fields = _settings(dict(changes), server)
    updated = connector.with_changes(**fields)
    if "permission_groups_written" in fields:
        updated = _with_groups(updated, server, org.domain_netbios)
    others = tuple(compress(org.connectors, map(is_not, org.connectors, repeat(connector))))  # in C: big labs
    if len(others) == len(org.connectors):  # not read from `org` (an edited copy): found by identity instead
        wanted = connector.identity.casefold()
        others = tuple(c for c in org.connectors if c.identity.casefold() != wanted)
    return _raise_if_invalid(org.with_changes(connectors=(*others, updated)), updated)


# --- Validation ----------------------------------------------------------------------------------------------------


def _name_errors(siblings: tuple[ReceiveConnector, ...], connector: ReceiveConnector) -> list[FieldError]:
    name = connector.name
    if not name:
        return [FieldError("Name", "Cannot bind argument to parameter 'Name' because it is an empty string.")]
    errors = []
    if "\\" in name:
        errors.append(
            FieldError("Name", f'The name "{name}" isn\'t valid: a Receive connector name can\'t contain "\\".')
        )
    same = [c for c in siblings if c.name.casefold() == name.casefold()]
    if any(c is not connector for c in same):
        errors.append(
            FieldError("Name", f'A Receive connector named "{name}" already exists on server {connector.server}.')
        )
    return errors


def _auth_errors(connector: ReceiveConnector, server: Server, domain_netbios: str) -> list[FieldError]:
    auth = AuthMechanism(connector.auth_mechanism)
    tls = AuthMechanism.TLS in auth
    external = AuthMechanism.EXTERNAL_AUTHORITATIVE in auth
    others = AuthMechanism.BASIC_AUTH | AuthMechanism.BASIC_AUTH_REQUIRE_TLS
    others |= AuthMechanism.EXCHANGE_SERVER | AuthMechanism.INTEGRATED
    # The group check reads the ACL back, as Exchange does, so Remove-ADPermission edits count.
    servers_group = (
        external and read_permission_groups(connector.acl, server, domain_netbios) & PermissionGroup.EXCHANGE_SERVERS
    )
    rules: list[tuple[bool, str, str]] = [
        (AuthMechanism.BASIC_AUTH_REQUIRE_TLS in auth and not tls, "AuthMechanism", BASIC_REQUIRE_TLS_NEEDS_TLS),
        (
            AuthMechanism.BASIC_AUTH_REQUIRE_TLS in auth and AuthMechanism.BASIC_AUTH not in auth,
            "AuthMechanism",
            BASIC_REQUIRE_TLS_NEEDS_BASIC,
        ),
        (connector.require_tls and not tls, "RequireTLS", REQUIRE_TLS_NEEDS_TLS),
        (external and bool(auth & others), "AuthMechanism", EXTERNAL_AUTHORITATIVE_ALONE),
        (external and not servers_group, "PermissionGroups", EXTERNAL_AUTHORITATIVE_GROUP),
        (connector.domain_secure_enabled and not tls, "DomainSecureEnabled", DOMAIN_SECURE_NEEDS_TLS),
        (connector.domain_secure_enabled and external, "DomainSecureEnabled", DOMAIN_SECURE_NOT_EXTERNAL),
    ]
    errors = [FieldError(field, message) for broken, field, message in rules if broken]
    allowed_fqdns = {"", server.fqdn.casefold(), server.netbios_name.casefold()}
    if AuthMechanism.EXCHANGE_SERVER in auth and not server.is_edge and connector.fqdn.casefold() not in allowed_fqdns:
        errors.append(FieldError("Fqdn", EXCHANGE_SERVER_FQDN.format(server.fqdn, server.netbios_name)))
    return errors


def _role_errors(connector: ReceiveConnector, server: Server) -> list[FieldError]:
    errors = []
    if server.is_edge and connector.permission_groups_written & PermissionGroup.EXCHANGE_LEGACY_SERVERS:
        errors.append(FieldError("PermissionGroups", EDGE_GROUPS))
    role = connector.transport_role
    if role is TransportRole.FRONTEND:
        served = server.has_frontend_transport
    else:
        served = server.is_edge or server.has_hub_transport
    if not served:
        errors.append(
            FieldError(
                "TransportRole",
                f"Server {server.name} doesn't run the {role.value} service, so a {role.value} connector on it "
                "would never receive a connection.",
            )
        )
    return errors


def _value_errors(connector: ReceiveConnector, server: Server) -> list[FieldError]:
    errors = [
        FieldError(prop.name, message)
        for prop in RECEIVE_CONNECTOR.for_version(server.version, server.is_edge)
        if prop.settable and prop.field not in _NOT_PARAMETERS
        for message in prop.problems(getattr(connector, prop.field))
    ]
    if connector.connection_inactivity_timeout >= connector.connection_timeout:
        errors.append(FieldError("ConnectionInactivityTimeout", INACTIVITY_NOT_LESS))
    if connector.binary_mime_enabled and not connector.chunking_enabled:
        errors.append(FieldError("BinaryMimeEnabled", BINARY_MIME_NEEDS_CHUNKING))
    fqdn = fqdn_error(connector.fqdn)
    if fqdn:
        errors.append(fqdn)
    for parameter, items in (("Bindings", connector.bindings), ("RemoteIPRanges", connector.remote_ip_ranges)):
        errors += [FieldError(parameter, ALREADY_PRESENT.format(item.text)) for item in duplicates(items)]
    if not connector.bindings:
        errors.append(FieldError("Bindings", "The Bindings parameter can't be empty."))
    if not connector.remote_ip_ranges:
        errors.append(FieldError("RemoteIPRanges", "The RemoteIPRanges parameter can't be empty."))
    if len(connector.remote_ip_ranges) > MAX_REMOTE_IP_RANGES:
        errors.append(FieldError("RemoteIPRanges", ADMIN_LIMIT))
    return errors


def validate_receive_connector(org: Organization, connector: ReceiveConnector) -> list[FieldError]:
    """Every rule New-/Set-ReceiveConnector enforces, as FieldErrors in Exchange's words (empty list = valid)."""
    server = org.server(connector.server)
    if server is None:
        return [FieldError("Server", NO_SUCH_SERVER.format(connector.server))]
    siblings = org.connectors_of(connector.server)  # the server's connectors, read once for both checks below
    checks: tuple[Callable[[], list[FieldError]], ...] = (
        lambda: _name_errors(siblings, connector),
        lambda: [error for value in (connector, *connector.acl) for error in text_errors(value)],
        lambda: _auth_errors(connector, server, org.domain_netbios),
        lambda: _role_errors(connector, server),
        lambda: _value_errors(connector, server),
        lambda: find_conflicts(connector, (c for c in siblings if c is not connector)),
    )
    return [error for check in checks for error in check()]


def foreign_bindings(server: Server, connector: ReceiveConnector) -> tuple[Binding, ...]:
    """Bindings on an address that is none of the server's: EAC offers only the server's own addresses and "all
    available" (0.0.0.0, [::]); the shell takes any address and the connector then never hears a connection."""
    own = set()
    for text in server.ip_addresses:
        try:
            own.add(parse_ip(text))
        except ExchangeError:
            continue  # validate_server reports it
    return tuple(b for b in connector.bindings if not b.is_wildcard and (b.version, b.address) not in own)


# --- Setup's connectors (§8) ---------------------------------------------------------------------------------------

_FULL = "Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer"
_CLIENT = "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"


def _setup_connector(
    server: Server,
    domain_netbios: str,
    name: str,
    ports: Iterable[int],
    groups: str,
    auth: str,
    *,
    ipv6: bool = True,
    role: TransportRole = TransportRole.HUB,
    usage: str = "",
    **settings,
) -> ReceiveConnector:
    ports = tuple(ports)
    bindings = [f"0.0.0.0:{port}" for port in ports] + ([f"[::]:{port}" for port in ports] if ipv6 else [])
    ranges = ["0.0.0.0-255.255.255.255"] + ([ALL_IPV6_TEXT] if ipv6 else [])
    connector = ReceiveConnector(
        server=server.name,
        name=f"{name} {server.name}",
        usage=usage,
        transport_role=role,
        bindings=parse_bindings(bindings),
        remote_ip_ranges=parse_remote_ranges(ranges),
        auth_mechanism=int(parse_auth_mechanism(auth)),
        permission_groups_written=int(parse_permission_groups(groups)),
        fqdn=server.fqdn,
        created_by_setup=True,
        **{**role_defaults(server), **_setup_observed(server), **settings},
    )
    return _with_groups(connector, server, domain_netbios)


def _setup_observed(server: Server) -> dict:
    """What Setup writes beside the documented defaults on 2013 and later, as an Exchange 2019 server's export shows
    it on all five connectors (reference §8.2, HC-DATA; docs/decisions.md)."""
    if not server.version.is_e15_or_later or server.is_edge:
        return {}
    return {"max_hop_count": 60, "max_local_hop_count": 5}


def default_connectors(server: Server, domain_netbios: str) -> tuple[ReceiveConnector, ...]:
    """The receive connectors Setup creates on `server` (§8), marked created_by_setup."""
    make = lambda *args, **kwargs: _setup_connector(server, domain_netbios, *args, **kwargs)  # noqa: E731
    if server.is_edge:
        return (
            make(
                "Default internal receive connector",
                [25],
                "AnonymousUsers, ExchangeServers, Partners",
                "Tls, ExchangeServer",
                ipv6=False,
                domain_secure_enabled=True,
                message_rate_limit=600,
            ),
        )
    if not server.version.is_e15_or_later:
        if not server.has_hub_transport:
            return ()
        return (
            make("Default", [25], "ExchangeUsers, ExchangeServers, ExchangeLegacyServers", _FULL, ipv6=False),
            make("Client", [587], "ExchangeUsers", _CLIENT, ipv6=False, usage="Client"),
        )
    connectors = []
    frontend = server.has_frontend_transport
    if frontend:
        fe = TransportRole.FRONTEND
        connectors += [
            make(
                "Default Frontend",
                [25],
                "AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
                _FULL,
                role=fe,
                domain_secure_enabled=True,
                protocol_logging_level="Verbose",
            ),
            make(
                "Outbound Proxy Frontend",
                [717],
                "ExchangeServers",
                _FULL,
                role=fe,
                domain_secure_enabled=True,
                protocol_logging_level="Verbose",
                tarpit_interval=datetime.timedelta(0),
            ),
            make(
                "Client Frontend",
                [587],
                "ExchangeUsers",
                _CLIENT,
                role=fe,
                enable_auth_gssapi=True,
                message_rate_limit=5,
                message_rate_source="User",
            ),
        ]
    if server.has_hub_transport:
        connectors += [
            make(
                "Default",
                [2525 if frontend else 25],
                "ExchangeUsers, ExchangeServers, ExchangeLegacyServers",
                _FULL,
                max_recipients_per_message=5000,
                size_enabled="EnabledWithoutValue",
                max_inbound_connection_per_source=None,
                max_inbound_connection_percentage_per_source=100,
            ),
            make(
                "Client Proxy",
                [465],
                "ExchangeUsers, ExchangeServers",
                _FULL,
                enable_auth_gssapi=True,
                message_rate_limit=5,
                message_rate_source="User",
            ),
        ]
    return tuple(connectors)
