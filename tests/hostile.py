"""Hypothesis strategies for hostile input: texts with NUL, control characters and huge lengths, wrong JSON types,
deep nesting and unknown keys; used by the lab-file and form fuzz tests."""

from hypothesis import strategies as st

# The texts an attacker or a careless paste sends: NUL, CR/LF, quotes and PowerShell metacharacters, right-to-left
# marks, astral characters, and lengths around and far beyond every limit (15, 64, 255, 256, 500).
_ALPHABET = st.sampled_from(["a", "Z", "0", " ", "\0", "\r", "\n", "'", '"', "`", "$", "\\", ",", ";", "\u202e", "😀"])
hostile_text = st.one_of(
    st.text(_ALPHABET, max_size=20),
    st.text(max_size=30),
    st.builds(
        lambda c, n: c * n, st.sampled_from(["a", "\0", "é", "1"]), st.sampled_from([15, 16, 64, 65, 256, 257, 501])
    ),
    st.builds(lambda n: "x" * n, st.integers(min_value=1_000, max_value=20_000)),
)
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    hostile_text,
)


def nested(depth: int):
    """A list or object nested `depth` levels deep."""
    value = []
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


json_value = st.recursive(
    scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(hostile_text, inner, max_size=3)),
    max_leaves=8,
)
hostile_json = st.one_of(json_value, st.integers(min_value=50, max_value=900).map(nested))
