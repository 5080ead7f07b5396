"""Labs: editable copies of an Exchange organisation, stored so that one server loads into the engine in a few queries.

Field names match the engine dataclasses (connectors/exchange/model.py) so that conversion is a plain mapping.
Multi-valued Exchange properties (Bindings, RemoteIPRanges, IP addresses, e-mail addresses, group membership) are
stored as their normalised, comma-separated Exchange text: a connector with all its ranges is one row, bulk loading
100,000 ranges is 1,000 inserts, and the engine's parsers (addresses.parse_*) stay the only parsers.
ACEs are rows so that the ACL can be listed, filtered and explained one entry at a time.

Validation lives in clean() and calls the engine; loadlab, the console and the forms all go through it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from . import convert
from .exchange import model as engine
from .exchange.catalogue import USAGES
from .exchange.directory_properties import PRINCIPAL, RECIPIENT
from .exchange.limits import max_length
from .exchange.model import ExchangeVersion
from .exchange.organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from .exchange.property_rows import PropertySet
from .exchange.receive_connector_properties import COMPUTED, RECEIVE_CONNECTOR
from .exchange.server_properties import MAILBOX_SETTINGS, SERVER

# Every column that holds an Exchange property takes its default and its choices from the property's catalogue row
# (exchange/*_properties.py); tests/app/test_model_catalogue.py checks that they agree.


def _default(properties: PropertySet, field: str):
    """A column holding the engine value (column="value") takes the default as is, any other its text (a list
    comma-joined, as convert.join_list stores it)."""
    prop = properties.by_field(field)
    if prop.column == "value":
        return prop.default
    value = prop.data(prop.default)
    return ", ".join(value) if prop.kind.multi else value


def _choices(properties: PropertySet, field: str) -> list[tuple[str, str]]:
    return [(name, name) for name in properties.by_field(field).kind.names()]


class Lab(models.Model):
    """A named, self-contained Exchange organisation that users edit freely (what-if)."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="labs"
    )
    baseline = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        help_text="The lab this one was copied from.",
    )
    organization_name = models.CharField(max_length=max_length(engine.Organization, "name"), default="Contoso")
    domain_netbios = models.CharField(
        "NetBIOS domain", max_length=max_length(engine.Organization, "domain_netbios"), default="CONTOSO"
    )
    recipient_validation_enabled = models.BooleanField(
        default=_default(TRANSPORT_CONFIG, "recipient_validation_enabled"),
        help_text="Set-RecipientFilterConfig -RecipientValidationEnabled",
    )
    tls_receive_domain_secure_list = models.TextField(
        blank=True, help_text="Set-TransportConfig -TLSReceiveDomainSecureList (comma-separated domains)"
    )
    properties = models.JSONField(
        default=dict,
        blank=True,
        help_text="The organisation's other catalogued settings (MaxReceiveSize, BlockedRecipients, ...) by engine "
        "field, as JSON",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "owner",
                name="unique_lab_name_per_owner",
                violation_error_message="You already have a lab with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.slug


class BaselineSnapshot(models.Model):
    """The state a lab started from (its template, lab file or scenario, or its source when copied), in the lab-file
    format (docs/lab-format.md), so that its plan shows what was changed since (labs.baseline_org). A row of its own,
    not a column of Lab, so that loading a lab never reads a 100,000-range snapshot it doesn't need."""

    lab = models.OneToOneField(Lab, on_delete=models.CASCADE, related_name="baseline_snapshot")
    origin = models.CharField(max_length=300, help_text="Where the lab started, in words: 'the exchange2007 template'")
    data = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.lab}: {self.origin}"


class Server(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="servers")
    name = models.CharField(max_length=max_length(engine.Server, "name"))
    fqdn = models.CharField("FQDN", max_length=max_length(engine.Server, "fqdn"))
    version = models.CharField(
        max_length=4, choices=[(v.value, v.value) for v in ExchangeVersion], default=_default(SERVER, "version")
    )
    roles = models.CharField(
        max_length=100, default=_default(SERVER, "roles"), help_text="Comma-separated: HubTransport, Mailbox, …"
    )
    ip_addresses = models.TextField("IP addresses", blank=True, help_text="Comma-separated")
    mapi_encryption_required = models.BooleanField(
        "MAPIEncryptionRequired", default=_default(SERVER, "mapi_encryption_required")
    )
    properties = models.JSONField(
        default=dict,
        blank=True,
        help_text="The server's other catalogued settings (MessageTrackingLogMaxAge, ...) by engine field, as JSON",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "lab",
                name="unique_server_name_per_lab",
                violation_error_message="A server with this name already exists in the lab.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        _raise_field_errors(convert.server_errors(self), SERVER_FIELDS)


def _connector_default(field: str):
    return _default(RECEIVE_CONNECTOR, field)


class ReceiveConnector(models.Model):
    """A receive connector. The catalogued properties the simulator has long read have columns of their own (their
    defaults and choices are the catalogue's, exchange/receive_connector_properties.py); every other one is in
    `properties`, so that cataloguing a property needs no migration (convert.connector_fields / connector_value)."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="receive_connectors")
    name = models.CharField(max_length=max_length(engine.ReceiveConnector, "name"))
    usage = models.CharField(
        max_length=10, blank=True, default="Custom", choices=[("", "(none)"), *[(u, u) for u in USAGES]]
    )
    transport_role = models.CharField(
        max_length=20,
        choices=_choices(RECEIVE_CONNECTOR, "transport_role"),
        default=_connector_default("transport_role"),
    )
    enabled = models.BooleanField(default=_connector_default("enabled"))
    bindings = models.TextField(help_text="IPAddress:TCPPort, comma-separated")
    remote_ip_ranges = models.TextField(
        "RemoteIPRanges", blank=True, help_text="Single addresses, ranges or CIDR blocks, comma-separated"
    )
    auth_mechanism = models.CharField(max_length=120, default=_connector_default("auth_mechanism"))
    permission_groups_written = models.PositiveSmallIntegerField(
        default=_connector_default("permission_groups_written"),
        help_text="Flags last written by -PermissionGroups; PermissionGroups itself is read from the ACL",
    )
    require_tls = models.BooleanField("RequireTLS", default=_connector_default("require_tls"))
    domain_secure_enabled = models.BooleanField(default=_connector_default("domain_secure_enabled"))
    enable_auth_gssapi = models.BooleanField("EnableAuthGSSAPI", default=_connector_default("enable_auth_gssapi"))
    fqdn = models.CharField("FQDN", max_length=max_length(engine.ReceiveConnector, "fqdn"), blank=True)
    banner = models.CharField(max_length=max_length(engine.ReceiveConnector, "banner"), blank=True)
    max_message_size = models.BigIntegerField(default=_connector_default("max_message_size"))
    max_recipients_per_message = models.PositiveIntegerField(default=_connector_default("max_recipients_per_message"))
    message_rate_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means Unlimited")
    protocol_logging_level = models.CharField(
        max_length=10,
        default=_connector_default("protocol_logging_level"),
        choices=_choices(RECEIVE_CONNECTOR, "protocol_logging_level"),
    )
    size_enabled = models.CharField(
        max_length=20, default=_connector_default("size_enabled"), choices=_choices(RECEIVE_CONNECTOR, "size_enabled")
    )
    comment = models.TextField(blank=True)
    properties = models.JSONField(
        default=dict,
        blank=True,
        help_text="The other catalogued properties (MaxHopCount, ConnectionTimeout, ...) by engine field, as JSON",
    )
    created_by_setup = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "server",
                name="unique_connector_name_per_server",
                violation_error_message="A Receive connector with this name already exists on the server.",
            )
        ]

    def __str__(self) -> str:
        return self.identity

    @property
    def identity(self) -> str:
        return f"{self.server.name}\\{self.name}"

    @property
    def permission_groups(self) -> str:
        """PermissionGroups as Exchange shows it, read back from the ACL (Custom exactly when Exchange shows it)."""
        return convert.permission_groups_text(self)

    def validate_constraints(self, exclude=None):
        """The name constraint is checked by clean() in Exchange's words; don't report it twice."""

    def clean(self):
        _raise_field_errors(convert.connector_errors(self), CONNECTOR_FIELDS)


class AccessControlEntry(models.Model):
    """One ACE on a receive connector: an extended right allowed or denied to a principal."""

    connector = models.ForeignKey(ReceiveConnector, on_delete=models.CASCADE, related_name="aces")
    position = models.PositiveIntegerField(default=0)
    principal = models.CharField(max_length=max_length(engine.ACE, "principal"))
    right = models.CharField(max_length=100)
    deny = models.BooleanField(default=False)
    inherited = models.BooleanField(default=False)
    group = models.CharField(
        max_length=max_length(engine.ACE, "group"),
        blank=True,
        help_text="The permission group that wrote it; empty for Add-ADPermission",
    )
    properties = models.JSONField(
        default=dict,
        blank=True,
        help_text="The ACE's other catalogued attributes (InheritanceType, ChildObjectTypes, ...) by engine field, as "
        "JSON",
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "ACE"
        verbose_name_plural = "ACEs"
        constraints = [
            # What identifies an ACE (exchange.acl.ace_identity); the writing group and the position are attributes.
            models.UniqueConstraint(
                "connector",
                Lower("principal"),
                "right",
                "deny",
                "inherited",
                "properties",  # the ACE options that differ from the defaults (InheritanceType, object types)
                name="unique_ace_per_connector",
                violation_error_message="This access control entry is already on the connector.",
            )
        ]

    def __str__(self) -> str:
        return f"{'Deny' if self.deny else 'Allow'} {self.right} for {self.principal}"

    @property
    def origin(self) -> str:
        """Where the ACE came from, as the engine explains it (a permission group, Add-ADPermission, inheritance)."""
        return convert.ace_value(self).origin

    def clean(self):
        _raise_field_errors(convert.ace_errors(self), ACE_FIELDS)


class AcceptedDomain(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="accepted_domains")
    name = models.CharField(max_length=max_length(engine.AcceptedDomain, "name"))
    domain_name = models.CharField(
        max_length=max_length(engine.AcceptedDomain, "domain_name"), help_text="contoso.com, *.contoso.com or *"
    )
    domain_type = models.CharField(
        max_length=20,
        choices=_choices(ACCEPTED_DOMAIN, "domain_type"),
        default=_default(ACCEPTED_DOMAIN, "domain_type"),
    )
    default = models.BooleanField(default=_default(ACCEPTED_DOMAIN, "default"))
    address_book_enabled = models.BooleanField(default=_default(ACCEPTED_DOMAIN, "address_book_enabled"))
    match_subdomains = models.BooleanField(default=_default(ACCEPTED_DOMAIN, "match_subdomains"))
    properties = models.JSONField(
        default=dict,
        blank=True,
        help_text="The domain's other catalogued settings (PendingRemoval, ...) by engine field, as JSON",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "lab",
                name="unique_accepted_domain_name_per_lab",
                violation_error_message="An accepted domain with this name already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.domain_name

    def save(self, *args, **kwargs):
        """Like -MakeDefault: saving the default domain clears the flag on the lab's others, in one transaction."""
        with transaction.atomic():
            if self.default:
                AcceptedDomain.objects.filter(lab_id=self.lab_id, default=True).exclude(pk=self.pk).update(
                    default=False
                )
            super().save(*args, **kwargs)

    def clean(self):
        _raise_field_errors(convert.accepted_domain_errors(self), DOMAIN_FIELDS)


class Recipient(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="recipients")
    name = models.CharField(max_length=max_length(engine.Recipient, "name"))
    kind = models.CharField(max_length=20, choices=_choices(RECIPIENT, "kind"), default=_default(RECIPIENT, "kind"))
    addresses = models.TextField(help_text="SMTP addresses, primary first, comma-separated")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        _raise_field_errors(convert.recipient_errors(self), {"addresses": "addresses"})


class Principal(models.Model):
    """A user, group or computer of the modelled forest (CONTOSO\\alice, CONTOSO\\Printers, CONTOSO\\EX01$)."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="principals")
    name = models.CharField(max_length=max_length(engine.Principal, "name"))
    kind = models.CharField(max_length=10, choices=_choices(PRINCIPAL, "kind"), default=_default(PRINCIPAL, "kind"))
    member_of = models.TextField(blank=True, help_text="Groups, comma-separated")
    smtp_password = models.CharField(
        max_length=max_length(engine.Principal, "smtp_password"),
        blank=True,
        help_text="Lab-only password for simulated SMTP AUTH; empty means none",
    )
    email = models.CharField(max_length=max_length(engine.Principal, "email"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "lab",
                name="unique_principal_name_per_lab",
                violation_error_message="A principal with this name already exists in the lab.",
            )
        ]

    def __str__(self) -> str:
        return self.name


# Exchange parameter names (FieldError.field) -> model field names, so Exchange's error shows next to the field.
CONNECTOR_FIELDS = {
    "Server": "server",
    "Usage": "usage",
    **{p.name: p.field if p.column else "properties" for p in RECEIVE_CONNECTOR if p.field not in COMPUTED},
}


def _columns(properties: PropertySet, model: type[models.Model]) -> dict[str, str]:
    names = {field.name for field in model._meta.local_fields}  # the apps aren't ready yet: no get_fields()
    return {p.name: p.field for p in properties if p.field in names}


# validate_server names a server's version and roles as its parameters do (-Version, -Roles); -MakeDefault sets Default.
SERVER_FIELDS = {
    **_columns(SERVER, Server),
    **{p.name: "properties" for p in MAILBOX_SETTINGS},  # the mailbox settings are kept in the JSON column
    "Version": "version",
    "Roles": "roles",
}
DOMAIN_FIELDS = {**_columns(ACCEPTED_DOMAIN, AcceptedDomain), "MakeDefault": "default"}
ACE_FIELDS = {"User": "principal", "ExtendedRights": "right", "AccessRights": "right"}


def _raise_field_errors(errors, field_names: dict[str, str]) -> None:
    """Raise one ValidationError carrying each engine FieldError next to the model field it concerns."""
    if not errors:
        return
    by_field: dict[str, list[str]] = {}
    for error in errors:
        field = field_names.get(error.field) or (error.field if error.field in field_names.values() else None)
        by_field.setdefault(field or "__all__", []).append(error.message)
    raise ValidationError(by_field)


# --- Training (scenario labs and team sessions; connectors/training.py) ----------------------------------------------


class TrainingSession(models.Model):
    """A trainer's run of one scenario: each trainee works in their own copy of the starting lab."""

    scenario = models.CharField(max_length=100, help_text="The scenario file name (connectors/scenarios/NAME.toml)")
    title = models.CharField(max_length=200)
    trainer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_sessions")
    hints_revealed = models.PositiveSmallIntegerField(default=0, help_text="How many hints trainees can see")
    answer_revealed = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.title


class ScenarioLab(models.Model):
    """A lab started from a scenario: the scenario grades it; `session`/`trainee` are set for a team session."""

    lab = models.OneToOneField(Lab, on_delete=models.CASCADE, related_name="scenario_link")
    scenario = models.CharField(max_length=100)
    session = models.ForeignKey(
        TrainingSession, null=True, blank=True, on_delete=models.CASCADE, related_name="enrolments"
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="scenario_labs"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=("session", "trainee"),
                name="one_lab_per_trainee_per_session",
                condition=models.Q(session__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.scenario}: {self.lab.slug}"


# --- The live SMTP endpoint (manage.py smtpserve; connectors/smtpserve.py) -------------------------------------------


class SmtpEndpoint(models.Model):
    """A running `smtpserve` for a lab: the command writes this row at start, refreshes heartbeat_at, deletes it at
    exit. The dashboard shows it as running while the heartbeat is fresh (a killed process leaves a stale row)."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="smtp_endpoints")
    server = models.CharField(max_length=64)
    listeners = models.TextField(help_text="HOST:PORT=IP:PORT, one a line")
    remote_ip = models.CharField(max_length=45, blank=True)
    xclient = models.BooleanField(default=False)
    tls_fingerprint = models.CharField(max_length=128, blank=True)
    protocol_log = models.CharField(max_length=500, blank=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField()
    sessions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"smtpserve {self.lab.slug} --server {self.server}"

    def listener_pairs(self) -> list[tuple[str, str]]:
        """(what to connect to, the server endpoint it stands for), one per --listen."""
        return [tuple(line.split("=", 1)) for line in self.listeners.splitlines() if "=" in line]


class ReceivedMessage(models.Model):
    """A message the endpoint accepted (250 Queued): kept for the Received mail page, never sent onward."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="received_messages")
    received_at = models.DateTimeField()
    message_id = models.CharField(max_length=100)
    server = models.CharField(max_length=64)
    connector = models.CharField(max_length=200)
    local_endpoint = models.CharField(max_length=60)
    remote_ip = models.CharField(max_length=45)
    helo = models.CharField(max_length=255, blank=True)
    identity = models.CharField(max_length=255)
    mail_from = models.CharField(max_length=320, blank=True)
    recipients = models.JSONField(default=list, help_text="[{address, reply, fate, reason, ndr}] in RCPT order")
    size = models.PositiveBigIntegerField()
    content = models.BinaryField(help_text="The message as received, up to EXCHSIM_SMTP_MAX_STORED_BYTES")
    truncated = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["lab", "-received_at"], name="received_lab_time")]

    def __str__(self) -> str:
        return f"<{self.message_id}> from {self.mail_from or '<>'}"


class TemporaryPassword(models.Model):
    """The account signs in with a password someone else chose (generated by a trainer or `createuser`): it must set
    its own at its first sign-in. Deleted once it has."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="temporary_password")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"one-time password of {self.user}"


# --- History (connectors/history.py) --------------------------------------------------------------------------------


class HistoryEntry(models.Model):
    """One change to a lab: who, when, from where, in words, as EMS commands both ways, and as data.

    `changes` holds only the changed objects (their changed properties, or the whole object when it was created or
    removed) in the lab file's JSON shape, so an entry's size follows the change, not the lab; `touched` names the
    (object, property) pairs it changed, so undo can find a later entry in the way without reading `changes`."""

    SOURCES = [("page", "page"), ("console", "console"), ("command line", "command line")]
    CREATIONS = ("create", "load", "copy", "scenario")  # the entries that brought a lab into being

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="history")
    number = models.PositiveIntegerField(help_text="1, 2, 3… within the lab")
    created = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="lab_changes"
    )
    source = models.CharField(max_length=12, choices=SOURCES)
    action = models.CharField(max_length=12, help_text="create, load, edit, command, scenario, answer, undo, restore")
    note = models.TextField(blank=True, help_text="What was done, as the person did it: the command, the file, …")
    summary = models.TextField(help_text="The change in words")
    changes = models.JSONField(default=list, blank=True)
    touched = models.JSONField(default=list, blank=True)
    commands = models.TextField(blank=True, help_text="The EMS commands that make the change")
    undo_commands = models.TextField(blank=True, help_text="The EMS commands that undo it")
    refers_to = models.PositiveIntegerField(null=True, blank=True, help_text="The entry undone or restored to")

    class Meta:
        ordering = ["-number"]
        verbose_name_plural = "history entries"
        constraints = [models.UniqueConstraint(fields=("lab", "number"), name="unique_history_number_per_lab")]

    def __str__(self) -> str:
        return f"#{self.number} {self.summary}"

    @property
    def changes_something(self) -> bool:
        """False for the entry that created the lab (nothing to undo)."""
        return self.action not in self.CREATIONS


class TrafficUpload(models.Model):
    """SMTP Receive protocol logs uploaded for a lab, kept as their traffic profile (connectors/exchange/replay.py:
    the distinct kinds of session with counts and an example each), from which the Traffic page works out who uses
    what, the drift and the impact of a change. The logs themselves are not kept."""

    READING, DONE, FAILED = "reading", "done", "failed"
    STATES = [(READING, "reading"), (DONE, "done"), (FAILED, "failed")]

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="traffic_uploads")
    created = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="traffic_uploads"
    )
    files = models.TextField(help_text="The uploaded file names, one a line")
    size = models.BigIntegerField(default=0, help_text="Bytes uploaded")
    state = models.CharField(max_length=8, choices=STATES, default=READING)
    progress = models.BigIntegerField(default=0, help_text="Bytes read so far")
    error = models.TextField(blank=True)
    sessions = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    lines = models.PositiveBigIntegerField(default=0)
    malformed_lines = models.PositiveBigIntegerField(default=0)
    profile = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.lab.slug}: {self.files.splitlines()[0] if self.files else '(no files)'} ({self.state})"

    @property
    def percent(self) -> int:
        return min(100, self.progress * 100 // self.size) if self.size else 0


class TrafficReplay(models.Model):
    """An upload's traffic replayed through a lab as it stood (`state`: connectors/traffic.state_key): the drift and
    the impact of the lab's changes, kept so the Traffic and Plan pages show them without simulating again, and
    worked out in the background for large logs."""

    WORKING, DONE, FAILED = "working", "done", "failed"
    STATES = [(WORKING, "working"), (DONE, "done"), (FAILED, "failed")]

    upload = models.ForeignKey(TrafficUpload, on_delete=models.CASCADE, related_name="replays")
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="traffic_replays")
    state = models.CharField(max_length=100, help_text="Which state of the lab and its baseline it was worked out for")
    status = models.CharField(max_length=8, choices=STATES, default=WORKING)
    created = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="drift, impact and probes_simulated")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["upload", "lab", "state"], name="one_replay_per_upload_lab_state")
        ]

    def __str__(self) -> str:
        return f"{self.lab.slug}: upload {self.upload_id} at {self.state} ({self.status})"


class ImportRun(models.Model):
    """An import from the dashboard's Import page (connectors/imports.py): its files while they are read, then the
    report of the lab it made, or why nothing was imported. The files are deleted once read; only the report stays."""

    READING, DONE, FAILED = "reading", "done", "failed"
    STATES = [(READING, "reading"), (DONE, "done"), (FAILED, "failed")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_runs"
    )
    created = models.DateTimeField(default=timezone.now)
    files = models.TextField(help_text="The uploaded file names, one a line")
    size = models.BigIntegerField(default=0, help_text="Bytes uploaded")
    state = models.CharField(max_length=8, choices=STATES, default=READING)
    progress = models.BigIntegerField(default=0, help_text="Bytes read so far")
    error = models.TextField(blank=True, help_text="Why nothing was imported")
    report = models.JSONField(default=dict, blank=True, help_text="What came in (imports.ImportOutcome.to_json)")
    lab = models.ForeignKey(Lab, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.files.splitlines()[0] if self.files else '(no files)'} ({self.state})"

    @property
    def percent(self) -> int:
        return min(100, self.progress * 100 // self.size) if self.size else 0
