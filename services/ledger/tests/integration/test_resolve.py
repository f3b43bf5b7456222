"""One event the log cannot take holds back its own source, never the others, and the
log moves past it only by a public decision (``ledger resolve``)."""

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated, Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Query
from sqlmodel import Session

from ledger import cli
from ledger.ingest import resolve as resolve_module
from ledger.ingest.models import ResolutionRequest, SourceState
from ledger.ingest.records import Received
from ledger.ingest.resolve import ResolveError, held, request, resolve
from ledger.ingest.service import Ingestor
from ledger.log.fact import fact
from ledger.settings import get_settings
from ledger.testing import (
    SEED,
    SOURCE,
    SOURCE_SIGNER,
    Ledger,
    event,
    produce,
    serve,
    source_keys,
)
from periplus.canonical import canonical_bytes
from periplus.events import SPEC
from periplus.kafka import Record, ensure_topic
from periplus.note import Signer
from periplus.sources import SourceKeys
from periplus.testing import Broker, Server, eventually, signed_as_is
from periplus.verify import verify_log

OTHER = "other-city/trips-api"
OTHER_SIGNER = Signer(OTHER, Ed25519PrivateKey.from_private_bytes(bytes(range(40, 72))))
OWN = "test-city/ledger"
NUL_NAME = "Ana\x00Rocha"


def keys_of(*signers: Signer) -> dict[str, list[str]]:
    return {s.name: [str(s.verifier)] for s in signers}


def signed_as_an_older_source_would(seq: int, trip: uuid.UUID, data: dict[str, Any]) -> bytes:
    """Signed by the test source's real key, bypassing the rule on text: valid JSON, valid
    RFC 8785, a valid signature, and a NUL."""
    body = {
        "spec": SPEC,
        "id": str(uuid.uuid4()),
        "source": SOURCE,
        "seq": seq,
        "type": "trip.approved",
        "trip_id": str(trip),
        "occurred_at": "2026-03-02T10:00:00Z",
        "data": data,
    }
    return canonical_bytes(signed_as_is(SOURCE_SIGNER, body))


class CatchUp:
    """A source's catch-up endpoint, serving whatever it is given."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.get("/v1/events")
        def events(
            after: Annotated[int, Query(ge=0)], limit: Annotated[int, Query(ge=1)] = 100
        ) -> dict[str, Any]:
            return {"events": [e for e in self.events if e["seq"] > after][:limit]}


@pytest.fixture
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """What ``ledger resolve`` reads: the same database, key and sources as the served ledger."""
    sources = {
        name: {"url": "http://127.0.0.1:9", "keys": keys}
        for name, keys in (keys_of(SOURCE_SIGNER, OTHER_SIGNER).items())
    }
    for name, value in {
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SIGNING_KEY": SEED,
        "LEDGER_ORIGIN": "periplus.test/ledger",
        "LEDGER_OWN_SOURCE": OWN,
        "LEDGER_SOURCES": json.dumps(sources),
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def logged(ledger: Ledger) -> list[tuple[str, int]]:
    entries = ledger.get("/v1/log/entries", start=0, end=100).json()["entries"]
    return [(e["event"]["source"], e["event"]["seq"]) for e in entries]


def metric(ledger: Ledger, name: str, source: str) -> float:
    for line in ledger.get("/metrics").text.splitlines():
        if line.startswith(f'{name}{{source="{source}"}} '):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def ledger_options(urls: dict[str, str], broker: Broker, topic: str) -> dict[str, Any]:
    """The served ledger's settings: both sources pinned, their catch-up endpoints at
    ``urls``, their events read from ``topic``."""
    return {
        "sources": {
            name: {"url": urls[name], "keys": keys}
            for name, keys in keys_of(SOURCE_SIGNER, OTHER_SIGNER).items()
        },
        "ingest_enabled": True,
        "kafka_bootstrap": broker.bootstrap,
        "trips_topic": topic,
        "entries_topic": f"entries-{topic}",
        "checkpoint_interval": 0.1,
        "catchup_interval": 3600.0,  # once at the start: the broker brings the rest
    }


def check_only_its_source_is_held_back(
    ledger: Ledger,
    broker: Broker,
    topic: str,
    endpoints: dict[str, CatchUp],
    ours: list[bytes],
    theirs: list[bytes],
) -> None:
    """Our seq 2 carries a NUL: our source stops there, the other goes on."""
    # The sources serve what they published, NUL included, as trips-api would.
    endpoints[SOURCE].events = [json.loads(e) for e in ours[:3]]
    endpoints[OTHER].events = [json.loads(e) for e in theirs[:3]]
    produce(broker, topic, [*ours[:3], *theirs[:3]])
    eventually(lambda: len(logged(ledger)) == 4)
    assert sorted(logged(ledger)) == [(OTHER, 1), (OTHER, 2), (OTHER, 3), (SOURCE, 1)]
    endpoints[OTHER].events.append(json.loads(theirs[3]))
    produce(broker, topic, [theirs[3], ours[3]])  # the other source goes on
    eventually(lambda: (OTHER, 4) in logged(ledger))
    refused = ledger.get("/v1/log/quarantine").json()["events"]
    assert {(q["source"], q["seq"]) for q in refused} == {(SOURCE, 2)}
    assert (
        "data.trip.travellers.0.name holds the control character U+0000" in (refused[0]["reason"])
    )
    assert eventually(lambda: metric(ledger, "ledger_source_held_seq", SOURCE)) == 2
    assert metric(ledger, "ledger_source_held_seq", OTHER) == 0
    ready = ledger.get("/readyz")
    assert ready.status_code == 200  # for every other source, the log works
    sources = ready.json()["checks"]["sources"]
    assert (sources["status"], sources["required"]) == ("failing", False)
    assert "`ledger resolve` moves past it" in sources["error"]
    [stuck] = sources["held"]
    assert (stuck["source"], stuck["seq"]) == (SOURCE, 2)
    assert "U+0000" in stuck["reason"]
    assert logged(ledger)[-1] == (OTHER, 4)


def resolve_in_public(capsys: pytest.CaptureFixture[str]) -> None:
    """The operator decides, where no writer runs; only the seq that holds a source back."""
    resolve = ["resolve", "--source", SOURCE, "--reason", "a NUL in a name; city notified"]
    assert cli.main([*resolve, "--seq", "3"]) == 1
    assert "the log's next seq of it is 2" in capsys.readouterr().err
    assert cli.main(["resolve", "--source", OTHER, "--seq", "5", "--reason", "x"]) == 1
    assert "no event for it signed by" in capsys.readouterr().err
    assert cli.main([*resolve, "--seq", "2"]) == 0
    assert (
        "applied now: seq 2 of test-city/trips-api passed; public notice appended at index 5"
        in (capsys.readouterr().out)
    )
    assert cli.main([*resolve, "--seq", "2"]) == 1


def check_the_log_moved_past_it(
    ledger: Ledger, broker: Broker, topic: str, trip: uuid.UUID
) -> None:
    """After the decision: a public notice, our source's later seqs logged and verifiable,
    and a real event for the passed seq, come late, refused with the reason."""
    eventually(lambda: (SOURCE, 4) in logged(ledger))  # fetched at the start
    assert logged(ledger)[5:] == [(OWN, 1), (SOURCE, 3), (SOURCE, 4)]
    [notice] = ledger.get("/v1/audit/entries", type="source.seq_resolved").json()["entries"]
    assert notice["event"]["data"] == {
        "source": SOURCE,
        "seq": 2,
        "reason": "a NUL in a name; city notified",
    }
    sources = ledger.get("/readyz").json()["checks"]["sources"]
    assert (sources["status"], sources["held"]) == ("ok", [])
    assert metric(ledger, "ledger_source_held_seq", SOURCE) == 0
    pinned = SourceKeys.configured(keys_of(SOURCE_SIGNER, OTHER_SIGNER))
    eventually(lambda: ledger.get("/v1/log/checkpoint").text.split("\n")[1] == "8")
    report = verify_log(ledger.url, proofs=-1, sources=pinned)
    assert (report.size, report.signatures_checked) == (8, 8)
    late = event(2, trip)
    produce(broker, topic, [late.leaf])
    reasons = eventually(
        lambda: [
            q["reason"]
            for q in ledger.get("/v1/log/quarantine").json()["events"]
            if str(late.id) in q["raw"]
        ]
    )
    assert reasons == [
        f"seq 2 of {SOURCE} was passed: the log moved past it with a public "
        "source.seq_resolved notice"
    ]


def test_a_nul_holds_back_its_own_source_only_until_resolved_in_public(
    environment: str, broker: Broker, capsys: pytest.CaptureFixture[str]
) -> None:
    trip, elsewhere = uuid.uuid4(), uuid.uuid4()
    nul = signed_as_an_older_source_would(2, trip, {"trip": {"travellers": [{"name": NUL_NAME}]}})
    ours = [event(1, trip).leaf, nul, event(3, trip).leaf, event(4, trip).leaf]
    theirs = [event(seq, elsewhere, signer=OTHER_SIGNER).leaf for seq in (1, 2, 3, 4)]
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    endpoints = {SOURCE: CatchUp(), OTHER: CatchUp()}
    with Server(endpoints[SOURCE].app) as mine, Server(endpoints[OTHER].app) as other:
        options = ledger_options({SOURCE: mine.url, OTHER: other.url}, broker, topic)
        with serve(environment, **options) as ledger:
            check_only_its_source_is_held_back(ledger, broker, topic, endpoints, ours, theirs)
        resolve_in_public(capsys)
        endpoints[SOURCE].events = [json.loads(e) for e in ours]
        with serve(environment, **options) as ledger:
            check_the_log_moved_past_it(ledger, broker, topic, trip)


def test_an_entry_the_database_refuses_is_quarantined_alone(ledger: Ledger) -> None:
    trip = uuid.uuid4()
    # A value the type forbids, as a corrupt message may carry: NOT NULL on either database.
    broken = fact(event(2, trip))._replace(trip_id=None)  # type: ignore[arg-type]
    odd = event(2, trip, data={"trip": {"departments": 5, "sdg_goals": "all"}}, signer=OTHER_SIGNER)
    facts = [
        fact(event(1, trip)),
        broken,
        fact(event(3, trip)),
        fact(event(1, trip, signer=OTHER_SIGNER)),
        fact(odd),  # a shape the auditors' tags cannot read is still logged as signed
    ]
    ingestor = Ingestor(ledger.engine, {SOURCE: "", OTHER: ""}, httpx.Client())
    with Session(ledger.engine) as session:
        ingestor.handle(session, [Received(f"t/0/{i}", b"", f) for i, f in enumerate(facts)])
        session.commit()
    assert sorted(logged(ledger)) == [(OTHER, 1), (OTHER, 2), (SOURCE, 1)]
    [refused] = ledger.get("/v1/log/quarantine").json()["events"]
    assert refused["reason"].startswith("the log cannot store it: ")
    assert "trip_id" in refused["reason"]
    assert (refused["source"], refused["seq"]) == (SOURCE, 2)
    with Session(ledger.engine) as session:
        assert [(h.source, h.seq) for h in held(session, [SOURCE, OTHER], source_keys())] == [
            (SOURCE, 2)
        ]


def after_seq_1_from_the_broker(ledger: Ledger, trip: uuid.UUID, raws: list[bytes]) -> Ingestor:
    """Seq 1 of the test source logged, then ``raws`` taken from the broker, as the ledger's
    consumer takes them; the ingestor, with the source's key, that took them."""
    ledger.append([event(1, trip)])
    ingestor = Ingestor(ledger.engine, {SOURCE: ""}, httpx.Client(), source_keys())
    records = [Record("trips", 0, n, None, raw) for n, raw in enumerate(raws)]
    with Session(ledger.engine) as session:
        ingestor.handle(session, ingestor.prepare(records))
        session.commit()
    return ingestor


def test_what_anyone_could_send_holds_no_source_back_and_cannot_be_resolved(
    ledger: Ledger,
) -> None:
    trip = uuid.uuid4()
    named = json.dumps({"source": SOURCE, "seq": 2}).encode()  # a name and a seq, no more
    impostor = Signer(SOURCE, Ed25519PrivateKey.generate())  # the source's name, not its key
    forged = [named, event(2, trip, data={"n": "forged"}, signer=impostor).leaf]
    ingestor = after_seq_1_from_the_broker(ledger, trip, forged)
    refused = ledger.get("/v1/log/quarantine").json()["events"]
    assert [(r["source"], r["seq"]) for r in refused] == [(SOURCE, 2), (SOURCE, 2)]
    with Session(ledger.engine) as session:
        assert held(session, [SOURCE], source_keys()) == []
        with pytest.raises(ResolveError, match="not stuck"):
            resolve(session, SOURCE, 2, "forged", ledger.own_signer, [SOURCE], source_keys())
    assert ledger.get("/readyz").json()["checks"]["sources"]["status"] == "ok"
    # The city's own seq 2, when it comes, is logged as ever.
    with Session(ledger.engine) as session:
        ingestor.ingest(session, [event(2, trip)])
        session.commit()
    assert logged(ledger) == [(SOURCE, 1), (SOURCE, 2)]


def test_a_flood_of_claims_anyone_could_send_hides_no_signed_event_that_holds(
    ledger: Ledger,
) -> None:
    trip = uuid.uuid4()
    flood = [json.dumps({"source": SOURCE, "seq": 2, "n": n}).encode() for n in range(150)]
    real = signed_as_an_older_source_would(2, trip, {"name": "Ana\u0000Rocha"})
    ingestor = after_seq_1_from_the_broker(ledger, trip, [*flood, real])
    with Session(ledger.engine) as session:
        assert [(h.source, h.seq) for h in held(session, [SOURCE], source_keys())] == [(SOURCE, 2)]
    # Each row was read and checked once, when the ingestor looked; one is the source's.
    assert len(ingestor.verdicts) == 151
    assert sum(ingestor.verdicts.values()) == 1


def taking(ledger: Ledger) -> Callable[..., None]:
    """``take(*leaves, at=offset)``: the leaves as read from the broker at ``offset`` on, by
    an ingestor of our source, committed."""
    ingestor = Ingestor(
        ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys()
    )

    def take(*leaves: bytes, at: int = 0) -> None:
        with Session(ledger.engine) as session:
            records = [Record("t", 0, at + i, None, leaf) for i, leaf in enumerate(leaves)]
            ingestor.handle(session, ingestor.prepare(records))
            session.commit()

    return take


def test_another_event_under_a_logged_seq_is_quarantined_and_raises_the_alarm(
    ledger: Ledger,
) -> None:
    trip = uuid.uuid4()
    first, second, third = event(1, trip), event(2, trip), event(3, trip)
    twin = event(2, trip, data={"n": "another second event"})
    take = taking(ledger)
    take(first.leaf, second.leaf)
    before = metric(ledger, "ledger_seq_conflicts_total", SOURCE)
    take(twin.leaf, at=2)
    take(twin.leaf, at=2)  # redelivered: listed and counted once
    take(second.leaf, third.leaf, at=3)  # a redelivery of the real one is no alarm
    assert metric(ledger, "ledger_seq_conflicts_total", SOURCE) == before + 1
    assert logged(ledger) == [(SOURCE, 1), (SOURCE, 2), (SOURCE, 3)]
    [alarm] = ledger.get("/v1/log/quarantine").json()["events"]
    assert alarm["reason"] == (
        f"alarm: seq 2 of {SOURCE} is in the log as event {second.id}; "
        f"this is another event, {twin.id}, with the same seq"
    )
    assert (alarm["source"], alarm["seq"]) == (SOURCE, 2)


def test_a_position_moved_past_a_seq_outside_the_ledger_raises_the_alarm(
    ledger: Ledger,
) -> None:
    """Someone with the database, not the log key, moves the source's position past seq 2
    so that its event is dropped: no notice passed it, so the event that comes is an alarm,
    not a seq passed in public."""
    trip = uuid.uuid4()
    take = taking(ledger)
    take(event(1, trip).leaf)
    with Session(ledger.engine) as session:
        state = session.get(SourceState, SOURCE)
        assert state is not None
        state.last_seq = 2
        session.add(state)
        session.commit()
    dropped = event(2, trip)
    before = metric(ledger, "ledger_seq_conflicts_total", SOURCE)
    take(dropped.leaf, event(3, trip).leaf, at=1)
    assert metric(ledger, "ledger_seq_conflicts_total", SOURCE) == before + 1
    [alarm] = ledger.get("/v1/log/quarantine").json()["events"]
    assert alarm["reason"] == (
        f"alarm: the log is past seq 2 of {SOURCE}, yet holds no event and no public "
        "source.seq_resolved notice at it: its position was moved outside the ledger"
    )
    assert str(dropped.id) in alarm["raw"]


def resolving(capsys: pytest.CaptureFixture[str], seq: int, reason: str) -> tuple[int, str]:
    """``ledger resolve`` of our source's ``seq``: its exit code and what it printed."""
    code = cli.main(["resolve", "--source", SOURCE, "--seq", str(seq), "--reason", reason])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def check_passed_in_public(ledger: Ledger, reason: str) -> None:
    """Seq 2 of our source passed by one notice of the ledger's, for ``reason``, and seq 3
    logged after it."""
    eventually(lambda: (SOURCE, 3) in logged(ledger))
    assert logged(ledger) == [(SOURCE, 1), (OWN, 1), (SOURCE, 3)]
    [notice] = ledger.get("/v1/audit/entries", type="source.seq_resolved").json()["entries"]
    assert notice["event"]["data"] == {"source": SOURCE, "seq": 2, "reason": reason}


def forge_request(ledger: Ledger, seq: int) -> str:
    """A decision written into the database by someone without the log key, as the command
    would write it but signed with another key: why the writer refused it."""
    stranger = Signer(OWN, Ed25519PrivateKey.from_private_bytes(bytes(range(80, 112))))
    with Session(ledger.engine) as session:
        row_id = request(session, SOURCE, seq, "dropped by someone with the database", stranger).id
        session.commit()

    def refused() -> str | None:
        with Session(ledger.engine) as session:
            row = session.get(ResolutionRequest, row_id)
            return None if row is None or row.done_at is None else row.refused

    return str(eventually(refused))


def test_a_decision_made_while_the_writer_runs_is_queued_and_applied_by_it(
    environment: str, broker: Broker, capsys: pytest.CaptureFixture[str]
) -> None:
    trip = uuid.uuid4()
    nul = signed_as_an_older_source_would(2, trip, {"trip": {"travellers": [{"name": NUL_NAME}]}})
    ours = [event(1, trip).leaf, nul, event(3, trip).leaf]
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    source = CatchUp()
    source.events = [json.loads(e) for e in ours]
    with Server(source.app) as mine:
        options = ledger_options({SOURCE: mine.url, OTHER: "http://127.0.0.1:9"}, broker, topic)
        with serve(environment, **{**options, "catchup_interval": 0.2}) as ledger:
            produce(broker, topic, ours)
            assert eventually(lambda: metric(ledger, "ledger_source_held_seq", SOURCE)) == 2
            forged = forge_request(ledger, 2)
            assert "not signed with the log key" in forged
            assert (
                ledger.get("/v1/audit/entries", type="source.seq_resolved").json()["entries"] == []
            )
            code, printed = resolving(capsys, 3, "not the one held")
            assert code == 1
            assert "not resolved: the writer refused request 2: seq 3 of" in printed
            assert "the log's next seq of it is 2" in printed
            code, printed = resolving(capsys, 2, "a NUL in a name; city notified")
            assert code == 0, printed
            assert "queued for the writer (request 3)" in printed
            assert f"applied by the writer: seq 2 of {SOURCE} passed; public notice" in printed
            check_passed_in_public(ledger, "a NUL in a name; city notified")
            assert ledger.is_writer  # nothing was stopped to decide


def test_a_seq_the_source_lost_holds_it_back_in_view_until_resolved_as_never_arrived(
    environment: str, broker: Broker, capsys: pytest.CaptureFixture[str]
) -> None:
    """The source's database lost seq 2: the broker brings 1 and 3, the source serves 1 and
    3. The source is shown held at 2 (missing, how long), and, once the source answered
    without it, the operator passes it while the writer runs: the notice says it never came."""
    trip = uuid.uuid4()
    kept = [event(1, trip), event(3, trip)]
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    source = CatchUp()
    source.events = [json.loads(e.leaf) for e in kept]
    with Server(source.app) as mine:
        options = ledger_options({SOURCE: mine.url, OTHER: "http://127.0.0.1:9"}, broker, topic)
        with serve(environment, **{**options, "catchup_interval": 0.2}) as ledger:
            produce(broker, topic, [e.leaf for e in kept])
            assert eventually(lambda: metric(ledger, "ledger_source_held_seq", SOURCE)) == 2
            sources = eventually(
                lambda: (
                    ledger.get("/readyz").json()["checks"]["sources"]
                    if "does not have it" in ledger.get("/readyz").text
                    else None
                )
            )
            [stuck] = sources["held"]
            assert (stuck["source"], stuck["seq"]) == (SOURCE, 2)
            assert stuck["reason"].startswith(
                f"seq 2 of {SOURCE} never arrived: later seqs did, and {SOURCE}, asked for "
                "it, answered that it does not have it"
            )
            assert stuck["missing_seconds"] >= 0
            assert "or a seq that never came holds a source back" in sources["error"]
            code, printed = resolving(capsys, 2, "the city's database lost it")
            assert code == 0, printed
            assert f"applied by the writer: seq 2 of {SOURCE} passed" in printed
            check_passed_in_public(
                ledger,
                f"seq 2 never arrived; {SOURCE}, asked for it, does not have it. "
                "the city's database lost it",
            )
            eventually(lambda: ledger.get("/readyz").json()["checks"]["sources"]["held"] == [])


def test_a_missing_seq_the_source_never_denied_may_be_passed_only_after_a_while(
    ledger: Ledger,
) -> None:
    """A source that cannot be reached may still have it: refused, until it has been missing
    ``missing_after`` seconds."""
    trip = uuid.uuid4()
    ledger.append([event(1, trip), event(3, trip)])  # 3 waits: 2 cannot be fetched
    with Session(ledger.engine) as session:
        [stuck] = held(session, [SOURCE], source_keys())
        assert (stuck.seq, stuck.missing) == (2, True)
        assert "neither the broker nor" in stuck.reason
        with pytest.raises(ResolveError, match="it may still arrive: it can be resolved once"):
            resolve(session, SOURCE, 2, "lost", ledger.own_signer, [SOURCE], source_keys())
        resolve(session, SOURCE, 2, "lost", ledger.own_signer, [SOURCE], source_keys(), 0.0)
        session.commit()
    [notice] = ledger.get("/v1/audit/entries", type="source.seq_resolved").json()["entries"]
    assert notice["event"]["data"]["reason"].startswith("seq 2 never arrived; missing since ")
    assert notice["event"]["data"]["reason"].endswith(". lost")


def test_a_signed_decision_read_back_after_its_time_is_refused_as_stale(ledger: Ledger) -> None:
    """A request the command signed, copied or reset in the database long after, is not
    applied to what the log has become since."""
    own = Signer(OWN, Ed25519PrivateKey.from_private_bytes(base64.b64decode(SEED)))
    with Session(ledger.engine) as session:
        row = request(session, SOURCE, 1, "an old decision", own)
        row.requested_at -= timedelta(minutes=20)
        row.note = own.sign(resolve_module._request_text(row))
        session.commit()
        [done] = resolve_module.apply_requested(session, own, [SOURCE], source_keys(), 3600.0)
        assert done.notice_index is None
        assert done.refused is not None
        assert "minutes ago, longer than a decision may wait" in done.refused
