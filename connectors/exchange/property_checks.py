"""Rules of one property value beyond its type's, in Exchange's words: a banner's 220, a certificate name's
<I>issuer<S>subject, SMTP addresses and domains, cultures and enhanced status codes as PowerShell converts them.
A catalogue row names its rule in `check` (property_rows.Property)."""

from __future__ import annotations

import re
from collections.abc import Callable

from .property_kinds import BAD_FORMAT, CONVERT, convert_error, error_text

BANNER = "The banner must start with a status code of 220 and contain only seven bit ASCII characters."
_CERTIFICATE_NAME = re.compile(r"<I>.+<S>.+", re.DOTALL)


def banner(value) -> str | None:
    return None if not value or (value.startswith("220") and value.isascii()) else BANNER


def certificate_name(value) -> str | None:
    if not value or _CERTIFICATE_NAME.fullmatch(value):
        return None
    return convert_error("TlsCertificateName", value, "Microsoft.Exchange.Data.SmtpX509Identifier").message


def smtp_addresses(value) -> str | None:
    from .syntax import INVALID_SMTP_ADDRESS, is_smtp_address  # syntax.py reads model.py, which the catalogue builds

    bad = next((address for address in value if not is_smtp_address(address)), None)
    return None if bad is None else INVALID_SMTP_ADDRESS.format(bad)


def smtp_address(value) -> str | None:
    return smtp_addresses((value,)) if value else None  # empty: $null, the default


def _converts(parameter: str, type_name: str, valid: Callable[[str], bool], reason: str = "") -> Callable:
    """A check of a value (or each item of a list) that PowerShell converts to `type_name`: a value that doesn't parse
    gets the transformation error naming the parameter and the type (with .NET's reason when there is one)."""

    def check(value) -> str | None:
        for item in value if isinstance(value, tuple) else (value,):
            if item and not valid(item):
                error = CONVERT.format(parameter, error_text(item)) + f' to type "{type_name}".'
                return error + f' Error: "{reason}"' if reason else error
        return None

    return check


def _is_smtp_domain(text: str) -> bool:
    from .domains import domain_name_errors  # domains.py reads model.py, which the catalogue builds

    return "*" not in text and not domain_name_errors(text)


SMTP_DOMAIN = "Microsoft.Exchange.Data.SmtpDomain"
_DSN_CODE = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}")
_CULTURE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,4}")  # BCP 47 as .NET names cultures: en-US, sr-Latn-RS

_CHECKS = {
    "culture": lambda name: _converts(
        name, "System.Globalization.CultureInfo", _CULTURE.fullmatch, "Culture is not supported."
    ),
    "domain": lambda name: _converts(name, SMTP_DOMAIN, _is_smtp_domain),
    "dsn code": lambda name: _converts(
        name, "Microsoft.Exchange.Data.EnhancedStatusCode", _DSN_CODE.fullmatch, BAD_FORMAT
    ),
    "address": lambda name: smtp_address,
}


def syntax_check(parameter: str, item: str) -> Callable[[object], str | None] | None:
    """The check of a text or list whose items are `item` ("culture", "domain", "dsn code", "address"), naming
    `parameter` in its error; None for items of no syntax of their own."""
    check = _CHECKS.get(item)
    return check(parameter) if check else None
