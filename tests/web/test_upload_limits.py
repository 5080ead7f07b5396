"""Lab files larger than EXCHSIM_LAB_FILE_MAX_BYTES are refused in words, by the upload and by loadlab, before they
are read whole (a 50 MB file took 1.24 GB in the command line and hit the worker timeout on the web)."""

import io
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from connectors import labfile
from connectors.models import Lab


@pytest.fixture
def small_limit(settings):
    settings.EXCHSIM_LAB_FILE_MAX_BYTES = 100_000
    return settings.EXCHSIM_LAB_FILE_MAX_BYTES


def test_an_oversized_upload_is_refused_in_words_and_creates_nothing(signed_in, lab, small_limit):
    upload = SimpleUploadedFile("big.json", b" " * 300_000 + b"{}", content_type="application/json")
    response = signed_in.post(reverse("connectors:lab-upload"), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 400
    assert "This lab file is larger than 100,000 bytes, the largest lab file this exchsim loads" in body
    assert Lab.objects.count() == 1


def test_the_upload_handler_stops_receiving_at_the_limit(signed_in, lab, small_limit):
    """The handler drops the rest of the file as it arrives: it is never held in memory nor written to disk."""
    upload = SimpleUploadedFile("big.json", b"x" * 5_000_000, content_type="application/json")
    response = signed_in.post(reverse("connectors:lab-upload"), {"file": upload})
    assert response.status_code == 400
    assert "This lab file is larger than" in response.content.decode()
    assert response.wsgi_request.oversized_uploads["file"] <= small_limit + 65_536  # one chunk past the limit


def test_a_lab_file_within_the_limit_still_uploads(signed_in, lab, settings):
    download = signed_in.get(reverse("connectors:lab-download", args=[lab.slug])).content
    settings.EXCHSIM_LAB_FILE_MAX_BYTES = len(download)
    upload = SimpleUploadedFile("lab.json", download, content_type="application/json")
    assert signed_in.post(reverse("connectors:lab-upload"), {"file": upload}).status_code == 302


def test_loadlab_refuses_an_oversized_file_before_reading_it(tmp_path, lab, small_limit, monkeypatch):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2_000_000)
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(CommandError, match=r"This lab file is 1.9 MB; the largest lab file this exchsim loads is"):
        call_command("loadlab", str(path), "--slug", "big")
    assert not Lab.objects.filter(slug="big").exists()


def test_loadlab_refuses_oversized_standard_input(lab, small_limit, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b" " * 200_000)))
    with pytest.raises(CommandError, match="This lab file is larger than 100,000 bytes"):
        call_command("loadlab", "-", "--slug", "big")


def test_loadlab_accepts_the_byte_order_mark_the_upload_accepts(tmp_path, lab):
    path = tmp_path / "notepad.json"
    path.write_bytes(b"\xef\xbb\xbf" + labfile.dump_lab(lab).encode())
    call_command("loadlab", str(path), "--slug", "from-notepad", stdout=io.StringIO())
    assert labfile.dump_lab(Lab.objects.get(slug="from-notepad")) == labfile.dump_lab(lab)
