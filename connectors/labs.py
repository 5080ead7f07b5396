"""Labs as a whole: templates, copies, the JSON file format (docs/lab-format.md) and generated labs. Saving an edited
engine Organization, under the lab's write lock, is connectors/store.py (save_org is re-exported here)."""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from . import baselines, history, labschema, models
from .convert import (
    accepted_domain_fields,
    connector_fields,
    lab_to_org,
    parse_roles,
    principal_fields,
    recipient_fields,
)
from .exchange.acl import NO_SUCH_PRINCIPAL, add_ad_permission, known_principals
from .exchange.addresses import parse_binding, parse_remote_range
from .exchange.catalogue import (
    ACCEPT_ANY_RECIPIENT,
    ANONYMOUS_LOGON,
    canonical_principal,
    canonical_right,
    canonical_usage,
    exchange_servers_group,
    format_permission_groups,
    parse_auth_mechanism,
    parse_permission_groups,
)
from .exchange.domains import domain_name_errors, validate_accepted_domains
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
    TransportRole,
)
from .exchange.receive import default_connectors, new_receive_connector, validate_receive_connector
from .exchange.servers import validate_server
from .exchange.syntax import validate_recipient
from .store import organization_errors, save_org  # noqa: F401  (labs.save_org is the long-standing name)
from .store import write_org as _write_org

FORMAT_NAME = labschema.FORMAT_NAME
FORMAT_VERSION = labschema.FORMAT_VERSION
DOMAIN = "contoso.com"
NETBIOS = "CONTOSO"
logger = logging.getLogger(__name__)


# --- Templates -----------------------------------------------------------------------------------------------------

_VERSION_ROLES = {
    ExchangeVersion.E2007: (ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS),
    ExchangeVersion.E2010: (ServerRole.HUB_TRANSPORT, ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS),
    ExchangeVersion.E2013: (ServerRole.MAILBOX, ServerRole.CLIENT_ACCESS),
    ExchangeVersion.E2016: (ServerRole.MAILBOX,),
    ExchangeVersion.E2019: (ServerRole.MAILBOX,),
    ExchangeVersion.SE: (ServerRole.MAILBOX,),
}
_MAILBOXES = (("Administrator", "administrator"), ("Alice Jones", "alice"), ("Bob Smith", "bob"))


def _server(name: str, version: ExchangeVersion, roles, ip: str) -> Server:
    return Server(name, f"{name.lower()}.{DOMAIN}", version, frozenset(roles), (ip,))


def _organization(servers: Iterable[Server]) -> Organization:
    """Contoso with `servers`, Setup's receive connectors on each, the default domain and a few mailboxes."""
    servers = tuple(servers)
    internal = [s for s in servers if not s.is_edge]
    return Organization(
        name="Contoso",
        domain_netbios=NETBIOS,
        servers=servers,
        connectors=tuple(c for server in servers for c in default_connectors(server, NETBIOS)),
        accepted_domains=(AcceptedDomain(DOMAIN, DOMAIN, DomainType.AUTHORITATIVE, default=True),),
        recipients=tuple(
            Recipient(display, RecipientKind.MAILBOX, (f"{alias}@{DOMAIN}",)) for display, alias in _MAILBOXES
        ),
        principals=(
            *(
                Principal(f"{NETBIOS}\\{alias}", email=f"{alias}@{DOMAIN}", member_of=(f"{NETBIOS}\\Domain Users",))
                for _display, alias in _MAILBOXES
            ),
            Principal(exchange_servers_group(NETBIOS), PrincipalKind.GROUP),
            *(
                Principal(f"{NETBIOS}\\{s.name}$", PrincipalKind.COMPUTER, (exchange_servers_group(NETBIOS),))
                for s in internal
            ),
        ),
    )


def _version_template(version: ExchangeVersion) -> Callable[[], Organization]:
    return lambda: _organization([_server("EX01", version, _VERSION_ROLES[version], "10.0.0.10")])


def _edge_template() -> Organization:
    return _organization(
        [
            _server("EX01", ExchangeVersion.SE, _VERSION_ROLES[ExchangeVersion.SE], "10.0.0.10"),
            _server("EDGE01", ExchangeVersion.SE, (ServerRole.EDGE,), "10.0.1.10"),
        ]
    )


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    build: Callable[[], Organization]


_TEMPLATE_LIST = (
    Template("empty", "An empty organisation: no servers, domains or recipients.", Organization),
    *(
        Template(
            f"exchange{version.value.lower()}",
            f"{version.label}: EX01 ({', '.join(r.value for r in _VERSION_ROLES[version])}) with Setup's receive "
            "connectors, contoso.com and three mailboxes.",
            _version_template(version),
        )
        for version in ExchangeVersion
    ),
    Template(
        "exchangese-edge",
        "Exchange Server SE: the internal server EX01 and the Edge Transport server EDGE01, each with Setup's "
        "receive connectors, contoso.com and three mailboxes.",
        _edge_template,
    ),
)
TEMPLATES: dict[str, Template] = {template.name: template for template in _TEMPLATE_LIST}
CURRENT_TEMPLATE = "exchangese"


def template_org(template: str) -> Organization:
    if template not in TEMPLATES:
        raise ExchangeError(f"There's no lab template called '{template}'. Use one of: {', '.join(TEMPLATES)}.")
    return TEMPLATES[template].build()


def unique_slug(text: str) -> str:
    base = slugify(text)[:56] or "lab"
    taken = set(models.Lab.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


SLUG_RULES = "letters, digits, hyphens and underscores, at most 64 characters"
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,64}")
NAME_LENGTH = models.Lab._meta.get_field("name").max_length


def slug_error(slug: str) -> ExchangeError | None:
    """Why `slug` can't name a lab (it is the lab's address, /labs/SLUG/), or None."""
    if _SLUG.fullmatch(slug):
        return None
    return ExchangeError(f"'{slug}' can't be a lab's slug: use only {SLUG_RULES}, e.g. relay-2007.", "slug")


def _name_taken(owner, name: str, exclude: models.Lab | None = None) -> bool:
    labs = models.Lab.objects.filter(owner=owner, name__iexact=name)
    return (labs.exclude(pk=exclude.pk) if exclude else labs).exists()


def _name_taken_error(name: str) -> ExchangeError:
    return ExchangeError(
        f"You already have a lab called '{name}'. Choose another name, or rename or delete that lab first.", "Name"
    )


def _numbered(name: str, number: int) -> str:
    suffix = f" ({number})" if number > 1 else ""
    return name[: NAME_LENGTH - len(suffix)] + suffix


def free_lab_name(owner, name: str) -> str:
    """`name`, or "name (2)", "name (3)"…: the first that `owner` has no lab called (case aside)."""
    taken = {
        n.casefold()
        for n in models.Lab.objects.filter(owner=owner, name__istartswith=name[: NAME_LENGTH - 8]).values_list(
            "name", flat=True
        )
    }
    number = 1
    while _numbered(name, number).casefold() in taken:
        number += 1
    return _numbered(name, number)


def _new_lab(slug: str | None, name: str | None, default_name: str, *, owner=None, **fields) -> models.Lab:
    """The Lab row. A `name` the user typed is refused when the owner already has a lab so named; without one,
    `default_name` gets the first free number ("Relay lab (2)"). The database's constraint settles a race."""
    if slug is not None and (error := slug_error(slug)):
        raise error
    if slug and models.Lab.objects.filter(slug=slug).exists():
        raise ExchangeError(f"A lab with the slug '{slug}' already exists.", "slug")
    if name:
        if len(name) > NAME_LENGTH:
            raise ExchangeError(f"A lab's name can be at most {NAME_LENGTH} characters long.", "Name")
        if _name_taken(owner, name):
            raise _name_taken_error(name)
    else:
        name = free_lab_name(owner, default_name)
    try:
        with transaction.atomic():
            return models.Lab.objects.create(slug=slug or unique_slug(name), name=name, owner=owner, **fields)
    except IntegrityError:
        if slug and models.Lab.objects.filter(slug=slug).exists():
            raise ExchangeError(f"A lab with the slug '{slug}' already exists.", "slug") from None
        raise _name_taken_error(name) from None


@transaction.atomic
def rename_lab(lab: models.Lab, name: str) -> None:
    """Rename, refused (nothing saved) when the owner has another lab of that name."""
    if _name_taken(lab.owner, name, exclude=lab):
        raise _name_taken_error(name)
    lab.name = name
    try:
        with transaction.atomic():
            lab.save(update_fields=["name"])
    except IntegrityError:
        raise _name_taken_error(name) from None


def record_baseline(lab: models.Lab, org: Organization, origin: str) -> None:
    """Keep `org` as the state the lab started from (connectors/baselines.py); its plan then shows what changed."""
    data = baselines.snapshot_data(org)
    origin = origin[: models.BaselineSnapshot._meta.get_field("origin").max_length]  # it may hold a file's name
    models.BaselineSnapshot.objects.update_or_create(lab=lab, defaults={"origin": origin, "data": data})


def _start_lab(lab: models.Lab, org: Organization, origin: str, change=None, action: str = "create") -> models.Lab:
    """Write a new lab's content, keep it as the baseline and record how the lab came to be (its first entry)."""
    _write_org(lab, org)
    record_baseline(lab, org, origin)
    change = change or history.Change()
    history.record_creation(lab, org, replace(change, action=action, note=change.note or origin))
    return lab


@transaction.atomic
def create_lab_from_template(
    template: str, *, slug=None, owner=None, name=None, default_name=None, description="", change=None
) -> models.Lab:
    """A new lab holding the template's organisation, which stays its baseline. The slug defaults to one made from
    the name; `name` is the user's (refused when taken), `default_name` a suggestion (numbered when taken)."""
    org = template_org(template)
    lab = _new_lab(slug, name, default_name or slug or template, owner=owner, description=description)
    return _start_lab(lab, org, f"the {template} template", change)


@transaction.atomic
def create_lab(
    org: Organization, origin: str, *, slug=None, owner=None, default_name="lab", description="", change=None
) -> models.Lab:
    """A new lab holding `org` (validated by the caller); `change.action` says how it came to be (history)."""
    lab = _new_lab(slug, None, default_name, owner=owner, description=description)
    action = change.action if change and change.action in history.CREATIONS else "create"
    return _start_lab(lab, org, origin, change, action)


@transaction.atomic
def copy_lab(source: models.Lab, slug=None, *, owner=None, name=None, change=None) -> models.Lab:
    """A copy of `source` whose baseline is `source` (so plans show what changed). The source as it is now is
    kept too, so the copy's plan still works once the source is deleted."""
    lab = _new_lab(
        slug,
        name,
        f"{source.name[: NAME_LENGTH - 12]} (copy)",  # room for " (2)"
        owner=owner or source.owner,
        baseline=source,
        description=source.description,
    )
    origin = f"lab {source.name} ({source.slug}) when it was copied"
    return _start_lab(lab, lab_to_org(source), origin, change, "copy")


def baseline_snapshot(lab: models.Lab) -> models.BaselineSnapshot | None:
    """Where the lab started and when, without the (possibly large) snapshot itself."""
    return models.BaselineSnapshot.objects.filter(lab=lab).defer("data").first()


def baseline_org(lab: models.Lab) -> Organization:
    """What the lab's plan starts from: the lab it was copied from while that exists, else the state the lab
    started in (its template, lab file, scenario or deleted source); an empty org with the lab's domain for a lab
    that has neither (made before baselines were kept)."""
    if lab.baseline_id is not None:
        return lab_to_org(lab.baseline)
    data = models.BaselineSnapshot.objects.filter(lab=lab).values_list("data", flat=True).first()
    if data is not None:
        try:
            return baselines.snapshot_org(data) if baselines.is_snapshot(data) else data_to_org(data)
        except (KeyError, TypeError, ValueError, ExchangeError):  # from a later exchsim's schema, or hand-edited
            logger.warning("The baseline of lab %s doesn't read; its plan starts from an empty organisation.", lab)
    return Organization(name=lab.organization_name, domain_netbios=lab.domain_netbios)


def baseline_name(lab: models.Lab) -> str:
    """The baseline in words, for plan titles: the source lab's name, or where the lab started."""
    if lab.baseline_id is not None:
        return lab.baseline.name
    snapshot = baseline_snapshot(lab)
    return f"{lab.name} as it started ({snapshot.origin})" if snapshot else "(an empty organisation)"


# --- The demo lab --------------------------------------------------------------------------------------------------

DEMO_RELAY_IP = "10.0.0.50"


def demo_org() -> Organization:
    """The current-version template plus an anonymous relay connector for the application server 10.0.0.50,
    built as an admin would: New-ReceiveConnector, then Add-ADPermission for ANONYMOUS LOGON."""
    org = template_org(CURRENT_TEMPLATE)
    relay = new_receive_connector(
        org,
        "EX01",
        "Anonymous Relay",
        usage="Custom",
        bindings=["10.0.0.10:25"],
        remote_ip_ranges=[DEMO_RELAY_IP],
        transport_role="FrontendTransport",
        permission_groups="AnonymousUsers",
        comment=f"Lets the application server {DEMO_RELAY_IP} relay to any domain without signing in.",
    )
    relay = relay.with_changes(acl=add_ad_permission(relay.acl, ANONYMOUS_LOGON, [ACCEPT_ANY_RECIPIENT]))
    return org.with_changes(connectors=(*org.connectors, relay))


@transaction.atomic
def create_demo_lab(slug: str = "demo", owner=None) -> models.Lab:
    """(Re)create the demo lab: the SE template with an anonymous relay connector for 10.0.0.50."""
    models.Lab.objects.filter(slug=slug).delete()
    lab = _new_lab(
        slug,
        None,
        "Demo: Contoso with an anonymous relay",
        owner=owner,
        description=f"Exchange Server SE with Setup's connectors plus an anonymous relay for {DEMO_RELAY_IP}.",
    )
    # The baseline is the template, so the demo's plan is the script that builds its anonymous relay.
    org = demo_org()
    _write_org(lab, org)
    record_baseline(lab, template_org(CURRENT_TEMPLATE), f"the {CURRENT_TEMPLATE} template, without the relay")
    history.record_creation(lab, org, history.Change(action="create", note="the demo lab"))
    return lab


# --- Generated labs (benchmarks) -----------------------------------------------------------------------------------

_GENERATED_GROUPS = (
    "AnonymousUsers",
    "ExchangeUsers",
    "ExchangeServers",
    "AnonymousUsers, ExchangeServers",
    "Partners",
)
_IPV4_BLOCKS = 1 << 16  # /24 blocks of 10.0.0.0/8 available to one server's ranges


def _generated_range(rng: random.Random, server_index: int, block: int) -> str:
    """One remote range inside its own /24 (IPv4) or /64 (IPv6) block, so no two ranges of a server overlap."""
    if rng.random() < 0.1:
        return f"2001:db8:{server_index:x}:{block:x}::/64"
    base = 0x0A000000 + block * 256
    octets = lambda offset: ".".join(map(str, (base + offset).to_bytes(4, "big")))  # noqa: E731
    kind = rng.choice(("cidr", "range", "single"))
    if kind == "cidr":
        prefix = rng.randint(24, 30)
        return f"{octets(0)}/{prefix}"
    if kind == "range":
        low = rng.randint(1, 120)
        return f"{octets(low)}-{octets(low + rng.randint(1, 120))}"
    return octets(rng.randint(1, 254))


def generated_org(servers: int, connectors_per_server: int, ranges_per_connector: int, seed: int = 1) -> Organization:
    """A large, valid organisation built with the engine's own cmdlets; the same arguments give the same lab."""
    if connectors_per_server * ranges_per_connector > _IPV4_BLOCKS:
        raise ExchangeError(f"At most {_IPV4_BLOCKS} remote ranges per server can be generated.")
    rng = random.Random(seed)
    base = _organization([])
    all_servers, all_connectors = [], []
    for index in range(1, servers + 1):
        ip = f"10.{index >> 8}.{index & 255}.10"
        server = _server(f"EX{index:03d}", ExchangeVersion.SE, (ServerRole.MAILBOX,), ip)
        server_org = base.with_changes(servers=(server,), connectors=())
        for number in range(connectors_per_server):
            first_block = number * ranges_per_connector
            connector = new_receive_connector(
                server_org,
                server.name,
                f"Relay {number + 1:03d}",
                usage="Custom",
                bindings=[f"{ip}:25"],
                remote_ip_ranges=[
                    _generated_range(rng, index, block)
                    for block in range(first_block, first_block + ranges_per_connector)
                ],
                transport_role="FrontendTransport",
                permission_groups=rng.choice(_GENERATED_GROUPS),
            )
            if rng.random() < 0.25:
                connector = connector.with_changes(
                    acl=add_ad_permission(connector.acl, ANONYMOUS_LOGON, [ACCEPT_ANY_RECIPIENT])
                )
            server_org = server_org.with_changes(connectors=(*server_org.connectors, connector))
        all_servers.append(server)
        all_connectors += server_org.connectors
    computers = tuple(
        Principal(f"{NETBIOS}\\{s.name}$", PrincipalKind.COMPUTER, (exchange_servers_group(NETBIOS),))
        for s in all_servers
    )
    return base.with_changes(
        servers=tuple(all_servers),
        connectors=tuple(all_connectors),
        principals=(*[p for p in base.principals if p.kind is not PrincipalKind.COMPUTER], *computers),
    )


@transaction.atomic
def generate_lab(
    slug: str, servers: int, connectors_per_server: int, ranges_per_connector: int, seed: int = 1, owner=None
) -> models.Lab:
    org = generated_org(servers, connectors_per_server, ranges_per_connector, seed)
    lab = _new_lab(
        slug,
        None,
        f"Generated: {servers} servers × {connectors_per_server} connectors × {ranges_per_connector} ranges"
        f" (seed {seed})",
        owner=owner,
    )
    return _start_lab(lab, org, f"generatelab with seed {seed}")


# --- The lab file format (docs/lab-format.md) ----------------------------------------------------------------------


class LabFileError(ValueError):
    """A lab file that can't be loaded; every line names the offending path (servers[0].receive_connectors[2].…)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{path}: {message}" if path else message for path, message in problems))


def _server_data(server: Server, connectors: Iterable[ReceiveConnector]) -> dict:
    return {
        "name": server.name,
        "fqdn": server.fqdn,
        "version": server.version.value,
        "roles": [role.value for role in ServerRole if role in server.roles],
        "ip_addresses": list(server.ip_addresses),
        "mapi_encryption_required": server.mapi_encryption_required,
        "receive_connectors": [_connector_data(c) for c in connectors],
    }


def _connector_data(connector: ReceiveConnector) -> dict:
    fields = connector_fields(connector)
    return {
        **fields,
        "bindings": [b.text for b in connector.bindings],
        "remote_ip_ranges": [r.text for r in connector.remote_ip_ranges],
        "permission_groups_written": format_permission_groups(connector.permission_groups_written),
        "acl": [
            {"principal": a.principal, "right": a.right, "deny": a.deny, "inherited": a.inherited, "group": a.group}
            for a in connector.acl
        ],
    }


def org_to_data(org: Organization) -> dict:
    return {
        "organization": {
            "name": org.name,
            "domain_netbios": org.domain_netbios,
            "recipient_validation_enabled": org.recipient_validation_enabled,
            "tls_receive_domain_secure_list": list(org.tls_receive_domain_secure_list),
        },
        "servers": [_server_data(s, org.connectors_of(s.name)) for s in org.servers],
        "accepted_domains": [accepted_domain_fields(d) for d in org.accepted_domains],
        "recipients": [{**recipient_fields(r), "addresses": list(r.addresses)} for r in org.recipients],
        "principals": [
            {**principal_fields(p), "member_of": list(p.member_of), "smtp_password": p.smtp_password}
            for p in org.principals
        ],
    }


def dump_lab(lab: models.Lab) -> str:
    """The lab as a version-1 lab file (JSON text)."""
    data = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": lab.name,
        "description": lab.description,
        **org_to_data(lab_to_org(lab)),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class _Reader:
    """Reads a lab file that passed the schema (labschema.py), so every value has its expected type; collects each
    engine problem with its path instead of stopping at the first."""

    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def convert(self, path: str, parse: Callable, value, fallback=None):
        """parse(value), recording Exchange's error at `path` when the engine rejects it."""
        try:
            return parse(value)
        except (ExchangeError, ValueError) as error:
            self.problems.append((path, str(error)))
            return fallback

    def report(self, path: str, errors: Iterable[FieldError], names: dict) -> None:
        self.problems += [(_field_path(path, error, names), error.message) for error in errors]


def _items(data: dict, path: str, key: str, schema: dict) -> list[tuple[str, dict]]:
    """(path, the item with its defaults) for each object of the list `key`."""
    return [(f"{path}{key}[{i}]", labschema.with_defaults(item, schema)) for i, item in enumerate(data[key])]


def _enum(enum_type, text: str):
    """The member whose value is `text`, compared case-insensitively (the schema has checked it is one)."""
    return next(member for member in enum_type if member.value.casefold() == text.casefold())


def _read_connector(reader: _Reader, path: str, fields: dict, server_name: str) -> ReceiveConnector | None:
    acl = []
    for ace_path, ace in _items(fields, f"{path}.", "acl", labschema.ACE_KEYS):
        right = reader.convert(f"{ace_path}.right", canonical_right, ace["right"], ace["right"])
        acl.append(ACE(ace["principal"], right, ace["deny"], ace["inherited"], ace["group"]))
    parsed = {
        "usage": canonical_usage(fields["usage"]),
        "transport_role": _enum(TransportRole, fields["transport_role"]),
        "bindings": tuple(
            reader.convert(f"{path}.bindings[{i}]", parse_binding, text) for i, text in enumerate(fields["bindings"])
        ),
        "remote_ip_ranges": tuple(
            reader.convert(f"{path}.remote_ip_ranges[{i}]", parse_remote_range, text)
            for i, text in enumerate(fields["remote_ip_ranges"])
        ),
        "auth_mechanism": reader.convert(
            f"{path}.auth_mechanism", lambda t: int(parse_auth_mechanism(t)), fields["auth_mechanism"]
        ),
        "permission_groups_written": reader.convert(
            f"{path}.permission_groups_written",
            lambda t: int(parse_permission_groups(t)),
            fields["permission_groups_written"],
        ),
    }
    if any(value is None for value in parsed.values()) or None in parsed["bindings"] + parsed["remote_ip_ranges"]:
        return None
    plain = {k: v for k, v in fields.items() if k not in parsed and k != "acl"}
    return ReceiveConnector(server=server_name, **plain, **parsed, acl=tuple(acl))


def _read_server(reader: _Reader, path: str, fields: dict) -> Server | None:
    roles = reader.convert(f"{path}.roles", parse_roles, fields["roles"])
    if roles is None:
        return None
    server = Server(
        fields["name"],
        fields["fqdn"],
        ExchangeVersion.parse(fields["version"]),
        roles,
        tuple(fields["ip_addresses"]),
        fields["mapi_encryption_required"],
    )
    reader.report(path, validate_server(server), models.SERVER_FIELDS)
    return server


def _field_path(path: str, error: FieldError, names: dict) -> str:
    return f"{path}.{names[error.field]}" if error.field in names else path


def _read_servers(reader: _Reader, top: dict, netbios: str) -> tuple[list[Server], list[ReceiveConnector]]:
    """Servers and their connectors; each connector is validated against its own server's others."""
    servers, connectors, seen = [], [], set()
    for server_path, fields in _items(top, "", "servers", labschema.SERVER):
        server = _read_server(reader, server_path, fields)
        read = [
            (path, _read_connector(reader, path, item, fields["name"]))
            for path, item in _items(fields, f"{server_path}.", "receive_connectors", labschema.CONNECTOR)
        ]
        read = [(path, connector) for path, connector in read if connector is not None]
        if server is None:
            continue
        if server.name.casefold() in seen:
            reader.problems.append((f"{server_path}.name", f"A server named {server.name} is already in the lab."))
        seen.add(server.name.casefold())
        servers.append(server)
        server_org = Organization(domain_netbios=netbios, servers=(server,), connectors=tuple(c for _, c in read))
        for path, connector in read:
            reader.report(path, validate_receive_connector(server_org, connector), models.CONNECTOR_FIELDS)
        connectors += server_org.connectors
    return servers, connectors


def _read_domains(reader: _Reader, top: dict) -> list[AcceptedDomain]:
    """Accepted domains: syntax errors at their entry, rules about the whole set at `accepted_domains`."""
    domains, entry_messages = [], set()
    for path, fields in _items(top, "", "accepted_domains", labschema.ACCEPTED_DOMAIN):
        domains.append(AcceptedDomain(**{**fields, "domain_type": _enum(DomainType, fields["domain_type"])}))
        for error in domain_name_errors(fields["domain_name"]):
            reader.problems.append((f"{path}.domain_name", error.message))
            entry_messages.add(error.message)
    for error in validate_accepted_domains(domains):
        if error.message not in entry_messages:
            reader.problems.append(("accepted_domains", error.message))
    return domains


def _read_recipients(reader: _Reader, top: dict) -> list[Recipient]:
    """Recipients, checked as the engine checks them; as in Exchange, no two share a name or an SMTP address."""
    recipients, names, owners = [], set(), {}
    for path, fields in _items(top, "", "recipients", labschema.RECIPIENT):
        if fields["name"].casefold() in names:
            reader.problems.append((f"{path}.name", f"A recipient named {fields['name']} is already in the lab."))
        names.add(fields["name"].casefold())
        recipient = Recipient(
            fields["name"], _enum(RecipientKind, fields["kind"]), tuple(a.lower() for a in fields["addresses"])
        )
        reader.problems += [(f"{path}.addresses", error.message) for error in validate_recipient(recipient)]
        for index, address in enumerate(recipient.addresses):
            owner = owners.setdefault(address, len(recipients))  # the first recipient with the address keeps it
            if owner != len(recipients):
                taken = PROXY_ADDRESS_TAKEN.format(address, recipients[owner].name)
                reader.problems.append((f"{path}.addresses[{index}]", taken))
        recipients.append(recipient)
    return recipients


# Exchange's words when a recipient's address is already another's (Set-Mailbox -EmailAddresses).
PROXY_ADDRESS_TAKEN = (
    'The proxy address "SMTP:{0}" is already being used by the proxy addresses or LegacyExchangeDN of "{1}". '
    "Please choose another proxy address."
)


def _unknown_principal_problems(top: dict, org: Organization) -> list[tuple[str, str]]:
    """ACEs for a principal the lab's directory doesn't have, refused as Add-ADPermission refuses them."""
    known, problems = known_principals(org), []
    servers = top.get("servers") if isinstance(top.get("servers"), list) else []
    for s, server in enumerate(servers):
        connectors = server.get("receive_connectors") if isinstance(server, dict) else None
        for c, connector in enumerate(connectors if isinstance(connectors, list) else []):
            acl = connector.get("acl") if isinstance(connector, dict) else None
            for a, ace in enumerate(acl if isinstance(acl, list) else []):
                who = ace.get("principal") if isinstance(ace, dict) else None
                if not isinstance(who, str) or ace.get("inherited") is True:
                    continue
                if canonical_principal(who, org.domain_netbios).casefold() not in known:
                    path = f"servers[{s}].receive_connectors[{c}].acl[{a}].principal"
                    problems.append((path, NO_SUCH_PRINCIPAL.format(who) + " Add it to the lab's principals."))
    return problems


def _read_principals(reader: _Reader, top: dict) -> list[Principal]:
    principals, seen = [], set()
    for path, fields in _items(top, "", "principals", labschema.PRINCIPAL):
        if fields["name"].casefold() in seen:
            reader.problems.append((f"{path}.name", f"The principal {fields['name']} is already in the lab."))
        seen.add(fields["name"].casefold())
        kind = _enum(PrincipalKind, fields["kind"])
        principals.append(Principal(**{**fields, "kind": kind, "member_of": tuple(fields["member_of"])}))
    return principals


def data_to_org(data) -> Organization:
    """Check a lab file's data against the schema, then read and validate it with the engine; LabFileError lists every
    problem with its path."""
    schema_problems = labschema.problems(data)
    if schema_problems:
        raise LabFileError(schema_problems)
    reader = _Reader()
    top = labschema.with_defaults(data, labschema.LAB_FILE)
    organization = labschema.with_defaults(top["organization"], labschema.ORGANIZATION)
    servers, connectors = _read_servers(reader, top, organization["domain_netbios"])
    org = Organization(
        name=organization["name"],
        domain_netbios=organization["domain_netbios"],
        servers=tuple(servers),
        connectors=tuple(connectors),
        accepted_domains=tuple(_read_domains(reader, top)),
        recipients=tuple(_read_recipients(reader, top)),
        principals=tuple(_read_principals(reader, top)),
        recipient_validation_enabled=organization["recipient_validation_enabled"],
        tls_receive_domain_secure_list=tuple(organization["tls_receive_domain_secure_list"]),
    )
    reader.problems += _unknown_principal_problems(top, org)
    if reader.problems:
        raise LabFileError(reader.problems)
    return org


def lab_file_too_large(size: int | None = None) -> LabFileError:
    """The error for a lab file of `size` bytes when EXCHSIM_LAB_FILE_MAX_BYTES is smaller; without `size` (an upload
    stops arriving at the limit, so its size is never known) the error only says it is larger."""
    limit = _megabytes(settings.EXCHSIM_LAB_FILE_MAX_BYTES)
    if size is None:
        message = f"This lab file is larger than {limit}, the largest lab file this exchsim loads"
    else:
        message = f"This lab file is {_megabytes(size)}; the largest lab file this exchsim loads is {limit}"
    return LabFileError([("", f"{message} (EXCHSIM_LAB_FILE_MAX_BYTES).")])


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 104_858 else f"{size:,} bytes"


def parse_lab_file(text: str):
    """The decoded JSON of a lab file's text (a UTF-8 byte-order mark, as Notepad writes, is dropped); LabFileError
    when it isn't JSON, nests deeper than the parser goes, or holds a number Python won't convert."""
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise LabFileError(
            [("", f"This isn't JSON: {error.msg} at line {error.lineno}, column {error.colno}.")]
        ) from None
    except RecursionError:
        raise LabFileError([("", "This isn't a lab file: its JSON nests too deeply to read.")]) from None
    except ValueError:  # Python refuses to convert an integer of more than 4,300 digits
        raise LabFileError([("", "This isn't a lab file: it holds a number too long to read.")]) from None


@transaction.atomic
def load_lab(
    text: str, slug: str | None = None, *, owner=None, origin: str = "the lab file", change=None
) -> models.Lab:
    """Create a lab from lab-file text, all or nothing; the file's state stays its baseline. LabFileError (a
    ValueError) names each offending path. The file's lab name gets a number when the owner has one so named."""
    data = parse_lab_file(text)
    org = data_to_org(data)
    lab = _new_lab(slug, None, data.get("name") or slug or "lab", owner=owner, description=data.get("description", ""))
    return _start_lab(lab, org, origin, change, "load")
