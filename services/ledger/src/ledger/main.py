"""The ledger application: log endpoints, ingestion, checkpoint signing, announcements."""

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from ledger import readiness as ingestion
from ledger.audit import routes as audit_routes
from ledger.cosigning.worker import Witnessing
from ledger.ingest.models import ConsumerOffset
from ledger.ingest.service import Ingestor
from ledger.log import routes as log_routes
from ledger.log import tiles as tiles_routes
from ledger.log.last_signed import RollbackError
from ledger.log.models import Entry, RelayCursor
from ledger.log.rotation import KeyNotInForceError, check_in_force
from ledger.log.service import announcement, sign_checkpoint
from ledger.log.signing import Keys
from ledger.log.writer_lock import Worker, Writer, WriterLock, WriterLostError
from ledger.settings import Settings, get_settings
from ledger.state import State
from periplus import db
from periplus.consumer import ConsumerLoop
from periplus.outbox import OutboxRelay
from periplus.periodic import Periodic
from periplus.policy import Policy, read_policy
from periplus.readiness import CheckFailedError
from periplus.sources import SourceKeys
from periplus.state import readiness_of, set_state
from periplus.web import create_app, lifespan

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)

DESCRIPTION = """\
The append-only, tamper-evident log of every public fact about a city's foreign
trips. Leaves are RFC 8785 canonical events hashed per RFC 9162; checkpoints are
C2SP signed notes (Ed25519); inclusion and consistency proofs let anyone check
that nothing was changed or removed.
"""


def _checkpointer(engine: Engine, keys: Keys, lock: WriterLock, signed: Callable[[], None]) -> None:
    with Session(engine) as session:
        try:
            lock.check(session.connection())  # the lease, and on PostgreSQL the lock's session
            checkpoint = sign_checkpoint(session, keys.signer, keys.last_signed)
        except WriterLostError as exc:
            log.warning(
                "the writer's lease ran out or its lock was lost: signing nothing",
                extra={"reason": str(exc)},
            )
            return
        except RollbackError:
            return  # logged, gauged and shown by /readyz where it was found
        if checkpoint is not None:
            session.commit()
            signed()


def load_policy(settings: Settings) -> Policy | None:
    """The witness policy, which must name this log; a bad file stops the start."""
    if settings.witness_policy_file is None:
        return None
    policy = read_policy(settings.witness_policy_file)
    if not any(log.key.name == settings.origin for log in policy.logs):
        raise ValueError(
            f"{settings.witness_policy_file} lists no log named {settings.origin} "
            "(LEDGER_ORIGIN): readers with this policy could not check the checkpoints"
        )
    return policy


def _become_writer(engine: Engine, keys: Keys, lock: WriterLock, ingestor: Ingestor) -> None:
    keys.reload()  # a rotation made while another process wrote is taken up here
    with Session(engine) as session:
        try:
            check_in_force(session, keys.signer, keys.made_new)
        except KeyNotInForceError as exc:
            if keys.made_new:
                # Not kept: a restart must fail the same way until the key is restored.
                keys.settings.signing_key_file.unlink(missing_ok=True)
                raise KeyNotInForceError(
                    f"{keys.settings.signing_key_file} was missing and a new key was made, "
                    f"but {exc}: restore the log's key from its backup"
                ) from exc
            raise
    keys.made_new = False  # the log's key now: a later turn as writer is no first start
    ingestor.load_rotations()
    _checkpointer(engine, keys, lock, lambda: None)


def build(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = db.make_engine(settings.database_url, settings.database_limits())
    keys = Keys(settings)
    lock = WriterLock(engine, settings.writer_lease)
    http = httpx.Client(timeout=settings.http_timeouts())
    ingestor = _ingestor(engine, settings, http, lock, keys)
    policy = load_policy(settings)
    witness_http = httpx.Client(timeout=settings.http_timeouts(settings.witness_timeout))

    def workers() -> list[Worker]:
        return _writer_workers(engine, settings, keys, lock, ingestor, policy, witness_http)

    writer = Writer(
        lock,
        workers if settings.ingest_enabled else list,
        retry_seconds=settings.writer_retry,
        on_acquire=lambda: _become_writer(engine, keys, lock, ingestor),
    )

    def prepare() -> None:
        with contextlib.suppress(CheckFailedError):  # a rolled-back database is logged at once
            keys.last_signed.probe(engine)
        writer.try_now()

    app = create_app(
        service="ledger",
        title="Periplus ledger",
        description=DESCRIPTION,
        settings=settings,
        engine=engine,
        lifespan=lifespan(
            engine,
            MIGRATIONS,
            prepare=prepare,
            workers=[writer],
            close=[http.close, witness_http.close],
        ),
    )
    set_state(app, State(settings, engine, keys, policy, ingestor, writer))
    readiness = readiness_of(app)
    readiness.report("writer", lambda: {"writer": writer.is_writer})  # standby serves
    readiness.report("signing", lambda: keys.last_signed.probe(engine))
    ingestion.install(
        readiness,
        engine,
        settings.kafka_connection(),
        settings.trips_topic,
        (ingestor.sources, ingestor.keys, ingestor.verdicts),
    )
    app.include_router(log_routes.router)
    app.include_router(audit_routes.router)
    app.include_router(tiles_routes.router)
    return app


def source_keys(settings: Settings) -> SourceKeys:
    """The keys each configured source signs with (before the log's rotations)."""
    return SourceKeys.configured({name: source.keys for name, source in settings.sources.items()})


def _ingestor(
    engine: Engine, settings: Settings, http: httpx.Client, lock: WriterLock, keys: Keys
) -> Ingestor:
    """The ingestor of every configured source's events, with the source's keys; it
    commits only while ``lock`` is held, and signs the operators' queued decisions with
    the log key."""
    if not settings.sources:
        log.warning("no sources are configured (LEDGER_SOURCES): the log will take no events")
    return Ingestor(
        engine,
        {name: source.url for name, source in settings.sources.items()},
        http,
        source_keys(settings),
        timeouts={
            name: settings.http_timeouts(source.timeout)
            for name, source in settings.sources.items()
            if source.timeout is not None
        },
        unsigned_rows=settings.quarantine_unsigned_rows,
        fence=lock.check,
        notices=lambda: keys.source_signer,
        missing_after=settings.resolve_missing_after,
    )


def _writer_workers(
    engine: Engine,
    settings: Settings,
    keys: Keys,
    lock: WriterLock,
    ingestor: Ingestor,
    policy: Policy | None,
    witness_http: httpx.Client,
) -> list[Worker]:
    """What runs only while this process is the writer: witnessing (with a policy), the
    checkpointer, the relay of entries and the consumer of events, made afresh each time
    it becomes the writer."""
    witnessing = (
        Witnessing(engine, policy, witness_http, settings.checkpoint_interval)
        if policy is not None
        else None
    )
    relay = OutboxRelay(
        engine,
        (Entry.index, Entry.trip_id, Entry.leaf),
        RelayCursor,
        settings.entries_topic,
        settings.kafka_connection(),
        announcement,
        lease_seconds=settings.writer_lease,  # lapses with a vanished writer's role
    )
    return [
        *([witnessing] if witnessing is not None else []),
        Periodic(
            "checkpointer",
            settings.checkpoint_interval,
            lambda: _checkpointer(
                engine,
                keys,
                lock,
                witnessing.notify if witnessing is not None else lambda: None,
            ),
        ),
        relay,
        ConsumerLoop(
            engine,
            settings.kafka_connection(),
            settings.trips_topic,
            ConsumerOffset,
            ingestor.handle,
            tick=ingestor.tick,
            tick_seconds=settings.catchup_interval,
            on_commit=relay.notify,
            prepare=ingestor.prepare,
        ),
    ]
