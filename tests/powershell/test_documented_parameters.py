"""Every documented parameter of the modelled cmdlets is accepted (issue 14): the catalogue's settable rows change
the lab, the documented ones the lab doesn't model are bound as PowerShell binds them and noted; enum arguments
convert as PowerShell converts them."""

import pytest

from connectors.exchange import cmdletdocs, ems
from connectors.exchange.property_rows import NEW, SET
from connectors.exchange.receive_connector_properties import RECEIVE_CONNECTOR

from .orgs import template

DEFAULT = "EX01\\Default EX01"
UNKNOWN = ("A parameter cannot be found", "Parameter cannot be processed because the parameter name")
# A value of the right shape for each kind, and the identity each cmdlet needs, so that a call reaches the binder.
SAMPLES = {"Boolean": "$true", "SwitchParameter": "", "Object": "'x'", "String": "'x'"}
TARGETS = {
    "Add-ADPermission": f"'{DEFAULT}' -User 'NT AUTHORITY\\ANONYMOUS LOGON' -ExtendedRights ms-Exch-SMTP-Submit",
    "Remove-ADPermission": f"'{DEFAULT}' -User 'NT AUTHORITY\\ANONYMOUS LOGON' -ExtendedRights ms-Exch-SMTP-Submit",
    "Get-ADPermission": f"'{DEFAULT}'",
    "Set-AcceptedDomain": "contoso.com",
    "New-AcceptedDomain": "Fabrikam -DomainName fabrikam.com",
    "Set-MailboxServer": "EX01",
}


def run(script, org=None):
    return ems.run_script(org or template(), script)


@pytest.mark.parametrize(
    ("cmdlet", "parameter"),
    [(cmdlet, parameter) for cmdlet, documented in cmdletdocs.UNMODELLED.items() for parameter in documented],
)
def test_every_documented_parameter_binds(cmdlet, parameter):
    kind = cmdletdocs.binding_kind(cmdletdocs.UNMODELLED[cmdlet][parameter])
    result = run(f"{cmdlet} {TARGETS.get(cmdlet, '')} -{parameter} {SAMPLES[kind]}".rstrip())
    assert not (result.error or "").startswith(UNKNOWN), result.error


@pytest.mark.parametrize(
    ("cmdlet", "prop"),
    [(cmdlet, prop) for cmdlet in (NEW, SET) for prop in RECEIVE_CONNECTOR.settable(cmdlet)],
    ids=lambda value: getattr(value, "name", value),
)
def test_every_settable_catalogue_row_binds_and_changes_the_connector(cmdlet, prop):
    org = template()
    value = prop.default_for(org.server("EX01").version)
    if cmdlet == NEW:
        script = f"New-ReceiveConnector Probe -Custom -Bindings 10.0.0.9:2600 -RemoteIPRanges 10.9.9.9 -{prop.name} "
    else:
        script = f"Set-ReceiveConnector '{DEFAULT}' -{prop.name} "
    literal = prop.powershell(value) if value not in (None, "", ()) else "$null"
    result = run(script + literal, org)
    assert not (result.error or "").startswith(UNKNOWN), result.error
    assert not any(line.startswith("NOTE: -") for line in result.output)


def test_an_unmodelled_parameter_is_noted_once_and_changes_nothing():
    # Set-TransportConfig's Exchange Online-only parameters: a script written for both environments meets them.
    org = template()
    script = (
        "Set-TransportConfig -ReplyAllStormProtectionEnabled $false -JournalMessageExpirationDays 3\n"
        "Set-TransportConfig -ReplyAllStormProtectionEnabled $true -TLSReceiveDomainSecureList fabrikam.com\n"
    )
    result = run(script, org)
    assert result.error is None
    notes = [line for line in result.output if line.startswith("NOTE:")]
    assert notes == [
        cmdletdocs.NOTE.format("ReplyAllStormProtectionEnabled", "Set-TransportConfig"),
        cmdletdocs.NOTE.format("JournalMessageExpirationDays", "Set-TransportConfig"),
    ]
    assert result.org == org.with_changes(tls_receive_domain_secure_list=("fabrikam.com",))


def test_the_docs_examples_of_unmodelled_parameters_run():
    scripts = [
        "Set-RecipientFilterConfig -BlockListEnabled $true -BlockedRecipients user1@contoso.com,user2@contoso.com",
        "Set-MailboxServer -Identity EX01 -CalendarRepairIntervalEndWindow 40 "
        "-CalendarRepairLogDirectorySizeLimit 750MB -CalendarRepairLogFileAgeLimit 15.00:00:00 "
        '-CalendarRepairLogPath "D:\\Exchange Logs\\Calendar Repair Assistant"',
        "Set-TransportConfig -GenerateCopyOfDSNFor 5.7.1,5.7.2,5.7.3",
        "Set-TransportConfig -JournalingReportNdrTo journalingndr@contoso.com",
        f"Add-ADPermission '{DEFAULT}' -User 'NT AUTHORITY\\ANONYMOUS LOGON' -AccessRights ExtendedRight "
        "-ExtendedRights ms-Exch-SMTP-Submit",
    ]
    for script in scripts:
        assert run(script).error is None, script
    # "In Exchange 2013, this example throttles the Calendar Repair Assistant" (the parameter is 2010 and 2013 only)
    example = "Set-MailboxServer EX01 -CalendarRepairWorkCycle 7.00:00:00 -CalendarRepairWorkCycleCheckpoint 7.00:00:00"
    assert run(example, template("exchange2013")).error is None


def test_new_accepted_domain_match_subdomains_is_set_not_noted():
    # The lab models MatchSubDomains (Set-AcceptedDomain's row); New-AcceptedDomain documents it too.
    result = run("New-AcceptedDomain Fabrikam -DomainName fabrikam.com -DomainType InternalRelay -MatchSubDomains 1")
    assert result.error is None
    assert not any(line.startswith("NOTE: -") for line in result.output)
    assert result.org.accepted_domains[-1].match_subdomains is True


def test_an_unmodelled_boolean_still_converts_as_powershell_converts_it():
    result = run("Set-TransportConfig -Xexch50Enabled maybe")
    assert result.error.startswith(
        "Cannot process argument transformation on parameter 'Xexch50Enabled'. Cannot convert value "
        '"maybe" to type "System.Boolean".'
    )


def test_access_rights_other_than_extended_right_are_refused_before_anything_runs():
    org = template()
    result = run(
        f"Set-MailboxServer EX01 -MAPIEncryptionRequired $true\nAdd-ADPermission '{DEFAULT}' -User x "
        "-AccessRights GenericAll",
        org,
    )
    assert result.org is org
    assert "-AccessRights other than ExtendedRight isn't supported" in result.error


@pytest.mark.parametrize("written", ["Verbose", "verbose", "VERBOSE"])
def test_enum_arguments_take_full_names_in_any_case(written):
    result = run(f"Set-ReceiveConnector '{DEFAULT}' -ProtocolLoggingLevel {written}")
    assert result.error is None
    assert result.org.connector("EX01", "Default EX01").protocol_logging_level == "Verbose"


@pytest.mark.parametrize(("parameter", "written"), [("ProtocolLoggingLevel", "Verb"), ("SizeEnabled", "Enable")])
def test_enum_arguments_refuse_a_prefix_as_powershell_does(parameter, written):
    result = run(f"Set-ReceiveConnector '{DEFAULT}' -{parameter} {written}")
    assert result.error.startswith(f'Cannot convert value "{written}" for the {parameter} parameter.')


def test_transport_role_frontend_is_read_as_the_docs_write_it_with_a_note():
    script = "New-ReceiveConnector X -TransportRole Frontend -Custom -Bindings 10.0.0.1:2600 -RemoteIPRanges 10.1.1.1"
    result = run(script)
    assert result.error is None
    assert result.org.connector("EX01", "X").transport_role.value == "FrontendTransport"
    assert result.output[0].startswith("NOTE: -TransportRole Frontend is read as FrontendTransport")


def test_get_exchange_server_domain_lists_the_servers_of_that_domain():
    assert run("(Get-ExchangeServer -Domain CONTOSO.com.).Name").output == ["EX01"]
    assert run("Get-ExchangeServer -Domain fabrikam.com").output == []
    both = run("Get-ExchangeServer EX01 -Domain contoso.com")
    assert both.error == "Parameter set cannot be resolved using the specified named parameters."


def test_get_exchange_server_domain_null_lists_every_server_and_a_bad_fqdn_is_refused():
    assert run("(Get-ExchangeServer -Domain $null).Name").output == ["EX01"]
    for written in ('""', '"bad domain"'):
        refused = run(f"Get-ExchangeServer -Domain {written}")
        assert refused.error.startswith("Cannot process argument transformation on parameter 'Domain'.")
        assert 'to type "Microsoft.Exchange.Data.Fqdn"' in refused.error
