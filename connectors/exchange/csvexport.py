"""Reading Export-Csv: one row per object, a header of property names, `#TYPE <type name>` on top unless
-NoTypeInformation was given (the default from PowerShell 6 on), comma-separated or `;` (-UseCulture in cultures
whose list separator is the semicolon, or -Delimiter ';').

Export-Csv writes each value's ToString(): for a multi-valued property (Bindings, RemoteIPRanges, ExtendedRights)
that is the collection's type name, "Microsoft.Exchange.Data.MultiValuedProperty`1[...]" or "System.Object[]", and
the values themselves are lost. Such a cell in a property the engine models is refused with the way out (the
collector, or joining the values in Select-Object); in a property it doesn't model the type name is passed on as
text, since nothing reads it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from .importsources import (
    SourceError,
    SourceObject,
    kind_of_properties,
    kind_of_type_name,
    text_value,
    unknown_kind_message,
)

# The ToString() of a collection: a generic type's name with its argument in brackets, or an array's, or the
# ArrayList a remote session's deserialized collection is (EMS since 2010 is a remote session; UNCONFIRMED that
# its Export-Csv writes that name, but no value of a modelled property reads so).
_COLLECTION = re.compile(r"(Deserialized\.)?[\w.]+(`\d+\[.*\]|\[\])|System\.Collections\.ArrayList", re.DOTALL)
LOST = (
    "{name} holds '{cell}', the name of its type: Export-Csv writes a multi-valued property that way and loses its "
    "values. Use the collector (Export-Clixml keeps them), or join them yourself before exporting, e.g. "
    "Select-Object Identity, @{{Name='{name}'; Expression={{$_.{name} -join ','}}}} | Export-Csv"
)


def looks_like_csv(start: str) -> bool:
    """Whether text that is not XML is Export-Csv output (else it is read as Format-List text)."""
    first = start.splitlines()[0] if start else ""
    if first.startswith("#TYPE") or first.startswith('"'):
        return True
    return ":" not in first and ("," in first or ";" in first)


def _modelled(kind: str) -> frozenset[str]:
    from .directory_properties import RECIPIENT
    from .organization_properties import ACCEPTED_DOMAIN, RECIPIENT_FILTER, TRANSPORT_SETTINGS
    from .receive_connector_properties import RECEIVE_CONNECTOR
    from .server_properties import SERVER

    sets = {
        "ReceiveConnector": RECEIVE_CONNECTOR,
        "ExchangeServer": SERVER,
        "AcceptedDomain": ACCEPTED_DOMAIN,
        "TransportConfig": TRANSPORT_SETTINGS,
        "RecipientFilterConfig": RECIPIENT_FILTER,
        "Recipient": RECIPIENT,
    }
    names = {prop.name.casefold() for prop in sets.get(kind, ())}
    return frozenset(names | {"extendedrights", "emailaddresses", "accessrights", "serverrole"})


def _delimiter(header: str) -> str:
    counts = {d: len(next(csv.reader([header], delimiter=d))) for d in (",", ";")}
    return ";" if counts[";"] > counts[","] else ","


def read(text: Iterable[str], source: str) -> Iterator[SourceObject]:
    lines = iter(text)
    type_name = ""
    number = 0
    header_line = ""
    for line in lines:
        number += 1
        if not line.strip():
            continue
        if line.startswith("#TYPE"):
            type_name = line[len("#TYPE") :].strip()
            continue
        header_line = line
        break
    if not header_line:
        raise SourceError(source, "the CSV file has no header row.")
    delimiter = _delimiter(header_line)
    rows = csv.reader(_chain(header_line, lines), delimiter=delimiter)
    header = next(rows)
    if len(set(header)) != len(header):
        raise SourceError(source, "the header names a column twice.", f"line {number}")
    kind = kind_of_type_name(type_name) if type_name else kind_of_properties(header)
    if kind is None:
        what = f"#TYPE {type_name}" if type_name else f"a table with the columns {', '.join(header[:6])}"
        raise SourceError(source, unknown_kind_message(what), f"line {number}")
    modelled = _modelled(kind)
    folded = [name.casefold() for name in header]
    identity_at = next((folded.index(n) for n in ("identity", "name") if n in folded), None)
    type_names = (type_name,) if type_name else ()
    try:
        for index, row in enumerate(rows, start=1):
            if not row or row == [""]:
                continue
            position = f"row {index}"
            if len(row) != len(header):
                raise SourceError(source, f"{len(row)} cells where the header has {len(header)}.", position)
            properties = {}
            for name, cell in zip(header, row):
                if _COLLECTION.fullmatch(cell) and name.casefold() in modelled:
                    identity = row[identity_at] if identity_at is not None else ""
                    where = f"{position} ({identity})" if identity else position  # names the object too
                    raise SourceError(source, LOST.format(name=name, cell=_short(cell)), where)
                properties[name] = text_value(cell)
            yield SourceObject(source, position, kind, type_names, properties)
    except csv.Error as error:
        raise SourceError(source, f"not readable as CSV ({error}).") from None


def _short(cell: str) -> str:
    return cell if len(cell) <= 70 else cell[:69] + "…"


def _chain(first: str, rest):
    yield first
    yield from rest
