"""ConvertTo-Html's text, as Windows PowerShell 5.1 (EMS's) writes it: one string per line it writes, an XHTML 1.0
Strict page (or with -Fragment only the table), a table of the first object's columns or, with -As List, a two-column
table per object. Values are HTML-encoded as .NET's WebUtility.HtmlEncode encodes them, so a connector's comment
can't become markup in the report. Source: PowerShell/PowerShell `ConvertToHtml.cs` (BeginProcessing, WriteColumns,
WriteListEntry, EndProcessing); MicrosoftDocs/PowerShell-Docs reference/5.1 ConvertTo-Html.md.
"""

from __future__ import annotations

from collections.abc import Iterable

DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"  "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
)
DEFAULT_TITLE = "HTML TABLE"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}


def encode(text: str) -> str:
    """WebUtility.HtmlEncode: the five markup characters by name, and by number the Latin-1 characters from U+00A0
    to U+00FF (`é` is `&#233;`) and those beyond the Basic Multilingual Plane."""
    return "".join(_ENTITIES.get(char) or (f"&#{ord(char)};" if _numbered(char) else char) for char in text)


def _numbered(char: str) -> bool:
    code = ord(char)
    return 160 <= code < 256 or code > 0xFFFF


def page(
    rows: Iterable[dict[str, str]],
    *,
    as_list: bool = False,
    fragment: bool = False,
    title: str | None = None,
    head: list[str] | None = None,
    body: list[str] | None = None,
    css_uri: str | None = None,
    pre_content: list[str] | None = None,
    post_content: list[str] | None = None,
    widths: list[tuple[str | None, str | None]] | tuple = (),
) -> list[str]:
    """The lines for `rows` (each object's columns by name, its values as text). -Head replaces the title; -Title,
    -Head, -Body and -PreContent/-PostContent are written as given (PowerShell doesn't encode them). `widths` is each
    column's Width and Alignment from -Property's hashtables."""
    lines: list[str] = []
    if not fragment:
        lines += [DOCTYPE, '<html xmlns="http://www.w3.org/1999/xhtml">', "<head>"]
        lines += head if head is not None else [f"<title>{DEFAULT_TITLE if title is None else title}</title>"]
        if css_uri is not None:
            lines.append(f'<link rel="stylesheet" type="text/css" href="{css_uri}" />')
        lines.append("</head><body>")
        lines += body or []
    lines += pre_content or []
    lines.append("<table>")
    columns: list[str] | None = None
    for number, row in enumerate(rows, start=1):
        if not row and (as_list or columns is None):  # nothing to head a table with; a later one fills a row
            continue
        if as_list:  # each object its own properties, a rule between objects
            if number > 1:
                lines.append("<tr><td><hr></td></tr>")
            lines += [f"<tr><td>{name}:</td><td>{encode(value)}</td></tr>" for name, value in row.items()]
            continue
        if columns is None:  # the first object's columns head the table; the others fill them or leave them empty
            columns = list(row)
            lines.append("<colgroup>" + "".join(_col(*_nth(widths, n)) for n in range(len(columns))) + "</colgroup>")
            lines.append("<tr>" + "".join(f"<th>{name}</th>" for name in columns) + "</tr>")
        lines.append("<tr>" + "".join(f"<td>{encode(row.get(name, ''))}</td>" for name in columns) + "</tr>")
    lines.append("</table>")
    lines += post_content or []
    if not fragment:
        lines.append("</body></html>")
    return lines


def _nth(given, n: int) -> tuple[str | None, str | None]:
    return given[n] if n < len(given) else (None, None)


def _col(width: str | None, alignment: str | None) -> str:
    """One column's tag as WriteColumns writes it, a -Property hashtable's Width and Alignment with spaces around
    each `=`."""
    return (
        "<col"
        + (f' width = "{width}"' if width is not None else "")
        + (f' align = "{alignment}"' if alignment is not None else "")
        + "/>"
    )
