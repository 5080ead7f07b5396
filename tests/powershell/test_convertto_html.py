"""ConvertTo-Html writes the page Windows PowerShell 5.1 writes, values HTML-encoded; Export-Csv and ConvertTo-Html
say once that EMS would lose a multi-valued property's values."""

from connectors.exchange import ems

from .orgs import template

DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"  "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
)


def run(script):
    result = ems.run_script(template(), script)
    assert result.error is None, result.error
    return result


def test_it_writes_a_strict_page_with_the_first_objects_columns():
    script = (
        "[pscustomobject]@{Name='Relay'; Port=25}, [pscustomobject]@{Name='Client'} | "
        "ConvertTo-Html -PreContent '<h1>Connectors</h1>' -PostContent 'end'"
    )
    assert run(script).output == [
        DOCTYPE,
        '<html xmlns="http://www.w3.org/1999/xhtml">',
        "<head>",
        "<title>HTML TABLE</title>",
        "</head><body>",
        "<h1>Connectors</h1>",
        "<table>",
        "<colgroup><col/><col/></colgroup>",
        "<tr><th>Name</th><th>Port</th></tr>",
        "<tr><td>Relay</td><td>25</td></tr>",
        "<tr><td>Client</td><td></td></tr>",
        "</table>",
        "end",
        "</body></html>",
    ]


def test_a_fragment_of_lab_objects_by_property_with_values_encoded():
    script = (
        "Set-ReceiveConnector 'EX01\\Default EX01' -Comment '<b>relay & co</b>'; "
        "Get-ReceiveConnector 'EX01\\Default EX01' | ConvertTo-Html Name, Comment, MaxMessageSize -Fragment"
    )
    assert run(script).output == [
        "<table>",
        "<colgroup><col/><col/><col/></colgroup>",
        "<tr><th>Name</th><th>Comment</th><th>MaxMessageSize</th></tr>",
        "<tr><td>Default EX01</td><td>&lt;b&gt;relay &amp; co&lt;/b&gt;</td><td>36 MB (37,748,736 bytes)</td></tr>",
        "</table>",
    ]


def test_as_list_writes_a_two_column_table_per_object_and_title_and_head():
    script = "[pscustomobject]@{A=1}, [pscustomobject]@{A=2} | ConvertTo-Html -As List -Title 'Report'"
    lines = run(script).output
    assert "<title>Report</title>" in lines
    assert lines[lines.index("<table>") :] == [
        "<table>",
        "<tr><td>A:</td><td>1</td></tr>",
        "<tr><td><hr></td></tr>",
        "<tr><td>A:</td><td>2</td></tr>",
        "</table>",
        "</body></html>",
    ]
    head = run("1 | ConvertTo-Html -Head '<style>td{}</style>' -Title ignored").output
    assert "<style>td{}</style>" in head and not any("ignored" in line for line in head)


def test_a_calculated_property_and_out_file_make_a_report():
    script = (
        "Get-ReceiveConnector | Select-Object Name, @{n='Ranges'; e={$_.RemoteIPRanges -join ' '}} | "
        "ConvertTo-Html | Out-File C:\\Temp\\report.html"
    )
    report = run(script).files["report.html"]
    assert "<tr><th>Name</th><th>Ranges</th></tr>" in report
    assert "<tr><td>Default EX01</td><td>0.0.0.0-255.255.255.255 ::-ffff" in report


def test_it_refuses_an_as_outside_table_and_list():
    result = ems.run_script(template(), "1 | ConvertTo-Html -As Grid")
    assert result.error.startswith("Cannot validate argument on parameter 'As'. The argument \"Grid\"")


def test_a_list_value_written_to_a_file_notes_once_that_ems_would_lose_it():
    result = run(
        "Get-ReceiveConnector | Select Name, RemoteIPRanges | Export-Csv a.csv; "
        "Get-ReceiveConnector | Select Name, RemoteIPRanges | Export-Csv b.csv"
    )
    notes = [line for line in result.output if line.startswith("NOTE: In EMS, Export-Csv")]
    assert len(notes) == 1
    assert "multi-valued property (RemoteIPRanges) as its type's name and loses the values" in notes[0]
    assert "-join ','" in notes[0]
    joined = run("Get-ReceiveConnector | Select Name, @{n='R'; e={$_.RemoteIPRanges -join ','}} | Export-Csv c.csv")
    assert not any(line.startswith("NOTE:") for line in joined.output)


def test_values_are_encoded_as_webutility_htmlencode_encodes_them():
    # .NET's WebUtility.HtmlEncode also writes U+00A0..U+00FF and characters past U+FFFF as numbered entities
    script = "[pscustomobject]@{Name='Relais für Zürich €'; Note=\"a'b 😀\"} | ConvertTo-Html -Fragment"
    assert run(script).output[3] == "<tr><td>Relais f&#252;r Z&#252;rich €</td><td>a&#39;b &#128512;</td></tr>"


def test_an_object_without_properties_after_the_heading_is_a_row_of_empty_cells():
    # ConvertToHtml.cs resolves the columns from the first object that has any; each later object writes a row
    script = (
        "(New-Object PSObject), [pscustomobject]@{A=1}, (New-Object PSObject), [pscustomobject]@{A=2} | "
        "ConvertTo-Html -Fragment"
    )
    assert run(script).output[3:] == ["<tr><td>1</td></tr>", "<tr><td></td></tr>", "<tr><td>2</td></tr>", "</table>"]


def test_property_hashtables_width_and_alignment_go_into_the_col_tags():
    # ConvertToHtml.cs WriteColumns: <col width = "20" align = "right"/>, a wildcard's columns each without them
    script = (
        "[pscustomobject]@{A=1; B=2; Bx=4; C=3} | "
        "ConvertTo-Html @{e='A'; w=20; a='right'}, 'B*', @{e='C'; Width='5%'} -Fragment"
    )
    assert (
        run(script).output[1]
        == '<colgroup><col width = "20" align = "right"/><col/><col/><col width = "5%"/></colgroup>'
    )
