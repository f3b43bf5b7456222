"""Many rows in few statements: an upsert of more rows than one statement holds, some of
them new, some changed, and keys repeated in one batch, ends as a statement a row would
leave the table."""

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier.channels.models import WatchedFollowup
from notifier.ingest.rows import POSTGRES_ROWS, upsert_many


def _row(trip: int, followup: int, status: str) -> dict[str, str]:
    return {
        "trip_id": f"trip-{trip:05d}",
        "followup_id": f"f{followup}",
        "commitment": f"commitment {trip}/{followup}",
        "owner_department": "Mobility",
        "due_date": "2027-01-31",
        "status": status,
    }


def test_an_upsert_of_many_rows_leaves_the_last_of_each_key(engine: Engine) -> None:
    count = 2 * POSTGRES_ROWS + 7  # three statements on PostgreSQL, of which one part full
    with Session(engine) as session:
        upsert_many(
            session,
            WatchedFollowup,
            ["trip_id", "followup_id"],
            [_row(n, n % 3, "open") for n in range(count)],
        )
        session.commit()
    changed = [_row(n, n % 3, "done") for n in range(0, count, 2)]
    repeated = [_row(1, 1, "dropped"), _row(1, 1, "done"), _row(count, 0, "open")]
    with Session(engine) as session:
        upsert_many(session, WatchedFollowup, ["trip_id", "followup_id"], changed + repeated)
        session.commit()
    with Session(engine) as session:
        rows = session.exec(select(WatchedFollowup).order_by(col(WatchedFollowup.trip_id))).all()
    assert len(rows) == count + 1
    assert [r.status for r in rows[:4]] == ["done", "done", "done", "open"]
    assert sum(r.status == "done" for r in rows) == len(changed) + 1
    assert (rows[-1].trip_id, rows[-1].followup_id, rows[-1].status) == (
        f"trip-{count:05d}",
        "f0",
        "open",
    )
