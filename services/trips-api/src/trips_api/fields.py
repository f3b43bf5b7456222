"""Constrained field types shared by every request schema.

Text refuses control characters (C0, DEL, C1) and lone surrogates: both are bad input,
and PostgreSQL would refuse a NUL byte with a server error if it got that far. It also
refuses the characters that make text read otherwise than it is stored: the line and
paragraph separators (text breaks lines with a line feed), the bidirectional embeddings,
overrides and isolates (which reorder what follows them on screen) and the byte order
mark. A single line refuses line breaks too, and the invisible characters that would let
one name pass for another (zero-width space, word joiner, soft hyphen); the zero-width
joiner and non-joiner stay, as some scripts spell words with them.
"""

import re
from datetime import date
from decimal import Decimal
from typing import Annotated

import pycountry
from pydantic import AfterValidator, Field, StringConstraints

_MISLEADING = "\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
_FORBIDDEN = re.compile(
    f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_MISLEADING}]"
)
_SINGLE_LINE_FORBIDDEN = re.compile(
    f"[\\x00-\\x1f\\x7f-\\x9f\\xad\\ud800-\\udfff\\u200b\\u2060{_MISLEADING}]"
)


def clean_text(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError(
            "contains control characters, invisible formatting characters or invalid code points"
        )
    return value


def clean_line(value: str) -> str:
    if _SINGLE_LINE_FORBIDDEN.search(value):
        raise ValueError(
            "contains line breaks, control characters, invisible characters or invalid code points"
        )
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(clean_line),
]
"""A short single-line text: a title, a name, a position."""

LongText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
    AfterValidator(clean_text),
]
"""Plain words over several lines: a purpose, a reason, a summary."""

Url = Annotated[
    str,
    StringConstraints(max_length=2000, pattern=r"^https?://[^\s]+$"),
    AfterValidator(clean_line),
]


def _country(value: str) -> str:
    value = value.upper()
    if len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return value


def _currency(value: str) -> str:
    if pycountry.currencies.get(alpha_3=value) is None:
        raise ValueError("not an ISO 4217 currency code")
    return value


Country = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$"),
    AfterValidator(_country),
    Field(description="ISO 3166-1 alpha-2 code, e.g. `KR`."),
]
Currency = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    AfterValidator(_currency),
    Field(description="ISO 4217 code, e.g. `EUR`."),
]


Amount = Annotated[
    str,
    StringConstraints(pattern=r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$"),
    Field(description='An exact decimal amount as a string, e.g. `"1234.50"`; never a float.'),
]


def _positive_rate(value: str) -> str:
    if Decimal(value) <= 0:
        raise ValueError("an exchange rate is greater than zero")
    return value


Rate = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,8}(\.[0-9]{1,10})?$"),
    AfterValidator(_positive_rate),
    Field(description="Reporting-currency units per unit of the amount's currency, as a string."),
]


def _sane_date(value: date) -> date:
    if not 1900 <= value.year <= 2200:
        raise ValueError("a date between the years 1900 and 2200")
    return value


Day = Annotated[date, AfterValidator(_sane_date)]
"""A calendar date in a range where date arithmetic cannot overflow."""

Code = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$"),
    Field(description="Lower-case letters, digits and hyphens, e.g. `mobility`."),
]
