"""Catch-up: a notifier 10^5 entries behind a ledger (trip life cycles signed by their
source, in a ledger process of their own), with 20 webhook subscriptions; the baseline is
the ledger's own entry read rate, every entry read once over HTTP as the notifier reads
them (see ``benchmarks.notifier``). Then the webhooks' queue, which waits for the
catch-up to end: every notice queued for its subscriptions, a slice a transaction as the
delivery worker queues them, timed on its own."""

import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
from sqlalchemy import func
from sqlmodel import Session, select

from benchmarks._postgres import create_database, drop_database
from benchmarks._processes import ledger_process
from ledger.testing import SEED as LEDGER_SEED
from ledger.testing import serve as serve_ledger
from notifier import trust as trust_config
from notifier.channels.models import Delivery, Notice
from notifier.channels.webhooks import fanout
from notifier.channels.webhooks import service as webhooks_service
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.ingest.ingestor import BATCH, Ingestor
from notifier.ingest.reader import LedgerReader
from notifier.main import MIGRATIONS
from notifier.testing import SOURCE_SIGNER, life
from periplus import db, keyfile, sources
from periplus.events import Envelope
from periplus.note import Signer
from periplus.policy import Policy

CATCH_UP = int(os.environ.get("BENCH_NOTIFIER_CATCH_UP", "100000"))
CATCH_UP_SUBSCRIPTIONS = 20
DEPARTMENTS = tuple(f"Department {n}" for n in range(12))


def catch_up() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ledger_db = workdir / "ledger.db"
        started = time.perf_counter()
        _fill_ledger(ledger_db, CATCH_UP)
        figures: dict[str, Any] = {
            "entries": CATCH_UP,
            "subscriptions": CATCH_UP_SUBSCRIPTIONS,
            "ledger_filled_seconds": round(time.perf_counter() - started, 1),
        }
        with ledger_process(ledger_db) as url, httpx.Client(timeout=120) as http:
            reader = LedgerReader(url, http)
            started = time.perf_counter()
            for start in range(0, CATCH_UP, BATCH):
                reader.entries(start, min(CATCH_UP, start + BATCH))
            baseline = CATCH_UP / (time.perf_counter() - started)
            figures["baseline_ledger_read_entries_per_second"] = round(baseline)
            sqlite_url = f"sqlite:///{workdir / 'notifier.db'}"
            figures["sqlite"] = _catch_up_on(sqlite_url, reader, workdir, baseline)
            postgres_url = create_database()
            if postgres_url is None:
                figures["postgresql"] = {"error": "no PostgreSQL server answers"}
            else:
                try:
                    figures["postgresql"] = _catch_up_on(postgres_url, reader, workdir, baseline)
                finally:
                    drop_database(postgres_url)
    return figures


def _catch_up_on(url: str, reader: LedgerReader, workdir: Path, baseline: float) -> dict[str, Any]:
    """Time one notifier's catch-up from an empty database to the ledger's checkpoint."""
    engine = db.make_engine(url)
    try:
        db.upgrade(engine, MIGRATIONS)
        with Session(engine) as session:
            for n in range(CATCH_UP_SUBSCRIPTIONS):
                body = SubscriptionCreate(url=f"http://127.0.0.1:9/hook/{n}", **_filters(n))
                webhooks_service.create(session, body, None, CATCH_UP_SUBSCRIPTIONS)
            session.commit()
        policy = workdir / "catch-up.policy"
        policy.write_text(str(Policy.log_only(_LEDGER_SIGNER.verifier)))
        trust = trust_config.load(
            policy, {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]}, _LEDGER_SOURCE
        )
        ingestor = Ingestor(engine, reader, trust)
        started = time.perf_counter()
        shown = ingestor.catch_up()
        rate = shown / (time.perf_counter() - started)
        started = time.perf_counter()
        queued = _queue_for_webhooks(engine)
        queue_seconds = time.perf_counter() - started
        with Session(engine) as session:
            deliveries = session.exec(select(func.count()).select_from(Delivery)).one()
            notices = session.exec(select(func.count()).select_from(Notice)).one()
    finally:
        engine.dispose()
    return {
        "shown": shown,
        "notices": notices,
        "deliveries_queued": deliveries,
        "entries_per_second": round(rate),
        "ratio_to_ledger_read": round(rate / baseline, 2),
        "webhook_queue": {
            "notices": queued,
            "seconds": round(queue_seconds, 1),
            "notices_per_second": round(queued / queue_seconds),
        },
    }


def _queue_for_webhooks(engine: Any) -> int:
    """Queue every notice for the webhooks as the delivery worker does; how many."""
    queued = 0
    while True:
        with Session(engine) as session:
            count = fanout.step(session)
            session.commit()
        queued += count
        if count < fanout.SLICE:
            return queued


def _filters(n: int) -> dict[str, Any]:
    """Twenty subscriptions as readers make them: one to everything, the rest filtered by
    department, type, SDG goal with a type, or trips that never come."""
    if n == 0:
        return {}
    kinds: list[dict[str, Any]] = [
        {"sdg_goals": [13], "types": ["trip.approved"]},
        {"departments": [DEPARTMENTS[n % len(DEPARTMENTS)]]},
        {"types": ["trip.reported", "followup.updated"]},
        {"trip_ids": [str(uuid.uuid4())]},
    ]
    return kinds[n % 4]


_LEDGER_SIGNER = Signer("periplus.test/ledger", keyfile.from_seed(LEDGER_SEED))
_LEDGER_SOURCE = "test-city/ledger"


def _fill_ledger(path: Path, count: int) -> None:
    """A ledger of ``count`` entries: whole trip life cycles in the public contract's shapes,
    each trip in one of twelve departments, every event signed by its source; appended
    5,000 at a time, as they are made."""
    keys = {
        SOURCE_SIGNER.name: {"url": "http://127.0.0.1:9", "keys": [str(SOURCE_SIGNER.verifier)]}
    }
    with serve_ledger(f"sqlite:///{path}", sources=keys) as ledger:
        for start in range(0, count, 5000):
            events = trip_events(start, min(count, start + 5000))
            ledger.append(events, checkpoint=start + 5000 >= count)


def trip_events(start: int, end: int) -> list[Envelope]:
    """Events ``start`` to ``end`` (seqs from ``start + 1``) of trips of five events each."""
    template = life(str(uuid.uuid4()))
    events: list[Envelope] = []
    for seq in range(start + 1, end + 1):
        number, step = divmod(seq - 1, len(template))
        trip = uuid.uuid5(uuid.NAMESPACE_URL, f"bench-trip-{number}")
        department, reference = DEPARTMENTS[number % len(DEPARTMENTS)], f"MVD-2026-{number:05d}"
        event = template[step]
        data = orjson.loads(orjson.dumps(event["data"]))
        snapshot = data.get("trip")
        if isinstance(snapshot, dict):
            snapshot.update(
                reference=reference,
                lead_department=department,
                departments=[department, "Mobility"],
            )
        else:
            data["reference"] = reference
        events.append(
            sources.sign(
                SOURCE_SIGNER,
                seq=seq,
                type_=event["type"],
                trip_id=trip,
                occurred_at=event["occurred_at"],
                data=data,
            )
        )
    return events
