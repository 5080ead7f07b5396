"""The engine's plain data: what an Exchange organisation looks like to the simulator.

Everything here is a frozen dataclass or an enum so that engine functions can take and return values
without sharing mutable state. The Django models convert to and from these (connectors/convert.py);
the PowerShell console edits an `Organization` and hands the result back to be saved.

Names follow Exchange's property names where one exists (RemoteIPRanges -> remote_ip_ranges).
"""

from __future__ import annotations

import datetime  # noqa: F401 (the catalogue's field annotations name it)
from dataclasses import dataclass, replace

from .addresses import Binding, IPRange  # noqa: F401 (ditto)
from .directory_properties import ACE_OPTIONS, INHERIT_ONLY
from .organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from .property_fields import fields_of
from .property_rows import Property
from .receive_connector_properties import RECEIVE_CONNECTOR
from .server_properties import MAILBOX_SETTINGS, SERVER
from .versions import DomainType, ExchangeVersion, PrincipalKind, RecipientKind, ServerRole, TransportRole  # noqa: F401 (re-exported)


@dataclass(frozen=True)
@fields_of(SERVER, last=True, by_version=True)  # the mailbox settings (Set-MailboxServer)
class Server:
    name: str
    fqdn: str
    version: ExchangeVersion
    roles: frozenset[ServerRole]
    ip_addresses: tuple[str, ...] = ()
    mapi_encryption_required: bool = False

    @property
    def is_edge(self) -> bool:
        return ServerRole.EDGE in self.roles

    @property
    def has_mailbox(self) -> bool:
        return ServerRole.MAILBOX in self.roles

    def mailbox_settings(self) -> tuple[Property, ...]:
        """The Set-MailboxServer settings this server has: none without the Mailbox role, else its version's."""
        if not self.has_mailbox:
            return ()
        return MAILBOX_SETTINGS.for_version(self.version)

    @property
    def has_frontend_transport(self) -> bool:
        """2013+ servers with the Mailbox (2016+) or Client Access (2013) role run the Front End Transport service."""
        if not self.version.is_e15_or_later or self.is_edge:
            return False
        if self.version is ExchangeVersion.E2013:
            return ServerRole.CLIENT_ACCESS in self.roles
        return bool(self.roles & {ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS})

    @property
    def has_hub_transport(self) -> bool:
        """The Transport (Hub) service: the Hub Transport role before 2013, the Mailbox role from 2013."""
        if self.is_edge:
            return False
        if self.version.is_e15_or_later:
            return ServerRole.MAILBOX in self.roles
        return ServerRole.HUB_TRANSPORT in self.roles

    @property
    def netbios_name(self) -> str:
        return self.name.upper()

    def role_flags(self) -> dict[str, bool]:
        """Get-ExchangeServer's Is…Server properties, which Exchange calculates from the server's role flags: from
        2016 the Mailbox role holds the Client Access, Transport and Front End Transport services (and Unified
        Messaging in 2016), in 2013 the Mailbox role Transport and UM and the Client Access role Front End
        Transport; before 2013 each role is its own (docs/decisions.md). IsFrontendTransportServer exists from 2013."""
        roles, version = self.roles, self.version
        mailbox = ServerRole.MAILBOX in roles
        client_access = ServerRole.CLIENT_ACCESS in roles or (mailbox and version.rank >= ExchangeVersion.E2016.rank)
        unified_messaging = mailbox and version in (ExchangeVersion.E2013, ExchangeVersion.E2016)
        flags = {
            "IsHubTransportServer": self.has_hub_transport,
            "IsClientAccessServer": client_access,
            "IsMailboxServer": mailbox,
            "IsUnifiedMessagingServer": unified_messaging,
        }
        if version.is_e15_or_later:
            flags["IsFrontendTransportServer"] = self.has_frontend_transport
        return flags


@dataclass(frozen=True)
class ACE:
    """One access control entry on a receive connector: an extended right allowed or denied to a principal.

    `group` records which permission group wrote the ACE (Exchange itself does not keep this; we do, to explain
    provenance). None means it was written by Add-ADPermission.
    """

    principal: str
    right: str
    deny: bool = False
    inherited: bool = False
    group: str | None = None
    # Add-ADPermission's ACE options (catalogue AD_PERMISSION). InheritanceType is simulated: Descendents and Children
    # are inherit-only (.NET's InheritOnly flag), so on a receive connector, a leaf object, they grant or deny
    # nothing. The object types are stored and printed back only (docs/decisions.md).
    inheritance_type: str = "All"
    inherited_object_type: str | None = None
    child_object_types: tuple[str, ...] = ()
    object_properties: tuple[str, ...] = ()  # -Properties

    @property
    def inherit_only(self) -> bool:
        """Whether the ACE applies only to objects below the one it is on (InheritanceType Descendents, Children)."""
        return self.inheritance_type in INHERIT_ONLY

    @property
    def options(self) -> dict:
        """The ACE options that differ from Add-ADPermission's defaults, by engine field (how they are stored)."""
        if self.inheritance_type == "All" and not (
            self.inherited_object_type or self.child_object_types or self.object_properties
        ):
            return {}  # most ACEs: a script's thousand grants don't pay for the rows below
        values = {p.field: getattr(self, p.field) for p in ACE_OPTIONS}
        return {
            p.field: p.data(values[p.field]) for p in ACE_OPTIONS if values[p.field] not in (p.default, None, "", ())
        }

    @property
    def origin(self) -> str:
        if self.inherited:
            return "inherited from a parent container"
        if self.group:
            return f"permission group {self.group}"
        return "Add-ADPermission"

    def describe(self) -> str:
        verb = "Deny" if self.deny else "Allow"
        scope = f", InheritanceType {self.inheritance_type}" if self.inheritance_type != "All" else ""
        return f"{verb} {self.right} for {self.principal} ({self.origin}{scope})"


@dataclass(frozen=True)
@fields_of(RECEIVE_CONNECTOR)
class ReceiveConnector:
    """A receive connector: one field per property of receive_connector_properties.RECEIVE_CONNECTOR (added by
    `fields_of`, with the documented default of a new connector), plus what exchsim keeps beside Exchange's
    properties."""

    server: str
    name: str
    usage: str = "Custom"  # the usage it was created with: Client, Custom, Internal, Internet, Partner, or "" (none)
    created_by_setup: bool = False
    acl: tuple[ACE, ...] = ()

    @property
    def identity(self) -> str:
        return f"{self.server}\\{self.name}"

    def with_changes(self, **changes) -> ReceiveConnector:
        return replace(self, **changes)


@dataclass(frozen=True)
@fields_of(ACCEPTED_DOMAIN, last=True)  # its other settings, stored and shown (PendingRemoval, ...)
class AcceptedDomain:
    name: str
    domain_name: str  # contoso.com, *.contoso.com or *
    domain_type: DomainType = DomainType.AUTHORITATIVE
    default: bool = False
    address_book_enabled: bool = True
    match_subdomains: bool = False


@dataclass(frozen=True)
class Recipient:
    name: str
    kind: RecipientKind
    addresses: tuple[str, ...]  # primary first; lower-case SMTP addresses

    @property
    def primary_address(self) -> str:
        return self.addresses[0] if self.addresses else ""


@dataclass(frozen=True)
class Principal:
    """A security principal of the modelled forest: CONTOSO\\alice, CONTOSO\\Printers, CONTOSO\\EX01$."""

    name: str
    kind: PrincipalKind = PrincipalKind.USER
    member_of: tuple[str, ...] = ()
    smtp_password: str | None = None
    email: str = ""


@dataclass(frozen=True)
@fields_of(TRANSPORT_CONFIG)  # the organisation's other settings, stored and shown (MaxReceiveSize, ...)
class Organization:
    name: str = "Contoso"
    domain_netbios: str = "CONTOSO"
    servers: tuple[Server, ...] = ()
    connectors: tuple[ReceiveConnector, ...] = ()
    accepted_domains: tuple[AcceptedDomain, ...] = ()
    recipients: tuple[Recipient, ...] = ()
    principals: tuple[Principal, ...] = ()
    recipient_validation_enabled: bool = False  # Set-RecipientFilterConfig -RecipientValidationEnabled
    tls_receive_domain_secure_list: tuple[str, ...] = ()  # Set-TransportConfig -TLSReceiveDomainSecureList

    def server(self, name: str) -> Server | None:
        wanted = name.casefold()
        return next((s for s in self.servers if s.name.casefold() == wanted), None)

    def connectors_of(self, server_name: str) -> tuple[ReceiveConnector, ...]:
        # The name as the lab writes it first (a plain comparison per connector); another case casefolds them all.
        found = tuple(c for c in self.connectors if c.server == server_name)
        if found:
            return found
        wanted = server_name.casefold()
        return tuple(c for c in self.connectors if c.server.casefold() == wanted)

    def connector(self, server_name: str, name: str) -> ReceiveConnector | None:
        wanted = name.casefold()
        return next((c for c in self.connectors_of(server_name) if c.name.casefold() == wanted), None)

    def principal(self, name: str) -> Principal | None:
        wanted = name.casefold()
        return next((p for p in self.principals if p.name.casefold() == wanted), None)

    def with_changes(self, **changes) -> Organization:
        return replace(self, **changes)


@dataclass(frozen=True)
class FieldError:
    """A validation failure worded as Exchange words it, attached to the property it concerns."""

    field: str
    message: str


@dataclass(frozen=True)
class Explained:
    """A value with the plain-English reason a trainee reads next to it."""

    value: object
    reason: str


__all__ = [
    "ACE",
    "AcceptedDomain",
    "DomainType",
    "ExchangeVersion",
    "Explained",
    "FieldError",
    "Organization",
    "Principal",
    "PrincipalKind",
    "ReceiveConnector",
    "Recipient",
    "RecipientKind",
    "Server",
    "ServerRole",
    "TransportRole",
]
