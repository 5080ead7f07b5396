"""The organisation's and the accepted domains' documented settings the model doesn't simulate (Set-TransportConfig's
ShadowRedundancyEnabled, SafetyNetHoldTime, ...; Set-AcceptedDomain's PendingRemoval, ...) are stored and printed back
(issue 14): the console sets them with Exchange's conversions and words, Get- prints them as EMS does, the versions
that lack one have no such parameter, the plan writes them, the lab keeps them and the importer reads them."""

import datetime

import pytest

from connectors import labfile, labs, models, store
from connectors.exchange import ems, powershell
from connectors.exchange.importmap import import_organization
from connectors.exchange.organization_properties import ACCEPTED_DOMAIN, TRANSPORT_CONFIG
from connectors.exchange.property_kinds import Multi
from tests.app.test_catalogue_round_trip import ITEMS, other_value
from tests.importer.handmade import collection

from .orgs import template
from .test_round_trip import run_clean

SETS = (
    "Set-TransportConfig -ShadowRedundancyEnabled $false -SafetyNetHoldTime 3.00:00:00 "
    "-ExternalDsnMaxMessageAttachSize 5MB -MaxRetriesForRemoteSiteShadow 6 -ShadowMessagePreferenceSetting localonly "
    "-GenerateCopyOfDSNFor @{Add='5.7.1'; Remove='5.1.4'} -ExternalPostmasterAddress postmaster@contoso.com "
    "-TLSSendDomainSecureList Fabrikam.com,tailspin.com -MaxAllowedAgentGeneratedMessageDepth 4000000000\n"
    "Set-AcceptedDomain contoso.com -PendingRemoval $true"
)
SHOWN = [
    "ShadowRedundancyEnabled              : False",
    "SafetyNetHoldTime                    : 3.00:00:00",
    "ExternalDsnMaxMessageAttachSize      : 5 MB (5,242,880 bytes)",
    "MaxRetriesForRemoteSiteShadow        : 6",
    "ShadowMessagePreferenceSetting       : LocalOnly",
    "GenerateCopyOfDSNFor                 : {5.4.8, 5.4.6, 5.4.4, 5.2.4, 5.2.0, 5.7.1}",
    "ExternalPostmasterAddress            : postmaster@contoso.com",
    "TLSSendDomainSecureList              : {fabrikam.com, tailspin.com}",
    "MaxAllowedAgentGeneratedMessageDepth : 4000000000",
]


def _names(lines) -> list[str]:
    return [line.split(":")[0].strip() for line in lines]


def test_it_sets_a_setting_of_each_kind_and_prints_it_back_as_ems_does():
    result = ems.run_script(
        template(),
        f"{SETS}\nGet-TransportConfig | fl {','.join(_names(SHOWN))}\n"
        "Get-AcceptedDomain contoso.com | fl Name,PendingRemoval,PendingCompletion",
    )
    assert result.error is None, result.output
    assert not any(line.startswith("NOTE:") for line in result.output)
    assert [line for line in result.output if line] == [
        *SHOWN,
        "Name              : contoso.com",
        "PendingRemoval    : True",
        "PendingCompletion : False",
    ]
    org = result.org
    assert org.shadow_redundancy_enabled is False
    assert org.safety_net_hold_time == datetime.timedelta(days=3)
    assert org.tls_send_domain_secure_list == ("fabrikam.com", "tailspin.com")
    assert org.accepted_domains[0].pending_removal is True


def test_an_object_read_from_the_lab_has_them_as_properties():
    script = (
        "$c = Get-TransportConfig\n$c.ShadowRedundancyEnabled\n$c.SupervisionTags.Count\n"
        "(Get-AcceptedDomain contoso.com).PendingRemoval\n"
        "$c.MaxDumpsterSizePerDatabase -gt 10MB\n$c.ExternalDsnMaxMessageAttachSize.ToMB()"  # a size compares as bytes
    )
    assert ems.run_script(template(), script).output == ["True", "2", "False", "True", "10"]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            "Set-TransportConfig -ShadowRedundancyEnabled yes",
            "Cannot process argument transformation on parameter 'ShadowRedundancyEnabled'. Cannot convert value "
            '"yes" to type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as '
            "$True, $False, 1 or 0.",
        ),
        (
            "Set-AcceptedDomain contoso.com -PendingRemoval maybe",
            "Cannot process argument transformation on parameter 'PendingRemoval'. Cannot convert value \"maybe\" to "
            'type "System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, '
            "1 or 0.",
        ),
        (
            "Set-TransportConfig -SafetyNetHoldTime soon",
            "Cannot process argument transformation on parameter 'SafetyNetHoldTime'. Cannot convert value \"soon\" "
            'to type "Microsoft.Exchange.Data.EnhancedTimeSpan". Error: "Input string was not in a correct format."',
        ),
        (
            "Set-TransportConfig -ShadowResubmitTimeSpan 2.00:00:00",
            'The value "2.00:00:00" for ShadowResubmitTimeSpan is out of range. Specify a value from 00:00:01 to '
            "1.00:00:00.",
        ),
        (
            "Set-TransportConfig -MaxRetriesForLocalSiteShadow 256",
            'The value "256" for MaxRetriesForLocalSiteShadow is out of range. Specify a value from 0 to 255.',
        ),
        (
            "Set-TransportConfig -MaxAllowedAgentGeneratedMessageDepth -1",
            "Cannot process argument transformation on parameter 'MaxAllowedAgentGeneratedMessageDepth'. Cannot "
            'convert value "-1" to type "System.UInt32". Error: "Value was either too large or too small for a '
            'UInt32."',
        ),
        (
            "Set-TransportConfig -ExternalDsnMaxMessageAttachSize lots",
            "Cannot process argument transformation on parameter 'ExternalDsnMaxMessageAttachSize'. Cannot convert "
            'value "lots" to type "Microsoft.Exchange.Data.ByteQuantifiedSize". Error: "Input string was not in a '
            'correct format."',
        ),
        (
            "Set-TransportConfig -DSNConversionMode Convert",
            'Cannot convert value "Convert" for the DSNConversionMode parameter. Specify one of the following '
            "enumerator names and try again: DoNotConvert, PreserveDSNBody, UseExchangeDSNs",
        ),
        (
            "Set-TransportConfig -ExternalPostmasterAddress 'post master'",
            "\"post master\" isn't a valid SMTP address. The domain name can't contain spaces and it has to have a "
            "prefix and a suffix, such as example.com.",
        ),
        (
            "Set-TransportConfig -TLSSendDomainSecureList '*.fabrikam.com'",
            "Cannot process argument transformation on parameter 'TLSSendDomainSecureList'. Cannot convert value "
            '"*.fabrikam.com" to type "Microsoft.Exchange.Data.SmtpDomain".',
        ),
        (
            "Set-TransportConfig -GenerateCopyOfDSNFor 5.7",
            "Cannot process argument transformation on parameter 'GenerateCopyOfDSNFor'. Cannot convert value "
            '"5.7" to type "Microsoft.Exchange.Data.EnhancedStatusCode". Error: "Input string was not in a correct '
            'format."',
        ),
        (
            "Set-TransportConfig -SafetyNetHoldTime 3.00:00:00,4.00:00:00",
            "Cannot convert 'System.Object[]' to the type 'System.String' required by parameter 'SafetyNetHoldTime'. "
            "Specified method is not supported.",
        ),
    ],
)
def test_a_bad_value_is_refused_in_exchanges_words_and_changes_nothing(command, message):
    org = template()
    result = ems.run_script(org, f"Set-TransportConfig -ClearCategories $false\n{command}", atomic=True)
    assert result.error == message
    assert result.org == org


def test_a_setting_the_labs_version_doesnt_have_is_no_parameter_and_isnt_shown():
    se, e2010 = template(), template("exchange2010")
    refused = ems.run_script(se, "Set-TransportConfig -LegacyJournalingMigrationEnabled $true")
    assert (
        refused.error == "A parameter cannot be found that matches parameter name 'LegacyJournalingMigrationEnabled'."
    )
    assert not any("Legacy" in line for line in ems.run_script(se, "Get-TransportConfig | fl").output)
    assert ems.run_script(e2010, "Set-TransportConfig -LegacyJournalingMigrationEnabled $true").error is None
    assert ems.run_script(e2010, "Set-TransportConfig -SafetyNetHoldTime 1.00:00:00").error == (
        "A parameter cannot be found that matches parameter name 'SafetyNetHoldTime'."
    )
    assert (
        ems.run_script(template("exchange2016"), "Set-AcceptedDomain contoso.com -EnableNego2Authentication 1").error
        is None
    )
    assert "EnableNego2Authentication" not in "\n".join(ems.run_script(se, "Get-AcceptedDomain | fl").output)


def test_a_new_lab_has_the_defaults_its_version_documents():
    assert (template("exchange2013").dsn_conversion_mode, template().dsn_conversion_mode) == (
        "UseExchangeDSNs",
        "PreserveDSNBody",
    )
    assert ems.run_script(template("exchange2013"), "Get-TransportConfig | fl TransportRule*").output[1] == (
        "TransportRuleAttachmentTextScanLimit : 150 KB (153,600 bytes)"
    )


def test_the_plan_writes_each_changed_setting_quoted_and_the_rollback_restores_it():
    baseline = template()
    org = run_clean(baseline, SETS)
    plan = powershell.render_plan(baseline, org, "lab", "baseline")
    for line in (
        "Set-TransportConfig -ShadowRedundancyEnabled $false",
        "Set-TransportConfig -SafetyNetHoldTime '3.00:00:00'",
        "Set-TransportConfig -ExternalDsnMaxMessageAttachSize 5242880",
        "Set-TransportConfig -ShadowMessagePreferenceSetting 'LocalOnly'",
        "Set-TransportConfig -GenerateCopyOfDSNFor '5.4.8','5.4.6','5.4.4','5.2.4','5.2.0','5.7.1'",
        "Set-TransportConfig -ExternalPostmasterAddress 'postmaster@contoso.com'",
        "Set-AcceptedDomain -Identity 'contoso.com' -PendingRemoval $true",
    ):
        assert line in plan, line
    assert _settings(run_clean(baseline, plan)) == _settings(org)
    rollback = powershell.render_rollback(baseline, org, "lab", "baseline")
    assert "Set-TransportConfig -ExternalPostmasterAddress $null" in rollback
    assert _settings(run_clean(org, rollback)) == _settings(baseline)


def _settings(org) -> tuple:
    return (
        {p.name: p.data(getattr(org, p.field)) for p in TRANSPORT_CONFIG},
        [{p.name: p.data(getattr(d, p.field)) for p in ACCEPTED_DOMAIN} for d in org.accepted_domains],
    )


def test_a_lab_saved_before_they_were_catalogued_shows_their_defaults(db):
    lab = labs.create_lab_from_template("exchangese", name="Old lab")
    with store.locked_lab(lab) as locked:
        store.save_org(locked, run_clean(store.lab_to_org(lab), SETS))
    models.Lab.objects.filter(pk=lab.pk).update(properties={})  # a lab from before: no key at all
    models.AcceptedDomain.objects.filter(lab=lab).update(properties={})
    org = store.lab_to_org(models.Lab.objects.get(pk=lab.pk))
    assert (org.shadow_redundancy_enabled, org.safety_net_hold_time) == (True, datetime.timedelta(days=2))
    assert org.accepted_domains[0].pending_removal is False
    shown = ems.run_script(org, "Get-TransportConfig | fl ShadowRedundancyEnabled,SupervisionTags").output
    assert [line for line in shown if line] == [
        "ShadowRedundancyEnabled : True",
        "SupervisionTags         : {Allow, Reject}",
    ]


def test_a_lab_file_keeps_them_and_an_old_one_without_them_has_the_defaults():
    org = run_clean(template(), SETS)
    data = {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, **labfile.org_to_data(org)}
    assert data["organization"]["safety_net_hold_time"] == "3.00:00:00"
    assert data["accepted_domains"][0]["pending_removal"] is True
    assert _settings(labfile.data_to_org(data)) == _settings(org)
    for key in ("safety_net_hold_time", "shadow_redundancy_enabled"):
        del data["organization"][key]
    del data["accepted_domains"][0]["pending_removal"]
    old = labfile.data_to_org(data)
    assert (old.safety_net_hold_time, old.shadow_redundancy_enabled) == (datetime.timedelta(days=2), True)
    assert old.accepted_domains[0].pending_removal is False


def test_a_lab_file_value_out_of_range_is_refused_with_its_path():
    data = {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, **labfile.org_to_data(template())}
    data["organization"]["max_retries_for_local_site_shadow"] = 300
    with pytest.raises(labfile.LabFileError) as refused:
        labfile.data_to_org(data)
    assert "organization.max_retries_for_local_site_shadow" in str(refused.value)


def test_the_importer_keeps_an_imported_value_instead_of_reporting_it_unused():
    org = template()
    objects = collection(org)
    for obj in objects:
        if obj.kind == "TransportConfig":
            exported = {
                "ShadowRedundancyEnabled": False,
                "SafetyNetHoldTime": "3.00:00:00",
                "JournalingReportNdrTo": "<>",
            }
            obj.properties.update(exported)
        if obj.kind == "AcceptedDomain":
            obj.properties["PendingRemoval"] = True
    result = import_organization(objects)
    assert (result.org.shadow_redundancy_enabled, result.org.safety_net_hold_time) == (
        False,
        datetime.timedelta(days=3),
    )
    assert result.org.journaling_report_ndr_to == ""  # the empty address as an export may print it
    assert result.org.accepted_domains[0].pending_removal is True
    unused = result.report.unused
    assert not {"ShadowRedundancyEnabled", "SafetyNetHoldTime"} & set(unused.get("TransportConfig", {}))
    assert "PendingRemoval" not in unused.get("AcceptedDomain", {})


def _newest_template(prop) -> str:
    return f"exchange{prop.versions[-1].lower()}"


STORED_ROWS = [
    *((p, "Set-TransportConfig", "") for p in TRANSPORT_CONFIG.settable("Set-TransportConfig") if not p.simulated),
    *(
        (p, "Set-AcceptedDomain", "contoso.com ")
        for p in ACCEPTED_DOMAIN.settable("Set-AcceptedDomain")
        if not p.simulated
    ),
]


@pytest.mark.parametrize(("prop", "cmdlet", "target"), STORED_ROWS, ids=lambda value: getattr(value, "name", None))
def test_every_stored_row_is_set_from_the_literal_a_script_writes_and_printed_back(prop, cmdlet, target):
    org = template(_newest_template(prop))
    obj = org if cmdlet == "Set-TransportConfig" else org.accepted_domains[0]
    value = other_value(prop, getattr(obj, prop.field))
    if isinstance(prop.kind, Multi):
        value = prop.parse({"ip range": "10.0.0.5", **ITEMS}[prop.kind.item])
    get = "Get-" + cmdlet.removeprefix("Set-")
    script = f"{cmdlet} {target}-{prop.name} {prop.powershell(value)}\n{get} {target}| fl {prop.name}"
    result = ems.run_script(org, script)
    assert result.error is None, result.output
    changed = result.org if cmdlet == "Set-TransportConfig" else result.org.accepted_domains[0]
    assert getattr(changed, prop.field) == value
    assert [line for line in result.output if line] == [f"{prop.name} : {prop.format(value)}"]
