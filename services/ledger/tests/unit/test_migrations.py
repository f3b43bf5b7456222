"""Migrations that move data: nothing waiting to be announced is lost either way."""

import hashlib
import json
import uuid

from sqlalchemy import text
from sqlmodel import Session

from ledger.log.fact import fact
from ledger.log.service import append
from ledger.main import MIGRATIONS
from ledger.testing import event
from periplus import db

TOPIC = "ledger.entries.v1"


def test_the_announcement_outbox_becomes_a_cursor_and_back(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0003")
    trip = uuid.uuid4()
    with Session(engine) as session:
        append(session, [fact(event(seq, trip)) for seq in (1, 2, 3, 4)])
        session.commit()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO announcement (seq, trip_id, payload, published) "
                "VALUES (:seq, :trip, :payload, :published)"
            ),
            [{"seq": i, "trip": str(trip), "payload": b"{}", "published": i < 2} for i in range(4)],
        )
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        cursor = connection.execute(text("SELECT topic, position FROM relay_cursor")).all()
    assert [tuple(row) for row in cursor] == [(TOPIC, 1)]

    db.downgrade(engine, MIGRATIONS, "0003")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT seq, payload, published FROM announcement ORDER BY seq")
        ).all()
    assert [(seq, bool(published)) for seq, _, published in rows] == [(2, False), (3, False)]
    assert json.loads(rows[0][1])["event"]["seq"] == 3
    engine.dispose()


def test_a_log_whose_announcements_were_all_sent_starts_after_the_last(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO announcement (seq, trip_id, payload, published) "
                "VALUES (:seq, 't', :payload, :published)"
            ),
            [{"seq": i, "payload": b"{}", "published": True} for i in range(3)],
        )
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        position = connection.execute(text("SELECT position FROM relay_cursor")).scalar()
    assert position == 2
    engine.dispose()


def test_events_refused_before_are_named_by_the_source_and_seq_they_claim(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0005")
    refused = [
        json.dumps({"source": "a-city/trips-api", "seq": 7, "data": {"name": "\u0000"}}),
        json.dumps({"source": "a-city/trips-api", "seq": "7"}),
        "not json",
    ]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO quarantine (received_at, origin, reason, raw) "
                "VALUES (CURRENT_TIMESTAMP, 'topic/0/1', 'refused', :raw)"
            ),
            [{"raw": raw.encode()} for raw in refused],
        )
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT source, seq FROM quarantine ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("a-city/trips-api", 7), (None, None), (None, None)]
    db.downgrade(engine, MIGRATIONS, "0005")
    engine.dispose()


def test_events_refused_before_get_the_digest_and_size_of_their_bytes_and_lose_them_back(
    database_url: str,
) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0009")
    refused = [b"not json", b"", json.dumps({"source": "a-city/trips-api", "seq": 7}).encode()]
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO quarantine (received_at, origin, reason, raw) "
                "VALUES (CURRENT_TIMESTAMP, 'topic/0/1', 'refused', :raw)"
            ),
            [{"raw": raw} for raw in refused],
        )
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sha256, size, signed FROM quarantine ORDER BY id")
        ).all()
    # Whether a source signed them is not the migration's to know: they count as unsigned.
    assert [tuple(row) for row in rows] == [
        (hashlib.sha256(raw).hexdigest(), len(raw), None) for raw in refused
    ]
    db.downgrade(engine, MIGRATIONS, "0009")
    with engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM quarantine")).keys()
        kept = connection.execute(text("SELECT raw FROM quarantine ORDER BY id")).scalars()
        assert {"sha256", "size", "signed"}.isdisjoint(columns)
        assert [bytes(raw) for raw in kept] == refused
    db.upgrade(engine, MIGRATIONS)
    engine.dispose()


def test_events_whose_bytes_were_withheld_before_get_no_digest_nor_size(
    database_url: str,
) -> None:
    """A row whose bytes a withholding erased before 0010 keeps none of them: the empty
    bytes left are not the message, whose digest and size are not known any more."""
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0009")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO quarantine (received_at, origin, reason, raw) "
                "VALUES (CURRENT_TIMESTAMP, 'topic/0/1', :reason, :raw)"
            ),
            [
                {"reason": "refused (bytes withheld with entry 3)", "raw": b""},
                {"reason": "not JSON", "raw": b""},
            ],
        )
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sha256, size FROM quarantine ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(None, None), (hashlib.sha256(b"").hexdigest(), 0)]
    db.downgrade(engine, MIGRATIONS, "0009")
    db.upgrade(engine, MIGRATIONS)
    engine.dispose()
