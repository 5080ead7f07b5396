"""manage.py importconfig: all or nothing, the report, --dry-run, --baseline, --version and the size limit."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from connectors import labfile, labs, models

DATA = Path(__file__).parent / "data"
CONNECTOR = str(DATA / "ReceiveConnector-2019.xml")
DOMAINS = str(DATA / "AcceptedDomain.xml")


def _run(*args) -> str:
    out = StringIO()
    call_command("importconfig", *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_report_and_saves_nothing_on_a_dry_run(db):
    text = _run("prod", CONNECTOR, DOMAINS, "--version", "2019", "--dry-run")
    assert "1 server, 1 receive connector" in text
    assert "2 accepted domains" in text
    assert "Not used by exchsim (ReceiveConnector): " in text
    assert "Guid (1)" in text
    assert "Audit: " in text
    assert "Dry run: nothing was saved." in text
    assert not models.Lab.objects.exists()


def test_it_creates_the_lab_whose_baseline_is_the_import(db):
    text = _run("prod", CONNECTOR, DOMAINS, "--version", "2019", "--name", "Production 1 December")
    lab = models.Lab.objects.get(slug="prod")
    assert "Imported lab 'prod'" in text
    assert lab.name == "Production 1 December"
    assert lab.servers.get().version == "2019"
    assert labs.baseline_org(lab) == labs.lab_to_org(lab)  # nothing changed since the import: an empty plan
    assert '"name": "Default Frontend EX01"' in labfile.dump_lab(lab)


def test_it_makes_an_earlier_lab_the_baseline_so_the_plan_shows_drift(db):
    earlier = labs.create_lab_from_template("exchange2019", slug="earlier")
    text = _run("prod", CONNECTOR, DOMAINS, "--version", "2019", "--baseline", "earlier")
    lab = models.Lab.objects.get(slug="prod")
    assert lab.baseline == earlier
    assert "what changed since" in text
    assert labs.baseline_org(lab) == labs.lab_to_org(earlier)
    assert labs.baseline_org(lab) != labs.lab_to_org(lab)


def test_it_refuses_the_whole_import_naming_file_object_and_property(db):
    with pytest.raises(CommandError) as refused:
        _run("prod", CONNECTOR, DOMAINS, str(DATA / "ADPermission.xml"), "--version", "2019")
    assert "Nothing was imported" in str(refused.value)
    assert "ADPermission.xml, object 1 (EX01\\Relay): Identity:" in str(refused.value)
    assert not models.Lab.objects.exists()


def test_it_asks_for_version_when_the_files_do_not_settle_it(db):
    with pytest.raises(CommandError, match="or give the version: .*--version SE on the command line"):
        _run("prod", CONNECTOR)
    with pytest.raises(CommandError, match="Unknown Exchange version 'XP'"):
        _run("prod", CONNECTOR, "--version", "XP")
    assert not models.Lab.objects.exists()


def test_it_refuses_files_over_the_limit_before_reading_them(db, settings):
    settings.EXCHSIM_IMPORT_MAX_BYTES = 100
    with pytest.raises(CommandError, match="EXCHSIM_IMPORT_MAX_BYTES"):
        _run("prod", CONNECTOR, "--version", "2019")


def test_it_says_which_file_it_cannot_read(db, tmp_path):
    with pytest.raises(CommandError, match="Can't read .*missing.xml"):
        _run("prod", str(tmp_path / "missing.xml"))
    junk = tmp_path / "notes.txt"
    junk.write_text("Dear admin, here is the config you asked for.\n")
    with pytest.raises(CommandError, match="notes.txt"):
        _run("prod", str(junk))


def test_it_refuses_a_slug_that_is_taken_and_an_unknown_baseline(db):
    labs.create_lab_from_template("exchange2019", slug="prod")
    with pytest.raises(CommandError, match="slug 'prod' already exists"):
        _run("prod", CONNECTOR, "--version", "2019")
    with pytest.raises(CommandError, match="no lab called 'gone'"):
        _run("prod2", CONNECTOR, "--version", "2019", "--baseline", "gone")
    assert models.Lab.objects.count() == 1


def test_it_refuses_a_zip_member_that_unpacks_past_the_limit(db, settings, tmp_path):
    import zipfile

    settings.EXCHSIM_IMPORT_MAX_UNPACKED_BYTES = 1000
    archive = tmp_path / "collect.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.write(CONNECTOR, "ReceiveConnector.xml")
    with pytest.raises(CommandError, match="collect.zip/ReceiveConnector.xml"):
        _run("prod", str(archive), "--version", "2019")
    assert not models.Lab.objects.exists()


def test_it_refuses_a_name_the_owner_already_has_before_reading(db):
    _run("prod", CONNECTOR, "--version", "2019", "--name", "Production")
    with pytest.raises(CommandError, match="already have a lab called 'production'"):
        _run("prod2", CONNECTOR, "--version", "2019", "--name", "production")
    assert models.Lab.objects.count() == 1


def test_it_says_in_words_when_a_reader_fails_unexpectedly(db, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("RefId")

    monkeypatch.setattr("connectors.imports.import_lab", broken)
    with pytest.raises(CommandError, match=r"internal error \(KeyError\) stopped the import; nothing was saved"):
        _run("prod", CONNECTOR, "--version", "2019")
    assert not models.Lab.objects.exists()


def test_it_reads_the_collectors_folder_when_it_was_left_unzipped(db, tmp_path):
    # PowerShell 2.0 (Exchange 2010's shell) has no Compress-Archive: the collector leaves its folder of .xml files.
    from connectors.exchange import orgexport
    from connectors.labtemplates import template_org

    org = template_org("exchange2010")
    orgexport.export(org, tmp_path / "Exchsim-Collect")
    text = _run("prod", str(tmp_path / "Exchsim-Collect"))
    lab = models.Lab.objects.get(slug="prod")
    assert "Read 9 files: AcceptedDomain.xml, ADPermission.xml, ExchangeServer.xml" in text
    assert labfile.org_to_data(labs.lab_to_org(lab)) == labfile.org_to_data(org)
