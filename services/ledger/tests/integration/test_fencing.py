"""A writer that lost its role appends nothing, and a clash with another writer's append is
the database's trouble, never the event's: the event is not quarantined, it is taken later."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlmodel import Session

from ledger import state
from ledger.ingest.records import Received
from ledger.ingest.service import Ingestor
from ledger.log.fact import fact
from ledger.log.writer_lock import LOCK_KEY, WriterLostError
from ledger.testing import SOURCE, Ledger, event, serve, source_keys
from periplus.isolation import RetryLaterError
from periplus.testing import eventually


def seqs(ledger: Ledger) -> list[int]:
    entries = ledger.get("/v1/log/entries", start=0, end=100).json()["entries"]
    return [e["event"]["seq"] for e in entries]


def quarantined(ledger: Ledger) -> list[dict[str, Any]]:
    return list(ledger.get("/v1/log/quarantine").json()["events"])


def take(ingestor: Ingestor, ledger: Ledger, received: list[Received]) -> None:
    with Session(ledger.engine) as session:
        ingestor.handle(session, received)
        session.commit()


def test_an_event_another_writer_appended_meanwhile_is_not_quarantined(
    ledger: Ledger, backend: str
) -> None:
    """Two writers take the same event; the second reads the tree, then the first commits
    its append: the second's insert clashes on the log's unique index. It is rolled back to
    be tried again, and the event is found logged then, not listed as one the log cannot
    store. (On SQLite a writer's transaction holds the database's write lock from its
    start, so no other append comes between its reads and its writes.)"""
    if backend != "postgresql":
        pytest.skip("SQLite's BEGIN IMMEDIATE orders the two writers whole")
    first = event(1, uuid.uuid4())
    other = Ingestor(ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys())
    late = Ingestor(ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys())
    received = [Received("trips/0/0", first.leaf, fact(first))]
    pending = [True]

    def meanwhile(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        """After the late writer reads the tree's size, the other appends and commits."""
        if pending and "max(entry.index)" in statement:
            pending.clear()
            take(other, ledger, received)

    sa_event.listen(ledger.engine, "after_cursor_execute", meanwhile)
    try:
        with pytest.raises(RetryLaterError):
            take(late, ledger, received)  # as the consumer does: handle, then commit
    finally:
        sa_event.remove(ledger.engine, "after_cursor_execute", meanwhile)
    assert quarantined(ledger) == []
    take(late, ledger, received)  # tried again: a redelivery of what the log holds
    assert seqs(ledger) == [1]
    assert quarantined(ledger) == []


def lose_the_lock(ledger: Ledger, backend: str) -> None:
    """The writer's lock ends under it: its session terminated on PostgreSQL (an operator,
    or the server's idle timeout), its flock let go on SQLite (a writer stepping down)."""
    lock = state.of(ledger.app).writer.lock
    if backend == "sqlite":
        lock.release()
        return
    with ledger.engine.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT pg_terminate_backend(l.pid) FROM pg_locks l"
                " JOIN pg_database d ON d.oid = l.database"
                " WHERE d.datname = current_database() AND l.locktype = 'advisory'"
                " AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"
            ),
            {"key": LOCK_KEY},
        ).all()
    assert ended == [(True,)]


def test_a_writer_that_lost_its_lock_appends_nothing(database_url: str, backend: str) -> None:
    trip = uuid.uuid4()
    events = [event(seq, trip) for seq in (1, 2)]
    with serve(database_url) as old:
        assert old.is_writer
        ingestor = state.of(old.app).ingestor
        take(ingestor, old, [Received("trips/0/0", events[0].leaf, fact(events[0]))])
        lose_the_lock(old, backend)
        with serve(database_url, writer_retry=0.2) as new:
            eventually(lambda: new.is_writer, timeout=30)
            late = [Received("trips/0/1", events[1].leaf, fact(events[1]))]
            with pytest.raises(WriterLostError, match="no longer the log's writer"):
                take(ingestor, old, late)
            assert seqs(new) == [1]
            assert quarantined(new) == []
            take(state.of(new.app).ingestor, new, late)
            assert seqs(new) == [1, 2]
