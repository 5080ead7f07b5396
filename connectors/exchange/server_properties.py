"""An Exchange server's properties (SERVER, as Get-ExchangeServer shows them) and Set-MailboxServer's settings
(MAILBOX_SETTINGS, the ones a server keeps in its JSON column), declared once.
"""

from __future__ import annotations

import datetime

from .property_kinds import BOOL, FQDN, TEXT, ByteSize, Choice, Int32, Kind, Multi, Text, TimeSpan, UnlimitedSize
from .property_rows import Property, PropertySet, field_name, since

# --- Mailbox servers: Set-MailboxServer's documented on-premises parameters ------------------------------------------
# Stored and printed back (the server's JSON column `properties`), not simulated. Each row's versions are its
# "Applicable:" line (office-docs-powershell Set-MailboxServer.md; Exchange Server SE wherever 2019 is), its default
# the one the parameter's description gives; docs/decisions.md ("Set-MailboxServer's settings") lists the rows whose
# description gives none.

MAILBOX_SERVER_CMDLET = "Set-MailboxServer"
_E2010, _E2013, _E2010_2013 = ("2010",), ("2013",), ("2010", "2013")
_MAILBOX_SPAN = TimeSpan(high=datetime.timedelta(days=24_855, seconds=3 * 3600 + 14 * 60 + 7))  # Int32 seconds
_MAILBOX_SIZE = ByteSize(low=1, high=(1 << 63) - 1)
_MAILBOX_LIMIT = UnlimitedSize(low=1, high=(1 << 63) - 1)
_PATH = Text(dotnet="Microsoft.Exchange.Data.LocalLongFullPath")
_SCHEDULE = Multi(dotnet="Microsoft.Exchange.Common.ScheduleInterval[]")
_INSTALL = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"
_INSTALL_2010 = "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\"
_RESERVED = "Reserved for Microsoft's use."


_SINCE_2010 = since("2010")


def _mailbox(name: str, kind: Kind, default, versions=_SINCE_2010, help: str = "", **more) -> Property:
    return Property(
        name,
        field_name(name),
        kind,
        default,
        versions=versions,
        settable=(MAILBOX_SERVER_CMDLET,),
        on_edge=False,
        help=help or _RESERVED,
        source="Set-MailboxServer",
        **more,
    )


def _days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _hours(n: int) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def _work_cycle(assistant: str, versions, cycle, checkpoint, what: str = "") -> list[Property]:
    """A time-based assistant's *WorkCycle (the span in which it processes every mailbox) and its *WorkCycleCheckpoint
    twin (how often it refreshes its list of mailboxes); no default documented: $null."""
    return [
        _mailbox(
            f"{assistant}WorkCycle",
            _MAILBOX_SPAN,
            cycle,
            versions,
            help=f"The span in which the {what} processes every mailbox." if what else "",
            nullable=cycle is None,
        ),
        _mailbox(
            f"{assistant}WorkCycleCheckpoint",
            _MAILBOX_SPAN,
            checkpoint,
            versions,
            help=f"How often the {what} refreshes its list of mailboxes." if what else "",
            nullable=checkpoint is None,
        ),
    ]


_ASSISTANTS = [
    ("CalendarRepair", _E2010_2013, _days(1), _days(1), "Calendar Repair Assistant"),
    ("DarTaskStoreTimeBasedAssistant", _E2013, None, None, ""),
    ("DirectoryProcessor", _E2013, None, None, ""),
    ("GroupMailbox", _E2013, None, None, ""),
    ("InferenceDataCollection", _E2013, None, None, ""),
    ("InferenceTraining", _E2013, None, None, ""),
    ("MailboxAssociationReplication", _E2013, None, None, ""),
    ("ManagedFolder", _E2010_2013, _days(1), _days(1), "Managed Folder Assistant"),
    ("OABGenerator", _E2013, _hours(8), _hours(1), "OAB generation"),
    ("PeopleCentricTriage", _E2013, None, None, ""),
    ("PeopleRelevance", _E2013, None, None, ""),
    ("ProbeTimeBasedAssistant", _E2013, None, None, ""),
    ("PublicFolder", _E2013, _days(1), _days(1), "public folder assistant"),
    ("SearchIndexRepairTimeBasedAssistant", _E2013, None, None, ""),
    ("SharePointSignalStore", _E2013, None, None, ""),
    ("SharingPolicy", _E2010_2013, _days(1), _days(1), "Sharing Policy Assistant"),
    ("SharingSync", _E2010_2013, _hours(3), _hours(3), "Sharing Sync Assistant"),
    ("SiteMailbox", _E2013, _hours(6), _hours(6), "site mailbox assistant"),
    ("StoreDsMaintenance", _E2013, None, None, ""),
    ("StoreIntegrityCheck", _E2013, None, None, ""),
    ("StoreMaintenance", _E2013, None, None, ""),
    ("StoreScheduledIntegrityCheck", _E2013, None, None, ""),
    ("StoreUrgentMaintenance", _E2013, None, None, ""),
    ("TopN", _E2010_2013, _days(7), _days(1), "TopN Words Assistant"),
    ("UMReporting", _E2010_2013, _days(1), _days(1), "Unified Messaging Reporting Assistant"),
]

_MAILBOX_SERVER_ROWS = [
    _mailbox("AutoDagServerConfigured", BOOL, False, since("2013")),
    _mailbox(
        "AutoDatabaseMountDial",
        Choice(
            dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.AutoDatabaseMountDial",
            choices=("BestAvailability", "GoodAvailability", "Lossless"),
        ),
        "GoodAvailability",
        help="When a database mounts after a failover: BestAvailability, GoodAvailability or Lossless.",
    ),
    _mailbox(
        "CalendarRepairIntervalEndWindow",
        Int32(),
        7,
        by_version={"2010": 30, "2013": 30},
        help="Days into the future the Calendar Repair Assistant repairs (7; 30 on 2010 and 2013).",
    ),
    _mailbox(
        "CalendarRepairLogDirectorySizeLimit",
        _MAILBOX_LIMIT,
        500 << 20,
        help="The calendar repair log directory's maximum size (500 MB).",
    ),
    _mailbox("CalendarRepairLogEnabled", BOOL, True, help="Whether the Calendar Repair Assistant logs its repairs."),
    _mailbox(
        "CalendarRepairLogFileAgeLimit",
        _MAILBOX_SPAN,
        _days(10),
        help="Calendar repair logs older than this are deleted (10 days; 00:00:00: never).",
    ),
    _mailbox(
        "CalendarRepairLogPath",
        _PATH,
        _INSTALL + "Logging\\Calendar Repair Assistant",
        by_version={"2010": _INSTALL_2010 + "Logging\\Calendar Repair Assistant"},
        help="Where the calendar repair logs are written.",
    ),
    _mailbox(
        "CalendarRepairLogSubjectLoggingEnabled",
        BOOL,
        True,
        help="Whether the calendar repair log includes the items' subjects.",
    ),
    _mailbox(
        "CalendarRepairMissingItemFixDisabled",
        BOOL,
        False,
        help="Whether the Calendar Repair Assistant leaves missing calendar items unfixed.",
    ),
    _mailbox(
        "CalendarRepairMode",
        Choice(
            dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.CalendarRepairType",
            choices=("ValidateOnly", "RepairAndValidate"),
        ),
        "RepairAndValidate",
        since("2013"),
        help="ValidateOnly or RepairAndValidate.",
    ),
    _mailbox(
        "CalendarRepairSchedule",
        _SCHEDULE,
        (),
        _E2010,
        help="When each week the Calendar Repair Assistant runs: Sun.11:30 PM-Mon.1:30 AM, ...",
    ),
    *_work_cycle(*_ASSISTANTS[0]),
    *(row for assistant in _ASSISTANTS[1:2] for row in _work_cycle(*assistant)),
    _mailbox(
        "DatabaseCopyActivationDisabledAndMoveNow",
        BOOL,
        False,
        since("2013"),
        help="Keep databases from mounting here while other healthy copies exist, and move the mounted ones away.",
    ),
    _mailbox(
        "DatabaseCopyAutoActivationPolicy",
        Choice(
            dotnet="Microsoft.Exchange.Data.Directory.SystemConfiguration.DatabaseCopyAutoActivationPolicyType",
            choices=("Blocked", "IntrasiteOnly", "Unrestricted"),
        ),
        "Unrestricted",
        help="Automatic activation of database copies here: Blocked, IntrasiteOnly or Unrestricted.",
    ),
    *_work_cycle(*_ASSISTANTS[2]),
    _mailbox("FaultZone", TEXT, "", since("2013")),
    _mailbox(
        "FolderLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Managed folder logging (MRM 1.0, for coexistence with Exchange 2010).",
    ),
    _mailbox(
        "ForceGroupMetricsGeneration",
        BOOL,
        False,
        help="Generate group metrics (MailTips) even when the server generates no offline address book.",
    ),
    *_work_cycle(*_ASSISTANTS[3]),
    _mailbox(
        "GroupMetricsGenerationTime",
        TEXT,
        "",
        _E2010,
        help="The time of day (HH:MM) group metrics are generated.",
    ),
    *(row for assistant in _ASSISTANTS[4:6] for row in _work_cycle(*assistant)),
    _mailbox("IrmLogEnabled", BOOL, True, _E2010, help="Log Information Rights Management transactions."),
    _mailbox("IrmLogMaxAge", _MAILBOX_SPAN, _days(30), _E2010, help="IRM logs older than this are deleted (30 days)."),
    _mailbox(
        "IrmLogMaxDirectorySize",
        _MAILBOX_LIMIT,
        250 << 20,
        _E2010,
        help="The IRM log directory's maximum size (250 MB).",
    ),
    _mailbox("IrmLogMaxFileSize", _MAILBOX_SIZE, 10 << 20, _E2010, help="Each IRM log file's maximum size (10 MB)."),
    _mailbox("IrmLogPath", _PATH, _INSTALL_2010 + "Logging\\IRMLogs", _E2010, help="Where the IRM logs are written."),
    _mailbox(
        "IsExcludedFromProvisioning",
        BOOL,
        False,
        help="Leave the server out of the offline address book provisioning load balancer.",
    ),
    _mailbox(
        "JournalingLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Record journaling in the managed folder log.",
    ),
    _mailbox("JunkEmailOptionsCommitterWorkCycle", _MAILBOX_SPAN, None, _E2013, nullable=True),
    _mailbox(
        "Locale",
        Multi(dotnet="Microsoft.Exchange.Data.MultiValuedProperty`1[System.Globalization.CultureInfo]"),
        (),
        help="The server's locales: en-US, de-AT, ...",
    ),
    _mailbox(
        "LogDirectorySizeLimitForManagedFolders",
        _MAILBOX_LIMIT,
        None,
        help="The managed folder logs' maximum size per database (Unlimited).",
    ),
    _mailbox(
        "LogFileAgeLimitForManagedFolders",
        _MAILBOX_SPAN,
        datetime.timedelta(0),
        help="Managed folder logs older than this are deleted (00:00:00: never).",
    ),
    _mailbox(
        "LogFileSizeLimitForManagedFolders",
        _MAILBOX_LIMIT,
        10 << 20,
        help="Each managed folder log file's maximum size (10 MB).",
    ),
    _mailbox(
        "LogPathForManagedFolders",
        _PATH,
        _INSTALL + "Logging\\Managed Folder Assistant",
        by_version={"2010": _INSTALL_2010 + "Logging\\Managed Folder Assistant"},
        help="Where the managed folder logs are written.",
    ),
    *_work_cycle(*_ASSISTANTS[6]),
    _mailbox(
        "MailboxProcessorWorkCycle",
        _MAILBOX_SPAN,
        _days(1),
        _E2013,
        help="How often the server scans for locked mailboxes (1 day).",
    ),
    _mailbox(
        "ManagedFolderAssistantSchedule",
        _SCHEDULE,
        (),
        help="When each week the Managed Folder Assistant runs (coexistence with older versions).",
    ),
    *_work_cycle(*_ASSISTANTS[7]),
]
_MAILBOX_SERVER_ROWS_AFTER_MAPI = [
    _mailbox(
        "MaximumActiveDatabases",
        Int32(),
        None,
        nullable=True,
        help="The most databases that may be mounted here; blank ($null): no maximum.",
    ),
    _mailbox(
        "MaximumPreferredActiveDatabases",
        Int32(),
        None,
        since("2013"),
        nullable=True,
        help="The preferred maximum of active databases; blank ($null): none.",
    ),
    _mailbox("MessageTrackingLogEnabled", BOOL, True, _E2010, help="Whether message tracking is enabled."),
    _mailbox(
        "MessageTrackingLogMaxAge",
        _MAILBOX_SPAN,
        _days(30),
        _E2010,
        help="Message tracking logs older than this are deleted (30 days).",
    ),
    _mailbox(
        "MessageTrackingLogMaxDirectorySize",
        _MAILBOX_LIMIT,
        250 << 20,
        _E2010,
        help="The message tracking log directory's maximum size (250 MB).",
    ),
    _mailbox(
        "MessageTrackingLogMaxFileSize",
        ByteSize(low=1, high=1 << 32),
        10 << 20,
        _E2010,
        help="Each message tracking log file's maximum size (10 MB).",
    ),
    _mailbox(
        "MessageTrackingLogPath",
        _PATH,
        _INSTALL_2010 + "TransportRoles\\Logs\\MessageTracking",
        _E2010,
        help="Where the message tracking logs are written.",
    ),
    _mailbox(
        "MessageTrackingLogSubjectLoggingEnabled",
        BOOL,
        True,
        _E2010,
        help="Whether the message tracking log includes subjects.",
    ),
    _mailbox("MigrationLogFilePath", _PATH, "", since("2013")),
    _mailbox(
        "MigrationLogLoggingLevel",
        Choice(
            dotnet="Microsoft.Exchange.Migration.MigrationEventType",
            choices=("None", "Error", "Warning", "Information", "Verbose", "Instrumentation"),
        ),
        None,
        since("2013"),
        nullable=True,
    ),
    _mailbox("MigrationLogMaxAge", _MAILBOX_SPAN, None, since("2013"), nullable=True),
    _mailbox("MigrationLogMaxDirectorySize", _MAILBOX_SIZE, None, since("2013"), nullable=True),
    _mailbox("MigrationLogMaxFileSize", _MAILBOX_SIZE, None, since("2013"), nullable=True),
    *(row for assistant in _ASSISTANTS[8:13] for row in _work_cycle(*assistant)),
    _mailbox(
        "RetentionLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Record retention processing in the managed folder log.",
    ),
    *(row for assistant in _ASSISTANTS[13:15] for row in _work_cycle(*assistant)),
    _mailbox(
        "SharingPolicySchedule",
        _SCHEDULE,
        (),
        help="When each week the Sharing Policy Assistant runs.",
    ),
    *(row for assistant in _ASSISTANTS[15:23] for row in _work_cycle(*assistant)),
    _mailbox(
        "SubjectLogForManagedFoldersEnabled",
        BOOL,
        False,
        help="Whether the managed folder logs include subjects.",
    ),
    _mailbox("SubmissionServerOverrideList", Multi(), ()),
    *(row for assistant in _ASSISTANTS[23:] for row in _work_cycle(*assistant)),
    _mailbox(
        "WacDiscoveryEndpoint",
        TEXT,
        "",
        since("2016"),
        help="Office Online Server's discovery endpoint: https://oos.internal.contoso.com/hosting/discovery.",
    ),
]

SERVER = PropertySet(
    "ExchangeServer",
    [
        Property("Name", "name", TEXT, "", settable=(), simulated=True),
        Property("Fqdn", "fqdn", FQDN, "", settable=(), simulated=True),
        Property("ServerRole", "roles", Multi(item="string"), ("Mailbox",), settable=(), simulated=True),
        Property("AdminDisplayVersion", "version", TEXT, "SE", settable=(), simulated=True),
        *_MAILBOX_SERVER_ROWS,
        Property(
            "MAPIEncryptionRequired",
            "mapi_encryption_required",
            BOOL,
            False,
            settable=("Set-MailboxServer",),
            source="P-SMS",
        ),
        *_MAILBOX_SERVER_ROWS_AFTER_MAPI,
        Property("IPAddresses", "ip_addresses", Multi(item="string"), (), settable=(), simulated=True),
        Property("IsEdgeServer", "is_edge", BOOL, False, settable=(), simulated=True),
        Property("Identity", "identity", TEXT, "", settable=(), simulated=True),
    ],
)

# The mailbox settings a server keeps in its JSON column: every Set-MailboxServer row but MAPIEncryptionRequired (a
# column of its own, which the audit reads).
MAILBOX_SETTINGS = PropertySet("MailboxServer", [*_MAILBOX_SERVER_ROWS, *_MAILBOX_SERVER_ROWS_AFTER_MAPI])
