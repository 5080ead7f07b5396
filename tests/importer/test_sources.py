"""The import's file reading: formats told by their content, archives opened, unknown content refused by name."""

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from connectors.exchange.importsources import SourceError, kind_of, kind_of_properties, read_sources


def test_it_tells_the_kind_from_type_names_remote_or_selected():
    assert kind_of(["Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.ReceiveConnector"]) == (
        "ReceiveConnector"
    )
    assert kind_of(["Selected.Microsoft.Exchange.Data.Directory.Management.ReducedRecipient"]) == "Recipient"
    assert kind_of(["Selected.Deserialized.Microsoft.Exchange.Data.Directory.Management.ReducedRecipient"]) == (
        "Recipient"
    )
    assert kind_of(["System.Management.Automation.PSCustomObject", "System.Object"]) is None


def test_it_tells_the_kind_from_property_names():
    assert kind_of_properties(["Identity", "Bindings", "RemoteIPRanges"]) == "ReceiveConnector"
    assert kind_of_properties(["User", "ExtendedRights", "Deny"]) == "ADPermission"
    assert kind_of_properties(["Name", "Colour"]) is None


def test_it_refuses_an_empty_file_by_name():
    with pytest.raises(SourceError, match="empty.txt: the file is empty"):
        list(read_sources([("empty.txt", io.BytesIO(b"  \r\n"))]))


def test_it_refuses_a_broken_zip_by_name():
    with pytest.raises(SourceError, match="collect.zip: not a readable zip"):
        list(read_sources([("collect.zip", io.BytesIO(b"PK\x03\x04garbage"))]))


def test_it_refuses_an_empty_zip_and_a_broken_gzip():
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    buffer.seek(0)
    with pytest.raises(SourceError, match="holds no files"):
        list(read_sources([("a.zip", buffer)]))
    broken = gzip.compress(b"<Objs/>")[:-6]
    with pytest.raises(SourceError, match="b.xml.gz"):
        list(read_sources([("b.xml.gz", io.BytesIO(broken))]))


def test_it_stops_a_zip_or_gzip_bomb_at_the_limit():
    start = b'<Objs xmlns="http://schemas.microsoft.com/powershell/2004/04">'
    bomb = gzip.compress(start + b" " * (3 * 1024 * 1024))
    with pytest.raises(SourceError, match=r"big.xml: larger than 1 MB unpacked; not read"):
        list(read_sources([("big.xml.gz", io.BytesIO(bomb))], max_unpacked_bytes=1024 * 1024))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", start + b" " * (3 * 1024 * 1024))
    buffer.seek(0)
    with pytest.raises(SourceError, match=r"c.zip/a.xml: larger than 1 MB unpacked"):
        list(read_sources([("c.zip", buffer)], max_unpacked_bytes=1024 * 1024))


def test_it_refuses_archives_nested_too_deep():
    data = b'<Objs xmlns="http://schemas.microsoft.com/powershell/2004/04"/>'
    for _ in range(4):
        data = gzip.compress(data)
    with pytest.raises(SourceError, match="nested more than 3 deep"):
        list(read_sources([("deep.gz", io.BytesIO(data))]))


class _Pipe:
    """A stream that can't seek (a pipe, a streamed upload)."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def read(self, size=-1):
        return self._data.read(size)

    def seekable(self):
        return False


def test_it_reads_a_zip_from_a_stream_that_cannot_seek():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("d.xml", (Path(__file__).parent / "data" / "AcceptedDomain.xml").read_bytes())
    kinds = [o.kind for o in read_sources([("piped.zip", _Pipe(buffer.getvalue()))])]
    assert kinds == ["AcceptedDomain", "AcceptedDomain"]


def test_it_passes_over_the_metadata_macos_adds_to_a_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "Exchsim-Collect/AcceptedDomain.xml", (Path(__file__).parent / "data" / "AcceptedDomain.xml").read_bytes()
        )
        archive.writestr("__MACOSX/Exchsim-Collect/._AcceptedDomain.xml", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
        archive.writestr("Exchsim-Collect/._AcceptedDomain.xml", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")
    kinds = [o.kind for o in read_sources([("collect.zip", io.BytesIO(buffer.getvalue()))])]
    assert kinds == ["AcceptedDomain", "AcceptedDomain"]
