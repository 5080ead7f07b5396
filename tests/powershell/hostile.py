"""Hypothesis strategies for hostile console scripts: token soups from the PowerShell grammar's tokens and the
console's cmdlets and parameters, deep nesting, huge and malformed numbers, NUL and odd line endings."""

from hypothesis import strategies as st

from connectors.exchange import ems

CMDLETS = sorted(ems._CMDLETS)
PARAMETERS = sorted({name for _, spec in ems._CMDLETS.values() for name in spec.parameters} | set(ems._COMMON))
IDENTITIES = [
    "EX01\\Default Frontend EX01",
    "Client Proxy EX01",
    "EX01",
    "contoso.com",
    "NT AUTHORITY\\ANONYMOUS LOGON",
]
RIGHTS = ["ms-Exch-SMTP-Submit", "ms-Exch-SMTP-Accept-Any-Recipient", "Ms-Exch-Bypass-Anti-Spam"]
LINE_ENDINGS = ["\n", "\r\n", "\r"]
# The grammar's punctuation and operators, and words it treats specially.
PUNCTUATION = [
    "|",
    ";",
    ",",
    "(",
    ")",
    "@(",
    "$(",
    "@{",
    "{",
    "}",
    "=",
    ".",
    ":",
    "`",
    "#",
    "&&",
    "||",
    "[int]",
    "..",
    "+",
]
OPERATORS = ["-and", "-or", "-xor", "-not", "!", "-eq", "-ne", "-like", "-notlike", "-match", "-gt"]
VARIABLES = ["$true", "$false", "$null", "$_", "$_.Name", "$_.Enabled", "$x", "$env:PATH", "${a}"]
KEYWORDS = ["where", "?", "fl", "ft", "Format-List", "Export-Clixml", "if", "foreach", "function", "Invoke-Expression"]

_odd_text = st.text(
    alphabet=st.sampled_from(list("abc EX01\\.'\"`$@(){};|,:-0123456789\u2018\u201c\u201d\x00\r\n\t*#")), max_size=30
)


@st.composite
def numbers(draw) -> str:
    digits = draw(st.one_of(st.integers(0, 2**70).map(str), st.integers(1, 6000).map(lambda n: "9" * n)))
    shape = draw(
        st.sampled_from(["{d}", "{d}l", "{d}kb", "{d}.5mb", "0x{d}", "{d}e999", "'{d} MB'", "'{d}.{d}.{d}GB'"])
    )
    return shape.format(d=digits)


@st.composite
def strings(draw) -> str:
    body = draw(st.one_of(st.sampled_from(IDENTITIES + RIGHTS), _odd_text))
    quote = draw(st.sampled_from(["'", '"', "@'\n", '@"\n', ""]))
    if quote.startswith("@"):
        return f"{quote}{body}\n{quote[1]}@"
    return f"{quote}{body.replace(quote, quote * 2) if quote else body}{quote}"


@st.composite
def nested(draw) -> str:
    opening = draw(st.sampled_from(["(", "@(", "$(", "@{a=", "{", "-not "]))
    closing = {"(": ")", "@(": ")", "$(": ")", "@{a=": "}", "{": "}", "-not ": ""}[opening]
    depth = draw(st.integers(0, 250))
    return opening * depth + draw(st.one_of(strings(), numbers())) + closing * depth


def tokens():
    return st.one_of(
        st.sampled_from(CMDLETS),
        st.sampled_from(PARAMETERS).map(lambda name: "-" + name),
        st.sampled_from(PARAMETERS).map(lambda name: f"-{name}:"),
        st.sampled_from(PUNCTUATION + OPERATORS + VARIABLES + KEYWORDS + LINE_ENDINGS),
        strings(),
        numbers(),
        nested(),
    )


@st.composite
def commands(draw) -> str:
    """A line that starts like a real command, then goes wrong (or not)."""
    words = [draw(st.sampled_from(CMDLETS))]
    for _ in range(draw(st.integers(0, 6))):
        words.append("-" + draw(st.sampled_from(PARAMETERS)))
        words.append(draw(st.one_of(strings(), numbers(), nested(), st.sampled_from(VARIABLES))))
    if draw(st.booleans()):
        words += ["|", draw(st.sampled_from(CMDLETS + ["where {$_.Enabled -eq $true -and $_.Name -like 'D*'}", "fl"]))]
    return " ".join(words)


@st.composite
def scripts(draw) -> str:
    """A whole script: a few commands and token soups, joined by any of PowerShell's line endings."""
    parts = draw(
        st.lists(st.one_of(commands(), st.lists(tokens(), max_size=12).map(" ".join), nested()), min_size=1, max_size=4)
    )
    return "".join(part + draw(st.sampled_from(LINE_ENDINGS)) for part in parts)
