"""The property catalogue (exchange/property_rows.py, property_kinds.py, *_properties.py): each property declared
once, parsed from any spelling, shown as EMS shows it, written as a quoted PowerShell literal, and the engine's
ReceiveConnector built from it."""

import dataclasses
import datetime

import pytest

from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import ExchangeVersion, ReceiveConnector, TransportRole
from connectors.exchange.organization_properties import TRANSPORT_CONFIG
from connectors.exchange.property_rows import since
from connectors.exchange.receive_connector_properties import COMPUTED, RECEIVE_CONNECTOR
from connectors.exchange.server_properties import MAILBOX_SETTINGS

CONNECTOR = ReceiveConnector(server="EX01", name="Relay")


def test_every_receive_connector_property_is_reachable_on_the_engine_connector():
    for prop in RECEIVE_CONNECTOR:
        getattr(CONNECTOR, prop.field)


def test_the_engine_connector_has_no_exchange_field_the_catalogue_lacks():
    own = {"usage", "created_by_setup", "acl"}  # exchsim's, beside Exchange's properties
    fields = {f.name for f in dataclasses.fields(ReceiveConnector)} - own
    assert fields == {p.field for p in RECEIVE_CONNECTOR} - COMPUTED


def test_the_issue_s_properties_are_in_the_catalogue():
    wanted = (
        "MaxHopCount MaxLocalHopCount MaxLogonFailures MaxInboundConnection MaxInboundConnectionPerSource "
        "MaxInboundConnectionPercentagePerSource MaxHeaderSize MaxProtocolErrors ConnectionTimeout "
        "ConnectionInactivityTimeout MessageRateSource TarpitInterval AuthTarpitInterval RequireEHLODomain SizeEnabled "
        "EnhancedStatusCodesEnabled PipeliningEnabled ChunkingEnabled EightBitMimeEnabled BinaryMimeEnabled "
        "SmtpUtf8Enabled DeliveryStatusNotificationEnabled LongAddressesEnabled OrarEnabled SuppressXAnonymousTls "
        "AdvertiseClientSettings ProxyEnabled TlsCertificateName TlsDomainCapabilities DefaultDomain "
        "ServiceDiscoveryFqdn ExtendedProtectionPolicy RejectReservedTopLevelRecipientDomains "
        "RejectReservedSecondLevelRecipientDomains RejectSingleLabelRecipientDomains MaxAcknowledgementDelay"
    ).split()
    assert [name for name in wanted if RECEIVE_CONNECTOR.by_name(name) is None] == []


def test_names_are_looked_up_case_insensitively_and_fields_exactly():
    assert RECEIVE_CONNECTOR.by_name("maxrecipientspermessage").field == "max_recipients_per_message"
    assert RECEIVE_CONNECTOR.by_field("max_recipients_per_message").name == "MaxRecipientsPerMessage"
    assert RECEIVE_CONNECTOR.by_name("NoSuchProperty") is None


def test_documented_defaults_per_role():
    timeout = RECEIVE_CONNECTOR.by_name("ConnectionTimeout")
    assert timeout.format(timeout.default_for(ExchangeVersion.SE)) == "00:10:00"
    assert timeout.format(timeout.default_for(ExchangeVersion.SE, edge=True)) == "00:05:00"
    inactivity = RECEIVE_CONNECTOR.by_name("ConnectionInactivityTimeout")
    assert inactivity.format(inactivity.default_for("2016", edge=True)) == "00:01:00"


def test_auth_mechanism_default_follows_the_usage_type():
    auth = RECEIVE_CONNECTOR.by_name("AuthMechanism")
    assert auth.format(auth.default_for("2019", "Client")) == "Tls, Integrated, BasicAuth, BasicAuthRequireTLS"
    assert auth.format(auth.default_for("2019", "Internet")) == "Tls"


def test_versions_that_have_a_property():
    assert not RECEIVE_CONNECTOR.by_name("AuthTarpitInterval").has(ExchangeVersion.E2013)
    assert RECEIVE_CONNECTOR.by_name("AuthTarpitInterval").has(ExchangeVersion.E2016)
    assert not RECEIVE_CONNECTOR.by_name("TransportRole").has("2016", edge=True)


def test_versions_follow_set_receive_connector_s_applicable_lines():
    # office-docs-powershell Set-ReceiveConnector: -SmtpUtf8Enabled 2013+, -BareLinefeedRejectionEnabled 2010+.
    utf8 = RECEIVE_CONNECTOR.by_name("SmtpUtf8Enabled")
    assert utf8.versions == since("2013")
    bare = RECEIVE_CONNECTOR.by_name("BareLinefeedRejectionEnabled")
    assert bare.versions == since("2010")


@pytest.mark.parametrize("name", ["LiveCredentialEnabled", "ProxyEnabled"])
def test_properties_no_2013_or_later_set_receive_connector_takes_are_read_only(name):
    assert not RECEIVE_CONNECTOR.by_name(name).is_settable


@pytest.mark.parametrize(
    ("name", "text", "value", "shown"),
    [
        ("MaxMessageSize", "36 MB (37,748,736 bytes)", 37_748_736, "36 MB (37,748,736 bytes)"),
        ("MaxMessageSize", "64MB", 67_108_864, "64 MB (67,108,864 bytes)"),
        ("MaxHeaderSize", "262144", 262_144, "256 KB (262,144 bytes)"),
        ("ConnectionTimeout", "00:15:00", datetime.timedelta(minutes=15), "00:15:00"),
        ("ConnectionTimeout", "1.00:00:00", datetime.timedelta(days=1), "1.00:00:00"),
        ("MessageRateLimit", "unlimited", None, "Unlimited"),
        ("MaxInboundConnectionPerSource", "1,000", 1000, "1000"),
        ("SizeEnabled", "enabledwithoutvalue", "EnabledWithoutValue", "EnabledWithoutValue"),
        ("TransportRole", "Frontend", TransportRole.FRONTEND, "FrontendTransport"),
        ("PipeliningEnabled", "$false", False, "False"),
        ("AuthMechanism", "tls,basicauth", 5, "Tls, BasicAuth"),
        (
            "TlsDomainCapabilities",
            "{contoso.com:AcceptCloudServicesMail}",
            ("contoso.com:AcceptCloudServicesMail",),
            "{contoso.com:AcceptCloudServicesMail}",
        ),
    ],
)
def test_parse_and_format(name, text, value, shown):
    prop = RECEIVE_CONNECTOR.by_name(name)
    assert prop.parse(text) == value
    assert prop.format(value) == shown
    assert prop.parse(prop.format(value)) == value, "Format-List text reads back"
    assert prop.parse(prop.data(value)) == value, "the JSON form reads back"


def test_conversion_errors_are_exchange_s_and_name_the_parameter():
    with pytest.raises(ExchangeError) as error:
        RECEIVE_CONNECTOR.by_name("MaxHopCount").parse("lots")
    assert error.value.message == (
        "Cannot process argument transformation on parameter 'MaxHopCount'. Cannot convert value \"lots\" to type "
        '"System.Int32". Error: "Input string was not in a correct format."'
    )
    assert error.value.field == "MaxHopCount"
    with pytest.raises(ExchangeError) as error:
        RECEIVE_CONNECTOR.by_name("ExtendedProtectionPolicy").parse("Sometimes")
    assert error.value.message == (
        'Cannot convert value "Sometimes" for the ExtendedProtectionPolicy parameter. Specify one of the following '
        "enumerator names and try again: None, Allow, Require"
    )


def test_range_problems_in_exchange_s_words():
    assert RECEIVE_CONNECTOR.by_name("MaxHopCount").problems(501) == [
        'The value "501" for MaxHopCount is out of range. Specify a value from 1 to 500.'
    ]
    assert RECEIVE_CONNECTOR.by_name("ConnectionTimeout").problems(datetime.timedelta(0)) == [
        'The value "00:00:00" for ConnectionTimeout is out of range. Specify a value from 00:00:01 to 1.00:00:00.'
    ]
    assert RECEIVE_CONNECTOR.by_name("MaxHopCount").problems(60) == []


def test_powershell_literals_quote_every_text():
    banner = RECEIVE_CONNECTOR.by_name("Banner")
    assert banner.powershell("220 it's $(Get-Date)") == "'220 it''s $(Get-Date)'"
    assert RECEIVE_CONNECTOR.by_name("TarpitInterval").powershell(datetime.timedelta(seconds=5)) == "'00:00:05'"
    assert RECEIVE_CONNECTOR.by_name("MessageRateLimit").powershell(None) == "'Unlimited'"
    assert RECEIVE_CONNECTOR.by_name("RequireEHLODomain").powershell(True) == "$true"


def test_generated_rows_take_their_field_from_the_name_in_snake_case():
    # Set-TransportConfig's and Set-MailboxServer's rows are made by one helper each; both name the engine field (the
    # lab file's key) the same way, acronyms included.
    assert TRANSPORT_CONFIG.by_name("DSNConversionMode").field == "dsn_conversion_mode"
    assert TRANSPORT_CONFIG.by_name("TLSSendDomainSecureList").field == "tls_send_domain_secure_list"
    assert TRANSPORT_CONFIG.by_name("Rfc2231EncodingEnabled").field == "rfc2231_encoding_enabled"
    assert MAILBOX_SETTINGS.by_name("OABGeneratorWorkCycle").field == "oab_generator_work_cycle"
    assert MAILBOX_SETTINGS.by_name("IrmLogMaxAge").field == "irm_log_max_age"


def test_a_nullable_setting_is_cleared_by_none_or_an_empty_cell_but_not_by_the_text_dollar_null():
    prop = MAILBOX_SETTINGS.by_name("MaximumActiveDatabases")
    assert prop.parse(None) is None  # $null, a JSON null, an Export-Clixml <Nil />
    assert prop.parse("") is None  # an empty CSV cell or Format-List value
    with pytest.raises(ExchangeError, match='Cannot convert value "\\$null" to type "System.Int32"'):
        prop.parse("$null")  # a quoted '$null' is six characters of text, as in PowerShell
