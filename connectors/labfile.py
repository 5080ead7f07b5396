"""The lab file format (docs/lab-format.md; its schema is connectors/labschema.py): the writer (org_to_data,
dump_lab) and the reader (parse_lab_file, data_to_org), which reports every problem with its path."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.conf import settings

from . import labschema, models
from .convert import parse_roles, principal_fields, recipient_fields
from .exchange import organization_properties, server_properties
from .exchange.acl import NO_SUCH_PRINCIPAL, ace_options, known_principals
from .exchange.catalogue import (
    canonical_principal,
    canonical_right,
    canonical_usage,
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
)
from .exchange.property_rows import PropertySet
from .exchange.receive import validate_receive_connector
from .exchange.servers import validate_server
from .exchange.syntax import validate_recipient
from .store import lab_to_org

FORMAT_NAME = labschema.FORMAT_NAME
FORMAT_VERSION = labschema.FORMAT_VERSION


class LabFileError(ValueError):
    """A lab file that can't be loaded; every line names the offending path (servers[0].receive_connectors[2].…)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{path}: {message}" if path else message for path, message in problems))


def _catalogued_data(obj, catalogue: PropertySet, schema: dict) -> dict:
    """The object's catalogued properties that are keys of `schema`, in their JSON form (the catalogue's data)."""
    found = (catalogue.by_field(key) for key in schema)
    return {prop.field: prop.data(getattr(obj, prop.field)) for prop in found if prop is not None}


# A server's mailbox settings are written for the servers that have them (Mailbox role, their version's).
_MAILBOX_KEYS = {prop.field for prop in server_properties.MAILBOX_SETTINGS}


def _server_data(server: Server, connectors: Iterable[ReceiveConnector]) -> dict:
    has = {prop.field for prop in server.mailbox_settings()}
    keys = {key: k for key, k in labschema.SERVER.items() if key not in _MAILBOX_KEYS or key in has}
    return {
        **_catalogued_data(server, server_properties.SERVER, keys),
        "version": server.version.value,  # by its name (2016), not as AdminDisplayVersion
        "roles": [role.value for role in ServerRole if role in server.roles],
        "receive_connectors": [_connector_data(c) for c in connectors],
    }


def _connector_data(connector: ReceiveConnector) -> dict:
    return {
        "usage": connector.usage,
        **{prop.field: prop.data(getattr(connector, prop.field)) for prop in labschema.CONNECTOR_PROPERTIES},
        "created_by_setup": connector.created_by_setup,
        "acl": [
            {
                "principal": a.principal,
                "right": a.right,
                "deny": a.deny,
                "inherited": a.inherited,
                "group": a.group,
                **a.options,  # the ACE options that differ from the defaults (-InheritanceType ...)
            }
            for a in connector.acl
        ],
    }


def org_to_data(org: Organization) -> dict:
    return {
        "organization": {
            "name": org.name,
            "domain_netbios": org.domain_netbios,
            **_catalogued_data(org, organization_properties.TRANSPORT_CONFIG, labschema.ORGANIZATION),
        },
        "servers": [_server_data(s, org.connectors_of(s.name)) for s in org.servers],
        "accepted_domains": [
            _catalogued_data(d, organization_properties.ACCEPTED_DOMAIN, labschema.ACCEPTED_DOMAIN)
            for d in org.accepted_domains
        ],
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


def _ace_options(ace: dict) -> dict:
    """An ACE's options as Add-ADPermission takes them (the inheritance type's case made canonical)."""
    return ace_options(
        ace["inheritance_type"], ace["inherited_object_type"], ace["child_object_types"], ace["object_properties"]
    )


def _read_connector(reader: _Reader, path: str, fields: dict, server_name: str) -> ReceiveConnector | None:
    acl = []
    for ace_path, ace in _items(fields, f"{path}.", "acl", labschema.ACE_KEYS):
        right = reader.convert(f"{ace_path}.right", canonical_right, ace["right"], ace["right"])
        options = reader.convert(f"{ace_path}.inheritance_type", _ace_options, ace, {})
        acl.append(ACE(ace["principal"], right, ace["deny"], ace["inherited"], ace["group"], **options))
    parsed = {}
    for prop in labschema.CONNECTOR_PROPERTIES:
        key, value = f"{path}.{prop.field}", fields[prop.field]
        if prop.kind.multi:  # each entry is reported at its own path: bindings[2]
            one = lambda text, prop=prop: prop.parse([text])  # noqa: E731
            items = [reader.convert(f"{key}[{i}]", one, text, _FAILED) for i, text in enumerate(value)]
            parsed[prop.field] = _FAILED if _FAILED in items else tuple(i for item in items for i in item)
        else:
            parsed[prop.field] = reader.convert(key, prop.parse, value, _FAILED)
    if _FAILED in parsed.values():
        return None
    usage = canonical_usage(fields["usage"])
    return ReceiveConnector(
        server=server_name, usage=usage, created_by_setup=fields["created_by_setup"], acl=tuple(acl), **parsed
    )


_FAILED = object()  # a value the reader refused (None is a value: MessageRateLimit Unlimited)


def _read_server(reader: _Reader, path: str, fields: dict, given: dict) -> Server | None:
    """A server; a mailbox setting the file doesn't give (`given` is the entry as written) has its default for the
    server's version, as Setup leaves it."""
    roles = reader.convert(f"{path}.roles", parse_roles, fields["roles"])
    if roles is None:
        return None
    settings = {}
    for prop in server_properties.MAILBOX_SETTINGS:
        if prop.field in given:
            settings[prop.field] = _read_setting(reader, prop, fields[prop.field], f"{path}.{prop.field}", _FAILED)
    if _FAILED in settings.values():
        return None
    server = Server(
        fields["name"],
        fields["fqdn"],
        ExchangeVersion.parse(fields["version"]),
        roles,
        tuple(fields["ip_addresses"]),
        fields["mapi_encryption_required"],
        **settings,
    )
    reader.report(path, validate_server(server), models.SERVER_FIELDS)
    return server


def _field_path(path: str, error: FieldError, names: dict) -> str:
    return f"{path}.{names[error.field]}" if error.field in names else path


def _read_servers(reader: _Reader, top: dict, netbios: str) -> tuple[list[Server], list[ReceiveConnector]]:
    """Servers and their connectors; each connector is validated against its own server's others."""
    servers, connectors, seen = [], [], set()
    for (server_path, fields), given in zip(_items(top, "", "servers", labschema.SERVER), top["servers"], strict=True):
        server = _read_server(reader, server_path, fields, given)
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


def _read_setting(reader: _Reader, prop, value, path: str = "", fallback=None):
    """One setting of the organisation (or a server's, at `path`): parsed by its catalogue row, out-of-range values
    refused in Exchange's words."""
    path = path or f"organization.{prop.field}"
    parsed = reader.convert(path, prop.parse, value, _FAILED if fallback is _FAILED else prop.default)
    if parsed is _FAILED:
        return parsed
    problems = prop.problems(parsed)
    reader.problems += [(path, message) for message in problems]
    return parsed


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
    # A setting the file leaves out has the default of the lab's versions, as docs/lab-format.md says.
    defaults = organization_properties.organization_defaults(servers)
    written = top["organization"]
    org = Organization(
        name=organization["name"],
        domain_netbios=organization["domain_netbios"],
        servers=tuple(servers),
        connectors=tuple(connectors),
        accepted_domains=tuple(_read_domains(reader, top)),
        recipients=tuple(_read_recipients(reader, top)),
        principals=tuple(_read_principals(reader, top)),
        **{
            p.field: _read_setting(reader, p, organization[p.field]) if p.field in written else defaults[p.field]
            for p in organization_properties.TRANSPORT_CONFIG
        },
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
