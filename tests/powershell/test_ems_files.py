"""manage.py ems --files DIR (scripts read and write that folder's own files, nothing beyond it) and --dry-run."""

import io
import os

import pytest
from django.core.management import CommandError, call_command

from connectors import labfile, labs
from connectors.store import lab_to_org

pytestmark = pytest.mark.django_db

ADD_FROM_CSV = (
    "Import-Csv C:\\temp\\relays.csv | ForEach-Object { "
    "Set-ReceiveConnector 'EX01\\Default EX01' -RemoteIPRanges @{Add=$_.IP} }\n"
)


@pytest.fixture
def lab():
    return labs.create_lab_from_template("exchange2007", slug="files")


def _ems(script, *options, tmp_path):
    path = tmp_path / "script.ps1"
    path.write_text(script, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("ems", "files", "--file", str(path), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _ranges(lab):
    return {r.text for r in lab_to_org(lab).connector("EX01", "Default EX01").remote_ip_ranges}


def test_a_script_reads_a_csv_of_the_folder(lab, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "relays.csv").write_text("IP\n10.0.0.60\n10.0.0.61\n", encoding="utf-8")
    _ems(ADD_FROM_CSV, "--files", str(folder), tmp_path=tmp_path)
    assert {"10.0.0.60", "10.0.0.61"} <= _ranges(lab)


def test_a_file_the_script_writes_lands_in_the_folder(lab, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    _, err = _ems("Get-ReceiveConnector | Export-Csv D:\\reports\\rc.csv", "--files", str(folder), tmp_path=tmp_path)
    assert "EX01\\Default EX01" in (folder / "rc.csv").read_text(encoding="utf-8")
    assert f"wrote {folder / 'rc.csv'}" in err


def test_nothing_beyond_the_folder_is_read(lab, tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (tmp_path / "secret.csv").write_text("IP\n10.9.9.9\n", encoding="utf-8")
    (folder / "sub" / "relays.csv").write_text("IP\n10.9.9.8\n", encoding="utf-8")
    os.symlink(tmp_path / "secret.csv", folder / "relays.csv")
    with pytest.raises(CommandError, match="Stopped at the first error"):
        _ems(ADD_FROM_CSV, "--files", str(folder), tmp_path=tmp_path)
    assert not {"10.9.9.9", "10.9.9.8"} & _ranges(lab)


def test_nothing_is_written_through_a_link(lab, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    outside = tmp_path / "outside.csv"
    outside.write_text("keep", encoding="utf-8")
    os.symlink(outside, folder / "rc.csv")
    _, err = _ems("Get-AcceptedDomain | Export-Csv rc.csv", "--files", str(folder), tmp_path=tmp_path)
    assert outside.read_text(encoding="utf-8") == "keep"
    assert "'rc.csv' was written by the script but not saved" in err


def test_without_files_a_written_file_is_not_saved_and_says_so(lab, tmp_path):
    _, err = _ems("Get-AcceptedDomain | Export-Csv domains.csv", tmp_path=tmp_path)
    assert "domains.csv was written by the script but not saved: no --files DIR." in err


def test_a_missing_folder_is_a_clear_error(lab, tmp_path):
    with pytest.raises(CommandError, match="there's no such folder"):
        _ems("Get-AcceptedDomain", "--files", str(tmp_path / "nope"), tmp_path=tmp_path)


def test_a_dry_run_prints_the_plan_and_changes_nothing(lab, tmp_path):
    before = labfile.dump_lab(lab)
    folder = tmp_path / "out"
    folder.mkdir()
    script = "Set-ReceiveConnector 'EX01\\Default EX01' -Comment dry\nGet-AcceptedDomain | Export-Csv d.csv"
    out, err = _ems(script, "--dry-run", "--files", str(folder), tmp_path=tmp_path)
    assert 'What if: Configuring Receive connector "EX01\\Default EX01".' in out
    assert "Plan of the whole script (dry run: nothing was changed):" in out
    assert "d.csv was written by the script but not saved: a dry run writes nothing." in err
    assert labfile.dump_lab(lab) == before
    assert not list(folder.iterdir())


def test_atomic_still_keeps_the_lab_when_a_script_fails(lab, tmp_path):
    before = labfile.dump_lab(lab)
    script = "Set-ReceiveConnector 'EX01\\Default EX01' -Comment x\nRemove-ReceiveConnector 'EX01\\Nope'"
    with pytest.raises(CommandError, match="nothing was applied"):
        _ems(script, "--atomic", tmp_path=tmp_path)
    assert labfile.dump_lab(lab) == before
