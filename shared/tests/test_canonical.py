"""The fast canonical encoder writes exactly the reference RFC 8785 bytes, or refuses alike."""

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from periplus.canonical import canonical_bytes

Json: TypeAlias = bool | int | float | str | Sequence["Json"] | Mapping[str, "Json"] | None

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["\x00\x1f\b\f\n\r\t\x7f", "\u2028\u2029", "\ue000", "\U0001f600", 'é"\\/']
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.sampled_from([2**53 - 1, 2**53, -(2**53), 2**64])
    | text
    | st.floats(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4)
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_the_fast_path_writes_the_reference_bytes(value: Json) -> None:
    try:
        expected = rfc8785.dumps(value)
    except Exception:
        with pytest.raises(Exception):  # noqa: B017, PT011 - the same refusal either way
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        {"\U0001f600": 1, "\ue000": 2},  # key order differs between UTF-16 and code points
        {"a": '\u2028\u0007"\\/\x7f'},
        {"n": 2**53 - 1, "f": 1.5e-7},
        {"big": 2**64, "bigger": -(2**70)},
        ["\ud800"],
        {"t": (1, 2)},
    ],
)
def test_values_off_the_fast_path_still_encode_per_rfc_8785(value: Json) -> None:
    try:
        expected = rfc8785.dumps(value)
    except Exception:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical_bytes(value)
        return
    assert canonical_bytes(value) == expected
