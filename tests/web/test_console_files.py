"""Files in the web console: uploads scripts read (Import-Csv, Get-Content), files scripts write (Export-Csv,
Out-File) offered as downloads, kept per lab in the session within EXCHSIM_CONSOLE_FILES_MAX_BYTES; nothing else on
disk is reachable."""

import codecs

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connectors import labs
from connectors.store import lab_to_org
from tests.helpers import HTMX

CSV = b"IP,Note\n10.0.0.60,printer\n10.0.0.61,scanner\n"
ADD_FROM_CSV = (
    "Import-Csv C:\\temp\\relays.csv | ForEach-Object { "
    "Set-ReceiveConnector 'EX01\\Client EX01' -RemoteIPRanges @{Add=$_.IP} }"
)


def _upload(client, lab, *files, **extra):
    uploads = [SimpleUploadedFile(name, data, content_type="text/csv") for name, data in files]
    return client.post(reverse("connectors:console-upload", args=[lab.slug]), {"console_files": uploads}, **extra)


def _run(client, lab, command, **switches):
    data = {"command": command, **{name: "on" for name, on in switches.items() if on}}
    response = client.post(reverse("connectors:console", args=[lab.slug]), data, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def _ranges(lab):
    return {r.text for r in lab_to_org(lab).connector("EX01", "Client EX01").remote_ip_ranges}


def test_a_script_reads_an_uploaded_csv(signed_in, lab):
    response = _upload(signed_in, lab, ("relays.csv", CSV))
    assert response.status_code == 302
    body = _run(signed_in, lab, ADD_FROM_CSV)
    assert "# changed EX01\\Client EX01" in body
    assert {"10.0.0.60", "10.0.0.61"} <= _ranges(lab)


def test_the_page_lists_the_files_with_download_and_remove(signed_in, lab):
    body = _upload(signed_in, lab, ("relays.csv", CSV), **HTMX).content.decode()
    assert 'href="/labs/seed-lab/console/files/relays.csv" download>relays.csv</a>' in body
    assert "Remove relays.csv" in body
    remove = reverse("connectors:console-file-remove", args=[lab.slug, "relays.csv"])
    assert signed_in.post(remove).status_code == 302
    body = _run(signed_in, lab, ADD_FROM_CSV)
    assert "Cannot find path" in body


def test_a_file_the_script_writes_is_a_download(signed_in, lab):
    body = _run(signed_in, lab, "Get-ReceiveConnector | Select-Object Identity,Enabled | Export-Csv C:\\out\\rc.csv")
    assert '# wrote <a href="/labs/seed-lab/console/files/rc.csv" download>rc.csv</a>' in body
    response = signed_in.get(reverse("connectors:console-file", args=[lab.slug, "rc.csv"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="rc.csv"'
    assert "EX01\\Client EX01" in response.content.decode()


def test_a_dry_run_keeps_no_file(signed_in, lab):
    body = _run(signed_in, lab, "Get-AcceptedDomain | Export-Csv domains.csv", dry_run=True)
    assert "domains.csv was written by the script but not kept: a dry run keeps nothing" in body
    assert signed_in.get(reverse("connectors:console-file", args=[lab.slug, "domains.csv"])).status_code == 404


def test_utf16_from_windows_powershell_reads_as_text(signed_in, lab):
    _upload(signed_in, lab, ("relays.csv", codecs.BOM_UTF16_LE + CSV.decode().encode("utf-16-le")))
    _run(signed_in, lab, ADD_FROM_CSV)
    assert "10.0.0.60" in _ranges(lab)


def test_files_beyond_the_limit_are_refused_in_words_and_nothing_is_kept(signed_in, lab, settings):
    settings.EXCHSIM_CONSOLE_FILES_MAX_BYTES = 60
    assert _upload(signed_in, lab, ("a.csv", CSV)).status_code == 302
    body = _upload(signed_in, lab, ("b.csv", CSV), **HTMX).content.decode()
    assert "These files are too large (44 bytes, beside 44 bytes kept already)" in body
    assert "EXCHSIM_CONSOLE_FILES_MAX_BYTES" in body
    body = _run(signed_in, lab, "Get-ReceiveConnector | Export-Csv big.csv")
    assert "big.csv (" in body
    assert "was not kept: the console keeps up to 60 bytes of files per lab" in body


def test_an_upload_past_the_limit_is_dropped_while_it_arrives(signed_in, lab, settings):
    settings.EXCHSIM_CONSOLE_FILES_MAX_BYTES = 10
    response = _upload(signed_in, lab, ("big.csv", CSV * 100))
    assert response.status_code == 400
    assert "These files are too large: the console keeps up to 10 bytes" in response.content.decode()


def test_a_file_that_isnt_text_is_refused(signed_in, lab):
    response = _upload(signed_in, lab, ("photo.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF"))
    assert response.status_code == 400
    assert "photo.csv isn&#x27;t text" in response.content.decode()


def test_paths_reach_only_the_sessions_files(signed_in, lab):
    _upload(signed_in, lab, ("..\\..\\settings.py", b"uploaded"))  # kept under its own name only
    body = _run(signed_in, lab, "Get-Content ..\\..\\exchsim\\settings.py")
    assert '<span class="out">uploaded</span>' in body, "a path names the session's file of that name"
    assert "SECRET_KEY" not in body
    body = _run(signed_in, lab, "Get-Content /etc/passwd")
    assert "Cannot find path" in body
    response = signed_in.get(reverse("connectors:console-file", args=[lab.slug, "settings.py"]))
    assert response.content == b"uploaded"


def test_each_lab_has_its_own_files(signed_in, lab, owner):
    other = labs.create_lab_from_template("exchange2007", owner=owner, name="Other lab")
    _upload(signed_in, lab, ("relays.csv", CSV))
    assert signed_in.get(reverse("connectors:console-file", args=[other.slug, "relays.csv"])).status_code == 404
    body = _run(signed_in, other, ADD_FROM_CSV.replace("EX01\\Client EX01", "EX01\\Default EX01"))
    assert "Cannot find path" in body


def test_someone_elses_lab_has_no_files_for_you(client, lab, django_user_model):
    client.force_login(django_user_model.objects.create_user("mallory", password="secret-pass-1"))
    assert client.get(reverse("connectors:console-file", args=[lab.slug, "relays.csv"])).status_code == 404
    assert _upload(client, lab, ("relays.csv", CSV)).status_code == 404
