"""The contract's amounts are decimal strings every reader can compute with: plain digits,
as trips-api writes them, and never an exponent, NaN or infinity."""

import pytest
from pydantic import ValidationError

from periplus.public import Money


@pytest.mark.parametrize(
    "amount", ["0", "0.10", "1234.50", "-3.5", "1000000000000000000000.00", "0.00000001234"]
)
def test_plain_decimals_are_amounts(amount: str) -> None:
    assert Money(amount=amount, currency="USD").amount == amount


@pytest.mark.parametrize(
    "amount", ["NaN", "Infinity", "-Infinity", "1e3", "1E+3", "abc", "01", "1.", ".5", "", " 1"]
)
def test_anything_else_is_refused(amount: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=amount, currency="USD")
