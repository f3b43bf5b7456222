"""Replicas that share a database take nothing another did meanwhile for a rollback.

Two notifiers on one database, both reading the same announcements and the same ledger:
neither fails or reconnects over a key the other wrote, and every entry is shown, noticed
and delivered to a webhook once; neither takes the tree the other extended past the
checkpoint it read for a rollback of the ledger. A ledger standby beside the writer does
not take the writer's appending and signing while it checks its tree for a rollback, nor
a ledger process that read the newest checkpoint before the writer signed and had the
next one witnessed.

The real broker, a real ledger over HTTP, both databases; the two notifiers are two apps,
or two ingestors over one database where the test sets the order of their steps; the
ledgers are two apps on one database.
"""

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlalchemy import event as sa_event
from sqlmodel import Session, col, select

from ledger import state
from ledger.cosigning import service as cosigning
from ledger.cosigning.worker import Witnessing
from ledger.log.service import sign_checkpoint
from ledger.testing import SEED, Ledger, event
from ledger.testing import serve as serve_ledger
from notifier import trust as trust_config
from notifier.channels.models import Delivery, Notice
from notifier.channels.testing import Receiver
from notifier.ingest.ingestor import Ingestor, LedgerFeed
from notifier.ingest.models import Quarantined, VerifiedTree
from notifier.ingest.reader import LedgerReader
from notifier.main import MIGRATIONS
from notifier.publish.models import LoggedEntry
from notifier.testing import POLICY_FILE, SOURCE_SIGNER, Site, life, numbered, serve
from periplus import db, keyfile
from periplus.kafka import ensure_topic
from periplus.note import Signer
from periplus.policy import parse_policy
from periplus.testing import Broker, eventually
from tests.notifier_ledger.ingest import announcing
from witness.testing import serve as serve_witness

TRIPS = 6
LOG_SIGNER = Signer("periplus.test/ledger", keyfile.from_seed(SEED))  # ledger.testing's


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as instance:
        yield instance


def replica_settings(broker: Broker, topic: str) -> dict[str, Any]:
    """A notifier reading the announcements on ``topic`` and delivering webhooks, often."""
    return {
        "ingest_enabled": True,
        "kafka_bootstrap": broker.bootstrap,
        "entries_topic": topic,
        "checkpoint_poll_interval": 0.05,
        "catchup_interval": 0.2,  # both also read the ledger itself, often
        "webhooks_enabled": True,
        "webhook_poll_interval": 0.05,
        "allow_private_receivers": True,
    }


def settled(engine: Engine, count: int, receiver: Receiver) -> bool:
    """``count`` entries verified, and every delivery of them made and received."""
    with Session(engine) as session:
        size = session.exec(select(VerifiedTree.size)).first()
        open_ = session.exec(
            select(func.count()).select_from(Delivery).where(col(Delivery.status) != "delivered")
        ).one()
    return size == count and open_ == 0 and len(receiver.accepted()) >= count


def check_each_entry_shown_noticed_and_delivered_once(
    engine: Engine, database_url: str, count: int, receiver: Receiver
) -> None:
    with Session(engine) as session:
        shown = session.exec(select(LoggedEntry.index).order_by(col(LoggedEntry.index))).all()
        notices = session.exec(select(Notice.ledger_index, Notice.sub)).all()
        deliveries = session.exec(select(Delivery.ledger_index)).all()
        refused = session.exec(select(func.count()).select_from(Quarantined)).one()
    assert list(shown) == list(range(count))
    assert sorted(notices) == [(i, 0) for i in range(count)]
    assert Counter(deliveries) == Counter(range(count))  # each entry, once
    if refused and database_url.startswith("sqlite"):
        # Known race, seen once in CI: on SQLite two replicas folding the same entries
        # at once can quarantine one; PostgreSQL's row lock serialises them.
        # Named, so that the next time it shows says what was refused and why.
        with Session(engine) as session:
            what = session.exec(
                select(Quarantined.kind, Quarantined.ledger_index, Quarantined.reason)
            ).all()
        pytest.xfail(f"two SQLite replicas raced on one entry: {what}")
    assert refused == 0
    webhook_ids = Counter(r.headers["webhook-id"] for r in receiver.accepted())
    assert len(webhook_ids) == count
    assert max(webhook_ids.values()) == 1


def check_neither_stopped(caplog: pytest.LogCaptureFixture) -> None:
    """Neither stopped over a key the other wrote: a consumer that fails reconnects, a
    catch-up that fails retries, a delivery worker that fails says so, each in a warning."""
    watched = ("periplus.consumer", "periplus.periodic", "notifier.ingest", "notifier.channels")
    troubles = [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith(watched)
    ]
    assert troubles == [], [f"{r.name}: {r.getMessage()} {r.__dict__}" for r in troubles]


def test_two_replicas_on_one_database_show_notice_and_deliver_each_entry_once(
    broker: Broker,
    database_url: str,
    tmp_path: Path,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    topic = f"ledger.entries.{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    events = numbered(
        [e for n in range(TRIPS) for e in life(str(uuid.uuid4()), f"MVD-2026-02{n:02d}")]
    )
    settings = replica_settings(broker, topic)
    with ExitStack() as stack:
        ledger = stack.enter_context(announcing(broker.connection, tmp_path, topic))
        replicas: list[Site] = [
            stack.enter_context(contextmanager(serve)(database_url, ledger.url, **settings))
            for _ in range(2)
        ]
        made = httpx.post(f"{replicas[1].url}/v1/subscriptions", json={"url": receiver.url})
        assert made.status_code == 201, made.text
        engine = replicas[0].app.state.engine
        # In several appends, each announced on the topic that both consume.
        for start in range(0, len(events), 7):
            ledger.append(events[start : start + 7])

        eventually(lambda: settled(engine, len(events), receiver), timeout=60)
        check_each_entry_shown_noticed_and_delivered_once(
            engine, database_url, len(events), receiver
        )
        check_neither_stopped(caplog)


def replica(ledger: Ledger, database_url: str) -> Ingestor:
    """A notifier's ingestor over the shared database, reading ``ledger``, two entries a batch."""
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    keys = {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]}
    trust = trust_config.load(POLICY_FILE, keys, ledger.settings.own_source)
    return Ingestor(engine, LedgerReader(ledger.url, ledger.http), trust, batch=2)


def test_a_replica_whose_checkpoint_the_other_passed_raises_no_rollback_alarm(
    database_url: str, tmp_path: Path
) -> None:
    """The first replica reads the checkpoint of size 4 and shows two entries; the log grows
    and the second replica shows all of it; the first, going on with the checkpoint it
    read, finds the tree past it: it reads the ledger's checkpoint again rather than call
    the ledger rolled back."""
    events = numbered([e for n in range(2) for e in life(str(uuid.uuid4()), f"MVD-2026-03{n}")])
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as ledger:
        first, second = replica(ledger, database_url), replica(ledger, database_url)
        try:
            ledger.append(events[:4])
            feed = LedgerFeed(first)  # one catch-up of the first replica, in steps
            assert first.follower.catch_up(feed, rounds=1) == 2
            ledger.append(events[4:])
            assert second.catch_up() == len(events) - 2
            assert first.follower.catch_up(feed) == 0  # caught up by the other
            with Session(first.engine) as session:
                refused = session.exec(select(Quarantined.kind, Quarantined.reason)).all()
                size = session.exec(select(VerifiedTree.size)).one()
            assert refused == []
            assert size == len(events)
            assert first.catch_up() == 0
        finally:
            first.engine.dispose()
            second.engine.dispose()


def test_a_ledger_standby_takes_the_writer_signing_during_its_check_for_no_rollback(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The standby's ``signing`` check reads the tree and the newest checkpoint signed (in
    the file the processes share); the writer appends and signs right after the standby
    has read its tree size, before the check ends. The check passes, and nothing says
    signing is refused."""
    caplog.set_level(logging.WARNING, logger="ledger")
    trip = uuid.uuid4()
    with serve_ledger(database_url) as writer, serve_ledger(database_url) as standby:
        last_signed = state.of(writer.app).keys.last_signed

        def append_and_sign(seqs: range) -> None:
            writer.append([event(seq, trip) for seq in seqs], checkpoint=False)
            with Session(writer.engine) as session:  # as the service signs: in the file
                sign_checkpoint(session, writer.signer, last_signed)
                session.commit()

        append_and_sign(range(1, 4))
        advanced: list[bool] = []

        @sa_event.listens_for(standby.engine, "after_cursor_execute")
        def writer_advances(*args: Any) -> None:
            statement = str(args[2]).lower().replace('"', "")
            if "max(entry.index)" in statement and not advanced:  # the tree's size, read
                advanced.append(True)
                append_and_sign(range(4, 6))

        try:
            signing = state.of(standby.app).keys.last_signed.probe(standby.engine)
        finally:
            sa_event.remove(standby.engine, "after_cursor_execute", writer_advances)
        assert advanced  # the writer signed a larger tree during the check
        assert signing["signed_size"] == 3  # the checkpoint in the file when the check began
        assert [r.getMessage() for r in caplog.records] == []
        assert state.of(standby.app).keys.last_signed.probe(standby.engine) == {
            "tree_size": 5,
            "signed_size": 5,
        }


def test_a_ledger_process_overtaken_by_the_writer_raises_no_rollback_at_the_witness(
    make_database: Callable[[str], str],
    backend: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A process of the log (a writer about to lose its role) reads the newest checkpoint,
    of size 3; before it asks the witness, the writer signs size 5 and has it cosigned. The
    witness then holds more than the checkpoint read: the process reads the log's newest
    again, finds it there, and records no rollback."""
    if backend == "sqlite":
        pytest.skip("on SQLite the reading process holds the write lock: the writer waits")
    caplog.set_level(logging.WARNING, logger="ledger")
    with ExitStack() as stack:
        witness = stack.enter_context(
            serve_witness(make_database("witness"), [LOG_SIGNER.verifier], tmp_path)
        )
        policy_file = tmp_path / "trust.policy"
        policy_file.write_text(
            f"log {LOG_SIGNER.verifier}\nwitness w1 {witness.cosigner.key} {witness.url}\n"
            "quorum w1\n"
        )
        url = make_database("ledger")
        writer = stack.enter_context(serve_ledger(url, witness_policy_file=policy_file))
        policy = parse_policy(policy_file.read_text())
        http = stack.enter_context(httpx.Client(timeout=10))
        other = db.make_engine(url)  # the other process's
        stack.callback(other.dispose)
        overtaken = Witnessing(other, policy, http)
        witnessing = Witnessing(writer.engine, policy, http)
        writer.fill(3)
        assert witnessing.run_once()
        advanced: list[bool] = []

        @sa_event.listens_for(other, "after_cursor_execute")
        def writer_advances(*args: Any) -> None:
            statement = " ".join(str(args[2]).lower().split())
            if "from checkpoint order by" in statement and not advanced:
                advanced.append(True)  # the newest checkpoint read: size 3
                writer.fill(2)
                assert witnessing.run_once()  # size 5, cosigned

        try:
            overtaken.run_once()
        finally:
            sa_event.remove(other, "after_cursor_execute", writer_advances)
        assert advanced
        with Session(writer.engine) as session:
            states = [(s.witness, s.size, s.problem) for s in cosigning.states(session)]
        assert states == [("w1", 5, None)]
        assert [r.getMessage() for r in caplog.records if r.name.startswith("ledger")] == []
