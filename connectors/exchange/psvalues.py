"""PowerShell's values as the console holds them, and its operators on them.

Scalars are Python's str, int, float, bool, None and datetime; an array is a list; a hashtable is PSHashtable
(case-insensitive keys, insertion order); an EMS object or a [PSCustomObject] is PSObject (case-insensitive
properties, an EMS object's read lazily from the engine object it shows); an EMS multi-valued property is Collection
(a list with .Count, .Add(), .Remove(), printed {a, b}). Conversions and comparisons follow PowerShell's rules: the
left operand decides the type, strings compare case-insensitively, a collection on the left filters.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import math
import re
import re._parser as _regex_parser  # to see a pattern's repeats before it runs (no public API has them)
import time
from collections.abc import Callable

import regex as _regex  # the matcher that takes a timeout: a backtracking pattern can't outlast the script's limit

from .errors import ExchangeError


class RuntimeFailure(ExchangeError):
    """A PowerShell runtime error (not Exchange's): a method that doesn't exist, a value that doesn't convert."""


class LimitReached(RuntimeFailure):
    """A cap of the sandbox: the whole script is refused, whatever `atomic` says."""


class PSHashtable(dict):
    """@{...}: keys compared case-insensitively, as PowerShell's hashtables compare string keys."""

    def _key(self, key):
        if isinstance(key, str):
            wanted = key.casefold()
            return next((k for k in dict.keys(self) if isinstance(k, str) and k.casefold() == wanted), key)
        return key

    def __getitem__(self, key):
        return dict.get(self, self._key(key))

    def get(self, key, default=None):
        found = self._key(key)
        return dict.get(self, found, default) if dict.__contains__(self, found) else default

    def __setitem__(self, key, value):
        dict.__setitem__(self, self._key(key), value)

    def __contains__(self, key):
        return dict.__contains__(self, self._key(key))

    def pop(self, key, *default):
        return dict.pop(self, self._key(key), *default)


class Collection(list):
    """An EMS multi-valued property (MultiValuedProperty): a list that prints as {a, b} and has Add and Remove."""


class ArrayList(list):
    """A System.Collections.ArrayList scripts build lists in (`$list = New-Object System.Collections.ArrayList`):
    unlike an array it grows, and Add returns the new item's index (hence `$list.Add($x) | Out-Null`)."""


class GenericList(ArrayList):
    """A System.Collections.Generic.List[T]: an ArrayList whose Add returns nothing (items aren't held to T)."""


class Formatted(list):
    """The lines Format-List / Format-Table / Out-String -Stream made: printed as they are."""


class PSObject:
    """An object with named properties: an EMS object (`source` the engine object) or a [PSCustomObject]."""

    __slots__ = ("type_name", "source", "_props", "_load", "_names", "_one", "_some", "_check")

    def __init__(
        self,
        type_name: str,
        props: dict | None = None,
        source=None,
        load: Callable | None = None,
        names: Callable | None = None,
        one: Callable | None = None,
        check: Callable | None = None,
    ):
        self.type_name, self.source, self._props, self._load = type_name, source, props, load
        # an EMS object may also name its properties (`names()`) and compute one (`one(name)`) without the rest,
        # and convert a value assigned to one (`check(name, value)`: the value as the property holds it, or an error)
        self._names, self._one, self._some, self._check = names, one, {}, check

    @property
    def props(self) -> dict:
        if self._props is None:
            self._props = {name: _held(value) for name, value in self._load().items()}
            self._props.update(self._some)  # what the script read or changed before stays as it is
        return self._props

    @property
    def loaded(self) -> bool:
        """Whether any property was read (an EMS object's are read on first use)."""
        return self._props is not None or bool(self._some)

    def read_properties(self) -> dict:
        """The properties the script has read or set so far (all of them once it needed them all)."""
        return self._props if self._props is not None else dict(self._some)

    def name_of(self, wanted: str) -> str | None:
        lowered = wanted.casefold()
        names = self.props if self._props is not None or self._names is None else self._names()
        return next((n for n in names if n.casefold() == lowered), None)

    def get(self, name: str):
        found = self.name_of(name)
        if found is None:
            return None
        if self._props is None and self._one is not None:
            if found not in self._some:
                self._some[found] = _held(self._one(found))
            return self._some[found]
        return self.props[found]

    def set(self, name: str, value) -> None:
        found = self.name_of(name)
        if found is None and self.source is not None:
            raise RuntimeFailure(
                f"The property '{name}' cannot be found on this object. Verify that the property exists and can be set."
            )
        if self._check is not None and found is not None:
            value = self._check(found, value)
        if self._props is None and self._one is not None:
            self._some[found] = value
            return
        self.props[found or name] = value

    def __str__(self) -> str:
        if self.source is not None:
            identity = self.get("Identity")
            return to_string(identity if identity is not None else self.get("Name"))
        return "@{" + "; ".join(f"{k}={to_string(v)}" for k, v in self.props.items()) + "}"


def _held(value):
    """An engine-shown value as the console holds it: lists become EMS collections."""
    if isinstance(value, list | tuple):
        return Collection(value)
    return value


# --- Conversions -------------------------------------------------------------------------------------------------


def double_text(value: float) -> str:
    """A Double as Windows PowerShell 5.1 (.NET Framework, EMS's) prints it: 15 significant digits (1/3 is
    0.333333333333333), E notation from 1E+15, Infinity and NaN by name."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return f"{value:.15G}"


def to_string(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return double_text(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, list):
        return " ".join(to_string(v) for v in value)  # $OFS, a space
    if isinstance(value, PSHashtable):
        return "System.Collections.Hashtable"
    return str(value)


def to_bool(value) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return len(value) > 1 or (len(value) == 1 and to_bool(value[0]))
    return True


_NUMBER = re.compile(r"\s*[+-]?(0x[0-9a-f]+|[0-9]*\.?[0-9]+(e[+-]?[0-9]+)?)\s*", re.IGNORECASE)


def to_number(value, strict: bool = True):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if value is None:
        return 0
    text = to_string(value)
    if text.strip() == "":
        return 0
    if _NUMBER.fullmatch(text):
        cleaned = text.strip().casefold()
        if "0x" in cleaned:
            return int(cleaned, 16)
        number = float(cleaned)
        return int(number) if number.is_integer() and not re.search(r"[.e]", cleaned) else number
    if strict:
        raise RuntimeFailure(
            f'Cannot convert value "{to_string(value)[:40]}" to type "System.Int32". '
            'Error: "Input string was not in a correct format."'
        )
    return None


def as_list(value) -> list:
    """A value as the items a pipeline or foreach enumerates: an array's items, a scalar alone, $null nothing."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


# --- Comparison --------------------------------------------------------------------------------------------------


class Wildcard:
    """A -like pattern, matched against a whole text. The parts between the stars are fixed-width regexes found in
    turn (the first at the start, the last at the end, each other at its leftmost place after the one before), which
    is what `*` means and takes time linear in the text: a regex of several `.*` backtracks polynomially, so
    `('a' * 2000) -like '*a*a*a*b'` ran for seconds past the script's time limit."""

    __slots__ = ("_parts", "_stars")

    def __init__(self, parts: list[list[str]], case_sensitive: bool = False):
        self._stars = len(parts) > 1
        flags = re.DOTALL if case_sensitive else re.IGNORECASE | re.DOTALL
        self._parts = [(re.compile("".join(p), flags), len(p)) for p in parts]

    def fullmatch(self, text: str) -> bool:
        if not self._stars:
            return self._parts[0][0].fullmatch(text) is not None
        (first, head), (last, tail) = self._parts[0], self._parts[-1]
        if len(text) < head + tail or not first.fullmatch(text, 0, head):
            return False
        if not last.fullmatch(text, len(text) - tail):
            return False
        position, end = head, len(text) - tail
        for part, _ in self._parts[1:-1]:
            found = part.search(text, position, end)
            if found is None:
                return False
            position = found.end()
        return True


def has_wildcard(pattern: str) -> bool:
    """Whether -like would read `pattern` as a pattern (WildcardPattern.ContainsWildcardCharacters: an unescaped *, ?
    or [), not as a plain name."""
    escaped = False
    for c in pattern:
        if escaped:
            escaped = False
        elif c == "`":
            escaped = True
        elif c in "*?[":
            return True
    return False


@functools.lru_cache(maxsize=1024)
def wildcard(pattern: str, case_sensitive: bool = False) -> Wildcard:
    """PowerShell's -like pattern: * ? [a-z] and backtick escapes, case-insensitive (-clike: not), whole text."""
    parts: list[list[str]] = [[]]
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "`" and i + 1 < len(pattern):
            parts[-1].append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            if parts[-1] or len(parts) == 1:  # `**` is one star
                parts.append([])
        elif c == "?":
            parts[-1].append(".")
        elif c == "[":
            close = pattern.find("]", i + 1)
            if close > i + 1:
                parts[-1].append("[" + pattern[i + 1 : close].replace("\\", "\\\\") + "]")
                i = close + 1
                continue
            parts[-1].append(re.escape(c))
        else:
            parts[-1].append(re.escape(c))
        i += 1
    try:
        return Wildcard(parts, case_sensitive)
    except re.error:  # a class such as [b-a]
        raise RuntimeFailure(f"The specified wildcard character pattern is not valid: {pattern[:80]}") from None


def equal(a, b) -> bool:
    """-eq: the right converts to the left's type; strings without case."""
    if a is None or b is None:
        return a is None and b is None
    if hasattr(a, "ps_equals"):  # an IPRange or IPBinding: the right converts to it (10.0.0.5 = 10.0.0.5/32)
        return a.ps_equals(b)
    if isinstance(a, bool):
        return a == to_bool(b)
    if isinstance(a, int | float):
        other = to_number(b, strict=False)
        return other is not None and a == other
    if isinstance(a, PSObject) and isinstance(b, PSObject):
        return a is b or (a.source is not None and a.source == b.source)
    return to_string(a).casefold() == to_string(b).casefold()


def order(a, b) -> int:
    """-lt/-gt: -1, 0 or 1, the right converted to the left's type."""
    if hasattr(a, "ps_convert"):  # an EMS size: `-gt "10 MB"` converts the text to a size
        other = a.ps_convert(b)
        return (a > other) - (a < other)
    if isinstance(a, int | float) and not isinstance(a, bool):
        other = to_number(b)
        return (a > other) - (a < other)
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return (a > b) - (a < b)
    left, right = to_string(a).casefold(), to_string(b).casefold()
    return (left > right) - (left < right)


def sort_key(value):
    """Sort-Object's order: $null first, numbers by value, the rest as text without case."""
    if value is None:
        return (0, 0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, value, "")
    if isinstance(value, dt.datetime):
        return (1, value.timestamp(), "")
    return (2, 0, to_string(value).casefold())


_MATCHES: dict = {}


def _like(a, b):
    return bool(wildcard(to_string(b)).fullmatch(to_string(a)))


NESTED_REPEAT = (
    'The regular expression "{0}" repeats a part that itself repeats (such as (a+)+): on some text it runs for '
    "minutes, so the exchsim console doesn't run it. Write the part once: (a+) instead of (a+)+."
)


# When the running script's time limit ends (time.monotonic()) and the limit in seconds; set by ems.run_script.
REGEX_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "REGEX_DEADLINE", default=None
)
REGEX_TIME_LIMIT = "The script ran longer than {0:g} seconds, the limit for one script; nothing was applied."


@functools.lru_cache(maxsize=256)
def regex(pattern: str, case_sensitive: bool = False) -> _regex.Pattern:
    """-match, -replace and -split's pattern, compiled without case as PowerShell's are (the regex module reads
    .NET's (?<name>…) groups too); switch -Regex -CaseSensitive and Select-String -CaseSensitive keep case. A
    pattern .NET would refuse gets its error's wording; one that nests unbounded repeats is refused up front with a
    way out. Every match runs under the script's time limit (`_timed`, `search`)."""
    flags = _regex.VERSION0 if case_sensitive else _regex.IGNORECASE | _regex.VERSION0
    try:
        compiled = _regex.compile(pattern, flags)
    except _regex.error as error:
        raise RuntimeFailure(f'parsing "{pattern[:80]}" - {error.msg}.') from None
    except (OverflowError, RecursionError):
        raise RuntimeFailure(f'parsing "{pattern[:80]}" - the pattern is too complex.') from None
    try:
        shape = list(_regex_parser.parse(pattern, re.IGNORECASE))
    except (re.error, OverflowError, RecursionError):  # syntax only the regex module reads: its timeout still holds
        shape = []
    if _nested_repeat(shape):
        raise RuntimeFailure(NESTED_REPEAT.format(pattern[:80]))
    return compiled


def _timed(method, *args):
    """Call a compiled pattern's search/sub/split with what is left of the script's time; past it, the script's
    time-limit error (a LimitReached: nothing applied)."""
    deadline = REGEX_DEADLINE.get()
    if deadline is None:
        return method(*args)
    ends, seconds = deadline
    try:
        return method(*args, timeout=max(ends - time.monotonic(), 0.001))
    except TimeoutError:
        raise LimitReached(REGEX_TIME_LIMIT.format(seconds)) from None


def search(compiled: _regex.Pattern, text: str):
    """The first match of a compiled pattern in a text, under the script's time limit."""
    return _timed(compiled.search, text)


def find_all(compiled: _regex.Pattern, text: str) -> list:
    """Every match of a compiled pattern in a text, under the script's time limit."""
    return _timed(lambda subject, **limit: list(compiled.finditer(subject, **limit)), text)


def match_table(found) -> PSHashtable:
    """$matches after a successful match: the whole match as 0, each group by number and by name."""
    groups = PSHashtable({0: found.group(0)})
    for number, group in enumerate(found.groups(), 1):
        groups[number] = group
    for name, group in found.groupdict().items():
        groups[name] = group
    return groups


_REPEATS = (_regex_parser.MAX_REPEAT, _regex_parser.MIN_REPEAT, _regex_parser.POSSESSIVE_REPEAT)


def _unbounded(high: int) -> bool:
    return high == _regex_parser.MAXREPEAT or high > 100


def _nested_repeat(items) -> bool:
    """Whether an unbounded repeat's body is nothing but repeats, one of them unbounded: (a+)+, (\\w+\\s?)+, the
    shapes that backtrack exponentially. A body with a fixed part, ([a-z]+\\.)+, matches one way and is left be."""
    for op, argument in items:
        if op in _REPEATS:
            body = list(argument[2])
            if _unbounded(argument[1]) and _only_repeats(body):
                return True
            if _nested_repeat(body):
                return True
        elif op is _regex_parser.SUBPATTERN and _nested_repeat(list(argument[-1])):
            return True
        elif op is _regex_parser.BRANCH and any(_nested_repeat(list(b)) for b in argument[1]):
            return True
        elif op in (_regex_parser.ASSERT, _regex_parser.ASSERT_NOT) and _nested_repeat(list(argument[1])):
            return True
    return False


def _only_repeats(items: list) -> bool:
    parts = []
    for op, argument in items:
        parts += list(argument[-1]) if op is _regex_parser.SUBPATTERN else [(op, argument)]
    repeats = [argument for op, argument in parts if op in _REPEATS]
    return bool(parts) and len(repeats) == len(parts) and any(_unbounded(r[1]) for r in repeats)


def _match(a, b):
    return _timed(regex(to_string(b)).search, to_string(a))


_SCALAR_TESTS: dict[str, Callable] = {
    "-eq": equal,
    "-ne": lambda a, b: not equal(a, b),
    "-gt": lambda a, b: order(a, b) > 0,
    "-ge": lambda a, b: order(a, b) >= 0,
    "-lt": lambda a, b: order(a, b) < 0,
    "-le": lambda a, b: order(a, b) <= 0,
    "-like": _like,
    "-notlike": lambda a, b: not _like(a, b),
    "-match": lambda a, b: bool(_match(a, b)),
    "-notmatch": lambda a, b: not _match(a, b),
}


def compare(operator: str, a, b, variables: dict | None = None):
    """A comparison operator (-eq -like -match -contains -in ... and their i-/c- forms) as PowerShell applies it."""
    op = operator.casefold()
    if op[:2] in ("-i", "-c") and op[2:] and ("-" + op[2:]) in _ALL:
        op = "-" + op[2:]
    if op in ("-contains", "-notcontains"):
        found = any(equal(item, b) for item in as_list(a) or [a] if True) if a is not None else False
        return found if op == "-contains" else not found
    if op in ("-in", "-notin"):
        found = any(equal(item, a) for item in as_list(b))
        return found if op == "-in" else not found
    test = _SCALAR_TESTS[op]
    if isinstance(a, list):
        return [item for item in a if test(item, b)]
    if op == "-match" and variables is not None:
        found = _match(a, b)
        if found:
            variables["matches"] = match_table(found)
        return bool(found)
    return test(a, b)


_ALL = {*_SCALAR_TESTS, "-contains", "-notcontains", "-in", "-notin", "-replace", "-split", "-join"}


def replace(a, b):
    pattern, replacement = (list(b) + [""])[:2] if isinstance(b, list) else (b, "")
    python = re.sub(r"\$(\d+)|\$\{(\w+)\}", lambda m: "\\g<" + (m.group(1) or m.group(2)) + ">", to_string(replacement))
    compiled = regex(to_string(pattern))
    try:
        if isinstance(a, list):
            return [_timed(compiled.sub, python, to_string(item)) for item in a]
        return _timed(compiled.sub, python, to_string(a))
    except (_regex.error, IndexError) as error:  # a $2 the pattern has no group for
        raise RuntimeFailure(f'The replacement "{to_string(replacement)[:80]}" is not valid: {error}.') from None


def split(a, b=None):
    if b is None:
        return [part for text in as_list(a) for part in to_string(text).split()]
    pattern = to_string(b[0] if isinstance(b, list) else b)
    compiled = regex(pattern)
    return [part for text in as_list(a) for part in _timed(compiled.split, to_string(text))]


def join(a, b=""):
    return to_string(b).join(to_string(item) for item in as_list(a))


def is_type(value, type_name: str) -> bool:
    lowered = type_name.casefold().removeprefix("system.")
    checks = {
        "string": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "int32": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "int64": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "double": lambda v: isinstance(v, float),
        "bool": lambda v: isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "array": lambda v: isinstance(v, list),
        "object[]": lambda v: isinstance(v, list),
        "hashtable": lambda v: isinstance(v, PSHashtable),
        "collections.hashtable": lambda v: isinstance(v, PSHashtable),
        "datetime": lambda v: isinstance(v, dt.datetime),
        "pscustomobject": lambda v: isinstance(v, PSObject),
        "object": lambda v: v is not None,
    }
    return checks.get(lowered, lambda v: False)(value)


def cast(type_name: str, value):
    """[string] [int] [bool] [array] [hashtable] [pscustomobject] [datetime] ...; others are refused by name."""
    lowered = type_name.casefold().removeprefix("system.")
    if lowered == "string":
        return to_string(value)
    if lowered in ("int", "int32", "int64", "long", "uint32", "uint64", "byte"):
        number = to_number(value)
        return int(round(number)) if isinstance(number, float) else number
    if lowered in ("double", "float", "decimal", "single"):
        return float(to_number(value))
    if lowered in ("bool", "boolean"):
        return to_bool(value)
    if lowered in ("array", "object[]", "string[]", "int[]"):
        items = list(as_list(value))
        if lowered == "string[]":
            return [to_string(v) for v in items]
        if lowered == "int[]":
            return [cast("int", v) for v in items]
        return items
    if lowered in ("hashtable", "collections.hashtable", "ordered"):
        if isinstance(value, dict):
            return PSHashtable(value)
        raise RuntimeFailure(
            f'Cannot convert the "{to_string(value)[:40]}" value to type "System.Collections.Hashtable".'
        )
    if lowered in ("pscustomobject", "psobject", "management.automation.pscustomobject"):
        if isinstance(value, dict):
            return PSObject("System.Management.Automation.PSCustomObject", {str(k): v for k, v in value.items()})
        return value
    if lowered == "datetime":
        if isinstance(value, dt.datetime):
            return value
        from .psdates import parse_date  # psdates builds on this module

        parsed = parse_date(to_string(value))
        if parsed is None:
            raise RuntimeFailure(f'Cannot convert value "{to_string(value)[:40]}" to type "System.DateTime".')
        return parsed
    if lowered == "void":
        return None
    if lowered in ("collections.arraylist", "arraylist"):
        return ArrayList(as_list(value) if value is not None else [])
    if _GENERIC_LIST.fullmatch(lowered):
        return GenericList(as_list(value) if value is not None else [])
    raise RuntimeFailure(f"The type [{type_name}] is not available in the exchsim console.")


_GENERIC_LIST = re.compile(r"(?:collections\.generic\.)?list\s*\[.+\]")


# --- Arithmetic --------------------------------------------------------------------------------------------------


def add(a, b, limit: int):
    if isinstance(a, list):
        check_size(len(a) + (len(b) if isinstance(b, list) else 1), limit, array=True)  # `$a = $a + $a` doubles it
        return type(a)([*a, *b]) if isinstance(b, list) else type(a)([*a, b])
    if isinstance(a, PSHashtable) and isinstance(b, dict):
        result = PSHashtable(a)
        for key, value in b.items():
            if key in result:
                raise RuntimeFailure(f"Item has already been added. Key in dictionary: '{key}'")
            result[key] = value
        return result
    if isinstance(a, str):
        text = a + to_string(b)
        check_size(len(text), limit)
        return text
    if isinstance(a, dt.datetime):
        raise RuntimeFailure("Use .AddDays(), .AddHours() or .AddMinutes() to change a date in the exchsim console.")
    if a is None:
        return b
    return _arith(a, b, lambda x, y: x + y)


MAX_WIDTH = 1 << 20  # the default output limit: a padding wider than that is refused before the text is made


def check_width(width: int) -> None:
    """-f's {0,N} and .PadLeft(N) make N characters at once: refuse a width no script could print (a 2,000,000,000
    wide one would take the worker's memory)."""
    check_size(abs(width), MAX_WIDTH)


def check_size(size: int, limit: int, array: bool = False) -> None:
    """A text or an array (`array`) about to be made: one longer than the output limit could never be printed, and
    making it (a doubling in a loop) could exhaust the worker's memory first."""
    if size > limit:
        made = f"The array would hold {size:,} items" if array else f"The value would be {size:,} characters long"
        raise LimitReached(
            f"{made}, more than the console's output limit (EXCHSIM_CONSOLE_MAX_OUTPUT); nothing was applied."
        )


def _arith(a, b, operation):
    x, y = to_number(a), to_number(b)
    result = operation(x, y)
    return (
        int(result)
        if isinstance(result, float) and result.is_integer() and isinstance(x, int) and isinstance(y, int)
        else result
    )


def arithmetic(op: str, a, b, limit: int):
    if op == "+":
        return add(a, b, limit)
    if op == "*" and isinstance(a, str | list):
        count = int(to_number(b))
        check_size(len(a) * max(count, 0), limit, array=isinstance(a, list))
        return a * count if isinstance(a, str) else list(a) * count
    if op == "-" and isinstance(a, dt.datetime):
        from .psdates import TimeSpan, time_span

        if isinstance(b, dt.datetime):
            return time_span(a - b)
        if isinstance(b, TimeSpan):
            return a - dt.timedelta(microseconds=b.get("Ticks") // 10)
    if op == "-":
        return _arith(a, b, lambda x, y: x - y)
    if op == "*":
        return _arith(a, b, lambda x, y: x * y)
    if op in ("/", "%"):
        if to_number(b) == 0:
            raise RuntimeFailure("Attempted to divide by zero.")
        if op == "%":
            return _arith(a, b, lambda x, y: x % y)
        return _arith(a, b, lambda x, y: x / y)
    raise RuntimeFailure(f"The operator {op} is not available in the exchsim console.")


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def format_operator(template, arguments) -> str:
    """`"{0} has {1:N0}" -f $a, $b`: .NET composite formatting (index, alignment, N/D/F/P formats)."""
    items = as_list(arguments)

    def one(match: re.Match) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        index = int(match.group(1))
        value = items[index] if index < len(items) else None
        text = _format_value(value, match.group(3) or "")
        width = int(match.group(2) or 0)
        check_width(width)
        return text.rjust(width) if width > 0 else text.ljust(-width)

    return _FORMAT_ITEM.sub(one, to_string(template))


def _format_value(value, spec: str) -> str:
    if not spec:
        return to_string(value)
    if isinstance(value, dt.datetime):
        return dotnet_date(value, spec)
    kind, digits = spec[0].upper(), spec[1:]
    number = to_number(value, strict=False)
    if number is None:
        return to_string(value)
    places = int(digits) if digits.isdigit() else None
    if kind == "N":
        return f"{number:,.{2 if places is None else places}f}"
    if kind == "F":
        return f"{number:.{2 if places is None else places}f}"
    if kind == "D":
        return str(int(number)).zfill(places or 0)
    if kind == "P":
        return f"{number * 100:.{2 if places is None else places}f} %"
    return to_string(value)


def dotnet_date(value: dt.datetime, spec: str) -> str:
    """A .NET date format (a standard one such as `d` or `o`, or custom: yyyy-MM-dd HH:mm:ss) applied to a date."""
    from .psdates import format_date  # psdates builds on this module

    return format_date(value, spec)
