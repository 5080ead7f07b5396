"""What Exchange exported, as an engine Organization: the import's mapping half (issue 13). Pure: it takes the
SourceObjects importsources.read_sources reads from Export-Clixml, Format-List and CSV files, and gives the
Organization and what the import report says about it, or refuses the whole import (ImportRefused) with every
problem named by file, object (its Identity) and property, in Exchange's words.

Every value goes through the property catalogue (property_rows.py: Property.parse reads Export-Clixml, Format-List and
CSV text) and the engine's validators; nothing here lists properties again. Which objects are which:
- Get-ExchangeServer gives servers (their version: builds.py); without it, each connector's Server makes one.
- Get-ReceiveConnector gives connectors. The same connector in two files must agree, property by property.
- Get-ADPermission gives each connector's ACL exactly (explicit and inherited, Allow and Deny); without it a
  connector's ACL is what Exchange writes for its PermissionGroups (acl.apply_permission_groups).
- Get-MailboxServer gives MAPIEncryptionRequired and the other Set-MailboxServer settings; Get-AcceptedDomain,
  Get-TransportConfig, Get-RecipientFilterConfig give the rest of the organisation, recipients and group memberships
  its principals (importdirectory.py).
The problems, the report and reading each value once through the catalogue are importvalues.py's.
See docs/decisions.md ("Importing what Exchange exported") for the choices the exports leave open.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from . import builds, importdirectory
from .acl import ace_options, apply_permission_groups, read_permission_groups
from .catalogue import (
    PermissionGroup,
    canonical_principal,
    canonical_right,
    format_permission_groups,
)
from .directory_properties import AD_PERMISSION, GROUP_MEMBER, RECIPIENT
from .errors import ExchangeError
from .importvalues import Exported, ImportRefused, ImportReport, ImportResult, Mapper, Problem, exported, hashable
from .limits import lab_wide_text_errors
from .model import (
    ACE,
    ExchangeVersion,
    Organization,
    ReceiveConnector,
    Server,
    ServerRole,
)
from .organization_properties import ACCEPTED_DOMAIN, RECIPIENT_FILTER, TRANSPORT_SETTINGS, organization_defaults
from .property_rows import Property, PropertySet
from .receive import default_connectors, validate_receive_connector
from .receive_connector_properties import RECEIVE_CONNECTOR
from .server_properties import SERVER
from .servers import parse_server_roles, validate_server

# The kinds importsources recognises, and the catalogue rows that read each one's properties.
PROPERTY_SETS: dict[str, PropertySet] = {
    "ExchangeServer": SERVER,
    "MailboxServer": SERVER,
    "ReceiveConnector": RECEIVE_CONNECTOR,
    "ADPermission": AD_PERMISSION,
    "AcceptedDomain": ACCEPTED_DOMAIN,
    "TransportConfig": TRANSPORT_SETTINGS,
    "RecipientFilterConfig": RECIPIENT_FILTER,
    "Recipient": RECIPIENT,
    "GroupMember": GROUP_MEMBER,
}
# Properties read to find an object (its Identity, its server) rather than as a setting of it.
_LOCATING = {"identity", "server", "name"}
# Get-ExchangeServer's ServerRole flags the model has no role for (UM, monitoring, Setup's states): left out, noted.
_OTHER_ROLES = {"unifiedmessaging", "monitoring", "provisionedserver", "cafe", "frontendtransport", "none"}
_CONNECTOR_DN = re.compile(r"CN=([^,]+),CN=SMTP Receive Connectors,CN=Protocols,CN=([^,]+),", re.IGNORECASE)


# --- Connectors: one per (server, name), the same in every file that has it ---------------------------------------


def _connector_key(obj: Exported) -> tuple[str, str] | None:
    identity = obj.identity
    server, backslash, name = identity.partition("\\")
    if not backslash:
        match = _CONNECTOR_DN.search(identity)
        if match:
            name, server = match.group(1), match.group(2)
    server = str(obj.get("Server") or server).strip()
    name = str(obj.get("Name") or name).strip()
    return (server, name) if server and name else None


def _merge_connectors(mapper: Mapper, objects: list[Exported]) -> dict[tuple[str, str], Exported]:
    """The connectors by (server, name) casefolded; two exports of one connector are merged when they agree and a
    problem naming both files when a property differs."""
    merged: dict[tuple[str, str], Exported] = {}
    for obj in objects:
        key = _connector_key(obj)
        if key is None:
            mapper.problem(obj, "Identity", "This receive connector has no Identity (Server\\Name) or Server and Name.")
            continue
        obj.identity = f"{key[0]}\\{key[1]}"
        folded = (key[0].casefold(), key[1].casefold())
        first = merged.get(folded)
        if first is None:
            merged[folded] = obj
            continue
        for name, (spelling, value) in obj.properties.items():
            if name in first.properties and not _same(first.properties[name][1], value, name, mapper):
                mapper.problem(
                    obj,
                    spelling,
                    f"The files disagree about this connector: {spelling} is {_shown(first.properties[name][1])} "
                    f"in {first.source} ({first.position}) and {_shown(value)} here. Import exports of one "
                    "collection only.",
                )
        first.properties = {**obj.properties, **first.properties}
    return merged


def _same(a, b, name: str, mapper: Mapper) -> bool:
    if hashable(a) == hashable(b):
        return True
    prop = RECEIVE_CONNECTOR.by_name(name)
    if prop is None:
        return str(a).strip() == str(b).strip()
    try:  # the same value in another spelling: 36 MB (37,748,736 bytes) and 37748736
        return mapper.values.parse(prop, a) == mapper.values.parse(prop, b)
    except ExchangeError:
        return False


def _shown(value) -> str:
    text = "{" + ", ".join(map(str, value)) + "}" if isinstance(value, list) else str(value)
    return f"'{text if len(text) <= 60 else text[:59] + '…'}'"


# --- Servers -----------------------------------------------------------------------------------------------------


@dataclass
class _ServerFacts:
    name: str
    obj: Exported | None = None  # its Get-ExchangeServer object
    connectors: list[Exported] = field(default_factory=list)


def _same_server(a: Exported, b: Exported) -> bool:
    """Whether two exports of one server agree on what the lab takes from them (the DistinguishedName of an Edge
    server's own export is in its AD LDS instance, so it differs and is not compared)."""
    return all(
        str(a.get(name) or "").strip().casefold() == str(b.get(name) or "").strip().casefold()
        for name in ("AdminDisplayVersion", "ServerRole", "Fqdn", "IsEdgeServer")
    )


def _server_roles(mapper: Mapper, obj: Exported, version: ExchangeVersion, texts) -> frozenset[ServerRole]:
    names = [str(t).strip() for t in texts if str(t).strip()]
    other = [n for n in names if n.casefold() in _OTHER_ROLES]
    if other:
        mapper.report.note(f"Server roles exchsim doesn't model were left out: {', '.join(sorted(set(other)))}.")
    try:
        roles = set(parse_server_roles(n for n in names if n.casefold() not in _OTHER_ROLES))
    except ExchangeError as error:
        mapper.problem(obj, "ServerRole", error.message)
        return frozenset()
    if version.rank >= ExchangeVersion.E2016.rank and ServerRole.MAILBOX in roles:
        roles.discard(ServerRole.CLIENT_ACCESS)  # 2016's Mailbox role holds the client access services
    return frozenset(roles)


def _server_from_export(mapper: Mapper, facts: _ServerFacts, bounds: builds.Bounds) -> Server | None:
    obj = facts.obj
    values = mapper.read(obj, SERVER)
    version = None
    shown = obj.get("AdminDisplayVersion")
    if shown:
        try:
            version = builds.version_of(shown)
        except ExchangeError as error:
            mapper.problem(obj, "AdminDisplayVersion", error.message)
            return None
        if version.rank < bounds.low.rank:  # a property it lacks is no disagreement: an earlier CU (builds.py)
            mapper.problem(
                obj,
                "AdminDisplayVersion",
                f"{shown} is {version.label}, but {bounds.low_reason}: the files disagree about this server.",
            )
            return None
        if mapper.stated is not None and mapper.stated is not version:
            mapper.report.note(
                f"Server {facts.name} runs {version.label} by its AdminDisplayVersion ({shown}); --version "
                f"{mapper.stated.value} only decides for servers the files don't settle."
            )
    else:
        try:
            version = builds.settle(facts.name, bounds, mapper.stated)
        except ExchangeError as error:
            mapper.problem(obj, "AdminDisplayVersion", error.message)
            return None
    edge = bool(values.get("is_edge"))
    roles = _server_roles(mapper, obj, version, values.get("roles") or ())
    if edge and ServerRole.EDGE not in roles:
        roles = frozenset({ServerRole.EDGE})
    return Server(
        str(values.get("name") or facts.name),
        str(values.get("fqdn") or ""),
        version,
        roles,
        tuple(values.get("ip_addresses") or ()),
    )


def _server_from_connectors(mapper: Mapper, facts: _ServerFacts, bounds: builds.Bounds, domain: str):
    """A server no Get-ExchangeServer export describes, made from its connectors: the version they show (or
    --version), the roles its connectors' transport services need, its FQDN from the connectors' Fqdn."""
    first = facts.connectors[0]
    try:
        version = builds.settle(facts.name, bounds, mapper.stated)
    except ExchangeError as error:
        mapper.problem(first, "Version", error.message)
        return None
    names = {str(c.get("Name") or "").casefold() for c in facts.connectors}
    if f"default internal receive connector {facts.name}".casefold() in names:
        roles = {ServerRole.EDGE}
    elif version.rank >= ExchangeVersion.E2016.rank:
        roles = {ServerRole.MAILBOX}
    elif version is ExchangeVersion.E2013:
        frontend = any(str(c.get("TransportRole") or "").casefold().startswith("frontend") for c in facts.connectors)
        roles = {ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS} if frontend else {ServerRole.MAILBOX}
    else:
        roles = {ServerRole.HUB_TRANSPORT}
    own = facts.name.casefold() + "."
    fqdns = Counter(
        str(c.get("Fqdn")).lower() for c in facts.connectors if str(c.get("Fqdn") or "").casefold().startswith(own)
    )
    fqdn = fqdns.most_common(1)[0][0] if fqdns else (f"{facts.name.lower()}.{domain}" if domain else facts.name.lower())
    mapper.report.note(
        f"Server {facts.name} was made from its connectors (no Get-ExchangeServer export): {version.label}, "
        f"roles {', '.join(sorted(r.value for r in roles))}, FQDN {fqdn}."
    )
    return Server(facts.name, fqdn, version, frozenset(roles))


def _ip_addresses(server: Server, connectors: Iterable[ReceiveConnector]) -> tuple[str, ...]:
    """A server's addresses when the export doesn't say them: those its connectors bind to by address."""
    if server.ip_addresses:
        return server.ip_addresses
    found = dict.fromkeys(b.text.rpartition(":")[0].strip("[]") for c in connectors for b in c.bindings)
    return tuple(a for a in found if a not in ("0.0.0.0", "::"))


# --- Connectors and their ACLs ------------------------------------------------------------------------------------


def _setup_names(server: Server, netbios: str) -> dict[str, ReceiveConnector]:
    """Setup's connectors on `server` by name: an imported one of those names was created by Setup."""
    return {c.name.casefold(): c for c in default_connectors(server, netbios)}


class _Written:
    """What -PermissionGroups writes, once per (server, groups): a thousand connectors share a few group sets."""

    def __init__(self, netbios: str):
        self.netbios = netbios
        self._cache: dict = {}
        self._read: dict = {}

    def read_back(self, server: Server, acl: tuple[ACE, ...]) -> int:
        """PermissionGroups as Exchange reads it from `acl`, once per distinct ACL on servers alike."""
        key = (server.version, server.is_edge, acl)
        if key not in self._read:
            self._read[key] = read_permission_groups(acl, server, self.netbios)
        return self._read[key]

    def acl(self, server: Server, groups: int) -> tuple[ACE, ...]:
        key = (server, int(groups))
        if key not in self._cache:
            self._cache[key] = apply_permission_groups((), groups, server, self.netbios)
        return self._cache[key]


def _connector(mapper: Mapper, obj: Exported, server: Server, setup: dict) -> tuple[ReceiveConnector, int] | None:
    """The connector an export describes on `server` and the PermissionGroups it shows (Custom included); None,
    with the problems recorded, when a value doesn't parse."""
    before = len(mapper.problems)
    values = {}
    for key, (name, raw) in obj.properties.items():
        prop = RECEIVE_CONNECTOR.by_name(key)
        if prop is None:
            mapper.unused("ReceiveConnector", name)
            continue
        if key in _LOCATING:
            continue
        if not prop.has(server.version, server.is_edge):
            mapper.unused("ReceiveConnector", name)  # e.g. a Mailbox-only one on Edge (a later version's: builds.py)
            continue
        try:
            if key == "permissiongroups":
                values[prop.field] = _shown_groups(mapper, prop, raw)
                continue
            values[prop.field] = mapper.values.parse(prop, raw)
        except ExchangeError as error:
            mapper.problem(obj, prop.name, error.message)
    if len(mapper.problems) > before:
        return None
    name = str(obj.get("Name") or obj.identity.partition("\\")[2])
    defaults = {
        prop.field: prop.default_for(server.version, edge=server.is_edge)
        for prop in RECEIVE_CONNECTOR
        if prop.field not in values and prop.field not in ("server", "name", "identity")
    }
    shown_groups = values.pop("permission_groups_written", defaults.pop("permission_groups_written", 0))
    setup_twin = setup.get(name.casefold())
    usage = setup_twin.usage if setup_twin else "Custom"
    return ReceiveConnector(
        server=server.name,
        name=name,
        usage=usage,
        created_by_setup=setup_twin is not None,
        **{**defaults, **values, "permission_groups_written": shown_groups & ~PermissionGroup.CUSTOM},
    ), int(shown_groups)


def _shown_groups(mapper: Mapper, prop: Property, raw) -> int:
    """PermissionGroups as Get-ReceiveConnector reads it back: the groups, and Custom (which only reading shows, and
    no cmdlet takes) when the ACL holds other grants."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    names = [str(item).strip() for item in items if str(item).strip()]
    custom = any(name.casefold() == "custom" for name in names)
    rest = [name for name in names if name.casefold() != "custom"]
    groups = mapper.values.parse(prop, ", ".join(rest) or "None")
    return groups | PermissionGroup.CUSTOM if custom else groups


def _aces(mapper: Mapper, objects: list[Exported], netbios: str) -> dict[tuple[str, str], list[ACE]]:
    """Get-ADPermission's entries by connector (server, name casefolded), one ACE per extended right."""
    acls: dict[tuple[str, str], list[ACE]] = defaultdict(list)
    skipped = 0
    for obj in objects:
        key = _connector_key_of_ace(obj)
        if key is None:
            mapper.problem(obj, "Identity", "This permission entry doesn't say which receive connector it is on.")
            continue
        values = mapper.read(obj, AD_PERMISSION)
        user = str(values.get("principal") or "").strip()
        if not user:
            mapper.problem(obj, "User", "This permission entry names no user or group.")
            continue
        rights = values.get("rights") or ()
        if not rights:
            skipped += 1  # AccessRights only (ReadProperty, GenericAll…): no SMTP right, not modelled
            continue
        principal = canonical_principal(user, netbios)
        options = _exported_options(values)
        for right in rights:
            try:
                canonical = canonical_right(right)
            except ExchangeError:
                skipped += 1  # an extended right of another kind (e.g. ms-Exch-EPI-Token-Serialization)
                continue
            deny, inherited = bool(values.get("deny")), bool(values.get("inherited"))
            acls[key].append(ACE(principal, canonical, deny, inherited, **options))
    if skipped:
        mapper.report.note(
            f"{skipped:,} permission entries without a receive or send connector right (AccessRights only, or "
            "another object's extended rights) were left out: they don't decide what SMTP sessions may do."
        )
    return acls


def _exported_options(values: dict) -> dict:
    """The ACE options an export shows (InheritanceType in Export-Clixml and Export-Csv, the object types where
    present), as Add-ADPermission would write them; absent ones are the defaults."""
    return ace_options(
        values.get("inheritance_type") or "All",
        values.get("inherited_object_type"),
        values.get("child_object_types") or (),
        values.get("object_properties") or (),
    )


def _connector_key_of_ace(obj: Exported) -> tuple[str, str] | None:
    identity = obj.identity
    match = _CONNECTOR_DN.search(identity)
    if match:
        return match.group(2).casefold(), match.group(1).casefold()
    server, backslash, name = identity.partition("\\")
    return (server.strip().casefold(), name.strip().casefold()) if backslash and server and name else None


def _with_acl(
    mapper: Mapper,
    obj: Exported,
    connector: ReceiveConnector,
    shown_groups: int,
    server: Server,
    written_acls: _Written,
    exported: list[ACE] | None,
) -> ReceiveConnector:
    """The connector with its ACL: the exported ACEs as they are (each marked with the permission group that writes
    it, as exchsim records), or, without an export, what Exchange writes for its PermissionGroups."""
    written = written_acls.acl(server, connector.permission_groups_written)
    if exported is None:
        if shown_groups & PermissionGroup.CUSTOM:
            mapper.report.note(
                "Some connectors show PermissionGroups Custom: their own ACEs are only in a Get-ADPermission "
                "export, so without one they got only their groups' ACEs."
            )
        return connector.with_changes(acl=written)
    groups = {(a.principal.casefold(), a.right, a.deny): a.group for a in written}
    acl = tuple(  # a permission group writes ACEs without options: one with options is Add-ADPermission's
        ace if ace.inherited or ace.options else replace(ace, group=groups.get(_ace_key(ace))) for ace in exported
    )
    read_back = written_acls.read_back(server, acl)
    if read_back != shown_groups:
        mapper.report.note(
            f"{connector.identity}: PermissionGroups is {format_permission_groups(shown_groups) or 'None'} in the "
            f"export, and its exported ACEs read back as {format_permission_groups(read_back) or 'None'}; the ACEs "
            "were kept as exported."
        )
    return connector.with_changes(acl=acl)


def _ace_key(ace: ACE) -> tuple:
    return ace.principal.casefold(), ace.right, ace.deny


# --- The whole import -------------------------------------------------------------------------------------------


def import_organization(sources: Iterable, version: ExchangeVersion | None = None) -> ImportResult:
    """SourceObjects (from any number of files) -> the Organization they describe and the import report;
    ImportRefused with every problem when anything doesn't map or validate (nothing of it may be saved)."""
    mapper = Mapper(version)
    objects: dict[str, list[Exported]] = defaultdict(list)
    for source in sources:
        if source.kind not in PROPERTY_SETS:
            mapper.problems.append(
                Problem(source.source, source.position, "", "", f"exchsim doesn't import {source.kind} objects.")
            )
            continue
        if source.source not in mapper.report.files:
            mapper.report.files.append(source.source)
        mapper.report.objects[source.kind] += 1
        objects[source.kind].append(exported(source))
    if not objects and not mapper.problems:
        mapper.problem(None, "", "These files hold no Exchange objects: there is nothing to make a lab of.")
    if mapper.problems:
        raise ImportRefused(mapper.problems)
    org = _map(mapper, objects)
    if mapper.problems:
        raise ImportRefused(mapper.problems)
    report = mapper.report
    report.servers, report.connectors = len(org.servers), len(org.connectors)
    report.aces = sum(len(c.acl) for c in org.connectors)
    report.domains, report.recipients = len(org.accepted_domains), len(org.recipients)
    report.principals = len(org.principals)
    return ImportResult(org, report)


def _mailbox_names(server: Server) -> tuple[str, ...]:
    return tuple(prop.name for prop in server.mailbox_settings())


def _map(mapper: Mapper, objects: dict[str, list[Exported]]) -> Organization:
    netbios = importdirectory.netbios_name(objects)
    connectors = _merge_connectors(mapper, objects.get("ReceiveConnector", []))
    facts: dict[str, _ServerFacts] = {}
    for obj in objects.get("ExchangeServer", []):
        name = str(obj.get("Name") or obj.identity).strip()
        if name.casefold() in facts:
            first = facts[name.casefold()].obj
            if first.source == obj.source:
                mapper.problem(obj, "Name", f"Server {name} is in the files twice.")
            elif not _same_server(first, obj):  # else the organisation's export and the Edge server's own list it
                mapper.problem(
                    obj,
                    "Name",
                    f"The files disagree about server {name}: it isn't the same in {first.source} ({first.position}) "
                    "and here. Import exports of one collection only.",
                )
            continue
        obj.identity = name
        facts[name.casefold()] = _ServerFacts(name, obj)
    for (server_key, _), obj in connectors.items():
        facts.setdefault(server_key, _ServerFacts(obj.identity.partition("\\")[0])).connectors.append(obj)
    domains = importdirectory.accepted_domains(mapper, objects.get("AcceptedDomain", []))
    default_domain = next((d.domain_name for d in domains if d.default), domains[0].domain_name if domains else "")
    servers: dict[str, Server] = {}
    for key, fact in facts.items():
        bounds = builds.bounds_for((c.identity, {n: v for n, v in c.properties.values()}) for c in fact.connectors)
        server = (
            _server_from_export(mapper, fact, bounds)
            if fact.obj
            else _server_from_connectors(mapper, fact, bounds, default_domain)
        )
        if server is not None:
            servers[key] = server
    for obj in objects.get("MailboxServer", []):
        name = str(obj.get("Name") or obj.identity).strip()
        server = servers.get(name.casefold())
        if server is None:
            mapper.read(obj, SERVER, names=("MAPIEncryptionRequired",))
            mapper.problem(obj, "Identity", f"The Mailbox server {name} isn't among the imported servers.")
            continue
        # Set-MailboxServer's settings the server's version has (the others: a later version's, counted unused)
        values = mapper.read(obj, SERVER, names=("MAPIEncryptionRequired", *_mailbox_names(server)))
        mapper.check(obj, SERVER, values)
        if values:
            servers[name.casefold()] = replace(server, **values)
    exported_acls = _aces(mapper, objects["ADPermission"], netbios) if objects.get("ADPermission") else None
    built: list[ReceiveConnector] = []
    by_server: dict[str, list[ReceiveConnector]] = defaultdict(list)
    seen_acls = set()
    written = _Written(netbios)
    setup_names: dict[str, dict] = {}
    for folded, obj in connectors.items():
        server = servers.get(folded[0])
        if server is None:
            continue
        if folded[0] not in setup_names:  # Setup names its connectors after the server: others needn't be built
            named = folded[1].endswith(f" {folded[0]}")
            setup_names[folded[0]] = _setup_names(server, netbios) if named else {}
        elif not setup_names[folded[0]] and folded[1].endswith(f" {folded[0]}"):
            setup_names[folded[0]] = _setup_names(server, netbios)
        made = _connector(mapper, obj, server, setup_names[folded[0]])
        if made is None:
            continue
        connector, shown = made
        exported = None
        if exported_acls is not None:
            exported = exported_acls.get(folded)
            if exported is None and shown:
                mapper.report.note(
                    f"{connector.identity} has no entries in the Get-ADPermission export; it got its "
                    "PermissionGroups' ACEs."
                )
            seen_acls.add(folded)
        connector = _with_acl(mapper, obj, connector, shown, server, written, exported)
        built.append(connector)
        by_server[folded[0]].append(connector)
    for key in set(exported_acls or ()) - seen_acls:
        if key not in connectors:
            obj = next(o for o in objects["ADPermission"] if _connector_key_of_ace(o) == key)
            mapper.problem(
                obj,
                "Identity",
                "This permission entry is on a receive connector that no Get-ReceiveConnector "
                "export holds: import that connector's export too.",
            )
    final_servers = []
    for key, server in servers.items():
        ips = _ip_addresses(server, by_server[key])
        server = replace(server, ip_addresses=ips)
        final_servers.append(server)
        subject = facts[key].obj or (facts[key].connectors[0] if facts[key].connectors else None)
        for error in validate_server(server):
            mapper.problem(subject, error.field, error.message)
    final_servers.sort(key=lambda s: s.name.casefold())
    settings = importdirectory.settings(mapper, objects)
    recipients, accounts = importdirectory.recipients(mapper, objects.get("Recipient", []), netbios)
    principals = importdirectory.principals(mapper, accounts, objects.get("GroupMember", []), built, netbios)
    org = Organization(
        name=importdirectory.organization_name(objects, netbios),
        domain_netbios=netbios,
        servers=tuple(final_servers),
        connectors=tuple(c for s in final_servers for c in by_server[s.name.casefold()]),
        accepted_domains=tuple(domains),
        recipients=tuple(recipients),
        principals=tuple(principals),
        # the organisation's settings the exports hold (TRANSPORT_CONFIG); the others as Setup leaves them
        **{**organization_defaults(final_servers), **settings},
    )
    _validate(mapper, org, connectors)
    return org


def _validate(mapper: Mapper, org: Organization, objects: dict[tuple[str, str], Exported]) -> None:
    """The engine's rules on what came in: each connector against its own server's others (names, bindings and
    ranges that conflict, values out of range), and the organisation's texts."""
    for server in org.servers:
        server_org = org.with_changes(servers=(server,), connectors=org.connectors_of(server.name))
        for connector in server_org.connectors:
            obj = objects[(connector.server.casefold(), connector.name.casefold())]
            for error in validate_receive_connector(server_org, connector):
                mapper.problem(obj, error.field, error.message)
    for error in lab_wide_text_errors(org):
        mapper.problem(None, error.field, error.message)


__all__ = ["ImportRefused", "ImportReport", "ImportResult", "Problem", "import_organization"]
