"""An entry's notice holds its head only; the stream and the webhooks take the event from
the read model's entry, and send the very bytes a notice holding the event made."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Text, cast, update
from sqlmodel import Session, col, select

from notifier.channels import notices
from notifier.channels.models import Notice
from notifier.channels.testing import Entries, Receiver, ingest, settings, subscribe
from notifier.channels.webhooks.worker import DeliveryWorker
from notifier.main import build
from notifier.publish.models import LoggedEntry
from notifier.testing import state_of
from periplus.testing import Server, eventually

TITLE = "Visita a São Paulo: «movilidad» — 東京"  # sent as it is, not escaped
PUBLIC = "https://trips.example.org"


def _entries(trip: str) -> list[tuple[int, dict[str, Any]]]:
    """An approval and an amendment of one trip, holding a number only the slow encoder
    takes and a fraction."""
    entries = Entries()
    approved = entries.approved(trip)
    amended = entries.make(
        "trip.amended",
        trip,
        {
            "trip": approved[1]["data"]["trip"],
            "changes": [{"field": "agenda", "before": [], "after": ["Depot visit"]}],
            "reason": "The host added a depot visit.",
        },
    )
    for _, event in (approved, amended):
        event["data"]["trip"] = {**event["data"]["trip"], "title": TITLE}
    amended[1]["data"]["count"], amended[1]["data"]["share"] = 2**70, 0.1
    return [approved, amended]


def _as_before(notice: Notice, event: dict[str, Any]) -> str:
    """The payload as it was made when a notice held its entry's event in its body."""
    body = {
        "ledger_index": notice.ledger_index,
        "trip_id": event["trip_id"],
        "reference": "MVD-2027-0001",
        "title": TITLE,
        "occurred_at": event["occurred_at"],
        "event": event,
    }
    payload = {
        "type": event["type"],
        "timestamp": notice.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "id": str(notice.ledger_index),
        "data": {**body, "trip_url": f"{PUBLIC}/trips/{event['trip_id']}"},
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _stored(server: Server) -> tuple[list[Notice], list[str]]:
    """The notices, in order, and the text of each one's body as stored."""
    with Session(state_of(server).engine) as session:
        rows = session.exec(select(Notice).order_by(col(Notice.ledger_index), col(Notice.sub)))
        texts = session.execute(
            select(cast(col(Notice.body), Text)).order_by(col(Notice.ledger_index))
        )
        return list(rows.all()), list(texts.scalars().all())


def _stream(server: Server, count: int) -> dict[str, str]:
    """The ``data`` of the first ``count`` events the stream replays, as sent, by id."""
    read: dict[str, str] = {}
    with httpx.stream("GET", f"{server.url}/v1/stream", params={"after": "-1"}, timeout=10) as live:
        last = ""
        for line in live.iter_lines():
            if line.startswith("id: "):
                last = line[4:]
            elif line.startswith("data: "):
                read[last] = line[6:]
                if len(read) == count:
                    return read
    raise AssertionError(f"the stream ended after {read}")


def test_a_notice_holds_no_event_and_both_channels_send_it_as_before(
    database_url: str, receiver: Receiver
) -> None:
    trip = str(uuid.uuid4())
    items = _entries(trip)
    with Server(build(settings(database_url))) as server:
        subscribe(server, url=receiver.url)
        ingest(server, *items)
        stored, texts = _stored(server)
        assert [(n.ledger_index, n.sub) for n in stored] == [(0, 0), (1, 0)]
        for notice, text in zip(stored, texts, strict=True):
            assert json.loads(text) == {
                "ledger_index": notice.ledger_index,
                "trip_id": trip,
                "reference": "MVD-2027-0001",
                "title": TITLE,
                "occurred_at": "2027-01-27T10:00:00.000Z",
            }
        expected = {
            str(n.ledger_index): _as_before(n, event)
            for n, (_, event) in zip(stored, items, strict=True)
        }
        assert _stream(server, 2) == expected
        eventually(lambda: len(receiver.accepted()) == 2)
        sent = {json.loads(r.body)["id"]: r.body for r in receiver.accepted()}
        assert sent == {id_: text.encode() for id_, text in expected.items()}


def test_a_body_written_with_its_event_is_sent_as_it_is(database_url: str) -> None:
    """A database written before: the notice's own copy of the event is what is sent."""
    trip = str(uuid.uuid4())
    items = _entries(trip)
    with Server(build(settings(database_url, webhooks_enabled=False))) as server:
        subscribe(server, url="http://127.0.0.1:9/hook")
        ingest(server, *items)
        engine = state_of(server).engine
        stored, _ = _stored(server)
        with Session(engine) as session:
            for notice, (_, event) in zip(stored, items, strict=True):
                session.execute(
                    update(Notice)
                    .where(col(Notice.ledger_index) == notice.ledger_index)
                    .values(body={**notice.body, "event": event})
                )
            # Were the entry's copy read, the payload would differ.
            session.execute(update(LoggedEntry).values(event={"type": "other"}))
            session.commit()
        expected = {
            str(n.ledger_index): _as_before(n, event)
            for n, (_, event) in zip(stored, items, strict=True)
        }
        assert _stream(server, 2) == expected
        worker = DeliveryWorker(engine, state_of(server).settings)
        assert not worker.fan_out()  # every notice queued in one slice
        jobs = worker.claim(10)
        assert {json.loads(job.body)["id"]: job.body for job in jobs} == expected


def test_an_alert_and_an_erased_notice_get_no_event() -> None:
    """Nor a notice whose entry is withheld, though its head still stands."""
    event = {"type": "trip.approved", "trip_id": "t", "data": {"trip": {}}}
    head = {"ledger_index": 4, "trip_id": "t", "reference": "R", "title": "T"}
    erased = {"ledger_index": 4, "trip_id": "t", "withheld": {"reason": "law"}}
    alert = {"trip_id": "t", "due_date": "2027-01-01", "reference": "R", "title": "T"}

    def notice(sub: int, body: dict[str, Any]) -> Notice:
        return Notice(
            ledger_index=4,
            sub=sub,
            type="x",
            trip_id="t",
            departments=[],
            sdg_goals=[],
            body=body,
            created_at=datetime.now(UTC),
        )

    assert notices.sent_body(notice(0, head), event) == {**head, "event": event}
    assert notices.sent_body(notice(0, erased), event) == erased
    assert notices.sent_body(notice(0, head), {"withheld": {"reason": "law"}}) == head
    assert notices.sent_body(notice(0, head), None) == head
    assert notices.sent_body(notice(1, alert), event) == alert
