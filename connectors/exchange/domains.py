"""Accepted domains: which recipient domains the organisation accepts and how it treats them (reference §6).

`AcceptedDomainTable` answers "which accepted domain does this address domain fall under?" the way Exchange's
`DomainMatchMap.GetBestMatch` does: an exact entry first, then `*.suffix` entries from the longest suffix to the
shortest, then `*`. `validate_accepted_domains`, `new_accepted_domain`, `set_accepted_domain` and
`remove_accepted_domain` implement the rules of the AcceptedDomain cmdlets with Exchange's error texts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .errors import ExchangeError, ValidationFailed
from .limits import field_text_errors
from .model import AcceptedDomain, DomainType, FieldError

STAR = "*"
OPEN_RELAY_WARNING = "Configuring '*' as an accepted domain creates an open relay that isn't recommended."
STAR_AUTHORITATIVE = "The * domain cannot be marked as Authoritative."
STAR_DEFAULT = "The * domain cannot be marked as the default accepted domain."
STAR_FIRST = "The * domain cannot be the first accepted domain. Create an Authoritative accepted domain first."
NO_DEFAULT = "There must be one default accepted domain. Use Set-AcceptedDomain -MakeDefault $true on one of them."
SEVERAL_DEFAULTS = "Only one accepted domain can be the default. {names} are all marked as default."
REMOVE_DEFAULT = (
    "The accepted domain '{name}' is the default accepted domain and can't be removed. "
    "Make another accepted domain the default first."
)

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class DomainMatch:
    """Which accepted domain a domain falls under and how it got there (`how`: exact, subdomain or star)."""

    domain: AcceptedDomain
    how: str
    reason: str


class AcceptedDomainTable:
    """The organisation's accepted domains, indexed once for fast best-match look-ups."""

    def __init__(self, domains: Iterable[AcceptedDomain]):
        self.domains = tuple(domains)
        self._exact: dict[str, AcceptedDomain] = {}
        self._suffixes: dict[str, AcceptedDomain] = {}
        self._star: AcceptedDomain | None = None
        wildcards, subdomain_matchers = [], []
        for entry in self.domains:
            name = entry.domain_name.casefold()
            if name == STAR:
                self._star = entry
            elif name.startswith("*."):
                wildcards.append((name[2:], entry))
            else:
                self._exact[name] = entry
                if entry.match_subdomains:
                    subdomain_matchers.append((name, entry))
        # An explicit *.domain entry covers the subdomains before a MatchSubDomains entry for the same suffix does.
        for suffix, entry in wildcards + subdomain_matchers:
            # `*.contoso.com` also accepts contoso.com itself unless contoso.com has its own entry.
            self._exact.setdefault(suffix, entry)
            self._suffixes.setdefault(suffix, entry)

    def lookup(self, domain: str) -> DomainMatch | None:
        name = domain.strip().casefold().rstrip(".")
        entry = self._exact.get(name)
        if entry is not None:
            how = "exact" if entry.domain_name.casefold() == name else "subdomain"
            return DomainMatch(entry, how, f"{name} {_describe_hit(entry, how)}")
        # Walking the labels from the left tries the longest suffix first, so the most specific wildcard wins.
        position = name.find(".")
        while position != -1:
            entry = self._suffixes.get(name[position + 1 :])
            if entry is not None:
                return DomainMatch(entry, "subdomain", f"{name} {_describe_hit(entry, 'subdomain')}")
            position = name.find(".", position + 1)
        if self._star is not None:
            return DomainMatch(self._star, "star", f"{name} {_describe_hit(self._star, 'star')}")
        return None

    def match(self, domain: str) -> AcceptedDomain | None:
        found = self.lookup(domain)
        return found.domain if found else None

    def explain(self, domain: str) -> str:
        found = self.lookup(domain)
        if found is None:
            return f"{domain.strip().casefold()} is not an accepted domain (no exact, *.domain or * entry matches it)"
        return found.reason

    @property
    def default(self) -> AcceptedDomain | None:
        return next((d for d in self.domains if d.default), None)


def _describe_hit(entry: AcceptedDomain, how: str) -> str:
    kind = f"{entry.domain_type.value} accepted domain '{entry.name}' ({entry.domain_name})"
    if how == "exact":
        return f"is the {kind}"
    if how == "star":
        return f"matches no other entry, so it falls under the {kind}, which accepts every domain"
    return f"falls under the {kind}, the most specific entry that covers it"


def domain_name_errors(domain_name: str) -> list[FieldError]:
    """Syntax of an accepted domain's DomainName: `contoso.com`, `*.contoso.com` or `*`."""
    text = domain_name.strip()
    too_long_or_nul = field_text_errors(AcceptedDomain, "domain_name", text)
    if too_long_or_nul:
        return too_long_or_nul
    if text == STAR:
        return []
    labels = text.casefold().removeprefix("*.").split(".")
    if "*" in "".join(labels):
        return [
            FieldError(
                "DomainName",
                f"'{text}' isn't a valid SMTP domain. You can use a wildcard only as the first label "
                "(*.contoso.com); you can't embed a wildcard character (domain.*.contoso.com).",
            )
        ]
    if not all(_LABEL.match(label) for label in labels):
        return [FieldError("DomainName", f"'{text}' isn't a valid SMTP domain.")]
    return []


def validate_accepted_domains(domains: Iterable[AcceptedDomain]) -> list[FieldError]:
    """Every rule that must hold for the organisation's whole set of accepted domains, in Exchange's words."""
    domains = tuple(domains)
    errors: list[FieldError] = []
    seen_names: set[str] = set()
    seen_domains: set[str] = set()
    for entry in domains:
        errors += field_text_errors(AcceptedDomain, "name", entry.name)
        errors += domain_name_errors(entry.domain_name)
        name_key, domain_key = entry.name.casefold(), entry.domain_name.strip().casefold()
        if name_key in seen_names:
            errors.append(FieldError("Name", f"An accepted domain with the name '{entry.name}' already exists."))
        if domain_key in seen_domains:
            errors.append(FieldError("DomainName", f"The domain '{entry.domain_name}' is already an accepted domain."))
        seen_names.add(name_key)
        seen_domains.add(domain_key)
        if domain_key == STAR:
            if entry.domain_type is DomainType.AUTHORITATIVE:
                errors.append(FieldError("DomainType", STAR_AUTHORITATIVE))
            if entry.default:
                errors.append(FieldError("MakeDefault", STAR_DEFAULT))
    if domains and all(d.domain_name.strip() == STAR for d in domains):
        errors.append(FieldError("DomainName", STAR_FIRST))
    defaults = [d for d in domains if d.default]
    if domains and not defaults:
        errors.append(FieldError("MakeDefault", NO_DEFAULT))
    elif len(defaults) > 1:
        names = ", ".join(f"'{d.name}'" for d in defaults)
        errors.append(FieldError("MakeDefault", SEVERAL_DEFAULTS.format(names=names)))
    return errors


@dataclass(frozen=True)
class DomainChange:
    """The result of an AcceptedDomain cmdlet: the whole new list (MakeDefault touches others), the object, warnings."""

    domains: tuple[AcceptedDomain, ...]
    domain: AcceptedDomain | None
    warnings: tuple[str, ...] = ()


def _checked(
    domains: tuple[AcceptedDomain, ...], entry: AcceptedDomain, warnings: tuple[str, ...] = ()
) -> DomainChange:
    errors = validate_accepted_domains(domains)
    if errors:
        raise ValidationFailed(errors)
    return DomainChange(domains, entry, warnings)


def find_accepted_domain(domains: Iterable[AcceptedDomain], identity: str) -> AcceptedDomain:
    """Resolve -Identity (Name or DomainName) like Get-AcceptedDomain does."""
    wanted = identity.strip().casefold()
    domains = tuple(domains)
    found = next((d for d in domains if d.name.casefold() == wanted), None) or next(
        (d for d in domains if d.domain_name.casefold() == wanted), None
    )
    if found is None:
        raise ExchangeError(f"The operation couldn't be performed because object '{identity}' couldn't be found.")
    return found


def new_accepted_domain(
    domains: Iterable[AcceptedDomain],
    name: str,
    domain_name: str,
    domain_type: DomainType | str = "Authoritative",
    match_subdomains: bool = False,
) -> DomainChange:
    """New-AcceptedDomain: the first domain becomes the default; AddressBookEnabled follows the type (Authoritative)."""
    domains = tuple(domains)
    kind = _domain_type(domain_type)
    if not name.strip():
        raise ExchangeError("The Name parameter can't be empty.", "Name")
    errors = domain_name_errors(domain_name)
    if errors:
        raise ValidationFailed(errors)
    entry = AcceptedDomain(
        name=name.strip(),
        domain_name=domain_name.strip().lower(),
        domain_type=kind,
        default=not domains,
        address_book_enabled=kind is DomainType.AUTHORITATIVE,
        match_subdomains=match_subdomains,
    )
    return _checked((*domains, entry), entry, (OPEN_RELAY_WARNING,) if entry.domain_name == STAR else ())


def set_accepted_domain(
    domains: Iterable[AcceptedDomain],
    identity: str,
    *,
    name: str | None = None,
    domain_type: DomainType | str | None = None,
    make_default: bool | None = None,
    address_book_enabled: bool | None = None,
    match_subdomains: bool | None = None,
    stored: dict | None = None,
) -> DomainChange:
    """Set-AcceptedDomain. DomainName can't be changed after creation; `-MakeDefault $true` moves the default here.
    `stored`: the settings kept and shown but not simulated (PendingRemoval, ...), by engine field."""
    domains = tuple(domains)
    target = find_accepted_domain(domains, identity)
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = name.strip()
    if domain_type is not None:
        changes["domain_type"] = _domain_type(domain_type)
        changes["address_book_enabled"] = changes["domain_type"] is DomainType.AUTHORITATIVE
    if address_book_enabled is not None:
        changes["address_book_enabled"] = address_book_enabled
    if match_subdomains is not None:
        changes["match_subdomains"] = match_subdomains
    if make_default:
        changes["default"] = True
    changes.update(stored or {})
    updated = replace(target, **changes)
    result = tuple(
        updated if d is target else (replace(d, default=False) if make_default and d.default else d) for d in domains
    )
    return _checked(result, updated)


def remove_accepted_domain(domains: Iterable[AcceptedDomain], identity: str) -> DomainChange:
    """Remove-AcceptedDomain: the default accepted domain can only be replaced, never removed."""
    domains = tuple(domains)
    target = find_accepted_domain(domains, identity)
    if target.default:
        raise ExchangeError(REMOVE_DEFAULT.format(name=target.name), "Identity")
    return DomainChange(tuple(d for d in domains if d is not target), None)


def _domain_type(value: DomainType | str) -> DomainType:
    if isinstance(value, DomainType):
        return value
    wanted = str(value).strip().casefold()
    for kind in DomainType:
        if kind.value.casefold() == wanted:
            return kind
    choices = ", ".join(k.value for k in DomainType)
    raise ExchangeError(
        f"Cannot bind parameter 'DomainType'. Cannot convert value \"{value}\" to type "
        f'"Microsoft.Exchange.Data.AcceptedDomainType". Error: "Unable to match the identifier name {value} to a '
        f'valid enumerator name. Specify one of the following enumerator names and try again: {choices}"',
        "DomainType",
    )
