"""What the ledger's ``/readyz`` reports about ingestion, on a writer and a standby alike.

None of it makes the ledger unready: it serves the log it holds whatever these say.
What they read is in the database every process of the log shares, so a standby
shows what the writer's ingestion has done.

- ``sources``: which source a quarantined event holds back, at which seq (also
  ``ledger_source_held_seq``); failing while one is held;
- ``consumer``: the broker offsets committed with the entries (``offset``) and how
  many messages of the events topic are not consumed yet (``lag``); failing while
  the broker cannot tell its log end;
- ``quarantine``: how many refused events the database keeps (``count``).
"""

from collections.abc import Iterable

from sqlalchemy import Engine, func, select
from sqlmodel import col

from ledger.ingest.models import ConsumerOffset, Quarantined
from ledger.ingest.resolve import Verdicts, held_sources
from ledger.ingest.service import HELD
from periplus import db, kafka
from periplus.readiness import CheckFailedError, Readiness
from periplus.sources import SourceKeys


def install(
    readiness: Readiness,
    engine: Engine,
    connection: kafka.Connection,
    topic: str,
    sources: tuple[Iterable[str], SourceKeys, Verdicts],
) -> None:
    """``sources``: the configured sources, their keys and the verdicts on quarantined rows."""
    readiness.report("sources", lambda: holding(engine, *sources))
    readiness.report("consumer", lambda: consuming(engine, connection, topic))
    readiness.report("quarantine", lambda: quarantined(engine))


def holding(
    engine: Engine, configured: Iterable[str], keys: SourceKeys, verdicts: Verdicts
) -> dict[str, object]:
    """The ``sources`` check, which also sets the held gauge: on a standby nothing else does."""
    configured = list(configured)
    try:
        found = held_sources(engine, configured, keys, verdicts)
    except CheckFailedError as exc:
        _gauge_held(configured, exc.details.get("held"))
        raise
    _gauge_held(configured, [])
    return found


def _gauge_held(configured: list[str], held: object) -> None:
    seqs = {h["source"]: h["seq"] for h in held} if isinstance(held, list) else {}
    for source in configured:
        HELD.labels(source).set(seqs.get(source, 0))


def consuming(engine: Engine, connection: kafka.Connection, topic: str) -> dict[str, object]:
    with db.reading(engine) as reading:
        positions: dict[int, int] = {
            int(partition): int(offset)
            for partition, offset in reading.execute(
                select(col(ConsumerOffset.partition), col(ConsumerOffset.offset)).where(
                    col(ConsumerOffset.topic) == topic
                )
            ).all()
        }
    offset = sum(positions.values())
    try:
        kafka.ping(connection)  # fast where nothing listens; a log end would wait seconds
        lag = kafka.lag(connection, topic, positions)
    except (kafka.BrokerError, OSError) as exc:
        raise CheckFailedError("the broker gives no log end", offset=offset, lag=None) from exc
    return {"offset": offset, "lag": lag}


def quarantined(engine: Engine) -> dict[str, object]:
    with db.reading(engine) as reading:
        count = reading.execute(select(func.count()).select_from(Quarantined)).scalar_one()
    return {"count": int(count)}
