"""Exact amounts and conversions into the reporting currency."""

from datetime import date
from decimal import Decimal

import pytest

from periplus.public import CostItem, Money
from trips_api import money
from trips_api.settings import Settings

DAY = date(2026, 11, 2)


def _settings(**values: object) -> Settings:
    return Settings(database_url="sqlite://", **values)  # type: ignore[arg-type]


def test_amounts_round_half_even_to_the_currency_minor_unit() -> None:
    assert money.money(Decimal("2.345"), "EUR") == Money(amount="2.34", currency="EUR")
    assert money.money(Decimal("2.355"), "EUR") == Money(amount="2.36", currency="EUR")
    assert money.money(Decimal("1234.5"), "JPY") == Money(amount="1234", currency="JPY")
    assert money.money(Decimal("1.2345"), "BHD") == Money(amount="1.234", currency="BHD")


def test_a_clients_rate_wins_over_the_configured_one() -> None:
    settings = _settings(exchange_rates={"USD": "0.9"}, exchange_rates_date=date(2026, 11, 1))
    assert money.resolve_rate(settings, "USD", "0.95", date(2026, 10, 30), DAY) == (
        "0.95",
        date(2026, 10, 30),
    )
    assert money.resolve_rate(settings, "USD", None, None, DAY) == ("0.9", date(2026, 11, 1))
    assert money.resolve_rate(settings, "EUR", None, None, DAY) == ("1", DAY)


def test_no_rate_is_an_error_not_a_guess() -> None:
    with pytest.raises(money.NoRateError, match="GBP"):
        money.resolve_rate(_settings(), "GBP", None, None, DAY)


def test_totals_are_exact_sums_of_reporting_amounts() -> None:
    items = [
        money.cost_item(
            "EUR",
            {
                "category": "other",
                "payer": payer,
                "amount": {"amount": "0.10", "currency": "USD"},
                "exchange_rate": "1.1",
                "rate_date": "2026-11-01",
            },
        )
        for payer in ("city", "city", "host")
    ]
    assert all(isinstance(i, CostItem) for i in items)
    assert items[0].reporting == Money(amount="0.11", currency="EUR")
    assert money.total(items, "EUR") == Money(amount="0.33", currency="EUR")
    assert money.total(items, "EUR", payer="city") == Money(amount="0.22", currency="EUR")


@pytest.mark.parametrize("rate", ["0", "-1", "0.00000000001", "123456789", "NaN"])
def test_a_configured_rate_has_the_digits_a_client_s_rate_may_have(rate: str) -> None:
    """Positive, at most 8 digits before the point and 10 after: what the contract takes."""
    with pytest.raises(ValueError, match="exchange_rates"):
        _settings(exchange_rates={"USD": rate})
    assert _settings(exchange_rates={"USD": "12345678.0123456789"}).exchange_rates["USD"]
