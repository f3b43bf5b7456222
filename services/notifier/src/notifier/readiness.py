"""What the notifier's ``/readyz`` reports besides its database and broker.

None of it makes the notifier unready: its pages, feeds, stream and webhooks
serve what it has verified whatever these say, and they say how current that is.

- ``consumer``: where the reader of the entries topic stands and how far the
  broker's log end is ahead of it; failing while it cannot reach the broker;
- ``verified``: the size of the tree verified and shown, and how many announced
  entries wait for a checkpoint over them;
- ``quarantine``: how many announcements, entries and checkpoints were refused;
- ``sequence``: how many entries were refused for not being their source's next seq (an
  older event logged again, or one after a seq that nothing accounts for); failing, an
  alarm, once there is one, with each such source, its last seq shown, how many of its
  entries were refused and why the last was; entries this site's operator showed since,
  accepting a gap (``notifier accept-gap``), stay counted under ``refused`` and
  ``released`` and fail it no more;
- ``webhooks``: how many notices wait to be queued for the webhooks, and since when
  (they wait while the read model catches up; see ``webhooks.fanout``);
- ``ledger``: the size of the newest checkpoint read that passed the trust policy,
  and, while the ledger has none that its witnesses' quorum cosigned (as when it
  starts), ``pending`` saying so; failing while the ledger cannot be read.
"""

from sqlalchemy import Engine, func, select
from sqlmodel import col

from notifier.channels.webhooks import fanout
from notifier.ingest import sequence
from notifier.ingest.ingestor import Ingestor, LedgerFeed
from notifier.ingest.models import Quarantined, StagedEntry, VerifiedTree
from periplus import db, kafka
from periplus.consumer import ConsumerLoop
from periplus.readiness import CheckFailedError, Readiness


def install(
    readiness: Readiness,
    engine: Engine,
    consumer: ConsumerLoop | None,
    ingestor: Ingestor | None = None,
) -> None:
    """``consumer`` and ``ingestor`` are None when ingestion is off."""
    if consumer is not None:
        readiness.report("consumer", lambda: consuming(consumer))
    if ingestor is not None:
        readiness.report("ledger", lambda: reading(ingestor))
    readiness.report("verified", lambda: verified(engine))
    readiness.report("quarantine", lambda: quarantined(engine))
    readiness.report("sequence", lambda: in_sequence(engine))
    readiness.report("webhooks", lambda: webhooks(engine))


def consuming(consumer: ConsumerLoop) -> dict[str, object]:
    positions = consumer.positions()
    offset = sum(positions.values())
    if not consumer.connected:
        raise CheckFailedError("not connected to the broker", offset=offset, lag=None)
    try:
        lag = kafka.lag(consumer.connection, consumer.topic, positions)
    except kafka.BrokerError as exc:
        raise CheckFailedError("the broker gives no log end", offset=offset, lag=None) from exc
    return {"offset": offset, "lag": lag}


def verified(engine: Engine) -> dict[str, object]:
    with db.reading(engine) as connection:
        size = int(connection.execute(select(col(VerifiedTree.size))).scalar() or 0)
        waiting = connection.execute(
            select(func.count(func.distinct(col(StagedEntry.index)))).where(
                col(StagedEntry.index) >= size
            )
        ).scalar_one()
    return {"tree_size": size, "waiting": int(waiting)}


def quarantined(engine: Engine) -> dict[str, object]:
    with db.reading(engine) as connection:
        count = connection.execute(select(func.count()).select_from(Quarantined)).scalar_one()
    return {"count": int(count)}


def in_sequence(engine: Engine) -> dict[str, object]:
    with db.reading(engine) as connection:
        alarms = sequence.alarmed(connection)
    if alarms:
        raise CheckFailedError(
            "entries that are not their source's next seq were refused: the ledger's "
            "database holds an event again or lacks one",
            refused=sum(alarm.refused for alarm in alarms),
            sources=[alarm._asdict() for alarm in alarms],
        )
    with db.reading(engine) as connection:
        refused, released = sequence.history(connection)
    return {"refused": refused, "released": released} if refused else {"refused": 0}


def webhooks(engine: Engine) -> dict[str, object]:
    with db.reading(engine) as connection:
        return fanout.waiting(connection)


def reading(ingestor: Ingestor) -> dict[str, object]:
    """How the follower last found the ledger, as it found it (no request of its own)."""
    backoff, feed = ingestor.follower.backoff, LedgerFeed.name
    failure = backoff.failure(feed)
    if failure is not None:
        raise CheckFailedError(
            f"the ledger cannot be read: {failure}",
            signed_size=ingestor.signed_size,
            retry_in=round(backoff.remaining(feed), 1),
        )
    pending = backoff.pending(feed)
    found: dict[str, object] = {"signed_size": ingestor.signed_size}
    return found if pending is None else {**found, "pending": pending}
