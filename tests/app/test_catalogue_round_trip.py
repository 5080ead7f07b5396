"""Every catalogued property round-trips: the dashboard's form -> Set-ReceiveConnector (the engine) -> the model (saved
and loaded) -> the lab file -> the whole-lab script -> the console (Format-List, and the org the script rebuilds) ->
the engine again, with its default and with a value other than its default, for each version (and the Edge Transport
role) that has it. The walk reads the catalogue, so a property added as a row is covered without a line here.

One connector per changed property (each on a port of its own), and one that keeps every default, so each version is
one save, one lab file, one script and one console run."""

import dataclasses
import datetime
import enum
import json

import pytest

from connectors import forms, labfile, labs, models, presenters, property_forms, store
from connectors.exchange import ems, powershell
from connectors.exchange.acl import read_permission_groups
from connectors.exchange.model import ExchangeVersion
from connectors.exchange.organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from connectors.exchange.property_kinds import (
    Boolean,
    ByteSize,
    Choice,
    Flags,
    Int32,
    Multi,
    TimeSpan,
    Unlimited,
    UnlimitedSize,
)
from connectors.exchange.property_rows import SET
from connectors.exchange.receive import new_receive_connector, set_receive_connector
from connectors.exchange.receive_connector_properties import COMPUTED, RECEIVE_CONNECTOR
from connectors.exchange.server_properties import SERVER

# (template, server): each version's single server, and the Edge Transport server.
SERVERS = [(f"exchange{v.value.lower()}", "EX01") for v in ExchangeVersion] + [("exchangese-edge", "EDGE01")]
STORED = [p for p in RECEIVE_CONNECTOR if p.field not in COMPUTED and p.field != "server"]
# What New-ReceiveConnector is given, or fills in from the server (Fqdn: the server's FQDN, P-NRC).
GIVEN_AT_CREATION = {"name", "bindings", "remote_ip_ranges", "fqdn"}
# A value one property may only take together with another's (the engine refuses CHUNKING off with BINARYMIME on).
COMPANIONS = {"chunking_enabled": {"binary_mime_enabled": False}}
# The texts a property of each item type gets when it leaves its default.
TEXTS = {
    "fqdn": "mail.contoso.com",
    "certificate": "<I>CN=Contoso CA<S>CN=mail.contoso.com",
    "domain": "contoso.com",
    "string": "220 round trip",  # a valid Banner, a Name, a Comment alike
    "address": "postmaster@contoso.com",
    "culture": "en-US",
}
# The items a multi-valued organisation setting gets: its own kind of item (a plain string for SupervisionTags).
ITEMS = {"domain": "fabrikam.com", "dsn code": "5.7.1", "string": "fabrikam.com"}


def other_value(prop, default):
    """A value of the property's type, inside its range, that isn't its default."""
    kind = prop.kind
    if default is None and prop.nullable:  # a setting with no documented default ($null) gets one
        return {TimeSpan: datetime.timedelta(hours=2), Choice: None}.get(type(kind), 3) or kind.names()[0]
    if isinstance(kind, UnlimitedSize):
        return 100 << 20 if default is None else None
    if isinstance(kind, Boolean):
        return not default
    if isinstance(kind, Flags):
        return 1 | 4 if prop.name == "AuthMechanism" else 1  # Tls, BasicAuth; AnonymousUsers
    if isinstance(kind, Choice):
        values = [prop.parse(name) for name in kind.names()]
        return next(value for value in values if value != default)
    if isinstance(kind, Unlimited):
        return 100 if default is None else None
    if isinstance(kind, ByteSize):
        return default * 2
    if isinstance(kind, Int32):
        return default + 1 if default < kind.high else default - 1
    if isinstance(kind, TimeSpan):
        return default + datetime.timedelta(seconds=1)
    if isinstance(kind, Multi):
        return ("contoso.com:AcceptCloudServicesMail",)
    return TEXTS[kind.item]


def _posted(form, shown: dict) -> dict:
    """What a browser posts for `form` showing `shown`: each input's text, checked boxes only."""
    data = {}
    for name, field in form.fields.items():
        value = field.prepare_value(shown.get(name)) if name in shown else None
        if isinstance(field, forms.forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = str(value)
    return data


def _tab_of(prop) -> tuple[str, type]:
    for tab, form_class in (("general", forms.GeneralForm), ("auth", forms.AuthForm), ("settings", forms.SettingsForm)):
        if prop.name in form_class.properties:
            return tab, form_class
    return {"AuthMechanism": ("auth", forms.AuthForm), "PermissionGroups": ("groups", forms.GroupsForm)}[prop.name]


def through_form(org, connector, prop, value, port):
    """Set the property to `value` as the dashboard does: the tab's form, posted with everything else as shown."""
    server = org.server(connector.server)
    if prop.name in ("Bindings", "RemoteIPRanges"):
        data = (
            {"action": "add-binding", "address": "0.0.0.0", "port": str(port + 1000)}
            if prop.name == "Bindings"
            else {"action": "add-range", "value": "192.168.7.0/24"}
        )
        form = forms.NetworkForm(data)
    else:
        tab, form_class = _tab_of(prop)
        shown = presenters.tab_values(org, connector)[tab]
        wanted = {prop.field: value, **COMPANIONS.get(prop.field, {})}
        if prop.name == "AuthMechanism":
            wanted = {"mechanisms": [v for v, _text in property_forms.flag_choices("AuthMechanism") if v & value]}
        if prop.name == "PermissionGroups":
            wanted = {"groups": [v for v, _text in property_forms.flag_choices("PermissionGroups") if v & value]}
        offered = {} if form_class is forms.GroupsForm else {"server": server}  # the server's own properties
        form = form_class(_posted(form_class(**offered), {**shown, **wanted}), **offered)
    assert form.is_valid(), (prop.name, form.errors)
    return set_receive_connector(org, connector, **form.changes(connector))


def _values(org, connector) -> dict:
    server = org.server(connector.server)
    values = {p.name: p.data(getattr(connector, p.field)) for p in STORED if p.has(server.version, server.is_edge)}
    values["PermissionGroups (read back)"] = read_permission_groups(connector.acl, server, org.domain_netbios)
    return values


def assert_same_connectors(actual, expected, stage: str):
    for connector in expected.connectors:
        found = actual.connector(connector.server, connector.name)
        assert found is not None, (stage, connector.name)
        assert _values(actual, found) == _values(expected, connector), (stage, connector.name)


def _round_trip_org(lab, org, stage_check):
    """Model -> engine -> lab file -> script -> console -> engine; `stage_check(org, stage)` after each."""
    with store.locked_lab(lab) as locked:
        store.save_org(locked, org)
    loaded = store.lab_to_org(models.Lab.objects.get(pk=lab.pk))
    stage_check(loaded, "model")
    data = {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, **labfile.org_to_data(loaded)}
    from_file = labfile.data_to_org(json.loads(json.dumps(data)))
    stage_check(from_file, "lab file")
    result = ems.run_script(powershell.setup_baseline(from_file), powershell.render_lab(from_file, "round trip"))
    assert result.error is None, "\n".join(result.output[-5:])
    stage_check(result.org, "script and console")


@pytest.mark.parametrize(("template", "server_name"), SERVERS)
def test_each_connector_property_round_trips_with_its_default_and_another_value(db, template, server_name):
    lab = labs.create_lab_from_template(template, name=f"Round trip {template}")
    org = store.lab_to_org(lab)
    server = org.server(server_name)
    changed = {}  # connector name -> the property it changes and the value it should hold
    untouched = new_receive_connector(
        org, server_name, "RT defaults", usage="Custom", bindings=["0.0.0.0:3000"], remote_ip_ranges=["10.0.0.1"]
    )
    org = org.with_changes(connectors=(*org.connectors, untouched))
    for tab, form_class in (("general", forms.GeneralForm), ("auth", forms.AuthForm), ("settings", forms.SettingsForm)):
        # every default, posted back unchanged through each tab, stays as it was
        form = form_class(_posted(form_class(server=server), presenters.tab_values(org, untouched)[tab]), server=server)
        assert form.is_valid(), (tab, form.errors)
        assert set_receive_connector(org, untouched, **form.changes(untouched)) == untouched, tab
    for port, prop in enumerate(RECEIVE_CONNECTOR.settable(SET), start=3001):
        if not prop.has(server.version, server.is_edge):
            continue
        name = f"RT {prop.name}"
        connector = new_receive_connector(
            org, server_name, name, usage="Custom", bindings=[f"0.0.0.0:{port}"], remote_ip_ranges=["10.0.0.1"]
        )
        org = org.with_changes(connectors=(*org.connectors, connector))
        before = getattr(connector, prop.field)
        updated = through_form(org, connector, prop, other_value(prop, before), port)
        value = getattr(updated, prop.field)
        assert prop.data(value) != prop.data(before), prop.name  # the form did change it
        org = org.with_changes(connectors=tuple(updated if c is connector else c for c in org.connectors))
        changed[updated.name] = (prop, value)
    expected = org.with_changes(connectors=tuple(c for c in org.connectors if c.name in {untouched.name, *changed}))

    def check(found, stage):
        assert_same_connectors(found, expected, stage)
        shown = _lines(ems.run_script(found, _format_lists(server_name, changed)).output)
        assert shown == [f"{prop.name} : {prop.format(value)}" for prop, value in changed.values()], stage

    _round_trip_org(lab, org, check)
    for prop in STORED:  # the untouched connector kept every documented default of its version and role
        if prop.has(server.version, server.is_edge) and prop.field not in GIVEN_AT_CREATION:
            default = prop.default_for(server.version, "Custom", edge=server.is_edge)
            assert getattr(untouched, prop.field) == default, prop.name


def _format_lists(server_name: str, changed: dict) -> str:
    return "\n".join(
        f"Get-ReceiveConnector {powershell.quote(server_name + chr(92) + name)} | Format-List {prop.name}"
        for name, (prop, _value) in changed.items()
    )


def _lines(output) -> list[str]:
    return [" : ".join(part.strip() for part in line.split(" : ", 1)) for line in output if " : " in line]


# The versions that between them have every organisation-wide property (LegacyJournalingMigrationEnabled is 2010's
# alone, EnableNego2Authentication 2013's and 2016's) and every Set-MailboxServer setting (2013 has its own).
@pytest.mark.parametrize("template", ["exchange2010", "exchange2013", "exchange2016", "exchange2019"])
def test_the_other_objects_properties_round_trip(db, template):
    """A server's (the Set-MailboxServer settings of its version), an accepted domain's and the organisation's
    settable properties, each changed: model -> lab file -> script -> console (Get-MailboxServer | fl prints each
    back) -> engine."""
    lab = labs.create_lab_from_template(template, name="Round trip objects")
    org = store.lab_to_org(lab)
    server, domain = org.servers[0], org.accepted_domains[0]
    has = {p.field for p in server.mailbox_settings()} | {"mapi_encryption_required"}
    server = dataclasses.replace(server, **_others(SERVER, server, {p.field for p in SERVER} - has))
    skip = {"domain_name", "name", "default"}
    domain = dataclasses.replace(domain, **_others(ACCEPTED_DOMAIN, domain, skip, org.servers))
    org = org.with_changes(servers=(server,), accepted_domains=(domain, *org.accepted_domains[1:]))
    org = org.with_changes(**_others(TRANSPORT_CONFIG, org, servers=org.servers))

    def check(found, stage):
        assert [_catalogued(SERVER, s) for s in found.servers] == [_catalogued(SERVER, s) for s in org.servers], stage
        found_domains = [_catalogued(ACCEPTED_DOMAIN, d) for d in found.accepted_domains]
        assert found_domains == [_catalogued(ACCEPTED_DOMAIN, d) for d in org.accepted_domains], stage
        assert _catalogued(TRANSPORT_CONFIG, found) == _catalogued(TRANSPORT_CONFIG, org), stage
        shown = _lines(ems.run_script(found, f"Get-MailboxServer {server.name} | Format-List").output)
        settings = [p for p in SERVER.settable("Set-MailboxServer") if p.field in has]
        expected = [f"{p.name} : {p.format(getattr(server, p.field))}".strip() for p in settings]
        assert [line for line in shown if line.split(" : ")[0] in {p.name for p in settings}] == expected, stage

    _round_trip_org(lab, org, check)


def _others(properties, obj, skip=(), servers=()) -> dict:
    """Each settable property of `obj` at a value other than its own (a domain name where a list of domains is); of
    an organisation-wide one, each that the organisation's `servers` have."""
    changes = {}
    for prop in properties.settable():
        if servers and not prop.in_organization(servers):
            continue
        if prop.field not in skip and hasattr(obj, prop.field):
            current = getattr(obj, prop.field)
            value = other_value(prop, getattr(current, "value", current))
            value = type(current)(value) if isinstance(current, enum.Enum) else value  # DomainType.INTERNAL_RELAY
            if isinstance(prop.kind, Multi):  # InternalSMTPServers holds IP ranges, BlockedRecipients addresses
                value = prop.parse("10.0.0.5") if prop.kind.item == "ip range" else (ITEMS[prop.kind.item],)
                value = ("ceo@fabrikam.com",) if prop.name == "BlockedRecipients" else value
            changes[prop.field] = value
    return changes


def _catalogued(properties, obj) -> dict:
    return {
        p.name: p.data(getattr(obj, p.field)) for p in properties if hasattr(obj, p.field) and p.field != "identity"
    }
