"""Indices, sizes, sequence numbers and offsets are 64-bit: a log past 2^31 entries fits
every column that holds one, through ingestion's batch writes (``COPY`` on PostgreSQL) as
through the ORM, and the migration that widened them goes back and forth."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, insert, text
from sqlmodel import Session

from ledger.cosigning.models import Cosignature, WitnessState
from ledger.ingest.models import ConsumerOffset, Quarantined, SourceState
from ledger.ingest.service import Ingestor
from ledger.log.models import Entry, KeyRotation, Node, RelayCursor, Withholding
from ledger.log.service import sign_checkpoint
from ledger.main import MIGRATIONS
from ledger.testing import SEED, SOURCE, event, source_keys
from periplus import db, keyfile, merkle
from periplus.note import Signer
from periplus.testing import column_types, greatest, sequence_types

FAR = 2**31 + 7  # past the greatest int4, 2^31 - 1
NOW = datetime(2026, 12, 1, tzinfo=UTC)
TRIP = uuid.UUID("00000000-0000-4000-8000-000000000001")

# Each column that holds an index, a size, a source's seq or an offset, and the
# quarantine's id, numbered by a sequence on PostgreSQL.
WIDE = (
    ("entry", "index"),
    ("entry", "seq"),
    ("node", "index"),
    ("checkpoint", "size"),
    ("cosignature", "size"),
    ("witness_state", "size"),
    ("key_rotation", "tree_size"),
    ("withholding", "index"),
    ("withholding", "notice_index"),
    ("source_state", "last_seq"),
    ("relay_cursor", "position"),
    ("consumer_offset", "offset"),
    ("quarantine", "id"),
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with the ledger's tables, as its migrations make them."""
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    yield engine
    engine.dispose()


def _store(engine: Engine, size: int) -> None:
    """A log of ``size`` entries grown by one through ingestion, signed, and a row holding
    ``size`` in each other wide column. Only the last entry and the right edge of the tree
    before it are stored: all that appending and signing read."""
    with Session(engine) as session, httpx.Client() as http:
        _grow(session, Ingestor(engine, {SOURCE: "http://127.0.0.1:9"}, http, source_keys()), size)
        _store_rows(session, size)
        session.commit()


def _grow(session: Session, ingestor: Ingestor, size: int) -> None:
    """Entry ``size - 1``, the tree's edge, the source at ``seq`` ``size - 1``; then the
    event ``size`` from the source, through ingestion, and a checkpoint of the tree."""
    before = event(size - 1, TRIP)
    session.add(
        Entry(
            index=size - 1,
            event_id=str(before.id),
            source=SOURCE,
            seq=size - 1,
            type=before.type,
            trip_id=str(TRIP),
            occurred_at=before.occurred_at,
            leaf=before.leaf,
            appended_at=NOW,
        )
    )
    for level, index in merkle.range_nodes(0, size):
        session.add(Node(level=level, index=index, hash=bytes(32)))
    session.add(SourceState(source=SOURCE, last_seq=size - 1))
    session.flush()
    assert ingestor.ingest(session, [event(size, TRIP)]) == 1
    assert sign_checkpoint(session, Signer("ledger.test", keyfile.from_seed(SEED))) is not None


def _store_rows(session: Session, size: int) -> None:
    """Cosignatures, a withholding, a rotation, the cursors and a refusal, through the ORM
    (the refusal through its table)."""
    session.add(Cosignature(size=size, witness="w", line="— w sig", timestamp=1))
    session.add(WitnessState(witness="w", size=size, checked_at=NOW))
    session.add(
        Withholding(index=size, reason="r", legal_basis="b", notice_index=size, withheld_at=NOW)
    )
    session.add(
        KeyRotation(old_key="a", new_key="b", tree_size=size, statement="s", rotated_at=NOW)
    )
    session.add(RelayCursor(topic="ledger.entries.v1", position=size))
    session.add(ConsumerOffset(topic="trips.events.v1", partition=0, offset=size))
    # The quarantine's sequence hands out ``size`` next; SQLite's rowid takes it as given.
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('quarantine', 'id'), :n, false)"),
            {"n": size},
        )
    # The columns every revision since 0006 has: the migration test stores at 0008.
    row = {"received_at": NOW, "origin": "o", "reason": "r", "raw": b""}
    session.execute(insert(Quarantined).values(row if postgres else {**row, "id": size}))


def _declared(engine: Engine) -> dict[tuple[str, str], str]:
    """Each wide column's type as the database declares it, and each sequence's."""
    return column_types(engine, WIDE) | sequence_types(engine)


def _expected(size: int) -> dict[tuple[str, str], int]:
    """What ``_store(engine, size)`` leaves: the entry and the source past it, signed."""
    return {column: size for column in WIDE} | {("checkpoint", "size"): size + 1}


def test_every_column_holding_an_index_takes_one_past_2_to_the_31(engine: Engine) -> None:
    _store(engine, FAR)
    assert greatest(engine, WIDE) == _expected(FAR)
    with Session(engine) as session:
        entry = session.get(Entry, FAR)
        assert entry is not None
        assert (entry.seq, entry.trip_id) == (FAR, str(TRIP))
        assert session.get(Node, (0, FAR)) is not None
        assert session.get(SourceState, SOURCE) == SourceState(source=SOURCE, last_seq=FAR)


def test_the_migration_widens_the_columns_and_narrows_them_back(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0008")
    _store(engine, 41)
    narrow = _declared(engine)

    db.upgrade(engine, MIGRATIONS)
    postgres = engine.dialect.name == "postgresql"
    wide = (
        narrow
        | {column: "BIGINT" for column in WIDE}
        | {("quarantine_id_seq", "sequence"): "BIGINT"}
        | {("resolution_request_id_seq", "sequence"): "BIGINT"}  # made 64-bit later, by 0011
    )
    assert _declared(engine) == (wide if postgres else narrow)
    assert greatest(engine, WIDE) == _expected(41)

    db.downgrade(engine, MIGRATIONS, "0008")
    assert _declared(engine) == narrow
    if postgres:
        assert {narrow[column] for column in WIDE} == {"INTEGER"}
    assert greatest(engine, WIDE) == _expected(41)

    db.upgrade(engine, MIGRATIONS)
    assert _declared(engine) == (wide if postgres else narrow)
    assert greatest(engine, WIDE) == _expected(41)
    engine.dispose()
