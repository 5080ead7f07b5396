"""Which Exchange a server runs, which transport services it has, and the other enums whose values are Exchange's (a
domain's type, a recipient's, a principal's): the enums the property catalogue (*_properties.py) and the engine's data
(model.py) share, kept apart so that the catalogue needs nothing else."""

from __future__ import annotations

import enum


class ExchangeVersion(enum.Enum):
    E2007 = "2007"
    E2010 = "2010"
    E2013 = "2013"
    E2016 = "2016"
    E2019 = "2019"
    SE = "SE"

    @property
    def label(self) -> str:
        return "Exchange Server SE" if self is ExchangeVersion.SE else f"Exchange Server {self.value}"

    @property
    def rank(self) -> int:
        return list(ExchangeVersion).index(self)

    @property
    def is_e14_or_later(self) -> bool:
        return self.rank >= ExchangeVersion.E2010.rank

    @property
    def is_e15_or_later(self) -> bool:
        """Exchange 2013 and later: Front End/Hub transport services, TransportRole on connectors."""
        return self.rank >= ExchangeVersion.E2013.rank

    @classmethod
    def parse(cls, text: str) -> ExchangeVersion:
        cleaned = str(text).strip().upper().removeprefix("EXCHANGE").strip()
        for version in cls:
            if cleaned == version.value.upper() or cleaned == version.name:
                return version
        raise ValueError(f"Unknown Exchange version '{text}'. Use one of: {', '.join(v.value for v in cls)}.")


class ServerRole(enum.Enum):
    HUB_TRANSPORT = "HubTransport"
    MAILBOX = "Mailbox"
    CLIENT_ACCESS = "ClientAccess"
    EDGE = "Edge"


class TransportRole(enum.Enum):
    """Which transport service loads a connector (2013+). 2007/2010 connectors are all HubTransport."""

    FRONTEND = "FrontendTransport"
    HUB = "HubTransport"


class DomainType(enum.Enum):
    AUTHORITATIVE = "Authoritative"
    INTERNAL_RELAY = "InternalRelay"
    EXTERNAL_RELAY = "ExternalRelay"

    @property
    def is_internal(self) -> bool:
        """Authoritative and InternalRelay domains are 'internal' for the sender checks (X-AD)."""
        return self is not DomainType.EXTERNAL_RELAY


class RecipientKind(enum.Enum):
    MAILBOX = "Mailbox"
    MAIL_USER = "MailUser"
    CONTACT = "MailContact"
    GROUP = "DistributionGroup"


class PrincipalKind(enum.Enum):
    USER = "User"
    GROUP = "Group"
    COMPUTER = "Computer"
