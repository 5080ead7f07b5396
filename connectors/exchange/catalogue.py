"""What Exchange knows by name: extended rights, permission groups, auth mechanisms, principals, usage types.

Reference §1 (permission groups), §2 (extended rights), §3 (usage types), §4 (auth mechanisms). The tables here are
data; acl.py and receive.py apply them.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import ExchangeError
from .model import ACE, ExchangeVersion, Server

# --- Extended rights (§2) -------------------------------------------------------------------------------------------

SUBMIT = "ms-Exch-SMTP-Submit"
ACCEPT_ANY_RECIPIENT = "ms-Exch-SMTP-Accept-Any-Recipient"
ACCEPT_AUTHENTICATION_FLAG = "ms-Exch-SMTP-Accept-Authentication-Flag"
ACCEPT_ANY_SENDER = "ms-Exch-SMTP-Accept-Any-Sender"
ACCEPT_AUTHORITATIVE_DOMAIN_SENDER = "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender"
BYPASS_ANTI_SPAM = "ms-Exch-Bypass-Anti-Spam"
BYPASS_MESSAGE_SIZE_LIMIT = "ms-Exch-Bypass-Message-Size-Limit"
ACCEPT_EXCH50 = "ms-Exch-SMTP-Accept-Exch50"
ACCEPT_HEADERS_ROUTING = "ms-Exch-Accept-Headers-Routing"
ACCEPT_HEADERS_FOREST = "ms-Exch-Accept-Headers-Forest"
ACCEPT_HEADERS_ORGANIZATION = "ms-Exch-Accept-Headers-Organization"
ACCEPT_XSHADOW = "ms-Exch-SMTP-Accept-XShadow"
ACCEPT_XPROXYFROM = "ms-Exch-SMTP-Accept-XProxyFrom"
ACCEPT_XSESSIONPARAMS = "ms-Exch-SMTP-Accept-XSessionParams"
ACCEPT_XMESSAGECONTEXT_ADRECIPIENTCACHE = "ms-Exch-SMTP-Accept-XMessageContext-ADRecipientCache"
ACCEPT_XMESSAGECONTEXT_EXTENDEDPROPERTIES = "ms-Exch-SMTP-Accept-XMessageContext-ExtendedProperties"
ACCEPT_XMESSAGECONTEXT_FASTINDEX = "ms-Exch-SMTP-Accept-XMessageContext-FastIndex"
ACCEPT_XATTR = "ms-Exch-SMTP-Accept-XAttr"
ACCEPT_XSYSPROBE = "ms-Exch-SMTP-Accept-XSysProbe"

# Receive rights with their bit in Exchange's internal Permission enum (X-ENUM); RIGHTS is in bit order.
RIGHT_BITS: dict[str, int] = {
    SUBMIT: 0x1,
    ACCEPT_ANY_RECIPIENT: 0x4,
    ACCEPT_AUTHENTICATION_FLAG: 0x8,
    ACCEPT_ANY_SENDER: 0x10,
    ACCEPT_AUTHORITATIVE_DOMAIN_SENDER: 0x20,
    BYPASS_ANTI_SPAM: 0x40,
    BYPASS_MESSAGE_SIZE_LIMIT: 0x80,
    ACCEPT_EXCH50: 0x200,
    ACCEPT_HEADERS_ROUTING: 0x400,
    ACCEPT_HEADERS_FOREST: 0x800,
    ACCEPT_HEADERS_ORGANIZATION: 0x1000,
    ACCEPT_XSHADOW: 0x40000,
    ACCEPT_XPROXYFROM: 0x80000,
    ACCEPT_XSESSIONPARAMS: 0x100000,
    ACCEPT_XMESSAGECONTEXT_ADRECIPIENTCACHE: 0x200000,
    ACCEPT_XMESSAGECONTEXT_EXTENDEDPROPERTIES: 0x400000,
    ACCEPT_XMESSAGECONTEXT_FASTINDEX: 0x800000,
    ACCEPT_XATTR: 0x1000000,
    ACCEPT_XSYSPROBE: 0x2000000,
}
RIGHTS: tuple[str, ...] = tuple(RIGHT_BITS)

# Send-connector rights: valid for Add-ADPermission, masked out when a receive connector's groups are read (§2).
SEND_RIGHT_BITS: dict[str, int] = {
    "ms-Exch-SMTP-Submit-For-MLS": 0x2,
    "ms-Exch-SMTP-Send-Exch50": 0x100,
    "ms-Exch-Send-Headers-Routing": 0x2000,
    "ms-Exch-Send-Headers-Forest": 0x4000,
    "ms-Exch-Send-Headers-Organization": 0x8000,
    "Send-As": 0x10000,
    "ms-Exch-SMTP-Send-XShadow": 0x20000,
}
SEND_RIGHTS: tuple[str, ...] = tuple(SEND_RIGHT_BITS)

_RIGHT_LOOKUP = {name.casefold(): name for name in RIGHTS + SEND_RIGHTS}
# D-RC spells the internal rights ms-Exch-SMTP-Send-XMessageContext-*; the extended-right names say Accept (§12.2).
_RIGHT_LOOKUP.update(
    {
        name.replace("-Accept-", "-Send-").casefold(): name
        for name in (
            ACCEPT_XMESSAGECONTEXT_ADRECIPIENTCACHE,
            ACCEPT_XMESSAGECONTEXT_EXTENDEDPROPERTIES,
            ACCEPT_XMESSAGECONTEXT_FASTINDEX,
        )
    }
)


def canonical_right(name: str) -> str:
    """Exchange's spelling of an extended right, looked up case-insensitively; ExchangeError if unknown."""
    cleaned = str(name).strip().strip("\"'")
    found = _RIGHT_LOOKUP.get(cleaned.casefold())
    if found:
        return found
    close = difflib.get_close_matches(cleaned.casefold(), list(_RIGHT_LOOKUP), n=1, cutoff=0.8)
    hint = f" Did you mean {_RIGHT_LOOKUP[close[0]]}?" if close else ""
    raise ExchangeError(
        f'"{cleaned}" isn\'t a known extended right for connectors.{hint} Receive connector rights are: '
        f"{', '.join(RIGHTS)}.",
        "ExtendedRights",
    )


def rights_mask(rights: Iterable[str]) -> int:
    """The Permission bits of receive rights (send rights count 0, as Exchange masks them out on receive)."""
    mask = 0
    for right in rights:
        mask |= RIGHT_BITS.get(right, 0)
    return mask


# --- Flags enums and their text forms (§1.1, §4) ------------------------------------------------------------------


class PermissionGroup(enum.IntFlag):
    NONE = 0
    ANONYMOUS_USERS = 1
    EXCHANGE_USERS = 2
    EXCHANGE_SERVERS = 4
    EXCHANGE_LEGACY_SERVERS = 8
    PARTNERS = 16
    CUSTOM = 32


class AuthMechanism(enum.IntFlag):
    NONE = 0
    TLS = 1
    INTEGRATED = 2
    BASIC_AUTH = 4
    BASIC_AUTH_REQUIRE_TLS = 8
    EXCHANGE_SERVER = 16
    EXTERNAL_AUTHORITATIVE = 32


_GROUP_NAMES = {
    PermissionGroup.ANONYMOUS_USERS: "AnonymousUsers",
    PermissionGroup.EXCHANGE_USERS: "ExchangeUsers",
    PermissionGroup.EXCHANGE_SERVERS: "ExchangeServers",
    PermissionGroup.EXCHANGE_LEGACY_SERVERS: "ExchangeLegacyServers",
    PermissionGroup.PARTNERS: "Partners",
    PermissionGroup.CUSTOM: "Custom",
}
_AUTH_NAMES = {
    AuthMechanism.TLS: "Tls",
    AuthMechanism.INTEGRATED: "Integrated",
    AuthMechanism.BASIC_AUTH: "BasicAuth",
    AuthMechanism.BASIC_AUTH_REQUIRE_TLS: "BasicAuthRequireTLS",
    AuthMechanism.EXCHANGE_SERVER: "ExchangeServer",
    AuthMechanism.EXTERNAL_AUTHORITATIVE: "ExternalAuthoritative",
}


def _format_flags(value: int, names: dict) -> str:
    parts = [text for flag, text in names.items() if int(value) & flag]
    return ", ".join(parts) if parts else "None"


def _parse_flags(value, names: dict, flag_type, parameter: str) -> int:
    """Parse `Tls, BasicAuth`, ["Tls", "BasicAuth"] or an int, case-insensitively, as Exchange's enum binder does."""
    if isinstance(value, int):
        known = sum(int(flag) for flag in names)
        if value < 0 or int(value) & ~known:
            raise ExchangeError(f"{value} isn't a valid value for the {parameter} parameter.", parameter)
        return flag_type(value)
    items = str(value).split(",") if isinstance(value, str) else [str(item) for item in value]
    words = [item.strip() for item in items if item.strip()]
    lookup = {text.casefold(): flag for flag, text in names.items()}
    valid = ", ".join(["None", *names.values()])
    result = flag_type(0)
    for word in words:
        if word.casefold() == "none":
            if len(words) > 1:
                raise ExchangeError(f"The value None can't be combined with other values in {parameter}.", parameter)
            continue
        if word.casefold() not in lookup:
            raise ExchangeError(
                f'Cannot convert value "{word}" for the {parameter} parameter. Unable to match the identifier name '
                f"{word} to a valid enumerator name. Specify one of the following enumerator names and try again: "
                f"{valid}",
                parameter,
            )
        result |= lookup[word.casefold()]
    return result


def format_permission_groups(groups: int) -> str:
    """`ExchangeServers, ExchangeLegacyServers`, in Exchange's order; `None` for 0."""
    return _format_flags(groups, _GROUP_NAMES)


def parse_permission_groups(value) -> PermissionGroup:
    """Parse -PermissionGroups input. `Custom` is computed on read and can't be written (§1.1, X-NEW)."""
    groups = _parse_flags(value, _GROUP_NAMES, PermissionGroup, "PermissionGroups")
    if groups & PermissionGroup.CUSTOM:
        raise ExchangeError("You can't use Custom to specify PermissionGroups.", "PermissionGroups")
    return groups


def format_auth_mechanism(auth: int) -> str:
    """`Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer`; `None` for 0."""
    return _format_flags(auth, _AUTH_NAMES)


def parse_auth_mechanism(value) -> AuthMechanism:
    return _parse_flags(value, _AUTH_NAMES, AuthMechanism, "AuthMechanism")


def group_name(group: PermissionGroup) -> str:
    return _GROUP_NAMES[group]


# --- Principals (§1.2, §2.1, §9.3) --------------------------------------------------------------------------------

ANONYMOUS_LOGON = "NT AUTHORITY\\ANONYMOUS LOGON"
AUTHENTICATED_USERS = "NT AUTHORITY\\Authenticated Users"
EVERYONE = "Everyone"
PARTNER_SERVERS = "MS Exchange\\Partner Servers"
HUB_TRANSPORT_SERVERS = "MS Exchange\\Hub Transport Servers"
EDGE_TRANSPORT_SERVERS = "MS Exchange\\Edge Transport Servers"
EXTERNALLY_SECURED_SERVERS = "MS Exchange\\Externally Secured Servers"
LEGACY_EXCHANGE_SERVERS = "MS Exchange\\Legacy Exchange Servers"  # send connectors only (§1.2 notes)

_EXCHANGE_SID = "S-1-9-1419165041-1139599005-3936102811-1022490595"
WELL_KNOWN_SIDS: dict[str, str] = {
    ANONYMOUS_LOGON: "S-1-5-7",
    AUTHENTICATED_USERS: "S-1-5-11",
    EVERYONE: "S-1-1-0",
    PARTNER_SERVERS: f"{_EXCHANGE_SID}-10",
    HUB_TRANSPORT_SERVERS: f"{_EXCHANGE_SID}-21",
    EDGE_TRANSPORT_SERVERS: f"{_EXCHANGE_SID}-22",
    EXTERNALLY_SECURED_SERVERS: f"{_EXCHANGE_SID}-23",
    LEGACY_EXCHANGE_SERVERS: f"{_EXCHANGE_SID}-24",
}

# Localised names Windows shows for the same SIDs (German per §9.3; French and the bare forms are Windows' own).
_PRINCIPAL_ALIASES = {
    ANONYMOUS_LOGON: (
        "ANONYMOUS LOGON",
        "NT-AUTORITÄT\\ANONYMOUS-ANMELDUNG",
        "ANONYMOUS-ANMELDUNG",
        "AUTORITE NT\\ANONYMOUS LOGON",
    ),
    AUTHENTICATED_USERS: (
        "Authenticated Users",
        "NT-AUTORITÄT\\Authentifizierte Benutzer",
        "Authentifizierte Benutzer",
        "AUTORITE NT\\Utilisateurs authentifiés",
        "Utilisateurs authentifiés",
    ),
    EVERYONE: ("Jeder", "Tout le monde"),
}
_PRINCIPAL_LOOKUP = {name.casefold(): name for name in WELL_KNOWN_SIDS}
_PRINCIPAL_LOOKUP.update({sid.casefold(): name for name, sid in WELL_KNOWN_SIDS.items()})
_PRINCIPAL_LOOKUP.update({alias.casefold(): name for name, aliases in _PRINCIPAL_ALIASES.items() for alias in aliases})


def exchange_servers_group(netbios: str) -> str:
    return f"{netbios}\\Exchange Servers"


def legacy_interop_group(netbios: str) -> str:
    return f"{netbios}\\ExchangeLegacyInterop"


def canonical_principal(name: str, domain_netbios: str | None = None) -> str:
    """The canonical spelling of a principal: well-known names (any case, localised or as SID) and the domain's
    Exchange groups are normalised; `alice` becomes `CONTOSO\\alice` when the domain is given."""
    cleaned = " ".join(str(name).strip().strip("\"'").split())
    known = _PRINCIPAL_LOOKUP.get(cleaned.casefold())
    if known:
        return known
    domain, backslash, account = cleaned.rpartition("\\")
    if not backslash:
        return f"{domain_netbios}\\{cleaned}" if domain_netbios else cleaned
    if domain_netbios and domain.casefold() == domain_netbios.casefold():
        for group in (exchange_servers_group(domain_netbios), legacy_interop_group(domain_netbios)):
            if cleaned.casefold() == group.casefold():
                return group
        return f"{domain_netbios}\\{account}"
    return cleaned


def same_principal(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


# --- Permission-group presets (§1.2, §1.3) --------------------------------------------------------------------------

_ANONYMOUS_RIGHTS = (SUBMIT, ACCEPT_ANY_SENDER, ACCEPT_AUTHORITATIVE_DOMAIN_SENDER, ACCEPT_HEADERS_ROUTING)
_EXCHANGE_USERS_RIGHTS = (SUBMIT, ACCEPT_ANY_RECIPIENT, BYPASS_ANTI_SPAM, ACCEPT_HEADERS_ROUTING)
# Exchange 2007 didn't give users Accept-Headers-Routing (W-NINJA, RFC 2476).
_EXCHANGE_USERS_RIGHTS_E12 = (SUBMIT, ACCEPT_ANY_RECIPIENT, BYPASS_ANTI_SPAM)
_PARTNER_RIGHTS = (SUBMIT, ACCEPT_HEADERS_ROUTING)
# Externally Secured Servers and ExchangeLegacyInterop: the server set without the Forest/Organization headers.
_TRUSTED_RIGHTS = (
    SUBMIT,
    ACCEPT_ANY_RECIPIENT,
    ACCEPT_AUTHENTICATION_FLAG,
    ACCEPT_ANY_SENDER,
    ACCEPT_AUTHORITATIVE_DOMAIN_SENDER,
    BYPASS_ANTI_SPAM,
    BYPASS_MESSAGE_SIZE_LIMIT,
    ACCEPT_EXCH50,
    ACCEPT_HEADERS_ROUTING,
)
_SERVER_RIGHTS_E12 = (*_TRUSTED_RIGHTS, ACCEPT_HEADERS_FOREST, ACCEPT_HEADERS_ORGANIZATION)
_SERVER_RIGHTS_E14 = (*_SERVER_RIGHTS_E12, ACCEPT_XSHADOW)
_SERVER_RIGHTS_E15 = (
    *_SERVER_RIGHTS_E14,
    ACCEPT_XPROXYFROM,
    ACCEPT_XSESSIONPARAMS,
    ACCEPT_XMESSAGECONTEXT_ADRECIPIENTCACHE,
    ACCEPT_XMESSAGECONTEXT_EXTENDEDPROPERTIES,
    ACCEPT_XMESSAGECONTEXT_FASTINDEX,
    ACCEPT_XATTR,
    ACCEPT_XSYSPROBE,
)
_LEGACY_DENIED_RIGHTS = (ACCEPT_HEADERS_FOREST, ACCEPT_HEADERS_ORGANIZATION)


def server_rights(version: ExchangeVersion) -> tuple[str, ...]:
    """The ExchangeServers set for Hub/Edge transport SIDs, chosen by the version of the connector's server (§1.3)."""
    if version.is_e15_or_later:
        return _SERVER_RIGHTS_E15
    return _SERVER_RIGHTS_E14 if version.is_e14_or_later else _SERVER_RIGHTS_E12


def _exchange_users_rights(version: ExchangeVersion) -> tuple[str, ...]:
    return _EXCHANGE_USERS_RIGHTS if version.is_e14_or_later else _EXCHANGE_USERS_RIGHTS_E12


@dataclass(frozen=True)
class PresetGrant:
    """What one permission group gives one principal: Allow rights and (ExchangeLegacyServers only) Deny rights."""

    group: PermissionGroup
    principal: str
    allow: tuple[str, ...]
    deny: tuple[str, ...] = ()


def preset_grants(server: Server, domain_netbios: str) -> tuple[PresetGrant, ...]:
    """Every (group, principal) preset for a connector on `server`. Edge has no domain groups (§1.2)."""
    version = server.version
    grants = [
        PresetGrant(PermissionGroup.ANONYMOUS_USERS, ANONYMOUS_LOGON, _ANONYMOUS_RIGHTS),
        PresetGrant(PermissionGroup.EXCHANGE_USERS, AUTHENTICATED_USERS, _exchange_users_rights(version)),
    ]
    if not server.is_edge:
        grants.append(
            PresetGrant(
                PermissionGroup.EXCHANGE_SERVERS, exchange_servers_group(domain_netbios), server_rights(version)
            )
        )
    grants += [
        PresetGrant(PermissionGroup.EXCHANGE_SERVERS, HUB_TRANSPORT_SERVERS, server_rights(version)),
        PresetGrant(PermissionGroup.EXCHANGE_SERVERS, EDGE_TRANSPORT_SERVERS, server_rights(version)),
        PresetGrant(PermissionGroup.EXCHANGE_SERVERS, EXTERNALLY_SECURED_SERVERS, _TRUSTED_RIGHTS),
    ]
    if not server.is_edge:
        grants.append(
            PresetGrant(
                PermissionGroup.EXCHANGE_LEGACY_SERVERS,
                legacy_interop_group(domain_netbios),
                _TRUSTED_RIGHTS,
                _LEGACY_DENIED_RIGHTS,
            )
        )
    grants.append(PresetGrant(PermissionGroup.PARTNERS, PARTNER_SERVERS, _PARTNER_RIGHTS))
    return tuple(grants)


def predefined_right_sets(version: ExchangeVersion) -> frozenset[frozenset[str]]:
    """Right sets that count as a preset when another principal holds them (X-RC IsPredefinedPermissionGroup).
    The 2007 users set (no Accept-Headers-Routing) is a preset only on 2007, where ExchangeUsers writes it."""
    sets = (
        _ANONYMOUS_RIGHTS,
        _exchange_users_rights(version),
        _SERVER_RIGHTS_E12,
        _SERVER_RIGHTS_E14,
        _SERVER_RIGHTS_E15,
        _TRUSTED_RIGHTS,
        _PARTNER_RIGHTS,
    )
    return frozenset(frozenset(rights) for rights in sets)


def group_presets(group: int, server: Server, domain_netbios: str) -> tuple[ACE, ...]:
    """The ACEs Exchange writes for `group` (one flag or several) on a connector of `server`, with ACE.group set."""
    aces = []
    for grant in preset_grants(server, domain_netbios):
        if not group & grant.group:
            continue
        name = group_name(grant.group)
        aces += [ACE(grant.principal, right, group=name) for right in grant.allow]
        aces += [ACE(grant.principal, right, deny=True, group=name) for right in grant.deny]
    return tuple(aces)


# --- Usage types (§3) ---------------------------------------------------------------------------------------------

USAGES = ("Client", "Custom", "Internal", "Internet", "Partner")
ALL_IPV4_TEXT = "0.0.0.0-255.255.255.255"

_FULL_AUTH = (
    AuthMechanism.TLS
    | AuthMechanism.INTEGRATED
    | AuthMechanism.BASIC_AUTH
    | AuthMechanism.BASIC_AUTH_REQUIRE_TLS
    | AuthMechanism.EXCHANGE_SERVER
)
_CLIENT_AUTH = _FULL_AUTH & ~AuthMechanism.EXCHANGE_SERVER
_EDGE_AUTH = AuthMechanism.TLS | AuthMechanism.EXCHANGE_SERVER

MISSING_MANDATORY = "Cannot process command because of one or more missing mandatory parameters: {0}."
MISSING_CUSTOM = "Provide values for the Bindings and RemoteIPRanges parameters."
MISSING_INTERNET = (
    "You must specify a value for the Bindings parameter for connectors that are configured for Internet usage."
)
MISSING_INTERNAL = (
    "If you use the Internal switch, or if you set the value of the Usage parameter to Internal, you must also specify "
    "a value for the RemoteIPRanges parameter."
)
CLIENT_ON_EDGE = "The Client usage type isn't available on Edge Transport servers."


@dataclass(frozen=True)
class UsagePreset:
    """What New-ReceiveConnector does for a usage type on a given server (§3)."""

    usage: str  # canonical usage name, or "" for the no-usage parameter set
    permission_groups: int
    auth_mechanism: int
    required: tuple[str, ...]  # "Bindings", "RemoteIPRanges"
    missing_message: str  # Exchange's text when a required parameter is missing; {0}: the missing ones
    default_bindings: tuple[str, ...] = ()
    default_remote_ranges: tuple[str, ...] = (ALL_IPV4_TEXT,)
    settings: dict = field(default_factory=dict)  # other field defaults (model field names)
    reason: str = ""


def canonical_usage(usage: str | None) -> str:
    """`internet` -> `Internet`; None or "" -> "" (no usage switch). ExchangeError for anything else."""
    if not usage:
        return ""
    wanted = str(usage).strip().lstrip("-").casefold()
    for name in USAGES:
        if name.casefold() == wanted:
            return name
    raise ExchangeError(
        f'Cannot convert value "{usage}" for the Usage parameter. Unable to match the identifier name {usage} to a '
        f"valid enumerator name. Specify one of the following enumerator names and try again: {', '.join(USAGES)}",
        "Usage",
    )


def usage_preset(usage: str | None, server: Server) -> UsagePreset:
    """Default groups, auth, bindings and required parameters for a usage type on `server` (§3)."""
    name = canonical_usage(usage)
    edge = server.is_edge
    edge_settings = {"message_rate_limit": 600} if edge else {}
    if name == "Client":
        if edge:
            raise ExchangeError(CLIENT_ON_EDGE, "Usage")
        return UsagePreset(
            name,
            PermissionGroup.EXCHANGE_USERS,
            _CLIENT_AUTH,
            (),
            "",
            default_bindings=("0.0.0.0:587",),
            reason="Client usage: ExchangeUsers may authenticate and relay; port 587 unless Bindings are given.",
        )
    if name == "Custom":
        return UsagePreset(
            name,
            PermissionGroup.NONE,
            AuthMechanism.TLS,
            ("Bindings", "RemoteIPRanges"),
            MISSING_CUSTOM,
            settings=edge_settings,
            reason="Custom usage: no permission group, so nobody may submit until PermissionGroups or "
            "Add-ADPermission grants rights.",
        )
    if name == "Internal":
        # On Edge the ExchangeLegacyServers bit has no principal, so only ExchangeServers is written.
        groups = PermissionGroup.EXCHANGE_SERVERS
        if not edge:
            groups |= PermissionGroup.EXCHANGE_LEGACY_SERVERS
        return UsagePreset(
            name,
            groups,
            AuthMechanism.TLS | AuthMechanism.EXCHANGE_SERVER,
            ("RemoteIPRanges",),
            MISSING_INTERNAL,
            default_bindings=("0.0.0.0:25",),
            settings=edge_settings or {"size_enabled": "EnabledWithoutValue"},
            reason="Internal usage: Exchange servers authenticate with Exchange Server authentication.",
        )
    if name == "Internet":
        return UsagePreset(
            name,
            PermissionGroup.ANONYMOUS_USERS,
            AuthMechanism.TLS,
            ("Bindings",),
            MISSING_INTERNET,
            settings=edge_settings,
            reason="Internet usage: anonymous senders may deliver to accepted domains (no relay).",
        )
    if name == "Partner":
        return UsagePreset(
            name,
            PermissionGroup.PARTNERS,
            AuthMechanism.TLS,
            ("Bindings", "RemoteIPRanges"),
            MISSING_MANDATORY,
            settings={**edge_settings, "domain_secure_enabled": True},
            reason="Partner usage: mutual TLS (Domain Secure) partners get Partner Servers rights.",
        )
    if edge:
        groups = PermissionGroup.ANONYMOUS_USERS | PermissionGroup.EXCHANGE_SERVERS | PermissionGroup.PARTNERS
        auth = _EDGE_AUTH
    else:
        groups = (
            PermissionGroup.EXCHANGE_USERS | PermissionGroup.EXCHANGE_SERVERS | PermissionGroup.EXCHANGE_LEGACY_SERVERS
        )
        auth = _FULL_AUTH
    return UsagePreset(
        "",
        groups,
        auth,
        ("Bindings", "RemoteIPRanges"),
        MISSING_MANDATORY,
        settings=edge_settings,
        reason="No usage type: the groups and authentication Setup uses for its own connectors.",
    )
