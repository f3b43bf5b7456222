"""Gaps in a source's seq are filled from its catch-up endpoint, served over real HTTP."""

import asyncio
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Query, Response
from fastapi.responses import StreamingResponse
from prometheus_client import REGISTRY
from sqlmodel import Session

from ledger.ingest.catchup import MOST_BYTES
from ledger.ingest.resolve import held
from ledger.ingest.service import Ingestor
from ledger.testing import SOURCE, SOURCE_SIGNER, Ledger, event, source_keys
from periplus import sources
from periplus.errors import ProblemError
from periplus.events import Envelope, parse_envelope
from periplus.follower import Backoff
from periplus.note import Signer
from periplus.problems import install_problem_handlers
from periplus.sources import SourceKeys
from periplus.testing import Server


class Source:
    """A source's catch-up endpoint that can be taken down, as trips-api serves it."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events, self.up, self.calls = events, True, 0
        self.app = FastAPI()
        install_problem_handlers(self.app)

        @self.app.get("/v1/events")
        def catch_up(
            after: Annotated[int, Query(ge=0)], limit: Annotated[int, Query(ge=1)] = 100
        ) -> dict[str, Any]:
            self.calls += 1
            if not self.up:
                raise ProblemError(503, "Service unavailable", "down for the test")
            return {"events": [e for e in self.events if e["seq"] > after][:limit]}


def alarmed() -> float:
    """How many events the ledger has counted as a second event under a logged seq."""
    return REGISTRY.get_sample_value("ledger_seq_conflicts_total", {"source": SOURCE}) or 0.0


def test_an_event_signed_again_under_its_seq_and_id_with_other_bytes_is_an_alarm(
    ledger: Ledger,
) -> None:
    """The source signs a second event with the seq and id of one logged, in a later batch
    or in the same one: it is quarantined with the alarm, counted, and said aloud; the
    very same bytes again are a redelivery, skipped."""
    trip = uuid.uuid4()
    first, second = event(1, trip, data={"cost": 100}), event(2, trip)

    def again(e: Envelope, data: dict[str, Any]) -> Envelope:
        return sources.sign(
            SOURCE_SIGNER,
            seq=e.seq,
            type_=e.type,
            trip_id=e.trip_id,
            data=data,
            event_id=e.id,
            occurred_at=e.occurred_at,
        )

    ingestor = Ingestor(ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(timeout=1))
    alarms = alarmed()
    for batch in ([first], [first, again(first, {"cost": 999})], [second, again(second, {})]):
        with Session(ledger.engine) as session:
            ingestor.ingest(session, batch)
            session.commit()
    assert seqs(ledger) == [1, 2]
    rows = ledger.get("/v1/log/quarantine").json()["events"]
    assert [(q["seq"], q["reason"]) for q in rows] == [
        (
            seq,
            f"alarm: seq {seq} of {SOURCE} is in the log as event {e.id}; this is other "
            "bytes of it, with the same seq",
        )
        for seq, e in ((1, first), (2, second))
    ]
    assert alarmed() == alarms + 2


def answering(body: bytes) -> FastAPI:
    """A catch-up endpoint that answers ``body``, whatever it is asked."""
    app = FastAPI()

    @app.get("/v1/events")
    def catch_up() -> Response:
        return Response(body, media_type="application/json")

    return app


@pytest.fixture
def source() -> Iterator[tuple[Source, str]]:
    trip = uuid.uuid4()
    instance = Source([event(seq, trip).to_json() for seq in range(1, 9)])
    with Server(instance.app) as server:
        yield instance, server.url


def seqs(ledger: Ledger) -> list[int]:
    entries = ledger.get("/v1/log/entries", start=0, end=100).json()["entries"]
    return [e["event"]["seq"] for e in entries]


def test_gaps_are_filled_in_order_and_a_down_source_is_caught_up_later(
    ledger: Ledger, source: tuple[Source, str]
) -> None:
    origin, url = source
    arrived = [e for e in origin.events if e["seq"] in (1, 4, 5, 8)]
    now = [0.0]  # the back-off's clock: time passes when the test says so
    backoff = Backoff("catch-up", clock=lambda: now[0])
    ingestor = Ingestor(
        ledger.engine, {SOURCE: url}, httpx.Client(timeout=5), source_keys(), backoff
    )

    def ingest(events: list[dict[str, Any]]) -> None:
        with Session(ledger.engine) as session:
            ingestor.ingest(session, [parse_envelope(e) for e in events])
            session.commit()

    ingest(arrived[:3])  # 1, 4, 5: 2 and 3 are fetched
    assert seqs(ledger) == [1, 2, 3, 4, 5]
    assert origin.calls == 1
    origin.up = False
    ingest(arrived[3:])  # 8 waits: 6 and 7 cannot be fetched now
    assert seqs(ledger) == [1, 2, 3, 4, 5]
    origin.up = True
    assert ingestor.catch_up() == 0  # backing off: the source is not asked
    assert origin.calls == 2
    now[0] += 60
    assert ingestor.catch_up() == 3
    assert seqs(ledger) == list(range(1, 9))
    ingest(arrived)  # a redelivery changes nothing
    assert seqs(ledger) == list(range(1, 9))


def test_an_event_id_seen_before_is_quarantined_and_holds_its_source_there(
    ledger: Ledger,
) -> None:
    trip = uuid.uuid4()
    first, second = event(1, trip), event(2, trip)
    # The same id again, signed by the source under later seqs: in a later batch, and twice
    # within one.
    again = [
        sources.sign(
            SOURCE_SIGNER,
            seq=seq,
            type_=e.type,
            trip_id=e.trip_id,
            data=e.data,
            event_id=e.id,
            occurred_at=e.occurred_at,
        )
        for e, seq in ((first, 3), (second, 4))
    ]
    ingestor = Ingestor(ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(timeout=1))
    for batch in ([first], [second, again[0], again[1], event(5, trip)]):
        with Session(ledger.engine) as session:
            ingestor.ingest(session, batch)
            session.commit()
    assert seqs(ledger) == [1, 2]  # seq 3 is not passed in silence: 4 and 5 wait behind it
    [refused] = ledger.get("/v1/log/quarantine").json()["events"]
    assert refused["reason"] == f"event id {first.id} is already in the log"
    assert (refused["source"], refused["seq"]) == (SOURCE, 3)
    with Session(ledger.engine) as session:
        assert [(h.source, h.seq) for h in held(session, [SOURCE], source_keys())] == [(SOURCE, 3)]


def test_a_catch_up_answer_refused_quoting_a_nul_is_listed(ledger: Ledger) -> None:
    """A source's endpoint answers an event with a key PostgreSQL stores in no text: the
    refusal quotes it escaped."""
    body = b'{"events": [{"\\u0000": 1, "spec": "periplus.event/2"}]}'
    with Server(answering(body)) as server:
        ingestor = Ingestor(
            ledger.engine, {SOURCE: server.url}, httpx.Client(timeout=5), source_keys()
        )
        assert ingestor.catch_up() == 0
    [refused] = ledger.get("/v1/log/quarantine").json()["events"]
    assert refused["reason"].endswith("; \\u0000: Extra inputs are not permitted")
    assert refused["origin"] == f"{server.url}/v1/events?after=0"


@pytest.mark.parametrize(
    ("body", "refused"),
    [(b'{"events": ["\\ud800"]}', 1), (b"[" * 100_000 + b"]" * 100_000, 0)],
    ids=["a lone surrogate", "nested too deep"],
)
def test_a_source_whose_answer_breaks_its_catch_up_keeps_no_other_source_back(
    ledger: Ledger, body: bytes, refused: int
) -> None:
    """The first source's endpoint answers what no reader expects, tick after tick: the
    answer is refused or the source backs off, and the next source is caught up."""
    other = Signer("test-city/other-api", Ed25519PrivateKey.generate())
    keys = SourceKeys.configured(
        {SOURCE: [str(SOURCE_SIGNER.verifier)], other.name: [str(other.verifier)]}
    )
    trip = uuid.uuid4()
    honest = Source([event(seq, trip, signer=other).to_json() for seq in (1, 2, 3)])
    now = [0.0]
    backoff = Backoff("catch-up", clock=lambda: now[0])
    with Server(answering(body)) as hostile, Server(honest.app) as server:
        catch_up = {SOURCE: hostile.url, other.name: server.url}
        ingestor = Ingestor(ledger.engine, catch_up, httpx.Client(timeout=5), keys, backoff)
        assert ingestor.catch_up() == 3
        now[0] += 60
        assert ingestor.catch_up() == 0
    assert seqs(ledger) == [1, 2, 3]
    assert honest.calls == 2
    assert len(ledger.get("/v1/log/quarantine").json()["events"]) == refused
    assert backoff.failing(SOURCE) == (not refused)


def streaming(chunks: Callable[[], AsyncIterator[bytes]]) -> FastAPI:
    """A catch-up endpoint that streams the ``chunks`` it is given, whatever it is asked."""
    app = FastAPI()

    @app.get("/v1/events")
    def catch_up() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="application/json")

    return app


def test_a_source_that_drips_its_answer_fails_at_the_deadline(ledger: Ledger) -> None:
    """Each byte comes within the read timeout, the whole answer never does: the catch-up
    gives up after four read timeouts and the source backs off."""

    async def drip() -> AsyncIterator[bytes]:
        # A byte every 0.1 s, five times within the read timeout: a busy machine's pause
        # between two must not pass for the read timeout, which would end it first.
        for _ in range(100):
            yield b" "
            await asyncio.sleep(0.1)

    backoff = Backoff("catch-up")
    with Server(streaming(drip)) as server:
        http = httpx.Client(timeout=httpx.Timeout(0.5))
        ingestor = Ingestor(ledger.engine, {SOURCE: server.url}, http, source_keys(), backoff)
        started = time.monotonic()
        assert ingestor.catch_up() == 0
        took = time.monotonic() - started
    assert 2 <= took < 4
    assert backoff.failure(SOURCE) == f"{server.url}/v1/events: the answer took longer than 2 s"


def test_a_source_that_answers_more_than_a_page_can_hold_is_not_read_on(ledger: Ledger) -> None:
    """A body far longer than a page of the longest events is dropped once it passes the
    cap, not read whole into memory."""

    async def flood() -> AsyncIterator[bytes]:
        yield b'{"events": ['
        for _ in range(400):
            yield b" " * (1 << 20)
        yield b"]}"

    backoff = Backoff("catch-up")
    with Server(streaming(flood)) as server:
        http = httpx.Client(timeout=5)
        ingestor = Ingestor(ledger.engine, {SOURCE: server.url}, http, source_keys(), backoff)
        tracemalloc.start()
        try:
            assert ingestor.catch_up() == 0
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert backoff.failure(SOURCE) == (
        f"{server.url}/v1/events: the answer is longer than {MOST_BYTES:,} bytes"
    )
    assert peak < 2 * MOST_BYTES  # the 400 MiB sent were never held at once
