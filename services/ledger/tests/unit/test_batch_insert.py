"""The batch path writes rows exactly as SQLAlchemy itself would, on both databases."""

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import insert
from sqlmodel import Session, col, select

from ledger.log.fact import fact
from ledger.log.models import Entry
from ledger.log.service import append
from ledger.main import MIGRATIONS
from ledger.registry import LedgerModel
from ledger.testing import event
from periplus import db
from periplus.isolation import describe


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


def test_an_integer_the_column_cannot_hold_is_refused_in_the_servers_own_words(
    database_url: str,
) -> None:
    """PostgreSQL's ``seq`` is an int8, which binary COPY cannot write past 2^63 - 1: such
    a batch goes as text, and the server refuses it in the words the quarantine reason
    always had. SQLite's driver refuses it before it reaches the database. (No signed
    event states such a ``seq``: RFC 8785 has no integer past 2^53.)"""
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    item = fact(event(1, uuid.uuid4()))._replace(seq=2**63)
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            with pytest.raises(psycopg.DataError) as raised:
                append(session, [item])
            assert describe(raised.value) == (
                f'NumericValueOutOfRange: value "{2**63}" is out of range for type bigint'
            )
        else:
            with pytest.raises(OverflowError):
                append(session, [item])
    engine.dispose()
