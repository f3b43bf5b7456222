"""Ledger indexes are 64-bit: a log past 2^31 entries fits every column that holds one,
through the batch writes as through the ORM, and the migration that widened them goes
back and forth. So are the numbers of webhook attempts and of refusals, which their
sequences hand out past 2^31."""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, text
from sqlmodel import Session, col, select

from notifier.channels.models import Delivery, DeliveryAttempt, Notice, RaisedAlert, Subscription
from notifier.channels.webhooks.repository import log_attempts
from notifier.ingest.models import ConsumerOffset, Quarantined, SourceSeq
from notifier.ingest.rows import insert_many
from notifier.main import MIGRATIONS
from notifier.publish.models import LoggedEntry, TripView
from periplus import db
from periplus.testing import column_types, sequence_types

FAR = 2**31 + 7  # past the greatest int4, 2^31 - 1
TRIP = "00000000-0000-4000-8000-000000000001"
NOW = datetime(2026, 12, 1, tzinfo=UTC)

# Each column that holds a ledger index, or the offset of the announcement of one.
WIDE = {
    "logged_entry": "index",
    "trip_view": "last_index",
    "channel_notice": "ledger_index",
    "channel_alert": "ledger_index",
    "webhook_delivery": "ledger_index",
    "consumer_offset": "offset",
}
# Each table numbered by a sequence (a SERIAL, once) of its own.
NUMBERED = ("webhook_attempt", "quarantined")


def _store(engine: Engine, index: int) -> None:
    """A row holding ``index`` in each wide column; entries and notices in one batch each,
    as ingestion writes them (``COPY`` on PostgreSQL), the rest through the ORM."""
    with Session(engine) as session:
        _store_batches(session, index)
        _store_rows(session, index)
        session.commit()


def _store_batches(session: Session, index: int) -> None:
    """An entry and its notice, each a batch as ingestion writes them."""
    insert_many(
        session,
        LoggedEntry,
        [
            {
                "index": index,
                "trip_id": TRIP,
                "type": "trip.approved",
                "occurred_at": "2026-12-01T00:00:00Z",
                "event": {},
                "received_at": NOW,
            }
        ],
    )
    insert_many(
        session,
        Notice,
        [
            {
                "ledger_index": index,
                "sub": 0,
                "type": "trip.approved",
                "trip_id": TRIP,
                "departments": [],
                "sdg_goals": [],
                "body": {},
                "created_at": NOW,
            }
        ],
    )


def _store_rows(session: Session, index: int) -> None:
    """A trip, an alert, a delivery and where the consumer stands, through the ORM."""
    session.add(
        TripView(
            trip_id=TRIP,
            reference="2026-0001",
            title="A trip",
            status="approved",
            departure_date="2026-12-10",
            data={},
            last_index=index,
            updated_at="2026-12-01T00:00:00Z",
        )
    )
    session.add(RaisedAlert(key=f"alert-{index}", ledger_index=index, sub=1, raised_at=NOW))
    session.add(
        Subscription(
            id="s1",
            url="https://example.org/hook",
            trip_ids=[],
            departments=[],
            sdg_goals=[],
            types=[],
            secret="x",
            token_hash="0" * 64,
            created_at=NOW,
        )
    )
    session.flush()
    session.add(
        Delivery(
            id=f"d-{index}",
            subscription_id="s1",
            type="trip.approved",
            ledger_index=index,
            sub=0,
            next_attempt_at=NOW,
            retry_until=NOW + timedelta(days=1),
            created_at=NOW,
        )
    )
    session.add(ConsumerOffset(topic="ledger.entries.v1", partition=0, offset=index))


def _stored(engine: Engine) -> dict[str, list[int]]:
    """What each wide column holds."""
    with engine.connect() as connection:
        return {
            table: list(connection.execute(text(f'SELECT "{column}" FROM "{table}"')).scalars())
            for table, column in WIDE.items()
        }


def test_every_column_holding_a_ledger_index_takes_one_past_2_to_the_31(
    engine: Engine,
) -> None:
    _store(engine, FAR)
    assert _stored(engine) == {table: [FAR] for table in WIDE}
    with Session(engine) as session:
        entry = session.exec(select(LoggedEntry).where(col(LoggedEntry.index) == FAR)).one()
        assert entry.index == FAR
        assert session.get(Notice, (FAR, 0)) is not None


def test_the_migration_widens_the_columns_and_narrows_them_back(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0005")
    _store(engine, 41)
    narrow = column_types(engine, WIDE.items())

    db.upgrade(engine, MIGRATIONS)
    postgres = engine.dialect.name == "postgresql"
    assert column_types(engine, WIDE.items()) == (
        dict.fromkeys(WIDE.items(), "BIGINT") if postgres else narrow
    )
    assert _stored(engine) == {table: [41] for table in WIDE}

    db.downgrade(engine, MIGRATIONS, "0005")
    assert column_types(engine, WIDE.items()) == narrow
    if postgres:
        assert set(narrow.values()) == {"INTEGER"}
    assert _stored(engine) == {table: [41] for table in WIDE}
    engine.dispose()


def _number(engine: Engine, first: int) -> list[int]:
    """An attempt at the delivery ``_store`` made, and a refusal: on PostgreSQL each numbered
    ``first`` by its sequence (the attempt through the path that writes it); on SQLite,
    whose rowid takes the number given, each given ``first``. Their ids."""
    attempt = {"number": 1, "at": NOW, "status_code": 500, "duration_ms": 9}
    with Session(engine) as session:
        attempt["delivery_id"] = session.exec(select(Delivery.id)).one()
        if engine.dialect.name == "postgresql":
            for table in NUMBERED:
                session.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :first, false)"),
                    {"table": table, "first": first},
                )
            log_attempts(session, [attempt])
        else:
            log_attempts(session, [attempt | {"id": first}])
        # A refusal in the columns its table had at 0006, numbered as an insert numbers it.
        refusal: dict[str, object] = {
            "kind": "entry",
            "origin": "o",
            "reason": "r",
            "raw": b"",
            "digest": "0",
        }
        if engine.dialect.name != "postgresql":
            refusal["id"] = first
        session.execute(insert(Quarantined).values(refusal | {"received_at": NOW}))
        session.commit()
        return [
            session.exec(select(DeliveryAttempt.id)).one() or 0,
            session.exec(select(Quarantined.id)).one() or 0,
        ]


def _numbered(engine: Engine) -> dict[tuple[str, str], str]:
    """Each numbered table's id type as declared, and its sequence's on PostgreSQL."""
    return column_types(engine, [(t, "id") for t in NUMBERED]) | sequence_types(engine)


def test_attempts_and_refusals_are_numbered_past_2_to_the_31(engine: Engine) -> None:
    _store(engine, 41)
    assert _number(engine, FAR) == [FAR, FAR]


def test_the_migration_widens_the_numbers_and_narrows_them_back(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0006")
    _store(engine, 41)
    assert _number(engine, 5) == [5, 5]
    narrow = _numbered(engine)

    db.upgrade(engine, MIGRATIONS)
    postgres = engine.dialect.name == "postgresql"
    wide = {(t, "id"): "BIGINT" for t in NUMBERED} | {
        (f"{t}_id_seq", "sequence"): "BIGINT" for t in NUMBERED
    }
    assert _numbered(engine) == (wide if postgres else narrow)

    db.downgrade(engine, MIGRATIONS, "0006")
    assert _numbered(engine) == narrow
    if postgres:
        assert set(narrow.values()) == {"INTEGER"}

    db.upgrade(engine, MIGRATIONS)
    assert _numbered(engine) == (wide if postgres else narrow)
    with Session(engine) as session:
        assert session.exec(select(DeliveryAttempt.id)).all() == [5]
        assert session.exec(select(Quarantined.id)).all() == [5]
    engine.dispose()


def test_the_migration_lets_announcements_bytes_go_and_keeps_their_digest(
    database_url: str,
) -> None:
    """Rows listed before 0010 get the hash and size of their bytes; an announcement's
    bytes, whatever someone who could write to the broker sent, are let go."""
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0009")
    listed = {"announcement": b'{"index": 1, "text": "of his own"}', "entry": b"{}"}
    more = [f"[{n}]".encode() for n in range(1200)]  # more rows than a page of the migration
    with Session(engine) as session:
        rows = [*listed.items(), *(("entry", raw) for raw in more)]
        for n, (kind, raw) in enumerate(rows):
            row = {"kind": kind, "origin": "o", "reason": "r", "raw": raw, "digest": str(n)}
            session.execute(insert(Quarantined).values(row | {"received_at": NOW}))
        session.commit()
    db.upgrade(engine, MIGRATIONS)
    with Session(engine) as session:
        found = session.exec(select(Quarantined).order_by(col(Quarantined.id))).all()
    assert [(r.kind, r.raw, r.sha256, r.size) for r in found[:2]] == [
        ("announcement", b"", hashlib.sha256(listed["announcement"]).hexdigest(), 34),
        ("entry", b"{}", hashlib.sha256(b"{}").hexdigest(), 2),
    ]
    assert [(r.sha256, r.size) for r in found[2:]] == [
        (hashlib.sha256(raw).hexdigest(), len(raw)) for raw in more
    ]
    db.downgrade(engine, MIGRATIONS, "0009")
    db.upgrade(engine, MIGRATIONS)
    engine.dispose()


def _event(
    source: str, seq: int, type_: str = "trip.approved", data: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"source": source, "seq": seq, "type": type_, "data": data or {}}


def test_the_migration_fills_each_sources_last_seq_from_the_entries_shown(
    database_url: str,
) -> None:
    """Per source, the greatest seq shown, the seqs lacking below it that a withheld entry
    may hold, and the seqs above it that the ledger's notices passed."""
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0010")
    city, own, other = "city/trips-api", "city/ledger", "town/trips-api"
    resolved = "source.seq_resolved"
    events = [
        _event(city, 1),
        _event(city, 2),
        {"withheld": {"reason": "-"}},
        _event(city, 4),
        _event(own, 1, resolved, {"source": city, "seq": 5, "reason": "-"}),
        _event(own, 2, resolved, {"source": other, "seq": 1, "reason": "-"}),
    ]
    rows = [
        {
            "index": n,
            "trip_id": "" if n > 3 else TRIP,
            "type": str(event.get("type", "withheld")),
            "occurred_at": "2026-12-01T00:00:00Z",
            "event": event,
            "received_at": NOW,
        }
        for n, event in enumerate(events)
    ]
    with Session(engine) as session:
        insert_many(session, LoggedEntry, rows)
        session.commit()
    db.upgrade(engine, MIGRATIONS)
    with Session(engine) as session:
        found = session.exec(select(SourceSeq).order_by(col(SourceSeq.source))).all()
        assert [(r.source, r.last_seq, r.lacking, r.passed, r.refused) for r in found] == [
            (own, 2, 0, [], 0),
            (city, 4, 1, [5], 0),
            (other, 0, 0, [1], 0),
        ]
    db.downgrade(engine, MIGRATIONS, "0010")
    db.upgrade(engine, MIGRATIONS)
    engine.dispose()
