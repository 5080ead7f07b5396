"""Refusals through importconfig's path (import_lab): each refused whole, with a named error, and nothing saved."""

import io
import zipfile
from dataclasses import replace

import pytest

from connectors import imports, models
from connectors.exchange import orgexport
from connectors.labtemplates import demo_org


def _zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def _refused(files) -> str:
    with pytest.raises(imports.ImportFailed) as refused:
        imports.import_lab(files, slug="prod")
    assert not models.Lab.objects.exists()
    assert not models.Server.objects.exists()
    return str(refused.value)


def _relay_changed(**changes):
    org = demo_org()
    return org.with_changes(connectors=tuple(c.with_changes(**changes) if c.name == "Anonymous Relay" else c
                                             for c in org.connectors))  # fmt: skip


def test_it_refuses_a_file_of_a_cmdlet_it_does_not_import(db):
    files = orgexport.export_bytes(demo_org())
    mailbox = files["Recipient.xml"].replace(b"Management.ReducedRecipient", b"Management.Mailbox")
    text = _refused([("collect.zip", _zip(files)), ("Get-Mailbox.xml", io.BytesIO(mailbox))])
    assert "Get-Mailbox.xml" in text


def test_it_refuses_two_files_that_disagree_about_a_connector(db):
    first = orgexport.export_bytes(demo_org())["ReceiveConnector.xml"]
    second = orgexport.export_bytes(_relay_changed(max_message_size=10 * 1024 * 1024))["ReceiveConnector.xml"]
    rest = {k: v for k, v in orgexport.export_bytes(demo_org()).items() if k != "ReceiveConnector.xml"}
    text = _refused([("monday.zip", _zip({**rest, "ReceiveConnector.xml": first})),
                     ("tuesday.xml", io.BytesIO(second))])  # fmt: skip
    assert "tuesday.xml" in text
    assert "monday.zip/ReceiveConnector.xml" in text
    assert "EX01\\Anonymous Relay" in text
    assert "MaxMessageSize" in text
    assert "disagree" in text


def test_it_refuses_a_connector_whose_ranges_conflict(db):
    org = demo_org()
    relay = org.connector("EX01", "Anonymous Relay")
    twin = replace(relay, name="Relay Twin")
    files = orgexport.export_bytes(org.with_changes(connectors=(*org.connectors, twin)))
    text = _refused([("collect.zip", _zip(files))])
    assert "(EX01\\Relay Twin): Bindings:" in text or "(EX01\\Anonymous Relay): Bindings:" in text
    assert "must have a unique combination of a local IP address & port bindings" in text


def test_it_refuses_a_truncated_file(db):
    data = orgexport.export_bytes(demo_org())["ReceiveConnector.xml"]
    text = _refused([("ReceiveConnector.xml", io.BytesIO(data[: len(data) // 2]))])
    assert "ReceiveConnector.xml" in text
