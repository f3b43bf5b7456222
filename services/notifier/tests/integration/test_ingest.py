"""Folding ledger entries in the public contract's shapes into the read model."""

import hashlib
import json
import uuid
from datetime import UTC, datetime

import httpx
import orjson
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Column, Engine, Float, Integer, MetaData, Table, Text, cast
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from notifier import state
from notifier.channels.models import Notice
from notifier.ingest import quarantine, service, staging
from notifier.ingest.models import Quarantined
from notifier.ingest.rows import insert_many
from notifier.publish.models import LoggedEntry, TripFacet, TripView
from notifier.testing import event, life, serve, snapshot
from periplus import merkle, sources
from periplus.canonical import canonical_bytes
from periplus.events import EventRejectedError, parse_envelope
from periplus.kafka import Record
from periplus.note import Signer
from periplus.public import Money


def _apply(engine: Engine, events: list[dict[str, object]], start: int = 0) -> int:
    with Session(engine) as session:
        applied = service.apply(session, list(enumerate(events, start)))
        session.commit()
    return applied


def test_a_whole_life_folds_into_current_state_and_timeline(engine: Engine) -> None:
    trip_id = str(uuid.uuid4())
    assert _apply(engine, life(trip_id)) == 5
    with Session(engine) as session:
        view = session.get(TripView, trip_id)
        assert view is not None
        assert (view.reference, view.status, view.last_index) == ("MVD-2026-0001", "reported", 4)
        assert view.departure_date == "2026-03-10"
        state = view.state
        assert state.trip is not None
        assert state.trip.itinerary[0].city == "Quito"
        assert state.amendments[0].reason == "The host added a depot visit."
        assert state.completed is not None
        assert state.completed.actual_total == Money(amount="4000.00", currency="USD")
        assert state.report is not None
        assert state.report.results[1].achieved == "partly"
        assert [f.status for f in state.followups] == ["open", "done"]
        assert state.unvalidated == []
        timeline = session.exec(select(LoggedEntry.type).order_by(col(LoggedEntry.index))).all()
        assert timeline[0] == "trip.approved"
        assert timeline[-1] == "followup.updated"
        facets = {(f.kind, f.value) for f in session.exec(select(TripFacet)).all()}
        assert {
            ("department", "Mobility"),
            ("sdg", "13"),
            ("country", "EC"),
            ("traveller", "Ana Pérez"),
            ("traveller", "Adviser 1"),
            ("year", "2026"),
        } <= facets


def test_replayed_entries_are_applied_once(engine: Engine) -> None:
    trip_id = str(uuid.uuid4())
    events = life(trip_id)
    assert _apply(engine, events) == 5
    assert _apply(engine, events) == 0
    with Session(engine) as session:
        assert len(session.exec(select(LoggedEntry)).all()) == 5
        view = session.get(TripView, trip_id)
        assert view is not None
        assert len(view.state.amendments) == 1


def test_data_off_the_contract_is_shown_with_what_is_known(engine: Engine) -> None:
    """An older flat record and a report that is no report: both entries are kept and
    marked, the trip keeps its headline and status, and nothing off the contract enters
    the typed state."""
    flat = {
        "reference": "MVD-2025-0007",
        "title": "Older flat record",
        "purpose": "Attend a network assembly.",
        "destination": {"country": "FR", "city": "Chartres"},
        "departure_date": "2025-10-01",
        "return_date": "2025-10-04",
        "departments": ["Culture"],
        "sdg_goals": [11],
    }
    trip_id, other = str(uuid.uuid4()), str(uuid.uuid4())
    events = [
        event("trip.approved", trip_id, flat, check=False),
        event("trip.reported", trip_id, {"reference": "MVD-2025-0007", "report": "?"}, check=False),
        event("trip.approved", other, {"trip": snapshot("MVD-2025-0008")}),
    ]
    assert _apply(engine, events) == 3
    with Session(engine) as session:
        odd = session.get(TripView, trip_id)
        assert odd is not None
        assert (odd.title, odd.reference, odd.status) == (
            "Older flat record",
            "MVD-2025-0007",
            "reported",
        )
        assert odd.departure_date == "2025-10-01"
        assert (odd.state.trip, odd.state.report, odd.state.reported_at) == (
            None,
            None,
            events[1]["occurred_at"],
        )
        assert odd.state.unvalidated == [0, 1]
        facets = session.exec(select(TripFacet.kind).where(TripFacet.trip_id == trip_id)).all()
        assert list(facets) == ["year"]
        assert (
            len(session.exec(select(LoggedEntry).where(LoggedEntry.trip_id == trip_id)).all()) == 2
        )
        fine = session.get(TripView, other)
        assert fine is not None
        assert fine.title == "Study visit MVD-2025-0008"


def test_facets_follow_amendments(engine: Engine) -> None:
    trip_id = str(uuid.uuid4())
    first = snapshot("MVD-2026-0002", country="EC")
    moved = {**first, "itinerary": [{**first["itinerary"][0], "country": "PE", "city": "Lima"}]}
    events = [
        event("trip.approved", trip_id, {"trip": first}),
        event(
            "trip.corrected",
            trip_id,
            {
                "trip": moved,
                "changes": [{"field": "itinerary", "before": "EC", "after": "PE"}],
                "reason": "Wrong country recorded.",
            },
        ),
    ]
    _apply(engine, events)
    with Session(engine) as session:
        countries = session.exec(
            select(TripFacet.value).where(col(TripFacet.kind) == "country")
        ).all()
        assert list(countries) == ["PE"]


def test_a_pending_change_shows_until_approved_or_rejected_and_corrections_fold(
    engine: Engine,
) -> None:
    """The public record stays as approved while a change waits for a second holder; the
    wait itself is public, and a correction of the aftermath replaces what it corrects."""
    trip_id = str(uuid.uuid4())
    whole = life(trip_id)
    pending = {
        "reference": "MVD-2026-0001",
        "kind": "corrected",
        "fields": ["actual_costs"],
        "reason": "The hotel refunded one night.",
    }
    refund = whole[2]["data"]["actual_total"] | {"amount": "3800.00"}
    completed = {**whole[2]["data"], "actual_total": refund}
    report = whole[3]["data"]["report"] | {"summary": "The pilot agreement was signed."}
    snapshot_ = whole[0]["data"]["trip"]
    corrected = {
        "trip": snapshot_,
        "changes": [{"field": "actual_costs", "before": "4000.00", "after": "3800.00"}],
        "reason": "The hotel refunded one night.",
        "completed": completed,
        "report": report,
    }
    events = [
        *whole,
        event("trip.change_pending", trip_id, pending, "2026-04-21T09:00:00.000Z"),
    ]
    _apply(engine, events)
    with Session(engine) as session:
        view = session.get(TripView, trip_id)
        assert view is not None
        assert view.state.pending_change is not None
        assert view.state.pending_change.fields == ["actual_costs"]
        assert view.state.completed is not None
        assert view.state.completed.actual_total.amount == "4000.00"
    rejected = {**pending, "reason": "The refund is not on the statement."}
    again = [
        event("trip.change_rejected", trip_id, rejected, "2026-04-22T09:00:00.000Z"),
        event("trip.change_pending", trip_id, pending, "2026-04-23T09:00:00.000Z"),
        event("trip.corrected", trip_id, corrected, "2026-04-24T09:00:00.000Z"),
    ]
    _apply(engine, again, start=len(events))
    with Session(engine) as session:
        view = session.get(TripView, trip_id)
        assert view is not None
        state = view.state
        assert state.pending_change is None
        assert "pending_change" not in view.data
        assert [r.reason for r in state.rejected_changes] == [rejected["reason"]]
        assert state.completed is not None
        assert state.completed.actual_total.amount == "3800.00"
        assert state.report is not None
        assert state.report.summary == "The pilot agreement was signed."
        assert [f.status for f in state.followups] == ["open", "done"]
        assert view.status == "reported"
        assert state.unvalidated == []


def test_a_state_stored_untyped_reads_and_is_stored_typed_by_the_next_entry(
    engine: Engine,
) -> None:
    """A row kept before the state was typed may hold an odd entry's raw data: the pages
    read it without that part, and the next entry of the trip stores it typed."""
    trip_id = str(uuid.uuid4())
    whole = life(trip_id)
    _apply(engine, whole[:3])
    with Session(engine) as session:
        view = session.get(TripView, trip_id)
        assert view is not None
        view.data = {
            **view.data,
            "report": "?",
            "followups": [{"id": "f1"}],
            "unvalidated": [9],
        }
        session.add(view)
        session.commit()
    with Session(engine) as session:
        view = session.get(TripView, trip_id)
        assert view is not None
        assert (view.state.report, view.state.followups, view.state.unvalidated) == (None, [], [9])
        assert view.state.completed is not None
    _apply(engine, whole[3:4], start=3)
    with Session(engine) as session:
        view = session.get(TripView, trip_id)
        assert view is not None
        assert view.data["report"]["summary"].startswith("The pilot agreement was signed")
        assert [f["id"] for f in view.data["followups"]] == ["f1", "f2"]
        assert view.data["unvalidated"] == [9]
        assert view.status == "reported"


def test_a_withheld_entry_leaves_no_bytes_in_the_public_quarantine(engine: Engine) -> None:
    """An entry refused here (its signature, its text) is still a copy of what the law may
    later withhold: the withholding notice erases its bytes, and its reason stays listed."""
    trip_id = str(uuid.uuid4())
    refused = event("trip.approved", trip_id, {"trip": snapshot("MVD-2026-0007")})
    with Session(engine) as session:
        raw = canonical_bytes({**refused, "note": "Dr. Jane Private"})
        quarantine.entry(session, "entry", "the signature does not verify", raw, "ledger", 0)
        session.commit()
    ledger = Signer("test-city/ledger", Ed25519PrivateKey.generate())
    notice = sources.sign(
        ledger,
        seq=1,
        type_="entry.withheld",
        trip_id=uuid.UUID(trip_id),
        data={"index": 0, "leaf_hash": "00" * 32, "reason": "privacy", "legal_basis": "Art. 17"},
    ).to_json()
    _apply(engine, [notice], start=1)
    with Session(engine) as session:
        [row] = session.exec(select(Quarantined)).all()
    assert (row.raw, row.sha256) == (b"", None)  # a digest would confirm a guess at them
    assert row.reason == "the signature does not verify (bytes withheld, notice at index 1)"


def _withhold_first(engine: Engine, trip_id: str, leaf: bytes) -> None:
    """Apply the ledger's notice, as entry 1, that entry 0 (``leaf``) is withheld."""
    ledger = Signer("test-city/ledger", Ed25519PrivateKey.generate())
    said = {"index": 0, "leaf_hash": merkle.leaf_hash(leaf).hex()}
    notice = sources.sign(
        ledger,
        seq=1,
        type_="entry.withheld",
        trip_id=uuid.UUID(trip_id),
        data={**said, "reason": "privacy", "legal_basis": "Art. 17"},
    ).to_json()
    _apply(engine, [notice], start=1)


def test_an_announcement_is_listed_by_its_digest_and_its_bytes_are_not_kept(
    database_url: str,
) -> None:
    """Anyone who can write to the broker can announce anything: an entry's bytes under
    another index, the entry cut short, a text of his own. None of it is kept, so the public
    list carries nothing for him and no copy of what the law later withholds; each is
    listed with its reason and the SHA-256 and size of its bytes."""
    trip_id = str(uuid.uuid4())
    trip = snapshot("MVD-2026-0011")
    trip["travellers"][0]["name"] = "Zoë Hiddenname"
    entry = event("trip.approved", trip_id, {"trip": trip})
    messages = [
        json.dumps({"index": "0", "event": entry}).encode(),
        json.dumps({"index": 0, "event": entry}).encode()[:-40],
        json.dumps({"index": 1, "text": "The mayor took a bribe, says the city's site"}).encode(),
    ]
    records = [Record("ledger.entries.v1", 0, n, None, m) for n, m in enumerate(messages)]
    digests = [(hashlib.sha256(m).hexdigest(), len(m)) for m in messages]
    for site in serve(database_url):
        engine = state.of(site.app).engine
        _apply(engine, [entry])
        with Session(engine) as session:
            staging.stage(session, staging.read(records), 0)
            session.commit()
            rows = session.exec(select(Quarantined).order_by(col(Quarantined.id))).all()
        assert [(r.kind, r.raw, r.sha256, r.size) for r in rows] == [
            ("announcement", b"", *d) for d in digests
        ]
        listed = httpx.get(f"{site.url}/v1/quarantine").json()["items"]
        assert [(q["raw"], q["sha256"], q["size"]) for q in listed] == [(None, *d) for d in digests]
        assert listed[0]["reason"].startswith("an announcement names its index")
        assert listed[1]["reason"].startswith("not JSON")
        assert "Hiddenname" not in json.dumps(listed)
        assert "bribe" not in json.dumps(listed)


def test_an_entry_holds_its_event_as_encoding_it_would_and_its_notice_only_its_head(
    engine: Engine,
) -> None:
    """The entry's row holds the bytes encoding its event makes, also for an event that
    only the slow encoder takes (an integer past 64 bits); its notice holds no copy of it."""
    trip_id = str(uuid.uuid4())
    events = life(trip_id)[:2]
    events[1]["data"]["count"] = 2**70
    _apply(engine, events)
    with Session(engine) as session:
        stored = session.execute(
            select(col(LoggedEntry.index), cast(col(LoggedEntry.event), Text)).order_by(
                col(LoggedEntry.index)
            )
        ).all()
        bodies = session.execute(
            select(col(Notice.ledger_index), cast(col(Notice.body), Text)).order_by(
                col(Notice.ledger_index)
            )
        ).all()
    assert [text for _, text in stored] == [
        orjson.dumps(events[0]).decode(),
        json.dumps(events[1]),
    ]
    heads = [("MVD-2026-0001", "Study visit MVD-2026-0001")] * 2
    for (index, text), event_, (reference, title) in zip(bodies, events, heads, strict=True):
        head = {
            "ledger_index": index,
            "trip_id": trip_id,
            "reference": reference,
            "title": title,
            "occurred_at": event_["occurred_at"],
        }
        assert text == orjson.dumps(head).decode()


def test_rows_of_a_type_without_a_binary_form_are_copied_as_text(engine: Engine) -> None:
    """On PostgreSQL rows are copied in binary where every column's type has a binary
    form here; a table with another type (a float) is copied as text, all the same."""
    odd = Table(
        "odd_rows",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("amount", Float),
        Column("at", UTCDateTime()),
        Column("note", Text),
    )
    odd.create(engine)
    moment = datetime(2026, 3, 1, 12, tzinfo=UTC)
    rows: list[dict[str, object]] = [
        {"id": 1, "amount": 4000.5, "at": moment, "note": "tab\there"},
        {"id": 2, "amount": None, "at": None, "note": None},
    ]

    class Odd:
        __table__ = odd

    with Session(engine) as session:
        insert_many(session, Odd, rows)
        session.commit()
        found = session.execute(odd.select().order_by(odd.c.id)).all()
    assert [tuple(row) for row in found] == [tuple(row.values()) for row in rows]


def test_an_integer_too_large_for_its_column_is_refused_not_wrapped(engine: Engine) -> None:
    """Binary COPY would store 2**31 in a 32-bit column as -2**31: such a batch goes as
    text, and PostgreSQL refuses it as it always did; SQLite's integers hold it."""
    narrow = Table("narrow_rows", MetaData(), Column("id", Integer, primary_key=True))
    narrow.create(engine)

    class Narrow:
        __table__ = narrow

    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            with pytest.raises(psycopg.errors.NumericValueOutOfRange):
                insert_many(session, Narrow, [{"id": 1}, {"id": 2**31}])
            return
        insert_many(session, Narrow, [{"id": 1}, {"id": 2**31}])
        session.commit()
        assert list(session.execute(narrow.select().order_by(narrow.c.id)).scalars()) == [1, 2**31]


def test_a_refusal_quoting_a_nul_or_a_lone_surrogate_is_listed(engine: Engine) -> None:
    """What the broker or the ledger sent may put a NUL or a lone surrogate into a reason, an
    origin or a checkpoint's note: each is listed, escaped, and once."""
    keyed = b'{"\\u0000": 1, "spec": "periplus.event/2"}'
    with pytest.raises(EventRejectedError) as refusal:
        parse_envelope(keyed)
    with Session(engine) as session:
        for _ in range(2):
            quarantine.entry(session, "announcement", str(refusal.value), keyed, "t/0/\x00", 3)
            quarantine.checkpoint(session, "policy", "key \ud800", "note \ud800\n", "ledger")
        session.commit()
    with Session(engine) as session:
        rows = session.exec(select(Quarantined).order_by(col(Quarantined.id))).all()
    assert [(r.kind, r.origin, r.raw) for r in rows] == [
        ("announcement", "t/0/\\u0000", b""),  # an announcement's bytes are not kept
        ("checkpoint", "ledger", "note \ud800\n".encode(errors="surrogatepass")),
    ]
    assert rows[0].reason.endswith("; \\u0000: Extra inputs are not permitted")
    assert rows[1].reason == "key \\ud800"
