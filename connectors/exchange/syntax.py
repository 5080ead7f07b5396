"""The syntax Exchange checks on names and addresses before it stores them: a connector's or server's FQDN and a
recipient's SMTP addresses. Every way into a lab (form, console, lab file, admin) calls these, so each refuses the
same values with the same words (docs/decisions.md, "Fqdn and SMTP address syntax")."""

from __future__ import annotations

import re

from .model import FieldError, Recipient

MAX_FQDN_LENGTH = 255
MAX_LOCAL_PART_LENGTH = 64
MAX_ADDRESS_LENGTH = 320

# A DNS label: letters, digits, hyphens (not first or last); Exchange's Fqdn type also takes underscores, which
# real Receive connector FQDNs contain (MicrosoftDocs SupportArticles-docs, certificate-assignment-fails...).
_FQDN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# RFC 5321 dot-atom local part.
_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")

INVALID_FQDN = (
    'Cannot convert value "{0}" to type "Microsoft.Exchange.Data.Fqdn". Error: "The FQDN "{0}" isn\'t valid. Use '
    'letters, digits and hyphens in labels separated by dots, for example mail.contoso.com."'
)
ALREADY_PRESENT = 'The value "{0}" is already present in the collection.'
INVALID_SMTP_ADDRESS = (
    "\"{0}\" isn't a valid SMTP address. The domain name can't contain spaces and it has to have a prefix and a "
    "suffix, such as example.com."
)


def is_fqdn(text: str) -> bool:
    """A host name or FQDN (a single label such as a NetBIOS name is a valid Fqdn value, as Exchange accepts)."""
    value = str(text)
    if not value or len(value) > MAX_FQDN_LENGTH:
        return False
    return all(_FQDN_LABEL.match(label) for label in value.removesuffix(".").split("."))


def fqdn_error(text: str, parameter: str = "Fqdn") -> FieldError | None:
    """None when `text` is a valid Fqdn; the empty value ($null) is valid and means "the server's FQDN"."""
    if text == "" or is_fqdn(text):
        return None
    return FieldError(parameter, INVALID_FQDN.format(text))


def is_smtp_address(address: str) -> bool:
    """local@domain.tld: a dot-atom local part and a domain of at least two DNS labels."""
    text = str(address)
    local, at, domain = text.rpartition("@")
    if not at or len(text) > MAX_ADDRESS_LENGTH or len(local) > MAX_LOCAL_PART_LENGTH:
        return False
    labels = domain.split(".")
    return bool(_LOCAL_PART.match(local)) and len(labels) >= 2 and all(_DOMAIN_LABEL.match(x) for x in labels)


def smtp_address_errors(addresses, parameter: str = "EmailAddresses") -> list[FieldError]:
    return [FieldError(parameter, INVALID_SMTP_ADDRESS.format(a)) for a in addresses if not is_smtp_address(a)]


def validate_recipient(recipient: Recipient) -> list[FieldError]:
    """A recipient's addresses: at least one, each a valid SMTP address, none twice."""
    if not recipient.addresses:
        return [FieldError("EmailAddresses", "A recipient needs at least one SMTP address.")]
    errors = smtp_address_errors(recipient.addresses)
    seen: set[str] = set()
    for address in recipient.addresses:
        if address.casefold() in seen:
            errors.append(FieldError("EmailAddresses", ALREADY_PRESENT.format(address)))
        seen.add(address.casefold())
    return errors
