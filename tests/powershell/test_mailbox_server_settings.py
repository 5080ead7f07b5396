"""Set-MailboxServer's documented settings that the lab stores and prints back (issue 14): each is a catalogue row
(server_properties.MAILBOX_SETTINGS) with its kind, its default and the versions that have it; Get-MailboxServer | fl
shows them, bad values are refused in Exchange's words, a version without one has no such parameter, and the plan,
the lab file and the importer carry them."""

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError

from connectors import labfile, labs, models, store
from connectors.exchange import ems, orgexport, powershell
from connectors.exchange.importmap import import_organization
from connectors.exchange.importsources import read_sources
from connectors.exchange.model import ExchangeVersion, Organization, Server, ServerRole
from connectors.exchange.server_properties import MAILBOX_SETTINGS

from .orgs import template
from .test_round_trip import assert_same_lab, run_clean

V15 = "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\"
SETTINGS = (
    "Set-MailboxServer EX01 -CalendarRepairLogEnabled $false -CalendarRepairLogFileAgeLimit 15.00:00:00 "
    "-CalendarRepairLogDirectorySizeLimit 750MB -LogFileSizeLimitForManagedFolders unlimited "
    "-MigrationLogMaxFileSize 5MB -AutoDatabaseMountDial lossless -CalendarRepairIntervalEndWindow 40 "
    "-MaximumActiveDatabases 4 -Locale en-US,de-AT -WacDiscoveryEndpoint https://oos.contoso.com/hosting/discovery"
)


def shown(org, names: str) -> dict:
    output = ems.run_script(org, f"Get-MailboxServer EX01 | Format-List {names}").output
    return {name.strip(): value.strip() for name, _, value in (line.partition(" : ") for line in output if line)}


def test_it_sets_a_setting_of_each_kind_and_prints_each_back_as_ems_does():
    result = ems.run_script(template(), SETTINGS)
    assert result.error is None
    assert not any(line.startswith("NOTE:") for line in result.output)  # stored, not "accepted and forgotten"
    assert shown(
        result.org, "CalendarRepair*,LogFileSize*,MigrationLogMaxFileSize,AutoDatabaseMountDial,Max*,Locale,Wac*"
    ) == {
        "CalendarRepairIntervalEndWindow": "40",
        "CalendarRepairLogDirectorySizeLimit": "750 MB (786,432,000 bytes)",
        "CalendarRepairLogEnabled": "False",
        "CalendarRepairLogFileAgeLimit": "15.00:00:00",
        "CalendarRepairLogPath": V15 + "Logging\\Calendar Repair Assistant",
        "CalendarRepairLogSubjectLoggingEnabled": "True",
        "CalendarRepairMissingItemFixDisabled": "False",
        "CalendarRepairMode": "RepairAndValidate",
        "LogFileSizeLimitForManagedFolders": "Unlimited",
        "MigrationLogMaxFileSize": "5 MB (5,242,880 bytes)",
        "AutoDatabaseMountDial": "Lossless",
        "MaximumActiveDatabases": "4",
        "MaximumPreferredActiveDatabases": "",
        "Locale": "{en-US, de-AT}",
        "WacDiscoveryEndpoint": "https://oos.contoso.com/hosting/discovery",
    }
    server = result.org.server("EX01")
    assert server.calendar_repair_log_file_age_limit == datetime.timedelta(days=15)
    assert server.log_file_size_limit_for_managed_folders is None  # Unlimited


def test_the_objects_compare_and_edit_as_ems_objects_do():
    script = (
        "Set-MailboxServer EX01 -Locale en-US -MaximumActiveDatabases 3\n"
        "Set-MailboxServer EX01 -Locale @{Add='fr-FR'}\n"
        "$s = Get-MailboxServer EX01\n"
        "$s.Locale.Count; $s.CalendarRepairLogDirectorySizeLimit -gt 400MB\n"
        "Get-MailboxServer | Set-MailboxServer -MaximumActiveDatabases $null\n"
        "(Get-MailboxServer EX01).MaximumActiveDatabases -eq $null"
    )
    result = ems.run_script(template(), script)
    assert result.error is None
    assert result.output == ["2", "True", "True"]
    assert result.org.server("EX01").locale == ("en-US", "fr-FR")


@pytest.mark.parametrize(
    ("script", "error"),
    [
        (
            "Set-MailboxServer EX01 -CalendarRepairLogFileAgeLimit abc",
            "Cannot process argument transformation on parameter 'CalendarRepairLogFileAgeLimit'. Cannot convert "
            'value "abc" to type "Microsoft.Exchange.Data.EnhancedTimeSpan". Error: "Input string was not in a '
            'correct format."',
        ),
        (
            "Set-MailboxServer EX01 -AutoDatabaseMountDial Frontend",
            'Cannot convert value "Frontend" for the AutoDatabaseMountDial parameter. Specify one of the following '
            "enumerator names and try again: BestAvailability, GoodAvailability, Lossless",
        ),
        (
            "Set-MailboxServer EX01 -DatabaseCopyAutoActivationPolicy Intrasite",
            'Cannot convert value "Intrasite" for the DatabaseCopyAutoActivationPolicy parameter. Specify one of the '
            "following enumerator names and try again: Blocked, IntrasiteOnly, Unrestricted",
        ),
        (
            "Set-MailboxServer EX01 -CalendarRepairLogDirectorySizeLimit 0",
            'The value "0" for CalendarRepairLogDirectorySizeLimit is out of range. Specify a value from 1 to '
            "9223372036854775807.",
        ),
        (
            "Set-MailboxServer EX01 -MaximumActiveDatabases many",
            "Cannot process argument transformation on parameter 'MaximumActiveDatabases'. Cannot convert value "
            '"many" to type "System.Int32". Error: "Input string was not in a correct format."',
        ),
        (
            "Set-MailboxServer EX01 -ForceGroupMetricsGeneration maybe",
            "Cannot process argument transformation on parameter 'ForceGroupMetricsGeneration'. Cannot convert value "
            '"maybe" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as '
            "$True, $False, 1 or 0.",
        ),
    ],
)
def test_a_bad_value_gets_exchanges_wording_and_changes_nothing(script, error):
    org = template()
    result = ems.run_script(org, script)
    assert result.error == error
    assert result.org.server("EX01") == org.server("EX01")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (
            "'$null'",  # quoted: the six characters, not the $null variable
            "Cannot process argument transformation on parameter 'MaximumActiveDatabases'. Cannot convert value "
            '"$null" to type "System.Int32". Error: "Input string was not in a correct format."',
        ),
        (
            "'$NULL'",
            "Cannot process argument transformation on parameter 'MaximumActiveDatabases'. Cannot convert value "
            '"$NULL" to type "System.Int32". Error: "Input string was not in a correct format."',
        ),
    ],
)
def test_a_quoted_null_is_text_and_does_not_clear_a_nullable_setting(value, error):
    org = ems.run_script(template(), "Set-MailboxServer EX01 -MaximumActiveDatabases 4").org
    result = ems.run_script(org, f"Set-MailboxServer EX01 -MaximumActiveDatabases {value}")
    assert result.error == error
    assert result.org.server("EX01").maximum_active_databases == 4
    cleared = ems.run_script(org, "Set-MailboxServer EX01 -MaximumActiveDatabases $null")
    assert cleared.error is None and cleared.org.server("EX01").maximum_active_databases is None


@pytest.mark.parametrize(
    ("name", "parameter"),
    [
        ("exchangese", "IrmLogEnabled $false"),  # Exchange 2010 only
        ("exchange2016", "CalendarRepairWorkCycle 2.00:00:00"),  # 2010 and 2013 only
        ("exchange2013", "WacDiscoveryEndpoint https://oos.contoso.com"),  # 2016 and later
        ("exchange2010", "CalendarRepairMode ValidateOnly"),  # 2013 and later
    ],
)
def test_a_version_without_the_parameter_has_no_such_parameter(name, parameter):
    result = ems.run_script(template(name), f"Set-MailboxServer EX01 -{parameter}")
    assert result.error == f"A parameter cannot be found that matches parameter name '{parameter.split()[0]}'."


def test_each_version_shows_its_own_settings_with_its_own_defaults():
    assert shown(template("exchange2010"), "CalendarRepairIntervalEndWindow,IrmLog*") == {
        "CalendarRepairIntervalEndWindow": "30",
        "IrmLogEnabled": "True",
        "IrmLogMaxAge": "30.00:00:00",
        "IrmLogMaxDirectorySize": "250 MB (262,144,000 bytes)",
        "IrmLogMaxFileSize": "10 MB (10,485,760 bytes)",
        "IrmLogPath": "C:\\Program Files\\Microsoft\\Exchange Server\\V14\\Logging\\IRMLogs",
    }
    assert shown(template("exchange2013"), "OABGeneratorWorkCycle*,StoreMaintenanceWorkCycle") == {
        "OABGeneratorWorkCycle": "08:00:00",
        "OABGeneratorWorkCycleCheckpoint": "01:00:00",
        "StoreMaintenanceWorkCycle": "",  # no documented default: $null (docs/decisions.md)
    }
    assert "CalendarRepairMode" not in shown(template("exchange2010"), "*")
    assert "OABGeneratorWorkCycle" not in shown(template("exchange2019"), "*")


def test_only_servers_with_the_mailbox_role_are_mailbox_servers():
    hub = Server("HUB10", "hub10.contoso.com", ExchangeVersion.E2010, frozenset({ServerRole.HUB_TRANSPORT}))
    org = template("exchangese-edge")
    org = org.with_changes(servers=(*org.servers, hub))
    result = ems.run_script(org, "Get-MailboxServer | % Name")
    assert result.output == [s.name for s in org.servers if s.has_mailbox]
    for name in ("EDGE01", "HUB10"):
        refused = ems.run_script(org, f"Set-MailboxServer {name} -CalendarRepairLogEnabled $false")
        assert refused.error is not None and "couldn't be found" in refused.error
    assert hub.mailbox_settings() == ()


def test_the_plan_writes_each_changed_setting_quoted_and_the_rollback_restores_them():
    baseline = template()
    changed = ems.run_script(baseline, SETTINGS).org
    plan = powershell.render_plan(baseline, changed, "lab", "baseline")
    assert (
        "Set-MailboxServer -Identity 'EX01' -AutoDatabaseMountDial 'Lossless' -CalendarRepairIntervalEndWindow 40 "
        "-CalendarRepairLogDirectorySizeLimit 786432000 -CalendarRepairLogEnabled $false "
        "-CalendarRepairLogFileAgeLimit '15.00:00:00' -Locale 'en-US','de-AT' "
        "-LogFileSizeLimitForManagedFolders 'Unlimited' -MaximumActiveDatabases 4 -MigrationLogMaxFileSize 5242880 "
        "-WacDiscoveryEndpoint 'https://oos.contoso.com/hosting/discovery'"
    ) in plan
    assert_same_lab(run_clean(baseline, plan), changed)
    rollback = powershell.render_rollback(baseline, changed, "lab", "baseline")
    assert "-Locale $null" in rollback and "-MaximumActiveDatabases $null" in rollback
    assert_same_lab(run_clean(changed, rollback), baseline)


def test_the_lab_file_keeps_the_settings_and_a_missing_one_takes_its_versions_default():
    org = ems.run_script(template("exchange2010"), "Set-MailboxServer EX01 -IrmLogEnabled $false -Locale en-GB").org
    data = {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, **labfile.org_to_data(org)}
    entry = data["servers"][0]
    assert entry["irm_log_enabled"] is False and entry["locale"] == ["en-GB"]
    assert "wac_discovery_endpoint" not in entry  # a 2016+ setting isn't written for a 2010 server
    assert labfile.data_to_org(json.loads(json.dumps(data))).servers == org.servers
    del entry["calendar_repair_interval_end_window"]
    assert labfile.data_to_org(data).server("EX01").calendar_repair_interval_end_window == 30  # 2010's default
    entry["irm_log_max_age"] = "abc"
    with pytest.raises(labfile.LabFileError, match=r"servers\[0\]\.irm_log_max_age: Cannot process argument"):
        labfile.data_to_org(data)


def test_an_imported_mailbox_server_export_keeps_its_settings(tmp_path):
    org = ems.run_script(template(), SETTINGS).org
    files = orgexport.export_bytes(org)
    result = import_organization(list(read_sources([(name, io.BytesIO(data)) for name, data in files.items()])))
    assert result.org.server("EX01") == org.server("EX01")
    unused = result.report.unused.get("MailboxServer", {})
    assert not {prop.name for prop in MAILBOX_SETTINGS} & set(unused)


def test_setup_baseline_puts_every_setting_back_to_its_default():
    org = ems.run_script(template(), SETTINGS).org
    assert (
        powershell.setup_baseline(org).server("EX01") == Organization(servers=(template().server("EX01"),)).servers[0]
    )


def test_a_server_saved_before_the_settings_were_catalogued_shows_its_versions_defaults(db):
    lab = labs.create_lab_from_template("exchange2010", name="Saved before")
    with store.locked_lab(lab) as locked:
        store.save_org(
            locked, ems.run_script(store.lab_to_org(lab), "Set-MailboxServer EX01 -IrmLogEnabled $false").org
        )
    row = models.Server.objects.get(lab=lab, name="EX01")
    assert row.properties["irm_log_enabled"] is False
    models.Server.objects.filter(pk=row.pk).update(properties={})  # as a row of migration 0015 left it
    org = store.lab_to_org(models.Lab.objects.get(pk=lab.pk))
    assert shown(org, "IrmLogEnabled,CalendarRepairIntervalEndWindow") == {
        "IrmLogEnabled": "True",
        "CalendarRepairIntervalEndWindow": "30",
    }


def test_a_stored_value_exchange_refuses_is_reported_on_the_server(db):
    lab = labs.create_lab_from_template("exchangese", name="Bad stored value")
    row = models.Server.objects.get(lab=lab, name="EX01")
    row.properties = {"calendar_repair_log_file_age_limit": "abc", "calendar_repair_interval_end_window": -1}
    with pytest.raises(ValidationError) as raised:
        row.full_clean()
    messages = raised.value.message_dict["properties"]
    assert messages[0] == (
        'The value "-1" for CalendarRepairIntervalEndWindow is out of range. Specify a value from 0 to 2147483647.'
    )
    assert messages[1].startswith("Cannot process argument transformation on parameter 'CalendarRepairLogFileAge")
