"""Yearbooks compared as readers see them, for the tally's and the cache's tests."""

from dataclasses import fields
from decimal import Decimal
from typing import Any

from notifier.publish.tally import Yearbook


def exact(value: Any) -> Any:
    """A value that compares equal only if the two read the same: decimals by their digits
    (``4000.00`` is not ``4000.000``), sets and mappings whatever their order."""
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, Yearbook):
        return exact({f.name: getattr(value, f.name) for f in fields(value)})
    if hasattr(value, "__dataclass_fields__"):
        return exact({f.name: getattr(value, f.name) for f in fields(value)})
    if isinstance(value, dict):  # Counter too: a key counted zero would show here
        return ("map", sorted((repr(k), exact(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return ("set", sorted(repr(v) for v in value))
    if isinstance(value, list | tuple):
        return ("list", [exact(v) for v in value])
    return value


def sorted_notices(book: Yearbook) -> Any:
    """What a median reads: the notices whatever their order."""
    return {y: sorted(v.notices) for y, v in book.years.items()}
