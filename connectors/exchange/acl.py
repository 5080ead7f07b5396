"""A receive connector's ACL: permission groups, Add-/Remove-ADPermission, and who ends up with which right.

Reference §1.4 (how PermissionGroups is written and read back), §2.1 (session identity), §10 (Deny vs Allow).
An ACL is a tuple of model.ACE, one extended right per ACE; every function returns a new tuple.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .catalogue import (
    ANONYMOUS_LOGON,
    AUTHENTICATED_USERS,
    EDGE_TRANSPORT_SERVERS,
    EVERYONE,
    EXTERNALLY_SECURED_SERVERS,
    HUB_TRANSPORT_SERVERS,
    PARTNER_SERVERS,
    RIGHTS,
    WELL_KNOWN_SIDS,
    PermissionGroup,
    canonical_principal,
    canonical_right,
    exchange_servers_group,
    group_presets,
    legacy_interop_group,
    parse_permission_groups,
    predefined_right_sets,
    preset_grants,
)
from .directory_properties import INHERITANCE_TYPES
from .errors import ExchangeError
from .model import ACE, Organization, Server

NO_SUCH_PRINCIPAL = "The operation couldn't be performed because object '{0}' couldn't be found."

# --- Writing the ACL --------------------------------------------------------------------------------------------


def ace_identity(ace: ACE) -> tuple:
    """What identifies an ACE on a connector, as Add-ADPermission compares them and as the database's constraint
    unique_ace_per_connector does (store): the principal (case-insensitively), the right, Allow or Deny, explicit or
    inherited, and the ACE options that differ from the defaults. The writing permission group and the position are
    attributes, not identity."""
    return ace.principal.casefold(), ace.right, ace.deny, ace.inherited, _options_key(ace.options)


def _options_key(options: dict) -> tuple:
    """The ACE options (ACE.options: the ones that differ from the defaults) as part of what identifies an ACE: in
    Active Directory entries that differ in inheritance or object type are different entries."""
    return tuple((name, tuple(value) if isinstance(value, list) else value) for name, value in sorted(options.items()))


INHERITANCE_TYPE = (
    "Cannot bind parameter 'InheritanceType'. Cannot convert value \"{0}\" to type "
    '"System.DirectoryServices.ActiveDirectorySecurityInheritance". Error: "Unable to match the identifier name {0} '
    'to a valid enumerator name. Specify one of the following enumerator names and try again: {1}"'
)


def inheritance_type(value) -> str:
    """-InheritanceType as PowerShell converts a text to the .NET enum: a full name, case-insensitive, after trimming
    (no prefixes: docs/decisions.md); anything else is the binder's error."""
    written = str(getattr(value, "text", value)).strip()
    for name in INHERITANCE_TYPES:
        if name.casefold() == written.casefold():
            return name
    raise ExchangeError(INHERITANCE_TYPE.format(written, ", ".join(INHERITANCE_TYPES)), "InheritanceType")


def ace_options(
    inheritance: str = "All",
    inherited_object_type: str | None = None,
    child_object_types: Iterable[str] = (),
    object_properties: Iterable[str] = (),
) -> dict:
    """Add-/Remove-ADPermission's ACE options as ACE fields: the inheritance type converted, the schema object
    names trimmed (the lab doesn't know the schema, so any name is kept as written)."""

    def names(items) -> tuple[str, ...]:
        items = [items] if isinstance(items, str) else list(items or ())
        return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))

    return {
        "inheritance_type": inheritance_type(inheritance),
        "inherited_object_type": str(inherited_object_type).strip() or None if inherited_object_type else None,
        "child_object_types": names(child_object_types),
        "object_properties": names(object_properties),
    }


class _LastIndex(threading.local):
    """The ACL this thread wrote last and its ACEs by key. A script adds to one connector's ACL thousands of times;
    extending the last index instead of re-reading the whole ACL makes each Add-ADPermission cost its own ACEs, so
    a script is linear in its length, not quadratic."""

    acl: tuple[ACE, ...] | None = None
    entries: dict[tuple, ACE] | None = None


_LAST = _LastIndex()


def _index(acl: tuple[ACE, ...]) -> dict[tuple, ACE]:
    if acl is _LAST.acl:
        return _LAST.entries
    entries: dict[tuple, ACE] = {}
    for ace in acl:
        entries.setdefault(ace_identity(ace), ace)
    return entries


def _append_missing(acl: Iterable[ACE], new: Iterable[ACE]) -> tuple[ACE, ...]:
    acl = acl if isinstance(acl, tuple) else tuple(acl)
    entries = _index(acl)
    _LAST.acl = None  # `entries` may now grow past `acl`; it is stored again only with the tuple it describes
    added = []
    for ace in new:
        if entries.setdefault(ace_identity(ace), ace) is ace:
            added.append(ace)
    result = acl + tuple(added)
    _LAST.acl, _LAST.entries = result, entries
    return result


def explicit_aces(
    acl: tuple[ACE, ...],
    principal: str,
    rights: Iterable[str] | str,
    deny: bool,
    domain_netbios: str,
    options: dict | None = None,
):
    """The explicit ACEs of `acl` granting (or denying) `rights` to `principal` with these ACE options (ace_options),
    as Add-ADPermission prints them."""
    entries = _index(acl)
    who = canonical_principal(principal, domain_netbios).casefold()
    written = _options_key(ACE("", "", **(options or {})).options)
    found = (entries.get((who, right, deny, False, written)) for right in _rights(rights))
    return [ace for ace in found if ace is not None]


def apply_permission_groups(acl: Iterable[ACE], groups: int, server: Server, domain_netbios: str) -> tuple[ACE, ...]:
    """What -PermissionGroups writes (X-RC): drop the preset Allow ACEs of every preset principal, then add the
    selected groups' ACEs. Custom grants and Deny ACEs stay; preset rights removed earlier come back. A preset ACE the
    selected groups write again keeps its place (as the groups tag it), so writing the groups a connector has changes
    nothing, not even the order."""
    groups = parse_permission_groups(groups)
    preset_allows = {
        (grant.principal.casefold(), right) for grant in preset_grants(server, domain_netbios) for right in grant.allow
    }
    presets = tuple(group_presets(groups, server, domain_netbios))
    written: dict[tuple, ACE] = {}
    for ace in presets:
        written.setdefault(ace_identity(ace), ace)
    kept = []
    for ace in acl:
        if ace.inherited or ace.deny or ace.options or (ace.principal.casefold(), ace.right) not in preset_allows:
            kept.append(ace)
        elif ace_identity(ace) in written:
            kept.append(written.pop(ace_identity(ace)))
    return _append_missing(kept, written.values())  # the presets not yet in place, in the groups' order


def _rights(rights: Iterable[str] | str) -> list[str]:
    items = rights.split(",") if isinstance(rights, str) else list(rights)
    canonical = list(dict.fromkeys(canonical_right(item) for item in items if str(item).strip()))
    if not canonical:
        raise ExchangeError("Specify at least one extended right with the ExtendedRights parameter.", "ExtendedRights")
    return canonical


def add_ad_permission(
    acl: Iterable[ACE],
    principal: str,
    rights: Iterable[str] | str,
    deny: bool = False,
    domain_netbios: str | None = None,
    options: dict | None = None,
) -> tuple[ACE, ...]:
    """Add-ADPermission -User principal -ExtendedRights rights [-Deny] [ACE options: ace_options]; adding an ACE that
    exists changes nothing."""
    who = canonical_principal(principal, domain_netbios)
    return _append_missing(acl, (ACE(who, right, deny=deny, **(options or {})) for right in _rights(rights)))


def remove_ad_permission(
    acl: Iterable[ACE],
    principal: str,
    rights: Iterable[str] | str,
    deny: bool = False,
    domain_netbios: str | None = None,
    options: dict | None = None,
) -> tuple[ACE, ...]:
    """Remove-ADPermission: removes the explicit ACEs matching the user, the rights, Allow/Deny and the ACE options
    (InheritanceType All unless given, as the reference documents its default), whoever wrote them (a permission
    group included, as the anti-spoofing recipe relies on, §9.3). Nothing is removed if any requested ACE doesn't
    exist."""
    acl = tuple(acl)
    who = canonical_principal(principal, domain_netbios)
    written = ACE(who, "", deny=deny, **(options or {}))
    shape = _options_key(written.options)
    wanted = {(who.casefold(), right, deny, shape) for right in _rights(rights)}

    def key(ace: ACE) -> tuple:
        return ace.principal.casefold(), ace.right, ace.deny, _options_key(ace.options)

    explicit = {key(ace) for ace in acl if not ace.inherited}
    missing = [right for _, right, _, _ in sorted(wanted - explicit)]
    if missing:
        kind = "Deny" if deny else "Allow"
        inherited = any(key(ace) in wanted and ace.inherited for ace in acl)
        note = " It is inherited from a parent container; remove it there." if inherited else ""
        scope = f" with InheritanceType {written.inheritance_type}" if written.inheritance_type != "All" else ""
        others = sorted(
            {
                ace.inheritance_type
                for ace in acl
                if not ace.inherited
                and (ace.principal.casefold(), ace.right, ace.deny) == (who.casefold(), missing[0], deny)
                and ace.inheritance_type != written.inheritance_type
            }
        )
        if others and not note:
            note = (
                f" The entry on the object has InheritanceType {others[0]}; add -InheritanceType {others[0]} to "
                "remove it."
            )
        raise ExchangeError(
            f"The access control entry you want to remove doesn't exist on the object: {kind} {', '.join(missing)} "
            f'for "{who}"{scope}.{note}',
            "User",
        )
    return tuple(ace for ace in acl if ace.inherited or key(ace) not in wanted)


def known_principals(org: Organization) -> frozenset[str]:
    """Casefolded names every -User in this lab resolves to: the well-known principals (ANONYMOUS LOGON, MS
    Exchange\\Externally Secured Servers, ...), the domain's Exchange groups, the lab's principals and the groups
    they are members of (Domain Users exists in every domain). The set of the last directory asked for is kept per
    thread, so a script of N grants in a lab of P principals costs N + P, not N × P."""
    last = _LAST_DIRECTORY
    if last.principals is not org.principals or last.netbios != org.domain_netbios:
        last.names = frozenset(_directory_names(org))
        last.principals, last.netbios = org.principals, org.domain_netbios
    return last.names


class _LastDirectory(threading.local):
    principals: tuple | None = None
    netbios: str | None = None
    names: frozenset[str] = frozenset()


_LAST_DIRECTORY = _LastDirectory()


def _directory_names(org: Organization) -> set[str]:
    netbios = org.domain_netbios
    names = {*WELL_KNOWN_SIDS, exchange_servers_group(netbios), legacy_interop_group(netbios)}
    for principal in org.principals:
        names.add(canonical_principal(principal.name, netbios))
        names.update(canonical_principal(group, netbios) for group in principal.member_of)
    return {name.casefold() for name in names}


def resolve_principal(org: Organization, name: str) -> str:
    """The canonical name of -User `name`, or Exchange's object-not-found error (field "User") when the lab's
    directory has no such user or group."""
    who = canonical_principal(name, org.domain_netbios)
    if who.casefold() not in known_principals(org):
        raise ExchangeError(NO_SUCH_PRINCIPAL.format(" ".join(str(name).strip().strip("\"'").split())), "User")
    return who


# --- Session identity (§2.1) --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionIdentity:
    """Who an SMTP session runs as, and every principal whose ACEs apply to it (the user and its token groups)."""

    kind: str  # "anonymous" | "externally_secured" | "partner" | "exchange_server" | "account" | "principal"
    name: str
    principals: frozenset[str]

    @classmethod
    def anonymous(cls) -> SessionIdentity:
        # Windows leaves Everyone out of the anonymous token (EveryoneIncludesAnonymous is off by default).
        return cls("anonymous", ANONYMOUS_LOGON, frozenset({ANONYMOUS_LOGON}))

    @classmethod
    def externally_secured(cls) -> SessionIdentity:
        return cls("externally_secured", EXTERNALLY_SECURED_SERVERS, frozenset({EXTERNALLY_SECURED_SERVERS}))

    @classmethod
    def partner(cls, domain: str) -> SessionIdentity:
        return cls("partner", domain, frozenset({PARTNER_SERVERS}))

    @classmethod
    def exchange_server(cls, server: Server, netbios: str) -> SessionIdentity:
        """Another Exchange server after X-EXPS: the Edge SID, or the Hub SID and <Domain>\\Exchange Servers."""
        if server.is_edge:
            return cls("exchange_server", server.name, frozenset({EDGE_TRANSPORT_SERVERS}))
        return cls("exchange_server", server.name, frozenset({HUB_TRANSPORT_SERVERS, exchange_servers_group(netbios)}))

    @classmethod
    def account(cls, principal: str, org: Organization) -> SessionIdentity:
        """An authenticated account: the user, its groups (transitively), Authenticated Users and Everyone."""
        netbios = org.domain_netbios
        user = canonical_principal(principal, netbios)
        found = org.principal(user)
        token = {found.name if found else user}
        pending = list(found.member_of if found else ())
        while pending:
            group = canonical_principal(pending.pop(), netbios)
            member = org.principal(group)
            name = member.name if member else group
            if name not in token:
                token.add(name)
                pending += member.member_of if member else ()
        return cls("account", found.name if found else user, frozenset(token | {AUTHENTICATED_USERS, EVERYONE}))

    @classmethod
    def principal(cls, name: str) -> SessionIdentity:
        """Exactly one principal, no token groups: how Exchange evaluates a preset principal on read-back."""
        return cls("principal", name, frozenset({name}))


# --- Effective rights (§10) ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RightDecision:
    right: str
    allowed: bool
    ace: ACE | None  # the ACE that decided, None when nothing applies
    reason: str


@dataclass(frozen=True)
class RightsResult:
    decisions: dict[str, RightDecision]  # every receive right, in RIGHTS order

    def has(self, right: str) -> bool:
        return self.decisions[canonical_right(right)].allowed

    @property
    def allowed_rights(self) -> tuple[str, ...]:
        return tuple(right for right, decision in self.decisions.items() if decision.allowed)


def _canonical_rank(ace: ACE) -> int:
    """Windows canonical order: explicit Deny, explicit Allow, inherited Deny, inherited Allow (T-ACE)."""
    return 2 * ace.inherited + (not ace.deny)


def _ace_reason(ace: ACE) -> str:
    if ace.deny:
        level = "an inherited" if ace.inherited else "an explicit"
        via = f" (permission group {ace.group})" if ace.group else ""
        return f"denied by {level} Deny ACE for {ace.principal}{via}"
    if ace.inherited:
        return f"granted by an ACE for {ace.principal} inherited from a parent container"
    if ace.group:
        return f"granted by permission group {ace.group} to {ace.principal}"
    return f"granted by Add-ADPermission to {ace.principal}"


def _overridden(ace: ACE) -> str:
    """The losing ACE, worded to follow "so it overrides" without nesting parentheses in the reason. A Deny only
    loses to an explicit Allow, so it is an inherited one."""
    if ace.deny:
        return f"the inherited Deny ACE for {ace.principal}"
    if ace.inherited:
        return f"the inherited grant to {ace.principal}"
    if ace.group:
        return f"the grant by permission group {ace.group} to {ace.principal}"
    return f"the Add-ADPermission grant to {ace.principal}"


def _precedence(winner: ACE, beaten: ACE) -> str:
    """The canonical-order rule by which `winner` overrides `beaten` (they differ in Deny/Allow)."""
    if not winner.deny:
        return "an explicit Allow beats an inherited Deny"
    if winner.inherited:
        return "an inherited Deny beats an inherited Allow"
    return "an explicit Deny beats an Allow"


def _inherit_only(skipped: list[ACE]) -> str:
    """Why inherit-only ACEs decide nothing: they apply to the objects below the one they are on, and a receive
    connector is a leaf object in Active Directory (it has no child objects)."""
    ace = skipped[0]
    kind = "Deny" if ace.deny else "Allow"
    more = f" (and {len(skipped) - 1} more like it)" if len(skipped) > 1 else ""
    return (
        f"the {kind} ACE for {ace.principal} with InheritanceType {ace.inheritance_type}{more} is inherit-only: it "
        "applies only to objects below the connector, and a receive connector has none, so it is skipped"
    )


def _decide(right: str, aces: list[ACE], identity: SessionIdentity, skipped: list[ACE] = ()) -> RightDecision:
    if not aces:
        whom = identity.name if len(identity.principals) == 1 else f"{identity.name} or any group in its token"
        reason = f"not granted: no ACE for {whom} gives this right"
        if skipped:
            reason = f"not granted: no ACE for {whom} gives this right on the connector; {_inherit_only(skipped)}"
        return RightDecision(right, False, None, reason)
    aces.sort(key=_canonical_rank)
    winner = aces[0]
    reason = _ace_reason(winner)
    beaten = next((ace for ace in aces[1:] if ace.deny != winner.deny), None)
    if beaten:
        reason += f"; {_precedence(winner, beaten)}, so it overrides {_overridden(beaten)}"
    if skipped:
        reason += f"; {_inherit_only(skipped)}"
    return RightDecision(right, not winner.deny, winner, reason)


def effective_rights(acl: Iterable[ACE], identity: SessionIdentity) -> RightsResult:
    """Every receive right for the identity's token, decided the way Windows AuthZ decides over a canonical DACL.
    An inherit-only ACE (InheritanceType Descendents or Children) doesn't apply to the connector itself: it decides
    nothing, and the decision says it was skipped."""
    token = {name.casefold() for name in identity.principals}
    by_right: dict[str, list[ACE]] = {right: [] for right in RIGHTS}
    skipped: dict[str, list[ACE]] = {}
    for ace in acl:
        if ace.right in by_right and ace.principal.casefold() in token:
            if ace.inherit_only:
                skipped.setdefault(ace.right, []).append(ace)
            else:
                by_right[ace.right].append(ace)
    return RightsResult(
        {right: _decide(right, aces, identity, skipped.get(right, ())) for right, aces in by_right.items()}
    )


def effective_matrix(acl: Iterable[ACE], principals: Iterable[str | SessionIdentity]) -> dict[str, RightsResult]:
    """For the UI matrix: {principal or identity name: its rights}. A plain name is evaluated on its own ACEs."""
    acl = tuple(acl)
    result = {}
    for who in principals:
        identity = who if isinstance(who, SessionIdentity) else SessionIdentity.principal(who)
        result[identity.name] = effective_rights(acl, identity)
    return result


# --- Reading PermissionGroups back (§1.4) -------------------------------------------------------------------------


def read_permission_groups(acl: Iterable[ACE], server: Server, domain_netbios: str) -> int:
    """What Get-ReceiveConnector shows: a group when all its principals hold at least its preset, plus Custom when a
    preset principal holds another non-empty set or another explicit principal holds a set that is no preset (X-RC)."""
    acl = tuple(acl)
    grants = preset_grants(server, domain_netbios)
    held = {
        grant.principal: frozenset(effective_rights(acl, SessionIdentity.principal(grant.principal)).allowed_rights)
        for grant in grants
    }
    groups = PermissionGroup.NONE
    for group in PermissionGroup:
        own = [grant for grant in grants if grant.group is group]
        if own and all(held[grant.principal] >= set(grant.allow) for grant in own):
            groups |= group
    custom = any(held[grant.principal] and held[grant.principal] != set(grant.allow) for grant in grants)
    preset_names = {grant.principal.casefold() for grant in grants}
    others = {ace.principal for ace in acl if not ace.inherited and ace.principal.casefold() not in preset_names}
    predefined = predefined_right_sets(server.version)
    for principal in others:
        rights = frozenset(effective_rights(acl, SessionIdentity.principal(principal)).allowed_rights)
        custom = custom or (bool(rights) and rights not in predefined)
    return groups | PermissionGroup.CUSTOM if custom else groups
