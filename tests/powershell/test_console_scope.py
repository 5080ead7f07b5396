"""Scoped console runs (exchange/emsscope.py): a script runs on the servers it names and gives exactly what it gives
on the whole lab; a script that reaches further is run on the whole lab."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.exchange import ems, emsscope
from connectors.exchange.psformat import connector_guid
from connectors.labtemplates import generated_org

ORG = generated_org(4, 3, 2, seed=3)
DIRECTORY = emsscope.Directory.from_rows((c.server, c.name) for c in ORG.connectors)
GUID = connector_guid(ORG.connector("EX003", "Relay 002"))
CSV = {"relays.csv": "Identity,Comment\nEX003\\Relay 001,from the csv\nEX004\\Relay 002,also\n"}


def _load(names):
    """What store.lab_to_org(lab, names) gives: the named servers and their connectors, the lab-wide parts whole."""
    if names is None:
        return ORG
    wanted = {n.casefold() for n in names}
    return ORG.with_changes(
        servers=tuple(s for s in ORG.servers if s.name.casefold() in wanted),
        connectors=tuple(c for c in ORG.connectors if c.server.casefold() in wanted),
    )


def _part(org, servers):
    wanted = {s.casefold() for s in servers}
    return (
        [s for s in org.servers if s.name.casefold() in wanted],
        [c for c in org.connectors if c.server.casefold() in wanted],
        org.accepted_domains,
        org.tls_receive_domain_secure_list,
        org.recipient_validation_enabled,
    )


SCOPED = {
    "Set-ReceiveConnector 'EX002\\Relay 001' -Comment 'one server'": ["EX002"],
    "Get-ReceiveConnector -Identity EX002\\* | Format-Table Name": ["EX002"],
    "Get-ReceiveConnector -Server ex004 | Set-ReceiveConnector -Comment 'piped'": ["EX004"],
    "$rc = Get-ReceiveConnector 'EX002\\Relay 003'\n$rc.RemoteIPRanges += '192.0.2.77'\n"
    "Set-ReceiveConnector $rc -RemoteIPRanges $rc.RemoteIPRanges": ["EX002"],
    "Import-Csv relays.csv | ForEach-Object { Set-ReceiveConnector $_.Identity -Comment $_.Comment }": [
        "EX003",
        "EX004",
    ],
    "'EX003\\Relay 001' | Set-ReceiveConnector -Comment 'a piped string'": ["EX003"],
    "Import-Csv relays.csv | Set-ReceiveConnector -Comment 'by the Identity column'": ["EX003", "EX004"],
    "Get-ExchangeServer 'EX00[23]*' | Format-Table Name": ["EX002", "EX003"],
    f"Get-ReceiveConnector '{GUID}' | Format-List Identity": ["EX003"],
    "New-ReceiveConnector -Name Clash -Server EX002 -Custom -Bindings 10.0.2.10:25 -RemoteIPRanges 10.1.1.1": ["EX002"],
    "Set-ReceiveConnector 'EX099\\Nope' -Comment x": [],
    "Get-AcceptedDomain\nSet-TransportConfig -TLSReceiveDomainSecureList fabrikam.com": [],
    "Set-MailboxServer EX001 -MAPIEncryptionRequired $true": ["EX001"],
    "Get-ReceiveConnector 'EX001\\Relay 001' | Get-ADPermission | Where-Object { -not $_.IsInherited }": ["EX001"],
    "Get-ReceiveConnector 'EX00[12]*\\Relay 00*' | Measure-Object": ["EX001", "EX002"],
    "Get-ReceiveConnector -Server ex003.contoso.com | Set-ReceiveConnector -Comment 'by FQDN'": ["EX003"],
    "$dn = (Get-ExchangeServer EX002).DistinguishedName\nGet-ReceiveConnector -Server $dn | Measure-Object": ["EX002"],
}
WHOLE = [
    "Get-ReceiveConnector | Format-Table Identity",
    "Get-ReceiveConnector 'Relay 001'",  # the same name on every server: EMS says it matches multiple entries
    "Get-ReceiveConnector 'Relay 00[12]' | Measure-Object",
    '1..4 | ForEach-Object { Get-ReceiveConnector "EX00$_\\Relay 001" } | Measure-Object',
    "$name = 'EX00' + '3'\nGet-ReceiveConnector -Server $name | Set-ReceiveConnector -Comment built",
    "Set-ReceiveConnector 'EX001\\Relay 001' -Comment first\nGet-ExchangeServer",
    "New-ReceiveConnector -Name 'No server' -Custom -Bindings 0.0.0.0:2525 -RemoteIPRanges 10.1.1.1",
]


def _both(script, **options):
    files = dict(CSV) if "relays.csv" in script else {}
    scoped, ran_on, servers = emsscope.run_scoped(_load, script, DIRECTORY, files=files, **options)
    whole = ems.run_script(ORG, script, files=files, **options)
    return scoped, ran_on, servers, whole


def _assert_same(scoped, ran_on, servers, whole):
    assert scoped.output == whole.output
    assert scoped.error == whole.error
    assert scoped.files == whole.files
    loaded = [s.name for s in ran_on.servers]
    assert _part(scoped.org, loaded) == _part(whole.org, loaded)
    others = [s.name for s in ORG.servers if s.name not in loaded]
    assert _part(whole.org, others)[:2] == _part(ORG, others)[:2], "the whole-lab run changed a server not loaded"


@pytest.mark.parametrize("script", SCOPED)
def test_it_runs_a_script_on_the_servers_it_names_with_the_whole_labs_result(script):
    scoped, ran_on, servers, whole = _both(script)
    assert servers == SCOPED[script]
    _assert_same(scoped, ran_on, servers, whole)


@pytest.mark.parametrize("script", WHOLE)
def test_it_runs_a_script_that_reaches_further_on_the_whole_lab(script):
    scoped, ran_on, servers, whole = _both(script)
    assert servers is None
    _assert_same(scoped, ran_on, servers, whole)


@pytest.mark.parametrize("options", [{"atomic": True}, {"dry_run": True}])
def test_it_keeps_atomic_and_dry_run_semantics_when_scoped(options):
    script = "Set-ReceiveConnector 'EX002\\Relay 001' -Comment changed\nSet-ReceiveConnector 'EX002\\Nope' -Comment x"
    scoped, ran_on, servers, whole = _both(script, **options)
    assert servers == ["EX002"]
    _assert_same(scoped, ran_on, servers, whole)
    assert scoped.org == ran_on, "a failing atomic script or a dry run changes nothing"


def test_it_guesses_the_servers_from_the_script_and_the_files():
    text = 'Get-ReceiveConnector "ex001\\Relay 001"; Set-MailboxServer EX002 # EX004 in a comment counts too'
    assert emsscope.predict(text, {}, DIRECTORY) == {"EX001", "EX002", "EX004"}
    assert emsscope.predict("Import-Csv a.csv", {"a.csv": "Server\nEX003"}, DIRECTORY) == {"EX003"}
    assert emsscope.predict("Get-ReceiveConnector | Set-ReceiveConnector -Comment x", {}, DIRECTORY) is None


def test_the_guard_stops_a_call_that_could_see_a_server_not_loaded():
    guard = emsscope.Guard(DIRECTORY, ["EX001"])
    org = _load(["EX001"])
    for script in ("Get-ReceiveConnector 'EX002\\Relay 001'", "Get-ReceiveConnector 'Relay 001'", "Get-ExchangeServer"):
        with pytest.raises(emsscope.OutOfScope):
            ems.run_script(org, script, guard=guard)
    with pytest.raises(emsscope.OutOfScope):
        ems.run_script(org, "Import-Csv relays.csv | Set-ReceiveConnector -Comment x", guard=guard, files=CSV)
    assert ems.run_script(org, "Get-ReceiveConnector 'EX001\\Relay 001'", guard=guard).error is None
    dn = "CN=Relay 001,CN=SMTP Receive Connectors,CN=Protocols,CN=EX002,CN=Servers,CN=Exchange"
    for script in ("Get-ReceiveConnector -Server ex002.contoso.com", f"Set-ReceiveConnector '{dn}' -Comment x"):
        with pytest.raises(emsscope.OutOfScope):
            ems.run_script(org, script, guard=guard)


_IDENTITY = st.sampled_from(
    [
        "EX001\\Relay 001",
        "ex002\\relay 002",
        "EX003\\Relay 00*",
        "EX00[14]*\\Relay 003",
        "Relay 002",
        "Relay 0*",
        "*\\Relay 001",
        "\\Relay 001",
        "EX099\\Nope",
        " EX004\\Relay 001 ",
        str(GUID),
        "{" + str(GUID).upper() + "}",
    ]
)
_SERVER = st.sampled_from(["EX001", "ex003", "EX00*", "EX099", " EX002 "])
_LINE = st.one_of(
    _IDENTITY.map(lambda i: f"Get-ReceiveConnector '{i}' | Format-Table Identity"),
    _IDENTITY.map(lambda i: f"Set-ReceiveConnector '{i}' -Comment 'changed'"),
    _IDENTITY.map(lambda i: f"'{i}' | Set-ReceiveConnector -MaxMessageSize 20MB"),
    _IDENTITY.map(lambda i: f"Get-ADPermission '{i}' | Measure-Object"),
    _IDENTITY.map(lambda i: f"Remove-ReceiveConnector '{i}' -Confirm:$false"),
    _IDENTITY.map(lambda i: f"Get-ReceiveConnector '{i}' -ErrorAction SilentlyContinue | Measure-Object"),
    _IDENTITY.map(lambda i: f"Set-ReceiveConnector '{i}' -Comment go-on -ErrorAction Continue -ErrorVariable e"),
    _IDENTITY.map(
        lambda i: (
            f"try {{ Set-ReceiveConnector '{i}' -Comment try }} catch {{ Write-Host $_.Exception.Message }} "
            "finally { Get-ReceiveConnector 'EX002\\Relay 001' | Measure-Object }"
        )
    ),
    _IDENTITY.map(lambda i: f"$c = Get-ReceiveConnector '{i}'; $c | Set-ReceiveConnector -Enabled $false"),
    _SERVER.map(lambda s: f"Get-ReceiveConnector -Server '{s}' | Set-ReceiveConnector -Comment piped"),
    _SERVER.map(lambda s: f"Get-ExchangeServer '{s}' | Format-List Name"),
    _SERVER.map(lambda s: f"Get-ExchangeServer '{s}' | Get-ReceiveConnector | Set-ReceiveConnector -Comment srv"),
    _SERVER.map(lambda s: f"Set-MailboxServer '{s}' -MAPIEncryptionRequired $true"),
    _SERVER.map(
        lambda s: (
            f"New-ReceiveConnector -Name New -Server '{s}' -Custom -Bindings 0.0.0.0:2525 -RemoteIPRanges 10.9.0.1"
        )
    ),
    st.sampled_from(
        [
            "Get-ReceiveConnector | Measure-Object",
            '1..4 | ForEach-Object { Get-ReceiveConnector "EX00$_\\Relay 001" } | Measure-Object',
            "Import-Csv relays.csv | Set-ReceiveConnector -Comment csv",
            "Import-Csv relays.csv | ForEach-Object { Get-ReceiveConnector $_.Identity }",
            "Get-AcceptedDomain | Remove-ReceiveConnector",
            "Get-ExchangeServer | Set-ReceiveConnector -Comment servers",
            "Get-ExchangeServer | Get-ReceiveConnector | Measure-Object",
            "Set-TransportConfig -TLSReceiveDomainSecureList fabrikam.com",
        ]
    ),
)


@settings(max_examples=80, deadline=None)
@given(lines=st.lists(_LINE, min_size=1, max_size=4), atomic=st.booleans())
def test_any_script_gives_the_whole_labs_result_when_scoped(lines, atomic):
    script = "\n".join(lines)
    files = dict(CSV)
    scoped, ran_on, servers = emsscope.run_scoped(_load, script, DIRECTORY, files=files, atomic=atomic)
    whole = ems.run_script(ORG, script, files=files, atomic=atomic)
    _assert_same(scoped, ran_on, servers, whole)
