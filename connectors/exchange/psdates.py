"""Dates in the console as .NET and PowerShell show them: DateTime.ToString's standard and custom formats (en-US,
the culture EMS runs in), Get-Date -UFormat, the DateTime methods scripts call, and a date minus a date (TimeSpan).

A date is a naive Python datetime in the machine's local time, as Get-Date's are (DateTimeKind.Local).
"""

from __future__ import annotations

import datetime as dt

from .psvalues import PSObject, RuntimeFailure

BAD_FORMAT = 'Exception calling "ToString" with "1" argument(s): "Input string was not in a correct format."'

# DateTimeFormatInfo of en-US: the standard formats are shorthands for these custom ones.
_STANDARD = {
    "d": "M/d/yyyy",
    "D": "dddd, MMMM d, yyyy",
    "f": "dddd, MMMM d, yyyy h:mm tt",
    "F": "dddd, MMMM d, yyyy h:mm:ss tt",
    "g": "M/d/yyyy h:mm tt",
    "G": "M/d/yyyy h:mm:ss tt",
    "m": "MMMM d",
    "M": "MMMM d",
    "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "h:mm tt",
    "T": "h:mm:ss tt",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, MMMM d, yyyy h:mm:ss tt",
    "y": "MMMM yyyy",
    "Y": "MMMM yyyy",
}
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _offset(value: dt.datetime) -> dt.timedelta:
    aware = value if value.tzinfo else value.astimezone()
    return aware.utcoffset() or dt.timedelta()


def _hours_offset(value: dt.datetime, width: int, minutes: bool) -> str:
    total = int(_offset(value).total_seconds() // 60)
    sign = "-" if total < 0 else "+"
    hours, rest = divmod(abs(total), 60)
    return f"{sign}{hours:0{width}d}" + (f":{rest:02d}" if minutes else "")


def _utc(value: dt.datetime) -> dt.datetime:
    return (value - _offset(value)).replace(tzinfo=None)


def _field(value: dt.datetime, letter: str, count: int) -> str:
    hour12 = value.hour % 12 or 12
    if letter == "d":
        if count >= 4:
            return _DAYS[value.weekday()]
        return _DAYS[value.weekday()][:3] if count == 3 else f"{value.day:0{count}d}"
    if letter == "M":
        if count >= 4:
            return _MONTHS[value.month - 1]
        return _MONTHS[value.month - 1][:3] if count == 3 else f"{value.month:0{count}d}"
    if letter == "y":
        return f"{value.year % 100:0{count}d}" if count <= 2 else f"{value.year:0{count}d}"
    if letter in "fF":
        digits = f"{value.microsecond:06d}0"[: min(count, 7)]
        return digits if letter == "f" else digits.rstrip("0")
    if letter == "z":
        return _hours_offset(value, 2 if count >= 2 else 1, count >= 3)
    simple = {
        "h": hour12,
        "H": value.hour,
        "m": value.minute,
        "s": value.second,
    }
    if letter in simple:
        return f"{simple[letter]:0{min(count, 2)}d}"
    if letter == "t":
        marker = "AM" if value.hour < 12 else "PM"
        return marker[:1] if count == 1 else marker
    if letter == "g":
        return "A.D."
    return _hours_offset(value, 2, True)  # K: a local date's offset


def format_date(value: dt.datetime, spec: str) -> str:
    """DateTime.ToString(spec) / Get-Date -Format spec in en-US: a one-letter standard format or a custom one."""
    if not spec:
        spec = "G"
    if len(spec) == 1:
        if spec not in _STANDARD:
            raise RuntimeFailure(BAD_FORMAT)
        if spec in "rRuU":
            value = _utc(value)
        spec = _STANDARD[spec]
    elif spec[0] == "%" and len(spec) == 2:
        spec = spec[1]  # "%d": the custom specifier alone
        return _field(value, spec, 1) if spec in "dMyfFhHmstzgK" else spec
    out, i = [], 0
    while i < len(spec):
        c = spec[i]
        if c in "dMyfFhHmstzgK":
            count = 1
            while i + count < len(spec) and spec[i + count] == c:
                count += 1
            out.append(_field(value, c, count))
            i += count
        elif c in "'\"":
            end = spec.find(c, i + 1)
            end = len(spec) if end < 0 else end
            out.append(spec[i + 1 : end])
            i = end + 1
        elif c == "\\" and i + 1 < len(spec):
            out.append(spec[i + 1])
            i += 2
        elif c == "%":
            i += 1
        else:
            out.append(c)  # ':' and '/' are en-US's own separators
            i += 1
    return "".join(out)


def general(value: dt.datetime) -> str:
    """DateTime.ToString() in en-US, as a table or list cell shows a date: 3/5/2024 2:07:09 PM."""
    return format_date(value, "G")


def uformat(value: dt.datetime, spec: str) -> str:
    """Get-Date -UFormat: the Unix-style specifiers PowerShell documents."""
    utc_seconds = int((_utc(value) - dt.datetime(1970, 1, 1)).total_seconds())
    table = {
        "a": lambda: format_date(value, "ddd"),
        "A": lambda: format_date(value, "dddd"),
        "b": lambda: format_date(value, "MMM"),
        "B": lambda: format_date(value, "MMMM"),
        "c": lambda: format_date(value, "ddd MMM ") + f"{value.day:2d}" + format_date(value, " HH:mm:ss yyyy"),
        "C": lambda: f"{value.year // 100:02d}",
        "d": lambda: f"{value.day:02d}",
        "D": lambda: format_date(value, "MM/dd/yy"),
        "e": lambda: f"{value.day:2d}",
        "F": lambda: format_date(value, "yyyy-MM-dd"),
        "g": lambda: f"{value.isocalendar()[0] % 100:02d}",
        "G": lambda: str(value.isocalendar()[0]),
        "h": lambda: format_date(value, "MMM"),
        "H": lambda: f"{value.hour:02d}",
        "I": lambda: f"{value.hour % 12 or 12:02d}",
        "j": lambda: f"{value.timetuple().tm_yday:03d}",
        "k": lambda: f"{value.hour:2d}",
        "l": lambda: f"{value.hour % 12 or 12:2d}",
        "m": lambda: f"{value.month:02d}",
        "M": lambda: f"{value.minute:02d}",
        "n": lambda: "\n",
        "p": lambda: "AM" if value.hour < 12 else "PM",
        "r": lambda: format_date(value, "hh:mm:ss tt"),
        "R": lambda: format_date(value, "HH:mm"),
        "s": lambda: str(utc_seconds),
        "S": lambda: f"{value.second:02d}",
        "t": lambda: "\t",
        "T": lambda: format_date(value, "HH:mm:ss"),
        "u": lambda: str(value.isoweekday()),
        "U": lambda: value.strftime("%U"),
        "V": lambda: f"{value.isocalendar()[1]:02d}",
        "w": lambda: str(value.isoweekday() % 7),
        "W": lambda: value.strftime("%W"),
        "x": lambda: format_date(value, "MM/dd/yy"),
        "X": lambda: format_date(value, "HH:mm:ss"),
        "y": lambda: f"{value.year % 100:02d}",
        "Y": lambda: str(value.year),
        "Z": lambda: _hours_offset(value, 2, False),
    }
    out, i = [], 0
    while i < len(spec):
        if spec[i] == "%" and i + 1 < len(spec):
            letter = spec[i + 1]
            out.append(table[letter]() if letter in table else letter)
            i += 2
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def _months_later(value: dt.datetime, months: int) -> dt.datetime:
    index = value.month - 1 + months
    year, month = value.year + index // 12, index % 12 + 1
    if not 1 <= year <= 9999:
        raise RuntimeFailure(
            'Exception calling "AddMonths" with "1" argument(s): "The added or subtracted value results in an '
            'un-representable DateTime."'
        )
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return value.replace(year=year, month=month, day=min(value.day, last))


def time_span(delta: dt.timedelta) -> PSObject:
    """A System.TimeSpan (a date minus a date, New-TimeSpan): its parts and totals, as Format-List shows them."""
    ticks = (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
    sign = -1 if ticks < 0 else 1
    whole, fraction = divmod(abs(ticks), 10_000_000)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    total = ticks / 10_000_000
    return TimeSpan(
        "System.TimeSpan",
        {
            "Days": sign * days,
            "Hours": sign * hours,
            "Minutes": sign * minutes,
            "Seconds": sign * seconds,
            "Milliseconds": sign * (fraction // 10_000),
            "Ticks": ticks,
            "TotalDays": total / 86_400,
            "TotalHours": total / 3_600,
            "TotalMinutes": total / 60,
            "TotalSeconds": total,
            "TotalMilliseconds": total * 1000,
        },
    )


class TimeSpan(PSObject):
    """Prints as .NET's TimeSpan.ToString(): [-][d.]hh:mm:ss[.fffffff]."""

    __slots__ = ()

    def __str__(self) -> str:
        ticks = self.get("Ticks")
        sign = "-" if ticks < 0 else ""
        whole, fraction = divmod(abs(ticks), 10_000_000)
        days, rest = divmod(whole, 86_400)
        hours, rest = divmod(rest, 3_600)
        minutes, seconds = divmod(rest, 60)
        text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
        return text + (f".{fraction:07d}" if fraction else "")


def date_method(value: dt.datetime, name: str, args: list, to_number, to_string):
    """The DateTime methods scripts call; None when the name isn't one (the caller says so)."""
    amounts = {
        "adddays": "days",
        "addhours": "hours",
        "addminutes": "minutes",
        "addseconds": "seconds",
        "addmilliseconds": "milliseconds",
    }
    if name in amounts:
        return value + dt.timedelta(**{amounts[name]: float(to_number(args[0]))})
    if name == "addmonths":
        return _months_later(value, int(to_number(args[0])))
    if name == "addyears":
        return _months_later(value, 12 * int(to_number(args[0])))
    if name == "tostring":
        return format_date(value, to_string(args[0])) if args else general(value)
    shorthands = {
        "toshortdatestring": "d",
        "tolongdatestring": "D",
        "toshorttimestring": "t",
        "tolongtimestring": "T",
    }
    if name in shorthands:
        return format_date(value, shorthands[name])
    if name == "touniversaltime":
        return _utc(value)
    if name == "tolocaltime":
        return value
    if name == "subtract" and args and isinstance(args[0], dt.datetime):
        return time_span(value - args[0])
    return None


def date_member(value: dt.datetime, name: str):
    parts = {
        "year": value.year,
        "month": value.month,
        "day": value.day,
        "hour": value.hour,
        "minute": value.minute,
        "second": value.second,
        "millisecond": value.microsecond // 1000,
        "dayofweek": _DAYS[value.weekday()],
        "dayofyear": value.timetuple().tm_yday,
        "date": value.replace(hour=0, minute=0, second=0, microsecond=0),
        "kind": "Local",
    }
    return parts.get(name)


_PARSED = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%B %d, %Y %I:%M:%S %p",
    "%B %d, %Y",
    "%A, %B %d, %Y %I:%M:%S %p",
    "%A, %B %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%b %d %Y",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
    "%Y/%m/%d",
    "%Y/%m/%d %H:%M:%S",
)


def parse_date(text: str) -> dt.datetime | None:
    """A date as [datetime] and Get-Date -Date read one (the invariant culture: month before day): ISO 8601,
    3/5/2024, 3/5/2024 2:07 PM, March 5, 2024, ...; None when it is none of these."""
    text = " ".join(text.strip().split())
    try:
        parsed = dt.datetime.fromisoformat(text.removesuffix("Z"))
        return parsed.astimezone().replace(tzinfo=None) if parsed.tzinfo else parsed
    except ValueError:
        pass
    for pattern in _PARSED:
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None
