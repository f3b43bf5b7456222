"""Text quoting untrusted input, made storable in any database's text column."""

import pytest

from periplus.storable import storable


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("key \x00 here", "key \\u0000 here"),
        ("\ud800 and \udfff", "\\ud800 and \\udfff"),
        ("tab\tand é and 🚆", "tab\tand é and 🚆"),
    ],
    ids=["NUL", "lone surrogates", "other text as it is"],
)
def test_nul_and_lone_surrogates_are_escaped_and_the_rest_kept(text: str, stored: str) -> None:
    assert storable(text) == stored
    stored.encode()  # UTF-8 takes it


def test_the_cut_comes_after_escaping() -> None:
    assert storable("\x00" * 10, 13) == "\\u0000\\u0000\\"
