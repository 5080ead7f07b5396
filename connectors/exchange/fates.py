"""A recipient's fate: what became of one RCPT TO, declared once with its wording and whether it is a success.

The session decides it (exchange/session.py); the simulator page, the Received mail page, the audit and training's
`fate` expectation all read it from here rather than keeping their own lists.
"""

from __future__ import annotations

from enum import StrEnum


class Fate(StrEnum):
    """The value is the fate's name in scenario files and in stored received mail ("ndr"); a StrEnum, so it compares
    equal to, and serialises as, that name."""

    MAILBOX = "mailbox"
    INTERNAL_RELAY = "internal-relay"
    EXTERNAL_RELAY = "external-relay"
    RELAY_OUTSIDE = "relay-outside"
    NDR = "ndr"
    REJECTED = "rejected"
    NOT_SENT = "not-sent"

    @property
    def text(self) -> str:
        """How the fate reads to a trainee."""
        return _TEXT[self]

    @property
    def accepted(self) -> bool:
        """A success: Exchange took the message for this recipient and it goes on (delivered or relayed)."""
        return self in _ACCEPTED

    @property
    def tone(self) -> str:
        """'ok' (good news), 'warn' (accepted but bounced, or never sent) or 'bad' (refused): the page's colour."""
        return "ok" if self.accepted else "bad" if self is Fate.REJECTED else "warn"

    @classmethod
    def named(cls, name) -> Fate | None:
        """The fate called `name` (as stored or written in a scenario), None for anything else."""
        try:
            return cls(name)
        except ValueError:
            return None


_TEXT = {
    Fate.MAILBOX: "delivered to a mailbox",
    Fate.INTERNAL_RELAY: "routed on inside the organisation (InternalRelay domain)",
    Fate.EXTERNAL_RELAY: "routed on to the external system (ExternalRelay domain)",
    Fate.RELAY_OUTSIDE: "relayed out to the Internet (Send connector)",
    Fate.NDR: "accepted, then bounced (NDR)",
    Fate.REJECTED: "refused at RCPT TO",
    Fate.NOT_SENT: "never sent",
}
_ACCEPTED = frozenset({Fate.MAILBOX, Fate.INTERNAL_RELAY, Fate.EXTERNAL_RELAY, Fate.RELAY_OUTSIDE})
