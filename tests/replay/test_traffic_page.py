"""The Traffic page: logs uploaded to a lab, kept with it, and what they show there and on a what-if copy."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connectors import labs, models, traffic
from connectors.exchange.acl import remove_ad_permission
from connectors.exchange.catalogue import ACCEPT_ANY_RECIPIENT, ANONYMOUS_LOGON
from connectors.store import lab_to_org, save_org
from tests.replay.logs import FRONTEND_2019_FILES


@pytest.fixture
def demo(owner):
    return labs.create_demo_lab("demo", owner=owner)


def _files():
    return [SimpleUploadedFile(path.name, path.read_bytes()) for path in FRONTEND_2019_FILES]


def _upload(client, lab, files):
    return client.post(reverse("connectors:traffic-upload", args=[lab.slug]), {"logs": files}, follow=True)


def test_uploaded_logs_are_kept_with_the_lab_and_show_who_uses_what(signed_in, demo, owner):
    page = _upload(signed_in, demo, _files())
    assert page.status_code == 200
    (upload,) = models.TrafficUpload.objects.filter(lab=demo)
    assert (upload.state, upload.sessions, upload.messages, upload.malformed_lines) == ("done", 4, 4, 1)
    assert upload.user == owner
    assert upload.files == "RECV20240101-1.LOG\nRECV20240101-2.LOG"
    text = page.content.decode()
    assert "Read 78 lines: 4 sessions, 4 messages, 1 malformed line skipped." in text  # one line, one session: singular
    assert "EX01\\Anonymous Relay" in text
    assert "10.0.0.50" in text
    assert "RECV20240101-1.LOG:33: 1 fields where the #Fields line names 9" in text  # no spool folder in the name
    assert "The model agrees with the logs" in text
    assert not list(traffic.spool_root().glob("demo-*"))  # the files are deleted once read


def test_a_what_if_copy_shows_whose_mail_its_change_breaks(signed_in, demo, owner):
    _upload(signed_in, demo, _files())
    copy = labs.copy_lab(demo, "demo-copy", owner=owner)
    org = lab_to_org(copy)
    relay = org.connector("EX01", "Anonymous Relay")
    relay = relay.with_changes(acl=remove_ad_permission(relay.acl, ANONYMOUS_LOGON, ACCEPT_ANY_RECIPIENT))
    save_org(copy, org.with_changes(connectors=tuple(relay if c.name == relay.name else c for c in org.connectors)))
    text = signed_in.get(reverse("connectors:traffic", args=[copy.slug])).content.decode()
    assert "demo (copied from)" in text or "(copied from)" in text
    assert "10.0.0.50 sent 1 message to 1 outside domain through Anonymous Relay; after this change it gets " in text
    assert "550 5.7.1 Unable to relay" in text
    assert "Remove-ADPermission" in text


def test_a_zip_of_logs_is_read_and_a_broken_one_is_refused_in_words(signed_in, demo):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in FRONTEND_2019_FILES:
            zipped.write(path, f"SmtpReceive/{path.name}")
    _upload(signed_in, demo, [SimpleUploadedFile("logs.zip", archive.getvalue())])
    assert models.TrafficUpload.objects.get(lab=demo).sessions == 4
    page = _upload(signed_in, demo, [SimpleUploadedFile("broken.zip", b"PK\x03\x04 not a zip")])
    assert page.status_code == 400
    assert "broken.zip: not a readable zip archive" in page.content.decode()


def test_logs_over_the_limit_are_refused_before_they_are_read(signed_in, demo, settings):
    settings.EXCHSIM_TRAFFIC_MAX_BYTES = 1000
    page = _upload(signed_in, demo, _files())
    assert page.status_code == 400
    assert "These logs are too large" in page.content.decode()
    assert not models.TrafficUpload.objects.exists()


def test_a_large_upload_is_read_in_the_background_and_the_page_polls(signed_in, demo, settings, monkeypatch):
    settings.EXCHSIM_TRAFFIC_INLINE_BYTES = 0
    started = []
    monkeypatch.setattr(traffic, "in_background", lambda work, *args: started.append((work, args)))
    _upload(signed_in, demo, _files())
    upload = models.TrafficUpload.objects.get(lab=demo)
    assert upload.state == "reading"
    status = reverse("connectors:traffic-status", args=[demo.slug, upload.pk])
    page = signed_in.get(reverse("connectors:traffic", args=[demo.slug])).content.decode()
    assert f'hx-get="{status}"' in page
    assert "<progress" in page
    assert signed_in.get(status, HTTP_HX_REQUEST="true").content.decode().count("<progress") == 1
    ((target, args),) = started
    traffic.read_upload(*args)  # what the thread runs
    finished = signed_in.get(status, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert models.TrafficUpload.objects.get(pk=upload.pk).state == "done"


def test_only_the_owner_uploads(client, demo, django_user_model):
    client.force_login(django_user_model.objects.create_user("mallory", password="secret-pass-1"))
    assert _upload(client, demo, _files()).status_code == 404


def test_files_uploaded_out_of_order_are_read_in_the_order_exchange_wrote_them(signed_in, demo):
    _upload(signed_in, demo, list(reversed(_files())))
    upload = models.TrafficUpload.objects.get(lab=demo)
    assert upload.sessions == 4  # alice's session, from -1 into -2, is one
    assert upload.files == "RECV20240101-2.LOG\nRECV20240101-1.LOG"  # as uploaded
