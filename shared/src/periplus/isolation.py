"""One record the database or the code cannot take must not hold back the others.

A consumer applies a batch in one transaction. When that fails because of a
record (data the database cannot store, a constraint it breaks, a shape the
code cannot fold), the batch is applied again one record at a time, each in
a savepoint, and the record that fails on its own is refused with the reason.
A database that fails (a lost connection, a timeout, a lock, a conflict
between transactions) fails the batch, which is retried whole: quarantining
good records for a passing outage would be worse than waiting. So does a
``RetryLaterError``: the caller found the database's state, not the record, at fault
(another writer's rows in the way).
"""

import sqlite3
from collections.abc import Callable, Sequence
from typing import TypeVar

import psycopg
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

T = TypeVar("T")

_RECORD = (sqlite3.DataError, sqlite3.IntegrityError, psycopg.DataError, psycopg.IntegrityError)


class RetryLaterError(Exception):
    """The write failed because of the database's state, not the record's: roll back and
    apply the batch again later; never refuse the record for it."""


_DATABASE = (sqlite3.Error, psycopg.Error, sa_exc.SQLAlchemyError, OSError, RetryLaterError)


def record_at_fault(error: BaseException) -> bool:
    """Whether ``error`` is the record's doing rather than the database's or the network's."""
    if isinstance(error, sa_exc.StatementError) and error.orig is not None:
        error = error.orig  # the driver's error, or the code's, behind SQLAlchemy's wrapper
    if isinstance(error, _RECORD):
        return True
    return isinstance(error, Exception) and not isinstance(error, _DATABASE)


def describe(error: BaseException) -> str:
    """The error in one line, without the statement and parameters SQLAlchemy appends."""
    if isinstance(error, sa_exc.StatementError) and error.orig is not None:
        error = error.orig
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {first}"[:500]


def apply_isolated(
    session: Session,
    items: Sequence[T],
    apply: Callable[[Sequence[T]], None],
    refuse: Callable[[T, str], None],
    *,
    stop_at_refusal: bool = False,
) -> list[T]:
    """Apply ``items`` in one savepoint; if a record is at fault, each in its own.

    A record that fails on its own goes to ``refuse`` with the reason, and the
    next are still applied (or, with ``stop_at_refusal``, left for later: a
    source's events must not pass one that is missing). Returns those applied.
    """
    if not items:
        return []
    try:
        with session.begin_nested():
            apply(items)
        return list(items)
    except Exception as error:
        if not record_at_fault(error):
            raise
    applied: list[T] = []
    for item in items:
        try:
            with session.begin_nested():
                apply([item])
        except Exception as error:
            if not record_at_fault(error):
                raise
            refuse(item, describe(error))
            if stop_at_refusal:
                break
            continue
        applied.append(item)
    return applied
