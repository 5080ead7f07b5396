"""The rewrites that make PowerShell's text readable to tree-sitter-powershell before the real parse, and
`parse_tree`, which applies them: lone CRs and typographic quotes, bareword lists (`-RemoteIPRanges a,b,c`) and
barewords after commas quoted, ranges that start a statement parenthesised, digits in parameter names spelled (and
read back by `restore_digits`), switch clauses and param blocks separated, multipliers lower-cased. Each rewrite
keeps the line numbers and changes no value; the grammar's tree of the result goes to psparse.
"""

from __future__ import annotations

import re
import time

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from .pstext import Unsupported, unsafe_bareword, walk
from .psvalues import REGEX_DEADLINE, REGEX_TIME_LIMIT

_PARSER = Parser(Language(tree_sitter_powershell.language()))
_TYPOGRAPHIC_DOUBLE = ("\u201c", "\u201d", "\u201e")
_LONE_CR = re.compile(r"\r(?!\n)")


def normalise_line_endings(text: str) -> str:
    """PowerShell ends a line at CR, LF or CRLF; the grammar knows only LF and CRLF. A lone CR outside string
    literals becomes LF before the real parse; inside a string every character stays as written, CR included, as
    PowerShell keeps it, except in a here-string, whose lone CRs read as LF (the grammar can't hold them; CRLF stays).
    The swap is one character for one, so the trial parse's string positions hold."""
    if "\r" not in text:
        return text
    trial = _LONE_CR.sub("\n", text)
    root = _parse(trial)
    strings = [n for n in walk(root, lambda n: n.type != "string_literal") if n.type == "string_literal"]
    if not strings:
        return trial
    original, data = text.encode(), bytearray(trial.encode())
    for node in strings:
        if data[node.start_byte : node.start_byte + 1] != b"@":  # the grammar can't read a CR in a here-string
            data[node.start_byte : node.end_byte] = original[node.start_byte : node.end_byte]
    return data.decode()


def normalise_quotes(text: str) -> str:
    """PowerShell accepts “ ” „ as double quotes; the grammar doesn't, so outside single-quoted strings and comments
    they are rewritten to ASCII quotes before the real parse (inside a single-quoted string they are literal)."""
    if not any(q in text for q in _TYPOGRAPHIC_DOUBLE):
        return text
    data = text.encode()

    def is_protected(node: Node) -> bool:
        return node.type == "comment" or (node.type == "string_literal" and node.text[:1] in (b"'",))

    protected = [
        (node.start_byte, node.end_byte)
        for node in walk(_parse(text), lambda node: not is_protected(node))
        if is_protected(node)
    ]
    out, position = [], 0
    for start, end in protected + [(len(data), len(data))]:
        segment = data[position:start].decode()
        for q in _TYPOGRAPHIC_DOUBLE:
            segment = segment.replace(q, '"')
        out += [segment, data[start:end].decode()]
        position = end
    return "".join(out)


def _generic_tokens(node: Node):
    return (n for n in walk(node) if n.type == "generic_token")


def quote_bareword_lists(text: str) -> str:
    """`-RemoteIPRanges 10.0.0.1,10.0.0.2,10.0.0.3` is an array of barewords to PowerShell, but the grammar loses its
    way after the first comma. Each such list the grammar marks (a bare token followed by a comma) is rewritten as
    the equivalent quoted array before the real parse; what lies between the items (a space, a line break after a
    comma) stays, so line numbers hold. When an item isn't a bareword (`Name,@{n='x';e={...}}`, `a,$b`), the
    barewords before it are quoted and the rest is left to the grammar, which reads `'Name',@{...}` as PowerShell
    does."""
    if "," not in text:
        return text
    data = text.encode()
    spans = []
    for token in _generic_tokens(_parse(text)):
        if data[token.end_byte : token.end_byte + 1] != b"," or token.text.startswith(b","):
            continue
        end, pieces = token.end_byte, [(token.start_byte, token.end_byte, token.text.decode())]
        while data[end : end + 1] == b",":  # `a,b`, `a, b` and `a,<line break> b` alike
            end += 1
            while data[end : end + 1] in (b" ", b"\t", b"\r", b"\n") or data[end : end + 2] in (b"`\n", b"`\r"):
                end += 1
            start = end
            end = _bareword_end(data, start)
            pieces.append((start, end, data[start:end].decode()))
        items = [_list_item(item) for _, _, item in pieces]
        plain = next((i for i, item in enumerate(items) if not item), len(items))
        if plain == len(items) or (plain > 0 and pieces[plain][2][:1] in ("@", "$", "(", "'", '"')):
            out = [items[0]]
            for i in range(1, plain):  # the separators between items as written (commas, spaces, line breaks)
                out += [data[pieces[i - 1][1] : pieces[i][0]].decode(), items[i]]
            stop = pieces[plain - 1][1]
            spans.append((token.start_byte, stop, "".join(out)))
    return _spliced(data, sorted(spans)).decode()


def _bareword_end(data: bytes, start: int) -> int:
    """Where a bare array item starting at `start` ends: at white space or what ends an argument."""
    end = start
    while end < len(data) and data[end : end + 1] not in b" \t\r\n;|&)},":
        end += 1
    return end


def quote_after_commas(text: str, root: Node) -> str | None:
    """`Select-Object @{...},<line break> Enabled`: a bareword after a comma that follows something other than a
    bareword is an array item to PowerShell and an error to the grammar; quoted, it reads (None: nothing found)."""
    data, spans = text.encode(), []
    errors = [root] if root.type == "ERROR" else []
    previous = {}  # an error node's id -> its previous sibling (Node.prev_sibling rescans the parent's children)
    for node in walk(root):
        siblings = node.children
        for i, child in enumerate(siblings):
            if child.type == "ERROR":
                errors.append(child)
                previous[child.id] = siblings[i - 1] if i else None
    for node in errors:
        kids = node.children
        pairs = list(zip(kids, kids[1:], strict=False))
        before = previous.get(node.id)
        if kids and before is not None:  # `@{...},Enabled,Comment`: the comma is the error's sibling
            pairs.append((before, kids[0]))
        for comma, word in pairs:
            if comma.type == "," and word.type in ("simple_name", "generic_token"):
                start = word.start_byte + (len(word.text) - len(word.text.lstrip()))
                end = _bareword_end(data, start)  # the grammar's word may stop short of it (`Max*` is `Max`)
                item = _list_item(data[start:end].decode())
                if item and not item.startswith('"'):
                    spans.append((start, end, item))
    if not spans:
        return None
    return _spliced(data, sorted(set(spans))).decode()


def _spliced(data: bytes, spans: list[tuple[int, int, str]]) -> bytes:
    """`data` with each (start, end, text) span, in order and not overlapping, replaced (start == end inserts):
    one copy of the text, where slicing span by span copied it once per span (minutes for a large broken script)."""
    pieces, at = [], 0
    for start, end, replacement in spans:
        pieces += [data[at:start], replacement.encode()]
        at = end
    pieces.append(data[at:])
    return b"".join(pieces)


def _list_item(item: str) -> str:
    """A quoted item stays as written, a plain bareword gets quotes; '' when the item is neither."""
    if len(item) >= 2 and item[0] in "'\"" and item[-1] == item[0]:
        return item
    return "" if not item or unsafe_bareword(item) else f"'{item}'"


def _parse(text: str) -> Node:
    """The grammar's tree of one version of the script; past the running script's time limit (a large broken script
    is parsed again for each rewrite), the time-limit error instead."""
    deadline = REGEX_DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline[0]:
        raise Unsupported(REGEX_TIME_LIMIT.format(deadline[1]))
    return _PARSER.parse(text.encode()).root_node


def parse_tree(text: str) -> Node:
    """The grammar's tree of a script, after the rewrites that make PowerShell's text readable to it; Unsupported
    for text that isn't valid Unicode."""
    try:
        text.encode()
    except UnicodeEncodeError as error:
        where = f"at character {error.start + 1}"
        raise Unsupported(f"The script holds a character that isn't valid Unicode ({where}).") from None
    text = quote_bareword_lists(normalise_quotes(normalise_line_endings(text)))
    root = _parse(text)
    for _ in range(8):
        # The grammar, lost at one list, can misread the next statement's (`Name,@{...}` on the line after another
        # `Name,@{...}`): once the first is quoted the next reads as a list and can be quoted in turn. Bounded.
        rewritten = quote_bareword_lists(text) if root.has_error else text
        if rewritten == text:
            break
        text, root = rewritten, _parse(rewritten)
    rewritten = _parenthesise_ranges(text, root)
    if rewritten is not None:
        text, root = rewritten, _parse(rewritten)
    rewritten = _spell_parameter_digits(text, root) if root.has_error else None
    if rewritten is not None:
        text, root = rewritten, _parse(rewritten)
    for _ in range(8):  # each pass quotes the barewords the grammar stopped at; bounded, as scripts are
        rewritten = quote_after_commas(text, root) if root.has_error else None
        if rewritten is None or rewritten == text:
            break
        text, root = rewritten, _parse(rewritten)
    rewritten = _separate_switch_clauses(text, root) if root.has_error else None
    if rewritten is not None:
        text, root = rewritten, _parse(rewritten)
    rewritten = _end_param_blocks(text, root) if root.has_error else None
    if rewritten is not None:
        text, root = rewritten, _parse(rewritten)
    if root.has_error and _MULTIPLIER_WORD.search(text):
        # The grammar knows the multipliers only in lower case (10mb) where an expression is expected
        # (`$c.MaxMessageSize -gt 10MB`); PowerShell reads them without case. Lower-cased, the number reads as
        # PowerShell reads it (`10MB` is 10485760 as a command argument too), so retry only a script that failed.
        retried = _parse(_MULTIPLIER_WORD.sub(_lower_multiplier, text))
        if not retried.has_error:
            return retried
    return root


# A parameter name holding a digit (-SmtpUtf8Enabled): the grammar ends the name at the digit and reads the rest as a
# redirection (`8>`), which PowerShell doesn't. Before the real parse each such digit is spelled as _DIGIT_MARK and its
# letter (8 -> "Zqi"), which the grammar reads as part of the name; restore_digits gives psparse the name back.
_DIGIT_MARK = "Zq"
_SPELLED = re.compile(_DIGIT_MARK + "([a-j])")
_PARAMETER_NAME = re.compile(rb"-[A-Za-z_?][A-Za-z0-9_?]*")


def _spell_parameter_digits(text: str, root: Node) -> str | None:
    data = text.encode()
    spans = []
    for node in walk(root):
        if node.type == "command_parameter" and data[node.end_byte : node.end_byte + 1].isdigit():
            match = _PARAMETER_NAME.match(data, node.start_byte)
            if match is not None and match.end() > node.end_byte:
                spans.append((match.start(), match.end()))
    if not spans:
        return None
    for start, end in sorted(spans, reverse=True):
        spelled = re.sub(rb"[0-9]", lambda d: (_DIGIT_MARK + "abcdefghij"[int(d.group())]).encode(), data[start:end])
        data = data[:start] + spelled + data[end:]
    return data.decode()


def restore_digits(name: str) -> str:
    """A parameter name as written, its digits back (_spell_parameter_digits)."""
    return _SPELLED.sub(lambda m: str("abcdefghij".index(m.group(1))), name) if _DIGIT_MARK in name else name


_RANGE_NAME = re.compile(rb"-?[0-9]+\.\.-?[0-9]+")
_RANGE_TEXT = re.compile(r"[0-9]\.\.-?[0-9]")


def _parenthesise_ranges(text: str, root: Node) -> str | None:
    """`1..5 -join ','` starts a statement, so the grammar reads it as a command named 1..5 with a parameter;
    PowerShell reads an expression. Such a range becomes `(1..5)` before the real parse (None: nothing to do; a
    range alone or before a pipe stays a command, which psparse reads as the range)."""
    if not _RANGE_TEXT.search(text):
        return None  # most scripts: no need to walk a 10,000-line tree
    spans = []
    for node in walk(root):
        if node.type != "command":
            continue
        name = node.child_by_field_name("command_name") or next(
            (c for c in node.children if c.type == "command_name"), None
        )
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        if name is None or elements is None or not _RANGE_NAME.fullmatch(name.text):
            continue
        if any(c.type != "command_argument_sep" for c in elements.children):
            spans.append((name.start_byte, name.end_byte))
    if not spans:
        return None
    data = text.encode()
    for start, end in sorted(spans, reverse=True):
        data = data[:start] + b"(" + data[start:end] + b")" + data[end:]
    return data.decode()


def _separate_switch_clauses(text: str, root: Node) -> str | None:
    """The grammar reads a switch clause's condition as a bare token, so a quoted one holding `(`, a space or a quote
    of the other kind (`"^EX(\\d+)" {...}`, `'Client Frontend' {...}`) breaks it, and it wants a `;` or a line
    break between two clauses, which PowerShell doesn't. Each quoted condition is put in parentheses (PowerShell
    evaluates `("text")` to the same text) and a `;` follows each clause body another clause follows on its line,
    which keeps the line numbers. None when there is no switch or the rewrite reads no better."""
    if "switch" not in text.casefold():
        return None
    data = text.encode()
    bodies = [n.start_byte for n in walk(root) if n.type == "switch_body"]
    edits: list[tuple[int, bytes]] = []
    scanned = 0
    for body in bodies:
        if scanned > _SWITCH_SCAN * len(data):
            return None  # thousands of unclosed switches (a hostile script): each scan would run to the end
        found, end = _switch_edits(data, body)
        edits += found
        scanned += end - body
    if not edits:
        return None
    data = _spliced(data, [(position, position, insert.decode()) for position, insert in sorted(set(edits))])
    rewritten = data.decode()
    if _errors(_parse(data.decode())) >= _errors(root):
        return None
    return rewritten


_PARAM_BLOCK = re.compile(rb"(?<![\w$-])param[ \t]*(?=\()", re.IGNORECASE)


def _end_param_blocks(text: str, root: Node) -> str | None:
    """In a function's body the grammar wants a line break or a `;` after `param(...)`
    (`function Show { param($x) Write-Host $x }`, a common one-liner), which PowerShell doesn't: a `;` goes after
    each param block another statement follows on its line, which keeps the line numbers. None when there is none or
    the rewrite reads no better."""
    data = text.encode()
    literal = [  # `"call param(1) here"` is text, not a param block
        (node.start_byte, node.end_byte)
        for node in walk(root, lambda node: node.type not in ("string_literal", "comment"))
        if node.type in ("string_literal", "comment")
    ]
    edits = []
    for match in _PARAM_BLOCK.finditer(data):
        if any(start <= match.start() < end for start, end in literal):
            continue
        end = _block_end(data, match.end(), b"(", b")")
        after = end
        while data[after : after + 1] in (b" ", b"\t"):
            after += 1
        if data[after : after + 1] not in (b"", b"\r", b"\n", b";", b"#", b"}", b"{"):
            edits.append(end)
    if not edits:
        return None
    data = _spliced(data, [(position, position, ";") for position in edits])
    if _errors(_parse(data.decode())) >= _errors(root):
        return None
    return data.decode()


def _errors(root: Node) -> int:
    return sum(1 for n in walk(root) if n.type == "ERROR" or n.is_missing)


_SWITCH_SCAN = 8  # how many times over its text a script's switch bodies may be scanned (nesting rescans them)


def _switch_edits(data: bytes, body: int) -> tuple[list[tuple[int, bytes]], int]:
    """Where to insert `(`, `)` and `;` in the switch body opening at `body` (its `{`), and where the scan ended."""
    edits, i, after_clause = [], body + 1, False
    while i < len(data):
        line_start = i
        i = _skip_space(data, i)
        crossed_line = b"\n" in data[line_start:i] or b";" in data[line_start:i]
        if i >= len(data) or data[i : i + 1] == b"}":
            break
        if after_clause and not crossed_line:
            edits.append((line_start, b";"))
        if data[i : i + 1] in (b"'", b'"'):
            end = _string_end(data, i)
            edits += [(i, b"("), (end, b")")]
            i = end
        elif data[i : i + 1] == b"{":  # a script-block condition
            i = _block_end(data, i)
        else:
            while i < len(data) and data[i : i + 1] not in (b"{", b"\n", b";"):
                i = _string_end(data, i) if data[i : i + 1] in (b"'", b'"') else _block_end(data, i)
        i = _skip_space(data, i)
        if data[i : i + 1] != b"{":
            break  # not a clause as PowerShell writes one: leave the rest to the grammar's error
        i = _block_end(data, i)
        after_clause = True
    return edits, i


def _skip_space(data: bytes, i: int) -> int:
    while i < len(data):
        c = data[i : i + 1]
        if c in (b" ", b"\t", b"\r", b"\n", b";"):
            i += 1
        elif c == b"#":
            end = data.find(b"\n", i)
            i = len(data) if end < 0 else end
        else:
            break
    return i


def _string_end(data: bytes, i: int) -> int:
    """The position after the string literal starting at i (doubled quotes and, in "...", backtick escapes)."""
    quote, i = data[i : i + 1], i + 1
    while i < len(data):
        c = data[i : i + 1]
        if c == b"`" and quote == b'"':
            i += 2
            continue
        if c == quote:
            if data[i + 1 : i + 2] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return i


def _block_end(data: bytes, i: int, opening: bytes = b"{", closing: bytes = b"}") -> int:
    """From a `{` (or any other character): the position after its matching `}` (after the character)."""
    if data[i : i + 1] != opening:
        return i + 1
    depth = 0
    while i < len(data):
        c = data[i : i + 1]
        if c in (b"'", b'"'):
            i = _string_end(data, i)
            continue
        if c == b"#":
            end = data.find(b"\n", i)
            i = len(data) if end < 0 else end
            continue
        depth += c == opening
        depth -= c == closing
        i += 1
        if depth == 0:
            return i
    return i


_MULTIPLIER_WORD = re.compile(r"(?<![\w.$-])([0-9]+(?:\.[0-9]+)?)(kb|mb|gb|tb|pb)(?![\w.])", re.IGNORECASE)


def _lower_multiplier(match: re.Match) -> str:
    return match.group(1) + match.group(2).lower()
