"""Choosing the reader's language and formatting dates, amounts and countries in it."""

from datetime import date
from decimal import Decimal
from typing import Any

import pycountry
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent

from periplus.public import Money
from periplus.sdg import GOALS, LANGUAGES

DEFAULT = "en"
Day = date  # the type, where ``Formats.date`` hides its name


def negotiate(query: str | None, accept_language: str | None) -> str:
    """``?lang=`` wins, then the best of Accept-Language, then English."""
    if query and query.lower()[:2] in LANGUAGES:
        return query.lower()[:2]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        code = tag.strip().lower()[:2]
        if code in LANGUAGES and weight > 0:
            ranked.append((-weight, position, code))
    return min(ranked)[2] if ranked else DEFAULT


class Formats:
    """Local formats for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.locale = Locale.parse(self.lang)

    def date(self, value: Any, length: str = "long") -> str:
        try:
            moment = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return str(format_date(moment, format=length, locale=self.locale))

    def month(self, moment: Day) -> str:
        """A month and its year, standing alone: "March 2026", "marzo de 2026"."""
        return str(format_skeleton("yMMMM", moment, locale=self.locale))

    def money(self, money: Any) -> str:
        if isinstance(money, Money):
            return self.amount(money.amount, money.currency)
        if not isinstance(money, dict):
            return ""
        return self.amount(money.get("amount"), str(money.get("currency", "")))

    def amount(self, amount: Any, currency: str) -> str:
        """An amount in the reader's language; the text as the entry states it where it is
        no finite decimal the formatter can write (a signed entry may state anything)."""
        try:
            value = Decimal(str(amount))
            if not value.is_finite():
                raise ArithmeticError(value)
            if len(currency) != 3:
                return str(format_decimal(value, locale=self.locale))
            return str(format_currency(value, currency, locale=self.locale))
        except ArithmeticError:
            return f"{amount} {currency}"

    def whole(self, amount: float, currency: str) -> str:
        """An amount rounded to whole units, as charts write it ("$12,346"); plain digits
        where it is past what the formatter can write."""
        try:
            if len(currency) != 3:
                return self.number(round(amount))
            pattern = self.locale.currency_formats["standard"].pattern.split(";")[0]
            whole = pattern.replace(".00", "")
            return str(
                format_currency(
                    round(amount), currency, whole, locale=self.locale, currency_digits=False
                )
            )
        except (ArithmeticError, ValueError):
            return f"{amount:.0f} {currency}"

    def number(self, value: Any) -> str:
        return str(format_decimal(value, locale=self.locale))

    def decimal1(self, value: float) -> str:
        """One decimal place, as in "1.5 times"."""
        return str(format_decimal(value, format="#,##0.0", locale=self.locale))

    def percent(self, share: float) -> str:
        return str(format_percent(share, locale=self.locale))

    def country(self, code: Any) -> str:
        """A country's name in the reader's language (Babel), checked against ISO 3166."""
        text = str(code or "").upper()
        found = pycountry.countries.get(alpha_2=text) if len(text) == 2 else None
        if found is None:
            return str(code or "")
        return str(self.locale.territories.get(text) or found.name)

    def join(self, items: list[str]) -> str:
        items = [i for i in items if i]
        return str(format_list(items, locale=self.locale)) if items else ""

    def goal(self, number: Any) -> str:
        try:
            return GOALS[int(number)].name(self.lang)
        except (KeyError, ValueError, TypeError):
            return str(number)
