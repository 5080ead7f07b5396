"""Reading Export-Clixml: PowerShell's serialization of objects (MS-PSRP 2.2.5), streamed, through defusedxml.

A file is `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">` holding one element per
exported object. An object is `<Obj RefId="n">` with its type names (`<TN RefId="m"><T>…</T></TN>`, or `<TNRef
RefId="m"/>` naming a list written before), `<ToString>` (the text PowerShell shows for it), its adapted properties
in `<Props>` and its extended (note) properties in `<MS>`, each child named by `N`. Values are primitives (`<S>`,
`<B>`, `<I32>`, `<I64>`, `<U64>`, `<Db>`, `<DT>`, `<TS>`, `<G>`, `<Nil/>`, …), collections (`<LST>`, `<IE>`, `<STK>`,
`<QUE>` of items; `<DCT>` of `<En>` with Key and Value), nested `<Obj>`s, or `<Ref RefId="n"/>` for an object written
earlier in the stream.

What the importer receives is what EMS would print: a nested object becomes its `<ToString>` text (a ByteQuantified
Size is "36 MB (37,748,736 bytes)", an enum "Tls, Integrated"), a collection becomes a list of its items' values.

The parser is driven by events (a target, not a tree): one top-level object is in memory at a time, so a 100 MB
export costs the objects it yields, not a DOM. DTDs and entities are refused before anything is expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from .importsources import SourceError, SourceObject, kind_of, unknown_kind_message

NAMESPACE = "http://schemas.microsoft.com/powershell/2004/04"
_NS = NAMESPACE + "}"  # expat's name for <x> in that namespace is NAMESPACE}x (ElementTree's separator)
_NS_LENGTH = len(_NS)
CHUNK = 256 * 1024

# MS-PSRP 2.2.5.1: the primitive types and how their text reads.
_INTEGERS = frozenset({"By", "SB", "U16", "I16", "U32", "I32", "U64", "I64"})
_FLOATS = frozenset({"Sg", "Db", "D"})
_TEXTS = frozenset({"S", "URI", "XD", "SBK", "Version", "G", "DT", "BA", "C", "TS", "SS", "PR", "ToString", "T"})
_COLLECTIONS = frozenset({"LST", "IE", "STK", "QUE"})
_PRIMITIVES = _INTEGERS | _FLOATS | _TEXTS | {"B", "Nil"}

# MS-PSRP 2.2.5.3.2: characters XML can't carry (and "_" before "x") are written _xHHHH_ (UTF-16 code units).
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ISO_SPAN = re.compile(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?")


def unescape(text: str) -> str:
    if "_x" not in text:
        return text
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in decoded):  # a pair of escapes is one character beyond the BMP
        decoded = decoded.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return decoded


_NEEDS_ESCAPE = re.compile("[\x00-\x08\x0a-\x1f\ud800-\udfff\ufffe\uffff]|_(?=x)")


def escape(text: str) -> str:
    """The writer's side of `unescape`: control characters (bar tab, CR and LF included) and "_x" spelled out."""
    return _NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def timespan_text(iso: str) -> str:
    """An xs:duration (how <TS> is written: PT9M50.299S) as .NET prints a TimeSpan (00:09:50.2990000)."""
    match = _ISO_SPAN.fullmatch(iso.strip())
    if match is None or iso.strip() in ("P", "PT", "-P"):
        return iso
    sign, days, hours, minutes, seconds = match.groups()
    whole, _, fraction = (seconds or "0").partition(".")
    total_hours = int(hours or 0)
    day_count = int(days or 0) + total_hours // 24
    text = f"{'-' if sign else ''}{f'{day_count}.' if day_count else ''}{total_hours % 24:02}:{int(minutes or 0):02}"
    text += f":{int(whole):02}"
    fraction = fraction[:7].rstrip("0")
    return text + (f".{fraction.ljust(7, '0')}" if fraction else "")


def _primitive(tag: str, text: str):
    if tag == "Nil":
        return None
    if tag == "B":
        return text.strip().casefold() == "true"
    if tag in _INTEGERS:
        return int(text.strip())
    if tag in _FLOATS:
        return float(text.strip())
    if tag == "C":
        return chr(int(text.strip()))
    if tag == "TS":
        return timespan_text(text)
    if tag == "SS":
        return None  # a SecureString is never read, even though these cmdlets don't export one
    return unescape(text)


class _Obj:
    __slots__ = ("name", "ref_id", "type_names", "to_string", "props", "items", "entries", "value", "has_value")

    def __init__(self, name, ref_id):
        self.name = name
        self.ref_id = ref_id
        self.type_names: tuple[str, ...] = ()
        self.to_string: str | None = None
        self.props: dict | None = None
        self.items: list | None = None
        self.entries: dict | None = None
        self.value = None
        self.has_value = False

    def result(self):
        """What EMS prints for this object as a property value."""
        if self.items is not None:
            return self.items
        if self.entries is not None:
            return self.to_string if self.to_string is not None else self.entries
        if self.to_string is not None:
            return self.to_string
        if self.has_value:
            return self.value
        return self.props or {}


class _Frame:
    __slots__ = ("tag", "name", "ref_id", "text", "obj", "names", "entry")

    def __init__(self, tag, name=None, ref_id=None):
        self.tag = tag
        self.name = name
        self.ref_id = ref_id
        self.text: list[str] | None = None  # a primitive's text as it arrives
        self.obj: _Obj | None = None
        self.names: list[str] | None = None  # a <TN>'s <T>s
        self.entry: dict | None = None  # a <DCT>'s <En>: Key and Value


class _Target:
    """The parser's target: builds each top-level object from start/end/data events and queues it."""

    def __init__(self, source: str):
        self.source = source
        self.stack: list[_Frame] = []
        self.done: list[tuple[_Obj | None, object]] = []
        self.type_lists: dict[str, tuple[str, ...]] = {}
        # <Ref RefId> targets: every object of the current top-level object, and the plain values (text, numbers)
        # of earlier ones. Exchange's exports don't share objects between top-level objects; keeping their lists
        # (a connector's 100,000 ranges) for a Ref that never comes would cost as much as the file.
        self.refs: dict[str, object] = {}
        self.earlier_refs: dict[str, object] = {}
        self.root_seen = False
        self.dtd: tuple = ()

    # --- events ---

    def start(self, tag, attr_list):
        local = tag[_NS_LENGTH:] if tag.startswith(_NS) else None
        attrs = dict(zip(attr_list[::2], attr_list[1::2])) if attr_list else {}
        if not self.root_seen:
            if local != "Objs":
                shown = tag.rpartition("}")[2]
                raise SourceError(
                    self.source, f"not an Export-Clixml file: it starts with <{shown}>, not PowerShell's <Objs>."
                )
            self.root_seen = True
            self.stack.append(_Frame("Objs"))
            return
        if local is None:
            raise SourceError(self.source, f"<{tag.rpartition('}')[2]}> is not part of PowerShell's serialization.")
        name = attrs.get("N")
        ref_id = attrs.get("RefId")
        frame = _Frame(local, unescape(name) if name is not None else None, ref_id)
        if local == "Obj":
            frame.obj = _Obj(frame.name, ref_id)
        elif local == "TN":
            frame.names = []
        elif local in _PRIMITIVES:
            frame.text = []
        elif local == "En":
            frame.entry = {}
        elif local in _COLLECTIONS or local == "DCT":
            owner = self._owner(self.stack[-1])
            if local == "DCT":
                owner.entries = owner.entries if owner.entries is not None else {}
            elif owner.items is None:
                owner.items = []  # an empty <LST/> is an empty list, not a missing value
        self.stack.append(frame)

    def data(self, text):
        if self.stack and self.stack[-1].text is not None:
            self.stack[-1].text.append(text)

    def end(self, tag):
        frame = self.stack.pop()
        local = frame.tag
        if local == "Objs":
            return
        parent = self.stack[-1]
        if local == "T":
            if parent.names is None:
                raise SourceError(self.source, "<T> (a type name) outside <TN>.")
            parent.names.append(unescape("".join(frame.text)))
            return
        if local == "TN":
            names = tuple(frame.names)
            if frame.ref_id is not None:
                self.type_lists[frame.ref_id] = names
            self._owner(parent).type_names = names
            return
        if local == "TNRef":
            self._owner(parent).type_names = self.type_lists.get(frame.ref_id, ())
            return
        if local == "ToString":
            self._owner(parent).to_string = unescape("".join(frame.text))
            return
        if local in ("Props", "MS", "DCT") or local in _COLLECTIONS:
            return
        if local == "En":
            self.stack[-2].obj.entries[str(frame.entry.get("Key"))] = frame.entry.get("Value")
            return
        # a value: a primitive, a nested object, or a reference to one written before
        if local == "Obj":
            obj = frame.obj
            value = obj.result()
            if obj.ref_id is not None:
                self.refs[obj.ref_id] = value
        elif local == "Ref":
            obj = None
            value = self._referenced(frame.ref_id)
        elif local == "TN" or local not in _PRIMITIVES:
            raise SourceError(self.source, f"<{local}> is not part of PowerShell's serialization format.")
        else:
            obj = None
            try:
                value = _primitive(local, "".join(frame.text))
            except ValueError as error:
                raise SourceError(self.source, f"<{local}> holds '{''.join(frame.text)[:40]}': {error}.") from None
        self._give(parent, frame.name, value, obj)

    def close(self):
        return None

    # --- helpers ---

    def _owner(self, frame: _Frame) -> _Obj:
        if frame.obj is None:
            raise SourceError(self.source, f"<{frame.tag}> holds type names or text only an <Obj> may hold.")
        return frame.obj

    def _referenced(self, ref_id):
        for table in (self.refs, self.earlier_refs):
            if ref_id in table:
                return table[ref_id]
        raise SourceError(
            self.source,
            f'<Ref RefId="{ref_id}"> refers to an object that isn\'t written before it (or is a list kept by an '
            "earlier object, which exchsim doesn't keep).",
        )

    def _give(self, parent: _Frame, name, value, obj: _Obj | None):
        tag = parent.tag
        if tag == "Objs":
            self.done.append((obj, value))
            for ref_id, kept in self.refs.items():
                if kept is None or isinstance(kept, (str, int, float)):
                    self.earlier_refs[ref_id] = kept
            self.refs.clear()
        elif tag in ("Props", "MS"):
            owner = self.stack[-2].obj
            if owner.props is None:
                owner.props = {}
            if name is None:
                raise SourceError(self.source, "a property without a name (N) in <Props>/<MS>.")
            if tag == "Props" or name not in owner.props:
                owner.props[name] = value
        elif tag in _COLLECTIONS:
            owner = self.stack[-2].obj
            if owner.items is None:
                owner.items = []
            owner.items.append(value)
        elif tag == "En":
            parent.entry[name] = value
        elif tag == "Obj":
            parent.obj.value, parent.obj.has_value = value, True
        else:
            raise SourceError(self.source, f"<{tag}> can't hold a value.")


def _parser(target: _Target) -> DefusedXMLParser:
    # Export-Clixml never writes a DTD, so one is refused; entity declarations are refused first (by name), so the
    # message can say which attack it was. defusedxml raises before expat expands or fetches anything.
    # The target's methods are expat's handlers themselves (ElementTree's Python wrappers cost a third of the time);
    # defusedxml's handlers for DTDs and entities stay as it installed them.
    parser = DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    expat = parser.parser
    expat.StartElementHandler = target.start
    expat.EndElementHandler = target.end
    expat.CharacterDataHandler = target.data
    expat.StartDoctypeDeclHandler = lambda name, sysid, pubid, has_internal: _note_dtd(target, name, sysid, pubid)
    expat.EndDoctypeDeclHandler = lambda: _refuse_dtd(target)
    return parser


def _note_dtd(target, name, sysid, pubid):
    target.dtd = (name, sysid, pubid)
    if sysid or pubid:
        raise ExternalReferenceForbidden(None, None, sysid, pubid)


def _refuse_dtd(target):
    name, sysid, pubid = target.dtd
    raise DTDForbidden(name, sysid, pubid)


def _refusal(error: Exception) -> str:
    if isinstance(error, EntitiesForbidden):
        if error.sysid or error.pubid:
            return (
                f"refused: it declares the external entity '{error.name}' (SYSTEM '{error.sysid or error.pubid}'), "
                "which would make the reader fetch another file or URL. Export-Clixml never writes entities."
            )
        return (
            f"refused: it declares the entity '{error.name}'. Export-Clixml never writes entities, and entities "
            "expanding into entities are an 'entity bomb' (billion laughs) that would fill the memory."
        )
    if isinstance(error, ExternalReferenceForbidden):
        return (
            f"refused: it refers to an external document type or entity ('{error.sysid or error.pubid}'), which "
            "would make the reader fetch another file or URL. Export-Clixml never writes one."
        )
    return (
        "refused: it declares a document type (<!DOCTYPE>). Export-Clixml never writes one, and a DTD is how "
        "entity bombs and external entities get in."
    )


def read(stream, source: str) -> Iterator[SourceObject]:
    """Each object of an Export-Clixml file, as the importer's SourceObject; SourceError naming the file otherwise."""
    target = _Target(source)
    parser = _parser(target)
    count = 0
    try:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            parser.feed(chunk)
            for obj, value in target.done:
                count += 1
                yield _source_object(source, count, obj, value)
            target.done.clear()
        parser.close()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
        raise SourceError(source, _refusal(error)) from None
    except (AttributeError, IndexError, KeyError, TypeError):
        # well-formed XML with an element where the serialization never puts one (<Props> outside an <Obj>, …)
        line = parser.parser.CurrentLineNumber
        raise SourceError(
            source, f"an element on line {line} is where PowerShell's serialization never puts it."
        ) from None
    except ParseError as error:
        line, column = getattr(error, "position", (0, 0))
        if target.stack or not target.root_seen:
            what = "it ends before the Export-Clixml document does (a truncated file?)"
            if "no element found" not in str(error) and "unclosed token" not in str(error):
                what = f"it is not well-formed XML ({str(error).split(':')[0]})"
            raise SourceError(source, f"{what}; line {line}, column {column}.") from None
        raise SourceError(source, f"it is not well-formed XML ({error}).") from None
    for obj, value in target.done:
        count += 1
        yield _source_object(source, count, obj, value)
    if not target.root_seen:
        raise SourceError(source, "the file holds no Export-Clixml document.")


def _source_object(source: str, count: int, obj: _Obj | None, value) -> SourceObject:
    position = f"object {count}"
    if obj is None:
        raise SourceError(source, unknown_kind_message(f"a bare value ({str(value)[:40]!r})"), position)
    kind = kind_of(obj.type_names)
    if kind is None:
        shown = obj.type_names[0] if obj.type_names else "an object without type names"
        raise SourceError(source, unknown_kind_message(f"{shown} ({obj.to_string or 'no text'})"), position)
    return SourceObject(source, position, kind, obj.type_names, obj.props or {})
