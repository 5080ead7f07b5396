"""ConvertTo-Csv and Export-Csv write a value holding a line break inside its quotes, in one record, and the files
they write read back as the objects that went in."""

from connectors.exchange import ems

from .orgs import template

BANNER = "$o = [pscustomobject]@{Name='Relay'; Note=\"two`nlines\"}"


def run(script, files=None):
    result = ems.run_script(template(), script, files=files or {})
    assert result.error is None, result.error
    return result


def test_convertto_csv_returns_a_record_with_a_line_break_as_one_string():
    result = run(BANNER + "; $csv = $o | ConvertTo-Csv -NoTypeInformation; $csv.Count; $csv[1]")
    assert result.output == ["2", '"Relay","two\nlines"']


def test_convertto_csv_output_reads_back_through_convertfrom_csv():
    result = run(BANNER + "; ($o | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv).Note.Length")
    assert result.output == ["9"]


def test_export_csv_with_a_line_break_reads_back_as_one_object():
    result = run(BANNER + "; $o | Export-Csv out.csv -NoTypeInformation; @(Import-Csv out.csv).Count")
    assert result.output == ["1"]
    assert result.files["out.csv"] == '"Name","Note"\n"Relay","two\nlines"\n'


def test_export_csv_append_takes_the_columns_of_the_file_it_extends():
    files = {"out.csv": '#TYPE Old\n"Note","Name"\n"x","y"\n'}
    result = run(BANNER + "; $o | Export-Csv out.csv -Append", files)
    assert result.files["out.csv"] == '#TYPE Old\n"Note","Name"\n"x","y"\n"two\nlines","Relay"\n'


def test_a_single_imported_row_has_no_count_as_in_windows_powershell_but_a_string_does():
    # Windows PowerShell 5.1 (EMS's) gives a PSCustomObject no Count; PowerShell 6.1 added it (PowerShell#5745)
    result = run("(Import-Csv r.csv).Count; @(Import-Csv r.csv).Count; 'x'.Count", {"r.csv": "a\n1\n"})
    assert result.output == ["1", "1"]
