"""The import's directory half: accepted domains, the transport and recipient-filter settings, recipients and the
principals of the lab's directory, from what Get-AcceptedDomain, Get-TransportConfig, Get-RecipientFilterConfig,
Get-Recipient and the collector's group members exported; and the organisation's own names. importmap.py calls it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace

from .catalogue import WELL_KNOWN_SIDS, canonical_principal, exchange_servers_group, legacy_interop_group
from .directory_properties import GROUP_MEMBER, RECIPIENT
from .domains import domain_name_errors, validate_accepted_domains
from .errors import ExchangeError
from .importvalues import Exported, Mapper
from .model import AcceptedDomain, DomainType, Principal, PrincipalKind, Recipient, RecipientKind
from .organization_properties import ACCEPTED_DOMAIN, RECIPIENT_FILTER, TRANSPORT_CONFIG, TRANSPORT_SETTINGS
from .syntax import validate_recipient

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
# The properties recipients() reads (the report lists the others once each as unused): the last three aren't catalogue
# rows, but give the type, the primary address and the account.
_RECIPIENT_READ = {
    "name",
    "recipienttype",
    "emailaddresses",
    "recipienttypedetails",
    "primarysmtpaddress",
    "samaccountname",
}
_NOT_DOMAINS = {"nt authority", "ms exchange", "builtin", "nt-autorität", "autorite nt"}
_ORG_IN_DN = re.compile(r"CN=([^,]+),CN=Microsoft Exchange,CN=Services,", re.IGNORECASE)


# --- The organisation's names ------------------------------------------------------------------------------------


def netbios_name(objects: dict[str, list[Exported]]) -> str:
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


def organization_name(objects: dict[str, list[Exported]], netbios: str) -> str:
    """The Exchange organisation's name, from any exported DistinguishedName (CN=<org>,CN=Microsoft Exchange,…)."""
    for kind in ("ExchangeServer", "ReceiveConnector", "AcceptedDomain", "TransportConfig"):
        for obj in objects.get(kind, []):
            match = _ORG_IN_DN.search(str(obj.get("DistinguishedName") or ""))
            if match:
                return match.group(1)
    return netbios.title()


# --- Domains, settings, recipients, principals -----------------------------------------------------------------------


def accepted_domains(mapper: Mapper, objects: list[Exported]) -> list[AcceptedDomain]:
    """The accepted domains; one domain in two files (the organisation's collection and an Edge server's, which
    EdgeSync gave the same domains) is one domain when they agree, a problem naming both files when they don't."""
    domains = []
    seen: dict[str, tuple[AcceptedDomain, Exported]] = {}
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
        domain = AcceptedDomain(
            name=str(values.get("name") or domain_name),
            domain_name=domain_name,
            domain_type=domain_type,
            default=bool(values.get("default", False)),
            address_book_enabled=bool(values.get("address_book_enabled", domain_type is DomainType.AUTHORITATIVE)),
            match_subdomains=bool(values.get("match_subdomains", False)),
            # the settings stored and shown, not simulated (PendingRemoval, ...), as exported; else their defaults
            **{p.field: values[p.field] for p in ACCEPTED_DOMAIN if not p.simulated and p.field in values},
        )
        key = domain_name.casefold()
        if key in seen:
            first, first_obj = seen[key]
            if first != domain and first_obj.source != obj.source:
                mapper.problem(
                    obj,
                    "DomainName",
                    f"The files disagree about the accepted domain {domain_name}: it isn't the same in "
                    f"{first_obj.source} ({first_obj.position}) and here. Import exports of one collection only.",
                )
            if first_obj.source != obj.source:
                continue  # the same domain again, from another file: one domain (in one file, Exchange's refusal)
        seen.setdefault(key, (domain, obj))
        domains.append(domain)
    for error in validate_accepted_domains(domains):
        mapper.problem(objects[0] if objects else None, error.field, error.message)
    return domains


def recipients(mapper: Mapper, objects: list[Exported], netbios: str) -> tuple[list[Recipient], list[Principal]]:
    """Recipients (their SMTP addresses, primary first) and the accounts of those that sign in."""
    recipients, accounts, owners = [], [], {}
    named: dict[str, Recipient] = {}
    for obj in objects:
        raw_type = str(obj.get("RecipientTypeDetails") or obj.get("RecipientType") or "UserMailbox")
        kind_name = _RECIPIENT_KINDS.get(raw_type.strip().casefold(), raw_type)
        addresses = _smtp_addresses(obj.get("EmailAddresses"), obj.get("PrimarySmtpAddress"))
        values = {}
        if obj.has("Name"):
            try:
                values["name"] = mapper.values.parse(RECIPIENT.by_name("Name"), obj.get("Name"))
            except ExchangeError as error:
                mapper.problem(obj, "Name", error.message)
        for key, (name, _) in obj.properties.items():
            if key not in _RECIPIENT_READ:
                mapper.unused(obj.kind, name)
        try:
            kind = RecipientKind(RECIPIENT.by_name("RecipientType").parse(kind_name))
        except ExchangeError as error:
            mapper.problem(obj, "RecipientType", error.message)
            continue
        recipient = Recipient(str(values.get("name") or obj.identity), kind, addresses)
        if recipient.name.casefold() in named:
            if named[recipient.name.casefold()] == recipient:
                continue  # the same recipient again (two collections): once
            # Exchange keeps names unique per OU only; the lab tells recipients apart by name, and keeping one of two
            # would lose the other's addresses without a word.
            recipient = replace(recipient, name=_another_name(recipient.name, named))
            mapper.report.note(
                f"Two recipients are named {values.get('name') or obj.identity} ({obj.source}, {obj.position}): in "
                f"the lab, which tells recipients apart by name, this one is {recipient.name}."
            )
        named[recipient.name.casefold()] = recipient
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


def _another_name(name: str, taken) -> str:
    """`name (2)`, `name (3)`, … whichever is free, cut to Exchange's 64 characters."""
    for number in range(2, len(taken) + 3):
        suffix = f" ({number})"
        candidate = name[: 64 - len(suffix)] + suffix
        if candidate.casefold() not in taken:
            return candidate
    raise AssertionError("unreachable: fewer names are taken than tried")


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


def principals(
    mapper: Mapper, accounts: list[Principal], members: list[Exported], connectors, netbios: str
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


def settings(mapper: Mapper, objects: dict[str, list[Exported]]) -> dict:
    """The organisation's transport settings. An Edge server's collection has its own Get-TransportConfig and
    Get-RecipientFilterConfig; where it differs from the organisation's, the lab (one value for the organisation)
    keeps the first file's and a note says so."""
    found, where = {}, {}
    for kind in ("TransportConfig", "RecipientFilterConfig"):
        for obj in objects.get(kind, []):
            rows = TRANSPORT_SETTINGS if kind == "TransportConfig" else RECIPIENT_FILTER
            values = mapper.read(obj, rows)
            mapper.check(obj, rows, values)
            for name, value in values.items():
                if name not in found:
                    found[name], where[name] = value, obj.source
                elif found[name] != value:
                    label = TRANSPORT_CONFIG.by_field(name).name
                    mapper.report.note(
                        f"{label} differs between {where[name]} and {obj.source}; the lab has one value for the "
                        f"organisation and keeps {where[name]}'s."
                    )
    return found
