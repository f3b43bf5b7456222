"""The batch path writes rows exactly as SQLAlchemy itself would, on both databases."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from ledger.log.fact import fact
from ledger.log.models import Entry
from ledger.log.service import append
from ledger.main import MIGRATIONS
from ledger.registry import LedgerModel
from ledger.testing import event
from periplus import db


def test_batch_rows_read_back_like_rows_sqlalchemy_wrote(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    envelopes = [event(seq, uuid.uuid4()) for seq in (1, 2)]
    with Session(engine) as session:
        append(session, [fact(envelopes[0])])
        session.commit()
    moment = datetime.now(UTC)
    with engine.begin() as connection:
        row = {
            "index": 1,
            "event_id": str(envelopes[1].id),
            "source": envelopes[1].source,
            "seq": 2,
            "type": envelopes[1].type,
            "trip_id": str(envelopes[1].trip_id),
            "occurred_at": envelopes[1].occurred_at,
            "leaf": envelopes[1].leaf,
            "appended_at": moment,
        }
        connection.execute(insert(LedgerModel.metadata.tables["entry"]), [row])
        stored = connection.execute(
            select(LedgerModel.metadata.tables["entry"].c.appended_at).order_by("index")
        ).all()
    with Session(engine) as session:
        entries = session.exec(select(Entry).order_by(col(Entry.index))).all()
    assert [e.leaf for e in entries] == [e.leaf for e in envelopes]
    assert all(e.appended_at.tzinfo is not None for e in entries)
    # The raw text (SQLite) or value (PostgreSQL) has one shape whichever path wrote it.
    assert type(stored[0][0]) is type(stored[1][0])
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            texts = connection.exec_driver_sql("SELECT appended_at FROM entry").scalars().all()
        assert len({len(t) for t in texts}) == 1, texts
    engine.dispose()
