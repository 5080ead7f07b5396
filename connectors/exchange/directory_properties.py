"""The properties of Active Directory's objects as the lab knows them, declared once: principals (users, groups,
computers), recipients, a receive connector's access control entries (AD_PERMISSION, Get-ADPermission's rows, and
the ACE options Add-/Remove-ADPermission set) and group memberships (GROUP_MEMBER, as the collector writes them).
"""

from __future__ import annotations

from .property_kinds import BOOL, TEXT, Choice, Multi
from .property_rows import Property, PropertySet, enum_values
from .versions import PrincipalKind, RecipientKind

PRINCIPAL = PropertySet(
    "Principal",
    [
        Property("Name", "name", TEXT, "", settable=(), simulated=True),
        Property("Kind", "kind", Choice(choices=enum_values(PrincipalKind)), "User", settable=(), simulated=True),
        Property("MemberOf", "member_of", Multi(), (), settable=(), simulated=True),
        Property("SmtpPassword", "smtp_password", TEXT, "", settable=(), simulated=True),
        Property("Email", "email", TEXT, "", settable=(), simulated=True),
    ],
)

RECIPIENT = PropertySet(
    "Recipient",
    [
        Property("Name", "name", TEXT, "", settable=(), simulated=True),
        Property(
            "RecipientType",
            "kind",
            Choice(choices=enum_values(RecipientKind)),
            "Mailbox",
            settable=(),
            simulated=True,
        ),
        Property("EmailAddresses", "addresses", Multi(item="domain"), (), settable=(), simulated=True),
    ],
)

# System.DirectoryServices.ActiveDirectorySecurityInheritance, in the enum's order (None = 0 ... Children = 4); the
# docs' spelling "Descendents" is .NET's. Descendents and Children map to InheritanceFlags with InheritOnly.
INHERITANCE_TYPES = ("None", "All", "Descendents", "SelfAndChildren", "Children")
INHERIT_ONLY = frozenset({"Descendents", "Children"})
_ACE_SET = ("Add-ADPermission", "Remove-ADPermission")

# What Get-ADPermission prints for one ACE of a receive connector (P-GAD, §9.3): the importer reads these. The ACE
# options after Deny are Add-ADPermission's (P-AAD): InheritanceType is simulated (an inherit-only ACE applies to
# nothing on a connector, a leaf object); the object types are stored and printed back (docs/decisions.md).
AD_PERMISSION = PropertySet(
    "ADPermission",
    [
        Property("Identity", "identity", TEXT, "", settable=(), simulated=True, source="P-GAD"),
        Property("User", "principal", TEXT, "", settable=("Add-ADPermission",), simulated=True, source="P-AAD"),
        Property(
            "ExtendedRights", "rights", Multi(), (), settable=("Add-ADPermission",), simulated=True, source="P-AAD"
        ),
        Property("Deny", "deny", BOOL, False, settable=("Add-ADPermission",), simulated=True, source="P-AAD"),
        Property(
            "InheritanceType",
            "inheritance_type",
            Choice(dotnet="System.DirectoryServices.ActiveDirectorySecurityInheritance", choices=INHERITANCE_TYPES),
            "All",
            settable=_ACE_SET,
            simulated=True,
            source="P-AAD",
        ),
        Property("InheritedObjectType", "inherited_object_type", TEXT, None, settable=_ACE_SET, source="P-AAD"),
        Property("ChildObjectTypes", "child_object_types", Multi(), (), settable=_ACE_SET, source="P-AAD"),
        Property("Properties", "object_properties", Multi(), (), settable=_ACE_SET, source="P-AAD"),
        Property("IsInherited", "inherited", BOOL, False, settable=(), simulated=True, source="P-GAD"),
    ],
)

# Add-/Remove-ADPermission's ACE options (the ACE's fields beside principal, right, Deny and IsInherited).
ACE_OPTIONS = tuple(p for p in AD_PERMISSION if "Remove-ADPermission" in p.settable)

# One membership of a group, as the collector writes it for the principals in connector ACEs (Exchsim.GroupMember):
# Group is $null on the row of a principal that is a member of nothing.
GROUP_MEMBER = PropertySet(
    "GroupMember",
    [
        Property("Group", "group", TEXT, "", settable=(), simulated=True),
        Property("Member", "member", TEXT, "", settable=(), simulated=True),
        Property("MemberType", "kind", Choice(choices=enum_values(PrincipalKind)), "User", settable=()),
        Property("MemberEmail", "email", TEXT, "", settable=()),
    ],
)
