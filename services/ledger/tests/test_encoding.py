"""The fast canonical encoder writes exactly the reference RFC 8785 bytes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.log.encoding import canonical
from periplus.canonical import canonical_bytes

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | text
    | st.floats(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4)
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_the_fast_path_writes_the_reference_bytes(value: object) -> None:
    try:
        expected = canonical_bytes(value)
    except Exception:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the same refusal either way
            canonical(value)
        return
    assert canonical(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ue000": 2},  # key order differs between UTF-16 and code points
        {"a": '\u2028\u0007"\\/\x7f'},
        {"n": 2**53 - 1, "f": 1.5e-7},
    ],
)
def test_values_off_the_fast_path_still_encode_per_rfc_8785(value: object) -> None:
    assert canonical(value) == canonical_bytes(value)
