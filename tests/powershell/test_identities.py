"""Identities as EMS resolves them (issue 14): wildcards, SERVER\\Name, GUIDs, pipeline binding by Identity."""

import pytest

from connectors.exchange import ems
from connectors.exchange.psformat import connector_guid

from .orgs import template, two_servers


def run(script, org=None, **options):
    return ems.run_script(org or two_servers(), script, **options)


def names(script, org=None) -> list[str]:
    result = run(script, org)
    assert result.error is None, result.error
    return result.output


@pytest.mark.parametrize(
    ("identity", "found"),
    [
        ('"Client Frontend*"', ["EX01\\Client Frontend EX01", "EX02\\Client Frontend EX02"]),
        ('"EX02\\Client*"', ["EX02\\Client Frontend EX02", "EX02\\Client Proxy EX02"]),
        ('"*\\Default Frontend*"', ["EX01\\Default Frontend EX01", "EX02\\Default Frontend EX02"]),
        ("-Identity 'ex0*\\client proxy*'", ["EX01\\Client Proxy EX01", "EX02\\Client Proxy EX02"]),
        ("'ex0?\\client proxy*'", []),  # only * is a wildcard in an identity: ? is a character of the name
        ('"EX01\\Default EX01"', ["EX01\\Default EX01"]),
        ("'Default EX02'", ["EX02\\Default EX02"]),
    ],
)
def test_it_resolves_names_wildcards_and_server_qualified_identities(identity, found):
    assert names(f"Get-ReceiveConnector {identity} | % Identity") == found


def test_question_marks_and_brackets_in_a_wildcard_identity_are_characters_of_the_name():
    script = (
        "New-ReceiveConnector 'Relay [DMZ] ?' -Server EX01 -Custom -Bindings 0.0.0.0:2526 -RemoteIPRanges 10.0.0.1\n"
        "Get-ReceiveConnector 'Relay [DMZ] ?*' | % Name; @(Get-ReceiveConnector 'Relay [D]*').Count"
    )
    assert names(script)[-2:] == ["Relay [DMZ] ?", "0"]


def test_a_wildcard_that_matches_nothing_is_an_empty_result_but_a_name_is_an_error():
    assert names('Get-ReceiveConnector "Nothing*"; @(Get-ReceiveConnector "EX09\\*").Count') == ["0"]
    result = run('Get-ReceiveConnector "Nothing"')
    assert result.error == "The operation couldn't be performed because object 'Nothing' couldn't be found."


def test_a_name_on_two_servers_is_ambiguous_and_server_name_is_not():
    org = two_servers()
    result = run(
        "New-ReceiveConnector Relay -Server EX01 -Custom -Bindings 0.0.0.0:2526 -RemoteIPRanges 10.0.0.1\n"
        "New-ReceiveConnector Relay -Server EX02 -Custom -Bindings 0.0.0.0:2526 -RemoteIPRanges 10.0.0.1\n"
        "Set-ReceiveConnector EX02\\Relay -Comment two\n"
        "Set-ReceiveConnector Relay -Comment both\n",
        org,
    )
    assert result.error == "The operation couldn't be performed because 'Relay' matches multiple entries."
    assert result.org.connector("EX02", "Relay").comment == "two"


def test_set_and_remove_take_a_wildcard_that_names_one_connector():
    result = run('Set-ReceiveConnector "EX01\\Client Fr*" -Comment one')
    assert result.error is None
    assert result.org.connector("EX01", "Client Frontend EX01").comment == "one"
    several = run('Set-ReceiveConnector "EX01\\Client*" -Comment many')
    assert several.error == "The operation couldn't be performed because 'EX01\\Client*' matches multiple entries."
    none = run('Remove-ReceiveConnector "EX01\\Nothing*" -Confirm:$false')
    assert none.error == "The operation couldn't be performed because object 'EX01\\Nothing*' couldn't be found."


def test_it_finds_a_connector_by_the_guid_the_lab_gives_it():
    org = two_servers()
    guid = connector_guid(org.connector("EX02", "Default EX02"))
    assert names(f"Get-ReceiveConnector {guid} | % Identity", org) == ["EX02\\Default EX02"]
    assert names(f"Get-ReceiveConnector '{{{str(guid).upper()}}}' | % Identity", org) == ["EX02\\Default EX02"]
    script = '$g = (Get-ReceiveConnector "EX02\\Default EX02").Guid; Set-ReceiveConnector $g -Comment byguid'
    assert run(script, org).org.connector("EX02", "Default EX02").comment == "byguid"
    missing = run("Get-ReceiveConnector 00000000-0000-0000-0000-000000000000", org)
    assert missing.error == (
        "The operation couldn't be performed because object '00000000-0000-0000-0000-000000000000' couldn't be found."
    )


def test_the_guid_is_stable_across_runs_and_lab_copies():
    first = names('(Get-ReceiveConnector "EX01\\Default EX01").Guid')
    assert first == names('(Get-ReceiveConnector "EX01\\Default EX01").Guid', two_servers())
    assert first != names('(Get-ReceiveConnector "EX02\\Default EX02").Guid')


def test_strings_and_csv_rows_piped_into_set_bind_to_identity():
    script = (
        '"EX01\\Client Proxy EX01", "EX02\\Client Proxy EX02" | Set-ReceiveConnector -Comment piped\n'
        "Import-Csv ids.csv | Set-ReceiveConnector -Comment fromcsv\n"
    )
    result = run(script, files={"ids.csv": 'Identity,Note\n"EX01\\Default EX01",x\n'})
    assert result.error is None
    assert result.org.connector("EX02", "Client Proxy EX02").comment == "piped"
    assert result.org.connector("EX01", "Default EX01").comment == "fromcsv"


def test_an_object_of_another_type_piped_in_binds_by_its_identity_or_is_refused():
    org = template()
    other = run("Get-AcceptedDomain | Remove-ReceiveConnector", org)
    assert other.error == "The operation couldn't be performed because object 'contoso.com' couldn't be found."
    assert other.org == org
    refused = run("Get-RecipientFilterConfig | Remove-AcceptedDomain", org)
    assert refused.error.startswith("The input object cannot be bound to any parameters for the command")
    assert run("Get-Date | Remove-ReceiveConnector", org).error == refused.error


def test_a_piped_server_binds_to_get_receive_connectors_server_parameter():
    # Get-ReceiveConnector's -Server takes pipeline input, as community scripts use it.
    assert names("Get-ExchangeServer EX02 | Get-ReceiveConnector | % Identity") == names(
        "Get-ReceiveConnector -Server EX02 | % Identity"
    )
    assert names("(Get-ExchangeServer | Get-ReceiveConnector).Count") == names("@(Get-ReceiveConnector).Count")
    assert names('"EX01\\Default EX01" | Get-ReceiveConnector | % Identity') == ["EX01\\Default EX01"]
    assert names("Get-ReceiveConnector 'EX02\\Default EX02' | Get-ReceiveConnector | % Identity") == [
        "EX02\\Default EX02"
    ]


def test_each_piped_accepted_domain_is_changed():
    org = template()
    script = (
        "New-AcceptedDomain Fabrikam -DomainName fabrikam.com | Out-Null\n"
        "Get-AcceptedDomain | Set-AcceptedDomain -AddressBookEnabled $false\n"
    )
    result = run(script, org)
    assert result.error is None
    assert [d.address_book_enabled for d in result.org.accepted_domains] == [False, False]


def test_server_and_domain_identities_take_wildcards():
    assert names(
        "Get-ExchangeServer EX* | % Name; @(Get-ExchangeServer NO*).Count; Get-MailboxServer *02 | % Name"
    ) == [
        "EX01",
        "EX02",
        "0",
        "EX02",
    ]
    assert names("Get-AcceptedDomain *contoso* | % DomainName") == ["contoso.com"]


def test_a_server_is_found_by_its_fqdn_or_dn_and_a_connector_by_its_dn():
    # ServerIdParameter takes Name, FQDN or DN (Get-ReceiveConnector -Server, Get-ExchangeServer, Set-MailboxServer);
    # a connector's DN is one of its identities (Get-ReceiveConnector, Set-, Get-ADPermission -Identity).
    org = two_servers()
    assert names("Get-ReceiveConnector -Server ex02.contoso.com | % Identity", org) == names(
        "Get-ReceiveConnector -Server EX02 | % Identity", org
    )
    assert names("Get-ExchangeServer EX02.CONTOSO.COM | % Name; Get-MailboxServer ex01.contoso.com | % Name") == [
        "EX02",
        "EX01",
    ]
    script = (
        "$server = (Get-ExchangeServer EX02).DistinguishedName\n"
        "@(Get-ReceiveConnector -Server $server).Count\n"
        "$dn = (Get-ReceiveConnector 'EX02\\Default EX02').DistinguishedName\n"
        "Set-ReceiveConnector $dn -Comment 'by DN'\n"
        "Get-ReceiveConnector $dn | % Identity\n"
        "@(Get-ADPermission -Identity $dn).Count -eq @(Get-ADPermission 'EX02\\Default EX02').Count\n"
    )
    result = run(script, org)
    assert result.error is None, result.error
    assert result.output == ["5", "EX02\\Default EX02", "True"]
    assert result.org.connector("EX02", "Default EX02").comment == "by DN"
    assert run("Get-ReceiveConnector 'CN=Nope,CN=SMTP Receive Connectors'", org).error == (
        "The operation couldn't be performed because object 'CN=Nope,CN=SMTP Receive Connectors' couldn't be found."
    )


def test_a_get_cmdlets_null_identity_returns_every_object():
    # "The value $null or a non-existent value for the Identity parameter returns *all* objects as if you ran the
    # Get- command without the Identity parameter" (Get-ReceiveConnector's reference): a misspelt variable lists all.
    script = (
        "@(Get-ReceiveConnector -Identity $null).Count; @(Get-ReceiveConnector $misspelt).Count\n"
        "@(Get-AcceptedDomain $null).Count; @(Get-ExchangeServer -Identity $null).Count; @(Get-MailboxServer $x).Count"
    )
    assert names(script) == ["10", "10", "1", "2", "2"]
    # Set- and Remove- cmdlets' -Identity is mandatory, and PowerShell binds no $null to a mandatory parameter
    for line in ("Set-ReceiveConnector -Identity $null -Comment x", "Remove-ReceiveConnector $misspelt"):
        assert run(line).error == "Cannot bind argument to parameter 'Identity' because it is null."
