"""How long each stored text may be, declared once: the engine refuses a longer value, or one holding NUL, in
Exchange's words before anything reaches a database, and each Django model field reads its max_length here
(connectors/models.py), so SQLite and PostgreSQL give the same answer. Sources and choices: docs/decisions.md.

None means free text without a length limit (a TEXT column); it still can't hold NUL, which PostgreSQL refuses.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import ACE, AcceptedDomain, FieldError, Organization, Principal, ReceiveConnector, Recipient, Server

NAME = 64  # an Active Directory object's cn: receive connectors, accepted domains, recipients
NETBIOS = 15  # a NetBIOS computer or domain name
FQDN = 255  # a DNS name (the Fqdn type)
DOMAIN_NAME = 256  # SmtpDomainWithSubdomains, as P-NAD documents it
ACCOUNT = 255  # DOMAIN\account, as -User takes it
BANNER = 500  # within an SMTP reply line (RFC 5321: 512 octets with the code and CRLF)
SMTP_ADDRESS = 255
PASSWORD = 128

# engine type -> {field: (Exchange parameter, longest length or None)}. Enum-valued fields (version, usage, kinds,
# roles, auth mechanism) are written from closed lists and are not here.
TEXT_LIMITS: dict[type, dict[str, tuple[str, int | None]]] = {
    Organization: {
        "name": ("OrganizationName", NAME),
        "domain_netbios": ("DomainNetBIOSName", NETBIOS),
        "tls_receive_domain_secure_list": ("TLSReceiveDomainSecureList", None),
        "supervision_tags": ("SupervisionTags", None),  # the one free-text setting Set-TransportConfig stores
    },
    Server: {"name": ("Name", NETBIOS), "fqdn": ("Fqdn", FQDN), "ip_addresses": ("IPAddresses", None)},
    ReceiveConnector: {
        "name": ("Name", NAME),
        "fqdn": ("Fqdn", FQDN),
        "banner": ("Banner", BANNER),
        "comment": ("Comment", None),
    },
    ACE: {
        "principal": ("User", ACCOUNT),
        "group": ("PermissionGroups", 30),
        # schema object names (ADSchemaObjectIdParameter) the lab doesn't resolve: free text in the JSON properties
        "inherited_object_type": ("InheritedObjectType", None),
        "child_object_types": ("ChildObjectTypes", None),
        "object_properties": ("Properties", None),
    },
    AcceptedDomain: {"name": ("Name", NAME), "domain_name": ("DomainName", DOMAIN_NAME)},
    Recipient: {"name": ("Name", NAME), "addresses": ("EmailAddresses", None)},
    Principal: {
        "name": ("User", ACCOUNT),
        "member_of": ("MemberOf", None),
        "smtp_password": ("Password", PASSWORD),
        "email": ("Email", SMTP_ADDRESS),
    },
}

TOO_LONG = (
    "The length of the property is too long. The maximum length is {limit} and the length of the value provided "
    "is {length}."
)
HOLDS_NUL = "The value of {parameter} contains the null character (U+0000), which Exchange can't store."


def max_length(kind: type, field: str) -> int:
    """The longest value of `kind.field`, for a model's CharField (KeyError when the field is free text)."""
    limit = TEXT_LIMITS[kind][field][1]
    if limit is None:
        raise KeyError(f"{kind.__name__}.{field} is free text without a length limit")
    return limit


def _texts(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        yield from (item for item in value if isinstance(item, str))


def field_text_errors(kind: type, field: str, value) -> list[FieldError]:
    """NUL, or a text longer than the limit of `kind.field`, in `value` (a text or a tuple of texts)."""
    parameter, limit = TEXT_LIMITS[kind][field]
    errors = []
    for text in _texts(value):
        if "\0" in text:
            errors.append(FieldError(parameter, HOLDS_NUL.format(parameter=parameter)))
        elif limit is not None and len(text) > limit:
            errors.append(FieldError(parameter, TOO_LONG.format(limit=limit, length=len(text))))
    return errors


def text_errors(value) -> list[FieldError]:
    """Every text problem in one engine value's own fields (not in the values it holds, such as a connector's ACEs)."""
    fields = TEXT_LIMITS.get(type(value), {})
    return [error for field in fields for error in field_text_errors(type(value), field, getattr(value, field))]


def lab_wide_text_errors(org: Organization) -> list[FieldError]:
    """The texts no object validator covers: the organisation's own settings, recipients and principals."""
    return [error for value in (org, *org.recipients, *org.principals) for error in text_errors(value)]
