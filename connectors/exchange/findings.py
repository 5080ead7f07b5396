"""A finding of the audit (exchange/audit.py): what it concerns, how bad it is, the explanation for a junior admin,
the fix in words and in PowerShell, and the evidence. Pages, training goals and `manage.py audit` read these; the
audit decides them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ReceiveConnector

SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class AuditObject:
    """What a finding concerns: kind is "connector" (identity SERVER\\Name), "server" or "accepted-domain"."""

    kind: str
    identity: str

    def __str__(self) -> str:
        return self.identity


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "info" | "warning" | "error"
    title: str
    objects: tuple[AuditObject, ...]
    explanation: str
    fix: str
    powershell: str
    evidence: tuple[str, ...]
    address: str | None = None  # the remote address the simulation used to prove it, when there is one
    traffic: str = ""  # what the protocol logs show about it (relay findings, when the audit was given traffic)

    def concerns(self, kind: str, identity: str) -> bool:
        wanted = identity.casefold()
        return any(o.kind == kind and o.identity.casefold() == wanted for o in self.objects)

    def reaches(self, level: str) -> bool:
        return severity_rank(self.severity) >= severity_rank(level)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "objects": [{"kind": o.kind, "identity": o.identity} for o in self.objects],
            "explanation": self.explanation,
            "fix": self.fix,
            "powershell": self.powershell,
            "evidence": list(self.evidence),
            "address": self.address,
            "traffic": self.traffic,
        }


def severity_rank(severity: str) -> int:
    if severity not in SEVERITIES:
        raise ValueError(f"Unknown severity '{severity}'. Use one of: {', '.join(SEVERITIES)}.")
    return SEVERITIES.index(severity)


def highest_severity(findings) -> str | None:
    return max((f.severity for f in findings), key=severity_rank, default=None)


def connector_object(connector: ReceiveConnector) -> AuditObject:
    return AuditObject("connector", connector.identity)
