"""What Exchange does with a message at end of data (reference §7.1 step 7, §6): the sender checks on the
envelope sender (P1, MAIL FROM) and the header sender (P2, From), and each accepted recipient's fate.

The session (exchange/session.py) calls these once the message has arrived; the reasons they give go into the
session's reasons, worded for a trainee.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .catalogue import ACCEPT_ANY_SENDER, ACCEPT_AUTHORITATIVE_DOMAIN_SENDER
from .domains import DomainMatch
from .fates import Fate
from .model import DomainType, Server
from .replies import ANONYMOUS_CANNOT_SEND_AS, CANNOT_SEND_AS, RECIPIENT_NOT_FOUND_NDR, RECIPIENT_OK

if TYPE_CHECKING:
    from .session import SmtpSession
    from .smtp import Simulator


@dataclass(frozen=True)
class RecipientOutcome:
    address: str
    reply: str | None  # the RCPT TO reply; None when the RCPT was never sent
    fate: Fate
    reason: str
    ndr: str | None = None  # the NDR text when the recipient was accepted but can't be delivered


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].casefold()


class SenderCheck:
    """The P1/P2 sender checks of one session's message, against the rights the session holds on its connector."""

    def __init__(self, session: SmtpSession):
        self.session = session
        self.sim, self.server, self.identity = session.sim, session.server, session.identity
        self.sender, self.reasons = session.sender, session.reasons

    def _has(self, right: str) -> bool:
        return self.session.rights.has(right)

    def _why(self, right: str) -> str:
        return self.session.rights.decisions[right].reason

    def _granted(self, right: str) -> str:
        return f"{right} is {self._why(right)}"

    def refusal(self, from_header: str | None) -> str | None:
        if self._has(ACCEPT_ANY_SENDER) and self._has(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER):
            self.reasons.append(
                f"Sender checks skipped: {self.identity.name} holds both {ACCEPT_ANY_SENDER} and "
                f"{ACCEPT_AUTHORITATIVE_DOMAIN_SENDER}."
            )
            return None
        checks = [("P1 (MAIL FROM)", self.sender)]
        if from_header and from_header.casefold() != (self.sender or "").casefold():
            checks.append(("P2 (From header)", from_header))
        for label, address in checks:
            if address:
                refusal = self._check(label, address)
                if refusal:
                    return refusal
        return None

    def _check(self, label: str, address: str) -> str | None:
        domain = domain_of(address)
        match = self.sim.domains.lookup(domain)
        internal = match is not None and match.domain.domain_type.is_internal
        who = self.identity.name
        if not internal and self._has(ACCEPT_ANY_SENDER):
            passed = f"{domain} is not an internal domain and {self._granted(ACCEPT_ANY_SENDER)}"
        elif internal and self._has(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER):
            passed = f"{domain} is an internal domain and {self._granted(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER)}"
        elif self.identity.kind == "partner" and domain == self.identity.name.casefold():
            passed = f"{domain} is the Domain Secure partner's own domain"
        elif internal and not self.server.is_edge and self._may_send_as(address):
            passed = f"{address} is {who}'s own address (AD Send-As check)"
        else:
            passed = ""
        if passed:
            self.reasons.append(f"Sender check {label} {address} passed: {passed}.")
            return None
        if internal and not self.server.is_edge:
            self.reasons.append(
                f"Sender check {label} {address} failed at end of headers: {domain} is internal, {who} has no "
                f"{ACCEPT_AUTHORITATIVE_DOMAIN_SENDER} ({self._why(ACCEPT_AUTHORITATIVE_DOMAIN_SENDER)}), and the AD "
                f"Send-As check on this Hub/Front End server finds no Send-As right for {who} on {address}."
            )
            return CANNOT_SEND_AS
        needed = ACCEPT_AUTHORITATIVE_DOMAIN_SENDER if internal else ACCEPT_ANY_SENDER
        self.reasons.append(
            f"Sender check {label} {address} failed at end of headers: {who} has no {needed} ({self._why(needed)})"
            + (" and Edge makes no AD Send-As check." if internal else ".")
        )
        return ANONYMOUS_CANNOT_SEND_AS if self.identity.kind == "anonymous" else CANNOT_SEND_AS

    def _may_send_as(self, address: str) -> bool:
        """The directory model has no Send-As grants: a signed-in user may send only as one of its own addresses."""
        principal = self.sim.principal(self.identity.name) if self.identity.kind == "account" else None
        if principal is None or not principal.email:
            return False
        own = principal.email.casefold()
        recipient = self.sim.recipient(address)
        return own == address.casefold() or (recipient is not None and own in recipient.addresses)


def recipient_fate(sim: Simulator, server: Server, address: str, match: DomainMatch | None) -> RecipientOutcome:
    """Where an accepted recipient's message goes once it is taken: a mailbox, on to the system sharing or hosting
    the domain, out through a Send connector, or back as an NDR (reference §6)."""
    if match is None:
        return RecipientOutcome(
            address,
            RECIPIENT_OK,
            Fate.RELAY_OUTSIDE,
            f"relayed outside the organisation through a Send connector ({domain_of(address)} is not accepted).",
        )
    recipient = sim.recipient(address)
    if recipient is not None:
        reason = f"delivered to {recipient.kind.value} '{recipient.name}'."
        if server.is_edge:  # an Edge server hosts no recipients: it hands the message to the organisation
            reason = f"relayed by the Edge Transport server into the organisation and {reason}"
        return RecipientOutcome(address, RECIPIENT_OK, Fate.MAILBOX, reason)
    kind = match.domain.domain_type
    if kind is DomainType.AUTHORITATIVE:
        reason = (
            f"accepted at RCPT, but no recipient has this address in the Authoritative domain "
            f"{match.domain.domain_name}, so the categorizer returns an NDR: {RECIPIENT_NOT_FOUND_NDR}."
        )
        return RecipientOutcome(address, RECIPIENT_OK, Fate.NDR, reason, ndr=RECIPIENT_NOT_FOUND_NDR)
    if kind is DomainType.INTERNAL_RELAY:
        reason = (
            f"no recipient here in the InternalRelay domain {match.domain.domain_name}: routed on to the "
            "other system that shares the namespace."
        )
        return RecipientOutcome(address, RECIPIENT_OK, Fate.INTERNAL_RELAY, reason)
    reason = f"{match.domain.domain_name} is ExternalRelay: routed on to the external system that hosts it."
    return RecipientOutcome(address, RECIPIENT_OK, Fate.EXTERNAL_RELAY, reason)
