"""The documented parameters of the cmdlets the console runs that the lab doesn't model.

The receive connector's, the Mailbox server's, the accepted domain's and the organisation's settable parameters are
catalogue rows (*_properties.py); everything else a modelled cmdlet documents is listed here, by cmdlet, with its .NET
type as the docs write it, so that a script copied from Microsoft's reference never meets "A parameter cannot be
found" for a parameter Exchange has. The console binds these as PowerShell would (a Boolean must be $true/$false, a
one-value parameter refuses an array), then changes nothing and says so once per script (ems). A parameter that the
model comes to store or simulate moves from here to a catalogue row.

Source: MicrosoftDocs/office-docs-powershell `exchange/exchange-ps/exchange/<Cmdlet>.md`, the SYNTAX sections
(on-premises parameters; Exchange Online-only ones are left out, but for Set-TransportConfig's few below).
"""

from __future__ import annotations

from .directory_properties import ACE_OPTIONS

# Add-/Remove-ADPermission's ACE options (-InheritanceType, -InheritedObjectType, -ChildObjectTypes, -Properties) are
# catalogue rows (directory_properties.AD_PERMISSION), stored on the ACE and printed back; -Instance is their
# unmodelled one.
_INSTANCE = {"Instance": "ADAcePresentationObject"}

# Parameters stored and printed back but not simulated (the catalogue's ACE options without `simulated`: the object
# types; -InheritanceType is simulated): a NOTE says so once per script (ems).
STORED: dict[str, tuple[str, ...]] = {
    cmdlet: tuple(p.name for p in ACE_OPTIONS if not p.simulated)
    for cmdlet in ("Add-ADPermission", "Remove-ADPermission")
}
STORED_NOTE = (
    "NOTE: -{0} is kept on the access control entry and printed back by Get-ADPermission, but the exchsim lab "
    "doesn't simulate it: it doesn't change what an extended right allows or denies on a receive connector."
)

# Set-TransportConfig's on-premises parameters are catalogue rows (stored and printed back); these the reference page
# marks "available only in the cloud-based service" are accepted with the NOTE, as a script written for both meets
# them, and kept nowhere: no on-premises Get-TransportConfig shows them.
_TRANSPORT_CONFIG_ONLINE = {
    "JournalMessageExpirationDays": "Int32",
    "ReplyAllStormBlockDurationHours": "Int32",
    "ReplyAllStormDetectionMinimumRecipients": "Int32",
    "ReplyAllStormDetectionMinimumReplies": "Int32",
    "ReplyAllStormProtectionEnabled": "Boolean",
    "SmtpClientAuthenticationDisabled": "Boolean",
}

UNMODELLED: dict[str, dict[str, str]] = {
    "Get-ReceiveConnector": {},
    "New-ReceiveConnector": {},
    "Set-ReceiveConnector": {},
    "Remove-ReceiveConnector": {},
    "Add-ADPermission": {**_INSTANCE, "Owner": "SecurityPrincipalIdParameter"},
    "Remove-ADPermission": dict(_INSTANCE),
    "Get-ADPermission": {"Owner": "SwitchParameter"},
    "Get-AcceptedDomain": {},
    "New-AcceptedDomain": {},
    "Set-AcceptedDomain": {},
    "Remove-AcceptedDomain": {},
    "Get-ExchangeServer": {"Status": "SwitchParameter"},
    "Get-MailboxServer": {"Status": "SwitchParameter"},
    "Set-MailboxServer": {},
    "Get-TransportConfig": {"Identity": "OrganizationIdParameter"},
    "Set-TransportConfig": _TRANSPORT_CONFIG_ONLINE,
    "Get-RecipientFilterConfig": {"Identity": "RecipientFilterConfigIdParameter"},
    "Set-RecipientFilterConfig": {},
}

NOTE = (
    "NOTE: -{0} is a documented parameter of {1} that the exchsim lab doesn't model: accepted, and nothing in the "
    "lab changes for it."
)


def binding_kind(type_name: str) -> str:
    """How the console binds a documented type: Boolean, SwitchParameter, a list, or one value."""
    if type_name in ("Boolean", "SwitchParameter"):
        return type_name
    if type_name.startswith("MultiValuedProperty") or type_name.endswith("[]"):
        return "Object"
    return "String"
