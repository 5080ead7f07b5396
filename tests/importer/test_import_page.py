"""The dashboard's Import page: the same import as manage.py importconfig, its report, the lab to open; refusals
save nothing; large files are read in the background with progress."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connectors import labs, models

DATA = Path(__file__).parent / "data"
URL = reverse("connectors:lab-import")


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type="application/xml")


def _post(client, *names, **fields):
    return client.post(URL, {"exports": [_file(n) for n in names], **fields})


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


def test_it_imports_the_files_and_shows_the_report_with_the_lab_to_open(alice_client, alice):
    response = _post(alice_client, "ReceiveConnector-2019.xml", "AcceptedDomain.xml", version="2019", name="Prod")
    run = models.ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?run={run.pk}"
    page = alice_client.get(response["Location"]).content.decode()
    lab = models.Lab.objects.get(name="Prod")
    assert lab.owner == alice
    assert run.lab == lab
    assert "Imported 1 server, 1 receive connector" in page
    assert reverse("connectors:lab-detail", args=[lab.slug]) in page
    assert "Open the lab" in page
    assert "Exported properties exchsim doesn't use" in page
    assert "Guid (1)" in page
    assert "Audit of the imported lab" in page


def test_it_refuses_the_whole_import_and_saves_no_lab(alice_client):
    response = _post(alice_client, "ReceiveConnector-2019.xml", "ADPermission.xml", version="2019")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "ADPermission.xml, object 1 (EX01\\Relay): Identity:" in page
    assert not models.Lab.objects.exists()


def test_it_asks_for_the_version_in_words(alice_client):
    response = _post(alice_client, "ReceiveConnector-2019.xml")
    assert response.status_code == 400
    assert "or give the version: Exchange version on the Import page, --version SE on the command line" in (
        response.content.decode()
    )  # the page's own field, not only the command's option


def test_it_compares_with_an_earlier_lab(alice_client, alice):
    earlier = labs.create_lab_from_template("exchange2019", slug="earlier", owner=alice)
    _post(alice_client, "ReceiveConnector-2019.xml", version="2019", baseline="earlier")
    lab = models.ImportRun.objects.get().lab
    assert lab.baseline == earlier
    assert labs.baseline_org(lab) == labs.lab_to_org(earlier)


def test_it_refuses_files_over_the_limit(alice_client, settings):
    settings.EXCHSIM_IMPORT_MAX_BYTES = 100
    response = _post(alice_client, "ReceiveConnector-2019.xml", version="2019")
    assert response.status_code == 400
    assert "EXCHSIM_IMPORT_MAX_BYTES" in response.content.decode()
    assert not models.ImportRun.objects.exists()


def test_it_shows_progress_while_reading_in_the_background(alice_client, alice, settings, monkeypatch):
    from connectors import imports

    settings.EXCHSIM_IMPORT_INLINE_BYTES = 10
    started = []
    monkeypatch.setattr(imports, "in_background", lambda work, *args: started.append((work, args)))
    response = _post(alice_client, "ReceiveConnector-2019.xml", version="2019")
    run = models.ImportRun.objects.get()
    assert response["Location"] == URL
    assert run.state == models.ImportRun.READING
    page = alice_client.get(URL).content.decode()
    assert reverse("connectors:lab-import-status", args=[run.pk]) in page
    assert "Reading ReceiveConnector-2019.xml" in page
    status = alice_client.get(reverse("connectors:lab-import-status", args=[run.pk]))
    assert "0% of" in status.content.decode()
    target, args = started[0]
    imports.run_import(*args)  # what the thread does
    done = alice_client.get(reverse("connectors:lab-import-status", args=[run.pk]))
    assert done["HX-Redirect"] == f"{URL}?run={run.pk}"
    assert models.ImportRun.objects.get().lab is not None


def test_it_shows_no_one_else_s_imports(alice_client, bob, client):
    _post(alice_client, "ReceiveConnector-2019.xml", version="2019")
    run = models.ImportRun.objects.get()
    client.force_login(bob)
    page = client.get(f"{URL}?run={run.pk}").content.decode()
    assert "Import report" not in page
    assert "ReceiveConnector-2019.xml" not in page


def test_it_offers_the_collector_script_and_is_linked_from_the_labs_list(alice_client):
    script = alice_client.get(reverse("connectors:lab-import-collector"))
    assert script["Content-Disposition"] == 'attachment; filename="Collect-Exchsim.ps1"'
    assert "Get-ReceiveConnector" in script.content.decode()
    assert "Export-Clixml" in script.content.decode()
    assert URL in alice_client.get(reverse("connectors:lab-list")).content.decode()
