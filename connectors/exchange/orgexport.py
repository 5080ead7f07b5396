"""Writing an organisation as the collector's files: one Export-Clixml file per cmdlet, in Exchange's own shape.

This is what the collector script (collector.py) brings back from a real organisation, written from a lab instead:
`manage.py dumplab SLUG --clixml DIR-or-ZIP` for users who want to look at (or hand on) a lab in Exchange's format,
and the round-trip tests and the import benchmark, which read it back through importsources.read_sources.

Every object's properties are those EMS shows (psformat.properties, which reads the property catalogue), written as
a remote EMS session serializes them (type names "Deserialized.…"): text, numbers and booleans as <S>/<I32>/<B>,
Exchange's own types (sizes, time spans, enums, Fqdn) as an <Obj> with the type and the <ToString> EMS prints,
multi-valued properties as an <Obj> holding an <LST>. Passwords are not written: Exchange has none to export.

Group members and principals have no Exchange cmdlet of their own; the collector writes one "Exchsim.GroupMember"
object per membership (Group, Member, MemberType, MemberEmail), and one with Group $null for a principal that is a
member of nothing, so every principal named is known.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from . import psformat
from .clixml import NAMESPACE, escape
from .model import Organization, RecipientKind
from .receive_connector_properties import RECEIVE_CONNECTOR

DESERIALIZED = "Deserialized."
_DATA = "Microsoft.Exchange.Data"
_SYSTEM_CONFIG = f"{_DATA}.Directory.SystemConfiguration"
_MANAGEMENT = f"{_DATA}.Directory.Management"
_BASES = (f"{_DATA}.Directory.ADObject", f"{_DATA}.ConfigurableObject", "System.Object")

# file name -> the type names of its objects (most derived first), as Export-Clixml writes them
FILES: dict[str, tuple[str, ...]] = {
    "ExchangeServer.xml": (f"{_MANAGEMENT}.ExchangeServer", f"{_DATA}.Directory.ADPresentationObject", *_BASES),
    "MailboxServer.xml": (f"{_MANAGEMENT}.MailboxServer", f"{_DATA}.Directory.ADPresentationObject", *_BASES),
    "ReceiveConnector.xml": (
        f"{_SYSTEM_CONFIG}.ReceiveConnector",
        f"{_DATA}.Directory.ADLegacyVersionableObject",
        f"{_DATA}.Directory.ADConfigurationObject",
        *_BASES,
    ),
    "ADPermission.xml": (
        "Microsoft.Exchange.Management.RecipientTasks.ADAcePresentationObject",
        "Microsoft.Exchange.Configuration.Tasks.AcePresentationObject",
        f"{_DATA}.ConfigurableObject",
        "System.Object",
    ),
    "AcceptedDomain.xml": (
        f"{_SYSTEM_CONFIG}.AcceptedDomain",
        f"{_DATA}.Directory.ADConfigurationObject",
        *_BASES,
    ),
    "TransportConfig.xml": (
        f"{_SYSTEM_CONFIG}.TransportConfigContainer",
        f"{_DATA}.Directory.ADConfigurationObject",
        *_BASES,
    ),
    "RecipientFilterConfig.xml": (
        f"{_SYSTEM_CONFIG}.RecipientFilterConfig",
        f"{_SYSTEM_CONFIG}.MessageHygieneAgentConfig",
        f"{_DATA}.Directory.ADConfigurationObject",
        *_BASES,
    ),
    "Recipient.xml": (f"{_MANAGEMENT}.ReducedRecipient", *_BASES),
    "GroupMember.xml": ("Exchsim.GroupMember", "System.Management.Automation.PSCustomObject", "System.Object"),
}
_RECIPIENT_TYPES = {
    RecipientKind.MAILBOX: "UserMailbox",
    RecipientKind.MAIL_USER: "MailUser",
    RecipientKind.CONTACT: "MailContact",
    RecipientKind.GROUP: "MailUniversalDistributionGroup",
}
_MULTI = f"{_DATA}.MultiValuedProperty`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral]]"
_PRIMITIVE_TYPES = ("System.String", "System.Boolean", "System.Int32")
_TYPES = {
    "Fqdn": f"{_DATA}.Fqdn",
    "DomainName": f"{_DATA}.SmtpDomainWithSubdomains",
    "Identity": f"{_DATA}.Directory.ADObjectId",
    "Server": f"{_DATA}.Directory.ADObjectId",
    "AdminDisplayVersion": f"{_DATA}.ServerVersion",
    "ServerRole": f"{_SYSTEM_CONFIG}.ServerRole",
    "ExchangeVersion": f"{_DATA}.ExchangeObjectVersion",
    "User": "Microsoft.Exchange.Configuration.Tasks.SecurityPrincipalIdParameter",
}
_ITEM_TYPES = {"binding": f"{_DATA}.IPBinding", "ip range": f"{_DATA}.IPRange", "domain": f"{_DATA}.SmtpDomain"}
SCHEMA_VERSION = "0.1 (8.0.535.0)"  # every AD object's ExchangeVersion: its schema's, not the server's


class Writer:
    """One Export-Clixml file, written as the objects come (RefIds counted, repeated type lists as <TNRef>)."""

    def __init__(self, out: TextIO):
        self.out = out
        self.ref = 0
        self.type_lists: dict[tuple[str, ...], int] = {}
        out.write(f'<Objs Version="1.1.0.1" xmlns="{NAMESPACE}">\n')

    def close(self):
        self.out.write("</Objs>\n")

    def _types(self, names: tuple[str, ...]) -> str:
        names = tuple(DESERIALIZED + name if not name.startswith("Exchsim.") else name for name in names)
        if names in self.type_lists:
            return f'<TNRef RefId="{self.type_lists[names]}" />'
        self.type_lists[names] = number = len(self.type_lists)
        inner = "".join(f"<T>{_text(name)}</T>" for name in names)
        return f'<TN RefId="{number}">{inner}</TN>'

    def _obj_start(self, name: str | None) -> str:
        named = f" N={quoteattr(escape(name))}" if name is not None else ""
        ref, self.ref = self.ref, self.ref + 1
        return f'<Obj{named} RefId="{ref}">'

    def obj(self, type_names: tuple[str, ...], to_string: str, props: dict[str, tuple[str | None, object]]) -> None:
        """A top-level object. `props`: name -> (the .NET type of a complex value or None, the value as EMS holds
        it)."""
        parts = [self._obj_start(None), self._types(type_names), f"<ToString>{_text(to_string)}</ToString><Props>"]
        parts += [self.value(name, dotnet, value) for name, (dotnet, value) in props.items()]
        parts.append("</Props></Obj>\n")
        self.out.write("".join(parts))

    def value(self, name: str | None, dotnet: str | None, value) -> str:
        named = f" N={quoteattr(escape(name))}" if name is not None else ""
        if value is None:
            return f"<Nil{named} />"
        if isinstance(value, list):
            items = "".join(self.value(None, None, item) for item in value)
            return f"{self._obj_start(name)}{self._types((dotnet or _MULTI, 'System.Object'))}<LST>{items}</LST></Obj>"
        if dotnet is not None and dotnet not in _PRIMITIVE_TYPES:
            return (
                f"{self._obj_start(name)}{self._types((dotnet, 'System.Object'))}"
                f"<ToString>{_text(_printed(value))}</ToString></Obj>"
            )
        if isinstance(value, bool):
            return f"<B{named}>{'true' if value else 'false'}</B>"
        if isinstance(value, int):
            tag = "I32" if -(1 << 31) <= value < 1 << 31 else "I64"
            return f"<{tag}{named}>{int(value)}</{tag}>"
        if isinstance(value, uuid.UUID):
            return f"<G{named}>{value}</G>"
        return f"<S{named}>{_text(str(value))}</S>"


def _text(text: str) -> str:
    return xml_escape(escape(text))


def _printed(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


# --- what each file holds ------------------------------------------------------------------------------------------


def _servers(org: Organization) -> Iterator[tuple[str, dict]]:
    for server in org.servers:
        shown = psformat.properties(server, org)
        shown.pop("MAPIEncryptionRequired", None)  # Get-MailboxServer's, written there
        props = {name: (_TYPES.get(name), value) for name, value in shown.items()}
        props["IPAddresses"] = (None, list(server.ip_addresses))  # exchsim's; Get-ExchangeServer has no such thing
        props["ExchangeVersion"] = (_TYPES["ExchangeVersion"], SCHEMA_VERSION)
        yield server.name, props


# What Get-MailboxServer shows of what the server is (Get-ExchangeServer's export has it).
_SERVER_FACTS = ("ServerRole", "AdminDisplayVersion", "Fqdn", "Identity")


def _mailbox_servers(org: Organization) -> Iterator[tuple[str, dict]]:
    for server in org.servers:
        if server.has_mailbox:
            shown = psformat.properties(psformat.MailboxServer(server), org)
            props = {name: (None, value) for name, value in shown.items() if name not in _SERVER_FACTS}
            props["Identity"] = (_TYPES["Identity"], server.name)
            yield server.name, props


def _connectors(org: Organization) -> Iterator[tuple[str, dict]]:
    for connector in org.connectors:
        shown = psformat.properties(connector, org)
        props = {}
        for name, value in shown.items():
            prop = RECEIVE_CONNECTOR.by_name(name)
            dotnet = _TYPES.get(name) or (prop.dotnet if prop is not None else None)
            if isinstance(value, list) and prop is not None:
                item = _ITEM_TYPES.get(getattr(prop.kind, "item", ""), "System.String")
                dotnet = f"{_DATA}.MultiValuedProperty`1[[{item}]]"
            props[name] = (dotnet, value)
        props["ExchangeVersion"] = (_TYPES["ExchangeVersion"], SCHEMA_VERSION)
        yield connector.identity, props


def _permissions(org: Organization) -> Iterator[tuple[str, dict]]:
    for connector in org.connectors:
        for ace in connector.acl:
            shown = psformat.properties(psformat.Permission(connector, ace), org)
            props = {name: (_TYPES.get(name), value) for name, value in shown.items()}
            props["AccessRights"] = ("System.DirectoryServices.ActiveDirectoryRights[]", shown["AccessRights"])
            props["ExtendedRights"] = (f"{_DATA}.Directory.ExtendedRightIdParameter[]", shown["ExtendedRights"])
            yield "Microsoft.Exchange.Management.RecipientTasks.ADAcePresentationObject", props


def _domains(org: Organization) -> Iterator[tuple[str, dict]]:
    for domain in org.accepted_domains:
        shown = psformat.properties(domain, org)
        yield domain.name, {name: (_TYPES.get(name), value) for name, value in shown.items()}


def _transport_config(org: Organization) -> Iterator[tuple[str, dict]]:
    shown = psformat.properties(psformat.TransportConfig.of(org), org)
    yield "Transport Settings", {name: (None, value) for name, value in shown.items()}


def _recipient_filter_config(org: Organization) -> Iterator[tuple[str, dict]]:
    shown = psformat.properties(psformat.RecipientFilterConfig.of(org), org)
    yield "RecipientFilterConfig", {name: (None, value) for name, value in shown.items()}


def _recipients(org: Organization) -> Iterator[tuple[str, dict]]:
    for recipient in org.recipients:
        addresses = [("SMTP:" if i == 0 else "smtp:") + a for i, a in enumerate(recipient.addresses)]
        props = {
            "Name": (None, recipient.name),
            "RecipientType": (None, _RECIPIENT_TYPES[recipient.kind]),
            "PrimarySmtpAddress": (None, recipient.primary_address or None),
            "EmailAddresses": (f"{_DATA}.ProxyAddressCollection", addresses),
        }
        yield recipient.name, props


def _group_members(org: Organization) -> Iterator[tuple[str, dict]]:
    for principal in org.principals:
        for group in principal.member_of or (None,):
            props = {
                "Group": (None, group),
                "Member": (None, principal.name),
                "MemberType": (None, principal.kind.value),
                "MemberEmail": (None, principal.email or None),
            }
            yield f"{group} <- {principal.name}" if group else principal.name, props


_CONTENT = {
    "ExchangeServer.xml": _servers,
    "MailboxServer.xml": _mailbox_servers,
    "ReceiveConnector.xml": _connectors,
    "ADPermission.xml": _permissions,
    "AcceptedDomain.xml": _domains,
    "TransportConfig.xml": _transport_config,
    "RecipientFilterConfig.xml": _recipient_filter_config,
    "Recipient.xml": _recipients,
    "GroupMember.xml": _group_members,
}


def write_file(org: Organization, name: str, out: TextIO) -> int:
    """One of the collector's files (a FILES name) for `org`, written to `out`; returns how many objects."""
    writer = Writer(out)
    count = 0
    for to_string, props in _CONTENT[name](org):
        writer.obj(FILES[name], to_string, props)
        count += 1
    writer.close()
    return count


def file_names(org: Organization) -> Iterable[str]:
    """The files the collector would write for this organisation (recipients and groups only when it has any)."""
    for name in FILES:
        if name == "Recipient.xml" and not org.recipients:
            continue
        if name == "GroupMember.xml" and not org.principals:
            continue
        yield name


def export(org: Organization, target: str | Path) -> list[str]:
    """The collector's files for `org` into a folder, or a zip when `target` ends in .zip. UTF-8 with a BOM, as the
    collector's `Export-Clixml -Encoding UTF8` writes them. Returns the names written."""
    target = Path(target)
    names = list(file_names(org))
    if target.suffix.casefold() == ".zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in names:
                with archive.open(name, "w") as raw, _text_stream(raw) as out:
                    write_file(org, name, out)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            with open(target / name, "wb") as raw, _text_stream(raw) as out:
                write_file(org, name, out)
    return names


def export_bytes(org: Organization) -> dict[str, bytes]:
    """The collector's files for `org` in memory (tests, small labs)."""
    files = {}
    for name in file_names(org):
        raw = io.BytesIO()
        with _text_stream(raw) as out:
            write_file(org, name, out)
            out.flush()
            files[name] = raw.getvalue()
    return files


@contextlib.contextmanager
def _text_stream(raw):
    out = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="\r\n", write_through=False)
    try:
        yield out
    finally:
        out.flush()
        out.detach()
