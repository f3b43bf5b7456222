"""The demo, loaded through a real trips API over HTTP, read back as the public reads it.

This checks three things at once: the loader speaks the trips API as it is, the
trips API's events follow the public contract (``periplus.public``), and every
demo trip renders as a page with a checklist in each language.
"""

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from notifier.testing import Site, serve
from periplus.events import parse_envelope
from periplus.public import DATA_MODELS
from periplus.testing import Server
from trips_api.keys import service as keys
from trips_api.main import build
from trips_api.settings import Settings

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Demo:
    trips: int
    """How many trips the loader says it loaded."""
    events: list[dict[str, object]]
    """The trips API's public events after the load, as the ledger reads them."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo loaded once into a trips API, as an operator loads it (``python -m
    deploy.demo``, from the repository's root)."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('trips') / 'trips.db'}",
        relay_enabled=False,
        kafka_bootstrap="127.0.0.1:9",
        reference_prefix="MVD",
        reporting_currency="EUR",
    )
    app = build(settings)
    with Server(app) as server:
        with Session(app.state.engine) as session:
            _, admin = keys.create(session, "demo loader", ["admin"])
            _, approval = keys.create(session, "demo approvals", ["admin"])
            session.commit()
        command = [sys.executable, "-m", "deploy.demo", "--trips-url", server.url]
        loaded = subprocess.run(
            [*command, "--admin-key", admin, "--approval-key", approval, "--currency", "EUR"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert loaded.returncode == 0, loaded.stderr
        assert "(already there)" not in loaded.stdout
        # The keys the load made are revoked; the admin keys it was given are not.
        listed = httpx.get(f"{server.url}/v1/keys", headers={"Authorization": f"Bearer {admin}"})
        revoked = {k["name"]: k["revoked_at"] is not None for k in listed.json()["keys"]}
        assert revoked == {
            "demo loader": False,
            "demo approvals": False,
            "demo writer": True,
            "demo approver": True,
            "demo reporter": True,
        }
        summary = re.search(r"^(\d+) trips loaded through ", loaded.stdout, re.M)
        assert summary is not None, loaded.stdout
        found: list[dict[str, object]] = []
        after = 0
        while True:
            page = httpx.get(f"{server.url}/v1/events", params={"after": after, "limit": 1000})
            batch = page.json()["events"]
            if not batch:
                break
            found.extend(batch)
            after = page.json()["last_seq"]
        yield Demo(int(summary[1]), found)


@pytest.fixture
def site(database_url: str, demo: Demo) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(demo.events)
        yield running


def test_every_demo_event_follows_the_public_contract(demo: Demo) -> None:
    assert demo.trips > 0
    kinds: dict[str, int] = {}
    for raw in demo.events:
        envelope = parse_envelope(raw)
        DATA_MODELS[envelope.type].model_validate(envelope.data)
        kinds[envelope.type] = kinds.get(envelope.type, 0) + 1
    assert kinds["trip.approved"] == demo.trips
    assert {
        "trip.amended",
        "trip.corrected",
        "trip.cancelled",
        "trip.completed",
        "trip.reported",
        "followup.updated",
        "trip.closed",
    } <= set(kinds)


@pytest.mark.parametrize("lang", ["en", "es", "fr", "pt"])
def test_every_demo_trip_reads_as_a_page(site: Site, lang: str, demo: Demo) -> None:
    listing = httpx.get(f"{site.url}/?lang={lang}").text
    links = re.findall(r'href="(/trips/[0-9a-f-]{36})\?lang=', listing)
    assert len(links) == demo.trips
    statuses: set[str] = set()
    for link in links:
        page = httpx.get(f"{site.url}{link}?lang={lang}")
        assert page.status_code == 200
        assert "trip.unvalidated" not in page.text
        assert len(re.findall(r'data-signal="', page.text)) >= 8
        statuses.update(re.findall(r'data-status="(\w+)"', page.text))
    assert statuses == {"pass", "warning", "pending"}
