"""The organisation's properties, declared once: its accepted domains (ACCEPTED_DOMAIN) and its settings
(TRANSPORT_CONFIG: Set-TransportConfig's and Set-RecipientFilterConfig's, shown by Get-TransportConfig and
Get-RecipientFilterConfig as TRANSPORT_SETTINGS and RECIPIENT_FILTER), with the defaults Setup leaves them at.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from . import property_checks as checks
from .property_kinds import (
    BOOL,
    SECONDS,
    TEXT,
    ByteSize,
    Choice,
    Int32,
    Kind,
    Multi,
    Text,
    TimeSpan,
    UInt32,
    Unlimited,
    UnlimitedSize,
)
from .property_rows import Property, PropertySet, enum_values, field_name, since
from .versions import DomainType


def _minutes(n: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


_SET_DOMAIN = ("Set-AcceptedDomain",)
_DOMAIN_COLUMN = {"simulated": True, "column": "value"}  # the simulator's, in columns of their own

ACCEPTED_DOMAIN = PropertySet(
    "AcceptedDomain",
    [
        Property(
            "DomainName", "domain_name", Text(item="domain"), "", settable=("New-AcceptedDomain",), **_DOMAIN_COLUMN
        ),
        Property(
            "DomainType",
            "domain_type",
            Choice(choices=enum_values(DomainType)),
            "Authoritative",
            settable=("New-AcceptedDomain", *_SET_DOMAIN),
            **_DOMAIN_COLUMN,
        ),
        Property("Default", "default", BOOL, False, settable=_SET_DOMAIN, **_DOMAIN_COLUMN),
        Property("AddressBookEnabled", "address_book_enabled", BOOL, True, settable=_SET_DOMAIN, **_DOMAIN_COLUMN),
        Property(
            "MatchSubDomains",
            "match_subdomains",
            BOOL,
            False,
            settable=("New-AcceptedDomain", *_SET_DOMAIN),
            **_DOMAIN_COLUMN,
        ),
        Property("Name", "name", TEXT, "", settable=("New-AcceptedDomain", *_SET_DOMAIN), **_DOMAIN_COLUMN),
        # "Reserved for internal Microsoft use" (Set-AcceptedDomain): stored in the domain's JSON column and printed
        # back. No default is documented: $false, as Get-AcceptedDomain shows them (docs/decisions.md).
        Property(
            "PendingRemoval",
            "pending_removal",
            BOOL,
            False,
            versions=since("2010"),
            settable=_SET_DOMAIN,
            help="Reserved for internal Microsoft use.",
            source="Set-AcceptedDomain",
        ),
        Property(
            "PendingCompletion",
            "pending_completion",
            BOOL,
            False,
            versions=since("2013"),
            settable=_SET_DOMAIN,
            help="Reserved for internal Microsoft use.",
            source="Set-AcceptedDomain",
        ),
        Property(
            "EnableNego2Authentication",
            "enable_nego2_authentication",
            BOOL,
            False,
            versions=("2013", "2016"),  # the page's last on-premises Applicable line; now Exchange Online only
            settable=_SET_DOMAIN,
            help="Reserved for internal Microsoft use.",
            source="Set-AcceptedDomain",
        ),
    ],
)

_CULTURE_TEXT = Text(dotnet="System.Globalization.CultureInfo", item="culture")
_DOMAIN_TEXT = Text(dotnet=checks.SMTP_DOMAIN, item="domain")
_ADDRESS_TEXT = Text(dotnet="Microsoft.Exchange.Data.SmtpAddress", item="address")
# A span the docs give no upper bound for: up to MaxDumpsterTime's documented 24855.03:14:07 (Int32 seconds).
_LONG_SPAN = TimeSpan(high=datetime.timedelta(seconds=2_147_483_647))


def _transport(name: str, kind: Kind, default, since_version, help: str, by_version=None) -> Property:
    """One stored Set-TransportConfig row: on every version from `since_version` (or on those listed), its engine
    field the name in snake case, its value's syntax checked in Exchange's words."""
    return Property(
        name,
        field_name(name),
        kind,
        default,
        versions=since(since_version) if isinstance(since_version, str) else since_version,
        settable=("Set-TransportConfig",),
        by_version=by_version or {},
        help=help,
        check=checks.syntax_check(name, getattr(kind, "item", "")),
        source="Set-TransportConfig",
    )


TRANSPORT_CONFIG = PropertySet(
    "TransportConfig",
    [
        Property(
            "TLSReceiveDomainSecureList",
            "tls_receive_domain_secure_list",
            Multi(item="domain"),
            (),
            settable=("Set-TransportConfig",),
            simulated=True,
            column="text",
        ),
        # Stored and printed back, not simulated (the lab's JSON column `properties`); defaults from the
        # Set-TransportConfig reference page.
        Property(
            "MaxReceiveSize",
            "max_receive_size",
            UnlimitedSize(high=2_147_483_647),
            10_485_760,
            settable=("Set-TransportConfig",),
            help="The largest message the organisation receives (10 MB); connectors' MaxMessageSize apply first.",
            source="Set-TransportConfig",
        ),
        Property(
            "MaxSendSize",
            "max_send_size",
            UnlimitedSize(high=2_147_483_647),
            10_485_760,
            settable=("Set-TransportConfig",),
            help="The largest message the organisation sends (10 MB).",
            source="Set-TransportConfig",
        ),
        Property(
            "MaxRecipientEnvelopeLimit",
            "max_recipient_envelope_limit",
            Unlimited(low=0),
            500,
            settable=("Set-TransportConfig",),
            help="Recipients of one message, a group counting as one (500).",
            source="Set-TransportConfig",
        ),
        Property(
            "InternalSMTPServers",
            "internal_smtp_servers",
            Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[IPRange]", item="ip range"),
            (),
            settable=("Set-TransportConfig",),
            help="The internal SMTP servers Sender ID and connection filtering pass over.",
            source="Set-TransportConfig",
        ),
        # Every other on-premises parameter of Set-TransportConfig: stored and printed back, not simulated. Versions
        # from each parameter's "Applicable" line (2010 and later, or 2007 too when Exchange 2007 SP1's
        # Set-TransportConfig has it); defaults from the reference page, the undocumented ones in docs/decisions.md.
        *(
            _transport(*row)
            for row in (
                ("AddressBookPolicyRoutingEnabled", BOOL, False, "2013", "Resolve recipients by address book policy."),
                (
                    "AgentGeneratedMessageLoopDetectionInSmtpEnabled",
                    BOOL,
                    False,
                    "2013",
                    "Reject agent-made message loops in the Transport service (else log them).",
                ),
                (
                    "AgentGeneratedMessageLoopDetectionInSubmissionEnabled",
                    BOOL,
                    False,
                    "2013",
                    "Log agent-made message loops in the Mailbox Transport Submission service.",
                ),
                ("ClearCategories", BOOL, True, "2007", "Remove Outlook categories during content conversion."),
                (
                    "ConvertDisclaimerWrapperToEml",
                    BOOL,
                    False,
                    "2010",
                    "A signed message wrapped by a disclaimer rule goes as EML, not TNEF.",
                ),
                (
                    "DiagnosticsAggregationServicePort",
                    Int32(low=1, high=65_535),
                    9710,
                    "2013",
                    "The TCP port queue diagnostics are collected on.",
                ),
                (
                    "DSNConversionMode",
                    Choice(
                        dotnet="Microsoft.Exchange.Data.Transport.DSNConversionOption",
                        choices=("DoNotConvert", "PreserveDSNBody", "UseExchangeDSNs"),
                    ),
                    "PreserveDSNBody",
                    "2007",
                    "What happens to DSNs from older or other systems (2007 to 2013: UseExchangeDSNs).",
                    {"2007": "UseExchangeDSNs", "2010": "UseExchangeDSNs", "2013": "UseExchangeDSNs"},
                ),
                ("ExternalDelayDsnEnabled", BOOL, True, "2010", "Send delay DSNs for external messages."),
                (
                    "ExternalDsnDefaultLanguage",
                    _CULTURE_TEXT,
                    "",
                    "2010",
                    "The language of external DSNs (blank: the server's Windows language).",
                ),
                (
                    "ExternalDsnLanguageDetectionEnabled",
                    BOOL,
                    True,
                    "2010",
                    "External DSNs in the original message's language.",
                ),
                (
                    "ExternalDsnMaxMessageAttachSize",
                    ByteSize(low=0),
                    10_485_760,
                    "2010",
                    "The largest original message attached to an external DSN (10 MB); 0: headers only.",
                ),
                (
                    "ExternalDsnReportingAuthority",
                    _DOMAIN_TEXT,
                    "",
                    "2010",
                    "The domain in external DSNs (blank: the organisation's authoritative domain).",
                ),
                ("ExternalDsnSendHtml", BOOL, True, "2010", "External DSNs in HTML (else plain text)."),
                (
                    "ExternalPostmasterAddress",
                    _ADDRESS_TEXT,
                    "",
                    "2010",
                    "The From address of external DSNs (blank: postmaster@ the default accepted domain).",
                ),
                (
                    "GenerateCopyOfDSNFor",
                    Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[EnhancedStatusCode]", item="dsn code"),
                    ("5.4.8", "5.4.6", "5.4.4", "5.2.4", "5.2.0", "5.1.4"),
                    "2007",
                    "The DSN codes whose NDRs are copied to the Exchange recipient's mailbox.",
                ),
                (
                    "HeaderPromotionModeSetting",
                    Choice(
                        dotnet="Microsoft.Exchange.Data.HeaderPromotionMode",
                        choices=("MustCreate", "MayCreate", "NoCreate"),
                    ),
                    "NoCreate",
                    "2007",
                    "Whether custom X-headers become named properties.",
                ),
                ("InternalDelayDsnEnabled", BOOL, True, "2010", "Send delay DSNs for internal messages."),
                (
                    "InternalDsnDefaultLanguage",
                    _CULTURE_TEXT,
                    "",
                    "2010",
                    "The language of internal DSNs (blank: the server's Windows language).",
                ),
                (
                    "InternalDsnLanguageDetectionEnabled",
                    BOOL,
                    True,
                    "2010",
                    "Internal DSNs in the original message's language.",
                ),
                (
                    "InternalDsnMaxMessageAttachSize",
                    ByteSize(low=0),
                    10_485_760,
                    "2010",
                    "The largest original message attached to an internal DSN (10 MB); 0: headers only.",
                ),
                (
                    "InternalDsnReportingAuthority",
                    _DOMAIN_TEXT,
                    "",
                    "2010",
                    "The domain in internal DSNs (blank: the organisation's authoritative domain).",
                ),
                ("InternalDsnSendHtml", BOOL, True, "2010", "Internal DSNs in HTML (else plain text)."),
                (
                    "JournalingReportNdrTo",
                    _ADDRESS_TEXT,
                    "",
                    "2007",
                    "Where journal reports go when the journaling mailbox is unavailable (blank: keep trying).",
                ),
                (
                    "LegacyJournalingMigrationEnabled",
                    BOOL,
                    False,
                    ("2010",),
                    "Reformat journal messages made by Exchange 2003 (Exchange 2010 only).",
                ),
                (
                    "MaxAllowedAgentGeneratedMessageDepth",
                    UInt32(),
                    3,
                    "2013",
                    "How many times all agents may process copies of one message.",
                ),
                (
                    "MaxAllowedAgentGeneratedMessageDepthPerAgent",
                    UInt32(),
                    2,
                    "2013",
                    "How many times one agent may process copies of one message.",
                ),
                (
                    "MaxDumpsterSizePerDatabase",
                    ByteSize(low=0, high=2_147_483_647 << 10),
                    18_874_368,
                    "2010",
                    "Transport dumpster size per database (18 MB); used only by Exchange 2010 servers.",
                ),
                (
                    "MaxDumpsterTime",
                    _LONG_SPAN,
                    datetime.timedelta(days=7),
                    "2007",
                    "How long messages stay in the transport dumpster (7 days); used only by Exchange 2010 servers.",
                ),
                (
                    "MaxRetriesForLocalSiteShadow",
                    Int32(low=0, high=255),
                    2,
                    "2013",
                    "Attempts to make a shadow copy in the local Active Directory site.",
                ),
                (
                    "MaxRetriesForRemoteSiteShadow",
                    Int32(low=0, high=255),
                    4,
                    "2013",
                    "Attempts to make a shadow copy in another Active Directory site.",
                ),
                (
                    "QueueDiagnosticsAggregationInterval",
                    _LONG_SPAN,
                    _minutes(1),
                    "2013",
                    "How often queue diagnostics are polled.",
                ),
                (
                    "RejectMessageOnShadowFailure",
                    BOOL,
                    False,
                    "2013",
                    "Reject a message (450 4.5.1) when no shadow copy can be made.",
                ),
                ("Rfc2231EncodingEnabled", BOOL, False, "2010", "RFC 2231 encoding of MIME parameters outbound."),
                (
                    "SafetyNetHoldTime",
                    _LONG_SPAN,
                    datetime.timedelta(days=2),
                    "2013",
                    "How long Safety Net keeps a copy of a delivered message (2 days).",
                ),
                (
                    "ShadowHeartbeatFrequency",
                    TimeSpan(low=SECONDS),
                    _minutes(2),
                    "2013",
                    "How often a shadow server asks the primary for discard status.",
                ),
                (
                    "ShadowHeartbeatRetryCount",
                    Int32(low=1, high=15),
                    12,
                    "2010",
                    "Time-outs before a primary server counts as failed; used only by Exchange 2010 servers.",
                ),
                (
                    "ShadowHeartbeatTimeoutInterval",
                    TimeSpan(low=SECONDS),
                    _minutes(15),
                    "2010",
                    "Wait before querying a primary server; used only by Exchange 2010 servers.",
                ),
                (
                    "ShadowMessageAutoDiscardInterval",
                    TimeSpan(low=datetime.timedelta(seconds=5), high=datetime.timedelta(days=90)),
                    datetime.timedelta(days=2),
                    "2010",
                    "How long a primary server keeps discard events for shadow messages (2 days).",
                ),
                (
                    "ShadowMessagePreferenceSetting",
                    Choice(
                        dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.ShadowMessagePreference",
                        choices=("LocalOnly", "RemoteOnly", "PreferRemote"),
                    ),
                    "PreferRemote",
                    "2013",
                    "Where shadow copies are made.",
                ),
                ("ShadowRedundancyEnabled", BOOL, True, "2010", "Shadow redundancy in the organisation."),
                (
                    "ShadowResubmitTimeSpan",
                    TimeSpan(low=SECONDS),
                    _minutes(180),
                    "2013",
                    "Wait before a shadow server takes over the messages of an unreachable primary (3 hours).",
                ),
                (
                    "SupervisionTags",
                    Multi(),
                    ("Allow", "Reject"),
                    "2010",
                    "The tags transport supervision uses (Setup creates Allow and Reject).",
                ),
                (
                    "TLSSendDomainSecureList",
                    Multi(item="domain"),
                    (),
                    "2007",
                    "The domains mail is sent to with mutual TLS (Domain Security).",
                ),
                (
                    "TransportRuleAttachmentTextScanLimit",
                    ByteSize(low=0),
                    1_048_576,
                    "2013",
                    "Text extracted from an attachment for transport rules and DLP (1 MB; 2013: 150 KB).",
                    {"2013": 153_600},
                ),
                (
                    "VerifySecureSubmitEnabled",
                    BOOL,
                    False,
                    "2007",
                    "Mark MAPI submissions as secure only from encrypted clients.",
                ),
                (
                    "VoicemailJournalingEnabled",
                    BOOL,
                    True,
                    "2007",
                    "Journal Unified Messaging voice mail.",
                ),
                ("Xexch50Enabled", BOOL, True, "2007", "XEXCH50 for Exchange 2003."),
            )
        ),
        Property(
            "RecipientValidationEnabled",
            "recipient_validation_enabled",
            BOOL,
            False,
            settable=("Set-RecipientFilterConfig",),
            simulated=True,
            source="Set-RecipientFilterConfig",
            column="value",
        ),
        # The recipient filter agent's other settings: stored and printed back (Set-RecipientFilterConfig's page).
        Property(
            "BlockedRecipients",
            "blocked_recipients",
            Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[SmtpAddress]"),
            (),
            settable=("Set-RecipientFilterConfig",),
            help="Recipients the agent refuses when BlockListEnabled is $true.",
            check=checks.smtp_addresses,
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "BlockListEnabled",
            "block_list_enabled",
            BOOL,
            False,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the agent refuses the BlockedRecipients.",
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "Enabled",
            "recipient_filter_enabled",
            BOOL,
            True,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the recipient filter agent runs.",
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "ExternalMailEnabled",
            "recipient_filter_external_mail_enabled",
            BOOL,
            True,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the agent filters mail from unauthenticated sources outside the organisation.",
            source="Set-RecipientFilterConfig",
        ),
        Property(
            "InternalMailEnabled",
            "recipient_filter_internal_mail_enabled",
            BOOL,
            False,
            settable=("Set-RecipientFilterConfig",),
            help="Whether the agent filters mail from authenticated partners and internal sources.",
            source="Set-RecipientFilterConfig",
        ),
    ],
)

# Each Get- cmdlet's part of the organisation's settings (the same rows): what its export holds and its object shows.
TRANSPORT_SETTINGS = PropertySet("TransportConfig", TRANSPORT_CONFIG.settable("Set-TransportConfig"))
RECIPIENT_FILTER = PropertySet("RecipientFilterConfig", TRANSPORT_CONFIG.settable("Set-RecipientFilterConfig"))


def organization_defaults(servers: Iterable) -> dict:
    """The organisation's settings (TRANSPORT_CONFIG) as Setup leaves them: the defaults of the oldest version among
    its servers (the first Exchange installed creates the transport configuration; later ones keep it)."""
    versions = [server.version for server in servers]
    oldest = min(versions, key=lambda version: version.rank) if versions else None
    return {p.field: p.default_for(oldest) for p in TRANSPORT_CONFIG}
