"""``/readyz`` says whether the notifier can do its job, and the state of what it reads:
ready without the broker (what it verified is still served), unready without its
database; the consumer's lag, the verified tree and the quarantine, also as gauges."""

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from notifier.channels.testing import settings
from notifier.main import build
from notifier.testing import state_of
from periplus.kafka import ensure_topic
from periplus.testing import Broker, Server, eventually, produce

QUIET = {"webhooks_enabled": False}


def gauge(metrics: str, check: str, field: str) -> float:
    prefix = f'readiness_check_value{{check="{check}",field="{field}",service="notifier"}} '
    (line,) = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(line.removeprefix(prefix))


def test_with_the_broker_down_it_stays_ready_and_says_so(database_url: str) -> None:
    with Server(build(settings(database_url, **QUIET))) as server:  # the broker: 127.0.0.1:9
        ready = httpx.get(f"{server.url}/readyz")
        assert httpx.get(f"{server.url}/feed.json").status_code == 200  # reads still work
        metrics = httpx.get(f"{server.url}/metrics").text
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert (checks["broker"]["status"], checks["broker"]["required"]) == ("failing", False)
    assert checks["verified"] == {"status": "ok", "required": False, "tree_size": 0, "waiting": 0}
    assert checks["quarantine"] == {"status": "ok", "required": False, "count": 0}
    assert checks["webhooks"] == {"status": "ok", "required": False, "waiting": 0, "oldest": None}
    assert 'readiness_check_ok{check="broker",service="notifier"} 0.0' in metrics
    assert 'readiness_ready{service="notifier"} 1.0' in metrics


def test_without_its_database_it_is_not_ready(database_url: str, backend: str) -> None:
    with Server(build(settings(database_url, **QUIET))) as server:
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        engine = state_of(server).engine
        name = make_url(database_url).database
        assert name is not None
        if backend == "sqlite":  # a directory where the file was: it cannot be opened
            engine.dispose()
            for path in Path(name).parent.glob(Path(name).name + "*"):
                path.unlink()
            Path(name).mkdir()
        else:
            admin = create_engine(
                make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
        ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    body = ready.json()
    assert body["detail"] == "Failing: database"
    assert (body["checks"]["database"]["status"], body["checks"]["database"]["required"]) == (
        "failing",
        True,
    )


def test_consumer_verified_tree_and_quarantine_are_reported(
    database_url: str, broker: Broker
) -> None:
    """Announcements reach the consumer; none can be shown (the ledger is unreachable),
    so two wait for a checkpoint, and the unreadable one is quarantined."""
    topic = f"entries.{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    event: dict[str, Any] = {"type": "trip.approved", "data": {}}
    announcements = [json.dumps({"index": i, "event": event}).encode() for i in (0, 1)]
    produce(broker.connection, topic, [b"not json", *announcements])
    options = {"ingest_enabled": True, "kafka_bootstrap": broker.bootstrap, "entries_topic": topic}
    with Server(build(settings(database_url, **QUIET, **options))) as server:

        def consumed() -> dict[str, Any]:
            # The probes read side by side: one answer may see the consumer's commit and
            # another not yet, so wait for an answer where both have seen it.
            checks: dict[str, Any] = httpx.get(f"{server.url}/readyz").json()["checks"]
            seen = checks["consumer"].get("offset") == 3 and checks["verified"].get("waiting")
            return checks if seen else {}

        checks = eventually(consumed)
        metrics = httpx.get(f"{server.url}/metrics").text
    assert checks["broker"]["status"] == "ok"
    assert checks["consumer"] == {"status": "ok", "required": False, "offset": 3, "lag": 0}
    assert checks["verified"] == {"status": "ok", "required": False, "tree_size": 0, "waiting": 2}
    assert checks["quarantine"] == {"status": "ok", "required": False, "count": 1}
    assert gauge(metrics, "consumer", "lag") == 0
    assert gauge(metrics, "verified", "waiting") == 2
    assert gauge(metrics, "quarantine", "count") == 1
