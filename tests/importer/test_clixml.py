"""Export-Clixml reading: PowerShell's serialization (MS-PSRP 2.2.5) of each cmdlet's objects, hostile files refused."""

import codecs
import gzip
import io
import re
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.exchange.importsources import SourceError, read_sources

DATA = Path(__file__).parent / "data"
OBJS = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">{}</Objs>'


def read(name, data: bytes):
    return list(read_sources([(name, io.BytesIO(data))]))


def read_file(name):
    return read(name, (DATA / name).read_bytes())


def one_object(type_name: str, props: str, ms: str = "") -> bytes:
    body = (
        f'<Obj RefId="0"><TN RefId="0"><T>{type_name}</T><T>System.Object</T></TN><ToString>x</ToString>'
        f"<Props>{props}</Props><MS>{ms}</MS></Obj>"
    )
    return OBJS.format(body).encode()


def test_it_reads_a_2019_receive_connector_as_ems_prints_it():
    (connector,) = read_file("ReceiveConnector-2019.xml")
    props = connector.properties
    assert connector.kind == "ReceiveConnector"
    assert connector.position == "object 1"
    assert connector.type_names[0].startswith("Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration")
    assert props["Identity"] == "EX01\\Default Frontend EX01"
    assert props["Bindings"] == ["[::]:25", "0.0.0.0:25"]
    assert props["RemoteIPRanges"] == ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"]
    assert props["MaxMessageSize"] == "36 MB (37,748,736 bytes)"
    assert props["ConnectionTimeout"] == "00:10:00"
    assert props["PermissionGroups"] == "AnonymousUsers, ExchangeServers, ExchangeLegacyServers"
    assert props["MaxInboundConnection"] == "5000"
    assert props["BinaryMimeEnabled"] is True
    assert props["TlsCertificateName"] is None
    assert props["Banner"] == ""
    assert props["ExtendedProtectionSPNList"] == []


def test_it_reads_the_primitive_types_and_escapes():
    (connector,) = read_file("ReceiveConnector-2019.xml")
    props = connector.properties
    assert props["Comment"] == "first line\r\nsecond _x line"  # _x000D__x000A_ and _x005F_
    assert props["Age"] == "00:09:50.2990000"  # <TS> as .NET prints a TimeSpan
    assert props["Big"] == 18446744073709551615
    assert props["Ratio"] == 0.5
    assert props["WhenChanged"] == "2024-03-05T10:11:12+01:00"
    assert props["ServerFromRef"] == "EX01"  # <Ref RefId="8"/>
    assert props["PSComputerName"] == "ex01.contoso.com"  # <MS>: extended members


@pytest.mark.parametrize(
    ("name", "version", "roles"),
    [
        ("ExchangeServer-2010.xml", "Version 14.3 (Build 123.4)", "Mailbox, ClientAccess, HubTransport"),
        ("ExchangeServer-2019.xml", "Version 15.2 (Build 986.5)", "Mailbox"),
    ],
)
def test_it_reads_exchange_servers_of_each_version(name, version, roles):
    (server,) = read_file(name)
    assert server.kind == "ExchangeServer"
    assert server.properties["AdminDisplayVersion"] == version
    assert server.properties["ServerRole"] == roles
    assert server.properties["ExchangeVersion"] == "0.1 (8.0.535.0)"  # the AD object's version, kept as text


def test_it_reads_every_ace_of_get_adpermission_with_tn_references():
    allow, deny = read_file("ADPermission.xml")
    assert (allow.kind, deny.kind) == ("ADPermission", "ADPermission")
    assert deny.type_names == allow.type_names  # <TNRef RefId="0"/>
    assert allow.properties["ExtendedRights"] == ["ms-Exch-SMTP-Accept-Any-Recipient"]
    assert deny.properties["ExtendedRights"] == ["ms-Exch-SMTP-Submit", "ms-Exch-Bypass-Anti-Spam"]
    assert (deny.properties["Deny"], deny.properties["IsInherited"]) == (True, True)
    assert deny.properties["User"] == "CONTOSO\\Printers"
    assert deny.position == "object 2"


def test_it_reads_accepted_domains():
    first, second = read_file("AcceptedDomain.xml")
    assert first.properties["DomainName"] == "contoso.com"
    assert first.properties["Default"] is True
    assert second.properties["DomainName"] == "*.fabrikam.com"
    assert second.properties["DomainType"] == "ExternalRelay"


@pytest.mark.parametrize(
    ("type_name", "props", "kind"),
    [
        (
            "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportConfigContainer",
            '<Obj N="TLSReceiveDomainSecureList" RefId="1"><TN RefId="1"><T>x</T></TN>'
            "<LST><S>fabrikam.com</S><S>tailspin.com</S></LST></Obj>",
            "TransportConfig",
        ),
        (
            "Microsoft.Exchange.Data.Directory.Management.MailboxServer",
            '<S N="Name">EX01</S><B N="MAPIEncryptionRequired">true</B>',
            "MailboxServer",
        ),
        (
            "Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.RecipientFilterConfig",
            '<B N="RecipientValidationEnabled">true</B><B N="Enabled">true</B>',
            "RecipientFilterConfig",
        ),
        (
            "Selected.Microsoft.Exchange.Data.Directory.Management.ReducedRecipient",
            '<S N="Name">Alice</S><S N="RecipientType">UserMailbox</S>'
            '<Obj N="EmailAddresses" RefId="1"><TN RefId="1"><T>x</T></TN>'
            "<LST><S>SMTP:alice@contoso.com</S><S>smtp:a@contoso.com</S></LST></Obj>",
            "Recipient",
        ),
        (
            "Exchsim.GroupMember",
            '<S N="Group">CONTOSO\\Printers</S><S N="Member">CONTOSO\\PRN01$</S><S N="MemberType">computer</S>',
            "GroupMember",
        ),
    ],
)
def test_it_tells_each_cmdlets_objects_by_type_name(type_name, props, kind):
    (obj,) = read("whatever.txt", one_object(type_name, props))
    assert obj.kind == kind
    assert obj.source == "whatever.txt"


def test_it_reads_a_dictionary_and_an_empty_list():
    props = (
        '<Obj N="Map" RefId="1"><TN RefId="1"><T>System.Collections.Hashtable</T></TN><DCT>'
        '<En><S N="Key">a</S><I32 N="Value">1</I32></En><En><S N="Key">b</S><Nil N="Value"/></En></DCT></Obj>'
        '<Obj N="None" RefId="2"><TN RefId="2"><T>System.Object[]</T></TN><LST/></Obj>'
    )
    (obj,) = read("x.xml", one_object("Microsoft.Exchange.Data.Directory.Management.MailboxServer", props))
    assert obj.properties["Map"] == {"a": 1, "b": None}
    assert obj.properties["None"] == []


def test_it_reads_utf16_with_a_bom_as_windows_powershell_writes_it():
    data = (DATA / "AcceptedDomain.xml").read_text()
    for encoded in (codecs.BOM_UTF16_LE + data.encode("utf-16-le"), codecs.BOM_UTF8 + data.encode()):
        assert [o.properties["Name"] for o in read("d.xml", encoded)] == ["contoso.com", "Partner relay"]


def test_it_reads_a_collector_zip_and_gzip_by_content():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("exchsim/ADPermission.xml", (DATA / "ADPermission.xml").read_bytes())
        archive.writestr("exchsim/Servers.dat", (DATA / "ExchangeServer-2019.xml").read_bytes())
    objects = read("collect.zip", buffer.getvalue())
    assert [(o.source, o.kind) for o in objects] == [
        ("collect.zip/exchsim/ADPermission.xml", "ADPermission"),
        ("collect.zip/exchsim/ADPermission.xml", "ADPermission"),
        ("collect.zip/exchsim/Servers.dat", "ExchangeServer"),
    ]
    (server,) = read("servers.xml.gz", gzip.compress((DATA / "ExchangeServer-2010.xml").read_bytes()))
    assert server.source == "servers.xml"
    assert server.kind == "ExchangeServer"


def test_it_refuses_an_entity_bomb_quickly_and_in_words():
    bomb = '<?xml version="1.0"?><!DOCTYPE Objs [<!ENTITY a "aaaaaaaaaa">'
    bomb += "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    bomb += ']><Objs xmlns="http://schemas.microsoft.com/powershell/2004/04"><S>&j;</S></Objs>'
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        read("bomb.xml", bomb.encode())
    assert time.perf_counter() - started < 1
    assert "bomb.xml: refused: it declares the entity 'a'" in caught.value.message
    assert "entity bomb" in caught.value.message


def test_it_refuses_an_external_entity_without_fetching_it():
    evil = (
        '<?xml version="1.0"?><!DOCTYPE Objs [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<Objs xmlns="http://schemas.microsoft.com/powershell/2004/04"><S>&x;</S></Objs>'
    )
    with pytest.raises(SourceError, match=r"evil.xml: refused: it declares the external entity 'x' \(SYSTEM"):
        read("evil.xml", evil.encode())


def test_it_refuses_any_dtd():
    with pytest.raises(SourceError, match="document type"):
        read("d.xml", b'<!DOCTYPE Objs []><Objs xmlns="http://schemas.microsoft.com/powershell/2004/04"/>')
    with pytest.raises(SourceError, match="external document type"):
        read("d.xml", b'<!DOCTYPE Objs SYSTEM "http://example.com/x.dtd"><Objs/>')


def test_it_refuses_a_truncated_file_by_name_and_line():
    data = (DATA / "ADPermission.xml").read_bytes()
    with pytest.raises(SourceError, match=r"ADPermission.xml: it ends before the Export-Clixml document does"):
        read("ADPermission.xml", data[: len(data) // 2])


def test_it_refuses_other_xml_and_unrelated_cmdlets_naming_the_object():
    with pytest.raises(SourceError, match="not an Export-Clixml file: it starts with <html>"):
        read("page.xml", b"<html><body/></html>")
    mailbox = one_object("Deserialized.Microsoft.Exchange.Data.Directory.Management.Mailbox", '<S N="Name">a</S>')
    with pytest.raises(SourceError) as caught:
        read("mbx.xml", mailbox)
    assert caught.value.message.startswith("mbx.xml, object 1: Deserialized.Microsoft.Exchange.Data.Directory.")
    assert "is not the output of a cmdlet exchsim imports (Get-ReceiveConnector" in caught.value.message


def test_it_refuses_a_reference_to_nothing():
    props = '<Obj N="Server"><Ref RefId="99"/></Obj>'
    with pytest.raises(SourceError, match='RefId="99"'):
        read("x.xml", one_object("Microsoft.Exchange.Data.Directory.Management.MailboxServer", props))


def test_it_reads_a_2010_receive_connector_whose_ranges_are_objects():
    (connector,) = read_file("ReceiveConnector-2010.xml")
    props = connector.properties
    assert connector.kind == "ReceiveConnector"
    assert "TransportRole" not in props  # 2010 connectors have none
    assert props["RemoteIPRanges"] == ["::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0.0.0.0-255.255.255.255"]
    assert props["Bindings"] == ["[::]:587", "0.0.0.0:587"]
    assert props["PermissionGroups"] == "ExchangeUsers"
    assert props["Identity"] == "EX2010\\Client EX2010"


def test_it_keeps_one_object_in_memory_at_a_time():
    obj = (DATA / "ReceiveConnector-2019.xml").read_text().split("\n", 1)[1].rsplit("</Objs>", 1)[0]
    count = 2000
    # each copy's objects numbered apart, as Export-Clixml numbers them; type lists shared, as its <TNRef>s do
    body = "".join(re.sub(r'(<Obj[^>]*RefId="|<Ref RefId=")', rf"\g<1>{n}_", obj) for n in range(count))
    data = OBJS.format(body).encode()
    tracemalloc.start()
    try:
        seen = sum(1 for _ in read_sources([("big.xml", io.BytesIO(data))]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seen == count
    # A tree of the file would take several times its size; streamed, the reader holds one object plus the
    # texts Ref may point back to.
    assert peak < len(data) / 2, (peak, len(data))


TAGS = ["Obj", "Props", "MS", "LST", "DCT", "En", "TN", "T", "TNRef", "ToString", "S", "B", "I32", "Nil", "Ref"]


@st.composite
def elements(draw, depth=0):
    tag = draw(st.sampled_from(TAGS))
    attrs = draw(st.sampled_from(["", ' N="a"', ' RefId="1"', ' N="Key" RefId="2"']))
    if depth > 3 or draw(st.booleans()):
        text = draw(st.sampled_from(["", "x", "true", "12", "_x000A_"]))
        return f"<{tag}{attrs}>{text}</{tag}>"
    children = draw(st.lists(elements(depth=depth + 1), max_size=3))
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(elements(), max_size=3))
def test_it_answers_any_arrangement_of_the_elements_with_objects_or_a_named_refusal(children):
    data = OBJS.format("".join(children)).encode()
    try:
        objects = read("odd.xml", data)
    except SourceError as error:
        assert error.message.startswith("odd.xml")
    else:
        assert all(o.kind for o in objects)
