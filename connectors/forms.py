"""Dashboard forms. Field checks call the engine's parsers, so every message is Exchange's own wording; the rules
that span fields (auth combinations, uniqueness, limits) are left to the engine's Set-ReceiveConnector. The connector
tabs' inputs are built from the property catalogue (connectors/property_forms.py)."""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from . import labfile, models
from .console_run import file_text
from .exchange.acl import ace_options
from .exchange.addresses import parse_binding, parse_ip, parse_remote_range
from .exchange.catalogue import RIGHTS, USAGES, canonical_right
from .exchange.errors import ExchangeError
from .exchange.property_rows import SET
from .exchange.pscmdlets import file_name
from .exchange.receive_connector_properties import RECEIVE_CONNECTOR
from .exchange.smtp import Probe
from .exchange.versions import ExchangeVersion
from .property_forms import PropertyChoice, PropertyForm, flags_field


def add_engine_errors(form: forms.Form, errors) -> None:
    """Attach engine FieldErrors (or one ExchangeError) to the form fields they concern: the form's own `parameters`
    mapping (Exchange parameter -> form field) first, then the catalogue's field of that parameter."""
    for error in errors:
        form.add_error(_field_of(form, error.field), error.message)


def _field_of(form: forms.Form, parameter: str) -> str | None:
    field = getattr(form, "parameters", {}).get(parameter)
    if field is None and parameter:
        prop = RECEIVE_CONNECTOR.by_name(parameter)
        field = prop.field if prop else None
    return field if field in form.fields else None


class IPAddressField(forms.CharField):
    """An IP address, parsed by the engine once: cleaned_data holds the IPAddress (None when left blank), which
    the probe hands on to selection and session as it is."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_ip(text)
        except ExchangeError as error:
            raise ValidationError(error.message) from error


RIGHT_CHOICES = [(r, r) for r in RIGHTS]


def _flags(values) -> int:
    total = 0
    for value in values:
        total |= int(value)
    return total


class CheckedText(forms.CharField):
    """A text whose length is checked here, on the server, with the error beside the field: the HTML maxlength
    attribute would make the browser cut a longer (pasted) name without a word."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


LAB_NAME_LENGTH = models.Lab._meta.get_field("name").max_length


class LabCreateForm(forms.Form):
    name = CheckedText(max_length=LAB_NAME_LENGTH)
    template = forms.ChoiceField()

    def __init__(self, *args, templates=None, **kwargs):
        """`templates`: labtemplates.TEMPLATES; each choice reads as its description ("exchangese" says little)."""
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(name, t.description) for name, t in (templates or {}).items()]


class LabRenameForm(forms.Form):
    name = CheckedText(max_length=LAB_NAME_LENGTH)


class LabUploadForm(forms.Form):
    file = forms.FileField(label="Lab file")

    def __init__(self, *args, oversized: bool = False, **kwargs):
        """`oversized`: the upload handler stopped receiving the file at the limit (connectors/uploads.py)."""
        super().__init__(*args, **kwargs)
        self.oversized = oversized
        self.fields["file"].required = not oversized

    def clean_file(self) -> str:
        """The file's text; the byte-order mark that Windows Notepad writes is dropped. A file larger than
        EXCHSIM_LAB_FILE_MAX_BYTES is refused before it is read."""
        if self.oversized:
            raise ValidationError(str(labfile.lab_file_too_large()))
        upload = self.cleaned_data["file"]
        if upload.size > settings.EXCHSIM_LAB_FILE_MAX_BYTES:
            raise ValidationError(str(labfile.lab_file_too_large(upload.size)))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError(
                "This isn't a lab file: it isn't UTF-8 text. Upload the JSON that Download gives."
            ) from error


def _entries(text: str) -> list[str] | None:
    """'a, b' or one per line -> ['a', 'b']; empty -> None (the usage type's default applies)."""
    items = [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]
    return items or None


class NewConnectorForm(forms.Form):
    """New-ReceiveConnector: the engine applies the usage type's defaults and requirements."""

    parameters = {"Usage": "usage", "Server": "server"}  # New-'s own; the catalogued ones are found by their field
    server = forms.ChoiceField()
    name = forms.CharField()  # the engine checks its length, in Exchange's words
    usage = forms.ChoiceField(choices=[(u, u) for u in USAGES], initial="Custom")
    bindings = forms.CharField(required=False, help_text=RECEIVE_CONNECTOR.by_name("Bindings").help)
    remote_ip_ranges = forms.CharField(
        required=False, label="Remote IP ranges", help_text=RECEIVE_CONNECTOR.by_name("RemoteIPRanges").help
    )
    transport_role = forms.ChoiceField(
        required=False,
        label="Transport role (2013 and later)",
        choices=[("", "default"), *PropertyChoice(RECEIVE_CONNECTOR.by_name("TransportRole")).choices],
    )

    def __init__(self, *args, servers=(), transport_role=True, **kwargs):
        """`transport_role`: offer -TransportRole, which only 2013 and later (non-Edge) servers have."""
        kwargs.setdefault("auto_id", "id_new_%s")  # the overview's quick check has a Server field too
        super().__init__(*args, **kwargs)
        self.fields["server"].choices = [(s, s) for s in servers]
        if not transport_role:
            del self.fields["transport_role"]

    def arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "usage": data["usage"],
            "bindings": _entries(data["bindings"]),
            "remote_ip_ranges": _entries(data["remote_ip_ranges"]),
            "transport_role": data.get("transport_role") or None,
        }


class GeneralForm(PropertyForm):
    # The engine checks the lengths of the texts, in Exchange's words.
    properties = (
        "Name",
        "Enabled",
        "Fqdn",
        "Banner",
        "MaxMessageSize",
        "MaxRecipientsPerMessage",
        "ProtocolLoggingLevel",
        "Comment",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].widget = forms.Textarea(attrs={"rows": 2})


class NetworkForm(forms.Form):
    """One entry added to or removed from Bindings or RemoteIPRanges. A binding is added as EAC adds it: one of the
    server's own addresses (or all available, 0.0.0.0 / [::]) and a port, never a typed address."""

    ACTIONS = ("add-range", "remove-range", "add-binding", "remove-binding")
    parameters = {"RemoteIPRanges": "value", "Bindings": "value"}
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    value = forms.CharField(required=False)  # the engine's parsers refuse a long value in Exchange's words
    address = forms.CharField(required=False)
    port = forms.IntegerField(min_value=1, max_value=65535, required=False)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == "add-binding" and data.get("address"):
            address = data["address"].strip()
            data["value"] = (
                f"[{address.strip('[]')}]:{data.get('port') or 25}"
                if ":" in address
                else (f"{address}:{data.get('port') or 25}")
            )
        value = data.get("value")
        if action and not value:
            self.add_error("value", "This field is required.")
        if action and value:
            parser = parse_remote_range if action.endswith("range") else parse_binding
            try:
                data["parsed"] = parser(value)
            except ExchangeError as error:
                self.add_error("value", error.message)
        return data

    def changes(self, connector) -> dict:
        """Add or remove one entry of Bindings or RemoteIPRanges, as `@{Add=...}` / `@{Remove=...}` would."""
        action, parsed = self.cleaned_data["action"], self.cleaned_data["parsed"]
        field = "remote_ip_ranges" if action.endswith("range") else "bindings"
        current = getattr(connector, field)
        if action.startswith("add"):
            return {field: (*current, parsed)}
        return {field: tuple(item for item in current if item != parsed)}


class AuthForm(PropertyForm):
    """AuthMechanism as boxes, and the switches that go with it."""

    parameters = {"AuthMechanism": "mechanisms"}
    mechanisms = flags_field("AuthMechanism")
    properties = ("RequireTLS", "DomainSecureEnabled", "EnableAuthGSSAPI")

    def changes(self, connector) -> dict:
        return {"auth_mechanism": _flags(self.cleaned_data["mechanisms"]), **super().changes(connector)}


class GroupsForm(forms.Form):
    parameters = {"PermissionGroups": "groups"}
    groups = flags_field("PermissionGroups")

    def changes(self, connector) -> dict:
        return {"permission_groups": _flags(self.cleaned_data["groups"])}


# What the other tabs edit; the Settings tab offers every other property Set-ReceiveConnector sets.
_ON_OTHER_TABS = frozenset(
    {*GeneralForm.properties, *AuthForm.properties, *AuthForm.parameters, *GroupsForm.parameters}
    | set(NetworkForm.parameters)
)


class SettingsForm(PropertyForm):
    """Every other property Set-ReceiveConnector sets (limits, time-outs, TLS, the SMTP extensions it advertises, the
    recipient domains it refuses), in the catalogue's order."""

    properties = tuple(p.name for p in RECEIVE_CONNECTOR.settable(SET) if p.name not in _ON_OTHER_TABS)


class _RightsField(forms.MultipleChoiceField):
    """Any spelling the cmdlet accepts; PermissionForm.clean_rights canonicalises or refuses in Exchange's words."""

    def valid_value(self, value) -> bool:
        return True


class PermissionForm(forms.Form):
    parameters = {"User": "principal", "ExtendedRights": "rights"}
    action = forms.ChoiceField(choices=[("add", "Add-ADPermission"), ("remove", "Remove-ADPermission")])
    principal = forms.CharField(label="User")
    rights = _RightsField(choices=RIGHT_CHOICES, label="ExtendedRights")
    deny = forms.BooleanField(required=False)
    # Set by the "add it to the lab" buttons offered when -User isn't found: the kind of principal to create first.
    add_principal = forms.ChoiceField(required=False, choices=[("", ""), ("User", "User"), ("Group", "Group")])
    missing_principal = ""  # the canonical name of a -User the lab doesn't have, once the engine refused it
    # A Remove button's ACE options (ACE.options as JSON: -InheritanceType, the object types), so that it removes the
    # entry it stands beside and not the InheritanceType All one of the same user and right.
    options = forms.CharField(required=False)

    def clean_rights(self):
        try:
            return [canonical_right(r) for r in self.cleaned_data["rights"]]
        except ExchangeError as error:
            raise ValidationError(error.message) from error

    def clean_options(self) -> dict | None:
        text = self.cleaned_data["options"]
        if not text:
            return None
        try:
            stored = json.loads(text)
            if not isinstance(stored, dict):
                raise TypeError(stored)
            return ace_options(
                stored.get("inheritance_type") or "All",
                stored.get("inherited_object_type"),
                stored.get("child_object_types") or (),
                stored.get("object_properties") or (),
            )
        except ExchangeError as error:
            raise ValidationError(error.message) from error
        except (ValueError, TypeError) as error:
            raise ValidationError("These aren't the options of an access control entry.") from error


def _smtp_address(text: str) -> str:
    """An address as typed, perhaps copied from a log or a telnet session: '<bob@contoso.com>' -> 'bob@contoso.com',
    and '<>' -> '' (the null sender of bounces)."""
    text = text.strip()
    return text[1:-1].strip() if text.startswith("<") and text.endswith(">") else text


class ProbeForm(forms.Form):
    """The what-if probe; a GET form so the URL holds the whole probe."""

    server = forms.ChoiceField()
    remote_ip = IPAddressField(label="Remote IP")
    local_ip = IPAddressField(label="Local IP", required=False)
    port = forms.IntegerField(initial=25, min_value=1, max_value=65535, required=False)  # a hand-typed URL may omit it
    helo = forms.CharField(
        label="EHLO name", required=False, widget=forms.TextInput(attrs={"placeholder": "client.example.com"})
    )
    starttls = forms.BooleanField(required=False, label="STARTTLS")
    auth_mechanism = forms.ChoiceField(
        required=False,
        label="AUTH",
        choices=[("", "none"), ("LOGIN", "LOGIN"), ("NTLM", "NTLM"), ("GSSAPI", "GSSAPI"), ("X-EXPS", "X-EXPS")],
    )
    auth_user = forms.CharField(required=False, label="AUTH account")
    auth_password = forms.CharField(
        required=False,
        label="AUTH password",
        help_text="Blank: the client knows the account's password.",
        widget=forms.PasswordInput(render_value=True),  # the probe is a shareable GET URL, as --auth-password is
    )
    mail_from = forms.CharField(
        required=False, label="MAIL FROM", widget=forms.TextInput(attrs={"placeholder": "app@contoso.com, or <>"})
    )
    rcpts = forms.CharField(required=False, label="RCPT TO (one per line or comma-separated)", widget=forms.Textarea)
    from_header = forms.CharField(required=False, label="Header From")
    message_size = forms.IntegerField(required=False, min_value=0, label="Message size (bytes)")

    def __init__(self, *args, servers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["server"].choices = [(s, s) for s in servers]
        self.fields["rcpts"].widget.attrs["rows"] = 2

    def probe(self) -> Probe:
        data = self.cleaned_data
        rcpts = tuple(_smtp_address(r) for r in data["rcpts"].replace(",", "\n").split())
        return Probe(
            server=data["server"],
            remote_ip=data["remote_ip"],
            local_ip=data["local_ip"],
            port=data["port"] or 25,
            helo=data["helo"] or "client.example.com",
            starttls=data["starttls"],
            auth_mechanism=data["auth_mechanism"] or None,
            auth_user=data["auth_user"] or None,
            auth_password=data["auth_password"] or None,
            mail_from=_smtp_address(data["mail_from"]) if data["mail_from"] else None,  # blank: no MAIL FROM at all
            rcpts=rcpts,
            from_header=data["from_header"] or None,
            message_size=data["message_size"],
        )


class QuickCheckForm(forms.Form):
    """'Can IP X send from A to B through server S?'"""

    server = forms.ChoiceField()
    remote_ip = IPAddressField(label="IP")
    mail_from = forms.CharField(label="from")
    rcpt = forms.CharField(label="to")

    def __init__(self, *args, servers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["server"].choices = [(s, s) for s in servers]

    def probe(self) -> Probe:
        data = self.cleaned_data
        return Probe(
            server=data["server"],
            remote_ip=data["remote_ip"],
            mail_from=_smtp_address(data["mail_from"]),
            rcpts=(_smtp_address(data["rcpt"]),),
        )


class ConsoleForm(forms.Form):
    command = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}))
    atomic = forms.BooleanField(
        label="Run as one change", required=False, help_text="a script that fails midway changes nothing"
    )
    dry_run = forms.BooleanField(
        label="Dry run",
        required=False,
        help_text="prints what each command would do and the plan of the whole script; changes nothing",
    )

    def clean_command(self) -> str:
        command = self.cleaned_data["command"]
        size, limit = len(command.encode()), settings.EXCHSIM_CONSOLE_MAX_BYTES
        if size > limit:
            raise ValidationError(
                f"The script is {size:,} bytes; the console runs scripts of up to {limit:,} bytes "
                "(EXCHSIM_CONSOLE_MAX_BYTES). Nothing was run: run it in parts, or with manage.py ems."
            )
        return command


class _MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): cleans each, gives the list."""

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return [super(_MultipleFileField, self).clean(item, initial) for item in files]


class TrafficUploadForm(forms.Form):
    """SMTP Receive protocol logs: .LOG files, a zip of them, or .gz; several at once."""

    logs = _MultipleFileField(
        label="Protocol logs",
        widget=_MultipleFiles(attrs={"multiple": True}),
        help_text="RECV*.LOG files from TransportRoles\\Logs\\…\\ProtocolLog\\SmtpReceive, a zip of them, or .gz.",
    )

    def __init__(self, *args, oversized: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.oversized = oversized
        self.fields["logs"].required = not oversized

    def clean_logs(self):
        if self.oversized:
            raise ValidationError(_traffic_too_large())
        files = self.cleaned_data["logs"]
        total = sum(upload.size for upload in files)
        if total > settings.EXCHSIM_TRAFFIC_MAX_BYTES:
            raise ValidationError(_traffic_too_large(total))
        return files


class ConsoleFilesForm(forms.Form):
    """Files a console script reads (Import-Csv, Get-Content): text, kept in the session for the lab."""

    console_files = _MultipleFileField(label="Files for scripts", widget=_MultipleFiles(attrs={"multiple": True}))

    def __init__(self, *args, oversized: bool = False, existing: dict | None = None, **kwargs):
        """`oversized`: the upload handler stopped at EXCHSIM_CONSOLE_FILES_MAX_BYTES; `existing`: the files the
        session holds for the lab (name -> text)."""
        super().__init__(*args, **kwargs)
        self.oversized, self.existing = oversized, dict(existing or {})
        self.fields["console_files"].required = not oversized

    def clean_console_files(self) -> dict[str, str]:
        """Every file to keep, name -> text: the existing ones, replaced by uploads of the same name (without case,
        as Import-Csv finds them). A name is the file's own (no folder); together they stay within the limit."""
        if self.oversized:
            raise ValidationError(_console_files_too_large())
        uploaded: dict[str, str] = {}
        for upload in self.cleaned_data["console_files"]:
            name = file_name(upload.name)
            if name in ("", ".", "..") or len(name) > 255 or any(ord(c) < 32 for c in name):
                raise ValidationError(f"'{upload.name[:80]}' can't be a file name in the console; rename it.")
            text = file_text(upload.read())
            if text is None:
                raise ValidationError(f"{name} isn't text (UTF-8, or UTF-16 with a byte-order mark).")
            uploaded[name] = text
        names = {name.casefold() for name in uploaded}
        kept = {name: text for name, text in self.existing.items() if name.casefold() not in names}
        files = {**kept, **uploaded}
        if _text_bytes(files) > settings.EXCHSIM_CONSOLE_FILES_MAX_BYTES:
            raise ValidationError(_console_files_too_large(_text_bytes(uploaded), _text_bytes(kept)))
        return files


def _text_bytes(files: dict[str, str]) -> int:
    return sum(len(text.encode()) for text in files.values())


def _console_files_too_large(size: int | None = None, kept: int = 0) -> str:
    limit = settings.EXCHSIM_CONSOLE_FILES_MAX_BYTES
    got = f" ({size:,} bytes, beside {kept:,} bytes kept already)" if size is not None else ""
    return (
        f"These files are too large{got}: the console keeps up to {limit:,} bytes of files per lab "
        "(EXCHSIM_CONSOLE_FILES_MAX_BYTES). Remove some files first, or run manage.py ems --files DIR."
    )


def _traffic_too_large(size: int | None = None) -> str:
    limit = settings.EXCHSIM_TRAFFIC_MAX_BYTES
    got = f" ({size / 1048576:,.1f} MB)" if size else ""
    return (
        f"These logs are too large{got}: one upload may hold {limit / 1048576:,.0f} MB "
        "(EXCHSIM_TRAFFIC_MAX_BYTES). Upload fewer days at a time, or run manage.py replay on the server."
    )


class ImportForm(forms.Form):
    """What Exchange exported (the collector's zip, or Export-Clixml, Format-List or Export-Csv files), several at
    once, and how to make the lab of them: the same options as manage.py importconfig."""

    exports = _MultipleFileField(
        label="Exported files",
        widget=_MultipleFiles(attrs={"multiple": True}),
        help_text="The collector's zip, or Export-Clixml (.xml), Format-List (.txt) or Export-Csv (.csv) files of "
        "Get-ReceiveConnector, Get-ADPermission, Get-ExchangeServer, Get-AcceptedDomain and the others.",
    )
    name = forms.CharField(
        label="Lab name",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "Imported: <organisation>"}),
    )
    version = forms.ChoiceField(
        label="Exchange version",
        required=False,
        choices=[("", "from the files")] + [(v.value, v.label) for v in ExchangeVersion],
        help_text="Only needed when the files don't say (no Get-ExchangeServer export).",
    )
    baseline = forms.ChoiceField(
        label="Compare with",
        required=False,
        help_text="An earlier import or lab: the new lab's plan then shows what changed in production (drift).",
    )

    def __init__(self, *args, oversized: bool = False, baselines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.oversized = oversized
        self.fields["exports"].required = not oversized
        self.fields["baseline"].choices = [("", "nothing (the import is its own baseline)")] + [
            (lab.slug, lab.name) for lab in baselines
        ]

    def clean_exports(self):
        limit = settings.EXCHSIM_IMPORT_MAX_BYTES
        if self.oversized:
            raise ValidationError(
                f"These files are too large: an import takes at most {limit / 1048576:,.0f} MB "
                "(EXCHSIM_IMPORT_MAX_BYTES). Run manage.py importconfig on the server instead."
            )
        files = self.cleaned_data["exports"]
        total = sum(upload.size for upload in files)
        if total > limit:
            raise ValidationError(
                f"These files are too large ({total / 1048576:,.1f} MB): an import takes at most "
                f"{limit / 1048576:,.0f} MB (EXCHSIM_IMPORT_MAX_BYTES). Run manage.py importconfig on the server."
            )
        return files

    def clean_version(self):
        value = self.cleaned_data["version"]
        return ExchangeVersion(value) if value else None
