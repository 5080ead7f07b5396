"""Organisation-wide settings the simulator uses (TLSReceiveDomainSecureList, RecipientValidationEnabled), the ones it
stores and prints back (MaxReceiveSize, BlockedRecipients, ...), and MAPIEncryptionRequired on servers that aren't
Mailbox servers: the scripts write what the console runs."""

from dataclasses import replace

from connectors.exchange import ems, powershell, psobjects
from connectors.exchange.organization_properties import TRANSPORT_SETTINGS

from .orgs import template
from .test_round_trip import assert_same_lab, body, run_clean
from .test_scripts import WHEN


def with_settings(org, secure=(), validation=False):
    return org.with_changes(tls_receive_domain_secure_list=secure, recipient_validation_enabled=validation)


def test_the_whole_lab_script_sets_both_settings_and_rebuilds_them():
    org = with_settings(template(), ("fabrikam.com", "tailspin.com"), validation=True)
    script = powershell.render_lab(org, "lab", date=WHEN)
    assert body(script) == [
        "Get-TransportConfig | Export-Clixml -Path '.\\backup-20260301-TransportConfig.xml'",
        "Set-TransportConfig -TLSReceiveDomainSecureList 'fabrikam.com','tailspin.com'",
        "Get-RecipientFilterConfig | Export-Clixml -Path '.\\backup-20260301-RecipientFilterConfig.xml'",
        "Set-RecipientFilterConfig -RecipientValidationEnabled $true",
    ]
    assert "# Change organization setting TLSReceiveDomainSecureList" in script
    assert_same_lab(run_clean(template(), script), org)


def test_a_plan_to_an_empty_secure_list_clears_it_with_null_and_the_rollback_restores_it():
    baseline = with_settings(template(), ("fabrikam.com",), validation=True)
    org = with_settings(template())
    plan = powershell.render_plan(baseline, org, "lab", "baseline")
    assert "Set-TransportConfig -TLSReceiveDomainSecureList $null" in plan
    assert "Set-RecipientFilterConfig -RecipientValidationEnabled $false" in plan
    assert_same_lab(run_clean(baseline, plan), org)
    assert_same_lab(run_clean(org, powershell.render_rollback(baseline, org, "lab", "baseline")), baseline)


def test_unchanged_settings_write_no_commands():
    org = with_settings(template(), ("fabrikam.com",))
    assert body(powershell.render_plan(org, org, "lab", "same")) == []


def test_get_commands_show_the_settings_as_a_list():
    org = with_settings(template(), ("fabrikam.com",), validation=True)
    result = ems.run_script(org, "Get-TransportConfig\nGet-RecipientFilterConfig")
    # Every Set-TransportConfig row the lab's version has (tests/powershell/test_unmodelled_org_settings.py reads
    # the others back), then the recipient filter's.
    shown = [p for p in TRANSPORT_SETTINGS if p.in_organization(org.servers)]
    width = max(len(p.name) for p in shown)
    transport = [line.split(" : ")[0].rstrip() for line in result.output[1 : len(shown) + 1]]
    assert transport == [p.name for p in shown]
    assert result.output[1:6] == [
        f"{'TLSReceiveDomainSecureList':{width}} : {{fabrikam.com}}",
        f"{'MaxReceiveSize':{width}} : 10 MB (10,485,760 bytes)",
        f"{'MaxSendSize':{width}} : 10 MB (10,485,760 bytes)",
        f"{'MaxRecipientEnvelopeLimit':{width}} : 500",
        f"{'InternalSMTPServers':{width}} : {{}}",
    ]
    assert result.output[len(shown) + 1 :] == [
        "",
        "",
        "RecipientValidationEnabled : True",
        "BlockedRecipients          : {}",
        "BlockListEnabled           : False",
        "Enabled                    : True",
        "ExternalMailEnabled        : True",
        "InternalMailEnabled        : False",
        "",
    ]
    assert ems.run_script(org, "Get-TransportConfig | fl TLS*").output[1] == (
        "TLSReceiveDomainSecureList : {fabrikam.com}"
    )


def test_secure_list_takes_add_and_remove_and_lower_cases_domains():
    org = with_settings(template(), ("fabrikam.com", "tailspin.com"))
    result = ems.run_script(
        org, "Set-TransportConfig -TLSReceiveDomainSecureList @{Add='Partner.Example'; Remove='FABRIKAM.com'}"
    )
    assert result.org.tls_receive_domain_secure_list == ("tailspin.com", "partner.example")
    refused = ems.run_script(org, "Set-TransportConfig -TLSReceiveDomainSecureList @{Replace='x.com'}")
    assert refused.error == "Only Add and Remove can be used to change TLSReceiveDomainSecureList."


def test_set_recipient_filter_config_takes_booleans_and_whatif_changes_nothing():
    org = template()
    assert ems.run_script(
        org, "Set-RecipientFilterConfig -RecipientValidationEnabled:$true"
    ).org.recipient_validation_enabled
    whatif = ems.run_script(org, "Set-RecipientFilterConfig -RecipientValidationEnabled $true -WhatIf")
    assert whatif.org == org
    assert whatif.output == ['What if: Configuring Recipient Filter Config "RecipientFilterConfig".']
    wrong = ems.run_script(org, "Set-RecipientFilterConfig -RecipientValidationEnabled yes")
    assert "Boolean parameters accept only Boolean values and numbers" in wrong.error


def test_mapi_encryption_on_an_edge_server_is_noted_not_scripted_and_the_console_agrees():
    org = template("exchangese-edge")
    org = org.with_changes(servers=tuple(replace(s, mapi_encryption_required=True) for s in org.servers))
    script = powershell.render_lab(org, "lab")
    assert "Set-MailboxServer -Identity 'EX01' -MAPIEncryptionRequired $true" in script
    assert "'EDGE01'" not in script
    assert (
        "# Change server EDGE01 MAPIEncryptionRequired "
        "(not scripted: Set-MailboxServer applies only to Mailbox servers)" in script
    )
    rebuilt = run_clean(template("exchangese-edge"), script)
    assert rebuilt.server("EX01").mapi_encryption_required
    assert not rebuilt.server("EDGE01").mapi_encryption_required
    refused = ems.run_script(org, "Set-MailboxServer EDGE01 -MAPIEncryptionRequired $true")
    assert refused.error == "The operation couldn't be performed because object 'EDGE01' couldn't be found."


def test_secure_list_refuses_wildcards_and_bad_domains_as_smtp_domain_conversion_errors():
    for value in ("*.fabrikam.com", "*", "fab rikam.com"):
        result = ems.run_script(template(), f"Set-TransportConfig -TLSReceiveDomainSecureList '{value}'")
        assert result.error == (
            "Cannot process argument transformation on parameter 'TLSReceiveDomainSecureList'. "
            f'Cannot convert value "{value}" to type "Microsoft.Exchange.Data.SmtpDomain".'
        )


STORED = (
    "Set-TransportConfig -MaxReceiveSize 25MB -MaxSendSize Unlimited -MaxRecipientEnvelopeLimit 1000 "
    "-InternalSMTPServers 10.0.0.5,10.0.1.0/24\n"
    "Set-RecipientFilterConfig -BlockListEnabled $true -BlockedRecipients ceo@contoso.com,cfo@contoso.com "
    "-Enabled $false -ExternalMailEnabled $false -InternalMailEnabled $true"
)


def test_it_stores_the_settings_it_doesnt_simulate_and_prints_them_back():
    result = ems.run_script(
        template(),
        STORED + "\nGet-TransportConfig | fl MaxReceiveSize,MaxSendSize,MaxRecip*,InternalSMTP*\n"
        "Get-RecipientFilterConfig | fl",
    )
    assert result.error is None
    assert not any("NOTE" in line for line in result.output)
    assert [line for line in result.output if line] == [
        "MaxReceiveSize            : 25 MB (26,214,400 bytes)",
        "MaxSendSize               : Unlimited",
        "MaxRecipientEnvelopeLimit : 1000",
        "InternalSMTPServers       : {10.0.0.5, 10.0.1.0/24}",
        "RecipientValidationEnabled : False",
        "BlockedRecipients          : {ceo@contoso.com, cfo@contoso.com}",
        "BlockListEnabled           : True",
        "Enabled                    : False",
        "ExternalMailEnabled        : False",
        "InternalMailEnabled        : True",
    ]
    org = result.org
    assert (org.max_receive_size, org.max_send_size, org.max_recipient_envelope_limit) == (26_214_400, None, 1000)
    assert org.blocked_recipients == ("ceo@contoso.com", "cfo@contoso.com")
    added = ems.run_script(org, "Set-RecipientFilterConfig -BlockedRecipients @{Add='hr@contoso.com'}").org
    assert added.blocked_recipients == ("ceo@contoso.com", "cfo@contoso.com", "hr@contoso.com")


def test_the_plan_writes_the_stored_settings_and_the_rollback_restores_them():
    baseline = template()
    org = ems.run_script(baseline, STORED).org
    plan = powershell.render_plan(baseline, org, "lab", "baseline")
    for line in (
        "Set-TransportConfig -MaxReceiveSize 26214400",
        "Set-TransportConfig -MaxSendSize 'Unlimited'",
        "Set-TransportConfig -MaxRecipientEnvelopeLimit 1000",
        "Set-TransportConfig -InternalSMTPServers '10.0.0.5','10.0.1.0/24'",
        "Set-RecipientFilterConfig -BlockedRecipients 'ceo@contoso.com','cfo@contoso.com'",
        "Set-RecipientFilterConfig -BlockListEnabled $true",
        "Set-RecipientFilterConfig -Enabled $false",
    ):
        assert line in plan, line
    assert_same_lab(run_clean(baseline, plan), org)
    assert_same_lab(run_clean(org, powershell.render_rollback(baseline, org, "lab", "baseline")), baseline)
    whole = powershell.render_lab(org, "lab", date=WHEN)
    assert "Set-TransportConfig -MaxReceiveSize 26214400" in whole
    assert_same_lab(run_clean(template(), whole), org)


def test_a_bad_setting_is_refused_in_exchanges_words_and_changes_nothing():
    org = template()
    for command, words in (
        ("Set-TransportConfig -MaxReceiveSize lots", 'Cannot convert value "lots"'),
        ("Set-TransportConfig -MaxRecipientEnvelopeLimit -1", "out of range"),
        ("Set-TransportConfig -InternalSMTPServers 10.0.0.999", ""),
        ("Set-RecipientFilterConfig -BlockListEnabled maybe", "Boolean parameters accept only Boolean values"),
        ("Set-RecipientFilterConfig -BlockedRecipients 'no address'", '"no address" isn\'t a valid SMTP address'),
    ):
        result = ems.run_script(org, f"Set-TransportConfig -MaxSendSize 20MB\n{command}", atomic=True)
        assert result.error and words in result.error, (command, result.error)
        assert result.org == org, command


def test_a_held_limit_of_either_kind_has_one_value_member():
    # Unlimited<ByteQuantifiedSize> and Unlimited<Int32> holding a limit answer .Value/.IsUnlimited by one member
    assert psobjects.UnlimitedSize.ps_member is psobjects.UnlimitedNumber.ps_member
    size = psobjects.unlimited("Unlimited<ByteQuantifiedSize>", 10 << 20)
    number = psobjects.unlimited("Unlimited<Int32>", 500)
    assert type(size.ps_member("value")) is psobjects.Size and size.ps_member("value") == 10 << 20
    assert type(number.ps_member("value")) is int and number.ps_member("value") == 500
    assert size.ps_member("isunlimited") is False and number.ps_member("isunlimited") is False


def test_an_unlimited_setting_has_value_and_is_unlimited_as_scripts_read_them():
    # Unlimited<ByteQuantifiedSize> (MaxReceiveSize) and Unlimited<Int32> (MaxRecipientEnvelopeLimit,
    # MessageRateLimit): scripts read .Value.ToMB() and .IsUnlimited; a plain size (MaxMessageSize) has no .Value.
    script = (
        "$tc = Get-TransportConfig\n"
        '"{0} MB, unlimited: {1}" -f $tc.MaxReceiveSize.Value.ToMB(), $tc.MaxReceiveSize.IsUnlimited\n'
        "$tc.MaxRecipientEnvelopeLimit.Value + 1\n"
        "Set-TransportConfig -MaxSendSize Unlimited\n"
        "$tc = Get-TransportConfig; $tc.MaxSendSize; $tc.MaxSendSize.IsUnlimited; $null -eq $tc.MaxSendSize.Value\n"
        "$rc = Get-ReceiveConnector 'EX01\\Default Frontend EX01'\n"
        "$rc.MessageRateLimit.IsUnlimited; $rc.MaxInboundConnection.Value; $null -eq $rc.MaxMessageSize.Value\n"
        "Get-TransportConfig | Select-Object MaxRecipientEnvelopeLimit\n"
    )
    result = ems.run_script(template(), script)
    assert result.error is None, result.error
    assert result.output[:8] == ["10 MB, unlimited: False", "501", "Unlimited", "True", "True", "True", "5000", "True"]
    # Unlimited<Int32> is no number to PowerShell's table: left-aligned, as EMS prints it
    assert result.output[9:12] == ["MaxRecipientEnvelopeLimit", "-------------------------", "500"]
