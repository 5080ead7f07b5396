"""What the dashboard's pages show, worked out from engine values: the overview's connector rows, the connector
page's permission matrix, Network lists and tab values, and the simulator's verdicts. Pure (no request, no database):
the views load, call these, render."""

from __future__ import annotations

from dataclasses import dataclass

from .exchange.acl import RightDecision, RightsResult, SessionIdentity, effective_rights, read_permission_groups
from .exchange.addressmap import relays_anonymously
from .exchange.catalogue import (
    ACCEPT_ANY_RECIPIENT,
    ANONYMOUS_LOGON,
    RIGHTS,
    SUBMIT,
    format_auth_mechanism,
)
from .exchange.fates import Fate
from .exchange.model import Organization, ReceiveConnector, Server
from .exchange.smtp import SessionResult
from .forms import AuthForm, GeneralForm, NetworkForm, SettingsForm
from .property_forms import flag_choices

# --- The overview's connector rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectorRow:
    connector: ReceiveConnector
    submitters: tuple[str, ...]
    relayers: tuple[str, ...]
    anonymous_relay: bool
    auth: str

    @property
    def anonymous_submit(self) -> bool:
        return ANONYMOUS_LOGON in self.submitters


def _acl_principals(connector: ReceiveConnector) -> list[str]:
    seen: dict[str, str] = {}
    for ace in connector.acl:
        seen.setdefault(ace.principal.casefold(), ace.principal)
    return list(seen.values())


def _identity_for(principal: str) -> SessionIdentity:
    return SessionIdentity.anonymous() if principal == ANONYMOUS_LOGON else SessionIdentity.principal(principal)


def rights_by_principal(connector: ReceiveConnector) -> dict[str, RightsResult]:
    return {p: effective_rights(connector.acl, _identity_for(p)) for p in _acl_principals(connector)}


def connector_row(connector: ReceiveConnector, cache: dict) -> ConnectorRow:
    # Servers built from one template share ACL shapes; the cache keeps a 100-server overview cheap.
    key = connector.acl
    if key not in cache:
        rights = rights_by_principal(connector)
        cache[key] = (
            tuple(p for p, r in rights.items() if r.has(SUBMIT)),
            tuple(p for p, r in rights.items() if r.has(ACCEPT_ANY_RECIPIENT)),
        )
    submitters, relayers = cache[key]
    return ConnectorRow(
        connector,
        submitters,
        relayers,
        relays_anonymously(connector),
        format_auth_mechanism(connector.auth_mechanism),
    )


# --- Verdicts of a probe and of a session --------------------------------------------------------------------------


def verdict(result: SessionResult) -> tuple[str, str, str]:
    """(css class, headline, reason) of a one-recipient probe."""
    outcome = result.recipients[0] if result.recipients else None
    if outcome and outcome.fate.accepted:
        return "ok", f"Yes — {outcome.reply}", outcome.reason
    if outcome and outcome.fate is Fate.NDR:
        return "warn", f"Accepted, then bounced — {outcome.reply}", outcome.reason
    last_reply = result.transcript[-1].server[0] if result.transcript else ""
    reply = outcome.reply if outcome and outcome.reply else last_reply
    reason = outcome.reason if outcome else (result.reasons[-1] if result.reasons else result.selection.reason)
    return "bad", f"No — {reply}", reason


def _refusal(result: SessionResult) -> tuple[str, str] | None:
    """(the command, its reply) of the last refusal in the transcript: 'MAIL FROM', '530 5.7.1 …'."""
    for step in reversed(result.transcript):
        if step.client and step.server and step.server[0][:1] in "45":
            words = step.client.split(":", 1)[0].split()
            verb = " ".join(words[:2]) if words[:1] in (["MAIL"], ["RCPT"]) else (words[0] if words else "")
            command = verb if verb.isupper() else "the end of DATA"
            return command, step.server[0]
    return None


def session_verdict(result: SessionResult) -> tuple[str, str, str]:
    """(css class, headline, reason) of a whole simulated session: accepted, bounced, or refused at which command.
    The verdict, not the connector box, carries the colour, so a refused session never shows green."""
    if result.connector is None:
        return "bad", "Refused: no connector takes the connection", result.selection.reason
    fates = [r.fate for r in result.recipients]
    accepted = sum(fate.accepted for fate in fates)
    if fates and accepted == len(fates):
        return "ok", "Accepted", f"Exchange accepts the message for every recipient ({accepted})."
    if accepted:
        return "warn", f"Accepted for {accepted} of {len(fates)} recipients", "See Recipients for each one's fate."
    if Fate.NDR in fates:
        bounced = next(r for r in result.recipients if r.fate is Fate.NDR)
        return "warn", f"Accepted, then bounced — {bounced.ndr}", bounced.reason
    refusal = _refusal(result)
    reason = result.reasons[-1] if result.reasons else result.selection.reason
    if refusal:
        return "bad", f"Refused at {refusal[0]} — {refusal[1]}", reason
    if result.mail_from is None and not fates:
        return "info", "Connected; no message sent", "The probe has no MAIL FROM, so the session stops after EHLO."
    if not fates:
        reason = "The probe has no RCPT TO, so the session stops after MAIL FROM."
        return "info", "Sender accepted; no recipient given", reason
    return "bad", "Not accepted", reason


# --- The connector page --------------------------------------------------------------------------------------------

# Short cell labels for the matrix, keyed under it; the cell's title carries the engine's full reason.
_GROUP_LABELS = {
    "AnonymousUsers": "Anon",
    "ExchangeUsers": "Usr",
    "ExchangeServers": "Srv",
    "ExchangeLegacyServers": "Leg",
    "Partners": "Ptn",
}
MATRIX_KEY = (
    "Anon AnonymousUsers, Usr ExchangeUsers, Srv ExchangeServers, Leg ExchangeLegacyServers, Ptn Partners "
    "(permission groups); ACE Add-ADPermission; inh inherited; deny a Deny ACE"
)


@dataclass(frozen=True)
class MatrixCell:
    right: str
    reason: str
    css: str  # "allow" | "deny" | ""
    mark: str
    label: str


@dataclass(frozen=True)
class MatrixRow:
    principal: str
    cells: tuple[MatrixCell, ...]  # in RIGHTS order


def _cell(decision: RightDecision) -> MatrixCell:
    ace = decision.ace
    if decision.allowed:
        label = "inh" if ace.inherited else _GROUP_LABELS.get(ace.group, ace.group) if ace.group else "ACE"
        return MatrixCell(decision.right, decision.reason, "allow", "✓", label)
    if ace is not None:
        return MatrixCell(decision.right, decision.reason, "deny", "✗", "deny")
    return MatrixCell(decision.right, decision.reason, "", "·", "")


def matrix(connector: ReceiveConnector) -> tuple[list[MatrixRow], list[str], list[str]]:
    """(rows, the rights some ACE decides, the rights no ACE mentions). Only the decided rights get a column, so the
    grid fits the page; the others are listed under it as held by nobody."""
    rows = [
        MatrixRow(p, tuple(_cell(result.decisions[r]) for r in RIGHTS))
        for p, result in rights_by_principal(connector).items()
    ]
    decided = [i for i in range(len(RIGHTS)) if any(row.cells[i].css for row in rows)]
    rows = [MatrixRow(row.principal, tuple(row.cells[i] for i in decided)) for row in rows]
    return rows, [RIGHTS[i] for i in decided], [r for i, r in enumerate(RIGHTS) if i not in decided]


def _binding_addresses(server: Server) -> list[tuple[str, str]]:
    """What EAC's binding dialog offers: all available IPv4 / IPv6, then the server's own addresses."""
    return [("0.0.0.0", "All available IPv4 (0.0.0.0)"), ("::", "All available IPv6 ([::])")] + [
        (address, address) for address in server.ip_addresses
    ]


def network_sections(connector: ReceiveConnector, form: NetworkForm | None, server: Server) -> list[dict]:
    """The two lists of the Network tab; a failed add keeps its value and shows the error under its own box."""
    sections = [
        {
            "title": "Local bindings",
            "parameter": "Bindings",
            "items": connector.bindings,
            "action": "binding",
            "example": "10.0.0.1:25",
        },
        {
            "title": "Remote IP ranges",
            "parameter": "RemoteIPRanges",
            "items": connector.remote_ip_ranges,
            "action": "range",
            "example": "10.0.0.50 or 10.0.0.0/24",
        },
    ]
    sections[0]["addresses"] = _binding_addresses(server)
    for section in sections:
        mine = form is not None and form.data.get("action", "").endswith(section["action"])
        section["errors"] = (form.errors.get("value", []) + form.non_field_errors()) if mine else []
        section["value"] = form.data.get("value", "") if mine and form.data.get("action", "").startswith("add") else ""
    return sections


def tab_values(org: Organization, connector: ReceiveConnector, groups=None) -> dict[str, dict]:
    """What each whole-value tab's form shows for the connector, by tab, then by form field. `groups`: the
    connector's PermissionGroups as read from its ACL, when the caller has already read them."""
    if groups is None:
        groups = read_permission_groups(connector.acl, org.server(connector.server), org.domain_netbios)
    return {
        "general": {f: getattr(connector, f) for f in GeneralForm.property_fields()},
        "auth": {
            "mechanisms": [value for value, _text in flag_choices("AuthMechanism") if value & connector.auth_mechanism],
            **{f: getattr(connector, f) for f in AuthForm.property_fields()},
        },
        "settings": {f: getattr(connector, f) for f in SettingsForm.property_fields()},
        "groups": {"groups": [value for value, _text in flag_choices("PermissionGroups") if value & groups]},
    }
