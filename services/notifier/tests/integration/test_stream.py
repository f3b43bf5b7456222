"""The live stream over real HTTP: receive, disconnect, resume with Last-Event-ID, filter,
and a stop that ends every stream."""

import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from notifier import state
from notifier.channels.alerts.worker import check_now
from notifier.channels.testing import Entries, connect, ingest, settings, snapshot
from notifier.main import build
from notifier.testing import TRUST, state_of
from periplus.local import wait_for_port
from periplus.testing import Server, eventually, free_port

# The live stream is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


def test_resume_after_a_disconnect_gets_exactly_the_missed_entries(database_url: str) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    app = build(settings(database_url, stream_poll_interval=0.1))
    with Server(app) as server:
        ingest(server, entries.approved(trip), entries.make("trip.amended", trip, amended()))
        with connect(server) as reader:
            ingest(server, entries.make("trip.completed", trip, completed()))
            first = reader.next()
            assert reader.retry == 3000
            assert (first["id"], first["event"]) == ("2", "trip.completed")
            assert first["data"]["data"]["ledger_index"] == 2
            assert first["data"]["data"]["trip_url"].endswith(f"/trips/{trip}")
        hub = state.of(app).stream_hub
        eventually(lambda: not hub.clients)
        ingest(
            server,
            entries.make("trip.reported", trip, reported()),
            entries.make("trip.closed", trip, {"reference": "MVD-2027-0001"}),
        )
        with connect(server, headers={"Last-Event-ID": first["id"]}) as reader:
            assert reader.ids(2) == ["3", "4"]
            ingest(server, entries.approved(str(uuid.uuid4()), reference="MVD-2027-0002"))
            assert reader.ids(1) == ["5"]
        with connect(server, params={"after": "-1"}) as reader:
            events = [reader.next() for _ in range(6)]
            assert [e["id"] for e in events] == ["0", "1", "2", "3", "4", "5"]
            assert [e["event"] for e in events][:2] == ["trip.approved", "trip.amended"]


def test_filters_apply_to_the_replay_and_to_live_events(database_url: str) -> None:
    entries = Entries()
    mobility, health = str(uuid.uuid4()), str(uuid.uuid4())
    with Server(build(settings(database_url, stream_poll_interval=0.1))) as server:
        ingest(
            server,
            entries.approved(mobility),
            entries.approved(
                health, reference="MVD-2027-0002", departments=("Health",), sdg_goals=(3,)
            ),
        )
        params = {"after": "-1", "department": "HEALTH", "sdg_goal": "3"}
        with (
            connect(server, params=params) as by_department,
            connect(
                server, params={"after": "-1", "type": "trip.cancelled", "trip_id": health}
            ) as by_type,
        ):
            assert by_department.ids(1) == ["1"]
            cancel = {"reference": "MVD-2027-0002", "reason": "Flu"}
            ingest(
                server,
                entries.make(
                    "trip.cancelled", mobility, {"reference": "MVD-2027-0001", "reason": "x"}
                ),
                entries.make("trip.cancelled", health, cancel),
            )
            assert by_department.ids(1) == ["3"]
            only = by_type.next()
            assert (only["id"], only["data"]["data"]["event"]["data"]) == ("3", cancel)


def test_a_withheld_entry_and_an_alert_it_erased_are_replayed_as_withheld(
    database_url: str,
) -> None:
    """Once entries are withheld, their notices and an alert that rested on them are of type
    `withheld`: the replay no longer says what they were, and a reader filtering on their
    old types is sent the next one of those types, not them."""
    entries, trip, other = Entries(), str(uuid.uuid4()), str(uuid.uuid4())
    with Server(build(settings(database_url, stream_poll_interval=0.1))) as server:
        ingest(server, entries.approved(trip, report_due=date(2027, 4, 12)))
        assert check_now(state_of(server).engine, 30, today=date(2027, 4, 13)) == 1
        ingest(server, entries.make("trip.completed", trip, completed()))
        ingest(server, entries.withholding(trip, 0), entries.withholding(trip, 1))
        with connect(server, params={"after": "-1"}) as reader:
            replayed = [reader.next() for _ in range(5)]
        assert [(e["id"], e["event"], e["data"]["type"]) for e in replayed] == [
            ("0", "withheld", "withheld"),
            ("0.1", "withheld", "withheld"),
            ("1", "withheld", "withheld"),
            ("2", "entry.withheld", "entry.withheld"),
            ("3", "entry.withheld", "entry.withheld"),
        ]
        old_types = {"after": "-1", "type": ["trip.completed", "alert.report_overdue"]}
        with connect(server, params=old_types) as by_type:
            ingest(server, entries.approved(other, reference="MVD-2027-0002"))
            ingest(server, entries.make("trip.completed", other, completed()))
            assert by_type.ids(1) == ["5"]


def test_bad_resume_points_and_filters_are_problems(database_url: str) -> None:
    with Server(build(settings(database_url))) as server:
        url = f"{server.url}/v1/stream"
        bad_id = httpx.get(url, headers={"Last-Event-ID": "yesterday"})
        assert bad_id.status_code == 400
        assert bad_id.headers["content-type"] == "application/problem+json"
        # Past what a database stores (2^63 - 1), or digits of another script: refused too.
        for resume in ("9223372036854775808", "1.9223372036854775808", "\u0664\u0662"):
            assert httpx.get(url, params={"after": resume}).status_code == 400
        assert httpx.get(url, params={"type": "trip.eaten"}).status_code == 422
        assert httpx.get(url, params={"sdg_goal": "18"}).status_code == 422
        assert httpx.get(url, params={"trip_id": "not-a-uuid"}).status_code == 422


def amended() -> dict[str, Any]:
    return {
        "trip": snapshot(),
        "changes": [{"field": "agenda", "before": [], "after": ["Depot visit"]}],
        "reason": "The host added a depot visit.",
    }


def completed() -> dict[str, Any]:
    money = {"amount": "2400.00", "currency": "UYU"}
    return {
        "reference": "MVD-2027-0001",
        "actual_costs": [],
        "actual_total": money,
        "city_share": money,
    }


def reported() -> dict[str, Any]:
    return {
        "reference": "MVD-2027-0001",
        "report": {
            "summary": "Agreement signed.",
            "results": [{"outcome_id": "o1", "achieved": "yes", "result": "Signed."}],
            "filed_on": "2027-04-01",
            "days_after_return": 20,
        },
        "followups": [
            {
                "id": "f1",
                "commitment": "Pilot two electric buses.",
                "owner_department": "Mobility",
                "due_date": "2027-09-01",
                "status": "open",
            }
        ],
    }


def test_a_full_stream_turns_readers_away_politely(database_url: str) -> None:
    with (
        Server(build(settings(database_url, stream_max_clients=1))) as server,
        connect(server) as first,
    ):
        refused = httpx.get(f"{server.url}/v1/stream")
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "30"
        assert refused.headers["content-type"] == "application/problem+json"
        assert first.response.status_code == 200


def test_one_client_address_holds_at_most_its_share_of_streams(database_url: str) -> None:
    """Counted by the address the app sees: behind the trusted proxy (loopback here), the
    client that ``X-Forwarded-For`` names."""
    behind = {"X-Forwarded-For": "203.0.113.7"}
    app = build(settings(database_url, stream_max_per_client=2))
    with (
        Server(app) as server,
        connect(server, headers=behind),
        connect(server, headers=behind) as second,
    ):
        refused = httpx.get(f"{server.url}/v1/stream", headers=behind)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) > 0
        assert "2 live streams" in refused.json()["detail"]
        with connect(server, headers={"X-Forwarded-For": "203.0.113.8"}) as neighbour:
            assert neighbour.response.status_code == 200
        second.response.close()
        hub = state.of(app).stream_hub
        eventually(lambda: hub.per_address.get("203.0.113.7") == 1)
        with connect(server, headers=behind) as again:
            assert again.response.status_code == 200


def test_sigterm_ends_open_streams_and_then_the_process(database_url: str, tmp_path: Path) -> None:
    """uvicorn waits for open responses before it stops, and a stream never ends by itself:
    the stop must end it, cleanly (the reader sees the end of the body, then reconnects)."""
    port = free_port()
    env = {
        **os.environ,
        "NOTIFIER_PORT": str(port),
        "NOTIFIER_DATABASE_URL": database_url,
        "NOTIFIER_TRUST_POLICY_FILE": str(TRUST["trust_policy_file"]),
        "NOTIFIER_SOURCE_KEYS": json.dumps(TRUST["source_keys"]),
        "NOTIFIER_LEDGER_SOURCE": TRUST["ledger_source"],
        "NOTIFIER_INGEST_ENABLED": "false",
        "NOTIFIER_ALERTS_ENABLED": "false",
        "NOTIFIER_KAFKA_BOOTSTRAP": "127.0.0.1:9",
        "NOTIFIER_LEDGER_URL": "http://127.0.0.1:9",
    }
    log = tmp_path / "notifier.log"
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "notifier.cli", "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        wait_for_port(port, timeout=60)
        url = f"http://127.0.0.1:{port}/v1/stream"
        with httpx.stream("GET", url, timeout=httpx.Timeout(30.0)) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(lines) == ": periplus live stream"
            process.send_signal(signal.SIGTERM)
            rest = list(lines)  # raises if cut off at the grace's end rather than ended
        process.wait(timeout=15)
    finally:
        process.kill()
        process.wait()
    assert rest[0].startswith("retry:")
    assert "Application shutdown complete" in log.read_text()
