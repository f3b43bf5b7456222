"""Migrations that move data: no event waiting in the outbox is skipped."""

from sqlalchemy import text

from periplus import db
from trips_api.main import MIGRATIONS
from trips_api.testing import Api

TOPIC = "trips.events.v1"


def _events(published: list[bool]) -> list[dict[str, object]]:
    return [
        {
            "seq": seq,
            "id": f"00000000-0000-4000-8000-{seq:012d}",
            "trip": "00000000-0000-4000-8000-000000000000",
            "envelope": b"{}",
            "published": done,
        }
        for seq, done in enumerate(published, start=1)
    ]


def _cursor_after(database_url: str, published: list[bool]) -> int | None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0002")
    if published:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO event (seq, id, type, trip_id, occurred_at, envelope, published)"
                    " VALUES (:seq, :id, 'trip.approved', :trip, '2026-01-01T00:00:00Z',"
                    " :envelope, :published)"
                ),
                _events(published),
            )
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT topic, position FROM relay_cursor")).all()
    assert all(topic == TOPIC for topic, _ in rows)
    position = rows[0][1] if rows else None
    # Back down, every event up to the cursor is marked published, and no other.
    db.downgrade(engine, MIGRATIONS, "0002")
    with engine.connect() as connection:
        back = connection.execute(text("SELECT published FROM event ORDER BY seq")).scalars()
        assert [bool(p) for p in back] == [
            seq <= (position or 0) for seq in range(1, len(published) + 1)
        ]
    engine.dispose()
    return position


def test_the_cursor_stops_before_the_first_event_not_yet_published(database_url: str) -> None:
    assert _cursor_after(database_url, [True, True, False, True, False]) == 2


def test_a_fully_published_outbox_starts_after_its_last_event(database_url: str) -> None:
    assert _cursor_after(database_url, [True, True, True]) == 3


def test_an_empty_outbox_has_no_cursor(database_url: str) -> None:
    assert _cursor_after(database_url, []) is None


def test_keys_made_before_holders_are_held_by_their_name(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO api_key (id, name, secret_hash, scopes, created_at)"
                " VALUES ('0123456789ab', 'Finance', 'x', 'trips:write', '2026-01-01T00:00:00Z')"
            )
        )
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        holders = connection.execute(text("SELECT holder FROM api_key")).scalars().all()
    engine.dispose()
    assert holders == ["Finance"]


def test_trips_made_before_public_versions_take_them_from_their_history(
    api: Api, database_url: str
) -> None:
    """Each trip's public version is its public history's length, and its date the newest."""
    draft = api.create()
    trip = api.approved()
    path = f"/v1/trips/{trip['id']}"
    body = {"changes": {"private_notes": "Visa granted."}, "reason": "Visa news."}
    api.post_ok("writer", f"{path}/correct", json=body)
    body = {"changes": {"delegation_size": 3}, "reason": "A third traveller is counted."}
    api.post_ok("writer", f"{path}/correct", json=body)
    engine = db.make_engine(database_url)
    query = text("SELECT id, public_version, public_updated_at FROM trip ORDER BY number")
    with engine.connect() as connection:
        before = connection.execute(query).all()
    db.downgrade(engine, MIGRATIONS, "0008")
    db.upgrade(engine, MIGRATIONS)
    with engine.connect() as connection:
        after = connection.execute(query).all()
    engine.dispose()
    assert [tuple(row) for row in after] == [tuple(row) for row in before]
    assert [row[:2] for row in after] == [(draft["id"], 0), (trip["id"], 2)]
    assert after[0][2] is None
    assert after[1][2] is not None
