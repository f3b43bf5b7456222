"""Amounts in any ISO 4217 currency, also recorded in the city's reporting currency.

Every conversion keeps its rate and the rate's date, so that anyone can redo
the sum. Rates come from the client or, failing that, from the city's
configured table; an amount that cannot be converted is refused, not guessed.
"""

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache

from babel.numbers import get_currency_precision

from periplus.public import CostItem, InKind, Money
from trips_api.settings import Settings

LARGEST_TOTAL = Decimal(10) ** 15
"""The most that a list of amounts (a budget, the actual costs) may add up to in the
reporting currency: far above any trip's cost in any currency, and far below the 20
digits that a public amount may have, so that no sum or share of it overflows them."""


class NoRateError(ValueError):
    """No exchange rate was sent and none is configured for the currency."""


@cache
def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(currency))


def quantize(value: Decimal, currency: str) -> Decimal:
    return value.quantize(_exponent(currency), rounding=ROUND_HALF_EVEN)


def money(value: Decimal, currency: str) -> Money:
    return Money(amount=format(quantize(value, currency), "f"), currency=currency)


def spelled(amount: str, currency: str) -> str:
    """One spelling for each amount: the currency's decimals ("2480.0" EUR is "2480.00"),
    and no trailing zero past them, so that writing a value otherwise changes nothing."""
    value = Decimal(amount)
    shown = quantize(value, currency)
    return format(shown if shown == value else value.normalize(), "f")


def spelled_rate(rate: str) -> str:
    """One spelling for each rate: no trailing zero ("0.000680" is "0.00068")."""
    return format(Decimal(rate).normalize(), "f")


def resolve_rate(
    settings: Settings, currency: str, rate: str | None, rate_date: date | None, today: date
) -> tuple[str, date]:
    """The rate and date to record for an amount in ``currency``."""
    if currency == settings.reporting_currency:
        return "1", rate_date or today
    if rate is not None:
        return rate, rate_date or today
    configured = settings.exchange_rates.get(currency)
    if configured is None:
        raise NoRateError(
            f"no exchange rate from {currency} to {settings.reporting_currency}: "
            "send `exchange_rate` (and `rate_date`), or configure TRIPS_EXCHANGE_RATES"
        )
    return format(configured, "f"), settings.exchange_rates_date or today


def cost_item(reporting_currency: str, item: dict[str, object]) -> CostItem:
    """The public cost item of a stored one (whose rate is already resolved)."""
    amount = item["amount"]
    assert isinstance(amount, dict)
    rate = Decimal(str(item["exchange_rate"]))
    converted = Decimal(str(amount["amount"])) * rate
    return CostItem(
        category=item["category"],
        payer=item["payer"],
        payer_name=item.get("payer_name"),
        amount=Money(amount=str(amount["amount"]), currency=str(amount["currency"])),
        reporting=money(converted, reporting_currency),
        exchange_rate=str(item["exchange_rate"]),
        rate_date=item["rate_date"],
    )


def in_kind(reporting_currency: str, item: dict[str, object]) -> InKind:
    value = item["estimated_value"]
    assert isinstance(value, dict)
    converted = Decimal(str(value["amount"])) * Decimal(str(item["exchange_rate"]))
    return InKind(
        giver=str(item["giver"]),
        description=str(item["description"]),
        estimated_value=money(converted, reporting_currency),
    )


def total(items: Iterable[CostItem], currency: str, *, payer: str | None = None) -> Money:
    """The sum in the reporting currency, of every item or of one payer's."""
    value = sum(
        (Decimal(i.reporting.amount) for i in items if payer is None or i.payer == payer),
        Decimal(0),
    )
    return money(value, currency)
