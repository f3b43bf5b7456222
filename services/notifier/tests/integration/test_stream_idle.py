"""The stream hub costs nothing while nobody listens, and only ever reads as a reader:
counted by the engine's own events, over real HTTP."""

import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from notifier import state
from notifier.channels.testing import Entries, connect, ingest, settings, snapshot
from notifier.main import build
from periplus.testing import Server, eventually

pytestmark = pytest.mark.backends("sqlite", "postgresql")

POLL = 0.01
QUIET = 0.5  # fifty of the hub's polls


class HubReads:
    """Statements on the notice log, and transactions begun, by threads other than the
    test's own (which ingests)."""

    def __init__(self, engine: Engine) -> None:
        self.test = threading.get_ident()
        self.reads = 0
        self.writers = 0  # transactions begun as a writer, not with ``db.reading``
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "begin", self._begin)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() != self.test and "FROM channel_notice" in statement:
            self.reads += 1

    def _begin(self, conn: Connection) -> None:
        read_only = conn.get_execution_options().get("read_only", False)
        if threading.get_ident() != self.test and not read_only:
            self.writers += 1

    def reset(self) -> None:
        self.reads = self.writers = 0


def amended() -> dict[str, Any]:
    return {
        "trip": snapshot(),
        "changes": [{"field": "agenda", "before": [], "after": ["Depot visit"]}],
        "reason": "The host added a depot visit.",
    }


def test_with_no_reader_the_hub_reads_nothing(database_url: str) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    app = build(settings(database_url, stream_poll_interval=POLL, webhooks_enabled=False))
    with Server(app) as server:
        hub = state.of(app).stream_hub
        counted = HubReads(state.of(app).engine)
        ingest(server, entries.approved(trip))  # rings the hub's bell too
        time.sleep(QUIET)
        assert counted.reads == 0
        with connect(server) as reader:
            ingest(server, entries.make("trip.amended", trip, amended()))
            assert reader.ids(1) == ["1"]
            assert counted.reads > 0
        eventually(lambda: not hub.clients)
        time.sleep(QUIET)  # a read begun as the reader left ends
        counted.reset()
        ingest(server, entries.approved(str(uuid.uuid4()), reference="MVD-2027-0002"))
        time.sleep(QUIET)
        assert counted.reads == 0


def test_the_first_reader_after_a_quiet_spell_misses_nothing(database_url: str) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    app = build(settings(database_url, stream_poll_interval=POLL, webhooks_enabled=False))
    with Server(app) as server:
        ingest(server, *[entries.approved(str(uuid.uuid4())) for _ in range(3)])
        with connect(server, headers={"Last-Event-ID": "0"}) as reader:
            assert reader.ids(2) == ["1", "2"]  # missed, read by the reader itself
            ingest(server, entries.approved(trip, reference="MVD-2027-0002"))
            assert reader.ids(1) == ["3"]  # live, offered by the hub
        with connect(server) as reader:  # from now: the hub moved on while idle
            ingest(server, entries.make("trip.amended", trip, amended()))
            assert reader.ids(1) == ["4"]


def test_the_hub_never_queues_as_a_writer(database_url: str) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    app = build(settings(database_url, stream_poll_interval=POLL, webhooks_enabled=False))
    with Server(app) as server:
        counted = HubReads(state.of(app).engine)
        with connect(server, params={"after": "-1"}) as reader:
            ingest(server, entries.approved(trip), entries.make("trip.amended", trip, amended()))
            assert reader.ids(2) == ["0", "1"]
            time.sleep(QUIET)
        assert counted.reads > 0
        assert counted.writers == 0
