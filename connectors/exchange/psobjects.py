"""EMS's value types as the console holds them: a ByteQuantifiedSize, an IPRange, an IPBinding.

Each is an int or a str (so it prints, sorts, exports and binds back to a parameter as EMS's text does) that also has
the members scripts call on it: `$c.MaxMessageSize.ToMB()`, `$c.Bindings[0].Port`, `$r.LowerBound`, and compares as
EMS compares it: `$c.RemoteIPRanges -contains "10.0.0.5"` finds 10.0.0.5/32, since PowerShell converts the right
operand to the left's type (an IPRange) before comparing.
"""

from __future__ import annotations

from . import addresses
from .errors import ExchangeError
from .property_kinds import format_size
from .receive_connector_properties import RECEIVE_CONNECTOR

_UNITS = {"tobytes": 0, "tokb": 10, "tomb": 20, "togb": 30, "totb": 40}


class Size(int):
    """A ByteQuantifiedSize: compares as its bytes, prints `36 MB (37,748,736 bytes)`, has ToBytes() … ToTB()."""

    def __str__(self) -> str:
        return format_size(int(self))

    def ps_method(self, name: str, args: list):
        if name in _UNITS:
            return int(self) >> _UNITS[name]  # EMS truncates: 37,748,736 bytes .ToGB() is 0
        if name == "tostring":
            return str(self)
        raise KeyError(name)

    def ps_member(self, name: str):
        raise KeyError(name)

    def ps_convert(self, other) -> int:
        """The right operand of a comparison as a size (`-gt 10MB`, `-eq "36 MB"`), as PowerShell converts it."""
        if isinstance(other, int | float) and not isinstance(other, bool):
            return other
        try:
            return RECEIVE_CONNECTOR.by_name("MaxMessageSize").parse(str(other))
        except ExchangeError:
            raise ExchangeError(
                f'Cannot convert value "{str(other)[:40]}" to type "Microsoft.Exchange.Data.ByteQuantifiedSize". '
                'Error: "Input string was not in a correct format."'
            ) from None

    def ps_equals(self, other) -> bool:
        try:
            return int(self) == self.ps_convert(other)
        except ExchangeError:
            return False


class _Limited:
    """The Unlimited<T> members of a value that holds a limit (not "Unlimited"): .Value, the limit as its plain type
    (`_held`), and .IsUnlimited, $false. The unlimited value is UnlimitedText."""

    _held: type = int

    def ps_member(self, name: str):
        if name == "value":
            return self._held(self)
        if name == "isunlimited":
            return False
        raise KeyError(name)


class UnlimitedSize(_Limited, Size):
    """An Unlimited<ByteQuantifiedSize> that holds a size (Get-TransportConfig's MaxReceiveSize): a Size, with
    .Value (the size: `$tc.MaxReceiveSize.Value.ToMB()`) and .IsUnlimited."""

    _held = Size


class UnlimitedNumber(_Limited, int):
    """An Unlimited<Int32> that holds a number (a connector's MessageRateLimit, MaxRecipientEnvelopeLimit): the
    number, with .Value and .IsUnlimited."""


class UnlimitedText(str):
    """An Unlimited<T> that is unlimited: prints and compares as "Unlimited"; .IsUnlimited is $true and .Value $null
    (EMS's Value getter has nothing to give)."""

    def ps_member(self, name: str):
        if name == "value":
            return None
        if name == "isunlimited":
            return True
        raise KeyError(name)


class _IdParameterText(str):
    """An identity parameter EMS puts on an object it returns, held as its text (it prints, compares and exports as
    the text), with the .RawIdentity audit scripts filter on, that text as it was resolved:
    `$_.User.RawIdentity -eq "NT AUTHORITY\\ANONYMOUS LOGON"`, `$_.ExtendedRights.RawIdentity -eq "ms-Exch-SMTP-Submit"`
    (ExchangeDsc's receive connector resource compares them so)."""

    def ps_member(self, name: str):
        if name == "rawidentity":
            return str(self)
        raise KeyError(name)


class PrincipalText(_IdParameterText):
    """Get-ADPermission's User: a SecurityPrincipalIdParameter (`DOMAIN\\name`)."""


class ExtendedRightText(_IdParameterText):
    """One of Get-ADPermission's ExtendedRights: an ExtendedRightIdParameter (the right's name)."""


def unlimited(kind_label: str, value):
    """A value of an Unlimited<…> property as EMS holds it (kind_label: the catalogue kind's label)."""
    if value is None:
        return UnlimitedText("Unlimited")
    return UnlimitedSize(value) if kind_label == "Unlimited<ByteQuantifiedSize>" else UnlimitedNumber(value)


class _Text(str):
    """An EMS value held as the text EMS prints; `_parse` reads it back, `_key` is what equality compares and
    `_members` the properties scripts read."""

    def __new__(cls, value):
        return super().__new__(cls, value.text)

    @classmethod
    def _parse(cls, text: str):
        raise NotImplementedError

    @staticmethod
    def _key(value):
        return value

    _NAMES: tuple[str, ...] = ()  # the members' names as EMS spells them, in the order Format-List shows them

    def _members(self, value) -> dict:
        return {}

    def ps_member(self, name: str):
        return self._members(self._parse(str(self)))[name]()

    def ps_properties(self) -> dict:
        """The members by name, as Format-Table/-List and Select-Object read them (`| ft LowerBound,UpperBound`)."""
        members = self._members(self._parse(str(self)))
        return {name: members[name.casefold()]() for name in self._NAMES}

    def ps_method(self, name: str, args: list):
        if name == "tostring":
            return str(self)
        raise KeyError(name)

    def ps_equals(self, other) -> bool:
        try:
            parsed = self._parse(str(other).strip())
        except ExchangeError:
            return False
        return self._key(parsed) == self._key(self._parse(str(self)))


class RangeText(_Text):
    """An IPRange as EMS prints it (`10.0.0.0/24`, `10.0.0.1-10.0.0.9`, `10.0.0.5`), with its bounds. Only the text
    is held (a connector may have a thousand ranges): the range is parsed back when a member is asked for; two
    notations of the same addresses are equal."""

    _parse = staticmethod(addresses.parse_remote_range)
    _NAMES = ("LowerBound", "UpperBound", "CIDRLength", "RangeFormat", "Size")

    @staticmethod
    def _key(value):
        return (value.version, value.first, value.last)

    def _members(self, r) -> dict:
        return {
            "lowerbound": lambda: addresses.format_ip(r.version, r.first),
            "upperbound": lambda: addresses.format_ip(r.version, r.last),
            "rangeformat": lambda: {"single": "SingleAddress", "cidr": "CIDR"}.get(r.notation, "LoHi"),
            "cidrlength": lambda: addresses._prefix_length(r.version, r.first, r.last),
            "size": lambda: r.size,
        }


class BindingText(_Text):
    """An IPBinding as EMS prints it (`0.0.0.0:25`, `[::]:25`), with its Address, Port and AddressFamily."""

    _parse = staticmethod(addresses.parse_binding)
    _NAMES = ("AddressFamily", "Address", "Port")

    def _members(self, b) -> dict:
        return {
            "address": lambda: b.ip_text,
            "port": lambda: b.port,
            "addressfamily": lambda: "InterNetwork" if b.version == 4 else "InterNetworkV6",
        }
