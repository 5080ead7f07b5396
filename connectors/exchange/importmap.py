"""What Exchange exported, as an engine Organization: the import's mapping half (issue 13). Pure: it takes the
SourceObjects importsources.read_sources reads from Export-Clixml, Format-List and CSV files, and gives the
Organization and what the import report says about it, or refuses the whole import (ImportRefused) with every
problem named by file, object (its Identity) and property, in Exchange's words.

Every value goes through the property catalogue (properties.py: Property.parse reads Export-Clixml, Format-List and
CSV text) and the engine's validators; nothing here lists properties again. Which objects are which:
- Get-ExchangeServer gives servers (their version: builds.py); without it, each connector's Server makes one.
- Get-ReceiveConnector gives connectors. The same connector in two files must agree, property by property.
- Get-ADPermission gives each connector's ACL exactly (explicit and inherited, Allow and Deny); without it a
  connector's ACL is what Exchange writes for its PermissionGroups (acl.apply_permission_groups).
- Get-AcceptedDomain, Get-TransportConfig, Get-RecipientFilterConfig, Get-MailboxServer give the rest of the
  organisation; recipients and group memberships give its principals.
See docs/decisions.md ("Importing what Exchange exported") for the choices the exports leave open.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from . import builds
from .acl import apply_permission_groups, read_permission_groups
from .catalogue import (
    WELL_KNOWN_SIDS,
    PermissionGroup,
    canonical_principal,
    canonical_right,
    exchange_servers_group,
    format_permission_groups,
    legacy_interop_group,
)
from .domains import domain_name_errors, validate_accepted_domains
from .errors import ExchangeError
from .limits import lab_wide_text_errors
from .model import (
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
from .properties import (
    ACCEPTED_DOMAIN,
    AD_PERMISSION,
    GROUP_MEMBER,
    RECEIVE_CONNECTOR,
    RECIPIENT,
    SERVER,
    TRANSPORT_CONFIG,
    Property,
    PropertySet,
)
from .receive import default_connectors, validate_receive_connector
from .servers import parse_server_roles, validate_server
from .syntax import validate_recipient

# The kinds importsources recognises, and the catalogue rows that read each one's properties.
PROPERTY_SETS: dict[str, PropertySet] = {
    "ExchangeServer": SERVER,
    "MailboxServer": SERVER,
    "ReceiveConnector": RECEIVE_CONNECTOR,
    "ADPermission": AD_PERMISSION,
    "AcceptedDomain": ACCEPTED_DOMAIN,
    "TransportConfig": TRANSPORT_CONFIG,
    "RecipientFilterConfig": TRANSPORT_CONFIG,
    "Recipient": RECIPIENT,
    "GroupMember": GROUP_MEMBER,
}
# Properties read to find an object (its Identity, its server) rather than as a setting of it.
_LOCATING = {"identity", "server", "name"}
# Get-ExchangeServer's ServerRole flags the model has no role for (UM, monitoring, Setup's states): left out, noted.
_OTHER_ROLES = {"unifiedmessaging", "monitoring", "provisionedserver", "cafe", "frontendtransport", "none"}
# Exchange's RecipientType values, as the model's kinds (RECIPIENT's RecipientType).
_RECIPIENT_KINDS = {
    "usermailbox": "Mailbox",
    "linkedmailbox": "Mailbox",
    "sharedmailbox": "Mailbox",
    "roommailbox": "Mailbox",
    "equipmentmailbox": "Mailbox",
    "mailuser": "MailUser",
    "mailcontact": "MailContact",
    "mailuniversaldistributiongroup": "DistributionGroup",
    "mailuniversalsecuritygroup": "DistributionGroup",
    "mailnonuniversalgroup": "DistributionGroup",
    "dynamicdistributiongroup": "DistributionGroup",
}
_ACCOUNT_KINDS = {"Mailbox", "MailUser"}  # recipients that sign in: their account is a principal
_NOT_DOMAINS = {"nt authority", "ms exchange", "builtin", "nt-autorität", "autorite nt"}
_ORG_IN_DN = re.compile(r"CN=([^,]+),CN=Microsoft Exchange,CN=Services,", re.IGNORECASE)
_CONNECTOR_DN = re.compile(r"CN=([^,]+),CN=SMTP Receive Connectors,CN=Protocols,CN=([^,]+),", re.IGNORECASE)


# --- Problems and the report -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    source: str
    position: str
    identity: str
    property: str
    message: str

    @property
    def text(self) -> str:
        where = f"{self.source}, {self.position}" if self.position else self.source
        who = f" ({self.identity})" if self.identity else ""
        what = f" {self.property}:" if self.property else ""
        return f"{where}{who}:{what} {self.message}"


class ImportRefused(Exception):
    """The import is refused whole: nothing of it may be saved. `problems` says every reason found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.text for p in self.problems))


@dataclass
class ImportReport:
    """What came in, for the import report: counts, notes, and each exported property the model doesn't use."""

    servers: int = 0
    connectors: int = 0
    aces: int = 0
    domains: int = 0
    recipients: int = 0
    principals: int = 0
    files: list[str] = field(default_factory=list)
    objects: Counter = field(default_factory=Counter)  # kind -> objects read
    unused: dict[str, Counter] = field(default_factory=dict)  # kind -> {property name: objects that had it}
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def to_json(self) -> dict:
        return {
            "files": self.files,
            "objects": dict(self.objects),
            "servers": self.servers,
            "connectors": self.connectors,
            "aces": self.aces,
            "domains": self.domains,
            "recipients": self.recipients,
            "principals": self.principals,
            "unused": {kind: dict(sorted(names.items())) for kind, names in self.unused.items()},
            "notes": self.notes,
        }


@dataclass(frozen=True)
class ImportResult:
    org: Organization
    report: ImportReport


# --- Reading values through the catalogue -------------------------------------------------------------------------


def _hashable(value):
    if isinstance(value, list):
        flat = tuple(value)  # a list of text (most are): hashable as it is
        try:
            hash(flat)
        except TypeError:
            return tuple(_hashable(v) for v in value)
        return flat
    if isinstance(value, dict):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    return value


class _Values:
    """Property.parse, once per distinct (property, value): an export repeats the same values (True, 00:05:00,
    Setup's bindings) across a thousand connectors, and a list property is parsed entry by entry so that a range
    met on several connectors is parsed once. The engine's validators check the parsed values later, once."""

    def __init__(self):
        self._cache: dict = {}

    def parse(self, prop: Property, raw):
        if isinstance(raw, list):
            if prop.kind.multi and getattr(prop.kind, "item", "") in ("ip range", "binding"):
                parsed = []
                for text in raw:
                    parsed += self._one(prop, (prop.name, text), [text])
                return tuple(parsed)
            return self._one(prop, (prop.name, "list", _hashable(raw)), raw)
        if isinstance(raw, dict):
            return self._one(prop, (prop.name, "dict", _hashable(raw)), raw)
        return self._one(prop, (prop.name, type(raw), raw), raw)

    def _one(self, prop: Property, key, raw):
        found = self._cache.get(key)
        if found is None:
            try:
                found = (True, prop.parse(raw))
            except ExchangeError as error:
                found = (False, error.message)
            except (TypeError, ValueError) as error:  # a value of a shape no parser expects
                found = (False, str(error))
            self._cache[key] = found
        ok, value = found
        if not ok:
            raise ExchangeError(value, prop.name)
        return value


@dataclass
class _Object:
    """One exported object being mapped: where it came from, its Identity, its properties by casefolded name."""

    source: str
    position: str
    kind: str
    identity: str
    properties: dict  # casefolded name -> (Exchange's spelling, value)

    def get(self, name: str, default=None):
        found = self.properties.get(name.casefold())
        return default if found is None else found[1]

    def has(self, name: str) -> bool:
        return name.casefold() in self.properties


def _wrap(obj) -> _Object:
    properties = {str(name).casefold(): (str(name), value) for name, value in obj.properties.items()}
    identity = properties.get("identity", (None, None))[1] or properties.get("name", (None, None))[1] or ""
    return _Object(obj.source, obj.position, obj.kind, str(identity), properties)


class _Mapper:
    def __init__(self, stated: ExchangeVersion | None):
        self.stated = stated
        self.values = _Values()
        self.problems: list[Problem] = []
        self.report = ImportReport()
        self._layouts: dict = {}

    def problem(self, obj: _Object | None, prop: str, message: str) -> None:
        if obj is None:
            self.problems.append(Problem("", "", "", prop, message))
        else:
            self.problems.append(Problem(obj.source, obj.position, obj.identity, prop, message))

    def read(self, obj: _Object, props: PropertySet, names: Iterable[str] | None = None) -> dict[str, object]:
        """{field: engine value} for the object's properties the catalogue has (all of them, or `names`); each value
        the catalogue refuses is a problem naming the property; the others are counted as unused."""
        wanted = None if names is None else {n.casefold() for n in names}
        result = {}
        for key, (name, raw), prop in zip(obj.properties, obj.properties.values(), self._rows(props, obj)):
            if prop is None or (wanted is not None and key not in wanted):
                if wanted is None or prop is None:
                    self.unused(obj.kind, name)
                continue
            try:
                result[prop.field] = self.values.parse(prop, raw)
            except ExchangeError as error:
                self.problem(obj, prop.name, error.message)
        return result

    def _rows(self, props: PropertySet, obj: _Object) -> list[Property | None]:
        """The catalogue row of each of the object's properties, in order; looked up once per distinct set of
        property names (every object of one export has the same)."""
        key = (props.object_type, tuple(obj.properties))
        rows = self._layouts.get(key)
        if rows is None:
            rows = self._layouts[key] = [props.by_name(name) for name in obj.properties]
        return rows

    def unused(self, kind: str, name: str) -> None:
        self.report.unused.setdefault(kind, Counter())[name] += 1

    def check(self, obj: _Object, props: PropertySet, values: dict) -> None:
        """The catalogue's own rules of each value (range, choices, syntax) for objects no engine validator covers."""
        for name, value in values.items():
            prop = props.by_field(name)
            for message in prop.problems(value) if prop else ():
                self.problem(obj, prop.name, message)


# --- The organisation's names ------------------------------------------------------------------------------------


def _netbios(objects: dict[str, list[_Object]]) -> str:
    """The domain's NetBIOS name: the DOMAIN\\ of the accounts in ACEs and group memberships, else the first label
    of the servers' domain, else CONTOSO."""
    counts: Counter = Counter()
    for obj in objects.get("ADPermission", []) + objects.get("GroupMember", []):
        for name in ("User", "Group", "Member"):
            domain, backslash, _ = str(obj.get(name) or "").partition("\\")
            if backslash and domain.strip().casefold() not in _NOT_DOMAINS:
                counts[domain.strip()] += 1
    if counts:
        return counts.most_common(1)[0][0].upper()
    for obj in objects.get("ExchangeServer", []):
        domain = str(obj.get("Domain") or "") or str(obj.get("Fqdn") or "").partition(".")[2]
        if domain:
            return domain.split(".")[0].upper()
    return "CONTOSO"


def _organization_name(objects: dict[str, list[_Object]], netbios: str) -> str:
    """The Exchange organisation's name, from any exported DistinguishedName (CN=<org>,CN=Microsoft Exchange,…)."""
    for kind in ("ExchangeServer", "ReceiveConnector", "AcceptedDomain", "TransportConfig"):
        for obj in objects.get(kind, []):
            match = _ORG_IN_DN.search(str(obj.get("DistinguishedName") or ""))
            if match:
                return match.group(1)
    return netbios.title()


# --- Connectors: one per (server, name), the same in every file that has it ---------------------------------------


def _connector_key(obj: _Object) -> tuple[str, str] | None:
    identity = obj.identity
    server, backslash, name = identity.partition("\\")
    if not backslash:
        match = _CONNECTOR_DN.search(identity)
        if match:
            name, server = match.group(1), match.group(2)
    server = str(obj.get("Server") or server).strip()
    name = str(obj.get("Name") or name).strip()
    return (server, name) if server and name else None


def _merge_connectors(mapper: _Mapper, objects: list[_Object]) -> dict[tuple[str, str], _Object]:
    """The connectors by (server, name) casefolded; two exports of one connector are merged when they agree and a
    problem naming both files when a property differs."""
    merged: dict[tuple[str, str], _Object] = {}
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


def _same(a, b, name: str, mapper: _Mapper) -> bool:
    if _hashable(a) == _hashable(b):
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
    obj: _Object | None = None  # its Get-ExchangeServer object
    connectors: list[_Object] = field(default_factory=list)


def _server_roles(mapper: _Mapper, obj: _Object, version: ExchangeVersion, texts) -> frozenset[ServerRole]:
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


def _server_from_export(mapper: _Mapper, facts: _ServerFacts, bounds: builds.Bounds) -> Server | None:
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
        if version not in bounds.possible:
            mapper.problem(
                obj,
                "AdminDisplayVersion",
                f"{shown} is {version.label}, but {bounds.words()}: the files disagree about this server.",
            )
            return None
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


def _server_from_connectors(mapper: _Mapper, facts: _ServerFacts, bounds: builds.Bounds, domain: str):
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


def _connector(mapper: _Mapper, obj: _Object, server: Server, setup: dict) -> ReceiveConnector | None:
    before = len(mapper.problems)
    values = {}
    for key, (name, raw) in obj.properties.items():
        prop = RECEIVE_CONNECTOR.by_name(key)
        if prop is None:
            mapper.unused("ReceiveConnector", name)
            continue
        if key in _LOCATING or not prop.has(server.version, server.is_edge):
            continue  # a property this server's version doesn't have: builds.py already checked it fits
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


def _shown_groups(mapper: _Mapper, prop: Property, raw) -> int:
    """PermissionGroups as Get-ReceiveConnector reads it back: the groups, and Custom (which only reading shows, and
    no cmdlet takes) when the ACL holds other grants."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    names = [str(item).strip() for item in items if str(item).strip()]
    custom = any(name.casefold() == "custom" for name in names)
    rest = [name for name in names if name.casefold() != "custom"]
    groups = mapper.values.parse(prop, ", ".join(rest) or "None")
    return groups | PermissionGroup.CUSTOM if custom else groups


def _aces(mapper: _Mapper, objects: list[_Object], netbios: str) -> dict[tuple[str, str], list[ACE]]:
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
        for right in rights:
            try:
                canonical = canonical_right(right)
            except ExchangeError:
                skipped += 1  # an extended right of another kind (e.g. ms-Exch-EPI-Token-Serialization)
                continue
            acls[key].append(ACE(principal, canonical, bool(values.get("deny")), bool(values.get("inherited"))))
    if skipped:
        mapper.report.note(
            f"{skipped:,} permission entries without a receive or send connector right (AccessRights only, or "
            "another object's extended rights) were left out: they don't decide what SMTP sessions may do."
        )
    return acls


def _connector_key_of_ace(obj: _Object) -> tuple[str, str] | None:
    identity = obj.identity
    match = _CONNECTOR_DN.search(identity)
    if match:
        return match.group(2).casefold(), match.group(1).casefold()
    server, backslash, name = identity.partition("\\")
    return (server.strip().casefold(), name.strip().casefold()) if backslash and server and name else None


def _with_acl(
    mapper: _Mapper,
    obj: _Object,
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
    acl = tuple(
        ace if ace.inherited else ACE(ace.principal, ace.right, ace.deny, False, groups.get(_ace_key(ace)))
        for ace in exported
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


# --- Domains, settings, recipients, principals -----------------------------------------------------------------------


def _accepted_domains(mapper: _Mapper, objects: list[_Object]) -> list[AcceptedDomain]:
    domains = []
    for obj in objects:
        values = mapper.read(obj, ACCEPTED_DOMAIN)
        domain_name = str(values.get("domain_name") or "")
        if not domain_name:
            mapper.problem(obj, "DomainName", "This accepted domain has no DomainName.")
            continue
        for error in domain_name_errors(domain_name):
            mapper.problem(obj, error.field, error.message)
        mapper.check(obj, ACCEPTED_DOMAIN, {"domain_type": values.get("domain_type", "Authoritative")})
        domain_type = next(
            (t for t in DomainType if t.value.casefold() == str(values.get("domain_type", "")).casefold()),
            DomainType.AUTHORITATIVE,
        )
        domains.append(
            AcceptedDomain(
                name=str(values.get("name") or domain_name),
                domain_name=domain_name,
                domain_type=domain_type,
                default=bool(values.get("default", False)),
                address_book_enabled=bool(values.get("address_book_enabled", domain_type is DomainType.AUTHORITATIVE)),
                match_subdomains=bool(values.get("match_subdomains", False)),
            )
        )
    for error in validate_accepted_domains(domains):
        mapper.problem(objects[0] if objects else None, error.field, error.message)
    return domains


def _recipients(mapper: _Mapper, objects: list[_Object], netbios: str) -> tuple[list[Recipient], list[Principal]]:
    """Recipients (their SMTP addresses, primary first) and the accounts of those that sign in."""
    recipients, accounts, owners = [], [], {}
    for obj in objects:
        raw_type = str(obj.get("RecipientTypeDetails") or obj.get("RecipientType") or "UserMailbox")
        kind_name = _RECIPIENT_KINDS.get(raw_type.strip().casefold(), raw_type)
        addresses = _smtp_addresses(obj.get("EmailAddresses"), obj.get("PrimarySmtpAddress"))
        values = mapper.read(obj, RECIPIENT, names=("Name",))
        for name in obj.properties:
            if name not in ("name", "recipienttype", "emailaddresses"):
                mapper.unused(obj.kind, obj.properties[name][0])
        try:
            kind = RecipientKind(RECIPIENT.by_name("RecipientType").parse(kind_name))
        except ExchangeError as error:
            mapper.problem(obj, "RecipientType", error.message)
            continue
        recipient = Recipient(str(values.get("name") or obj.identity), kind, addresses)
        for error in validate_recipient(recipient):
            mapper.problem(obj, error.field, error.message)
        for address in addresses:
            if owners.setdefault(address, recipient.name) != recipient.name:
                mapper.problem(obj, "EmailAddresses", f'The proxy address "SMTP:{address}" is already being used.')
        recipients.append(recipient)
        sam = str(obj.get("SamAccountName") or "").strip()
        if sam and kind.value in _ACCOUNT_KINDS:
            accounts.append(Principal(canonical_principal(sam, netbios), email=recipient.primary_address))
    return recipients, accounts


def _smtp_addresses(value, primary) -> tuple[str, ...]:
    """SMTP proxy addresses, lower-case, the primary (SMTP:, capitals) first; X500: and other types left out."""
    items = value if isinstance(value, list) else [v for v in str(value or "").replace(";", ",").split(",")]
    first, others = [], []
    for item in items:
        text = str(item).strip().strip("{}").strip()
        prefix, colon, address = text.partition(":")
        if not colon:
            prefix, address = "smtp", text
        if prefix.casefold() != "smtp" or not address:
            continue
        (first if prefix == "SMTP" else others).append(address.lower())
    if primary and not first:
        first = [str(primary).strip().lower()]
    return tuple(dict.fromkeys(first + others))


def _principals(
    mapper: _Mapper, accounts: list[Principal], members: list[_Object], connectors, netbios: str
) -> list[Principal]:
    """The lab's directory: each member of the exported group memberships (with its groups, kind and e-mail; a row
    without a group declares a principal that is a member of nothing), the recipients' accounts, and every other
    principal an ACE names that the lab doesn't always know (the well-known ones, the domain's Exchange groups)."""
    always = {n.casefold() for n in (*WELL_KNOWN_SIDS, exchange_servers_group(netbios), legacy_interop_group(netbios))}
    result: dict[str, Principal] = {}
    member_of: dict[str, list[str]] = defaultdict(list)
    for obj in members:
        values = mapper.read(obj, GROUP_MEMBER)
        if not values.get("member"):
            mapper.problem(obj, "Member", "This group membership names no member.")
            continue
        member = canonical_principal(str(values["member"]), netbios)
        kind = PrincipalKind(values.get("kind") or _principal_kind(member).value)
        found = result.setdefault(member.casefold(), Principal(member, kind, email=str(values.get("email") or "")))
        if found.email == "" and values.get("email"):
            result[member.casefold()] = replace(found, email=str(values["email"]))
        if values.get("group"):
            group = canonical_principal(str(values["group"]), netbios)
            if group not in member_of[member.casefold()]:
                member_of[member.casefold()].append(group)
    for account in accounts:
        found = result.setdefault(account.name.casefold(), account)
        if not found.email:
            result[account.name.casefold()] = replace(found, email=account.email)
    for connector in connectors:
        for ace in connector.acl:
            folded = ace.principal.casefold()
            if folded not in always and folded not in result:
                result[folded] = Principal(ace.principal, _principal_kind(ace.principal))
    return [replace(p, member_of=tuple(member_of.get(k, ()))) for k, p in result.items()]


def _principal_kind(name: str) -> PrincipalKind:
    """A principal no membership describes: a computer account ends in $, anything else is taken as a user."""
    return PrincipalKind.COMPUTER if name.endswith("$") else PrincipalKind.USER


def _settings(mapper: _Mapper, objects: dict[str, list[_Object]]) -> dict:
    found = {}
    for kind in ("TransportConfig", "RecipientFilterConfig"):
        for obj in objects.get(kind, []):
            values = mapper.read(obj, TRANSPORT_CONFIG)
            mapper.check(obj, TRANSPORT_CONFIG, values)
            found.update(values)
    return found


# --- The whole import -------------------------------------------------------------------------------------------


def import_organization(sources: Iterable, version: ExchangeVersion | None = None) -> ImportResult:
    """SourceObjects (from any number of files) -> the Organization they describe and the import report;
    ImportRefused with every problem when anything doesn't map or validate (nothing of it may be saved)."""
    mapper = _Mapper(version)
    objects: dict[str, list[_Object]] = defaultdict(list)
    for source in sources:
        if source.kind not in PROPERTY_SETS:
            mapper.problems.append(
                Problem(source.source, source.position, "", "", f"exchsim doesn't import {source.kind} objects.")
            )
            continue
        if source.source not in mapper.report.files:
            mapper.report.files.append(source.source)
        mapper.report.objects[source.kind] += 1
        objects[source.kind].append(_wrap(source))
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


def _map(mapper: _Mapper, objects: dict[str, list[_Object]]) -> Organization:
    netbios = _netbios(objects)
    connectors = _merge_connectors(mapper, objects.get("ReceiveConnector", []))
    facts: dict[str, _ServerFacts] = {}
    for obj in objects.get("ExchangeServer", []):
        name = str(obj.get("Name") or obj.identity).strip()
        if name.casefold() in facts:
            mapper.problem(obj, "Name", f"Server {name} is in the files twice.")
            continue
        obj.identity = name
        facts[name.casefold()] = _ServerFacts(name, obj)
    for (server_key, _), obj in connectors.items():
        facts.setdefault(server_key, _ServerFacts(obj.identity.partition("\\")[0])).connectors.append(obj)
    domains = _accepted_domains(mapper, objects.get("AcceptedDomain", []))
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
        values = mapper.read(obj, SERVER, names=("MAPIEncryptionRequired",))
        if server is None:
            mapper.problem(obj, "Identity", f"The Mailbox server {name} isn't among the imported servers.")
        elif "mapi_encryption_required" in values:
            servers[name.casefold()] = replace(server, mapi_encryption_required=values["mapi_encryption_required"])
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
    settings = _settings(mapper, objects)
    recipients, accounts = _recipients(mapper, objects.get("Recipient", []), netbios)
    principals = _principals(mapper, accounts, objects.get("GroupMember", []), built, netbios)
    org = Organization(
        name=_organization_name(objects, netbios),
        domain_netbios=netbios,
        servers=tuple(final_servers),
        connectors=tuple(c for s in final_servers for c in by_server[s.name.casefold()]),
        accepted_domains=tuple(domains),
        recipients=tuple(recipients),
        principals=tuple(principals),
        recipient_validation_enabled=bool(settings.get("recipient_validation_enabled", False)),
        tls_receive_domain_secure_list=tuple(settings.get("tls_receive_domain_secure_list", ())),
    )
    _validate(mapper, org, connectors)
    return org


def _validate(mapper: _Mapper, org: Organization, objects: dict[tuple[str, str], _Object]) -> None:
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


__all__ = ["ImportRefused", "ImportReport", "ImportResult", "Problem", "import_organization", "FieldError"]
