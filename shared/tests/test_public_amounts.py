"""The contract's amounts are decimal strings every reader can compute with: plain digits,
as trips-api writes them (leading zeros included, as a client may send a rate), never an
exponent, NaN or infinity, and within the default decimal context's 28 digits."""

import pytest
from pydantic import ValidationError

from periplus.public import Money


@pytest.mark.parametrize(
    "amount",
    [
        "0",
        "0.10",
        "1234.50",
        "-3.5",
        "01.5",
        "00.00068",
        "99999999999999999999.9999999999",  # 20 digits before the point, 10 after
    ],
)
def test_plain_decimals_are_amounts(amount: str) -> None:
    assert Money(amount=amount, currency="USD").amount == amount


@pytest.mark.parametrize(
    "amount",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e3",
        "1E+3",
        "abc",
        "1.",
        ".5",
        "",
        " 1",
        "1" + "0" * 20,  # 21 digits before the point
        "0." + "1" * 11,  # 11 after it
    ],
)
def test_anything_else_is_refused(amount: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=amount, currency="USD")
