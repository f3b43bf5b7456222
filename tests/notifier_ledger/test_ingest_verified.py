"""The notifier shows only what the ledger's signed tree holds and its source signed.

A real ledger over HTTP (``ledger.testing``), the real broker, and both
databases for the notifier. Announcements and the ledger's answers are
hints; what fails is quarantined, counted and listed, never shown.
"""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlmodel import Session, col, select

from ledger.testing import SEED, Ledger
from ledger.testing import serve as serve_ledger
from notifier import state
from notifier.ingest.models import StagedEntry, VerifiedTree
from notifier.main import build
from notifier.publish.models import LoggedEntry, TripView
from notifier.settings import Settings
from notifier.testing import SOURCE_SIGNER, TRUST, Site, life, numbered, serve
from notifier.trust import TrustError
from periplus import keyfile, sources
from periplus.cosignature import Cosigner
from periplus.events import Envelope
from periplus.kafka import Connection, ensure_topic, make_producer
from periplus.note import Signer
from periplus.policy import Policy, PolicyLog, PolicyWitness
from periplus.testing import Broker, eventually

ORIGIN = "periplus.test/ledger"
LEDGER_KEY = Signer(ORIGIN, keyfile.from_seed(SEED)).verifier
IMPOSTOR = Ed25519PrivateKey.from_private_bytes(bytes(range(50, 82)))
QUICK = {"checkpoint_poll_interval": 0.05, "catchup_interval": 3600.0}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        yield running


@contextmanager
def notifier(database_url: str, ledger: Ledger, **extra: Any) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=ledger.url, **extra)


@contextmanager
def announced(
    connection: Connection, database_url: str, tmp_path: Path, **notifier_settings: Any
) -> Iterator[tuple[Ledger, Site, str]]:
    """A ledger that announces on a topic of its own, and a notifier that reads it."""
    topic = f"ledger.entries.{uuid.uuid4().hex[:8]}"
    ensure_topic(connection, topic)
    with (
        serve_ledger(
            f"sqlite:///{tmp_path / 'ledger.db'}",
            ingest_enabled=True,
            kafka_bootstrap=connection.bootstrap,
            entries_topic=topic,
            trips_topic=f"{topic}.in",
        ) as ledger,
        notifier(
            database_url,
            ledger,
            ingest_enabled=True,
            kafka_bootstrap=connection.bootstrap,
            entries_topic=topic,
            **{**QUICK, **notifier_settings},
        ) as site,
    ):
        yield ledger, site, topic


def announce(connection: Connection, topic: str, message: dict[str, Any]) -> None:
    """What anyone who can produce to the topic can do."""
    producer = make_producer(connection)
    try:
        producer.send(topic, json.dumps(message).encode(), b"forger")
        producer.flush()
    finally:
        producer.close()


def shown(site: Site) -> list[int]:
    with Session(site.app.state.engine) as session:
        return list(session.exec(select(LoggedEntry.index).order_by(col(LoggedEntry.index))))


def staged(site: Site) -> list[int]:
    with Session(site.app.state.engine) as session:
        return sorted(session.exec(select(StagedEntry.index)))


def verified_size(site: Site) -> int:
    with Session(site.app.state.engine) as session:
        row = session.get(VerifiedTree, 1)
        return 0 if row is None else row.size


def quarantined(site: Site) -> list[dict[str, Any]]:
    answer = httpx.get(f"{site.url}/v1/quarantine")
    assert answer.status_code == 200
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def metric(site: Site, name: str, label: str) -> float:
    for line in httpx.get(f"{site.url}/metrics").text.splitlines():
        if line.startswith(f"{name}{{{label}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def trip_view(site: Site, trip: str) -> TripView | None:
    with Session(site.app.state.engine) as session:
        return session.get(TripView, trip)


def test_a_forged_announcement_is_quarantined_and_the_real_entry_shown(
    broker: Broker, database_url: str, tmp_path: Path
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0041"))
    with announced(broker.connection, database_url, tmp_path) as (ledger, site, topic):
        before = metric(site, "notifier_entries_quarantined_total", 'kind="announcement"')
        ledger.append(events[:3])
        eventually(lambda: shown(site) == [0, 1, 2])
        # Signed by the city's real key with the next seq: only the tree can tell it apart.
        forged = sources.sign(
            SOURCE_SIGNER,
            seq=4,
            type_="trip.cancelled",
            trip_id=uuid.UUID(trip),
            data={"reference": "MVD-2026-0041", "reason": "Forged: the visit never happened."},
        )
        announce(broker.connection, topic, {"index": 3, "event": forged.to_json()})
        eventually(lambda: staged(site) == [3])
        ledger.append(events[3:4])
        eventually(lambda: shown(site) == [0, 1, 2, 3])
        view = trip_view(site, trip)
        assert view is not None
        assert view.status == "reported"
        page = httpx.get(f"{site.url}/trips/{trip}").text
        assert "The pilot agreement was signed" in page
        assert "the visit never happened" not in page
        [item] = quarantined(site)
        assert (item["kind"], item["ledger_index"]) == ("announcement", 3)
        assert item["reason"].startswith("differs from entry 3, which the checkpoint of size 4")
        assert "Forged" in item["raw"]
        assert item["origin"].startswith(f"{topic}/0/")
        after = metric(site, "notifier_entries_quarantined_total", 'kind="announcement"')
        assert after == before + 1
        assert staged(site) == []


def test_a_forged_withholding_erases_nothing(
    broker: Broker, database_url: str, tmp_path: Path
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0042"))
    with announced(broker.connection, database_url, tmp_path) as (ledger, site, topic):
        ledger.append(events[:3])
        eventually(lambda: shown(site) == [0, 1, 2])
        impostor = Signer("test-city/ledger", IMPOSTOR)  # the ledger's name, not its key
        notice = sources.sign(
            impostor,
            seq=1,
            type_="entry.withheld",
            trip_id=uuid.UUID(trip),
            data={"index": 1, "reason": "Forged", "legal_basis": "None at all"},
        )
        announce(broker.connection, topic, {"index": 1, "withheld": True})
        announce(broker.connection, topic, {"index": 3, "event": notice.to_json()})
        announce(broker.connection, topic, {"nonsense": True})
        eventually(lambda: staged(site) == [3] and len(quarantined(site)) == 1)
        # In the log itself: a withholding stated by the city, which may not withhold.
        by_city = sources.sign(
            SOURCE_SIGNER,
            seq=4,
            type_="entry.withheld",
            trip_id=uuid.UUID(trip),
            data={"index": 2, "reason": "Embarrassing", "legal_basis": "None"},
        )
        ledger.append([by_city])
        eventually(lambda: verified_size(site) == 4)
        assert shown(site) == [0, 1, 2]
        with Session(site.app.state.engine) as session:
            types = session.exec(select(LoggedEntry.type).order_by(col(LoggedEntry.index))).all()
        assert list(types) == ["trip.approved", "trip.amended", "trip.completed"]
        view = trip_view(site, trip)
        assert view is not None
        assert view.data["completed"]["actual_total"]["amount"] == "4000.00"
        assert "withheld" not in view.data
        items = quarantined(site)
        assert [(i["kind"], i["ledger_index"]) for i in items] == [
            ("announcement", None),
            ("announcement", 3),
            ("entry", 3),
        ]
        assert items[0]["reason"] == "an announcement names its index, from 0 to 2^53"
        assert items[2]["reason"] == "only the ledger (test-city/ledger) may withhold an entry"
        first = httpx.get(f"{site.url}/v1/quarantine", params={"limit": 2}).json()
        assert [i["id"] for i in first["items"]] == [items[0]["id"], items[1]["id"]]
        rest = httpx.get(f"{site.url}/v1/quarantine", params={"after": first["next_cursor"]})
        assert [i["id"] for i in rest.json()["items"]] == [items[2]["id"]]
        assert rest.json()["next_cursor"] is None
        bad = httpx.get(f"{site.url}/v1/quarantine", params={"limit": 0})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")


def test_an_entry_its_source_did_not_sign_is_quarantined_and_later_ones_shown(
    database_url: str, ledger: Ledger
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0043"))
    completed = events[2]
    total = {"amount": "1.00", "currency": "USD"}
    tampered = completed.model_copy(update={"data": {**completed.data, "actual_total": total}})
    ledger.append([*events[:2], tampered, *events[3:]])  # the ledger's own checks skipped
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 4
        assert shown(site) == [0, 1, 3, 4]
        assert verified_size(site) == 5
        view = trip_view(site, trip)
        assert view is not None
        assert view.data.get("completed") is None
        assert view.data["report"]["summary"].startswith("The pilot agreement was signed")
        [item] = quarantined(site)
        assert (item["kind"], item["ledger_index"]) == ("entry", 2)
        assert item["reason"].startswith("the signature does not verify under key")
        assert '"1.00"' in item["raw"]
        feed = httpx.get(f"{site.url}/feed.json").text
        assert '"1.00"' not in feed


def test_a_checkpoint_signed_by_a_key_not_in_the_policy_shows_nothing(
    database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    ledger.append(numbered(life(str(uuid.uuid4()))))
    other = Signer(ORIGIN, IMPOSTOR).verifier
    policy = tmp_path / "other.policy"
    policy.write_text(str(Policy.log_only(other)))
    with notifier(database_url, ledger, trust_policy_file=policy) as site:
        before = metric(site, "notifier_checkpoints_refused_total", 'problem="policy"')
        assert state.of(site.app).ingestor.catch_up() == 0
        assert state.of(site.app).ingestor.catch_up() == 0
        assert shown(site) == []
        assert httpx.get(f"{site.url}/feed.json").json()["items"] == []
        [item] = quarantined(site)  # listed once, however often it is refused
        assert (item["kind"], item["ledger_index"]) == ("checkpoint", None)
        assert item["reason"] == (
            "the checkpoint fails the trust policy: the checkpoint carries no signature "
            f"by a listed key of '{ORIGIN}'"
        )
        assert item["raw"].startswith(f"{ORIGIN}\n5\n")
        assert metric(site, "notifier_checkpoints_refused_total", 'problem="policy"') == before + 2


def test_a_checkpoint_without_the_cosignature_the_policy_requires_shows_nothing(
    database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    ledger.append(numbered(life(str(uuid.uuid4()))))
    witness = Cosigner("witness.test/w1", IMPOSTOR).key
    policy = tmp_path / "witnessed.policy"
    policy.write_text(
        str(Policy([PolicyLog(LEDGER_KEY)], {"w1": PolicyWitness("w1", witness)}, quorum="w1"))
    )
    with notifier(database_url, ledger, trust_policy_file=policy) as site:
        assert state.of(site.app).ingestor.catch_up() == 0
        assert shown(site) == []
        [item] = quarantined(site)
        assert item["kind"] == "checkpoint"
        assert "does not meet the policy's quorum 'w1'" in item["reason"]
    # The same ledger, the same notifier database, a policy without the witness: all shown.
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 5


def test_entries_the_broker_lost_are_read_from_the_ledger(
    database_url: str, tmp_path: Path
) -> None:
    broker = Broker()  # this test's own: it goes down
    broker.start()
    try:
        trip = str(uuid.uuid4())
        events = numbered(life(trip, "MVD-2026-0044"))
        with announced(broker.connection, database_url, tmp_path, catchup_interval=1.0) as (
            ledger,
            site,
            _,
        ):
            ledger.append(events[:2])
            eventually(lambda: shown(site) == [0, 1])
            broker.stop()
            ledger.append(events[2:4])
            eventually(lambda: shown(site) == [0, 1, 2, 3], timeout=30)
            broker.start()
            ledger.append(events[4:])
            eventually(lambda: shown(site) == [0, 1, 2, 3, 4], timeout=30)
            assert verified_size(site) == 5
            assert quarantined(site) == []
    finally:
        broker.stop()


def test_a_ledger_that_shows_a_smaller_or_another_tree_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    first, second = numbered(life(str(uuid.uuid4()))), numbered(life(str(uuid.uuid4())))
    with serve_ledger(f"sqlite:///{tmp_path / 'a.db'}") as honest:
        honest.append(first)
        with notifier(database_url, honest) as site:
            assert state.of(site.app).ingestor.catch_up() == 5
    # Same key, other histories: what the notifier showed must not be rewritten.
    with serve_ledger(f"sqlite:///{tmp_path / 'b.db'}") as shrunk:
        shrunk.append(first[:3])
        with notifier(database_url, shrunk) as site:
            assert state.of(site.app).ingestor.catch_up() == 0
    with serve_ledger(f"sqlite:///{tmp_path / 'c.db'}") as forked:
        forked.append(second)
        with notifier(database_url, forked) as site:
            assert state.of(site.app).ingestor.catch_up() == 0
            reasons = [(i["kind"], i["reason"]) for i in quarantined(site)]
            assert reasons == [
                (
                    "checkpoint",
                    "the checkpoint of size 3 is smaller than the tree of size 5 verified already",
                ),
                ("checkpoint", "the checkpoint of size 5 signs another root than ours"),
            ]
            assert shown(site) == [0, 1, 2, 3, 4]
            view = trip_view(site, str(first[0].trip_id))
            assert view is not None
            assert view.status == "reported"


def test_entries_that_do_not_reach_the_signed_root_are_refused(
    database_url: str, ledger: Ledger
) -> None:
    events = numbered(life(str(uuid.uuid4())))
    ledger.append(events)
    altered = events[1].model_copy(update={"occurred_at": "2026-01-01T00:00:00.000Z"})
    with ledger.engine.begin() as connection:  # an operator rewriting the ledger's bytes
        connection.execute(
            text('UPDATE entry SET leaf = :leaf WHERE "index" = 1'), {"leaf": altered.leaf}
        )
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 0
        assert shown(site) == []
        [item] = quarantined(site)
        assert item["reason"] == (
            "the ledger's entries 0..4 do not hash to the root that its checkpoint of size 5 signs"
        )


def test_a_key_rotation_is_followed_and_remembered_after_a_restart(
    database_url: str, ledger: Ledger
) -> None:
    trip = uuid.uuid4()
    successor = Signer(SOURCE_SIGNER.name, IMPOSTOR)
    first, _, amended, completed, reported = life(str(trip), "MVD-2026-0045")

    def signed(signer: Signer, seq: int, event: dict[str, Any]) -> Envelope:
        return sources.sign(signer, seq=seq, type_=event["type"], trip_id=trip, data=event["data"])

    rotation = sources.sign(
        SOURCE_SIGNER,
        seq=2,
        type_=sources.ROTATION,
        trip_id=sources.NO_TRIP,
        data=sources.rotation_data(successor.verifier),
    )
    ledger.append([signed(SOURCE_SIGNER, 1, first), rotation, signed(successor, 3, amended)])
    with notifier(database_url, ledger) as site:
        assert state.of(site.app).ingestor.catch_up() == 3
    ledger.append([signed(successor, 4, completed), signed(SOURCE_SIGNER, 5, reported)])
    with notifier(database_url, ledger) as site:  # a restart: the rotation is read back
        assert state.of(site.app).ingestor.catch_up() == 1
        assert shown(site) == [0, 1, 2, 3]
        [item] = quarantined(site)
        assert (item["kind"], item["ledger_index"]) == ("entry", 4)
        assert "was retired after seq 2" in item["reason"]


def test_a_notifier_without_a_trust_policy_refuses_to_start(database_url: str) -> None:
    settings = Settings(database_url=database_url, ingest_enabled=False, **TRUST)
    with pytest.raises(TrustError, match=r"^NOTIFIER_TRUST_POLICY_FILE is not set"):
        build(settings.model_copy(update={"trust_policy_file": None}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NOTIFIER_")}
    env["NOTIFIER_DATABASE_URL"] = database_url
    done = subprocess.run(
        [str(Path(sys.executable).parent / "notifier"), "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("notifier: NOTIFIER_TRUST_POLICY_FILE is not set")


def test_the_pinned_test_policy_names_the_test_ledgers_key() -> None:
    policy = TRUST["trust_policy_file"].read_text()
    assert policy.endswith(str(Policy.log_only(LEDGER_KEY)))


def test_unsigned_entries_from_before_signatures_are_shown_only_below_the_set_index(
    make_database: Callable[[str], str], ledger: Ledger
) -> None:
    trip = str(uuid.uuid4())
    signed = numbered(life(trip, "MVD-2026-0044"))
    unsigned = [
        Envelope.model_validate({**e.to_json(signed=False), "spec": "periplus.event/1"})
        for e in signed[:2]
    ]
    ledger.append([*unsigned, *signed[2:]])  # an old log: its first entries predate signing
    with notifier(make_database("upgraded"), ledger, unsigned_before=2) as site:
        assert state.of(site.app).ingestor.catch_up() == 5
        assert shown(site) == [0, 1, 2, 3, 4]
        assert quarantined(site) == []
    with notifier(make_database("strict"), ledger) as site:
        state.of(site.app).ingestor.catch_up()
        assert shown(site) == [2, 3, 4]
        assert [q["ledger_index"] for q in quarantined(site)] == [0, 1]
