"""Format-List text and Export-Csv files: the exports administrators paste and attach."""

import codecs
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.exchange.importsources import SourceError, read_sources

CONNECTOR_LIST = """\
[PS] C:\\Windows\\system32>Get-ReceiveConnector "EX01\\Relay" | Format-List


RunspaceId                              : 5d0c1f0e-8d0a-4bb4-9d83-6f2b7c0c2e11
AuthMechanism                           : Tls, ExternalAuthoritative
Banner                                  :
BinaryMimeEnabled                       : True
Bindings                                : {0.0.0.0:25}
Comment                                 : Printers and scanners of the second floor; ask the facilities team
                                          before you add one
Enabled                                 : True
MaxMessageSize                          : 36 MB (37,748,736 bytes)
PermissionGroups                        : AnonymousUsers, ExchangeServers, Custom
RemoteIPRanges                          : {10.0.0.50, 10.0.0.51, 192.168.10.0/24, 192.168.20.1-192.168.20.254, 172.16.0
                                          .0/16}
MaxRecipientsPerMessage                 : 200
Server                                  : EX01
TransportRole                           : FrontendTransport
Identity                                : EX01\\Relay
Name                                    : Relay

AuthMechanism                           : Tls
Bindings                                : {[::]:2525, 0.0.0.0:2525}
RemoteIPRanges                          : {::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 0.0.0.0-255.255.255.255}
Identity                                : EX01\\Default EX01
Name                                    : Default EX01
"""

PERMISSION_LIST = """\
AccessRights        : {ExtendedRight}
ExtendedRights      : {ms-Exch-SMTP-Accept-Any-Recipient}
ChildObjectTypes    :
InheritedObjectType :
Properties          :
Deny                : False
InheritanceType     : All
User                : NT AUTHORITY\\ANONYMOUS LOGON
Identity            : EX01\\Relay
IsInherited         : False
IsValid             : True

AccessRights        : {ExtendedRight}
ExtendedRights      : {ms-Exch-SMTP-Submit}
Deny                : True
User                : CONTOSO\\Printers
Identity            : EX01\\Relay
IsInherited         : True
"""


def read(name, data: bytes):
    return list(read_sources([(name, io.BytesIO(data))]))


def test_it_reads_format_list_objects_with_wrapped_lines():
    relay, default = read("pasted.txt", CONNECTOR_LIST.encode())
    assert relay.kind == "ReceiveConnector"
    assert relay.position == "line 4"
    assert relay.type_names == ()
    assert relay.properties["RemoteIPRanges"] == [
        "10.0.0.50",
        "10.0.0.51",
        "192.168.10.0/24",
        "192.168.20.1-192.168.20.254",
        "172.16.0.0/16",  # broken inside the word at the full width: joined without a space
    ]
    assert relay.properties["Comment"] == (
        "Printers and scanners of the second floor; ask the facilities team before you add one"
    )
    assert relay.properties["Banner"] is None
    assert relay.properties["BinaryMimeEnabled"] is True
    assert relay.properties["MaxRecipientsPerMessage"] == 200
    assert relay.properties["MaxMessageSize"] == "36 MB (37,748,736 bytes)"
    assert default.properties["Bindings"] == ["[::]:2525", "0.0.0.0:2525"]
    assert default.position == "line 22"


def test_it_reads_get_adpermission_format_list():
    allow, deny = read("acl.txt", PERMISSION_LIST.encode("utf-16"))  # `> acl.txt` on Windows PowerShell: UTF-16
    assert allow.kind == "ADPermission"
    assert allow.properties["ExtendedRights"] == ["ms-Exch-SMTP-Accept-Any-Recipient"]
    assert deny.properties["Deny"] is True
    assert deny.properties["User"] == "CONTOSO\\Printers"


def test_it_refuses_a_list_cut_by_the_enumeration_limit():
    text = (
        "Identity       : EX01\\Relay\nBindings       : {0.0.0.0:25}\n"
        "RemoteIPRanges : {10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4...}\n"
    )
    with pytest.raises(SourceError, match=r"cut.txt, line 1 \(EX01\\Relay\): RemoteIPRanges shows only the first"):
        read("cut.txt", text.encode())


def test_it_refuses_text_that_is_not_format_list_naming_the_line():
    with pytest.raises(SourceError, match=r"notes.txt, line 2: expected 'Name : value'"):
        read("notes.txt", b"Name : x\nthis is a note\n")
    with pytest.raises(SourceError, match=r"mbx.txt, line 1: an object with the properties Name, Alias"):
        read("mbx.txt", b"Name  : alice\nAlias : alice\n")


CSV_HEADER = '"Identity","Name","Server","Bindings","RemoteIPRanges","Enabled","MaxMessageSize","Comment"'
CSV_ROW = (
    '"EX01\\Relay","Relay","EX01","0.0.0.0:25","10.0.0.50,10.0.0.0/24","True","36 MB (37,748,736 bytes)","two\r\nlines"'
)


@pytest.mark.parametrize("separator", [",", ";"])
def test_it_reads_export_csv_with_either_separator_and_the_type_line(separator):
    header, row = (line.replace('","', f'"{separator}"') for line in (CSV_HEADER, CSV_ROW))
    type_line = "#TYPE Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector"
    text = f"{type_line}\r\n{header}\r\n{row}\r\n"
    (connector,) = read("connectors.csv", text.encode("ascii"))
    assert connector.kind == "ReceiveConnector"
    assert connector.type_names == (
        "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector",
    )
    assert connector.position == "row 1"
    assert connector.properties["RemoteIPRanges"] == "10.0.0.50,10.0.0.0/24"
    assert connector.properties["Enabled"] is True
    assert connector.properties["Comment"] == "two\r\nlines"


def test_it_reads_export_csv_without_the_type_line_in_utf8_with_a_bom():
    text = f"{CSV_HEADER}\n{CSV_ROW}\n"
    (connector,) = read("c.csv", codecs.BOM_UTF8 + text.encode())
    assert connector.kind == "ReceiveConnector"
    assert connector.type_names == ()


def test_it_refuses_a_multi_valued_cell_that_export_csv_lost():
    row = CSV_ROW.replace(
        '"0.0.0.0:25"', '"Microsoft.Exchange.Data.MultiValuedProperty`1[Microsoft.Exchange.Data.IPBinding]"'
    )
    with pytest.raises(SourceError) as caught:
        read("c.csv", f"{CSV_HEADER}\n{row}\n".encode())
    message = caught.value.message
    assert message.startswith(
        "c.csv, row 1 (EX01\\Relay): Bindings holds 'Microsoft.Exchange.Data.MultiValuedProperty`1["
    )
    assert "Export-Csv writes a multi-valued property that way and loses its values" in message


def test_it_refuses_the_arraylist_a_remote_sessions_export_writes_for_a_multi_valued_cell():
    row = CSV_ROW.replace('"0.0.0.0:25"', '"System.Collections.ArrayList"')
    with pytest.raises(SourceError, match=r"Bindings holds 'System.Collections.ArrayList'"):
        read("c.csv", f"{CSV_HEADER}\n{row}\n".encode())


def test_it_passes_on_a_lost_cell_of_a_property_nothing_reads():
    header = CSV_HEADER + ',"ExtendedProtectionSPNList"'
    row = CSV_ROW + ',"System.Object[]"'
    (connector,) = read("c.csv", f"{header}\n{row}\n".encode())
    assert connector.properties["ExtendedProtectionSPNList"] == "System.Object[]"


def test_it_refuses_a_ragged_row_and_an_unknown_type():
    with pytest.raises(SourceError, match=r"c.csv, row 1: 2 cells where the header has 8"):
        read("c.csv", f'{CSV_HEADER}\n"a","b"\n'.encode())
    with pytest.raises(SourceError, match=r"#TYPE Microsoft.Exchange.Data.Directory.Management.Mailbox is not"):
        read("m.csv", b'#TYPE Microsoft.Exchange.Data.Directory.Management.Mailbox\n"Name"\n"a"\n')


PIECES = [
    "Bindings",
    "RemoteIPRanges",
    "User",
    "ExtendedRights",
    "Identity",
    " : ",
    ":",
    "{a, b}",
    "...}",
    '"',
    ",",
    ";",
    "#TYPE x",
    "\r\n",
    "\n",
    "  ",
    "True",
    "x",
    "\t",
    "é",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.sampled_from(["utf-8", "utf-16"]))
def test_it_answers_any_text_with_objects_or_a_named_refusal(pieces, encoding):
    data = "".join(pieces).encode(encoding)
    try:
        objects = read("odd.txt", data)
    except SourceError as error:
        assert error.message.startswith("odd.txt")
    else:
        assert all(o.kind for o in objects)
