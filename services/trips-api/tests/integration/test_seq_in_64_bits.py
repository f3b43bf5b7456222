"""Event sequence numbers are 64-bit: a source past 2^31 events fits every column that
holds one, through the write path and the catch-up endpoint, and the migration that
widened them goes back and forth."""

import uuid

from sqlalchemy import Engine, text
from sqlmodel import Session

from periplus import db
from periplus.testing import column_types, greatest
from trips_api.events import service
from trips_api.events.models import RelayCursor
from trips_api.main import MIGRATIONS
from trips_api.testing import Api, make_settings

FAR = 2**31 + 7  # past the greatest int4, 2^31 - 1
TRIP = uuid.UUID("00000000-0000-4000-8000-000000000001")

# Each column that holds an event's seq, or the index of the ledger's notice of one.
WIDE = (
    ("event", "seq"),
    ("counter", "value"),
    ("relay_cursor", "position"),
    ("withheld_event", "seq"),
    ("withheld_event", "notice_index"),
)


def _store(engine: Engine, seq: int) -> None:
    """Event ``seq``, emitted as every change emits one, withheld after a notice at ledger
    index ``seq``, and relayed."""
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE counter SET value = :last WHERE name = 'event_seq'"), {"last": seq - 1}
        )
    signer = make_settings(engine.url.render_as_string(hide_password=False)).signer
    with Session(engine) as session:
        emitted = service.emit(session, signer, "trip.approved", TRIP, {})
        assert emitted.seq == seq
        service.withhold(session, seq, "a reason", "a legal basis", notice_index=seq)
        session.add(RelayCursor(topic="trips.events.v1", position=seq))
        session.commit()


def test_events_are_numbered_and_read_past_2_to_the_31(api: Api, database_url: str) -> None:
    engine = db.make_engine(database_url)
    _store(engine, FAR)
    assert greatest(engine, WIDE) == {column: FAR for column in WIDE}

    trip = api.approved()
    page = api.as_(None).get("/v1/events", params={"after": FAR - 1}).json()
    assert [w["seq"] for w in page["withheld"]] == [FAR]
    assert page["withheld"][0]["notice_index"] == FAR
    assert {e["trip_id"] for e in page["events"]} == {trip["id"]}
    assert [e["seq"] for e in page["events"]] == list(range(FAR + 1, page["last_seq"] + 1))
    engine.dispose()


def test_the_migration_widens_the_columns_and_narrows_them_back(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0007")
    _store(engine, 41)
    narrow = column_types(engine, WIDE)

    db.upgrade(engine, MIGRATIONS)
    postgres = engine.dialect.name == "postgresql"
    wide = {column: "BIGINT" for column in WIDE}
    assert column_types(engine, WIDE) == (wide if postgres else narrow)
    assert greatest(engine, WIDE) == {column: 41 for column in WIDE}

    db.downgrade(engine, MIGRATIONS, "0007")
    assert column_types(engine, WIDE) == narrow
    if postgres:
        assert set(narrow.values()) == {"INTEGER"}
    assert greatest(engine, WIDE) == {column: 41 for column in WIDE}

    db.upgrade(engine, MIGRATIONS)
    assert column_types(engine, WIDE) == (wide if postgres else narrow)
    assert greatest(engine, WIDE) == {column: 41 for column in WIDE}
    engine.dispose()
